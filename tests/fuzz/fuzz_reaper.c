/*
 * Owner labels and the engine's answers the reaper judges them by: a label
 * is set by whoever may create containers on the engine, an answer comes
 * from the engine. Nothing may crash, and only a well-formed label of its
 * own form can ever be judged gone. The first byte selects the judge; the
 * rest is the label, then (after a NUL) the engine's answer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/reaper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct reaper_process here = {"adea7e2a-7fc3-4b14-b616-6431e42c54e1", 4026531836ull,
                                           100, 5000};

static int never_alive(long pid, unsigned long long start)
{
	(void)start;
	if (pid <= 0)
		abort(); /* a label that names no process is never probed */
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *label, why[200], id[65];
	const char *json;
	size_t label_len, json_len;
	enum reaper_verdict v;

	if (size < 1)
		return 0;
	if ((label = malloc(size)) == NULL)
		return 0;
	memcpy(label, data + 1, size - 1);
	label[size - 1] = '\0';
	label_len = strlen(label);
	json = label_len + 1 < size - 1 ? label + label_len + 1 : "";
	json_len = label_len + 1 < size - 1 ? size - 2 - label_len : 0;
	why[0] = '\0';
	if (data[0] & 1) {
		v = reaper_judge_container(label, (data[0] & 2) ? 404 : 200, json, json_len, why,
		                           sizeof(why));
		if (v == REAPER_GONE && (reaper_owner_container(label, id) < 0 || why[0] == '\0'))
			abort();
	} else {
		v = reaper_judge_process(label, &here, never_alive, why, sizeof(why));
		if (v == REAPER_GONE && (strncmp(label, "process ", 8) != 0 || why[0] == '\0'))
			abort();
	}
	free(label);
	return 0;
}
