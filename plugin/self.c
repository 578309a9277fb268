#include "plugin/self.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/encoding.h"
#include "common/error.h"
#include "common/json.h"
#include "common/path.h"

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

int self_mount_holding(const char *json, size_t len, const char *path, struct self_mount *out)
{
	const cJSON *mounts, *m, *best = NULL;
	const char *type, *src, *d;
	cJSON *root;
	size_t best_len = 0;
	int r = ML_ENGINE_ERROR;

	memset(out, 0, sizeof(*out));
	root = json_parse(json, len, ENGINE_JSON_MAX);
	if (root == NULL || !cJSON_IsObject(root) ||
	    ((mounts = json_array(root, "Mounts")) == NULL &&
	     cJSON_GetObjectItemCaseSensitive(root, "Mounts") != NULL &&
	     !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(root, "Mounts")))) {
		r = ml_fail(ML_ENGINE_ERROR,
		            "cannot parse the engine's answer to container inspect");
		goto out;
	}
	cJSON_ArrayForEach(m, mounts)
	{
		size_t dl;

		if ((d = json_string(m, "Destination")) == NULL || d[0] != '/')
			continue;
		dl = path_trimmed_len(d);
		if (path_overlaps(d, path) && dl <= path_trimmed_len(path) &&
		    (best == NULL || dl > best_len)) {
			best = m;
			best_len = dl;
		}
	}
	if (best == NULL) {
		r = 1;
		goto out;
	}
	d = json_string(best, "Destination");
	type = json_string(best, "Type");
	if (type != NULL && strcmp(type, "volume") == 0)
		src = json_string(best, "Name");
	else if (type != NULL && strcmp(type, "bind") == 0)
		src = json_string(best, "Source");
	else
		src = NULL;
	snprintf(out->type, sizeof(out->type), "%s", type != NULL ? type : "unknown");
	snprintf(out->destination, sizeof(out->destination), "%s", d);
	if (src != NULL && strlen(src) < sizeof(out->source))
		memcpy(out->source, src, strlen(src) + 1);
	out->rw = 1;
	(void)json_bool(best, "RW", &out->rw);
	r = 0;
out:
	cJSON_Delete(root);
	return r;
}

int self_host_path(const char *json, size_t len, const char *path, char *out, size_t out_len,
                   char *why, size_t why_len)
{
	struct self_mount *m;
	size_t dl;
	int r;

	if ((m = malloc(sizeof(*m))) == NULL)
		return ml_fail(ML_IO, "out of memory");
	if ((r = self_mount_holding(json, len, path, m)) != 0) {
		if (r == 1)
			snprintf(why, why_len, "no mount of mainline's container holds '%s'", path);
		goto out;
	}
	dl = path_trimmed_len(m->destination);
	if (strcmp(m->type, "bind") != 0 || m->source[0] != '/') {
		snprintf(why, why_len, "'%s' is on a %s mount at '%s', not a bind of a host path",
		         path, m->type, m->destination);
		r = 1;
		goto out;
	}
	if ((size_t)snprintf(out, out_len, "%.*s%s", (int)path_trimmed_len(m->source), m->source,
	                     path + dl) >= out_len) {
		snprintf(why, why_len, "the host path of '%s' is too long", path);
		r = 1;
		goto out;
	}
	r = 0;
out:
	free(m);
	return r;
}

int self_networks(const char *json, size_t len, char names[][SELF_NETWORK_NAME_MAX], int max,
                  int *count)
{
	const cJSON *settings, *nets, *n;
	cJSON *root;

	*count = 0;
	root = json_parse(json, len, ENGINE_JSON_MAX);
	if (root == NULL || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return ml_fail(ML_ENGINE_ERROR,
		               "cannot parse the engine's answer to container inspect");
	}
	settings = json_object(root, "NetworkSettings");
	nets = settings != NULL ? json_object(settings, "Networks") : NULL;
	cJSON_ArrayForEach(n, nets)
	{
		const char *name = n->string;

		if (*count == max || name == NULL || *name == '\0' ||
		    strlen(name) >= SELF_NETWORK_NAME_MAX || strcmp(name, "bridge") == 0 ||
		    strcmp(name, "host") == 0 || strcmp(name, "none") == 0)
			continue;
		memcpy(names[(*count)++], name, strlen(name) + 1);
	}
	cJSON_Delete(root);
	return 0;
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
		/* an id of our own container that this engine does not know: another engine's */
		out->other_engine = out->by_id;
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
