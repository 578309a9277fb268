#include "plugin/card.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/encoding.h"
#include "common/error.h"

int card_json(const char *schema_url, const cJSON *data, struct buf *out)
{
	cJSON *card = cJSON_CreateObject(), *copy = NULL;
	char *text = NULL;
	int r = ML_IO;

	if (card == NULL ||
	    cJSON_AddStringToObject(card, "schema",
	                            schema_url != NULL && *schema_url != '\0'
	                                ? schema_url
	                                : CARD_SCHEMA_DEFAULT) == NULL ||
	    (copy = cJSON_Duplicate(data, 1)) == NULL) {
		r = ml_fail(ML_IO, "out of memory while rendering the card");
		goto out;
	}
	cJSON_AddItemToObject(card, "data", copy);
	if ((text = cJSON_PrintUnformatted(card)) == NULL) {
		r = ml_fail(ML_IO, "out of memory while rendering the card");
		goto out;
	}
	if (buf_append_str(out, text) < 0) {
		r = ml_fail(ML_IO, "card is larger than %u bytes", CARD_MAX);
		goto out;
	}
	r = 0;
out:
	cJSON_free(text);
	cJSON_Delete(card);
	return r;
}

int card_encode(const char *schema_url, const cJSON *data, struct buf *out)
{
	struct buf json;
	int r;

	buf_init(&json, CARD_MAX);
	if ((r = card_json(schema_url, data, &json)) != 0)
		goto out;
	if (buf_append_str(out, "\033]1338;") < 0 || base64_encode(json.data, json.len, out) < 0 ||
	    buf_append_str(out, "\033]0m\n") < 0) {
		r = ml_fail(ML_IO, "card is larger than %u bytes", CARD_MAX);
		goto out;
	}
	r = 0;
out:
	buf_release(&json);
	return r;
}

/* The descriptor a path names when it is the step's own output (as Drone's runner sets it), or -1. */
static int output_descriptor(const char *path)
{
	static const char *const out_paths[] = {"/dev/stdout", "/dev/fd/1", "/proc/self/fd/1",
	                                        NULL};
	static const char *const err_paths[] = {"/dev/stderr", "/dev/fd/2", "/proc/self/fd/2",
	                                        NULL};
	size_t i;

	for (i = 0; out_paths[i] != NULL; i++)
		if (strcmp(path, out_paths[i]) == 0)
			return STDOUT_FILENO;
	for (i = 0; err_paths[i] != NULL; i++)
		if (strcmp(path, err_paths[i]) == 0)
			return STDERR_FILENO;
	return -1;
}

int card_write(const char *path, const char *schema_url, const cJSON *data)
{
	struct buf card;
	ssize_t n;
	int fd = -1, out, r = ML_IO;

	buf_init(&card, CARD_MAX);
	if (path == NULL || *path == '\0') {
		r = 0;
		goto out;
	}
	out = output_descriptor(path);
	/*
	 * The step's output: the escape sequence the runner extracts, written to
	 * the descriptor itself so it lands in order with the log even when
	 * stdout is a regular file. Any other path: the card as plain JSON, as
	 * Drone's own plugins write it there.
	 */
	if ((r = out >= 0 ? card_encode(schema_url, data, &card)
	                  : card_json(schema_url, data, &card)) != 0)
		goto out;
	if (out >= 0) {
		fflush(out == STDOUT_FILENO ? stdout : stderr);
		fd = dup(out);
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
	}
	if (fd < 0) {
		r = ml_fail(ML_IO, "cannot open card path '%s': %s", path, strerror(errno));
		goto out;
	}
	do {
		n = write(fd, card.data, card.len);
	} while (n < 0 && errno == EINTR);
	if (n < 0 || (size_t)n != card.len) {
		r = ml_fail(ML_IO, "cannot write the card to '%s': %s", path,
		            n < 0 ? strerror(errno) : "short write");
		goto out;
	}
	r = 0;
out:
	if (fd >= 0)
		close(fd);
	buf_release(&card);
	return r;
}

int card_write_record(const char *path, const char *schema_url, const struct audit_record *rec)
{
	cJSON *data;
	int r;

	if (path == NULL || *path == '\0')
		return 0;
	if ((data = audit_record_object(rec)) == NULL)
		return ml_fail(ML_IO, "out of memory while rendering the card");
	r = card_write(path, schema_url, data);
	cJSON_Delete(data);
	return r;
}
