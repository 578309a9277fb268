/*
 * Who signed a verified object: what --json prints as "signer" and what the
 * audit record keeps. Filled only on successful verification; every string is
 * printable ASCII/UTF-8 without control characters and NUL-terminated.
 */
#ifndef MAINLINE_SIGNER_H
#define MAINLINE_SIGNER_H

#include <stdint.h>

enum signer_format {
	SIGNER_NONE = 0,
	SIGNER_SSH,
	SIGNER_OPENPGP,
};

struct ml_signer {
	enum signer_format format;
	char principal[256]; /* SSH principal, or OpenPGP primary user ID */
	char key[128];       /* "SHA256:<base64>" for SSH, 40 hex digits (upper case) for OpenPGP */
	char algorithm[48];  /* "ssh-ed25519", "rsa-sha2-512", "RSA-4096/SHA-512", ... */
	int64_t signed_at;   /* OpenPGP signature creation time; 0 for SSH (no timestamp) */
};

#endif
