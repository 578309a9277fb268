#include "plugin/self.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/encoding.h"
#include "common/error.h"
#include "common/json.h"

#define PROC_TEXT_MAX (1u << 20)

/*
 * One /proc/self/mountinfo line: "ID PARENT MAJ:MIN ROOT MOUNTPOINT ...". The
 * engine bind-mounts /etc/hostname, /etc/hosts and /etc/resolv.conf into a
 * container from its own directory, ".../containers/<id>/<the same name>":
 * only such a line names the container we are in. On the host, other
 * containers' mounts (a shareable IPC's .../containers/<id>/mounts/shm) name
 * theirs.
 */
static int id_from_mount_line(const char *line, size_t len, char out[65])
{
	static const char *const files[] = {"hostname", "hosts", "resolv.conf"};
	const char *f[5], *end = line + len, *id;
	size_t flen[5], i, n;

	/* the first five fields; ROOT is f[3], MOUNTPOINT f[4] */
	for (i = 0, f[0] = line; i < 5; i++) {
		const char *sp = memchr(f[i], ' ', (size_t)(end - f[i]));

		flen[i] = (size_t)((sp != NULL ? sp : end) - f[i]);
		if (i < 4 && sp == NULL)
			return -1;
		if (i < 4)
			f[i + 1] = sp + 1;
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		n = strlen(files[i]);
		/* ROOT is .../containers/<64 hex>/<file>, MOUNTPOINT /etc/<file> */
		if (flen[4] != 5 + n || memcmp(f[4], "/etc/", 5) != 0 ||
		    memcmp(f[4] + 5, files[i], n) != 0 || flen[3] < 12 + 64 + 1 + n)
			continue;
		id = f[3] + flen[3] - n - 1 - 64;
		if (memcmp(id - 12, "/containers/", 12) == 0 && hex_is_lower(id, 64) &&
		    id[64] == '/' && memcmp(id + 65, files[i], n) == 0) {
			memcpy(out, id, 64);
			out[64] = '\0';
			return 0;
		}
	}
	return -1;
}

int self_id_from_mountinfo(const char *text, char out[65])
{
	const char *line = text, *nl;

	for (; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		if (id_from_mount_line(line, nl != NULL ? (size_t)(nl - line) : strlen(line),
		                       out) == 0)
			return 0;
		if (nl == NULL)
			break;
	}
	return -1;
}

int self_id_from_cgroup(const char *text, char out[65])
{
	const char *p;

	for (p = text; *p != '\0'; p++) {
		int boundary = p == text || p[-1] == '/' || p[-1] == '-';

		if (boundary && strlen(p) >= 64 && hex_is_lower(p, 64) &&
		    (p[64] == '\0' || p[64] == '\n' || p[64] == '.' || p[64] == '/')) {
			memcpy(out, p, 64);
			out[64] = '\0';
			return 0;
		}
	}
	return -1;
}

int self_from_inspect(const char *json, size_t len, const char *hostname,
                      struct self_container *out)
{
	const cJSON *cfg, *state;
	const char *id, *h, *started;
	cJSON *root;
	int r = ML_ENGINE_ERROR;

	root = json_parse(json, len, ENGINE_JSON_MAX);
	id = root != NULL && cJSON_IsObject(root) ? json_string(root, "Id") : NULL;
	if (id == NULL || strlen(id) != 64 || !hex_is_lower(id, 64)) {
		r = ml_fail(ML_ENGINE_ERROR,
		            "cannot parse the engine's answer to container inspect");
		goto out;
	}
	if (hostname != NULL) {
		h = (cfg = json_object(root, "Config")) != NULL ? json_string(cfg, "Hostname")
		                                                : NULL;
		if (h == NULL || strcmp(h, hostname) != 0) {
			snprintf(out->why, sizeof(out->why),
			         "the container named '%s' is not mainline's own", hostname);
			r = 1;
			goto out;
		}
	}
	state = json_object(root, "State");
	started = state != NULL ? json_string(state, "StartedAt") : NULL;
	memcpy(out->id, id, 65);
	snprintf(out->started_at, sizeof(out->started_at), "%s",
	         started != NULL && strlen(started) < sizeof(out->started_at) &&
	                 strchr(started, ' ') == NULL
	             ? started
	             : "");
	r = 0;
out:
	cJSON_Delete(root);
	return r;
}

/* Our own container's id, or else our hostname as a name to ask the engine about. */
static int self_reference(char *out, size_t len, int *by_id)
{
	struct buf b;
	char id[65];
	int found = 0;

	*by_id = 0;
	buf_init(&b, PROC_TEXT_MAX);
	if (buf_read_file(&b, "/proc/self/mountinfo") == 0 &&
	    self_id_from_mountinfo(buf_cstr(&b), id) == 0)
		found = 1;
	buf_release(&b);
	if (!found) {
		buf_init(&b, PROC_TEXT_MAX);
		if (buf_read_file(&b, "/proc/self/cgroup") == 0 &&
		    self_id_from_cgroup(buf_cstr(&b), id) == 0)
			found = 1;
		buf_release(&b);
	}
	if (found) {
		snprintf(out, len, "%s", id);
		*by_id = 1;
		return 0;
	}
	if (gethostname(out, len) != 0 || out[0] == '\0')
		return -1;
	out[len - 1] = '\0';
	for (const char *p = out; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
			return -1;
	return 0;
}

int self_find(struct self_container *out, struct engine *e)
{
	struct http_request req = {.method = "GET", .timeout_ms = 30000};
	struct http_response res;
	char ref[256], path[400];
	int r;

	memset(out, 0, sizeof(*out));
	buf_init(&out->inspect, ENGINE_JSON_MAX);
	if (self_reference(ref, sizeof(ref), &out->by_id) != 0) {
		snprintf(out->why, sizeof(out->why), "mainline does not know its own container");
		return 0;
	}
	http_response_init(&res, ENGINE_JSON_MAX);
	snprintf(path, sizeof(path), "/containers/%s/json", ref);
	if ((r = engine_request(e, &req, path, &res)) != 0)
		goto out;
	if (res.status == 404) {
		snprintf(out->why, sizeof(out->why),
		         "mainline does not run in a container of this engine");
		goto out;
	}
	if (res.status != 200) {
		r = engine_fail(ML_ENGINE_ERROR, &res,
		                "cannot inspect mainline's own container '%.64s'", ref);
		goto out;
	}
	r = self_from_inspect((const char *)res.body.data, res.body.len, out->by_id ? NULL : ref,
	                      out);
	if (r == 1) {
		r = 0;
		goto out;
	}
	if (r == 0) {
		out->found = 1;
		out->inspect = res.body; /* kept: its mounts and labels */
		buf_init(&res.body, 0);
	}
out:
	if (!out->found)
		out->by_id = 0;
	http_response_release(&res);
	return r;
}

void self_release(struct self_container *s)
{
	buf_release(&s->inspect);
}
