#include "pgp_keyring.h"

#include "error.h"
#include "pgp_sigcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEYRING_INPUT_MAX (16u << 20)
#define UID_MAX 4096
/* SHA-1 self-signatures made after this date are ignored (as Sequoia does). */
#define SHA1_SELF_SIG_CUTOFF 1675209600u /* 2023-02-01 */

/* What a self-signature or binding says about its key. */
struct self_info {
	int have;
	uint32_t time;
	int has_expires;
	uint32_t expires;
	int has_flags;
	uint8_t flags;
	int primary_uid;
	int backsig_ok;
};

struct pending_subkey {
	uint8_t *body;
	size_t body_len;
	int revoked;
	struct self_info binding;
};

enum component { COMP_NONE, COMP_UID, COMP_SUBKEY, COMP_OTHER };

struct builder {
	struct pgp_keyring *staged;
	const struct pgp_keyring *existing;
	size_t *revoke_existing; /* indexes into existing revoked by stand-alone certificates */
	size_t n_revoke_existing;
	int standalone; /* stand-alone revocation certificates seen */
	int started;    /* a primary key packet has been seen */
	int in_key;     /* the current primary key is supported */
	struct pgp_key primary;
	int revoked;
	struct self_info direct;
	struct self_info best_uid;
	const uint8_t *best_uid_bytes;
	size_t best_uid_len;
	enum component comp;
	const uint8_t *uid;
	size_t uid_len;
	struct self_info uid_info;
	struct pgp_key sub;
	int sub_ok;
	int sub_revoked;
	struct self_info sub_info;
	struct pending_subkey *subs;
	size_t n_subs;
};

static void entry_release(struct pgp_kr_entry *e)
{
	free(e->body);
	free(e->uid);
}

static void keyring_release(struct pgp_keyring *kr)
{
	size_t i;

	for (i = 0; i < kr->n; i++)
		entry_release(&kr->entries[i]);
	free(kr->entries);
	free(kr->by_keyid);
	memset(kr, 0, sizeof(*kr));
}

int pgp_keyring_new(struct pgp_keyring **out)
{
	struct pgp_keyring *kr;

	if ((kr = calloc(1, sizeof(*kr))) == NULL)
		return ml_fail(ML_IO, "cannot allocate OpenPGP keyring");
	*out = kr;
	return 0;
}

void pgp_keyring_free(struct pgp_keyring *kr)
{
	if (kr == NULL)
		return;
	keyring_release(kr);
	free(kr);
}

size_t pgp_keyring_count(const struct pgp_keyring *kr)
{
	return kr->n_primary;
}

/* Appends an entry holding a private copy of body; its index in *index. */
static int keyring_push(struct pgp_keyring *kr, const uint8_t *body, size_t body_len, size_t *index)
{
	struct pgp_kr_entry *e;

	if (kr->n == kr->cap) {
		size_t cap = kr->cap ? kr->cap * 2 : 8;
		struct pgp_kr_entry *grown;

		if ((grown = reallocarray(kr->entries, cap, sizeof(*grown))) == NULL)
			return -1;
		kr->entries = grown;
		kr->cap = cap;
	}
	e = &kr->entries[kr->n];
	memset(e, 0, sizeof(*e));
	if ((e->body = malloc(body_len)) == NULL)
		return -1;
	memcpy(e->body, body, body_len);
	if (pgp_key_parse(&e->key, e->body, body_len) != 0) {
		free(e->body);
		return -1;
	}
	*index = kr->n++;
	return 0;
}

static int self_sig_ok(const struct pgp_sig *s, const struct pgp_key *signer,
                       const struct pgp_signed_data *what)
{
	enum crypto_hash h;

	if (!s->has_created || s->unknown_critical || pgp_hash_from_id(s->hash_algo, &h) < 0)
		return 0;
	if (s->hash_algo == PGP_HASH_SHA1 && s->created >= SHA1_SELF_SIG_CUTOFF)
		return 0;
	return pgp_sig_check(signer, s, what) == 1;
}

/* Whether the signature names an issuer other than k (third-party signatures). */
static int issued_by_other(const struct pgp_sig *s, const struct pgp_key *k)
{
	if (s->has_issuer_fpr && memcmp(s->issuer_fpr, k->fpr, PGP_FPR_LEN) != 0)
		return 1;
	if (s->has_issuer && memcmp(s->issuer, k->keyid, PGP_KEYID_LEN) != 0)
		return 1;
	return 0;
}

static void take_if_newer(struct self_info *info, const struct pgp_sig *s)
{
	if (info->have && s->created < info->time)
		return;
	info->have = 1;
	info->time = s->created;
	info->has_expires = s->has_key_expires;
	info->expires = s->key_expires;
	info->has_flags = s->has_key_flags;
	info->flags = s->key_flags;
	info->primary_uid = s->primary_uid;
	info->backsig_ok = 0;
}

/* Checks the embedded primary-key binding (0x19) of a subkey binding signature. */
static int backsig_ok(const struct builder *b, const struct pgp_sig *binding)
{
	struct pgp_signed_data what = {.primary = &b->primary, .subkey = &b->sub};
	struct pgp_sig back;

	if (binding->embedded == NULL ||
	    pgp_sig_parse(&back, binding->embedded, binding->embedded_len) != 0)
		return 0;
	return back.type == PGP_SIG_PRIMARY_BINDING && !issued_by_other(&back, &b->sub) &&
	       self_sig_ok(&back, &b->sub, &what);
}

static void end_component(struct builder *b)
{
	if (b->comp == COMP_UID && b->uid_info.have) {
		struct self_info *best = &b->best_uid;

		if (!best->have || (b->uid_info.primary_uid &&
		                    (!best->primary_uid || b->uid_info.time > best->time))) {
			*best = b->uid_info;
			b->best_uid_bytes = b->uid;
			b->best_uid_len = b->uid_len;
		}
	}
	if (b->comp == COMP_SUBKEY && b->sub_ok && b->sub_info.have && b->sub.can_verify) {
		struct pending_subkey *grown, *p;

		grown = reallocarray(b->subs, b->n_subs + 1, sizeof(*grown));
		if (grown != NULL) {
			b->subs = grown;
			p = &b->subs[b->n_subs];
			if ((p->body = malloc(b->sub.body_len)) != NULL) {
				memcpy(p->body, b->sub.body, b->sub.body_len);
				p->body_len = b->sub.body_len;
				p->revoked = b->sub_revoked;
				p->binding = b->sub_info;
				b->n_subs++;
			}
		}
	}
	b->comp = COMP_NONE;
	memset(&b->uid_info, 0, sizeof(b->uid_info));
	memset(&b->sub_info, 0, sizeof(b->sub_info));
	b->sub_ok = 0;
	b->sub_revoked = 0;
}

static void drop_subs(struct builder *b)
{
	size_t i;

	for (i = 0; i < b->n_subs; i++)
		free(b->subs[i].body);
	free(b->subs);
	b->subs = NULL;
	b->n_subs = 0;
}

/* Copies a user ID, replacing control characters so it prints safely. */
static char *uid_dup(const uint8_t *uid, size_t len)
{
	char *s;
	size_t i;

	if (len > UID_MAX)
		len = UID_MAX;
	if ((s = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		s[i] = (uid[i] < 0x20 || uid[i] == 0x7f) ? '?' : (char)uid[i];
	s[len] = '\0';
	return s;
}

/* Finishes the current primary key: stages it and its subkeys when usable. */
static int end_key(struct builder *b)
{
	const struct self_info *self;
	size_t primary, sub, i;
	int r = -1;

	end_component(b);
	if (!b->in_key || !b->primary.can_verify || (!b->best_uid.have && !b->direct.have)) {
		r = 0;
		goto out;
	}
	self = b->best_uid.have ? &b->best_uid : &b->direct;
	if (keyring_push(b->staged, b->primary.body, b->primary.body_len, &primary) < 0)
		goto out;
	b->staged->n_primary++;
	{
		struct pgp_kr_entry *e = &b->staged->entries[primary];
		uint8_t flags = self->has_flags ? self->flags : b->direct.flags;
		int has_flags = self->has_flags || b->direct.has_flags;

		e->primary = primary;
		e->revoked = b->revoked;
		e->expires = self->has_expires       ? self->expires
		             : b->direct.has_expires ? b->direct.expires
		                                     : 0;
		e->may_sign = !has_flags || (flags & PGP_KEY_FLAG_SIGN);
		if (b->best_uid.have &&
		    (e->uid = uid_dup(b->best_uid_bytes, b->best_uid_len)) == NULL)
			goto out;
	}
	for (i = 0; i < b->n_subs; i++) {
		const struct pending_subkey *p = &b->subs[i];
		struct pgp_kr_entry *e;

		if (keyring_push(b->staged, p->body, p->body_len, &sub) < 0)
			goto out;
		e = &b->staged->entries[sub];
		e->primary = primary;
		e->is_subkey = 1;
		e->revoked = p->revoked;
		e->expires = p->binding.has_expires ? p->binding.expires : 0;
		e->may_sign = (!p->binding.has_flags || (p->binding.flags & PGP_KEY_FLAG_SIGN)) &&
		              p->binding.backsig_ok;
	}
	r = 0;
out:
	drop_subs(b);
	b->in_key = 0;
	b->revoked = 0;
	memset(&b->direct, 0, sizeof(b->direct));
	memset(&b->best_uid, 0, sizeof(b->best_uid));
	b->best_uid_bytes = NULL;
	return r;
}

/* A key revocation certificate on its own: applies to keys already in the keyring. */
static int standalone_revocation(struct builder *b, const struct pgp_sig *s)
{
	size_t i, *grown;

	b->standalone = 1;
	for (i = 0; i < b->existing->n; i++) {
		const struct pgp_kr_entry *e = &b->existing->entries[i];
		struct pgp_signed_data what = {.primary = &e->key};

		if (e->is_subkey || issued_by_other(s, &e->key) || !self_sig_ok(s, &e->key, &what))
			continue;
		grown = reallocarray(b->revoke_existing, b->n_revoke_existing + 1, sizeof(*grown));
		if (grown == NULL)
			return ml_fail(ML_IO, "out of memory");
		b->revoke_existing = grown;
		b->revoke_existing[b->n_revoke_existing++] = i;
	}
	return 0;
}

static int on_signature(struct builder *b, const uint8_t *body, size_t len)
{
	struct pgp_signed_data what = {.primary = &b->primary};
	struct pgp_sig s;
	int r;

	if ((r = pgp_sig_parse(&s, body, len)) == ML_UNSUPPORTED)
		return 0;
	if (r != 0)
		return r;
	if (!b->started) {
		if (s.type != PGP_SIG_KEY_REVOCATION)
			return ml_fail(ML_MALFORMED_OBJECT, "signature packet before any key");
		return standalone_revocation(b, &s);
	}
	if (!b->in_key || b->comp == COMP_OTHER || issued_by_other(&s, &b->primary))
		return 0;
	switch (s.type) {
	case PGP_SIG_KEY_REVOCATION:
		if (self_sig_ok(&s, &b->primary, &what))
			b->revoked = 1;
		break;
	case PGP_SIG_DIRECT_KEY:
		if (self_sig_ok(&s, &b->primary, &what))
			take_if_newer(&b->direct, &s);
		break;
	case PGP_SIG_CERT_GENERIC:
	case PGP_SIG_CERT_GENERIC + 1:
	case PGP_SIG_CERT_GENERIC + 2:
	case PGP_SIG_CERT_POSITIVE:
		if (b->comp != COMP_UID)
			break;
		what.uid = b->uid;
		what.uid_len = b->uid_len;
		if (self_sig_ok(&s, &b->primary, &what))
			take_if_newer(&b->uid_info, &s);
		break;
	case PGP_SIG_SUBKEY_BINDING:
	case PGP_SIG_SUBKEY_REVOCATION:
		if (b->comp != COMP_SUBKEY || !b->sub_ok)
			break;
		what.subkey = &b->sub;
		if (!self_sig_ok(&s, &b->primary, &what))
			break;
		if (s.type == PGP_SIG_SUBKEY_REVOCATION) {
			b->sub_revoked = 1;
		} else if (!b->sub_info.have || s.created >= b->sub_info.time) {
			take_if_newer(&b->sub_info, &s);
			b->sub_info.backsig_ok = backsig_ok(b, &s);
		}
		break;
	default:
		break;
	}
	return 0;
}

static int on_packet(struct builder *b, uint8_t tag, const uint8_t *body, size_t len)
{
	int r;

	switch (tag) {
	case PGP_TAG_PUBLIC_KEY:
		if (end_key(b) < 0)
			return ml_fail(ML_IO, "out of memory");
		b->started = 1;
		if ((r = pgp_key_parse(&b->primary, body, len)) == ML_UNSUPPORTED)
			return 0;
		if (r != 0)
			return r;
		b->in_key = 1;
		return 0;
	case PGP_TAG_USER_ID:
	case PGP_TAG_USER_ATTRIBUTE:
	case PGP_TAG_PUBLIC_SUBKEY:
		if (!b->started)
			return ml_fail(ML_MALFORMED_OBJECT, "packet (tag %u) before any key",
			               (unsigned)tag);
		end_component(b);
		if (tag == PGP_TAG_USER_ID) {
			b->comp = COMP_UID;
			b->uid = body;
			b->uid_len = len;
		} else if (tag == PGP_TAG_PUBLIC_SUBKEY) {
			b->comp = COMP_SUBKEY;
			if ((r = pgp_key_parse(&b->sub, body, len)) != 0 && r != ML_UNSUPPORTED)
				return r;
			b->sub_ok = r == 0;
		} else {
			b->comp = COMP_OTHER;
		}
		return 0;
	case PGP_TAG_SIGNATURE:
		return on_signature(b, body, len);
	case PGP_TAG_MARKER:
	case PGP_TAG_TRUST:
		return 0;
	case 5:
	case 7:
		return ml_fail(ML_CONFIG, "secret key material does not belong in a keyring");
	default:
		return ml_fail(ML_MALFORMED_OBJECT, "unexpected OpenPGP packet (tag %u)",
		               (unsigned)tag);
	}
}

static int parse_packets(struct builder *b, const uint8_t *data, size_t len)
{
	struct reader r, body;
	uint8_t tag;
	int ret;

	reader_init(&r, data, len);
	while (reader_remaining(&r) > 0) {
		if ((ret = pgp_packet_next(&r, &tag, &body)) != 0 ||
		    (ret = on_packet(b, tag, body.data, body.len)) != 0)
			return ret;
	}
	return 0;
}

/* The binary packets of data: as given, or decoded from armored blocks. */
static int binary_of(const uint8_t *data, size_t len, struct buf *bin)
{
	const char *text = (const char *)data;
	size_t pos = 0, used;
	int r;

	if (len > 0 && (data[0] & 0x80)) {
		if (buf_append(bin, data, len) < 0)
			return ml_fail(ML_IO, "keyring too large");
		return 0;
	}
	do {
		if ((r = pgp_dearmor(text + pos, len - pos, "PUBLIC KEY BLOCK", bin, &used)) != 0)
			return r;
		pos += used;
	} while (!pgp_only_space(text + pos, len - pos));
	return 0;
}

static int cmp_keyid(const struct pgp_keyring *kr, size_t a, const uint8_t *keyid)
{
	return memcmp(kr->entries[a].key.keyid, keyid, PGP_KEYID_LEN);
}

static int cmp_index(const void *a, const void *b, void *ctx)
{
	const struct pgp_keyring *kr = ctx;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	int c = cmp_keyid(kr, ia, kr->entries[ib].key.keyid);

	return c != 0 ? c : (ia < ib ? -1 : ia > ib);
}

/* Moves the staged entries into kr and rebuilds the key ID index. */
static int merge(struct pgp_keyring *kr, struct pgp_keyring *staged)
{
	struct pgp_kr_entry *entries;
	size_t *index, i, base = kr->n;

	if ((entries = reallocarray(kr->entries, kr->n + staged->n + 1, sizeof(*entries))) == NULL)
		return -1;
	kr->entries = entries;
	kr->cap = kr->n + staged->n + 1;
	if ((index = reallocarray(kr->by_keyid, kr->n + staged->n + 1, sizeof(*index))) == NULL)
		return -1;
	kr->by_keyid = index;
	for (i = 0; i < staged->n; i++) {
		kr->entries[base + i] = staged->entries[i];
		kr->entries[base + i].primary += base;
	}
	kr->n += staged->n;
	kr->n_primary += staged->n_primary;
	free(staged->entries);
	staged->entries = NULL;
	staged->n = 0;
	for (i = 0; i < kr->n; i++)
		kr->by_keyid[i] = i;
	qsort_r(kr->by_keyid, kr->n, sizeof(*kr->by_keyid), cmp_index, kr);
	return 0;
}

int pgp_keyring_add(struct pgp_keyring *kr, const uint8_t *data, size_t len, const char *origin)
{
	struct pgp_keyring staged;
	struct builder b;
	struct buf bin;
	size_t i;
	int r = ML_CONFIG;

	memset(&staged, 0, sizeof(staged));
	memset(&b, 0, sizeof(b));
	b.staged = &staged;
	b.existing = kr;
	buf_init(&bin, KEYRING_INPUT_MAX);
	if (len > KEYRING_INPUT_MAX) {
		ml_fail(r, "keyring '%s' is too large", origin);
		goto out;
	}
	if (binary_of(data, len, &bin) != 0 || parse_packets(&b, bin.data, bin.len) != 0) {
		char cause[256];

		snprintf(cause, sizeof(cause), "%s", ml_error_message());
		ml_fail_override(r, "cannot parse OpenPGP keyring '%s': %s", origin, cause);
		goto out;
	}
	if (end_key(&b) < 0) {
		ml_fail(ML_IO, "out of memory");
		goto out;
	}
	if (b.standalone && b.n_revoke_existing == 0) {
		ml_fail(r, "revocation certificate in '%s' matches no key loaded before it",
		        origin);
		goto out;
	}
	if (staged.n_primary == 0 && b.n_revoke_existing == 0) {
		ml_fail(r, "no usable OpenPGP key in '%s'", origin);
		goto out;
	}
	if (merge(kr, &staged) < 0) {
		ml_fail(ML_IO, "out of memory");
		goto out;
	}
	for (i = 0; i < b.n_revoke_existing; i++)
		kr->entries[b.revoke_existing[i]].revoked = 1;
	r = 0;
out:
	drop_subs(&b);
	free(b.revoke_existing);
	keyring_release(&staged);
	buf_release(&bin);
	return r;
}

const struct pgp_kr_entry *pgp_keyring_next(const struct pgp_keyring *kr,
                                            const uint8_t keyid[PGP_KEYID_LEN], size_t *iter)
{
	size_t lo = 0, hi = kr->n, pos;

	if (*iter == 0) {
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (cmp_keyid(kr, kr->by_keyid[mid], keyid) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		pos = lo;
	} else {
		pos = *iter;
	}
	if (pos >= kr->n || cmp_keyid(kr, kr->by_keyid[pos], keyid) != 0)
		return NULL;
	*iter = pos + 1;
	return &kr->entries[kr->by_keyid[pos]];
}
