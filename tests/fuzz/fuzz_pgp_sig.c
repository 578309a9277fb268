/*
 * Fuzzes OpenPGP signature verification against a fixed Ed25519 key. The
 * first byte chooses the input form: even, the rest is armored text; odd, the
 * rest is binary packets that the harness armors (so mutations reach the
 * packet and subpacket parsers directly).
 */
#include "common/buf.h"
#include "common/encoding.h"
#include "common/error.h"
#include "verify/pgp.h"
#include "verify/pgp_keyring.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char KEY_ASC[] = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"
                              "\n"
                              "mDMEawWCwRYJKwYBBAHaRw8BAQdAibTxDLeZdF2f78KLvH/WCaJoKFYN793MUNua\n"
                              "/dpnb8K0HFVuaXQgVGVzdCA8dW5pdEBleGFtcGxlLm9yZz6IkAQTFggAOBYhBHnU\n"
                              "IN5+FPpF31nIc6xNbW2q2Xu3BQJrBYLBAhsDBQsJCAcCBhUKCQgLAgQWAgMBAh4B\n"
                              "AheAAAoJEKxNbW2q2Xu3kv8BAPYJmAXk5PqX0FzuD164V8Sq8L1BL3XrUZ5afZ9R\n"
                              "TBB2AQD4Kvkclwbt01H3nJC1tc+PjzqIaS5QHGJaQuPFDjQUBg==\n"
                              "=VsRK\n"
                              "-----END PGP PUBLIC KEY BLOCK-----\n";
static const char PAYLOAD[] = "tree 4b825dc642cb6eb9a060e54bf8d69288fbef4904\n\nunit\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pgp_keyring *kr;
	struct pgp_verify_opts opts = {
	    .now = 1795523365, .committer_time = 1795523275, .max_skew = 300};
	struct ml_signer signer;
	struct buf text;

	if (kr == NULL &&
	    (pgp_keyring_new(&kr) != 0 ||
	     pgp_keyring_add(kr, (const uint8_t *)KEY_ASC, sizeof(KEY_ASC) - 1, "fuzz") != 0 ||
	     pgp_keyring_finish(kr) != 0))
		return 0;
	if (size == 0)
		return 0;
	buf_init(&text, 1 << 17);
	if ((data[0] & 1) == 0) {
		(void)buf_append(&text, data + 1, size - 1);
	} else if (buf_append_str(&text, "-----BEGIN PGP SIGNATURE-----\n\n") < 0 ||
	           base64_encode(data + 1, size - 1, &text) < 0 ||
	           buf_append_str(&text, "\n-----END PGP SIGNATURE-----\n") < 0) {
		buf_release(&text);
		return 0;
	}
	ml_error_clear();
	(void)pgp_verify_detached(kr, (const char *)text.data, text.len, (const uint8_t *)PAYLOAD,
	                          sizeof(PAYLOAD) - 1, &opts, &signer);
	buf_release(&text);
	return 0;
}
