/*
 * Fuzzes keyring merging: the input is several keyring inputs separated by
 * the line "--merge--"; an input that starts with "R:" may only restrict.
 * The merged keyring is finished, then checks a signature by the Unit Merge
 * key (tests/unit/pgp_certs.h), whose certificates, revocations and
 * re-exports the corpus combines, and looks up its subkey.
 */
#include "common/error.h"
#include "verify/pgp.h"
#include "verify/pgp_keyring.h"

#include "tests/unit/pgp_certs.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SEPARATOR "\n--merge--\n"
#define INPUTS_MAX 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgp_verify_opts opts = {
	    .now = CERT_T0 + 3000, .committer_time = CERT_T0 + 2000, .max_skew = 300};
	const size_t sep_len = sizeof(SEPARATOR) - 1;
	struct pgp_keyring *kr = NULL;
	struct ml_signer signer;
	size_t pos = 0, inputs = 0, w;
	char owner[41];

	if (pgp_keyring_new(&kr) != 0)
		return 0;
	ml_error_clear();
	while (pos <= size && inputs++ < INPUTS_MAX) {
		const uint8_t *end = memmem(data + pos, size - pos, SEPARATOR, sep_len);
		size_t len = end != NULL ? (size_t)(end - (data + pos)) : size - pos;

		if (len >= 2 && data[pos] == 'R' && data[pos + 1] == ':')
			(void)pgp_keyring_add_restrictions(kr, data + pos + 2, len - 2, "fuzz");
		else
			(void)pgp_keyring_add(kr, data + pos, len, "fuzz");
		if (end == NULL)
			break;
		pos += len + sep_len;
	}
	if (pgp_keyring_finish(kr) == 0) {
		for (w = 0; pgp_keyring_warning(kr, w) != NULL; w++)
			;
		(void)pgp_keyring_owner(kr, CERT_SUB_FPR, owner);
		(void)pgp_verify_detached(kr, CERT_SIG_S, strlen(CERT_SIG_S),
		                          (const uint8_t *)CERT_PAYLOAD, strlen(CERT_PAYLOAD),
		                          &opts, &signer);
	}
	pgp_keyring_free(kr);
	return 0;
}
