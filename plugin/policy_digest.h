/*
 * The digest that names the effective policy in the audit record: the
 * SHA-256 of the effective configuration's canonical JSON.
 */
#ifndef MAINLINE_POLICY_DIGEST_H
#define MAINLINE_POLICY_DIGEST_H

#include "common/buf.h"
#include "plugin/config.h"

/*
 * Appends the canonical JSON of the effective configuration c to out: one
 * object, keys sorted, no whitespace, secrets left out, file contents as
 * "sha256:<hex>", durations as "1h30m". 0 or ML_IO.
 */
int policy_canonical_json(const struct config *c, struct buf *out);

/* The SHA-256 (lower-case hex) of policy_canonical_json(c). 0 or ML_IO. */
int policy_digest(const struct config *c, char out[65]);

#endif
