#include "plugin/card.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/encoding.h"
#include "common/error.h"

int card_encode(const char *schema_url, const cJSON *data, struct buf *out)
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
	if (buf_append_str(out, "\033]1338;") < 0 || base64_encode(text, strlen(text), out) < 0 ||
	    buf_append_str(out, "\033]0m\n") < 0) {
		r = ml_fail(ML_IO, "card is larger than %u bytes", CARD_MAX);
		goto out;
	}
	r = 0;
out:
	cJSON_free(text);
	cJSON_Delete(card);
	return r;
}

int card_write(const char *path, const char *schema_url, const cJSON *data)
{
	struct buf card;
	ssize_t n;
	int fd = -1, r = ML_IO;

	buf_init(&card, CARD_MAX);
	if (path == NULL || *path == '\0') {
		r = 0;
		goto out;
	}
	if ((r = card_encode(schema_url, data, &card)) != 0)
		goto out;
	/*
	 * Drone's runner sets /dev/stdout: write to the descriptor itself, so the
	 * card lands in order with the log even when stdout is a regular file.
	 */
	if (strcmp(path, "/dev/stdout") == 0) {
		fflush(stdout);
		fd = dup(STDOUT_FILENO);
	} else {
		fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644);
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
