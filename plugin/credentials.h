/*
 * Credentials for fetching a private trusted repository, taken from the
 * settings (git_username/git_password, ssh_key, ssh_known_hosts) or, for
 * HTTPS without git credentials, from Drone's netrc variables when the
 * source's host is DRONE_NETRC_MACHINE. The SSH key (a secret's contents)
 * lives in a 0600 file in a private temporary directory only while the
 * fetch runs. Nothing here prints a credential.
 */
#ifndef MAINLINE_CREDENTIALS_H
#define MAINLINE_CREDENTIALS_H

#include <stddef.h>

#include "plugin/config.h"
#include "verify/source.h"

struct credentials {
	char dir[512];      /* private directory of the key file; "" when none */
	char key_path[600]; /* the key file inside it; "" when none */
	const char *origin; /* "settings", "netrc" or NULL: for messages, never the values */
};

/*
 * Fills so->username, so->password and so->ssh_key from c (the strings stay
 * owned by c and by cr). 0, ML_CONFIG (a netrc machine without a password
 * is simply not used; a key that cannot be written is ML_IO). Call
 * credentials_release in any case.
 */
int credentials_prepare(struct credentials *cr, const struct config *c, struct source_options *so);

/* Removes the key file and its directory (idempotent). */
void credentials_release(struct credentials *cr);

#endif
