/*
 * pgp-verify [-r] KEYRING... -- SIGFILE PAYLOADFILE COMMITTER_TIME [NOW]
 * Verifies an armored detached OpenPGP signature over a payload file and
 * prints the reason name (and on success the signer). A keyring after -r is
 * added as an input that may only restrict. Warnings of the keyring go to
 * stderr as "warning: ...". Exit 0 verified, 1 refused, 2 usage or I/O
 * error. NOW defaults to the current time; the tolerated clock skew is 300
 * seconds.
 */
#include "common/buf.h"
#include "common/error.h"
#include "verify/pgp.h"
#include "verify/pgp_keyring.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FILE_MAX (16u << 20)

static int parse_time(const char *s, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static int usage(void)
{
	fprintf(stderr,
	        "usage: pgp-verify [-r] KEYRING... -- SIGFILE PAYLOADFILE COMMITTER_TIME [NOW]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct pgp_verify_opts opts = {.now = time(NULL), .max_skew = 300};
	struct pgp_keyring *kr = NULL;
	struct ml_signer signer;
	struct buf file, sig, payload;
	const char *warning;
	int i, sep = -1, ret = 2, r, restricts = 0;
	size_t w;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			sep = i;
			break;
		}
	if (sep < 2 || (argc - sep - 1 != 3 && argc - sep - 1 != 4))
		return usage();
	if (parse_time(argv[sep + 3], &opts.committer_time) < 0 ||
	    (argc - sep - 1 == 4 && parse_time(argv[sep + 4], &opts.now) < 0))
		return usage();
	buf_init(&file, FILE_MAX);
	buf_init(&sig, FILE_MAX);
	buf_init(&payload, FILE_MAX);
	if (pgp_keyring_new(&kr) != 0)
		goto out;
	for (i = 1; i < sep; i++) {
		if (strcmp(argv[i], "-r") == 0) {
			restricts = 1;
			continue;
		}
		buf_reset(&file);
		if (buf_read_file(&file, argv[i]) < 0) {
			fprintf(stderr, "error: cannot read keyring '%s'\n", argv[i]);
			goto out;
		}
		r = restricts ? pgp_keyring_add_restrictions(kr, file.data, file.len, argv[i])
		              : pgp_keyring_add(kr, file.data, file.len, argv[i]);
		restricts = 0;
		if (r != 0)
			goto keyring_error;
	}
	if (pgp_keyring_finish(kr) != 0)
		goto keyring_error;
	for (w = 0; (warning = pgp_keyring_warning(kr, w)) != NULL; w++)
		fprintf(stderr, "warning: %s\n", warning);
	if (buf_read_file(&sig, argv[sep + 1]) < 0 || buf_read_file(&payload, argv[sep + 2]) < 0) {
		fprintf(stderr, "error: cannot read signature or payload\n");
		goto out;
	}
	r = pgp_verify_detached(kr, (const char *)sig.data, sig.len, payload.data, payload.len,
	                        &opts, &signer);
	printf("%s\n", ml_reason_name(r));
	if (r == 0) {
		printf("principal %s\nkey %s\nalgorithm %s\nsigned_at %" PRId64 "\n",
		       signer.principal, signer.key, signer.algorithm, signer.signed_at);
		ret = 0;
	} else {
		fprintf(stderr, "error: %s\n", ml_error_message());
		ret = ml_reason_is_refusal(r) ? 1 : 2;
	}
	goto out;
keyring_error:
	printf("%s\n", ml_reason_name(ml_error_reason()));
	fprintf(stderr, "error: %s\n", ml_error_message());
out:
	pgp_keyring_free(kr);
	buf_release(&file);
	buf_release(&sig);
	buf_release(&payload);
	return ret;
}
