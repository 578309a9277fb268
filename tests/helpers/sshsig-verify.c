/*
 * sshsig-verify ALLOWED_SIGNERS SIGFILE MSGFILE [UNIXTIME] [--require-user-presence]
 *               [--now UNIXTIME]
 *
 * Verifies an armored SSH signature over MSGFILE for namespace "git" and
 * prints the reason name (and on success the principal, key fingerprint and
 * algorithm). UNIXTIME (the committer time) defaults to now; --now sets the
 * clock it may not lie ahead of by more than 300 s (default: the real clock).
 * Exit 0 verified, 1 refused, 2 usage, configuration or I/O error.
 */
#include "common/buf.h"
#include "common/error.h"
#include "verify/allowed_signers.h"
#include "verify/sshsig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int parse_time(const char *s, int64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s) {
		fprintf(stderr, "invalid time '%s'\n", s);
		return -1;
	}
	return 0;
}

static int read_file(struct buf *b, const char *path, size_t max)
{
	buf_init(b, max);
	if (buf_read_file(b, path) < 0) {
		fprintf(stderr, "cannot read '%s': %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sshsig_policy policy = {.now = (int64_t)time(NULL), .max_skew = 300};
	struct allowed_signers *as = NULL;
	struct buf signers, sig, msg;
	struct ml_signer signer;
	int64_t when = (int64_t)time(NULL);
	int i, nargs = 0, r, code = 2;
	const char *args[4] = {NULL};

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--require-user-presence") == 0)
			policy.require_user_presence = 1;
		else if (strcmp(argv[i], "--now") == 0 && i + 1 < argc) {
			if (parse_time(argv[++i], &policy.now) < 0)
				return 2;
		} else if (nargs < 4)
			args[nargs++] = argv[i];
		else
			nargs = 5;
	}
	if (nargs < 3 || nargs > 4) {
		fprintf(stderr, "usage: sshsig-verify ALLOWED_SIGNERS SIGFILE MSGFILE [UNIXTIME] "
		                "[--require-user-presence] [--now UNIXTIME]\n");
		return 2;
	}
	if (nargs == 4 && parse_time(args[3], &when) < 0)
		return 2;
	buf_init(&signers, 0);
	buf_init(&sig, 0);
	buf_init(&msg, 0);
	if (read_file(&signers, args[0], 1u << 20) < 0 ||
	    read_file(&sig, args[1], SSHSIG_MAX_ARMORED + 1) < 0 ||
	    read_file(&msg, args[2], 64u << 20) < 0)
		goto out;
	r = allowed_signers_parse(&as, (const char *)signers.data, signers.len, args[0]);
	if (r == 0)
		r = sshsig_verify_git(as, &policy, (const char *)sig.data, sig.len, msg.data,
		                      msg.len, when, &signer);
	if (r == 0) {
		printf("ok %s %s %s\n", signer.principal, signer.key, signer.algorithm);
		code = 0;
	} else {
		printf("%s\n", ml_reason_name(r));
		fprintf(stderr, "%s\n", ml_error_message());
		code = ml_reason_is_refusal(r) ? 1 : 2;
	}
out:
	allowed_signers_free(as);
	buf_release(&signers);
	buf_release(&sig);
	buf_release(&msg);
	return code;
}
