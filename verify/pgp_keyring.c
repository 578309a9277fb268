/*
 * The keyring: inputs are collected as they come (pgp_keyring_add) and
 * evaluated once all are there (pgp_keyring_finish), so that every copy of a
 * key, wherever it appears, adds to one certificate per primary fingerprint
 * and every revocation applies whatever its place. See docs/openpgp.md.
 */
#include "verify/pgp_keyring.h"

#include "common/encoding.h"
#include "common/error.h"
#include "verify/pgp_sigcheck.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEYRING_INPUT_MAX (16u << 20)
#define UID_MAX 4096
/* SHA-1 self-signatures made after this date cannot grant (as Sequoia does). */
#define SHA1_SELF_SIG_CUTOFF 1675209600u /* 2023-02-01 */
#define NONE ((size_t)-1)
#define WHY_MAX 64

enum comp_kind { COMP_UID = 1, COMP_SUBKEY };

struct kr_input {
	uint8_t *data; /* the input's binary packets: everything parsed points here */
	size_t len;
	char *origin;
	int grants;      /* 0: the input may only restrict */
	int contributed; /* finish: it held a usable key or a matched revocation */
};

/* One occurrence of a primary key in an input. */
struct kr_block {
	struct pgp_key key;
	uint32_t input;
	size_t cert; /* finish */
};

/* One occurrence of a user ID or of a subkey mainline can read. */
struct kr_comp {
	size_t block;
	enum comp_kind kind;
	const uint8_t *uid;
	size_t uid_len;
	struct pgp_key sub;
	size_t group; /* finish: the merged component */
};

/* A signature mainline evaluates, and where it was found. */
struct kr_sig {
	const uint8_t *body;
	size_t len;
	uint32_t input;
	size_t block; /* NONE: a revocation found by its issuer (stand-alone, or another key's) */
	size_t comp;  /* NONE: on the key itself */
	int parsed;   /* 0: a version or algorithm pgp_sig_parse() does not read */
	uint8_t type;
	struct pgp_sig sig;
};

struct pgp_keyring {
	/* what pgp_keyring_add() collected, unevaluated */
	struct kr_input *inputs;
	size_t n_inputs, cap_inputs;
	struct kr_block *blocks; /* each occurrence of a primary key */
	size_t n_blocks, cap_blocks;
	struct kr_comp *comps; /* each occurrence of a user ID or subkey */
	size_t n_comps, cap_comps;
	struct kr_sig *sigs; /* the signatures mainline evaluates */
	size_t n_sigs, cap_sigs;
	/* what pgp_keyring_finish() built */
	int finished;
	struct pgp_kr_entry *entries;
	size_t n, cap;
	size_t *by_keyid; /* entry indexes sorted by key ID */
	size_t n_primary;
	char **warnings;
	size_t n_warnings;
};

/* ---- arrays ---- */

static int reserve(void **v, size_t *cap, size_t n, size_t size)
{
	size_t want;
	void *grown;

	if (n < *cap)
		return 0;
	want = *cap ? *cap * 2 : 16;
	if ((grown = reallocarray(*v, want, size)) == NULL)
		return -1;
	*v = grown;
	*cap = want;
	return 0;
}

#define RESERVE(arr, n, cap) reserve((void **)&(arr), &(cap), (n), sizeof(*(arr)))

/* ---- what finish builds ---- */

static void reset_built(struct pgp_keyring *kr)
{
	size_t i;

	for (i = 0; i < kr->n; i++)
		free(kr->entries[i].uid);
	free(kr->entries);
	free(kr->by_keyid);
	for (i = 0; i < kr->n_warnings; i++)
		free(kr->warnings[i]);
	free(kr->warnings);
	kr->entries = NULL;
	kr->by_keyid = NULL;
	kr->warnings = NULL;
	kr->n = kr->cap = kr->n_primary = kr->n_warnings = 0;
	kr->finished = 0;
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
	size_t i;

	if (kr == NULL)
		return;
	reset_built(kr);
	for (i = 0; i < kr->n_inputs; i++) {
		free(kr->inputs[i].data);
		free(kr->inputs[i].origin);
	}
	free(kr->inputs);
	free(kr->blocks);
	free(kr->comps);
	free(kr->sigs);
	free(kr);
}

size_t pgp_keyring_count(const struct pgp_keyring *kr)
{
	return kr->finished ? kr->n_primary : 0;
}

const char *pgp_keyring_warning(const struct pgp_keyring *kr, size_t i)
{
	return i < kr->n_warnings ? kr->warnings[i] : NULL;
}

/* ---- collecting inputs ---- */

enum position { AT_KEY, AT_UID, AT_SUBKEY, AT_OTHER, AT_UNREAD_SUBKEY };

struct parser {
	struct pgp_keyring *kr;
	uint32_t input;
	int started;      /* a primary key packet has been seen */
	size_t block;     /* the current key; NONE when mainline does not read it */
	size_t comp;      /* the current user ID or subkey */
	enum position at; /* what the next signatures follow */
};

/* Whether the signature names an issuer other than k (third-party signatures). */
static int issued_by_other(const struct pgp_sig *s, const struct pgp_key *k)
{
	if (s->has_issuer_fpr && memcmp(s->issuer_fpr, k->fpr, PGP_FPR_LEN) != 0)
		return 1;
	if (s->has_issuer && memcmp(s->issuer, k->keyid, PGP_KEYID_LEN) != 0)
		return 1;
	return 0;
}

static int push_sig(struct pgp_keyring *kr, const struct kr_sig *s)
{
	if (RESERVE(kr->sigs, kr->n_sigs, kr->cap_sigs) < 0)
		return ml_fail(ML_IO, "out of memory");
	kr->sigs[kr->n_sigs++] = *s;
	return 0;
}

static int is_certification(uint8_t type)
{
	return type >= PGP_SIG_CERT_GENERIC && type <= PGP_SIG_CERT_POSITIVE;
}

static int on_signature(struct parser *p, const uint8_t *body, size_t len)
{
	struct pgp_keyring *kr = p->kr;
	const struct pgp_key *key;
	struct kr_sig s;
	uint8_t version;
	int r;

	memset(&s, 0, sizeof(s));
	s.body = body;
	s.len = len;
	s.input = p->input;
	s.block = p->block;
	s.comp = NONE;
	if ((r = pgp_sig_parse(&s.sig, body, len)) == 0) {
		s.parsed = 1;
		s.type = s.sig.type;
	} else if (r != ML_UNSUPPORTED) {
		return r;
	} else if (pgp_sig_peek(body, len, &version, &s.type) < 0) {
		return ml_fail(ML_MALFORMED_OBJECT, "truncated OpenPGP signature packet");
	}
	if (!p->started) {
		if (s.type != PGP_SIG_KEY_REVOCATION)
			return ml_fail(ML_MALFORMED_OBJECT, "signature packet before any key");
		return push_sig(kr, &s);
	}
	if (p->block == NONE)
		return 0; /* it belongs to a key mainline does not read */
	key = &kr->blocks[p->block].key;
	switch (s.type) {
	case PGP_SIG_KEY_REVOCATION:
		/* wherever it sits in the key; one by another key is matched by its issuer */
		if (s.parsed && issued_by_other(&s.sig, key))
			s.block = NONE;
		return push_sig(kr, &s);
	case PGP_SIG_SUBKEY_REVOCATION:
		if (p->at == AT_UNREAD_SUBKEY)
			return 0;
		/* outside its subkey, it is tried against every subkey of the key */
		s.comp = p->at == AT_SUBKEY ? p->comp : NONE;
		return push_sig(kr, &s);
	case PGP_SIG_DIRECT_KEY:
		if (p->at != AT_KEY)
			return 0;
		break;
	case PGP_SIG_SUBKEY_BINDING:
		if (p->at != AT_SUBKEY)
			return 0;
		s.comp = p->comp;
		break;
	default:
		if (!is_certification(s.type) || p->at != AT_UID)
			return 0;
		s.comp = p->comp;
		break;
	}
	if (!s.parsed || issued_by_other(&s.sig, key))
		return 0; /* certifications by others grant nothing: a keyring is not a web of trust */
	return push_sig(kr, &s);
}

static int on_component(struct parser *p, uint8_t tag, const uint8_t *body, size_t len)
{
	struct pgp_keyring *kr = p->kr;
	struct kr_comp c;
	int r = 0;

	memset(&c, 0, sizeof(c));
	if (!p->started)
		return ml_fail(ML_MALFORMED_OBJECT, "packet (tag %u) before any key",
		               (unsigned)tag);
	if (tag == PGP_TAG_PUBLIC_SUBKEY && (r = pgp_key_parse(&c.sub, body, len)) != 0 &&
	    r != ML_UNSUPPORTED)
		return r;
	p->comp = NONE;
	p->at = AT_OTHER;
	if (p->block == NONE || tag == PGP_TAG_USER_ATTRIBUTE)
		return 0;
	if (r == ML_UNSUPPORTED) {
		p->at = AT_UNREAD_SUBKEY;
		return 0;
	}
	c.block = p->block;
	c.kind = tag == PGP_TAG_USER_ID ? COMP_UID : COMP_SUBKEY;
	if (c.kind == COMP_UID) {
		c.uid = body;
		c.uid_len = len;
	}
	if (RESERVE(kr->comps, kr->n_comps, kr->cap_comps) < 0)
		return ml_fail(ML_IO, "out of memory");
	p->comp = kr->n_comps;
	kr->comps[kr->n_comps++] = c;
	p->at = c.kind == COMP_UID ? AT_UID : AT_SUBKEY;
	return 0;
}

static int on_packet(struct parser *p, uint8_t tag, const uint8_t *body, size_t len)
{
	struct pgp_keyring *kr = p->kr;
	struct kr_block b;
	int r;

	switch (tag) {
	case PGP_TAG_PUBLIC_KEY:
		p->started = 1;
		p->block = NONE;
		p->comp = NONE;
		p->at = AT_KEY;
		memset(&b, 0, sizeof(b));
		if ((r = pgp_key_parse(&b.key, body, len)) == ML_UNSUPPORTED)
			return 0;
		if (r != 0)
			return r;
		b.input = p->input;
		if (RESERVE(kr->blocks, kr->n_blocks, kr->cap_blocks) < 0)
			return ml_fail(ML_IO, "out of memory");
		p->block = kr->n_blocks;
		kr->blocks[kr->n_blocks++] = b;
		return 0;
	case PGP_TAG_USER_ID:
	case PGP_TAG_USER_ATTRIBUTE:
	case PGP_TAG_PUBLIC_SUBKEY:
		return on_component(p, tag, body, len);
	case PGP_TAG_SIGNATURE:
		return on_signature(p, body, len);
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

static int parse_packets(struct parser *p, const uint8_t *data, size_t len)
{
	struct reader r, body;
	uint8_t tag;
	int ret;

	reader_init(&r, data, len);
	while (reader_remaining(&r) > 0) {
		if ((ret = pgp_packet_next(&r, &tag, &body)) != 0 ||
		    (ret = on_packet(p, tag, body.data, body.len)) != 0)
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

static int keyring_add(struct pgp_keyring *kr, const uint8_t *data, size_t len, const char *origin,
                       int grants)
{
	size_t n_blocks = kr->n_blocks, n_comps = kr->n_comps, n_sigs = kr->n_sigs;
	struct kr_input *in = NULL;
	struct parser p;
	struct buf bin;
	int r = ML_CONFIG;

	buf_init(&bin, KEYRING_INPUT_MAX);
	if (len > KEYRING_INPUT_MAX) {
		ml_fail(r, "keyring '%s' is too large", origin);
		goto out;
	}
	if (kr->n_inputs >= UINT32_MAX || RESERVE(kr->inputs, kr->n_inputs, kr->cap_inputs) < 0) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	in = &kr->inputs[kr->n_inputs];
	memset(in, 0, sizeof(*in));
	if (binary_of(data, len, &bin) == 0) {
		in->data = (uint8_t *)buf_detach(&bin, &in->len);
		in->origin = strdup(origin);
		in->grants = grants;
		if (in->data == NULL || in->origin == NULL) {
			r = ml_fail(ML_IO, "out of memory");
			goto out;
		}
		memset(&p, 0, sizeof(p));
		p.kr = kr;
		p.input = (uint32_t)kr->n_inputs;
		p.block = p.comp = NONE;
		if (parse_packets(&p, in->data, in->len) == 0)
			r = 0;
	}
	if (r != 0) {
		char cause[256];

		snprintf(cause, sizeof(cause), "%s", ml_error_message());
		r = ml_fail_override(ML_CONFIG, "cannot parse OpenPGP keyring '%s': %s", origin,
		                     cause);
		goto out;
	}
	if (kr->n_blocks == n_blocks && kr->n_sigs == n_sigs) {
		r = ml_fail(ML_CONFIG, "no usable OpenPGP key in '%s'", origin);
		goto out;
	}
	kr->n_inputs++;
	in = NULL; /* kept */
	reset_built(kr);
	r = 0;
out:
	if (in != NULL) {
		free(in->data);
		free(in->origin);
		kr->n_blocks = n_blocks;
		kr->n_comps = n_comps;
		kr->n_sigs = n_sigs;
	}
	buf_release(&bin);
	return r;
}

int pgp_keyring_add(struct pgp_keyring *kr, const uint8_t *data, size_t len, const char *origin)
{
	return keyring_add(kr, data, len, origin, 1);
}

int pgp_keyring_add_restrictions(struct pgp_keyring *kr, const uint8_t *data, size_t len,
                                 const char *origin)
{
	return keyring_add(kr, data, len, origin, 0);
}

/* ---- evaluation ---- */

enum verdict {
	V_BAD,         /* does not verify */
	V_VALID,       /* verifies */
	V_WEAK,        /* verifies, but a certification may not grant with it (SHA-1) */
	V_UNEVALUATED, /* mainline cannot check it */
};

/* A merged certificate: every block with its primary fingerprint. */
struct cert {
	size_t lo, hi;             /* its blocks: order[lo..hi) */
	const struct pgp_key *key; /* from the first block */
	size_t group_lo, group_hi; /* its merged user IDs and subkeys */
	size_t ref_lo, ref_hi;     /* the signatures on the key itself */
};

/* A merged user ID or subkey: every occurrence of it in one certificate. */
struct group {
	size_t cert;
	const struct kr_comp *comp; /* the first occurrence */
	size_t ref_lo, ref_hi;
};

/* A signature placed on a certificate (a revocation found by issuer may be on several). */
struct ref {
	size_t sig, cert;
	size_t group; /* NONE: on the key itself */
	enum verdict v, back;
	int matched; /* a misplaced subkey revocation that applied to some subkey */
	char why[WHY_MAX];
};

struct finish {
	struct pgp_keyring *kr;
	size_t *order; /* block indexes by fingerprint */
	struct cert *certs;
	size_t n_certs, cap_certs;
	size_t *comp_order; /* component indexes by certificate and identity */
	struct group *groups;
	size_t n_groups, cap_groups;
	struct ref *refs;
	size_t n_refs, cap_refs;
};

static int cmp_block(const void *a, const void *b, void *ctx)
{
	const struct pgp_keyring *kr = ctx;
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	int c = memcmp(kr->blocks[ia].key.fpr, kr->blocks[ib].key.fpr, PGP_FPR_LEN);

	return c != 0 ? c : (ia < ib ? -1 : ia > ib);
}

/* Orders components by certificate, kind and identity (user ID bytes, subkey fingerprint). */
static int cmp_identity(const struct pgp_keyring *kr, size_t ia, size_t ib)
{
	const struct kr_comp *a = &kr->comps[ia], *b = &kr->comps[ib];
	size_t ca = kr->blocks[a->block].cert, cb = kr->blocks[b->block].cert;
	size_t n;
	int c;

	if (ca != cb)
		return ca < cb ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->kind == COMP_SUBKEY)
		return memcmp(a->sub.fpr, b->sub.fpr, PGP_FPR_LEN);
	n = a->uid_len < b->uid_len ? a->uid_len : b->uid_len;
	if ((c = memcmp(a->uid, b->uid, n)) != 0)
		return c;
	return a->uid_len < b->uid_len ? -1 : a->uid_len > b->uid_len;
}

static int cmp_comp(const void *a, const void *b, void *ctx)
{
	size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
	int c = cmp_identity(ctx, ia, ib);

	return c != 0 ? c : (ia < ib ? -1 : ia > ib);
}

static int cmp_ref(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	size_t gx = x->group + 1, gy = y->group + 1; /* NONE (on the key) first */

	if (x->cert != y->cert)
		return x->cert < y->cert ? -1 : 1;
	if (gx != gy)
		return gx < gy ? -1 : 1;
	return x->sig < y->sig ? -1 : x->sig > y->sig;
}

/* What mainline cannot check in a signature, written to why; 0 when it can try. */
static int unevaluable(const struct pgp_sig *s, int parsed, const uint8_t *body, size_t len,
                       char why[WHY_MAX])
{
	enum crypto_hash h;

	if (!parsed && len > 2 && body[0] == 4)
		snprintf(why, WHY_MAX, "public-key algorithm %u", (unsigned)body[2]);
	else if (!parsed)
		snprintf(why, WHY_MAX, "signature version %u", len > 0 ? (unsigned)body[0] : 0u);
	else if (s->unknown_critical)
		snprintf(why, WHY_MAX, "an unknown critical subpacket");
	else if (!s->has_created)
		snprintf(why, WHY_MAX, "no creation time");
	else if (pgp_hash_from_id(s->hash_algo, &h) < 0)
		snprintf(why, WHY_MAX, "hash algorithm %s (%u)", pgp_hash_name(s->hash_algo),
		         (unsigned)s->hash_algo);
	else
		return 0;
	return 1;
}

static enum verdict check_sig(const struct pgp_sig *s, int parsed, const uint8_t *body, size_t len,
                              const struct pgp_key *signer, const struct pgp_signed_data *what,
                              char why[WHY_MAX])
{
	int r;

	why[0] = '\0';
	if (unevaluable(s, parsed, body, len, why))
		return V_UNEVALUATED;
	if ((r = pgp_sig_check(signer, s, what)) < 0) {
		snprintf(why, WHY_MAX, "a signature this key cannot check");
		return V_UNEVALUATED;
	}
	if (r == 0)
		return V_BAD;
	if (s->hash_algo == PGP_HASH_SHA1 && s->created >= SHA1_SELF_SIG_CUTOFF &&
	    s->type != PGP_SIG_KEY_REVOCATION && s->type != PGP_SIG_SUBKEY_REVOCATION)
		return V_WEAK;
	return V_VALID;
}

static enum verdict check_kr_sig(const struct kr_sig *s, const struct pgp_key *signer,
                                 const struct pgp_signed_data *what, char why[WHY_MAX])
{
	return check_sig(&s->sig, s->parsed, s->body, s->len, signer, what, why);
}

/* The embedded primary-key binding (0x19) of a subkey binding signature. */
static enum verdict check_backsig(const struct kr_sig *binding, const struct pgp_key *primary,
                                  const struct pgp_key *sub)
{
	struct pgp_signed_data what = {.primary = primary, .subkey = sub};
	char why[WHY_MAX];
	struct pgp_sig back;
	enum verdict v;

	if (binding->sig.embedded == NULL ||
	    pgp_sig_parse(&back, binding->sig.embedded, binding->sig.embedded_len) != 0 ||
	    back.type != PGP_SIG_PRIMARY_BINDING || issued_by_other(&back, sub))
		return V_BAD;
	v = check_sig(&back, 1, binding->sig.embedded, binding->sig.embedded_len, sub, &what, why);
	return v == V_UNEVALUATED ? V_BAD : v;
}

static int add_ref(struct finish *f, size_t sig, size_t cert, size_t group)
{
	struct ref *r;

	if (RESERVE(f->refs, f->n_refs, f->cap_refs) < 0)
		return ml_fail(ML_IO, "out of memory");
	r = &f->refs[f->n_refs++];
	memset(r, 0, sizeof(*r));
	r->sig = sig;
	r->cert = cert;
	r->group = group;
	return 0;
}

static int group_certificates(struct finish *f)
{
	struct pgp_keyring *kr = f->kr;
	size_t i;

	if (kr->n_blocks > 0 && (f->order = calloc(kr->n_blocks, sizeof(*f->order))) == NULL)
		return ml_fail(ML_IO, "out of memory");
	for (i = 0; i < kr->n_blocks; i++)
		f->order[i] = i;
	if (kr->n_blocks > 1)
		qsort_r(f->order, kr->n_blocks, sizeof(*f->order), cmp_block, kr);
	for (i = 0; i < kr->n_blocks; i++) {
		struct kr_block *b = &kr->blocks[f->order[i]];

		if (i == 0 ||
		    memcmp(b->key.fpr, f->certs[f->n_certs - 1].key->fpr, PGP_FPR_LEN) != 0) {
			if (RESERVE(f->certs, f->n_certs, f->cap_certs) < 0)
				return ml_fail(ML_IO, "out of memory");
			memset(&f->certs[f->n_certs], 0, sizeof(*f->certs));
			f->certs[f->n_certs].lo = i;
			f->certs[f->n_certs].key = &b->key;
			f->n_certs++;
		}
		f->certs[f->n_certs - 1].hi = i + 1;
		b->cert = f->n_certs - 1;
	}
	return 0;
}

static int group_components(struct finish *f)
{
	struct pgp_keyring *kr = f->kr;
	size_t i;

	if (kr->n_comps > 0 &&
	    (f->comp_order = calloc(kr->n_comps, sizeof(*f->comp_order))) == NULL)
		return ml_fail(ML_IO, "out of memory");
	for (i = 0; i < kr->n_comps; i++)
		f->comp_order[i] = i;
	if (kr->n_comps > 1)
		qsort_r(f->comp_order, kr->n_comps, sizeof(*f->comp_order), cmp_comp, kr);
	for (i = 0; i < kr->n_comps; i++) {
		size_t ci = f->comp_order[i];
		struct kr_comp *c = &kr->comps[ci];
		size_t cert = kr->blocks[c->block].cert;

		if (i == 0 || cmp_identity(kr, f->comp_order[i - 1], ci) != 0) {
			struct cert *ct = &f->certs[cert];

			if (RESERVE(f->groups, f->n_groups, f->cap_groups) < 0)
				return ml_fail(ML_IO, "out of memory");
			memset(&f->groups[f->n_groups], 0, sizeof(*f->groups));
			f->groups[f->n_groups].cert = cert;
			f->groups[f->n_groups].comp = c;
			if (ct->group_hi == 0)
				ct->group_lo = f->n_groups;
			ct->group_hi = f->n_groups + 1;
			f->n_groups++;
		}
		c->group = f->n_groups - 1;
	}
	return 0;
}

/* Places a revocation that names its key only by its issuer on the certificates it names. */
static int place_by_issuer(struct finish *f, size_t si)
{
	struct pgp_keyring *kr = f->kr;
	const struct kr_sig *s = &kr->sigs[si];
	const char *origin = kr->inputs[s->input].origin;
	char hex[2 * PGP_FPR_LEN + 1], why[WHY_MAX];
	size_t c, placed = 0;
	enum verdict v;
	int r;

	if (!s->parsed) {
		(void)unevaluable(&s->sig, 0, s->body, s->len, why);
		return ml_fail(ML_CONFIG,
		               "revocation in '%s' cannot be read (%s) and matches no key", origin,
		               why);
	}
	for (c = 0; c < f->n_certs; c++) {
		const struct pgp_key *k = f->certs[c].key;
		struct pgp_signed_data what = {.primary = k};

		if (s->sig.has_issuer_fpr) {
			if (memcmp(s->sig.issuer_fpr, k->fpr, PGP_FPR_LEN) != 0)
				continue;
		} else if (s->sig.has_issuer) {
			if (memcmp(s->sig.issuer, k->keyid, PGP_KEYID_LEN) != 0)
				continue;
		} else {
			v = check_kr_sig(s, k, &what, why);
			if (v != V_VALID && v != V_WEAK)
				continue; /* no issuer: it is on the keys it verifies over */
		}
		if ((r = add_ref(f, si, c, NONE)) != 0)
			return r;
		placed++;
	}
	if (placed == 0) {
		if (s->sig.has_issuer_fpr)
			pgp_hex(s->sig.issuer_fpr, PGP_FPR_LEN, hex);
		else if (s->sig.has_issuer)
			pgp_hex(s->sig.issuer, PGP_KEYID_LEN, hex);
		else
			snprintf(hex, sizeof(hex), "none");
		return ml_fail(ML_CONFIG,
		               "revocation in '%s' matches no key in the keyring (issuer %s)",
		               origin, hex);
	}
	kr->inputs[s->input].contributed = 1;
	return 0;
}

/* Every evaluated signature on the certificate it belongs to, in certificate order. */
static int place_signatures(struct finish *f)
{
	struct pgp_keyring *kr = f->kr;
	size_t i;
	int r;

	for (i = 0; i < kr->n_sigs; i++) {
		const struct kr_sig *s = &kr->sigs[i];

		if (s->block == NONE)
			r = place_by_issuer(f, i);
		else
			r = add_ref(f, i, kr->blocks[s->block].cert,
			            s->comp == NONE ? NONE : kr->comps[s->comp].group);
		if (r != 0)
			return r;
	}
	if (f->n_refs > 1)
		qsort(f->refs, f->n_refs, sizeof(*f->refs), cmp_ref);
	for (i = 0; i < f->n_refs; i++) {
		const struct ref *r0 = &f->refs[i];
		size_t *lo, *hi;

		if (r0->group == NONE) {
			lo = &f->certs[r0->cert].ref_lo;
			hi = &f->certs[r0->cert].ref_hi;
		} else {
			lo = &f->groups[r0->group].ref_lo;
			hi = &f->groups[r0->group].ref_hi;
		}
		if (*hi == 0)
			*lo = i;
		*hi = i + 1;
	}
	return 0;
}

/*
 * Checks each placed signature over what its place says it covers. A subkey
 * revocation outside its subkey is checked later, against each subkey.
 */
static void check_signatures(struct finish *f)
{
	const struct pgp_keyring *kr = f->kr;
	size_t i;

	for (i = 0; i < f->n_refs; i++) {
		struct ref *r = &f->refs[i];
		const struct kr_sig *s = &kr->sigs[r->sig];
		const struct kr_comp *c = r->group != NONE ? f->groups[r->group].comp : NULL;
		struct pgp_signed_data what = {.primary = f->certs[r->cert].key};

		if (c == NULL && s->type == PGP_SIG_SUBKEY_REVOCATION)
			continue;
		if (c != NULL && c->kind == COMP_UID) {
			what.uid = c->uid;
			what.uid_len = c->uid_len;
		} else if (c != NULL) {
			what.subkey = &c->sub;
		}
		r->v = check_kr_sig(s, what.primary, &what, r->why);
		if (c != NULL && s->type == PGP_SIG_SUBKEY_BINDING &&
		    (r->v == V_VALID || r->v == V_WEAK))
			r->back = check_backsig(s, what.primary, &c->sub);
	}
}

/* What the newest self-signature (or binding) of one kind says. */
struct self_state {
	int have;
	uint32_t time;
	int has_expires;
	uint32_t expires;
	int has_flags;
	uint8_t flags;
	int primary_uid;
	int backsig;
};

/*
 * Whether a signature with verdict v counts in a view: the granting view
 * takes granting inputs only and no SHA-1 certification made after the
 * cut-off; the other view takes every signature that verifies, so that it
 * can only add restrictions.
 */
static int counts(const struct finish *f, const struct ref *r, enum verdict v, int grants)
{
	if (grants && !f->kr->inputs[f->kr->sigs[r->sig].input].grants)
		return 0;
	return v == V_VALID || (v == V_WEAK && !grants);
}

/* The newer signature wins; of two made in the same second, the later one found. */
static void take_newest(struct self_state *st, const struct pgp_sig *s, int backsig)
{
	if (st->have && s->created < st->time)
		return;
	st->have = 1;
	st->time = s->created;
	st->has_expires = s->has_key_expires;
	st->expires = s->key_expires;
	st->has_flags = s->has_key_flags;
	st->flags = s->key_flags;
	st->primary_uid = s->primary_uid;
	st->backsig = backsig;
}

static int allows_signing(const struct self_state *st)
{
	return !st->have || !st->has_flags || (st->flags & PGP_KEY_FLAG_SIGN);
}

/* The earlier of two expirations (seconds after the key's creation; 0: never). */
static uint32_t earliest(uint32_t a, uint32_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return a < b ? a : b;
}

/* A key as one view of its signatures sees it. */
struct key_view {
	int valid;
	uint32_t expires;
	int may_sign;
	size_t uid_group; /* the primary user ID */
};

/*
 * The primary key in a view: the newest direct-key signature and the newest
 * self-signature of the primary user ID (the newest one flagged primary,
 * otherwise the newest one); the limits of both apply.
 */
static void primary_view(const struct finish *f, const struct cert *c, int grants,
                         struct key_view *out)
{
	const struct pgp_keyring *kr = f->kr;
	struct self_state direct, best, st;
	size_t i, g;

	memset(&direct, 0, sizeof(direct));
	memset(&best, 0, sizeof(best));
	out->uid_group = NONE;
	for (i = c->ref_lo; i < c->ref_hi; i++) {
		const struct ref *r = &f->refs[i];

		if (kr->sigs[r->sig].type == PGP_SIG_DIRECT_KEY && counts(f, r, r->v, grants))
			take_newest(&direct, &kr->sigs[r->sig].sig, 0);
	}
	for (g = c->group_lo; g < c->group_hi; g++) {
		const struct group *gr = &f->groups[g];

		if (gr->comp->kind != COMP_UID)
			continue;
		memset(&st, 0, sizeof(st));
		for (i = gr->ref_lo; i < gr->ref_hi; i++) {
			const struct ref *r = &f->refs[i];

			if (is_certification(kr->sigs[r->sig].type) && counts(f, r, r->v, grants))
				take_newest(&st, &kr->sigs[r->sig].sig, 0);
		}
		if (st.have && (!best.have || (st.primary_uid && !best.primary_uid) ||
		                (st.primary_uid == best.primary_uid && st.time > best.time))) {
			best = st;
			out->uid_group = g;
		}
	}
	out->valid = direct.have || best.have;
	out->expires =
	    earliest(direct.has_expires ? direct.expires : 0, best.has_expires ? best.expires : 0);
	out->may_sign = allows_signing(&direct) && allows_signing(&best);
}

/* A subkey in a view: its newest binding, whose back-signature must hold too. */
static void subkey_view(const struct finish *f, const struct group *gr, int grants,
                        struct key_view *out)
{
	const struct pgp_keyring *kr = f->kr;
	struct self_state st;
	size_t i;

	memset(&st, 0, sizeof(st));
	for (i = gr->ref_lo; i < gr->ref_hi; i++) {
		const struct ref *r = &f->refs[i];

		if (kr->sigs[r->sig].type == PGP_SIG_SUBKEY_BINDING && counts(f, r, r->v, grants))
			take_newest(&st, &kr->sigs[r->sig].sig, counts(f, r, r->back, grants));
	}
	out->valid = st.have;
	out->expires = st.has_expires ? st.expires : 0;
	out->may_sign = allows_signing(&st) && st.backsig;
	out->uid_group = NONE;
}

static int warn(struct pgp_keyring *kr, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int warn(struct pgp_keyring *kr, const char *fmt, ...)
{
	char line[512], **grown, *copy;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if ((grown = reallocarray(kr->warnings, kr->n_warnings + 1, sizeof(*grown))) == NULL)
		return ml_fail(ML_IO, "out of memory");
	kr->warnings = grown;
	if ((copy = strdup(line)) == NULL)
		return ml_fail(ML_IO, "out of memory");
	kr->warnings[kr->n_warnings++] = copy;
	return 0;
}

/* The revocation state of one key. */
struct revocation {
	enum pgp_revocation state;
	const char *origin;
	char why[WHY_MAX];
};

/*
 * A revocation that verifies revokes, whatever its age or hash; one mainline
 * cannot evaluate makes the key unusable; only one whose signature does not
 * verify is ignored, with a warning naming it.
 */
static int note_revocation(struct finish *f, struct revocation *rv, const struct ref *r,
                           enum verdict v, const char *why, const char *what)
{
	const char *origin = f->kr->inputs[f->kr->sigs[r->sig].input].origin;

	switch (v) {
	case V_VALID:
	case V_WEAK:
		if (rv->state != PGP_REVOKED) {
			rv->state = PGP_REVOKED;
			rv->origin = origin;
			rv->why[0] = '\0';
		}
		return 0;
	case V_UNEVALUATED:
		if (rv->state == PGP_NOT_REVOKED) {
			rv->state = PGP_REVOKED_UNEVALUATED;
			rv->origin = origin;
			snprintf(rv->why, sizeof(rv->why), "%s", why);
		}
		return 0;
	case V_BAD:
		break;
	}
	return warn(f->kr,
	            "ignoring a revocation of OpenPGP %s in '%s': its signature does not verify",
	            what, origin);
}

static int push_entry(struct pgp_keyring *kr, const struct pgp_key *key,
                      const struct revocation *rv, size_t *index)
{
	struct pgp_kr_entry *e;

	if (RESERVE(kr->entries, kr->n, kr->cap) < 0)
		return ml_fail(ML_IO, "out of memory");
	e = &kr->entries[kr->n];
	memset(e, 0, sizeof(*e));
	e->key = *key;
	e->revoked = rv->state;
	e->revoked_in = rv->origin;
	snprintf(e->revoked_why, sizeof(e->revoked_why), "%s", rv->why);
	*index = kr->n++;
	return 0;
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

static int evaluate_subkey(struct finish *f, const struct cert *c, size_t g, size_t primary,
                           const char *fpr)
{
	struct pgp_keyring *kr = f->kr;
	const struct group *gr = &f->groups[g];
	const struct pgp_key *sub = &gr->comp->sub;
	struct pgp_signed_data what = {.primary = c->key, .subkey = sub};
	struct key_view grant, all;
	struct revocation rv;
	char sub_fpr[2 * PGP_FPR_LEN + 1], desc[160], why[WHY_MAX];
	size_t i, index;
	int r;

	memset(&rv, 0, sizeof(rv));
	pgp_hex(sub->fpr, PGP_FPR_LEN, sub_fpr);
	snprintf(desc, sizeof(desc), "subkey '%s' of key '%s'", sub_fpr, fpr);
	for (i = gr->ref_lo; i < gr->ref_hi; i++) {
		const struct ref *ref = &f->refs[i];

		if (kr->sigs[ref->sig].type == PGP_SIG_SUBKEY_REVOCATION &&
		    (r = note_revocation(f, &rv, ref, ref->v, ref->why, desc)) != 0)
			return r;
	}
	for (i = c->ref_lo; i < c->ref_hi; i++) {
		struct ref *ref = &f->refs[i];
		enum verdict v;

		if (kr->sigs[ref->sig].type != PGP_SIG_SUBKEY_REVOCATION)
			continue;
		if ((v = check_kr_sig(&kr->sigs[ref->sig], c->key, &what, why)) == V_BAD)
			continue;
		ref->matched = 1;
		if ((r = note_revocation(f, &rv, ref, v, why, desc)) != 0)
			return r;
	}
	subkey_view(f, gr, 1, &grant);
	if (!grant.valid || !sub->can_verify)
		return 0;
	subkey_view(f, gr, 0, &all);
	if ((r = push_entry(kr, sub, &rv, &index)) != 0)
		return r;
	kr->entries[index].primary = primary;
	kr->entries[index].is_subkey = 1;
	kr->entries[index].expires = earliest(grant.expires, all.expires);
	kr->entries[index].may_sign = grant.may_sign && all.may_sign;
	return 0;
}

/*
 * One merged certificate. It is usable only as its granting inputs make it;
 * every input, granting or not, may then revoke it, shorten its expiration
 * or withdraw its signing flag, and so for each subkey.
 */
static int evaluate(struct finish *f, size_t ci)
{
	struct pgp_keyring *kr = f->kr;
	const struct cert *c = &f->certs[ci];
	struct key_view grant, all;
	struct revocation rv;
	char fpr[2 * PGP_FPR_LEN + 1], desc[64];
	size_t primary, i, g;
	int r;

	primary_view(f, c, 1, &grant);
	if (!grant.valid || !c->key->can_verify)
		return 0;
	primary_view(f, c, 0, &all);
	memset(&rv, 0, sizeof(rv));
	pgp_hex(c->key->fpr, PGP_FPR_LEN, fpr);
	snprintf(desc, sizeof(desc), "key '%s'", fpr);
	for (i = c->ref_lo; i < c->ref_hi; i++) {
		const struct ref *ref = &f->refs[i];

		if (kr->sigs[ref->sig].type == PGP_SIG_KEY_REVOCATION &&
		    (r = note_revocation(f, &rv, ref, ref->v, ref->why, desc)) != 0)
			return r;
	}
	if ((r = push_entry(kr, c->key, &rv, &primary)) != 0)
		return r;
	kr->entries[primary].primary = primary;
	kr->entries[primary].expires = earliest(grant.expires, all.expires);
	kr->entries[primary].may_sign = grant.may_sign && all.may_sign;
	if (grant.uid_group != NONE) {
		const struct kr_comp *uid = f->groups[grant.uid_group].comp;

		if ((kr->entries[primary].uid = uid_dup(uid->uid, uid->uid_len)) == NULL)
			return ml_fail(ML_IO, "out of memory");
	}
	kr->n_primary++;
	for (i = c->lo; i < c->hi; i++)
		kr->inputs[kr->blocks[f->order[i]].input].contributed = 1;
	for (g = c->group_lo; g < c->group_hi; g++)
		if (f->groups[g].comp->kind == COMP_SUBKEY &&
		    (r = evaluate_subkey(f, c, g, primary, fpr)) != 0)
			return r;
	for (i = c->ref_lo; i < c->ref_hi; i++) {
		const struct ref *ref = &f->refs[i];

		if (kr->sigs[ref->sig].type == PGP_SIG_SUBKEY_REVOCATION && !ref->matched &&
		    (r = warn(kr,
		              "ignoring a subkey revocation in '%s' on key '%s': it verifies over "
		              "none of its subkeys",
		              kr->inputs[kr->sigs[ref->sig].input].origin, fpr)) != 0)
			return r;
	}
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

static int build_index(struct pgp_keyring *kr)
{
	size_t i;

	if ((kr->by_keyid = calloc(kr->n + 1, sizeof(*kr->by_keyid))) == NULL)
		return ml_fail(ML_IO, "out of memory");
	for (i = 0; i < kr->n; i++)
		kr->by_keyid[i] = i;
	qsort_r(kr->by_keyid, kr->n, sizeof(*kr->by_keyid), cmp_index, kr);
	return 0;
}

int pgp_keyring_finish(struct pgp_keyring *kr)
{
	struct finish f;
	size_t i;
	int r;

	reset_built(kr);
	memset(&f, 0, sizeof(f));
	f.kr = kr;
	for (i = 0; i < kr->n_inputs; i++)
		kr->inputs[i].contributed = 0;
	if ((r = group_certificates(&f)) != 0 || (r = group_components(&f)) != 0 ||
	    (r = place_signatures(&f)) != 0)
		goto out;
	check_signatures(&f);
	for (i = 0; i < f.n_certs; i++)
		if ((r = evaluate(&f, i)) != 0)
			goto out;
	for (i = 0; i < kr->n_inputs; i++) {
		if (kr->inputs[i].grants && !kr->inputs[i].contributed) {
			r = ml_fail(ML_CONFIG, "no usable OpenPGP key in '%s'",
			            kr->inputs[i].origin);
			goto out;
		}
	}
	if ((r = build_index(kr)) != 0)
		goto out;
	kr->finished = 1;
	r = 0;
out:
	free(f.order);
	free(f.certs);
	free(f.comp_order);
	free(f.groups);
	free(f.refs);
	if (r != 0)
		reset_built(kr);
	return r;
}

size_t pgp_keyring_owner(const struct pgp_keyring *kr, const char *fpr, char out[41])
{
	uint8_t want[PGP_FPR_LEN];
	size_t i, found = 0;

	if (!kr->finished || strlen(fpr) != 2 * PGP_FPR_LEN ||
	    hex_decode(fpr, want, PGP_FPR_LEN) < 0)
		return 0;
	for (i = 0; i < kr->n; i++) {
		const struct pgp_kr_entry *e = &kr->entries[i];

		if (memcmp(e->key.fpr, want, PGP_FPR_LEN) != 0)
			continue;
		if (found++ == 0)
			pgp_hex(kr->entries[e->primary].key.fpr, PGP_FPR_LEN, out);
	}
	return found;
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

const struct pgp_kr_entry *pgp_keyring_primary(const struct pgp_keyring *kr,
                                               const struct pgp_kr_entry *e)
{
	return &kr->entries[e->primary];
}

int pgp_keyring_is_finished(const struct pgp_keyring *kr)
{
	return kr->finished;
}
