/*
 * Images: inspect, pull with streamed progress and registry auth taken from
 * a docker config.json (registry_auth.h), and the digest that identifies
 * what ran.
 */
#ifndef MAINLINE_IMAGE_H
#define MAINLINE_IMAGE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "docker/engine.h"

#define IMAGE_REF_MAX 255
#define IMAGE_PROGRESS_LINE_MAX (64u * 1024)

enum pull_policy {
	PULL_IF_NOT_EXISTS = 0, /* the default */
	PULL_ALWAYS,
	PULL_NEVER,
};

/* "always", "if-not-exists" (or "missing"), "never". 0 or ML_CONFIG. */
int pull_policy_parse(const char *s, enum pull_policy *out);

/* Receives one readable progress line ("pulling x:1: 3f2a…: Downloading"). */
typedef void (*image_progress_fn)(void *ctx, const char *line);

struct image_options {
	enum pull_policy pull;
	const char *docker_config;      /* config.json path, or a DOCKER_CONFIG-style dir */
	const char *docker_config_json; /* config.json contents (wins over the path) */
	long helper_timeout_ms;         /* a credential helper's deadline; 0: 30 s (credhelper.h) */
	image_progress_fn progress;     /* may be NULL */
	void *progress_ctx;
	volatile sig_atomic_t *cancel; /* may be NULL */
};

/*
 * Splits an image reference into repository ("host/path/name") and tag or
 * digest ("1", "sha256:…"; "latest" when absent). Refuses empty, overlong
 * and references with characters outside the reference grammar
 * (ML_IMAGE_ERROR).
 */
int image_ref_split(const char *ref, char *repo, size_t repo_len, char *tag, size_t tag_len);

/* The registry host of a reference: the first component when it holds '.' or
 * ':' or is "localhost", else "docker.io". */
void image_registry_host(const char *ref, char *out, size_t out_len);

/* Incremental JSON-lines parser of the pull progress stream. */
struct pull_progress {
	const char *ref;
	image_progress_fn progress;
	void *progress_ctx;
	char line[IMAGE_PROGRESS_LINE_MAX];
	size_t len;
	struct {
		char id[72];
		char status[64];
	} seen[32]; /* last status reported per layer, to report changes only */
	unsigned next_seen;
	int failed;
	char error[512]; /* the stream's error message, when it sent one */
};

void pull_progress_init(struct pull_progress *p, const char *ref, image_progress_fn fn, void *ctx);

/*
 * Feeds stream bytes. Returns 0, or ML_IMAGE_ERROR when a line is longer
 * than IMAGE_PROGRESS_LINE_MAX, is not a JSON object, or carries an
 * error/errorDetail (message recorded).
 */
int pull_progress_feed(struct pull_progress *p, const uint8_t *data, size_t len);

/* Handles one complete line (without the newline). Same returns. */
int pull_progress_line(struct pull_progress *p, const char *line, size_t len);

/* Checks nothing is left unterminated at the end of the stream. */
int pull_progress_finish(struct pull_progress *p);

/*
 * Reads an image inspect answer: the RepoDigests entry for ref's repository
 * ("repo@sha256:…") if any, else the image Id, into digest; the image Id into
 * id when id is not NULL. 0 or ML_ENGINE_ERROR.
 */
int image_digest_from_inspect(const char *json, size_t len, const char *ref, char *digest,
                              size_t digest_len, char *id, size_t id_len);

/*
 * Inspects ref. 0 with digest filled, 1 when the engine does not have it,
 * or a reason code.
 */
int image_inspect(struct engine *e, const char *ref, char *digest, size_t digest_len, char *id,
                  size_t id_len);

/* Pulls ref (progress and auth per o). 0 or ML_IMAGE_ERROR / ML_ENGINE_ERROR / ML_CANCELED. */
int image_pull(struct engine *e, const char *ref, const struct image_options *o);

/*
 * Makes sure ref is present per o->pull and records its digest and image id
 * (the id names exactly the image to create a container from); *pull_ms
 * (may be NULL) gets the time spent pulling, also when the pull failed or was
 * canceled. A missing image under "never" is ML_IMAGE_ERROR.
 */
int image_ensure(struct engine *e, const char *ref, const struct image_options *o, char *digest,
                 size_t digest_len, char *id, size_t id_len, int64_t *pull_ms);

#endif
