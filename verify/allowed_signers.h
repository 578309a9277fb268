/*
 * git's gpg.ssh.allowedSignersFile, with ssh-keygen's semantics (see
 * ssh-keygen(1), ALLOWED SIGNERS):
 *
 *   principals [options] keytype base64-key [comment]
 *
 * principals is a comma-separated list of patterns (`*`, `?`, `!` negation),
 * double-quoted when it contains spaces. Options: namespaces="patterns",
 * valid-after="time", valid-before="time" (YYYYMMDD[HHMM[SS]][Z], read as
 * UTC with or without the Z; see docs/ssh-signatures.md). cert-authority
 * lines are refused at load: certificates are not supported, and ignoring
 * such a line would silently drop a trust root.
 */
#ifndef MAINLINE_ALLOWED_SIGNERS_H
#define MAINLINE_ALLOWED_SIGNERS_H

#include <stddef.h>
#include <stdint.h>

#define ALLOWED_SIGNERS_MAX_LINE (16u * 1024)

struct allowed_signers;

/*
 * Parses the whole file text (which need not be NUL-terminated). Any
 * malformed line refuses the file with ML_CONFIG and a message naming
 * "origin:line". On success *out is owned by the caller.
 * Returns 0, ML_CONFIG or ML_IO (out of memory).
 */
int allowed_signers_parse(struct allowed_signers **out, const char *text, size_t len,
                          const char *origin);

/*
 * Finds the entry for key_blob (SSH wire format, compared byte for byte)
 * that allows namespace ns at time `when` (seconds since the epoch; bounds
 * are inclusive, as in ssh-keygen). On success *out_principal points to the
 * entry's first non-negated principal pattern, valid as long as as is.
 * Returns 0, ML_UNKNOWN_KEY (no entry for this key), ML_WRONG_NAMESPACE
 * (entries exist but none allows ns) or ML_KEY_EXPIRED (outside every
 * matching entry's validity window).
 */
int allowed_signers_lookup(const struct allowed_signers *as, const uint8_t *key_blob,
                           size_t key_len, const char *ns, int64_t when,
                           const char **out_principal);

/*
 * Adds one entry that no file gave (a forge key): key_blob a well-formed
 * public key in SSH wire format, principal the printable UTF-8 name shown
 * for it (at most 255 bytes), namespaces a pattern list or NULL for any,
 * no validity window. *as is created when NULL. 0, ML_CONFIG or ML_IO.
 */
int allowed_signers_add(struct allowed_signers **as, const char *principal, const uint8_t *key_blob,
                        size_t key_len, const char *namespaces);

/* Number of entries (keys) loaded. */
size_t allowed_signers_count(const struct allowed_signers *as);

void allowed_signers_free(struct allowed_signers *as);

/*
 * ssh's match_pattern_list: 1 when s matches a positive pattern of the
 * comma-separated list and no negated one, -1 when a negated pattern
 * matches, 0 otherwise. Case-sensitive.
 */
int allowed_signers_match_list(const char *s, const char *list);

/*
 * Parses YYYYMMDD[HHMM[SS]][Z] (always UTC) into seconds since the epoch.
 * 0 or -1.
 */
int allowed_signers_parse_time(const char *text, size_t len, int64_t *out);

#endif
