/*
 * SSH signature parser and verifier. A parsed signature is verified twice:
 * with no allowed signers (policy and lookup paths) and with its own key
 * allowed (the crypto paths on whatever key and signature the input holds).
 */
#include "allowed_signers.h"
#include "buf.h"
#include "encoding.h"
#include "error.h"
#include "sshsig.h"

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void verify_with_own_key(const struct sshsig *sig)
{
	struct allowed_signers *as = NULL;
	struct ml_signer signer;
	const uint8_t *key;
	const char *type;
	struct buf text, b64;
	size_t key_len;

	key = sshsig_public_key(sig, &key_len);
	if (sshsig_check_public_key(key, key_len, &type) != 0)
		return;
	buf_init(&text, 1u << 20);
	buf_init(&b64, 1u << 20);
	if (base64_encode(key, key_len, &b64) == 0 &&
	    buf_printf(&text, "fuzz@example.org %s %s\n", type, buf_cstr(&b64)) == 0 &&
	    allowed_signers_parse(&as, buf_cstr(&text), text.len, "fuzz") == 0)
		sshsig_verify(as, NULL, sig, "git", (const uint8_t *)"payload", 7, 0, &signer);
	allowed_signers_free(as);
	buf_release(&text);
	buf_release(&b64);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sshsig_policy policy = {.require_user_presence = 1};
	struct sshsig *sig = NULL;
	struct ml_signer signer;

	ml_error_clear();
	if (sshsig_parse(&sig, (const char *)data, size) == 0) {
		sshsig_verify(NULL, &policy, sig, "git", data, size, 0, &signer);
		ml_error_clear();
		verify_with_own_key(sig);
	}
	sshsig_free(sig);
	ml_error_clear();
	return 0;
}
