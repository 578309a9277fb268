#include "verify/allowed_signers.h"

#include "common/buf.h"
#include "common/encoding.h"
#include "common/error.h"
#include "verify/sshkey.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_PRINCIPAL 255
#define MAX_KEY_BLOB (12u * 1024)

struct entry {
	char *principal;  /* first non-negated principal pattern */
	char *namespaces; /* pattern list; NULL when any namespace is allowed */
	uint8_t *key;     /* public key, SSH wire format */
	size_t key_len;
	int has_after, has_before;
	int64_t valid_after, valid_before;
};

struct allowed_signers {
	struct entry *entries;
	size_t count, cap;
};

/* One line being parsed: a view with a cursor, and where it came from. */
struct line {
	const char *text;
	size_t len, pos;
	const char *origin;
	size_t number;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

static void skip_space(struct line *l)
{
	while (l->pos < l->len && is_space(l->text[l->pos]))
		l->pos++;
}

static int line_fail(const struct line *l, const char *what, const char *subject,
                     size_t subject_len)
{
	if (subject == NULL)
		return ml_fail(ML_CONFIG, "%s:%zu: %s", l->origin, l->number, what);
	return ml_fail(ML_CONFIG, "%s:%zu: %s '%.*s'", l->origin, l->number, what, (int)subject_len,
	               subject);
}

/* Glob with '*' and '?', iterative (no exponential backtracking). */
static int glob_match(const char *s, size_t s_len, const char *p, size_t p_len)
{
	size_t si = 0, pi = 0, star = SIZE_MAX, mark = 0;

	while (si < s_len) {
		if (pi < p_len && p[pi] == '*') {
			star = pi++;
			mark = si;
		} else if (pi < p_len && (p[pi] == '?' || p[pi] == s[si])) {
			si++;
			pi++;
		} else if (star != SIZE_MAX) {
			pi = star + 1;
			si = ++mark;
		} else {
			return 0;
		}
	}
	while (pi < p_len && p[pi] == '*')
		pi++;
	return pi == p_len;
}

int allowed_signers_match_list(const char *s, const char *list)
{
	size_t s_len = strlen(s), n;
	int positive = 0, negated;
	const char *p = list, *comma;

	for (;;) {
		comma = strchr(p, ',');
		n = comma != NULL ? (size_t)(comma - p) : strlen(p);
		negated = n > 0 && p[0] == '!';
		if (glob_match(s, s_len, p + negated, n - (size_t)negated)) {
			if (negated)
				return -1;
			positive = 1;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return positive;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	/* Howard Hinnant's algorithm, proleptic Gregorian calendar */
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int digits(const char *p, size_t n, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	*out = v;
	return 0;
}

int allowed_signers_parse_time(const char *text, size_t len, int64_t *out)
{
	static const unsigned mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned year, mon, day, hour = 0, min = 0, sec = 0;
	int leap;

	if (len > 0 && text[len - 1] == 'Z')
		len--;
	if (len != 8 && len != 12 && len != 14)
		return -1;
	if (digits(text, 4, &year) < 0 || digits(text + 4, 2, &mon) < 0 ||
	    digits(text + 6, 2, &day) < 0)
		return -1;
	if (len >= 12 && (digits(text + 8, 2, &hour) < 0 || digits(text + 10, 2, &min) < 0))
		return -1;
	if (len == 14 && digits(text + 12, 2, &sec) < 0)
		return -1;
	leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	if (mon < 1 || mon > 12 || day < 1 || day > mdays[mon - 1] ||
	    (mon == 2 && day == 29 && !leap) || hour > 23 || min > 59 || sec > 59)
		return -1;
	*out = days_from_civil(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
	return 0;
}

/* Validates the principals pattern list and returns its first positive pattern. */
static int parse_principals(struct line *l, const char *p, size_t n, struct entry *e)
{
	size_t i, start = 0, plen;

	if (n == 0)
		return line_fail(l, "empty principals", NULL, 0);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 || c == 0x7f || c == '"')
			return line_fail(l, "invalid character in principals", p, n);
	}
	/* principals end up in logs, JSON and terminals */
	if (!utf8_is_valid(p, n))
		return line_fail(l, "principals are not valid UTF-8", NULL, 0);
	for (i = 0; i <= n; i++) {
		if (i < n && p[i] != ',')
			continue;
		plen = i - start;
		if (plen == 0 || (plen == 1 && p[start] == '!'))
			return line_fail(l, "empty principal pattern in", p, n);
		if (e->principal == NULL && p[start] != '!') {
			if (plen > MAX_PRINCIPAL)
				return line_fail(l, "principal too long", p, MAX_PRINCIPAL);
			if ((e->principal = strndup(p + start, plen)) == NULL)
				return ml_fail(ML_IO, "out of memory");
		}
		start = i + 1;
	}
	if (e->principal == NULL)
		return line_fail(l, "principals match nobody (only negated patterns)", p, n);
	return 0;
}

static int read_principals(struct line *l, struct entry *e)
{
	size_t start;
	const char *close;

	if (l->text[l->pos] == '"') {
		start = ++l->pos;
		close = memchr(l->text + start, '"', l->len - start);
		if (close == NULL)
			return line_fail(l, "unterminated quote in principals", NULL, 0);
		l->pos = (size_t)(close - l->text) + 1;
		if (l->pos < l->len && !is_space(l->text[l->pos]))
			return line_fail(l, "missing space after quoted principals", NULL, 0);
		return parse_principals(l, l->text + start, l->pos - 1 - start, e);
	}
	start = l->pos;
	while (l->pos < l->len && !is_space(l->text[l->pos]))
		l->pos++;
	return parse_principals(l, l->text + start, l->pos - start, e);
}

/*
 * Reads "type base64 [comment]" at the cursor into e->key. Returns 0, or -1
 * without a message when the text there is not a key (so the caller can try
 * options), setting *why to what was wrong.
 */
static int read_key(struct line *l, struct entry *e, const char **why)
{
	size_t type_start = l->pos, type_len, b64_start, b64_len;
	const char *type = NULL;
	struct buf blob;
	int r = -1;

	buf_init(&blob, MAX_KEY_BLOB);
	while (l->pos < l->len && !is_space(l->text[l->pos]))
		l->pos++;
	type_len = l->pos - type_start;
	skip_space(l);
	b64_start = l->pos;
	while (l->pos < l->len && !is_space(l->text[l->pos]))
		l->pos++;
	b64_len = l->pos - b64_start;
	*why = "missing public key";
	if (type_len == 0 || b64_len == 0)
		goto out;
	*why = "cannot decode public key";
	if (base64_decode(l->text + b64_start, b64_len, &blob) < 0)
		goto out;
	*why = "cannot parse public key";
	switch (sshkey_check_public_key(blob.data, blob.len, &type)) {
	case 0:
		break;
	case ML_UNSUPPORTED:
		*why = "unsupported public key type";
		goto out;
	default:
		goto out;
	}
	*why = "public key type does not match its key";
	if (strlen(type) != type_len || memcmp(type, l->text + type_start, type_len) != 0)
		goto out;
	e->key = (uint8_t *)buf_detach(&blob, &e->key_len);
	r = 0;
out:
	buf_release(&blob);
	if (r != 0)
		l->pos = type_start;
	return r;
}

/* A double-quoted option value; the cursor is just after '='. */
static int read_quoted(struct line *l, const char *name, char **out)
{
	size_t start;
	const char *close;

	if (l->pos >= l->len || l->text[l->pos] != '"')
		return line_fail(l, "option value must be quoted:", name, strlen(name));
	start = ++l->pos;
	close = memchr(l->text + start, '"', l->len - start);
	if (close == NULL)
		return line_fail(l, "unterminated quote in option", name, strlen(name));
	l->pos = (size_t)(close - l->text) + 1;
	if (close == l->text + start || memchr(l->text + start, '\\', l->pos - 1 - start) != NULL)
		return line_fail(l, "invalid value for option", name, strlen(name));
	if ((*out = strndup(l->text + start, l->pos - 1 - start)) == NULL)
		return ml_fail(ML_IO, "out of memory");
	return 0;
}

static int option_is(const struct line *l, const char *name)
{
	size_t n = strlen(name);

	return n <= l->len - l->pos && strncasecmp(l->text + l->pos, name, n) == 0;
}

static int read_time_option(struct line *l, const char *name, int *has, int64_t *out)
{
	char *value = NULL;
	int r;

	if (*has)
		return line_fail(l, "duplicate option", name, strlen(name));
	l->pos += strlen(name) + 1;
	if ((r = read_quoted(l, name, &value)) != 0)
		return r;
	if (allowed_signers_parse_time(value, strlen(value), out) < 0)
		r = line_fail(l, "invalid time (want YYYYMMDD[HHMM[SS]][Z]):", value,
		              strlen(value));
	free(value);
	*has = 1;
	return r;
}

static int read_options(struct line *l, struct entry *e)
{
	size_t start;
	int r;

	for (;;) {
		start = l->pos;
		if (option_is(l, "cert-authority") &&
		    (l->pos + 14 == l->len || l->text[l->pos + 14] == ',' ||
		     is_space(l->text[l->pos + 14])))
			return line_fail(l, "certificate authorities are not supported", NULL, 0);
		if (option_is(l, "namespaces=")) {
			if (e->namespaces != NULL)
				return line_fail(l, "duplicate option", "namespaces", 10);
			l->pos += 11;
			if ((r = read_quoted(l, "namespaces", &e->namespaces)) != 0)
				return r;
		} else if (option_is(l, "valid-after=")) {
			if ((r = read_time_option(l, "valid-after", &e->has_after,
			                          &e->valid_after)) != 0)
				return r;
		} else if (option_is(l, "valid-before=")) {
			if ((r = read_time_option(l, "valid-before", &e->has_before,
			                          &e->valid_before)) != 0)
				return r;
		} else {
			while (l->pos < l->len && l->text[l->pos] != ',' &&
			       l->text[l->pos] != '=' && !is_space(l->text[l->pos]))
				l->pos++;
			return line_fail(l, "unsupported option", l->text + start, l->pos - start);
		}
		if (l->pos < l->len && l->text[l->pos] == ',') {
			l->pos++;
			continue;
		}
		if (l->pos < l->len && is_space(l->text[l->pos]))
			break;
		return line_fail(l, "missing public key after options", NULL, 0);
	}
	if (e->has_after && e->has_before && e->valid_before <= e->valid_after)
		return line_fail(l, "valid-before is not after valid-after", NULL, 0);
	return 0;
}

/*
 * Whether the word at the cursor starts an options field: it has option
 * syntax, or a valid key follows it (as ssh-keygen, which tries the key
 * first and otherwise reads options).
 */
static int looks_like_options(const struct line *l)
{
	struct line next = *l;
	struct entry probe = {0};
	const char *why;
	size_t i;
	int r;

	for (i = l->pos; i < l->len && !is_space(l->text[i]); i++)
		if (l->text[i] == '=' || l->text[i] == '"' || l->text[i] == ',')
			return 1;
	next.pos = i;
	skip_space(&next);
	r = read_key(&next, &probe, &why) == 0;
	free(probe.key);
	return r;
}

static void entry_release(struct entry *e)
{
	free(e->principal);
	free(e->namespaces);
	free(e->key);
	memset(e, 0, sizeof(*e));
}

/* Moves *e into as (e is left empty). 0 or ML_IO. */
static int append_entry(struct allowed_signers *as, struct entry *e)
{
	struct entry *grown;

	if (as->count == as->cap) {
		size_t cap = as->cap != 0 ? as->cap * 2 : 8;

		if ((grown = reallocarray(as->entries, cap, sizeof(*grown))) == NULL)
			return ml_fail(ML_IO, "out of memory");
		as->entries = grown;
		as->cap = cap;
	}
	as->entries[as->count++] = *e;
	memset(e, 0, sizeof(*e)); /* transferred */
	return 0;
}

static int parse_line(struct allowed_signers *as, struct line *l)
{
	struct entry e = {0};
	const char *why = NULL;
	int r;

	skip_space(l);
	if (l->pos == l->len || l->text[l->pos] == '#')
		return 0;
	if ((r = read_principals(l, &e)) != 0)
		goto out;
	skip_space(l);
	if (l->pos == l->len) {
		r = line_fail(l, "missing public key", NULL, 0);
		goto out;
	}
	if (read_key(l, &e, &why) != 0) {
		if (!looks_like_options(l)) {
			r = line_fail(l, why, NULL, 0);
			goto out;
		}
		if ((r = read_options(l, &e)) != 0)
			goto out;
		skip_space(l);
		if (read_key(l, &e, &why) != 0) {
			r = line_fail(l, why, NULL, 0);
			goto out;
		}
	}
	r = append_entry(as, &e);
out:
	entry_release(&e);
	return r;
}

int allowed_signers_parse(struct allowed_signers **out, const char *text, size_t len,
                          const char *origin)
{
	struct allowed_signers *as = NULL;
	struct line l = {0};
	size_t pos = 0, end;
	const char *nl;
	int r = ML_IO;

	*out = NULL;
	l.origin = origin;
	if ((as = calloc(1, sizeof(*as))) == NULL) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	while (pos < len) {
		nl = memchr(text + pos, '\n', len - pos);
		end = nl != NULL ? (size_t)(nl - text) : len;
		l.text = text + pos;
		l.len = end - pos;
		l.pos = 0;
		l.number++;
		if (l.len > 0 && l.text[l.len - 1] == '\r')
			l.len--;
		if (l.len > ALLOWED_SIGNERS_MAX_LINE) {
			r = line_fail(&l, "line too long", NULL, 0);
			goto out;
		}
		if (memchr(l.text, '\0', l.len) != NULL) {
			r = line_fail(&l, "NUL byte in line", NULL, 0);
			goto out;
		}
		if ((r = parse_line(as, &l)) != 0)
			goto out;
		pos = end + 1;
	}
	*out = as;
	as = NULL; /* transferred */
	r = 0;
out:
	allowed_signers_free(as);
	return r;
}

int allowed_signers_add(struct allowed_signers **as, const char *principal, const uint8_t *key_blob,
                        size_t key_len, const char *namespaces)
{
	struct entry e = {0};
	const char *type;
	size_t i, n = strlen(principal);
	int r;

	for (i = 0; i < n; i++)
		if ((unsigned char)principal[i] < 0x20 || principal[i] == 0x7f)
			break;
	if (n == 0 || n > MAX_PRINCIPAL || i < n || !utf8_is_valid(principal, n))
		return ml_fail(ML_CONFIG, "invalid principal for an added signer");
	if (key_len > MAX_KEY_BLOB || sshkey_check_public_key(key_blob, key_len, &type) != 0)
		return ml_fail(ML_CONFIG, "invalid public key for signer '%s'", principal);
	if (*as == NULL && (*as = calloc(1, sizeof(**as))) == NULL)
		return ml_fail(ML_IO, "out of memory");
	if ((e.principal = strdup(principal)) == NULL || (e.key = malloc(key_len)) == NULL ||
	    (namespaces != NULL && (e.namespaces = strdup(namespaces)) == NULL)) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	memcpy(e.key, key_blob, key_len);
	e.key_len = key_len;
	r = append_entry(*as, &e);
out:
	entry_release(&e);
	return r;
}

static void format_time(int64_t when, char out[32])
{
	time_t t = (time_t)when;
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "%lld", (long long)when);
}

int allowed_signers_lookup(const struct allowed_signers *as, const uint8_t *key_blob,
                           size_t key_len, const char *ns, int64_t when, const char **out_principal)
{
	int found_key = 0, ns_allowed = 0;
	char fingerprint[128] = "?", at[32];
	const struct entry *e;
	size_t i;

	for (i = 0; as != NULL && i < as->count; i++) {
		e = &as->entries[i];
		if (e->key_len != key_len || memcmp(e->key, key_blob, key_len) != 0)
			continue;
		found_key = 1;
		if (e->namespaces != NULL && allowed_signers_match_list(ns, e->namespaces) != 1)
			continue;
		ns_allowed = 1;
		if ((e->has_after && when < e->valid_after) ||
		    (e->has_before && when > e->valid_before))
			continue;
		*out_principal = e->principal;
		return 0;
	}
	sshkey_fingerprint(key_blob, key_len, fingerprint);
	if (!found_key)
		return ml_fail(ML_UNKNOWN_KEY, "no allowed signer for key '%s'", fingerprint);
	if (!ns_allowed)
		return ml_fail(ML_WRONG_NAMESPACE, "key '%s' is not allowed to sign namespace '%s'",
		               fingerprint, ns);
	format_time(when, at);
	return ml_fail(ML_KEY_EXPIRED, "key '%s' is not valid at %s", fingerprint, at);
}

size_t allowed_signers_count(const struct allowed_signers *as)
{
	return as != NULL ? as->count : 0;
}

void allowed_signers_free(struct allowed_signers *as)
{
	size_t i;

	if (as == NULL)
		return;
	for (i = 0; i < as->count; i++)
		entry_release(&as->entries[i]);
	free(as->entries);
	free(as);
}
