/*
 * SSH signature parser and verifier. Input starting with '-' is armored text
 * as is; anything else is a raw SSHSIG blob that gets armored first, so the
 * fuzzer can reach the binary parsers without fighting base64. A parsed signature is verified twice:
 * with no allowed signers (policy and lookup paths) and with its own key
 * allowed (the crypto paths on whatever key and signature the input holds).
 */
#include "common/buf.h"
#include "common/encoding.h"
#include "common/error.h"
#include "verify/allowed_signers.h"
#include "verify/sshkey.h"
#include "verify/sshsig.h"

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
	if (sshkey_check_public_key(key, key_len, &type) != 0)
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

/* Armors a raw blob the way ssh-keygen does (70-column base64 lines). */
static int armor(const uint8_t *data, size_t size, struct buf *out)
{
	struct buf b64;
	size_t i;
	int r = -1;

	buf_init(&b64, 1u << 20);
	if (base64_encode(data, size, &b64) < 0 ||
	    buf_append_str(out, "-----BEGIN SSH SIGNATURE-----\n") < 0)
		goto out;
	for (i = 0; i < b64.len; i += 70)
		if (buf_append(out, b64.data + i, b64.len - i < 70 ? b64.len - i : 70) < 0 ||
		    buf_append_str(out, "\n") < 0)
			goto out;
	r = buf_append_str(out, "-----END SSH SIGNATURE-----\n");
out:
	buf_release(&b64);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sshsig_policy policy = {.require_user_presence = 1};
	struct sshsig *sig = NULL;
	struct ml_signer signer;
	struct buf armored;

	ml_error_clear();
	buf_init(&armored, 1u << 20);
	if (size > 0 && data[0] != '-') {
		if (armor(data, size, &armored) < 0)
			goto out;
		data = armored.data;
		size = armored.len;
	}
	if (sshsig_parse(&sig, (const char *)data, size) == 0) {
		sshsig_verify(NULL, &policy, sig, "git", data, size, 0, &signer);
		ml_error_clear();
		verify_with_own_key(sig);
	}
out:
	sshsig_free(sig);
	buf_release(&armored);
	ml_error_clear();
	return 0;
}
