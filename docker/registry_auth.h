/*
 * Registry credentials as the docker CLI finds them in a config.json
 * (cli/config/configfile/file.go), and the X-Registry-Auth header the engine
 * takes them in. For a registry host the CLI's key is "host[:port]", or
 * "https://index.docker.io/v1/" for Docker Hub; credHelpers[key] names a
 * credential helper, else credsStore does (credhelper.h), else the auths
 * entry for the key holds them: "auth" (base64 "user:password"),
 * "username"/"password", "identitytoken". See docs/credentials.md.
 */
#ifndef MAINLINE_REGISTRY_AUTH_H
#define MAINLINE_REGISTRY_AUTH_H

#include <signal.h>
#include <stddef.h>

#include "common/buf.h"

#define REGISTRY_HUB_KEY "https://index.docker.io/v1/"

struct registry_auth {
	long helper_timeout_ms;              /* 0: CREDHELPER_TIMEOUT_MS */
	const volatile sig_atomic_t *cancel; /* may be NULL */
	/* out: the helper that had no credentials (the pull went anonymous), for a failure's message */
	char note[400];
};

/* The CLI's key for registry host ("docker.io" and its aliases: REGISTRY_HUB_KEY). */
void registry_key(const char *host, char *out, size_t out_len);

/*
 * The credential helper config.json names for host: credHelpers[key], else
 * credsStore (an empty name means none, as for the CLI). 0 with its name in
 * out, 1 when there is none, ML_CONFIG for an unreadable config or a name
 * that is not a helper's ([A-Za-z0-9][A-Za-z0-9_.-]*, never a path).
 */
int registry_helper_for(const char *config, size_t len, const char *host, char *out,
                        size_t out_len);

/*
 * Builds the X-Registry-Auth value (base64url of {username, password,
 * identitytoken, serveraddress}, the fields present) for host from
 * config.json contents: through the credential helper it names (run with
 * ra's deadline and cancel; ra may be NULL), else from its auths entry
 * (keys compared by host, scheme and path ignored; Docker Hub's names for
 * docker.io). 0 with out filled; 1 for an anonymous pull (no entry, an entry
 * without credentials, or a helper without any: ra->note says which);
 * ML_CONFIG for an unreadable config, the reasons of credhelper_get for a
 * helper that fails.
 */
int registry_auth_header(const char *config, size_t len, const char *host, struct registry_auth *ra,
                         struct buf *out);

#endif
