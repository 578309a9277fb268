/*
 * Docker credential helpers, run as the docker CLI runs them
 * (docker-credential-helpers' protocol): `docker-credential-<name> get`
 * from PATH, the registry's server URL on stdin, and on stdout either
 * {"ServerURL":…,"Username":…,"Secret":…} (exit 0), or an error message
 * (exit 1), "credentials not found in native keychain" meaning that the
 * helper has none: the pull is anonymous, as with the CLI. A Username of
 * "<token>" makes Secret an identity token. Unlike the CLI, mainline gives
 * the helper a deadline, a session of its own without a terminal, and an
 * environment without the settings and the clone credentials (PLUGIN_*,
 * DRONE_NETRC_*, CI_NETRC_*). See docs/credentials.md.
 */
#ifndef MAINLINE_CREDHELPER_H
#define MAINLINE_CREDHELPER_H

#include <signal.h>
#include <stddef.h>

#include "common/buf.h"

#define CREDHELPER_TIMEOUT_MS 30000L
#define CREDHELPER_OUTPUT_MAX (64u << 10)
#define CREDHELPER_NOT_FOUND "credentials not found in native keychain"

struct credhelper_answer {
	struct buf username; /* "" for an identity token */
	struct buf secret;   /* the password, or the identity token */
	int identity_token;  /* the helper's Username was "<token>" */
};

void credhelper_answer_init(struct credhelper_answer *a);
/* Wipes the secret and frees both. */
void credhelper_answer_release(struct credhelper_answer *a);

/* Whether name can name a helper: [A-Za-z0-9][A-Za-z0-9_.-]*, never a path. */
int credhelper_name_valid(const char *name);

/*
 * Runs `docker-credential-<helper> get` for server (what the docker CLI
 * passes: "https://index.docker.io/v1/" for Docker Hub, else host[:port]).
 * The helper is killed after timeout_ms (0: CREDHELPER_TIMEOUT_MS), or when
 * *cancel (may be NULL) is set. 0 with out filled, 1 when the helper has no
 * credentials for server, ML_IMAGE_ERROR when it is not installed, fails,
 * hangs or answers something else (the message names the helper and sums up
 * what it said, never a secret), ML_CANCELED, or ML_IO.
 */
int credhelper_get(const char *helper, const char *server, long timeout_ms,
                   const volatile sig_atomic_t *cancel, struct credhelper_answer *out);

/*
 * Reads what a helper that ended with exit_code printed (stdout and stderr):
 * the same returns as credhelper_get. Pure, for tests and the fuzzer.
 */
int credhelper_parse(const char *helper, int exit_code, const char *out, size_t out_len,
                     const char *err, size_t err_len, struct credhelper_answer *ans);

#endif
