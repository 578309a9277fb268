/* The trusted repository's local cache, the libgit2 seam: see source.h. */
#include "verify/source.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/child.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/dynlib.h"
#include "common/encoding.h"
#include "common/error.h"
#include "common/pool.h"
#include "common/proxy.h"
#include "common/reason.h"
#include "common/url.h"
#include "verify/pack.h"
#include "verify/source_proxy.h"
#include "verify/source_seed.h"
#include "verify/whole_record.h"

#define MAX_PATH_LEN 4096
#define MAX_TREE_DEPTH 256
#define MAX_URL_LEN 4096
#define MAX_CRED_ATTEMPTS 3
#define DAMAGED_PREFIX "git.corrupt-"

enum { WHOLE_UNKNOWN, WHOLE_NONE, WHOLE_VALID };

struct fetch_report;

struct source {
	char *url;
	char *safe_url; /* url without credentials, for messages */
	char *branch;
	char *dir; /* <cache>/<sha256(url)> */
	char *git_dir;
	int lock_fd;
	int offline;
	unsigned fetch_timeout;
	const volatile sig_atomic_t *cancel;
	char *ca_file;
	int created; /* this run created the repository: whatever it holds came from the source */
	int seeded;  /* its packs were copied before the fetch (source_seed_begin) */
	int read_failed;             /* an object could not be read (source_suspect) */
	char *recovery;              /* source_recovery() */
	struct fetch_report *report; /* in the fetch child only */
	int have_pin;
	uint8_t cert_pin[32];
	char *username;
	char *password;
	char *ssh_key;
	char *ssh_host_key;
	int cred_attempts;
	git_repository *repo;
	int git_initialized;
	struct pack_set *packs; /* the packs as they were when a commit was first read (pack.h) */
	struct whole_record *whole; /* the whole-cache record (whole_record.h), NULL until read */
	int whole_state;            /* WHOLE_UNKNOWN, WHOLE_NONE or WHOLE_VALID */
};

static char *dup_or_null(const char *s)
{
	return s != NULL && *s != '\0' ? strdup(s) : NULL;
}

/* The URL in its credential-free form (url.h), for messages and the cache's url file. */
static char *redact(const char *url)
{
	struct buf b;

	buf_init(&b, 4 * strlen(url) + 64);
	if (url_redact(url, &b) < 0) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* libgit2's last message. */
static const char *git_message(void)
{
	const git_error *e = git_error_last();

	return e != NULL && e->message != NULL ? e->message : "unknown error";
}

/* libgit2's message may quote the URL: ml_fail writes every URL credential-free. */
static int fetch_error(struct source *src, const char *what)
{
	return ml_fail(ML_FETCH_FAILED, "cannot %s '%s': %s", what, src->safe_url, git_message());
}

static int git_failure(enum ml_reason reason, const char *what, const char *subject)
{
	return ml_fail(reason, "%s '%s': %s", what, subject, git_message());
}

static void forget_whole(struct source *src, int remove_file);

/* An object the cache should hold cannot be read: the cache may be damaged (source_suspect). */
static int read_failure(struct source *src, const char *what, const char *subject)
{
	src->read_failed = 1;
	forget_whole(src, 1);
	return git_failure(ML_MALFORMED_OBJECT, what, subject);
}

/* Accepts 64 hex digits, optionally separated by ':' (openssl's fingerprint). */
static int parse_cert_pin(const char *s, uint8_t out[32])
{
	char hex[65];
	size_t n = 0;

	if (strncasecmp(s, "sha256:", 7) == 0)
		s += 7;
	for (; *s != '\0'; s++) {
		if (*s == ':')
			continue;
		if (n == 64 || !hex_is_digits(s, 1))
			return -1;
		hex[n++] = *s;
	}
	hex[n] = '\0';
	return n == 64 ? hex_decode(hex, out, 32) : -1;
}

static int lock_cache(struct source *src, unsigned timeout)
{
	char path[MAX_PATH_LEN];
	struct timespec pause = {0, 100 * 1000 * 1000};
	int64_t start;

	if ((size_t)snprintf(path, sizeof(path), "%s/lock", src->dir) >= sizeof(path))
		return ml_fail(ML_IO, "cache path too long '%s'", src->dir);
	src->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (src->lock_fd < 0)
		return ml_fail(ML_IO, "cannot open lock file '%s': %s", path, strerror(errno));
	start = clock_monotonic_ms();
	while (flock(src->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return ml_fail(ML_IO, "cannot lock '%s': %s", path, strerror(errno));
		if (src->cancel != NULL && *src->cancel)
			return ml_fail(ML_CANCELED,
			               "canceled while waiting for the lock on cache '%s'",
			               src->dir);
		if (clock_monotonic_ms() - start >= (int64_t)timeout * 1000)
			return ml_fail(ML_IO,
			               "timed out after %u seconds waiting for the lock on cache "
			               "'%s' (another build is using it)",
			               timeout, src->dir);
		nanosleep(&pause, NULL);
	}
	return 0;
}

static int write_url_file(const char *path, const char *url)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);

	if (fd < 0 || dprintf(fd, "%s\n", url) < 0) {
		if (fd >= 0)
			close(fd);
		return ml_fail(ML_IO, "cannot write '%s': %s", path, strerror(errno));
	}
	close(fd);
	return 0;
}

static int holds_line(const struct buf *b, const char *line)
{
	return b->len == strlen(line) + 1 && memcmp(b->data, line, b->len - 1) == 0 &&
	       b->data[b->len - 1] == '\n';
}

/*
 * Records the URL next to a new cache, or checks the recorded one; only its
 * credential-free form is written. A file of an older version holding the
 * URL itself is rewritten in that form.
 */
static int check_url_file(struct source *src)
{
	char path[MAX_PATH_LEN];
	struct buf b;
	int r = ML_IO;

	buf_init(&b, 4 * MAX_URL_LEN + 2);
	if ((size_t)snprintf(path, sizeof(path), "%s/url", src->dir) >= sizeof(path)) {
		r = ml_fail(ML_IO, "cache path too long '%s'", src->dir);
		goto out;
	}
	if (buf_read_file(&b, path) == 0) {
		if (holds_line(&b, src->safe_url)) {
			r = 0;
			goto out;
		}
		if (!holds_line(&b, src->url)) {
			r = ml_fail(ML_IO, "cache '%s' belongs to another source URL", src->dir);
			goto out;
		}
	} else if (errno != ENOENT) {
		r = ml_fail(ML_IO, "cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	r = write_url_file(path, src->safe_url);
out:
	buf_release(&b);
	return r;
}

static void forget_credentials(struct source *src)
{
	free(src->username);
	if (src->password != NULL)
		explicit_bzero(src->password, strlen(src->password));
	free(src->password);
	free(src->ssh_key);
	free(src->ssh_host_key);
	src->username = src->password = src->ssh_key = src->ssh_host_key = NULL;
}

static int set_credentials(struct source *src, const struct source_options *o)
{
	forget_credentials(src);
	src->username = dup_or_null(o->username);
	src->password = dup_or_null(o->password);
	src->ssh_key = dup_or_null(o->ssh_key);
	src->ssh_host_key = dup_or_null(o->ssh_host_key);
	if ((o->username != NULL && o->username[0] != '\0' && src->username == NULL) ||
	    (o->password != NULL && o->password[0] != '\0' && src->password == NULL) ||
	    (o->ssh_key != NULL && o->ssh_key[0] != '\0' && src->ssh_key == NULL) ||
	    (o->ssh_host_key != NULL && o->ssh_host_key[0] != '\0' && src->ssh_host_key == NULL))
		return ml_fail(ML_IO, "out of memory");
	return 0;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return ml_fail(ML_IO, "cannot create directory '%s': %s", path, strerror(errno));
	return 0;
}

/*
 * libgit2's process-wide options: it must not read the user's or the
 * system's git configuration, it re-hashes what it reads, and ca_file (NULL:
 * none) replaces the system CAs. -1 with libgit2's error set.
 */
static int configure_libgit2(const char *ca_file)
{
	static const int levels[] = {GIT_CONFIG_LEVEL_SYSTEM, GIT_CONFIG_LEVEL_XDG,
	                             GIT_CONFIG_LEVEL_GLOBAL, GIT_CONFIG_LEVEL_PROGRAMDATA};
	size_t i;

	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, levels[i], "") < 0)
			return -1;
	if (git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 1) < 0 ||
	    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, 1) < 0)
		return -1;
	if (ca_file != NULL && git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, ca_file, NULL) < 0)
		return -1;
	return 0;
}

/*
 * A reference name of components of [A-Za-z0-9_-.] (none starting with a dot
 * or ending with ".lock") joined by single slashes: one that git and libgit2
 * accept, and that names a file under refs/ and nothing outside it.
 */
static int plain_ref_name(const char *name)
{
	const char *c = name;
	size_t n;

	for (;;) {
		n = strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.");
		if (n == 0 || c[0] == '.' || c[n - 1] == '.' ||
		    (n >= 5 && strncmp(c + n - 5, ".lock", 5) == 0) ||
		    memmem(c, n, "..", 2) != NULL)
			return 0;
		if (c[n] == '\0')
			return 1;
		if (c[n] != '/')
			return 0;
		c += n + 1;
	}
}

static int is_directory(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* libgit2, started on first use (a warm re-check never needs it), with mainline's options. */
static int start_libgit2(struct source *src)
{
	int r;

	if (src->git_initialized)
		return 0;
	if ((r = dynlib_need(&dynlib_libgit2)) != 0)
		return r;
	if (git_libgit2_init() < 0)
		return ml_fail(ML_IO, "cannot initialise libgit2");
	src->git_initialized = 1;
	if (configure_libgit2(NULL) < 0)
		return git_failure(ML_IO, "cannot configure libgit2 for",
		                   src->safe_url != NULL ? src->safe_url : "the source");
	if (src->ca_file != NULL &&
	    git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, src->ca_file, NULL) < 0)
		return git_failure(ML_CONFIG, "cannot use CA file", src->ca_file);
	return 0;
}

/*
 * The cache repository, opened (or created, unless offline) on first use.
 * 0, ML_FETCH_FAILED (offline without a cache) or ML_IO.
 */
static int need_repo(struct source *src)
{
	int r;

	if (src->repo != NULL)
		return 0;
	if ((r = start_libgit2(src)) != 0)
		return r;
	if (git_repository_open_bare(&src->repo, src->git_dir) == 0)
		return 0;
	if (src->offline)
		return ml_fail(ML_FETCH_FAILED, "no cache of '%s' to use offline in '%s'",
		               src->safe_url, src->dir);
	if (git_repository_init(&src->repo, src->git_dir, 1) < 0)
		return git_failure(ML_IO, "cannot create cache repository", src->git_dir);
	src->created = 1;
	return 0;
}

/* Closes the repository and forgets its packs: a fetch or a move aside changes them. */
static void close_repo(struct source *src)
{
	if (src->repo != NULL) /* libgit2 is loaded only once the repository was opened */
		git_repository_free(src->repo);
	src->repo = NULL;
	pack_set_free(src->packs);
	src->packs = NULL;
}

static int check_options(struct source *src, const struct source_options *o)
{
	struct url_info info;
	const char *why;
	char ref[512];
	int r;

	if (o->url == NULL || o->url[0] == '\0')
		return ml_fail(ML_CONFIG, "no source URL given");
	if (strlen(o->url) > MAX_URL_LEN || strchr(o->url, '\n') != NULL)
		return ml_fail(ML_CONFIG, "unusable source URL");
	if (url_check(o->url, &info, &why) < 0)
		return ml_fail(ML_CONFIG, "unusable source URL: %s", why);
	if (o->branch != NULL &&
	    (o->branch[0] == '\0' || strlen(o->branch) > 255 || strchr(o->branch, '*') != NULL))
		return ml_fail(ML_CONFIG, "bad branch name '%s'", o->branch);
	snprintf(ref, sizeof(ref), "refs/heads/%s",
	         o->branch != NULL ? o->branch : SOURCE_DEFAULT_BRANCH);
	if (plain_ref_name(ref))
		return 0;
	/* anything but the plainest name is judged by libgit2, as git would */
	if ((r = start_libgit2(src)) != 0)
		return r;
	if (!git_reference_is_valid_name(ref))
		return ml_fail(ML_CONFIG, "bad branch name '%s'", o->branch);
	return 0;
}

int source_open(struct source **out, const struct source_options *opts)
{
	const char *cache = opts->cache_dir != NULL ? opts->cache_dir : SOURCE_DEFAULT_CACHE;
	uint8_t digest[32];
	char hex[65], path[MAX_PATH_LEN];
	struct source *src = NULL;
	int r = ML_IO;

	*out = NULL;
	if ((src = calloc(1, sizeof(*src))) == NULL)
		return ml_fail(ML_IO, "out of memory");
	src->lock_fd = -1;
	if ((r = check_options(src, opts)) != 0)
		goto out;
	src->offline = opts->offline;
	src->cancel = opts->cancel;
	src->fetch_timeout =
	    opts->fetch_timeout != 0 ? opts->fetch_timeout : SOURCE_DEFAULT_FETCH_TIMEOUT;
	if (opts->cert_pin != NULL && opts->cert_pin[0] != '\0') {
		if (parse_cert_pin(opts->cert_pin, src->cert_pin) < 0) {
			r = ml_fail(ML_CONFIG, "bad certificate pin '%s' (want 64 hex digits)",
			            opts->cert_pin);
			goto out;
		}
		src->have_pin = 1;
	}
	if (opts->ca_file != NULL && opts->ca_file[0] != '\0' &&
	    (src->ca_file = strdup(opts->ca_file)) == NULL) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	src->url = strdup(opts->url);
	src->safe_url = redact(opts->url);
	src->branch = strdup(opts->branch != NULL ? opts->branch : SOURCE_DEFAULT_BRANCH);
	if ((r = set_credentials(src, opts)) != 0)
		goto out;
	if (src->url == NULL || src->safe_url == NULL || src->branch == NULL ||
	    crypto_digest(CRYPTO_SHA256, opts->url, strlen(opts->url), digest) < 0) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	/* a CA file libgit2 cannot use is a configuration error, found before anything runs */
	if (src->ca_file != NULL && (r = start_libgit2(src)) != 0)
		goto out;
	hex_encode(digest, sizeof(digest), hex);
	if ((r = make_dir(cache)) != 0)
		goto out;
	if ((size_t)snprintf(path, sizeof(path), "%s/%.32s", cache, hex) >= sizeof(path) - 8) {
		r = ml_fail(ML_CONFIG, "cache path too long '%s'", cache);
		goto out;
	}
	if ((r = make_dir(path)) != 0)
		goto out;
	src->dir = strdup(path);
	snprintf(path, sizeof(path), "%s/git", src->dir); /* fits: checked above */
	src->git_dir = strdup(path);
	if (src->dir == NULL || src->git_dir == NULL) {
		r = ml_fail(ML_IO, "out of memory");
		goto out;
	}
	if ((r = lock_cache(src, opts->lock_timeout != 0 ? opts->lock_timeout
	                                                 : SOURCE_DEFAULT_LOCK_TIMEOUT)) != 0 ||
	    (r = check_url_file(src)) != 0)
		goto out;
	/* offline, a missing cache is an error now, as it always was */
	if (src->offline && !is_directory(src->git_dir)) {
		r = ml_fail(ML_FETCH_FAILED, "no cache of '%s' to use offline in '%s'",
		            src->safe_url, src->dir);
		goto out;
	}
	*out = src;
	src = NULL; /* transferred */
	r = 0;
out:
	source_free(src);
	return r;
}

static int certificate_check(git_cert *cert, int valid, const char *host, void *payload)
{
	struct source *src = payload;
	uint8_t digest[32];

	if (cert->cert_type == GIT_CERT_X509) {
		const git_cert_x509 *x = (const git_cert_x509 *)cert;

		if (!src->have_pin)
			return valid ? 0 : GIT_ECERTIFICATE;
		if (crypto_digest(CRYPTO_SHA256, x->data, x->len, digest) < 0 ||
		    memcmp(digest, src->cert_pin, sizeof(digest)) != 0) {
			git_error_set_str(GIT_ERROR_SSL,
			                  "server certificate does not match the pin");
			return GIT_ECERTIFICATE;
		}
		return 0;
	}
	if (cert->cert_type == GIT_CERT_HOSTKEY_LIBSSH2) {
		const git_cert_hostkey *k = (const git_cert_hostkey *)cert;
		const char *pin = src->ssh_host_key;
		struct buf want;
		int ok = 0;

		if (pin == NULL) {
			git_error_set_str(GIT_ERROR_SSH, "no pinned host key for ssh source");
			return GIT_ECERTIFICATE;
		}
		buf_init(&want, 16384);
		if (strncmp(pin, "SHA256:", 7) == 0) {
			/* ssh-keygen prints the fingerprint base64 without padding */
			size_t n = strlen(pin + 7);

			if ((k->type & GIT_CERT_SSH_SHA256) &&
			    buf_append_str(&want, pin + 7) == 0 &&
			    (n % 4 == 0 || buf_append(&want, "===", 4 - n % 4) == 0)) {
				struct buf raw;

				buf_init(&raw, 64);
				ok = base64_decode(buf_cstr(&want), want.len, &raw) == 0 &&
				     raw.len == 32 && memcmp(raw.data, k->hash_sha256, 32) == 0;
				buf_release(&raw);
			}
		} else if (k->type & GIT_CERT_SSH_RAW) {
			/*
			 * known_hosts line "[hosts] keytype base64 [comment]": the key
			 * blob is the first field starting "AAAA" (its type length).
			 */
			const char *b64 = pin, *end;

			while (*b64 != '\0' && strncmp(b64, "AAAA", 4) != 0) {
				b64 += strcspn(b64, " ");
				b64 += strspn(b64, " ");
			}
			end = strchr(b64, ' ');
			if (end == NULL)
				end = b64 + strlen(b64);
			ok = base64_decode(b64, (size_t)(end - b64), &want) == 0 &&
			     want.len == k->hostkey_len &&
			     memcmp(want.data, k->hostkey, want.len) == 0;
		}
		buf_release(&want);
		if (!ok) {
			git_error_set_str(GIT_ERROR_SSH, "host key does not match the pinned key");
			return GIT_ECERTIFICATE;
		}
		return 0;
	}
	git_error_set_str(GIT_ERROR_NET, "unknown kind of server certificate");
	return GIT_ECERTIFICATE;
}

static int credentials(git_credential **out, const char *url, const char *username_from_url,
                       unsigned int allowed_types, void *payload)
{
	struct source *src = payload;
	const char *user;

	if (++src->cred_attempts > MAX_CRED_ATTEMPTS) {
		git_error_set_str(GIT_ERROR_NET, "authentication failed");
		return GIT_EAUTH;
	}
	if ((allowed_types & GIT_CREDENTIAL_SSH_KEY) && src->ssh_key != NULL) {
		user = username_from_url != NULL ? username_from_url : "git";
		return git_credential_ssh_key_new(out, user, NULL, src->ssh_key, NULL);
	}
	if ((allowed_types & GIT_CREDENTIAL_USERNAME) && src->ssh_key != NULL)
		return git_credential_username_new(
		    out, username_from_url != NULL ? username_from_url : "git");
	if ((allowed_types & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && src->password != NULL) {
		user = src->username != NULL ? src->username : "x-access-token";
		return git_credential_userpass_plaintext_new(out, user, src->password);
	}
	git_error_set_str(GIT_ERROR_NET, "server asks for credentials and none are configured");
	return GIT_EAUTH;
}

/*
 * libgit2 1.5 reads SHA-1 repositories only (see source_object_format): a
 * local SHA-256 source is recognised by libgit2's refusal of its
 * extensions.objectformat; a remote one only shows as a reference list
 * libgit2 cannot parse, so its message gets a hint.
 */
static int fetch_failure(struct source *src)
{
	const git_error *e = git_error_last();
	char inner[400];
	int r;

	if (e != NULL && e->message != NULL &&
	    strstr(e->message, "extensions.objectformat") != NULL)
		return ml_fail(ML_UNSUPPORTED,
		               "cannot fetch from '%s': it sets extensions.objectformat (a SHA-256 "
		               "repository), and mainline reads SHA-1 repositories only",
		               src->safe_url);
	r = fetch_error(src, "fetch from");
	if (strstr(ml_error_message(), "error parsing REF pkt-line") != NULL) {
		snprintf(inner, sizeof(inner), "%s", ml_error_message());
		r = ml_fail_override(r,
		                     "%s (a SHA-256 repository? mainline reads SHA-1 "
		                     "repositories only)",
		                     inner);
	}
	return r;
}

/* What the fetch child leaves its parent, in memory they share (child.h). */
struct fetch_report {
	git_indexer_progress progress; /* as far as the transfer got */
	int reason;                    /* 0: fetched */
	int error_class;               /* libgit2's class of the error (git_error_t) */
	char message[1024];
};

static int transfer_progress(const git_indexer_progress *stats, void *payload)
{
	struct source *src = payload;

	if (src->report != NULL)
		src->report->progress = *stats;
	return 0;
}

/*
 * The proxy of an http(s) fetch, as for mainline's other connections
 * (common/proxy.h): libgit2 gets it, or none, explicitly; its own choice
 * (GIT_PROXY_AUTO) would read git's http.proxy and a no_proxy of its own
 * rules. libgit2 speaks to http and https proxies only, and reaches one for
 * an http:// URL only through source_proxy.h.
 */
static int fetch_proxy(struct source *src, git_proxy_options *po, char *proxy, size_t len)
{
	struct proxy_env pe;
	int r;

	proxy_env_read(&pe, NULL);
	po->type = GIT_PROXY_NONE;
	if ((r = proxy_for_url(&pe, src->url, proxy, len)) != 0 || proxy[0] == '\0')
		return r;
	if (strncasecmp(proxy, "http://", 7) != 0 && strncasecmp(proxy, "https://", 8) != 0)
		return ml_fail(ML_FETCH_FAILED,
		               "cannot fetch from '%s' through the proxy '%s': git fetches "
		               "through http:// and https:// proxies only",
		               src->safe_url, proxy);
	if (strncasecmp(src->url, "http://", 7) == 0 && (r = source_proxy_register(proxy)) != 0)
		return r;
	po->type = GIT_PROXY_SPECIFIED;
	po->url = proxy;
	return 0;
}

/* The fetch itself, in the child. 0 or the reason (message recorded). */
static int fetch_remote(struct source *src)
{
	git_remote_create_options ro;
	git_fetch_options fo;
	git_remote *remote = NULL;
	char head_spec[600], proxy[PROXY_URL_MAX];
	char *specs[2] = {head_spec, "+refs/tags/*:refs/mainline/tags/*"};
	git_strarray refspecs = {specs, 2};
	int r = ML_FETCH_FAILED;

	if (!src->seeded)
		source_seed_local(src->url, src->git_dir);
	if (git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION) < 0)
		return fetch_error(src, "prepare fetching from");
	if ((r = fetch_proxy(src, &fo.proxy_opts, proxy, sizeof(proxy))) != 0)
		return r;
	snprintf(head_spec, sizeof(head_spec), "+refs/heads/%s:refs/mainline/heads/%s", src->branch,
	         src->branch);
	fo.callbacks.certificate_check = certificate_check;
	fo.callbacks.credentials = credentials;
	fo.callbacks.transfer_progress = transfer_progress;
	fo.callbacks.payload = src;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.prune = GIT_FETCH_PRUNE;
	fo.update_fetchhead = 0;
	fo.follow_redirects = GIT_REMOTE_REDIRECT_INITIAL;
	src->cred_attempts = 0;
	/* no url.<base>.insteadOf rewriting: the configured URL is the one fetched */
	if (git_remote_create_options_init(&ro, GIT_REMOTE_CREATE_OPTIONS_VERSION) < 0)
		return fetch_error(src, "prepare fetching from");
	ro.repository = src->repo;
	ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (git_remote_create_with_opts(&remote, src->url, &ro) < 0) {
		r = fetch_error(src, "use source URL");
		goto out;
	}
	if (git_remote_fetch(remote, &refspecs, &fo, NULL) < 0) {
		r = fetch_failure(src);
		goto out;
	}
	r = 0;
out:
	git_remote_free(remote);
	return r;
}

/*
 * The child's side of a fetch. libgit2 seeds mbedTLS's random generator once,
 * when it starts, and nothing reseeds it on fork: two children of one parent
 * (a fetch afresh after a damaged cache, say) would make the same "random"
 * TLS handshake (libssh2's key exchange likewise). So the child starts
 * libgit2 anew, with its options, and opens the repository itself (the
 * parent has closed its own). A fetch that uses neither (a local source,
 * git://) keeps the parent's libgit2: starting it again would only load
 * every system CA certificate once more.
 */
static int fetch_child(void *arg, void *shared)
{
	struct source *src = arg;
	struct fetch_report *rep = shared;
	char path[MAX_PATH_LEN];
	const git_error *e;
	int plain, r;

	src->report = rep;
	/* a server that closes the connection early fails the fetch (EPIPE), not the child */
	signal(SIGPIPE, SIG_IGN);
	plain = source_local_path(src->url, path, sizeof(path)) == 0 ||
	        strncmp(src->url, "git://", 6) == 0;
	if (!plain || !src->git_initialized) {
		while (git_libgit2_shutdown() > 0)
			;
		src->git_initialized = 0;
	}
	if ((!src->git_initialized &&
	     (git_libgit2_init() < 0 || configure_libgit2(src->ca_file) < 0)) ||
	    git_repository_open_bare(&src->repo, src->git_dir) < 0)
		r = git_failure(ML_IO, "cannot open cache repository", src->git_dir);
	else
		r = fetch_remote(src);
	if (r != 0) {
		e = git_error_last();
		rep->reason = r;
		rep->error_class = e != NULL ? e->klass : GIT_ERROR_NONE;
		snprintf(rep->message, sizeof(rep->message), "%s", ml_error_message());
	}
	return r != 0;
}

/* How far a fetch got, for the message of one that was stopped. */
static void describe_progress(const git_indexer_progress *p, char *out, size_t len)
{
	if (p->total_objects == 0)
		snprintf(out, len, "no object received");
	else if (p->received_objects < p->total_objects)
		snprintf(out, len, "receiving objects: %u of %u, %zu bytes", p->received_objects,
		         p->total_objects, p->received_bytes);
	else if (p->indexed_deltas < p->total_deltas)
		snprintf(out, len, "indexing: %u of %u deltas resolved", p->indexed_deltas,
		         p->total_deltas);
	else
		snprintf(out, len, "all %u objects received and indexed", p->total_objects);
}

/*
 * One fetch, in a child process killed at deadline_ms (a clock_monotonic_ms()
 * time) or on cancel (the parent does not touch the repository meanwhile,
 * and opens it again after, to see what the child wrote). 0, or the reason
 * with its message in msg, not recorded yet ("" when it was: the child could
 * not be started), and libgit2's class of the child's error in *error_class.
 */
static int fetch_once(struct source *src, int64_t deadline_ms, int *error_class, char *msg,
                      size_t len)
{
	struct child_limits lim = {0, src->cancel};
	struct fetch_report rep;
	enum child_end end;
	char progress[160];
	int status, r;

	*error_class = GIT_ERROR_NONE;
	msg[0] = '\0';
	lim.deadline_ms = deadline_ms;
	close_repo(src);
	r = child_run(fetch_child, src, &rep, sizeof(rep), &lim, &end, &status);
	forget_whole(src, 0); /* what the child wrote changes the stamp */
	if (git_repository_open_bare(&src->repo, src->git_dir) < 0)
		return git_failure(ML_IO, "cannot open cache repository", src->git_dir);
	if (r != 0)
		return r;
	describe_progress(&rep.progress, progress, sizeof(progress));
	switch (end) {
	case CHILD_EXITED:
		if (status == 0)
			return 0;
		if (rep.reason == 0) {
			snprintf(msg, len, "fetch from '%s' failed (exit code %d)", src->safe_url,
			         status);
			return ML_FETCH_FAILED;
		}
		*error_class = rep.error_class;
		snprintf(msg, len, "%s", rep.message);
		return rep.reason;
	case CHILD_KILLED:
		snprintf(msg, len, "fetch from '%s' ended by signal %d (%s)", src->safe_url, status,
		         progress);
		return ML_FETCH_FAILED;
	case CHILD_TIMED_OUT:
		snprintf(msg, len, "fetch from '%s' timed out after %u s (%s)", src->safe_url,
		         src->fetch_timeout, progress);
		return ML_FETCH_FAILED;
	case CHILD_CANCELED:
	default:
		snprintf(msg, len, "canceled while fetching from '%s' (%s)", src->safe_url,
		         progress);
		return ML_CANCELED;
	}
}

static int is_lock_file(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".lock") == 0;
}

static int remove_lock_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	if (type == FTW_F && is_lock_file(path + ftw->base))
		(void)unlink(path);
	return 0;
}

/* A pack's index whose pack is not there: libgit2 writes the index first, then renames the pack. */
static int is_orphan_index(int dir_fd, const char *name)
{
	char pack[NAME_MAX + 1];
	size_t n = strlen(name);
	struct stat st;

	if (n < 5 || n >= sizeof(pack) || strcmp(name + n - 4, ".idx") != 0)
		return 0;
	snprintf(pack, sizeof(pack), "%.*s.pack", (int)(n - 4), name);
	return fstatat(dir_fd, pack, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
}

/*
 * Removes what a fetch killed midway leaves behind, which would fail the
 * next one or look like damage: lock files (of refs, packed-refs, a pack's
 * index), libgit2's temporary packs (pack_git2_*) and an index whose pack
 * was not renamed into place yet. Only fetches of this cache write here, and
 * only under the lock this process holds, so every such file is stale.
 */
static void remove_stale_files(struct source *src)
{
	char path[MAX_PATH_LEN];
	struct dirent *e;
	DIR *d;
	int i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), i == 0 ? "%s" : "%s/objects/pack", src->git_dir);
		if ((d = opendir(path)) == NULL)
			continue;
		while ((e = readdir(d)) != NULL)
			if (is_lock_file(e->d_name) ||
			    (i == 1 && (strncmp(e->d_name, "pack_git2_", 10) == 0 ||
			                is_orphan_index(dirfd(d), e->d_name))))
				(void)unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	snprintf(path, sizeof(path), "%s/refs", src->git_dir);
	(void)nftw(path, remove_lock_file, 16, FTW_PHYS);
}

/* ---- the whole-cache record (whole_record.h) ---- */

/* The record, if it holds for the repository as it is now (read once per state of it). */
static const struct whole_record *valid_whole(struct source *src)
{
	if (src->whole_state == WHOLE_UNKNOWN) {
		src->whole = whole_record_load(src->dir, src->git_dir);
		src->whole_state = src->whole != NULL ? WHOLE_VALID : WHOLE_NONE;
	}
	return src->whole;
}

/* The repository changed (a fetch, a fresh cache) or may be damaged: the record no longer holds. */
static void forget_whole(struct source *src, int remove_file)
{
	whole_record_free(src->whole);
	src->whole = NULL;
	src->whole_state = WHOLE_UNKNOWN;
	if (remove_file)
		whole_record_remove(src->dir);
}

int source_tree_is_whole(struct source *src, const char *commit_hex, const char *tree_hex)
{
	const struct whole_record *w = valid_whole(src);

	return w != NULL && strcmp(w->commit, commit_hex) == 0 && strcmp(w->tree, tree_hex) == 0;
}

void source_mark_whole(struct source *src, const char *commit_hex, const char *tree_hex)
{
	struct buf raw;

	buf_init(&raw, WHOLE_COMMIT_MAX);
	if (source_read_object(src, commit_hex, SOURCE_OBJ_COMMIT, &raw) == 0 &&
	    whole_record_save(src->dir, src->git_dir, commit_hex, tree_hex, raw.data, raw.len) == 0)
		forget_whole(src, 0);
	ml_error_clear(); /* the record only saves work: a run without it is the same run */
	buf_release(&raw);
}

/* The loose reference name (refs/...), read as a file: 40 hex digits and a newline. 0 or -1. */
static int read_loose_ref(const struct source *src, const char *name, char out_hex[41])
{
	char path[MAX_PATH_LEN], data[64];
	ssize_t n;
	int fd;

	if (!plain_ref_name(name) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", src->git_dir, name) >= sizeof(path) ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, data, sizeof(data));
	close(fd);
	if (n != 41 || data[40] != '\n' || !hex_is_lower(data, 40))
		return -1;
	memcpy(out_hex, data, 40);
	out_hex[40] = '\0';
	return 0;
}

/* ---- damaged caches ---- */

/* Whether ref names an object the cache can read. 0, or 1 with why. */
static int check_ref_target(git_odb *odb, const git_reference *ref, struct buf *why)
{
	git_object_t type;
	char hex[41];
	size_t size;

	if (git_reference_type(ref) != GIT_REFERENCE_DIRECT ||
	    git_odb_read_header(&size, &type, odb, git_reference_target(ref)) == 0)
		return 0;
	git_oid_tostr(hex, sizeof(hex), git_reference_target(ref));
	buf_printf(why, "reference '%s' names object '%s', which cannot be read: %s",
	           git_reference_name(ref), hex, git_message());
	return 1;
}

/*
 * The loose references under name (a directory of the repository, "refs"):
 * libgit2's iterators skip one that does not parse, so each file is looked
 * up by its name. 0, or 1 with why.
 */
static int check_loose_refs(struct source *src, git_odb *odb, const char *name, int depth,
                            struct buf *why)
{
	char path[MAX_PATH_LEN], sub[MAX_PATH_LEN];
	git_reference *ref = NULL;
	struct dirent *e;
	struct stat st;
	int damaged = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/%s", src->git_dir, name);
	if (depth > 64 || (d = opendir(path)) == NULL)
		return 0;
	while (!damaged && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", name, e->d_name) >= sizeof(sub))
			continue;
		if (e->d_type == DT_DIR ||
		    (e->d_type == DT_UNKNOWN &&
		     fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		     S_ISDIR(st.st_mode))) {
			damaged = check_loose_refs(src, odb, sub, depth + 1, why);
		} else if (git_reference_lookup(&ref, src->repo, sub) < 0) {
			buf_printf(why, "cannot read reference '%s': %s", sub, git_message());
			damaged = 1;
		} else {
			damaged = check_ref_target(odb, ref, why);
			git_reference_free(ref);
		}
	}
	closedir(d);
	return damaged;
}

/* Every reference must parse and name an object the cache can read. 0, or 1 with why. */
static int check_refs(struct source *src, struct buf *why)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	git_odb *odb = NULL;
	int e, damaged = 1;

	if (git_repository_odb(&odb, src->repo) < 0 ||
	    git_reference_iterator_new(&it, src->repo) < 0) {
		buf_printf(why, "cannot list its references: %s", git_message());
		goto out;
	}
	if (check_loose_refs(src, odb, "refs", 0, why) != 0)
		goto out;
	/* the packed ones too */
	while ((e = git_reference_next(&ref, it)) == 0) {
		if (check_ref_target(odb, ref, why) != 0)
			goto out;
		git_reference_free(ref);
		ref = NULL;
	}
	if (e != GIT_ITEROVER) {
		buf_printf(why, "cannot read its references: %s", git_message());
		goto out;
	}
	damaged = 0;
out:
	git_reference_free(ref);
	git_reference_iterator_free(it);
	git_odb_free(odb);
	return damaged;
}

struct pack_scan {
	struct source *src;
	git_odb *odb;
	int full;     /* read every object, not the first only */
	int canceled; /* the scan stopped on cancel */
	git_oid bad;
};

static int scan_object(const git_oid *oid, void *payload)
{
	struct pack_scan *s = payload;
	git_odb_object *obj = NULL;
	git_object_t type;
	size_t size;
	int r;

	if (s->src->cancel != NULL && *s->src->cancel) {
		s->canceled = 1;
		return 1;
	}
	git_oid_cpy(&s->bad, oid);
	/* strict hash verification is on: reading an object re-hashes it */
	if (s->full) {
		r = git_odb_read(&obj, s->odb, oid);
		git_odb_object_free(obj);
	} else {
		r = git_odb_read_header(&size, &type, s->odb, oid);
	}
	if (r < 0)
		return r;
	return s->full ? 0 : 1; /* one object opens the pack, which checks it against its index */
}

/*
 * Each pack on its own: opening one checks its header and its trailing
 * checksum against its index (a truncated pack fails here, where
 * libgit2 would otherwise just not see its objects); a full scan also reads,
 * inflates and re-hashes every object. 0, 1 with why, or ML_CANCELED.
 */
static int check_packs(struct source *src, int full, struct buf *why)
{
	char dir[MAX_PATH_LEN], path[MAX_PATH_LEN * 2], hex[41];
	struct pack_scan scan = {.src = src, .full = full};
	git_odb_backend *backend;
	struct dirent *e;
	DIR *d;
	size_t n;
	int r, damaged = 0;

	snprintf(dir, sizeof(dir), "%s/objects/pack", src->git_dir);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while (!damaged && (e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".idx") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		scan.odb = NULL;
		if (git_odb_new(&scan.odb) < 0 || git_odb_backend_one_pack(&backend, path) < 0) {
			buf_printf(why, "cannot open pack index '%s': %s", path, git_message());
			damaged = 1;
		} else if (git_odb_add_backend(scan.odb, backend, 1) < 0) {
			backend->free(backend);
			buf_printf(why, "cannot open pack index '%s': %s", path, git_message());
			damaged = 1;
		} else if ((r = git_odb_foreach(scan.odb, scan_object, &scan)) < 0) {
			git_oid_tostr(hex, sizeof(hex), &scan.bad);
			buf_printf(why, "pack '%.*s.pack' is damaged at object '%s': %s",
			           (int)(strlen(path) - 4), path, hex, git_message());
			damaged = 1;
		}
		git_odb_free(scan.odb);
		if (scan.canceled) {
			closedir(d);
			return ml_fail(ML_CANCELED, "canceled while checking cache '%s'",
			               src->git_dir);
		}
	}
	closedir(d);
	return damaged;
}

/*
 * Whether the cache is damaged: its packs (check_packs, every object read
 * when full), then its references (check_refs). 0 whole, 1 damaged (why says
 * what was found), or ML_CANCELED.
 */
static int check_cache(struct source *src, int full, struct buf *why)
{
	int r = check_packs(src, full, why);

	return r != 0 ? r : check_refs(src, why);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	(void)remove(path);
	return 0;
}

static int is_damaged_copy(const struct dirent *e)
{
	return strncmp(e->d_name, DAMAGED_PREFIX, strlen(DAMAGED_PREFIX)) == 0;
}

/* Removes the damaged copies but the newest SOURCE_KEEP_DAMAGED (names sort by time). */
static void prune_damaged(struct source *src)
{
	char path[MAX_PATH_LEN * 2];
	struct dirent **list = NULL;
	int i, n = scandir(src->dir, &list, is_damaged_copy, alphasort);

	for (i = 0; i < n; i++) {
		if (i < n - SOURCE_KEEP_DAMAGED) {
			snprintf(path, sizeof(path), "%s/%s", src->dir, list[i]->d_name);
			(void)nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
		}
		free(list[i]);
	}
	free(list);
}

/*
 * Moves the repository aside as <dir>/git.corrupt-<UTC time>, keeps the newest
 * copies only, and starts an empty one in its place. 0 or ML_IO.
 */
static int move_aside(struct source *src, const char *why)
{
	char aside[MAX_PATH_LEN + 64], stamp[32];
	struct buf line;
	time_t now = time(NULL);
	struct tm tm;
	int n, r;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
		snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
	forget_whole(src, 1);
	close_repo(src);
	for (n = 1;; n++) {
		snprintf(aside, sizeof(aside),
		         n == 1 ? "%s/" DAMAGED_PREFIX "%s" : "%s/" DAMAGED_PREFIX "%s-%d",
		         src->dir, stamp, n);
		if (renameat2(AT_FDCWD, src->git_dir, AT_FDCWD, aside, RENAME_NOREPLACE) == 0)
			break;
		if (errno != EEXIST || n == 100) {
			r = ml_fail(ML_IO, "cannot move damaged cache '%s' aside: %s", src->git_dir,
			            strerror(errno));
			(void)git_repository_open_bare(&src->repo, src->git_dir);
			return r;
		}
	}
	prune_damaged(src);
	if (git_repository_init(&src->repo, src->git_dir, 1) < 0)
		return git_failure(ML_IO, "cannot create cache repository", src->git_dir);
	src->created = 1;
	src->read_failed = 0;
	free(src->recovery);
	buf_init(&line, 16384);
	if (buf_printf(&line, "cache '%s' was damaged (%s): moved aside to '%s', fetching afresh",
	               src->git_dir, why, aside) < 0 ||
	    (src->recovery = buf_detach(&line, NULL)) == NULL) {
		buf_release(&line);
		return ml_fail(ML_IO, "out of memory");
	}
	return 0;
}

/* libgit2 errors of reading the cache itself, which a damaged cache causes. */
static int is_storage_error(int error_class)
{
	return error_class == GIT_ERROR_ODB || error_class == GIT_ERROR_ZLIB ||
	       error_class == GIT_ERROR_OS || error_class == GIT_ERROR_REFERENCE ||
	       error_class == GIT_ERROR_OBJECT;
}

int source_fetch(struct source *src)
{
	int64_t timeout_ms = (int64_t)src->fetch_timeout * 1000, deadline_ms;
	int error_class = GIT_ERROR_NONE, damaged, r = 0;
	struct source_seed *seed = NULL;
	char msg[1024];
	struct buf why;

	if (src->offline)
		return 0;
	/* the deadline counts from here: a seed's copy is part of the fetch */
	deadline_ms = clock_monotonic_ms() + timeout_ms;
	/* a new cache of a local source: its packs are copied while libgit2 starts */
	if (src->repo == NULL && !is_directory(src->git_dir))
		seed = source_seed_begin(src->url, src->git_dir, src->cancel, deadline_ms);
	r = need_repo(src);
	src->seeded = source_seed_end(seed, r == 0);
	if (r != 0)
		return r;
	buf_init(&why, 4096);
	remove_stale_files(src);
	/* a cache unchanged since it was last read whole needs no check */
	if (!src->created && valid_whole(src) == NULL) {
		if ((r = check_cache(src, 0, &why)) == 1)
			r = move_aside(src, buf_cstr(&why));
		if (r != 0)
			goto out;
	}
	r = fetch_once(src, deadline_ms, &error_class, msg, sizeof(msg));
	if (r == ML_FETCH_FAILED && !src->created && is_storage_error(error_class)) {
		/* failing on reading the cache: a full check tells its damage from the server's fault */
		buf_reset(&why);
		if ((damaged = check_cache(src, 1, &why)) == 1) {
			if ((r = move_aside(src, buf_cstr(&why))) != 0)
				goto out;
			r = fetch_once(src, clock_monotonic_ms() + timeout_ms, &error_class, msg,
			               sizeof(msg));
		} else if (damaged != 0) {
			r = damaged;
			goto out;
		}
	}
	if (r != 0 && msg[0] != '\0')
		r = ml_fail(r, "%s", msg);
out:
	buf_release(&why);
	return r;
}

int source_suspect(const struct source *src)
{
	return src->read_failed && !src->created && !src->offline;
}

int source_refetch(struct source *src, const char *why, const struct source_options *creds)
{
	int r;

	if ((r = set_credentials(src, creds)) != 0 || (r = need_repo(src)) != 0 ||
	    (r = move_aside(src, why)) != 0)
		return r;
	return source_fetch(src);
}

const char *source_recovery(const struct source *src)
{
	return src->recovery;
}

static int lookup_ref_oid(struct source *src, const char *name, git_oid *out)
{
	git_reference *ref = NULL;
	int r;

	if (need_repo(src) != 0)
		return -1;
	r = git_reference_lookup(&ref, src->repo, name);
	if (r == 0 && git_reference_type(ref) == GIT_REFERENCE_DIRECT)
		git_oid_cpy(out, git_reference_target(ref));
	else if (r == 0)
		r = -1;
	git_reference_free(ref);
	return r;
}

int source_branch_tip(struct source *src, char out_hex[41])
{
	char name[600];
	git_oid oid;

	out_hex[0] = '\0';
	snprintf(name, sizeof(name), "refs/mainline/heads/%s", src->branch);
	/* the common case without libgit2; anything else (packed, symbolic) through it */
	if (read_loose_ref(src, name, out_hex) == 0)
		return 0;
	if (lookup_ref_oid(src, name, &oid) < 0)
		return ml_fail(ML_FETCH_FAILED, "branch '%s' not found in '%s'", src->branch,
		               src->safe_url);
	git_oid_tostr(out_hex, 41, &oid);
	return 0;
}

static int is_full_hex(const char *s)
{
	return hex_is_digits(s, 40) && s[40] == '\0';
}

static int object_type_of(struct source *src, const git_oid *oid, git_object_t *out)
{
	git_odb *odb = NULL;
	size_t len;
	int r;

	if (need_repo(src) != 0 || git_repository_odb(&odb, src->repo) < 0)
		return -1;
	r = git_odb_read_header(&len, out, odb, oid);
	git_odb_free(odb);
	return r;
}

int source_resolve(struct source *src, const char *spec, char out_commit[41], char out_tag[41])
{
	char tag_ref[600], head_ref[600];
	git_oid oid, tag_oid, head_oid;
	git_object_t type;
	git_tag *tag = NULL;
	int have_tag, have_head, r = ML_CONFIG;

	out_commit[0] = out_tag[0] = '\0';
	if (strlen(spec) > 400 || spec[0] == '\0')
		return ml_fail(ML_CONFIG, "bad revision '%.64s'", spec);
	if ((r = need_repo(src)) != 0)
		return r;
	if (is_full_hex(spec)) {
		if (git_oid_fromstr(&oid, spec) < 0)
			return ml_fail(ML_CONFIG, "bad object id '%s'", spec);
	} else {
		if (strncmp(spec, "refs/heads/", 11) == 0 && strcmp(spec + 11, src->branch) != 0)
			return ml_fail(ML_CONFIG, "revision '%s' is not the configured branch '%s'",
			               spec, src->branch);
		if (strncmp(spec, "refs/tags/", 10) == 0 || strncmp(spec, "refs/heads/", 11) == 0) {
			/* refs/X/... was fetched to refs/mainline/X/... */
			snprintf(tag_ref, sizeof(tag_ref), "refs/mainline/%s", spec + 5);
			have_tag = lookup_ref_oid(src, tag_ref, &oid) == 0;
			have_head = 0;
		} else {
			snprintf(tag_ref, sizeof(tag_ref), "refs/mainline/tags/%s", spec);
			snprintf(head_ref, sizeof(head_ref), "refs/mainline/heads/%s", spec);
			have_tag = lookup_ref_oid(src, tag_ref, &tag_oid) == 0;
			have_head = lookup_ref_oid(src, head_ref, &head_oid) == 0;
			if (have_tag && have_head)
				return ml_fail(ML_CONFIG,
				               "ambiguous revision '%s' (both a branch and a tag)",
				               spec);
			git_oid_cpy(&oid, have_tag ? &tag_oid : &head_oid);
		}
		if (!have_tag && !have_head)
			return ml_fail(ML_CONFIG, "unknown revision '%s' in '%s'", spec,
			               src->safe_url);
	}
	if (object_type_of(src, &oid, &type) < 0) {
		if (!is_full_hex(spec)) {
			/* a fetched reference names it: the cache should hold it */
			src->read_failed = 1;
			forget_whole(src, 1);
		}
		return ml_fail(ML_CONFIG, "unknown revision '%s' in '%s'", spec, src->safe_url);
	}
	if (type == GIT_OBJECT_TAG) {
		if (git_tag_lookup(&tag, src->repo, &oid) < 0) {
			r = read_failure(src, "cannot read tag", spec);
			goto out;
		}
		git_oid_tostr(out_tag, 41, &oid);
		git_oid_cpy(&oid, git_tag_target_id(tag));
		if (git_tag_target_type(tag) != GIT_OBJECT_COMMIT ||
		    object_type_of(src, &oid, &type) < 0 || type != GIT_OBJECT_COMMIT) {
			out_tag[0] = '\0';
			r = ml_fail(ML_MALFORMED_OBJECT, "tag '%s' does not point to a commit",
			            spec);
			goto out;
		}
	} else if (type != GIT_OBJECT_COMMIT) {
		r = ml_fail(ML_MALFORMED_OBJECT, "revision '%s' is not a commit", spec);
		goto out;
	}
	git_oid_tostr(out_commit, 41, &oid);
	r = 0;
out:
	git_tag_free(tag);
	return r;
}

static const git_object_t git_types[] = {
    [SOURCE_OBJ_COMMIT] = GIT_OBJECT_COMMIT,
    [SOURCE_OBJ_TREE] = GIT_OBJECT_TREE,
    [SOURCE_OBJ_BLOB] = GIT_OBJECT_BLOB,
    [SOURCE_OBJ_TAG] = GIT_OBJECT_TAG,
};

/*
 * Object oid of the given type from repo, appended to out (NULL: read and
 * dropped, within SOURCE_MAX_FILE). 0, or the reason with its message in msg
 * (nothing recorded: any thread may call it) and *unreadable set when the
 * object could not be read at all.
 */
static int read_odb(git_repository *repo, const git_oid *oid, git_object_t type, struct buf *out,
                    char *msg, size_t len, int *unreadable)
{
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	char hex[41];
	size_t size;
	int r = ML_MALFORMED_OBJECT;

	*unreadable = 0;
	git_oid_tostr(hex, sizeof(hex), oid);
	if (git_repository_odb(&odb, repo) < 0) {
		r = ML_IO;
		snprintf(msg, len, "cannot open object database of '%s': %s",
		         git_repository_commondir(repo), git_message());
	} else if (git_odb_read(&obj, odb, oid) < 0) {
		*unreadable = 1;
		snprintf(msg, len, "cannot read object '%s': %s", hex, git_message());
	} else if (git_odb_object_type(obj) != type) {
		snprintf(msg, len, "object '%s' is a %s, not a %s", hex,
		         git_object_type2string(git_odb_object_type(obj)),
		         git_object_type2string(type));
	} else {
		size = git_odb_object_size(obj);
		if (out != NULL ? buf_append(out, git_odb_object_data(obj), size) == 0
		                : size <= SOURCE_MAX_FILE)
			r = 0;
		else
			r = ML_IO;
		if (r != 0)
			snprintf(msg, len, "object '%s' too large (%zu bytes)", hex, size);
	}
	git_odb_object_free(obj);
	git_odb_free(odb);
	return r;
}

static int read_oid(struct source *src, const git_oid *oid, git_object_t type, struct buf *out)
{
	char msg[1024];
	int r, unreadable;

	if ((r = need_repo(src)) != 0)
		return r;
	if ((r = read_odb(src->repo, oid, type, out, msg, sizeof(msg), &unreadable)) == 0)
		return 0;
	if (unreadable) {
		src->read_failed = 1;
		forget_whole(src, 1);
	}
	return ml_fail(r, "%s", msg);
}

/* A commit from the cache's packs, without libgit2 (pack.h). 0, or -1: not found there. */
static int read_packed(struct source *src, const uint8_t id[20], struct buf *out)
{
	char objects[MAX_PATH_LEN];

	if (src->packs == NULL && ((size_t)snprintf(objects, sizeof(objects), "%s/objects",
	                                            src->git_dir) >= sizeof(objects) ||
	                           pack_set_open(&src->packs, objects) < 0))
		return -1;
	return pack_set_read(src->packs, id, PACK_COMMIT, out);
}

int source_read_object(struct source *src, const char *hex, enum source_object_type type,
                       struct buf *out)
{
	const struct whole_record *w;
	uint8_t id[20];
	git_oid oid;
	int r;

	if ((unsigned)type > SOURCE_OBJ_TAG)
		return ml_fail(ML_CONFIG, "bad object type");
	/* the target of a cache unchanged since it was read whole: from the record */
	if (type == SOURCE_OBJ_COMMIT && (w = valid_whole(src)) != NULL &&
	    strcmp(hex, w->commit) == 0) {
		if (buf_append(out, w->raw.data, w->raw.len) < 0)
			return ml_fail(ML_IO, "object '%s' too large (%zu bytes)", hex, w->raw.len);
		return 0;
	}
	if (!is_full_hex(hex))
		return ml_fail(ML_CONFIG, "bad object id '%.64s'", hex);
	/*
	 * a chain's walk reads its commits from the packs, without starting libgit2;
	 * what they do not give, libgit2 reads
	 */
	if (type == SOURCE_OBJ_COMMIT && strlen(hex) == 40 &&
	    hex_decode(hex, id, sizeof(id)) == 0 && read_packed(src, id, out) == 0)
		return 0;
	if ((r = need_repo(src)) != 0)
		return r;
	if (git_oid_fromstr(&oid, hex) < 0)
		return ml_fail(ML_CONFIG, "bad object id '%.64s'", hex);
	return read_oid(src, &oid, git_types[type], out);
}

/*
 * A tree read whole on threads (source_tree_read): the walk queues each blob
 * it meets on the pool, whose threads read them, each through a repository of
 * its own (libgit2's objects are for one thread at a time).
 */
struct tree_read {
	const char *git_dir;
	struct pool *pool;
	pthread_mutex_t lock;
	git_repository *spare[POOL_MAX_THREADS + 1]; /* opened, not in use */
	size_t spares;
	size_t bad;     /* the walk's number of the first blob that failed; SIZE_MAX: none */
	int bad_reason; /* its reason and message; unreadable: it could not be read at all */
	int bad_unreadable;
	char bad_msg[1024];
};

/* One blob to read, numbered in the order the walk met it. */
struct blob_job {
	git_oid id;
	size_t seq;
	struct blob_job *next; /* every job of the read, to free them */
};

struct walk {
	struct source *src;
	tree_entry_fn fn; /* NULL: blobs are queued on read instead */
	void *ctx;
	struct tree_read *read;
	struct blob_job *jobs;
	size_t seq;
	char path[MAX_PATH_LEN + 1];
};

static int bad_name(const char *name)
{
	return name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	       strcasecmp(name, ".git") == 0 || strchr(name, '/') != NULL;
}

static void read_blob_job(void *ctx, void *job)
{
	struct tree_read *t = ctx;
	struct blob_job *j = job;
	git_repository *repo = NULL;
	char msg[sizeof(t->bad_msg)];
	int r, unreadable = 0, skip;

	pthread_mutex_lock(&t->lock);
	skip = j->seq > t->bad; /* the walk stops at the first failure: later blobs do not count */
	if (!skip && t->spares > 0)
		repo = t->spare[--t->spares];
	pthread_mutex_unlock(&t->lock);
	if (skip)
		return;
	if (repo == NULL && git_repository_open_bare(&repo, t->git_dir) < 0) {
		repo = NULL;
		r = ML_IO;
		snprintf(msg, sizeof(msg), "cannot open cache repository '%s': %s", t->git_dir,
		         git_message());
	} else {
		r = read_odb(repo, &j->id, GIT_OBJECT_BLOB, NULL, msg, sizeof(msg), &unreadable);
	}
	pthread_mutex_lock(&t->lock);
	if (r != 0 && j->seq < t->bad) {
		t->bad = j->seq;
		t->bad_reason = r;
		t->bad_unreadable = unreadable;
		memcpy(t->bad_msg, msg, sizeof(msg));
	}
	if (repo != NULL && t->spares < sizeof(t->spare) / sizeof(t->spare[0]))
		t->spare[t->spares++] = repo;
	else
		git_repository_free(repo);
	pthread_mutex_unlock(&t->lock);
}

/* Blob id of entry e: read and handed to the callback, or queued on the read. */
static int walk_blob(struct walk *w, const git_oid *id, struct tree_entry *e)
{
	struct blob_job *j;
	struct buf data;
	int r;

	if (w->read != NULL) {
		if ((j = calloc(1, sizeof(*j))) == NULL)
			return ml_fail(ML_IO, "out of memory");
		git_oid_cpy(&j->id, id);
		j->seq = w->seq++;
		j->next = w->jobs;
		w->jobs = j;
		if (pool_add(w->read->pool, j) < 0)
			return ml_fail(ML_IO, "out of memory");
		return 0;
	}
	buf_init(&data, SOURCE_MAX_FILE);
	r = read_oid(w->src, id, GIT_OBJECT_BLOB, &data);
	if (r == 0) {
		e->data = data.data;
		e->size = data.len;
		r = w->fn(w->ctx, e);
	}
	buf_release(&data);
	return r;
}

static int walk_tree(struct walk *w, const git_oid *tree_oid, size_t path_len, int depth)
{
	git_tree *tree = NULL;
	size_t i, count;
	int r = ML_MALFORMED_OBJECT;
	char hex[41];

	git_oid_tostr(hex, sizeof(hex), tree_oid);
	if (depth > MAX_TREE_DEPTH) {
		r = ml_fail(ML_MALFORMED_OBJECT, "trees nested deeper than %d levels",
		            MAX_TREE_DEPTH);
		goto out;
	}
	if (git_tree_lookup(&tree, w->src->repo, tree_oid) < 0) {
		r = read_failure(w->src, "cannot read tree", hex);
		goto out;
	}
	count = git_tree_entrycount(tree);
	for (i = 0; i < count; i++) {
		const git_tree_entry *te = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(te);
		git_filemode_t mode = git_tree_entry_filemode(te);
		size_t n = strlen(name), len = path_len + (path_len != 0) + n;
		struct tree_entry e = {.path = w->path, .mode = (unsigned)mode};

		if (bad_name(name)) {
			r = ml_fail(ML_MALFORMED_OBJECT, "refusing tree entry '%s' in tree '%s'",
			            name, hex);
			goto out;
		}
		if (mode == GIT_FILEMODE_COMMIT)
			continue; /* submodule: not part of the signed content */
		if (len > MAX_PATH_LEN) {
			r = ml_fail(ML_MALFORMED_OBJECT, "path longer than %d bytes in tree '%s'",
			            MAX_PATH_LEN, hex);
			goto out;
		}
		if (path_len != 0)
			w->path[path_len] = '/';
		memcpy(w->path + len - n, name, n + 1);
		if (mode == GIT_FILEMODE_TREE) {
			e.mode = TREE_MODE_DIR;
			if ((w->fn != NULL && (r = w->fn(w->ctx, &e)) != 0) ||
			    (r = walk_tree(w, git_tree_entry_id(te), len, depth + 1)) != 0)
				goto out;
		} else if (mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE ||
		           mode == GIT_FILEMODE_LINK) {
			e.mode = mode == GIT_FILEMODE_BLOB              ? TREE_MODE_FILE
			         : mode == GIT_FILEMODE_BLOB_EXECUTABLE ? TREE_MODE_EXEC
			                                                : TREE_MODE_SYMLINK;
			if ((r = walk_blob(w, git_tree_entry_id(te), &e)) != 0)
				goto out;
		} else {
			r = ml_fail(ML_MALFORMED_OBJECT, "unknown mode %o of '%s' in tree '%s'",
			            (unsigned)mode, w->path, hex);
			goto out;
		}
		w->path[path_len] = '\0';
	}
	r = 0;
out:
	git_tree_free(tree);
	return r;
}

/* A walk of tree_hex in src (read: blobs queued there, else handed to fn). */
static int walk_from(struct source *src, const char *tree_hex, tree_entry_fn fn, void *ctx,
                     struct tree_read *read, struct blob_job **jobs)
{
	struct walk *w;
	git_oid oid;
	int r;

	if (!is_full_hex(tree_hex))
		return ml_fail(ML_CONFIG, "bad tree id '%.64s'", tree_hex);
	if ((r = need_repo(src)) != 0)
		return r;
	if (git_oid_fromstr(&oid, tree_hex) < 0)
		return ml_fail(ML_CONFIG, "bad tree id '%.64s'", tree_hex);
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return ml_fail(ML_IO, "out of memory");
	w->src = src;
	w->fn = fn;
	w->ctx = ctx;
	w->read = read;
	r = walk_tree(w, &oid, 0, 0);
	if (jobs != NULL)
		*jobs = w->jobs;
	free(w);
	return r;
}

int source_tree_walk(struct source *src, const char *tree_hex, tree_entry_fn fn, void *ctx)
{
	return walk_from(src, tree_hex, fn, ctx, NULL, NULL);
}

static int read_nothing(void *ctx, const struct tree_entry *e)
{
	(void)ctx;
	(void)e;
	return 0;
}

int source_tree_read(struct source *src, const char *tree_hex, size_t threads)
{
	struct tree_read t = {.git_dir = src->git_dir, .bad = SIZE_MAX};
	struct blob_job *jobs = NULL, *next;
	int r;

	if (threads > POOL_MAX_THREADS)
		threads = POOL_MAX_THREADS;
	if (threads < 2 || pthread_mutex_init(&t.lock, NULL) != 0)
		return source_tree_walk(src, tree_hex, read_nothing, NULL);
	if (pool_new(&t.pool, threads, read_blob_job, &t) < 0) {
		pthread_mutex_destroy(&t.lock);
		return source_tree_walk(src, tree_hex, read_nothing, NULL);
	}
	r = walk_from(src, tree_hex, NULL, NULL, &t, &jobs);
	pool_wait(t.pool);
	pool_free(t.pool);
	/* the first failure in the walk's order, as the walk one by one would meet it */
	if (t.bad != SIZE_MAX) {
		if (t.bad_unreadable) {
			src->read_failed = 1;
			forget_whole(src, 1);
		}
		r = ml_fail_override(t.bad_reason, "%s", t.bad_msg);
	}
	while (t.spares > 0)
		git_repository_free(t.spare[--t.spares]);
	pthread_mutex_destroy(&t.lock);
	for (; jobs != NULL; jobs = next) {
		next = jobs->next;
		free(jobs);
	}
	return r;
}

enum object_format source_object_format(const struct source *src)
{
	(void)src;
	return OBJECT_SHA1;
}

const char *source_git_dir(const struct source *src)
{
	return src->git_dir;
}

void source_unlock(struct source *src)
{
	if (src == NULL || src->lock_fd < 0)
		return;
	flock(src->lock_fd, LOCK_UN);
	close(src->lock_fd);
	src->lock_fd = -1;
}

void source_close(struct source *src)
{
	if (src == NULL)
		return;
	close_repo(src);
	source_unlock(src);
}

void source_free(struct source *src)
{
	if (src == NULL)
		return;
	source_close(src);
	free(src->url);
	free(src->safe_url);
	free(src->branch);
	free(src->dir);
	free(src->git_dir);
	forget_credentials(src);
	free(src->ca_file);
	free(src->recovery);
	whole_record_free(src->whole);
	if (src->git_initialized)
		git_libgit2_shutdown();
	free(src);
}
