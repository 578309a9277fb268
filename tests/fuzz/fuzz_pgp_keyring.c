/* Fuzzes the OpenPGP keyring loader: armor, packets, keys, self-signatures, evaluation. */
#include "verify/pgp_keyring.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgp_keyring *kr = NULL;

	if (pgp_keyring_new(&kr) != 0)
		return 0;
	(void)pgp_keyring_add(kr, data, size, "fuzz");
	(void)pgp_keyring_add_restrictions(kr, data, size, "fuzz-again");
	(void)pgp_keyring_finish(kr);
	pgp_keyring_free(kr);
	return 0;
}
