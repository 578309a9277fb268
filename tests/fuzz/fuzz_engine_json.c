/*
 * The engine JSON readers: pull progress lines, image inspect, container
 * create and wait answers, error bodies, volume inspect (whether the cache's
 * volume goes with the build). The first byte selects the reader.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "docker/container.h"
#include "docker/engine.h"
#include "docker/image.h"
#include "plugin/rollback_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_line(void *ctx, const char *line)
{
	if (strlen(line) > 600)
		__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pull_progress progress;
	const char *json = (const char *)data + 1;
	size_t len = size - 1;
	char id[CONTAINER_ID_LEN + 1], digest[160], msg[256];
	struct http_response res;
	int code;

	if (size < 1)
		return 0;
	ml_error_clear();
	switch (data[0] % 6) {
	case 0:
		pull_progress_init(&progress, "x:1", on_line, NULL);
		if (pull_progress_feed(&progress, (const uint8_t *)json, len) == 0)
			(void)pull_progress_finish(&progress);
		break;
	case 1:
		(void)image_digest_from_inspect(json, len, "localhost:5000/x:1", digest,
		                                sizeof(digest), NULL, 0);
		break;
	case 2:
		if (container_parse_created(json, len, id) == 0 && strlen(id) != CONTAINER_ID_LEN)
			__builtin_trap();
		break;
	case 3:
		if (container_parse_wait(json, len, &code) == 0 && (code < 0 || code > 65280))
			__builtin_trap();
		break;
	default:
		http_response_init(&res, 1 << 20);
		(void)buf_append(&res.body, json, len);
		res.status = 500;
		engine_error_message(&res, msg, sizeof(msg));
		http_response_release(&res);
		break;
	case 5:
		code = rollback_state_volume_is_temporary(json, len);
		if (code != 0 && code != 1 && code != ML_ENGINE_ERROR)
			__builtin_trap();
		break;
	}
	return 0;
}
