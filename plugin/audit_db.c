#include "plugin/audit_db.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crypto.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/json.h"
#include "common/pg.h"
#include "plugin/audit.h"
#include "plugin/audit_log.h"

#define PAGE_ROWS 1000
#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* The chain's end as the head row says: its position and hash. */
struct head {
	int64_t seq;
	char hash[65];
};

static int is_hex64(const char *s)
{
	return s != NULL && strlen(s) == 64 && hex_is_lower(s, 64);
}

static int parse_seq(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -1;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v < 0)
		return -1;
	*out = (int64_t)v;
	return 0;
}

static int corrupt(struct pg *db, const char *what)
{
	return ml_fail(ML_MALFORMED_OBJECT, "audit chain in the shared state '%s': %s",
	               pg_shown(db), what);
}

static int read_head(struct pg *db, int lock, struct head *out)
{
	struct pg_result *res = NULL;
	int r;

	if ((r = pg_exec(db, &res,
	                 lock ? "SELECT seq, hash FROM mainline.audit_head FOR UPDATE"
	                      : "SELECT seq, hash FROM mainline.audit_head",
	                 0, NULL)) != 0)
		return r;
	if (pg_rows(res) != 1 || parse_seq(pg_value(res, 0, 0), &out->seq) < 0 ||
	    !is_hex64(pg_value(res, 0, 1)))
		r = corrupt(db, "its head row is missing or corrupt");
	else
		memcpy(out->hash, pg_value(res, 0, 1), 65);
	pg_result_free(res);
	return r;
}

/* The sha256 of line (len bytes) as lower-case hex. */
static int line_hash(const char *line, size_t len, char out[65])
{
	uint8_t md[32];

	if (crypto_digest(CRYPTO_SHA256, line, len, md) < 0)
		return ml_fail(ML_IO, "cannot hash an audit record");
	hex_encode(md, sizeof(md), out);
	return 0;
}

/*
 * One row (seq, line, hash) read back, checked: at the expected position,
 * its hash its line's, and the line the next of chain v. The message names
 * the line as the file check does.
 */
static int check_row(struct pg *db, struct audit_chain *v, const struct pg_result *res, size_t row,
                     int64_t want_seq)
{
	const char *line = pg_value(res, row, 1), *hash = pg_value(res, row, 2);
	char computed[65], what[128];
	int64_t seq;
	int r;

	if (parse_seq(pg_value(res, row, 0), &seq) < 0 || line == NULL)
		return corrupt(db, "a row is corrupt");
	if (seq != want_seq) {
		snprintf(what, sizeof(what),
		         "line %" PRId64 " is missing (the next is %" PRId64 ")", want_seq, seq);
		return corrupt(db, what);
	}
	if ((r = line_hash(line, strlen(line), computed)) != 0)
		return r;
	if (!is_hex64(hash) || strcmp(hash, computed) != 0) {
		snprintf(what, sizeof(what), "line %" PRId64 ": its stored hash is not its own",
		         seq);
		return corrupt(db, what);
	}
	v->lineno = (size_t)seq - 1;
	if ((r = audit_chain_next(v, line, strlen(line))) != 0)
		return ml_fail_override((enum ml_reason)r,
		                        "audit chain in the shared state '%s' %s", pg_shown(db),
		                        ml_error_message());
	return 0;
}

/*
 * The chain's end (head), as audit_log.c checks a file's: the last two lines
 * are read, the one before the last only for its hash. pub: the key the last
 * line must be signed by; NULL: it must be unsigned.
 */
static int check_tail(struct pg *db, const struct head *head, const uint8_t *pub)
{
	struct audit_chain v;
	struct pg_result *res = NULL;
	char from[32], what[160];
	const char *param = from;
	size_t rows, expected, i;
	int64_t first = head->seq >= 2 ? head->seq - 1 : 1;
	int r;

	snprintf(from, sizeof(from), "%" PRId64, first);
	if ((r = pg_exec(db, &res,
	                 "SELECT seq, line, hash FROM mainline.audit WHERE seq >= $1::bigint ORDER "
	                 "BY seq LIMIT 3",
	                 1, &param)) != 0)
		return r;
	rows = pg_rows(res);
	expected = head->seq == 0 ? 0 : (size_t)(head->seq - first + 1);
	if (rows != expected) {
		snprintf(what, sizeof(what), "its head row names line %" PRId64 ", but %s",
		         head->seq, rows > expected ? "a line follows it" : "that line is missing");
		r = corrupt(db, what);
		goto out;
	}
	memset(&v, 0, sizeof(v));
	v.pub = pub;
	v.unsigned_only = pub == NULL;
	for (i = 0; i < rows; i++) {
		int64_t seq = first + (int64_t)i;

		if (seq < head->seq) {
			/* the line before the last: only what the last must link to */
			const char *line = pg_value(res, i, 1);
			int64_t got;

			if (parse_seq(pg_value(res, i, 0), &got) < 0 || got != seq ||
			    line == NULL) {
				r = corrupt(db, "a row is corrupt");
				goto out;
			}
			if (crypto_digest(CRYPTO_SHA256, line, strlen(line), v.prev) < 0) {
				r = ml_fail(ML_IO, "cannot hash an audit record");
				goto out;
			}
			continue;
		}
		if ((r = check_row(db, &v, res, i, seq)) != 0)
			goto out;
		if (strcmp(pg_value(res, i, 2), head->hash) != 0) {
			r = corrupt(db, "its head row does not name its last line");
			goto out;
		}
	}
	if (head->seq == 0 && strcmp(head->hash, GENESIS) != 0)
		r = corrupt(db, "its head row names a line of an empty chain");
out:
	pg_result_free(res);
	return r;
}

int audit_db_check(struct pg *db, const char *key)
{
	struct crypto_signing_key *sk = NULL;
	struct head head;
	uint8_t pub[32];
	int r, signed_chain;

	if ((r = audit_key_load(key, &sk, pub)) != 0)
		return r;
	signed_chain = sk != NULL;
	crypto_signing_key_free(sk);
	if ((r = read_head(db, 0, &head)) == 0)
		r = check_tail(db, &head, signed_chain ? pub : NULL);
	if (r != 0 && r != ML_STATE_UNAVAILABLE)
		r = ml_fail_override(ML_AUDIT_UNAVAILABLE, "%s", ml_error_message());
	return r;
}

/* The record's id (32 lower-case hex, as audit_record_init draws it) into id. */
static int record_id(const char *record, size_t len, char id[33])
{
	cJSON *root = json_parse(record, len, AUDIT_LINE_MAX);
	const char *v = root != NULL ? json_string(root, "id") : NULL;
	int r = 0;

	if (v == NULL || strlen(v) != 32 || !hex_is_lower(v, 32))
		r = ml_fail(ML_MALFORMED_OBJECT, "an audit record to append has no valid id");
	else
		memcpy(id, v, 33);
	cJSON_Delete(root);
	return r;
}

/* Whether a record with id is in the chain, into *present. 0 or the failure. */
static int has_record(struct pg *db, const char *id, int *present)
{
	struct pg_result *res = NULL;
	int r;

	if ((r = pg_exec(db, &res, "SELECT 1 FROM mainline.audit WHERE id = $1", 1, &id)) != 0)
		return r;
	*present = pg_rows(res) > 0;
	pg_result_free(res);
	return 0;
}

int audit_db_append(struct pg *db, const char *record, size_t len, const char *key, int *added)
{
	struct crypto_signing_key *sk = NULL;
	struct audit_line parsed;
	struct head head;
	struct buf line;
	uint8_t pub[32], prev[32];
	char id[33], seq[32], hash[65];
	const char *params[4];
	int r, present;

	if (added != NULL)
		*added = 0;
	buf_init(&line, AUDIT_LOG_LINE_MAX + 1);
	if ((r = audit_key_load(key, &sk, pub)) != 0 || (r = record_id(record, len, id)) != 0)
		goto out;
	if ((r = pg_exec(db, NULL, "BEGIN", 0, NULL)) != 0 || (r = read_head(db, 1, &head)) != 0)
		goto rollback;
	/* under the head's lock: no other run appends meanwhile, this one included */
	if ((r = has_record(db, id, &present)) != 0)
		goto rollback;
	if (present) {
		r = pg_exec(db, NULL, "COMMIT", 0, NULL);
		goto out;
	}
	if ((r = check_tail(db, &head, sk != NULL ? pub : NULL)) != 0)
		goto rollback;
	if (hex_decode(head.hash, prev, sizeof(prev)) < 0) {
		r = corrupt(db, "its head row is corrupt");
		goto rollback;
	}
	if ((r = audit_chain_line(record, len, prev, sk, &line)) != 0)
		goto rollback;
	line.len--; /* the newline: a row holds the line alone */
	line.data[line.len] = '\0';
	/* a record from the spool was written by an earlier run: it must be one */
	if (audit_line_parse((const char *)line.data, line.len, &parsed) != 0) {
		r = ml_fail_override(ML_MALFORMED_OBJECT, "audit record %s is not one: %s", id,
		                     ml_error_message());
		goto rollback;
	}
	if ((r = line_hash((const char *)line.data, line.len, hash)) != 0)
		goto rollback;
	snprintf(seq, sizeof(seq), "%" PRId64, head.seq + 1);
	params[0] = seq;
	params[1] = id;
	params[2] = (const char *)line.data;
	params[3] = hash;
	if ((r = pg_exec(db, NULL,
	                 "INSERT INTO mainline.audit (seq, id, line, hash) VALUES ($1::bigint, $2, "
	                 "$3, $4)",
	                 4, params)) != 0 ||
	    (r = pg_exec(db, NULL, "UPDATE mainline.audit_head SET seq = $1::bigint, hash = $2", 2,
	                 (const char *const[]){seq, hash})) != 0 ||
	    (r = pg_exec(db, NULL, "COMMIT", 0, NULL)) != 0)
		goto rollback;
	if (added != NULL)
		*added = 1;
	r = 0;
	goto out;
rollback:
	(void)pg_exec(db, NULL, "ROLLBACK", 0, NULL);
out:
	crypto_signing_key_free(sk);
	buf_release(&line);
	return r;
}

/*
 * Walks the chain from position first (the line before it hashes to v->prev)
 * to its end, a page at a time, checking each row; emit (may be NULL) gets
 * each line that passed. *last receives the position of the last line read.
 */
static int walk(struct pg *db, struct audit_chain *v, int64_t first, audit_db_line_fn emit,
                void *ctx, int64_t *last)
{
	struct pg_result *res = NULL;
	char from[32], limit[16];
	const char *params[2] = {from, limit};
	int64_t next = first;
	size_t i, rows;
	int r;

	*last = first - 1;
	snprintf(limit, sizeof(limit), "%d", PAGE_ROWS);
	for (;;) {
		snprintf(from, sizeof(from), "%" PRId64, next);
		if ((r = pg_exec(
		         db, &res,
		         "SELECT seq, line, hash FROM mainline.audit WHERE seq >= $1::bigint "
		         "ORDER BY seq LIMIT $2::integer",
		         2, params)) != 0)
			return r;
		rows = pg_rows(res);
		for (i = 0; i < rows; i++, next++) {
			const char *line = pg_value(res, i, 1);

			if ((r = check_row(db, v, res, i, next)) != 0 ||
			    (emit != NULL && (r = emit(ctx, line, strlen(line))) != 0))
				goto out;
			*last = next;
		}
		pg_result_free(res);
		res = NULL;
		if (rows < PAGE_ROWS)
			return 0;
	}
out:
	pg_result_free(res);
	return r;
}

int audit_db_verify(struct pg *db, const char *pubkey, struct buf *report)
{
	struct audit_chain v;
	struct head head;
	char what[160], hash[65];
	int64_t last;
	int r;

	if ((r = audit_chain_start(&v, pubkey, NULL)) != 0 || (r = read_head(db, 0, &head)) != 0 ||
	    (r = walk(db, &v, 1, NULL, NULL, &last)) != 0)
		goto report;
	hex_encode(v.prev, sizeof(v.prev), hash);
	if (head.seq != last || strcmp(head.hash, hash) != 0) {
		snprintf(what, sizeof(what),
		         "its head row names line %" PRId64 ", but the chain ends at line %" PRId64
		         "%s",
		         head.seq, last, head.seq > last ? " (its last records were removed)" : "");
		r = corrupt(db, what);
		goto report;
	}
	return audit_chain_report(&v, report);
report:
	(void)buf_printf(report, "%s\n", ml_error_message());
	return r;
}

/* The first position whose record's time is at or after since (0: none), or the failure. */
static int first_since(struct pg *db, const char *since, int64_t *out)
{
	struct pg_result *res = NULL;
	const char *v;
	int r;

	*out = 0;
	if ((r = pg_exec(db, &res,
	                 "SELECT min(seq) FROM mainline.audit WHERE record->>'time' >= $1", 1,
	                 &since)) != 0)
		return r;
	if ((v = pg_value(res, 0, 0)) != NULL && parse_seq(v, out) < 0)
		r = corrupt(db, "a row is corrupt");
	pg_result_free(res);
	return r;
}

/* The hash of the line at position seq (seq 0: the genesis value) into out. */
static int hash_at(struct pg *db, int64_t seq, char out[65])
{
	struct pg_result *res = NULL;
	char at[32];
	const char *param = at;
	int r;

	if (seq == 0) {
		memcpy(out, GENESIS, 65);
		return 0;
	}
	snprintf(at, sizeof(at), "%" PRId64, seq);
	if ((r = pg_exec(db, &res, "SELECT hash FROM mainline.audit WHERE seq = $1::bigint", 1,
	                 &param)) != 0)
		return r;
	if (pg_rows(res) != 1 || !is_hex64(pg_value(res, 0, 0)))
		r = corrupt(db, "a row is missing or corrupt");
	else
		memcpy(out, pg_value(res, 0, 0), 65);
	pg_result_free(res);
	return r;
}

int audit_db_export(struct pg *db, const char *since, audit_db_line_fn emit, void *ctx,
                    char after[65], size_t *count)
{
	struct audit_chain v;
	int64_t first = 1, last;
	int r;

	*count = 0;
	memcpy(after, GENESIS, 65);
	if (since != NULL) {
		if ((r = first_since(db, since, &first)) != 0)
			return r;
		if (first == 0)
			return 0; /* no record since then */
	}
	if ((r = hash_at(db, first - 1, after)) != 0 ||
	    (r = audit_chain_start(&v, NULL, first > 1 ? after : NULL)) != 0)
		return r;
	r = walk(db, &v, first, emit, ctx, &last);
	*count = (size_t)(last - first + 1);
	return r;
}

int audit_db_since(const char *in, char *out, size_t len)
{
	static const char date[] = "dddd-dd-dd", clock[] = "Thh:mm:ss";
	size_t i, n = strlen(in);

	for (i = 0; i < sizeof(date) - 1; i++)
		if (i >= n || (date[i] == 'd' ? !isdigit((unsigned char)in[i]) : in[i] != '-'))
			goto bad;
	if (n == 10)
		return snprintf(out, len, "%s", in) < (int)len ? 0 : ML_CONFIG;
	for (; i < 10 + sizeof(clock) - 1; i++)
		if (i >= n || (clock[i - 10] == 'h' || clock[i - 10] == 'm' || clock[i - 10] == 's'
		                   ? !isdigit((unsigned char)in[i])
		                   : in[i] != clock[i - 10]))
			goto bad;
	if (strcmp(in + 19, "Z") == 0)
		return snprintf(out, len, "%.19s.000Z", in) < (int)len ? 0 : ML_CONFIG;
	if (n == 24 && in[19] == '.' && isdigit((unsigned char)in[20]) &&
	    isdigit((unsigned char)in[21]) && isdigit((unsigned char)in[22]) && in[23] == 'Z')
		return snprintf(out, len, "%s", in) < (int)len ? 0 : ML_CONFIG;
bad:
	return ml_fail(ML_CONFIG,
	               "--since '%s' is not a UTC time such as 2025-01-31 or "
	               "2025-01-31T12:00:00Z",
	               in);
}
