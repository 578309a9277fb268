#include "docker/image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/json.h"
#include "docker/registry_auth.h"

#define CONFIG_MAX (1u << 20)

int pull_policy_parse(const char *s, enum pull_policy *out)
{
	if (s == NULL || *s == '\0' || strcmp(s, "if-not-exists") == 0 || strcmp(s, "missing") == 0)
		*out = PULL_IF_NOT_EXISTS;
	else if (strcmp(s, "always") == 0)
		*out = PULL_ALWAYS;
	else if (strcmp(s, "never") == 0)
		*out = PULL_NEVER;
	else
		return ml_fail(ML_CONFIG,
		               "invalid pull policy '%s': use always, if-not-exists or never", s);
	return 0;
}

int image_ref_split(const char *ref, char *repo, size_t repo_len, char *tag, size_t tag_len)
{
	static const char allowed[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                              "0123456789._-/:@";
	const char *at, *slash, *colon, *sep = NULL;
	size_t n = strlen(ref), repo_n;

	if (n == 0 || n > IMAGE_REF_MAX || strspn(ref, allowed) != n || ref[0] == '/' ||
	    ref[0] == ':' || ref[0] == '@')
		return ml_fail(ML_IMAGE_ERROR, "invalid image reference '%s'", ref);
	if ((at = strchr(ref, '@')) != NULL) {
		sep = at;
	} else {
		slash = strrchr(ref, '/');
		colon = strrchr(ref, ':');
		if (colon != NULL && (slash == NULL || colon > slash))
			sep = colon;
	}
	repo_n = sep != NULL ? (size_t)(sep - ref) : n;
	if (repo_n == 0 || repo_n >= repo_len || ref[repo_n - 1] == '/' ||
	    (sep != NULL && (sep[1] == '\0' || strlen(sep + 1) >= tag_len)) ||
	    (sep == NULL && tag_len < sizeof("latest")))
		return ml_fail(ML_IMAGE_ERROR, "invalid image reference '%s'", ref);
	memcpy(repo, ref, repo_n);
	repo[repo_n] = '\0';
	snprintf(tag, tag_len, "%s", sep != NULL ? sep + 1 : "latest");
	return 0;
}

void image_registry_host(const char *ref, char *out, size_t out_len)
{
	size_t n = strcspn(ref, "/");

	if (ref[n] == '/' &&
	    (memchr(ref, '.', n) != NULL || memchr(ref, ':', n) != NULL ||
	     (n == 9 && strncmp(ref, "localhost", 9) == 0)) &&
	    !(n == 9 && strncmp(ref, "docker.io", 9) == 0) &&
	    !(n == 15 && strncmp(ref, "index.docker.io", 15) == 0))
		snprintf(out, out_len, "%.*s", (int)n, ref);
	else
		snprintf(out, out_len, "docker.io");
}

void pull_progress_init(struct pull_progress *p, const char *ref, image_progress_fn fn, void *ctx)
{
	memset(p, 0, sizeof(*p));
	p->ref = ref;
	p->progress = fn;
	p->progress_ctx = ctx;
}

/* Whether this (id, status) pair differs from the last one reported for id. */
static int status_changed(struct pull_progress *p, const char *id, const char *status)
{
	unsigned i;

	for (i = 0; i < sizeof(p->seen) / sizeof(p->seen[0]); i++) {
		if (strcmp(p->seen[i].id, id) != 0)
			continue;
		if (strncmp(p->seen[i].status, status, sizeof(p->seen[i].status) - 1) == 0)
			return 0;
		snprintf(p->seen[i].status, sizeof(p->seen[i].status), "%s", status);
		return 1;
	}
	i = p->next_seen++ % (sizeof(p->seen) / sizeof(p->seen[0]));
	snprintf(p->seen[i].id, sizeof(p->seen[i].id), "%s", id);
	snprintf(p->seen[i].status, sizeof(p->seen[i].status), "%s", status);
	return 1;
}

int pull_progress_line(struct pull_progress *p, const char *line, size_t len)
{
	const cJSON *detail;
	const char *status, *id, *err;
	char out[600];
	cJSON *root = NULL;
	size_t i;
	int r = ML_IMAGE_ERROR;

	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'); i++)
		;
	if (i == len)
		return 0; /* blank lines between objects are harmless */
	if ((root = json_parse(line, len, IMAGE_PROGRESS_LINE_MAX)) == NULL ||
	    !cJSON_IsObject(root)) {
		p->failed = 1;
		r = ml_fail(ML_IMAGE_ERROR, "cannot parse pull progress of image '%s'", p->ref);
		goto out;
	}
	err = json_string(root, "error");
	if ((detail = json_object(root, "errorDetail")) != NULL && json_string(detail, "message"))
		err = json_string(detail, "message");
	if (err != NULL || json_object(root, "errorDetail") != NULL) {
		p->failed = 1;
		snprintf(p->error, sizeof(p->error), "%s", err != NULL ? err : "unknown error");
		r = ml_fail(ML_IMAGE_ERROR, "cannot pull image '%s': %s", p->ref, p->error);
		goto out;
	}
	status = json_string(root, "status");
	id = json_string(root, "id");
	if (status != NULL && p->progress != NULL &&
	    status_changed(p, id != NULL ? id : "", status)) {
		if (id != NULL && *id != '\0')
			snprintf(out, sizeof(out), "pulling %s: %.80s: %.200s", p->ref, id, status);
		else
			snprintf(out, sizeof(out), "pulling %s: %.300s", p->ref, status);
		for (i = 0; out[i] != '\0'; i++) {
			if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
				out[i] = '?';
		}
		p->progress(p->progress_ctx, out);
	}
	r = 0;
out:
	cJSON_Delete(root);
	return r;
}

int pull_progress_feed(struct pull_progress *p, const uint8_t *data, size_t len)
{
	const uint8_t *nl;
	size_t n;
	int r;

	if (p->failed)
		return ML_IMAGE_ERROR;
	while (len > 0) {
		nl = memchr(data, '\n', len);
		n = nl != NULL ? (size_t)(nl - data) : len;
		if (n > sizeof(p->line) - p->len) {
			p->failed = 1;
			return ml_fail(ML_IMAGE_ERROR,
			               "pull progress line of image '%s' is longer than %u bytes",
			               p->ref, IMAGE_PROGRESS_LINE_MAX);
		}
		memcpy(p->line + p->len, data, n);
		p->len += n;
		if (nl == NULL)
			break;
		if ((r = pull_progress_line(p, p->line, p->len)) != 0)
			return r;
		p->len = 0;
		data += n + 1;
		len -= n + 1;
	}
	return 0;
}

int pull_progress_finish(struct pull_progress *p)
{
	int r;

	if (p->failed)
		return ML_IMAGE_ERROR;
	if (p->len == 0)
		return 0;
	r = pull_progress_line(p, p->line, p->len);
	p->len = 0;
	return r;
}

/* "docker.io/library/x" and "x" name the same repository. */
static const char *short_repo(const char *repo)
{
	if (strncmp(repo, "docker.io/", 10) == 0)
		repo += 10;
	else if (strncmp(repo, "index.docker.io/", 16) == 0)
		repo += 16;
	if (strncmp(repo, "library/", 8) == 0 && strchr(repo + 8, '/') == NULL)
		repo += 8;
	return repo;
}

int image_digest_from_inspect(const char *json, size_t len, const char *ref, char *digest,
                              size_t digest_len, char *id_out, size_t id_len)
{
	char repo[IMAGE_REF_MAX + 1], tag[IMAGE_REF_MAX + 1], want[IMAGE_REF_MAX + 1];
	const cJSON *digests, *item;
	const char *id, *s, *at;
	cJSON *root = NULL;
	int r = ML_ENGINE_ERROR;

	if ((r = image_ref_split(ref, repo, sizeof(repo), tag, sizeof(tag))) != 0)
		goto out;
	snprintf(want, sizeof(want), "%s", short_repo(repo));
	if ((root = json_parse(json, len, ENGINE_JSON_MAX)) == NULL || !cJSON_IsObject(root) ||
	    (id = json_string(root, "Id")) == NULL || *id == '\0') {
		r = ml_fail(ML_ENGINE_ERROR,
		            "cannot parse the engine's inspect answer for image '%s'", ref);
		goto out;
	}
	if (strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789:") != strlen(id) ||
	    strlen(id) >= digest_len || (id_out != NULL && strlen(id) >= id_len)) {
		r = ml_fail(ML_ENGINE_ERROR, "engine sent an invalid id for image '%s'", ref);
		goto out;
	}
	if (id_out != NULL)
		snprintf(id_out, id_len, "%s", id);
	if ((digests = json_array(root, "RepoDigests")) != NULL) {
		cJSON_ArrayForEach(item, digests)
		{
			char name[IMAGE_REF_MAX + 1];

			if (!cJSON_IsString(item) || (s = item->valuestring) == NULL ||
			    (at = strchr(s, '@')) == NULL || (size_t)(at - s) >= sizeof(name))
				continue;
			snprintf(name, sizeof(name), "%.*s", (int)(at - s), s);
			if (strcmp(short_repo(name), want) == 0 &&
			    strspn(at + 1, "abcdefghijklmnopqrstuvwxyz0123456789:") ==
			        strlen(at + 1) &&
			    strlen(at + 1) < digest_len) {
				snprintf(digest, digest_len, "%s", at + 1);
				r = 0;
				goto out;
			}
		}
	}
	snprintf(digest, digest_len, "%s", id);
	r = 0;
out:
	cJSON_Delete(root);
	return r;
}

int image_inspect(struct engine *e, const char *ref, char *digest, size_t digest_len, char *id,
                  size_t id_len)
{
	struct http_request req = {.method = "GET", .timeout_ms = 60000};
	struct http_response res;
	char repo[IMAGE_REF_MAX + 1], tag[IMAGE_REF_MAX + 1];
	struct buf path;
	int r = ML_ENGINE_ERROR;

	http_response_init(&res, ENGINE_JSON_MAX);
	buf_init(&path, 4096);
	if ((r = image_ref_split(ref, repo, sizeof(repo), tag, sizeof(tag))) != 0)
		goto out;
	if (buf_append_str(&path, "/images/") < 0 || http_query_escape(ref, &path) < 0 ||
	    buf_append_str(&path, "/json") < 0) {
		r = ml_fail(ML_IMAGE_ERROR, "invalid image reference '%s'", ref);
		goto out;
	}
	if ((r = engine_request(e, &req, buf_cstr(&path), &res)) != 0)
		goto out;
	if (res.status == 404) {
		r = 1;
		goto out;
	}
	if (res.status != 200) {
		r = engine_fail(ML_ENGINE_ERROR, &res, "cannot inspect image '%s'", ref);
		goto out;
	}
	r = image_digest_from_inspect((const char *)res.body.data, res.body.len, ref, digest,
	                              digest_len, id, id_len);
out:
	buf_release(&path);
	http_response_release(&res);
	return r;
}

static int read_config(const struct image_options *o, struct buf *out)
{
	const char *path = o->docker_config, *env, *home;
	char file[4096];
	size_t n;

	if (o->docker_config_json != NULL) {
		if (buf_append_str(out, o->docker_config_json) < 0)
			return ml_fail(ML_CONFIG, "docker config is larger than %u bytes",
			               CONFIG_MAX);
		return 0;
	}
	if (path != NULL && *path != '\0') {
		n = strlen(path);
		/* a DOCKER_CONFIG-style directory holds config.json */
		if (buf_read_file(out, path) == 0)
			return 0;
		snprintf(file, sizeof(file), "%s%sconfig.json", path,
		         path[n - 1] == '/' ? "" : "/");
		buf_reset(out);
		if (buf_read_file(out, file) < 0)
			return ml_fail(ML_CONFIG, "cannot read docker config '%s'", path);
		return 0;
	}
	if ((env = getenv("DOCKER_CONFIG")) != NULL && *env != '\0')
		snprintf(file, sizeof(file), "%s/config.json", env);
	else if ((home = getenv("HOME")) != NULL && *home != '\0')
		snprintf(file, sizeof(file), "%s/.docker/config.json", home);
	else
		return 1;
	if (buf_read_file(out, file) < 0) {
		buf_reset(out);
		return 1; /* no config: anonymous pull, as the docker CLI does */
	}
	return 0;
}

struct pull_ctx {
	struct pull_progress *progress;
	volatile sig_atomic_t *cancel;
	long status;
	struct buf error_body; /* a non-200 answer's body, for its message */
};

static int on_pull_headers(void *ctx, long status)
{
	struct pull_ctx *c = ctx;

	c->status = status;
	return 0;
}

static int on_pull_body(void *ctx, const uint8_t *data, size_t len)
{
	struct pull_ctx *c = ctx;

	if (c->status != 200) {
		/* cut, not fatal: only the start of the message is shown */
		(void)buf_append(&c->error_body, data, len);
		return 0;
	}
	return pull_progress_feed(c->progress, data, len);
}

static int pull_should_abort(void *ctx)
{
	struct pull_ctx *c = ctx;

	return c->cancel != NULL && *c->cancel;
}

int image_pull(struct engine *e, const char *ref, const struct image_options *o)
{
	struct http_request req = {.method = "POST"};
	struct http_response res;
	struct pull_ctx ctx = {.progress = NULL};
	struct registry_auth ra = {.helper_timeout_ms = o->helper_timeout_ms, .cancel = o->cancel};
	char repo[IMAGE_REF_MAX + 1], tag[IMAGE_REF_MAX + 1], host[256];
	const char *headers[2] = {NULL, NULL};
	struct buf path, config, auth;
	int r = ML_IMAGE_ERROR, have_config;

	http_response_init(&res, ENGINE_JSON_MAX);
	buf_init(&path, 4096);
	buf_init(&config, CONFIG_MAX);
	buf_init(&auth, 65536);
	buf_init(&ctx.error_body, 64 * 1024);
	if ((r = image_ref_split(ref, repo, sizeof(repo), tag, sizeof(tag))) != 0)
		goto out;
	image_registry_host(ref, host, sizeof(host));
	if ((have_config = read_config(o, &config)) != 0 && have_config != 1) {
		r = have_config;
		goto out;
	}
	if (have_config == 0) {
		if (buf_append_str(&auth, "X-Registry-Auth: ") < 0) {
			r = ml_fail(ML_IO, "out of memory");
			goto out;
		}
		r = registry_auth_header((const char *)config.data, config.len, host, &ra, &auth);
		if (r == 0)
			headers[0] = buf_cstr(&auth);
		else if (r != 1)
			goto out;
	}
	if (buf_append_str(&path, "/images/create?fromImage=") < 0 ||
	    http_query_escape(repo, &path) < 0 || buf_append_str(&path, "&tag=") < 0 ||
	    http_query_escape(tag, &path) < 0) {
		r = ml_fail(ML_IMAGE_ERROR, "invalid image reference '%s'", ref);
		goto out;
	}
	if ((ctx.progress = malloc(sizeof(*ctx.progress))) == NULL) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	pull_progress_init(ctx.progress, ref, o->progress, o->progress_ctx);
	ctx.cancel = o->cancel;
	req.headers = headers;
	req.on_headers = on_pull_headers;
	req.headers_ctx = &ctx;
	req.on_body = on_pull_body;
	req.body_ctx = &ctx;
	req.should_abort = pull_should_abort;
	req.abort_ctx = &ctx;
	if ((r = engine_request(e, &req, buf_cstr(&path), &res)) != 0) {
		if (r == ML_ENGINE_ERROR && ctx.progress->failed)
			r = ML_IMAGE_ERROR;
		if (r == ML_CANCELED)
			r = ml_fail_override(ML_CANCELED, "pull of image '%s' canceled", ref);
		goto out;
	}
	if (res.status != 200) {
		res.body = ctx.error_body;
		r = engine_fail(ML_IMAGE_ERROR, &res, "cannot pull image '%s'", ref);
		buf_init(&res.body, 0);
		goto out;
	}
	if ((r = pull_progress_finish(ctx.progress)) != 0)
		goto out;
	r = 0;
out:
	/* an anonymous pull that failed because a helper had nothing: say which */
	if (r == ML_IMAGE_ERROR && ra.note[0] != '\0') {
		char inner[260];

		snprintf(inner, sizeof(inner), "%.250s", ml_error_message());
		ml_fail_override(ML_IMAGE_ERROR, "%s (%s)", inner, ra.note);
	}
	if (auth.data != NULL)
		memset(auth.data, 0, auth.len);
	if (config.data != NULL)
		memset(config.data, 0, config.len);
	free(ctx.progress);
	buf_release(&ctx.error_body);
	buf_release(&path);
	buf_release(&config);
	buf_release(&auth);
	http_response_release(&res);
	return r;
}

int image_ensure(struct engine *e, const char *ref, const struct image_options *o, char *digest,
                 size_t digest_len, char *id, size_t id_len, int64_t *pull_ms)
{
	int64_t start;
	int r;

	if (pull_ms != NULL)
		*pull_ms = 0;
	if (o->pull != PULL_ALWAYS) {
		if ((r = image_inspect(e, ref, digest, digest_len, id, id_len)) == 0)
			return 0;
		if (r != 1)
			return r;
		if (o->pull == PULL_NEVER)
			return ml_fail(ML_IMAGE_ERROR,
			               "image '%s' is not present and the pull policy is 'never'",
			               ref);
	}
	start = clock_monotonic_ms();
	r = image_pull(e, ref, o);
	if (pull_ms != NULL)
		*pull_ms =
		    clock_monotonic_ms() - start; /* a canceled or failed pull took time too */
	if (r != 0)
		return r;
	/* a stream cut short without an error line is caught here */
	if ((r = image_inspect(e, ref, digest, digest_len, id, id_len)) == 1)
		return ml_fail(ML_IMAGE_ERROR, "image '%s' is still missing after the pull", ref);
	return r;
}
