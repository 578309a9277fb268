#include "plugin/reaper.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/json.h"
#include "docker/container.h"

#define STAT_MAX 4096
/* GET /containers/json?all=1&filters={"label":["org.mainline.owner"]} */
#define LIST_PATH                                                                                  \
	"/containers/json?all=1&filters=%7B%22label%22%3A%5B%22" REAPER_OWNER_LABEL "%22%5D%7D"

/*
 * The pid, state and start time (clock ticks after boot) of a
 * /proc/<pid>/stat text. The command name in parentheses may hold spaces
 * and parentheses itself: the fields are counted after the last ')'.
 */
static int parse_stat(const char *text, long *pid, char *state, unsigned long long *start)
{
	const char *p = strrchr(text, ')');
	char *end;
	int field;

	*pid = strtol(text, &end, 10);
	if (end == text || *end != ' ' || p == NULL || p[1] != ' ')
		return -1;
	p += 2; /* field 3, the state */
	*state = *p;
	for (field = 3; field < 22; field++) {
		if ((p = strchr(p, ' ')) == NULL)
			return -1;
		p++;
	}
	errno = 0;
	*start = strtoull(p, &end, 10);
	return end != p && errno == 0 && (*end == ' ' || *end == '\n' || *end == '\0') ? 0 : -1;
}

static int read_stat(const char *path, long *pid, char *state, unsigned long long *start)
{
	struct buf b;
	int r;

	buf_init(&b, STAT_MAX);
	r = buf_read_file(&b, path);
	if (r == 0)
		r = parse_stat(buf_cstr(&b), pid, state, start);
	else if (errno == 0)
		errno = EIO;
	buf_release(&b);
	return r;
}

int reaper_process_self(struct reaper_process *out)
{
	char link[64], state;
	struct buf b;
	ssize_t n;
	long pid;
	size_t i;

	memset(out, 0, sizeof(*out));
	buf_init(&b, 64);
	if (buf_read_file(&b, "/proc/sys/kernel/random/boot_id") < 0 || b.len != 37 ||
	    b.data[36] != '\n') {
		buf_release(&b);
		return -1;
	}
	for (i = 0; i < 36; i++) {
		char c = (char)b.data[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '-')) {
			buf_release(&b);
			return -1;
		}
	}
	memcpy(out->boot_id, b.data, 36);
	buf_release(&b);
	n = readlink("/proc/self/ns/pid", link, sizeof(link) - 1);
	if (n <= 0)
		return -1;
	link[n] = '\0';
	if (sscanf(link, "pid:[%llu]", &out->pid_ns) != 1)
		return -1;
	/* a /proc of another pid namespace would name other processes */
	if (read_stat("/proc/self/stat", &pid, &state, &out->start) < 0 || pid != (long)getpid())
		return -1;
	out->pid = pid;
	return 0;
}

int reaper_probe_proc(long pid, unsigned long long start)
{
	unsigned long long got;
	char path[64], state;
	long got_pid;

	if (pid <= 0)
		return 0;
	if (kill((pid_t)pid, 0) < 0 && errno == ESRCH)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if (read_stat(path, &got_pid, &state, &got) < 0)
		return -1; /* it exists (kill said so) but /proc does not show it: hidepid */
	if (got_pid != pid)
		return -1;
	if (got != start || state == 'Z' || state == 'X')
		return 0; /* another process under its pid, or a dead one not yet reaped */
	return 1;
}

int reaper_owner(const struct self_container *self, char out[REAPER_OWNER_MAX])
{
	struct reaper_process me;

	if (self != NULL && self->found && self->by_id) {
		snprintf(out, REAPER_OWNER_MAX, "container %s %s", self->id,
		         self->started_at[0] != '\0' ? self->started_at : "-");
		return 0;
	}
	if (reaper_process_self(&me) < 0)
		return -1;
	snprintf(out, REAPER_OWNER_MAX, "process %s %llu %ld %llu", me.boot_id, me.pid_ns, me.pid,
	         me.start);
	return 0;
}

size_t reaper_drone_labels(const struct self_container *self, char (*out)[REAPER_LABEL_LEN],
                           size_t max)
{
	const cJSON *cfg, *labels, *l;
	cJSON *root;
	size_t n = 0;

	if (self == NULL || !self->found)
		return 0;
	root = json_parse((const char *)self->inspect.data, self->inspect.len, ENGINE_JSON_MAX);
	cfg = root != NULL ? json_object(root, "Config") : NULL;
	labels = cfg != NULL ? json_object(cfg, "Labels") : NULL;
	for (l = labels != NULL ? labels->child : NULL; l != NULL && n < max; l = l->next) {
		if (strncmp(l->string, "io.drone.", 9) != 0 || !cJSON_IsString(l) ||
		    strlen(l->string) > 255)
			continue;
		if ((size_t)snprintf(out[n], sizeof(out[n]), "%s=%s", l->string, l->valuestring) <
		    sizeof(out[n]))
			n++;
	}
	cJSON_Delete(root);
	return n;
}

int reaper_owner_container(const char *owner, char out[65])
{
	if (strncmp(owner, "container ", 10) != 0 || !hex_is_lower(owner + 10, 64) ||
	    owner[74] != ' ')
		return -1;
	memcpy(out, owner + 10, 64);
	out[64] = '\0';
	return 0;
}

enum reaper_verdict reaper_judge_container(const char *owner, long status, const char *json,
                                           size_t len, char *why, size_t why_len)
{
	const cJSON *state;
	const char *started, *label_started, *st;
	char id[65];
	cJSON *root;
	int running;
	enum reaper_verdict v = REAPER_UNKNOWN;

	if (reaper_owner_container(owner, id) < 0)
		return REAPER_UNKNOWN;
	label_started = owner + 75;
	if (status == 404) {
		snprintf(why, why_len, "its mainline's container %.12s no longer exists", id);
		return REAPER_GONE;
	}
	if (status != 200)
		return REAPER_UNKNOWN;
	root = json_parse(json, len, ENGINE_JSON_MAX);
	state = root != NULL ? json_object(root, "State") : NULL;
	if (state == NULL || json_bool(state, "Running", &running) < 0 ||
	    json_string(root, "Id") == NULL || strcmp(json_string(root, "Id"), id) != 0)
		goto out;
	started = json_string(state, "StartedAt");
	st = json_string(state, "Status");
	if (!running) {
		snprintf(why, why_len, "its mainline's container %.12s is not running (%.32s)", id,
		         st != NULL ? st : "stopped");
		v = REAPER_GONE;
	} else if (strcmp(label_started, "-") != 0 && started != NULL &&
	           strcmp(started, label_started) != 0) {
		snprintf(why, why_len, "its mainline's container %.12s was started again since",
		         id);
		v = REAPER_GONE;
	} else {
		v = REAPER_ALIVE;
	}
out:
	cJSON_Delete(root);
	return v;
}

enum reaper_verdict reaper_judge_process(const char *owner, const struct reaper_process *here,
                                         reaper_probe_fn probe, char *why, size_t why_len)
{
	char boot[40], again[REAPER_OWNER_MAX];
	unsigned long long ns, start;
	long pid;
	int alive;

	/* exactly the form reaper_owner writes, nothing sscanf would also take */
	if (sscanf(owner, "process %39s %llu %ld %llu", boot, &ns, &pid, &start) != 4 || pid <= 0 ||
	    (size_t)snprintf(again, sizeof(again), "process %s %llu %ld %llu", boot, ns, pid,
	                     start) >= sizeof(again) ||
	    strcmp(again, owner) != 0)
		return REAPER_UNKNOWN;
	if (here == NULL || strcmp(boot, here->boot_id) != 0)
		return REAPER_UNKNOWN; /* another boot or another machine: nothing to look at */
	if (ns != here->pid_ns)
		return REAPER_UNKNOWN; /* its processes are not ours to see */
	if (pid == here->pid && start == here->start)
		return REAPER_ALIVE;
	if ((alive = probe(pid, start)) != 0)
		return alive > 0 ? REAPER_ALIVE : REAPER_UNKNOWN;
	snprintf(why, why_len, "its mainline (process %ld) is gone", pid);
	return REAPER_GONE;
}

/* The engine's answer about the owner container, judged. */
static enum reaper_verdict judge_owner_container(struct engine *e, const char *owner, char *why,
                                                 size_t why_len)
{
	struct http_request req = {.method = "GET", .timeout_ms = 30000};
	struct http_response res;
	enum reaper_verdict v = REAPER_UNKNOWN;
	char id[65], path[128];

	if (reaper_owner_container(owner, id) < 0)
		return REAPER_UNKNOWN;
	http_response_init(&res, ENGINE_JSON_MAX);
	snprintf(path, sizeof(path), "/containers/%s/json", id);
	if (engine_request(e, &req, path, &res) == 0)
		v = reaper_judge_container(owner, res.status, (const char *)res.body.data,
		                           res.body.len, why, why_len);
	else
		ml_error_clear(); /* unknown is not gone */
	http_response_release(&res);
	return v;
}

static int canceled(volatile sig_atomic_t *cancel)
{
	return cancel != NULL && *cancel;
}

void reaper_sweep(struct engine *e, const char *self_owner, volatile sig_atomic_t *cancel,
                  struct reaper_result *out)
{
	struct http_request req = {.method = "GET", .timeout_ms = 30000};
	struct reaper_process here;
	struct http_response res;
	const cJSON *item;
	cJSON *list = NULL;
	int have_here = reaper_process_self(&here) == 0;

	memset(out, 0, sizeof(*out));
	http_response_init(&res, ENGINE_JSON_MAX);
	if (engine_request(e, &req, LIST_PATH, &res) != 0 || res.status != 200 ||
	    (list = json_parse((const char *)res.body.data, res.body.len, ENGINE_JSON_MAX)) ==
	        NULL ||
	    !cJSON_IsArray(list)) {
		snprintf(out->warning, sizeof(out->warning),
		         "cannot list the containers of earlier runs: %s",
		         ml_error_message()[0] != '\0' ? ml_error_message() : "bad answer");
		goto out;
	}
	cJSON_ArrayForEach(item, list)
	{
		const cJSON *labels = json_object(item, "Labels");
		const char *id = json_string(item, "Id"), *owner, *run;
		struct reaper_removal *rm;
		enum reaper_verdict v;
		char why[200] = "";

		if (canceled(cancel) || out->n == REAPER_MAX)
			break;
		owner = labels != NULL ? json_string(labels, REAPER_OWNER_LABEL) : NULL;
		run = labels != NULL ? json_string(labels, REAPER_RUN_LABEL) : NULL;
		if (id == NULL || strlen(id) != 64 || !hex_is_lower(id, 64) || owner == NULL ||
		    (self_owner != NULL && strcmp(owner, self_owner) == 0))
			continue;
		if (strncmp(owner, "container ", 10) == 0)
			v = judge_owner_container(e, owner, why, sizeof(why));
		else
			v = reaper_judge_process(owner, have_here ? &here : NULL, reaper_probe_proc,
			                         why, sizeof(why));
		if (v != REAPER_GONE) {
			out->left++;
			continue;
		}
		if (container_remove(e, id) != 0) {
			snprintf(out->warning, sizeof(out->warning), "%s", ml_error_message());
			ml_error_clear();
			continue;
		}
		rm = &out->removed[out->n++];
		memcpy(rm->container, id, 65);
		snprintf(rm->run, sizeof(rm->run), "%s",
		         run != NULL && strlen(run) == 32 && hex_is_lower(run, 32) ? run : "");
		snprintf(rm->why, sizeof(rm->why), "%s", why);
	}
out:
	ml_error_clear();
	cJSON_Delete(list);
	http_response_release(&res);
}
