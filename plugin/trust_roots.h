/*
 * Trust roots from the configuration (allowed_signers text, OpenPGP
 * keyrings, forge keys: forge_key.h) and the digest that names them in the
 * verified cache.
 */
#ifndef MAINLINE_TRUST_ROOTS_H
#define MAINLINE_TRUST_ROOTS_H

#include "plugin/config.h"
#include "verify/signature.h"

/* Receives the warnings of loading trust roots (a revocation that is ignored). */
typedef void (*trust_roots_warning_fn)(const char *message);

/*
 * Where trust_roots_load() and trust_roots_load_from() hand their warnings; the entry
 * point sets it (library code never prints). NULL, the default, drops them.
 */
void trust_roots_set_warning_handler(trust_roots_warning_fn fn);

/*
 * Builds trust roots and their digest (64 hex + NUL) from c. At least one
 * root is required (allowed signers, a keyring, or an SSH forge key, which
 * joins the allowed signers for namespace "git"). c->keyring_restrictions
 * (the policy's keyrings a setting left out) join the keyring as inputs that
 * may only restrict, and count in the digest. A forge key given by a subkey fingerprint restricts the whole
 * certificate holding it. 0, ML_CONFIG or ML_IO with a message; on failure
 * out is left released.
 */
int trust_roots_load(struct trust_roots *out, char digest[65], const struct config *c);

/*
 * The same from explicit roots (the project's tag signers, say), without
 * restriction inputs; the options (user presence, skew) still come from c.
 */
int trust_roots_load_from(struct trust_roots *out, char digest[65], const char *allowed_signers,
                          const struct strlist *keyrings, const struct strlist *forge,
                          const struct config *c);

#endif
