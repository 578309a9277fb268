/*
 * Certificates made with gpg 2.2 (public data) for the keyring-merging tests:
 * one Ed25519 key "Unit Merge" created at T0 with --faked-system-time, as
 * exported at each step of its life, its revocations and three signatures.
 *   a0       the key as generated (no expiration)
 *   a1       after --quick-add-key at T0+200: a signing subkey
 *   a2       after --quick-set-expire seconds=500 at T0+400 (expires T0+900)
 *   a2sha1   the same, made with --cert-digest-algo SHA1
 *   a3       a2 after the subkey was revoked at T0+700
 *   a4       a2 after --quick-set-expire never at T0+800
 *   a4sha1   the same, made with --cert-digest-algo SHA1
 *   rev      --gen-revoke at T0+600; rev_sha1 the same with SHA-1
 *   sig_p    by the primary at T0+100; sig_s by the subkey at T0+300;
 *   sig_late by the primary at T0+1000 (after a2 expires it)
 */
#ifndef MAINLINE_TEST_PGP_CERTS_H
#define MAINLINE_TEST_PGP_CERTS_H

#define CERT_T0 1700000000
#define CERT_FPR "16263C8BAFBCECBFA74825E74B123175A0B44BB3"
#define CERT_SUB_FPR "30042953F62B8EDA3AC26054A0AE7F1445301EFF"
#define CERT_PAYLOAD "tree 4b825dc642cb6eb9a060e54bf8d69288fbef4904\n\nmerge\n"

static const char CERT_A0[] = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"
                              "\n"
                              "mDMEZVPxABYJKwYBBAHaRw8BAQdASPyT5aOrgbqwd4VtU+mJlaQ6SPvBBy99vbDR\n"
                              "RnS0TGW0HlVuaXQgTWVyZ2UgPG1lcmdlQGV4YW1wbGUub3JnPoiQBBMWCAA4FiEE\n"
                              "FiY8i6+87L+nSCXnSxIxdaC0S7MFAmVT8QACGwMFCwkIBwIGFQoJCAsCBBYCAwEC\n"
                              "HgECF4AACgkQSxIxdaC0S7M4kgEA4dlfUqZ6dm9tZGIgBNpPBf2eauGSfnP+sxwy\n"
                              "TpAAiHUA+gMY9dT/me2u5KtpRTH9v+LX3tHxAl1qU9GOKyC29S8L\n"
                              "=0VF5\n"
                              "-----END PGP PUBLIC KEY BLOCK-----\n";

static const char CERT_A1[] = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"
                              "\n"
                              "mDMEZVPxABYJKwYBBAHaRw8BAQdASPyT5aOrgbqwd4VtU+mJlaQ6SPvBBy99vbDR\n"
                              "RnS0TGW0HlVuaXQgTWVyZ2UgPG1lcmdlQGV4YW1wbGUub3JnPoiQBBMWCAA4FiEE\n"
                              "FiY8i6+87L+nSCXnSxIxdaC0S7MFAmVT8QACGwMFCwkIBwIGFQoJCAsCBBYCAwEC\n"
                              "HgECF4AACgkQSxIxdaC0S7M4kgEA4dlfUqZ6dm9tZGIgBNpPBf2eauGSfnP+sxwy\n"
                              "TpAAiHUA+gMY9dT/me2u5KtpRTH9v+LX3tHxAl1qU9GOKyC29S8LuDMEZVPxyBYJ\n"
                              "KwYBBAHaRw8BAQdAWlqq+EnDShjQj5Ygezo6mYpM6qjai4wFzNR8eagg0j2I7wQY\n"
                              "FggAIBYhBBYmPIuvvOy/p0gl50sSMXWgtEuzBQJlU/HIAhsCAIEJEEsSMXWgtEuz\n"
                              "diAEGRYIAB0WIQQwBClT9iuO2jrCYFSgrn8URTAe/wUCZVPxyAAKCRCgrn8URTAe\n"
                              "/7caAP0YQOLD9Y9iveWx2UL1vBpUemTj0wfVv5K2+oKVC57LdwEAoJuW5ET8ft9f\n"
                              "uY2RKtgpkI2kl/S2WZNNF49ZZ34qwg9JLwD+JNpKMi7WEB6hsnLD+iUm76PmlWYK\n"
                              "ikCf6F/C3xTisE0A/2X76PZQ2sM+fDJc6hzA3SV6FQnXIXK1btqStrXBgpsP\n"
                              "=BMGY\n"
                              "-----END PGP PUBLIC KEY BLOCK-----\n";

static const char CERT_A2[] = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"
                              "\n"
                              "mDMEZVPxABYJKwYBBAHaRw8BAQdASPyT5aOrgbqwd4VtU+mJlaQ6SPvBBy99vbDR\n"
                              "RnS0TGW0HlVuaXQgTWVyZ2UgPG1lcmdlQGV4YW1wbGUub3JnPoiWBBMWCAA+AhsD\n"
                              "BQsJCAcCBhUKCQgLAgQWAgMBAh4BAheAFiEEFiY8i6+87L+nSCXnSxIxdaC0S7MF\n"
                              "AmVT8pAFCQAAA4QACgkQSxIxdaC0S7NoWQD/Q0TQJ2tAF6deM9ri4DCIGHsGmrWl\n"
                              "K4dd8K/rgy5WhbgA/iJIFtsZLNn5boa3ADVPpodG3pMRZZsXpJp6dHmThGwHuDME\n"
                              "ZVPxyBYJKwYBBAHaRw8BAQdAWlqq+EnDShjQj5Ygezo6mYpM6qjai4wFzNR8eagg\n"
                              "0j2I7wQYFggAIBYhBBYmPIuvvOy/p0gl50sSMXWgtEuzBQJlU/HIAhsCAIEJEEsS\n"
                              "MXWgtEuzdiAEGRYIAB0WIQQwBClT9iuO2jrCYFSgrn8URTAe/wUCZVPxyAAKCRCg\n"
                              "rn8URTAe/7caAP0YQOLD9Y9iveWx2UL1vBpUemTj0wfVv5K2+oKVC57LdwEAoJuW\n"
                              "5ET8ft9fuY2RKtgpkI2kl/S2WZNNF49ZZ34qwg9JLwD+JNpKMi7WEB6hsnLD+iUm\n"
                              "76PmlWYKikCf6F/C3xTisE0A/2X76PZQ2sM+fDJc6hzA3SV6FQnXIXK1btqStrXB\n"
                              "gpsP\n"
                              "=njdB\n"
                              "-----END PGP PUBLIC KEY BLOCK-----\n";

static const char CERT_A2SHA1[] =
    "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"
    "\n"
    "mDMEZVPxABYJKwYBBAHaRw8BAQdASPyT5aOrgbqwd4VtU+mJlaQ6SPvBBy99vbDR\n"
    "RnS0TGW0HlVuaXQgTWVyZ2UgPG1lcmdlQGV4YW1wbGUub3JnPoiWBBMWAgA+AhsD\n"
    "BQsJCAcCBhUKCQgLAgQWAgMBAh4BAheAFiEEFiY8i6+87L+nSCXnSxIxdaC0S7MF\n"
    "AmVT8pAFCQAAA4QACgkQSxIxdaC0S7MgzAD/UmrZvIngLZTcdLy+NgNtx0FdVTpt\n"
    "GdJbv8Z6pK0gQhsBANdGpYFcnF41hct1VupupV7iwFgOR4nB3jYQNTdBH38GuDME\n"
    "ZVPxyBYJKwYBBAHaRw8BAQdAWlqq+EnDShjQj5Ygezo6mYpM6qjai4wFzNR8eagg\n"
    "0j2I7wQYFggAIBYhBBYmPIuvvOy/p0gl50sSMXWgtEuzBQJlU/HIAhsCAIEJEEsS\n"
    "MXWgtEuzdiAEGRYIAB0WIQQwBClT9iuO2jrCYFSgrn8URTAe/wUCZVPxyAAKCRCg\n"
    "rn8URTAe/7caAP0YQOLD9Y9iveWx2UL1vBpUemTj0wfVv5K2+oKVC57LdwEAoJuW\n"
    "5ET8ft9fuY2RKtgpkI2kl/S2WZNNF49ZZ34qwg9JLwD+JNpKMi7WEB6hsnLD+iUm\n"
    "76PmlWYKikCf6F/C3xTisE0A/2X76PZQ2sM+fDJc6hzA3SV6FQnXIXK1btqStrXB\n"
    "gpsP\n"
    "=J8z/\n"
    "-----END PGP PUBLIC KEY BLOCK-----\n";

static const char CERT_A3[] = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"
                              "\n"
                              "mDMEZVPxABYJKwYBBAHaRw8BAQdASPyT5aOrgbqwd4VtU+mJlaQ6SPvBBy99vbDR\n"
                              "RnS0TGW0HlVuaXQgTWVyZ2UgPG1lcmdlQGV4YW1wbGUub3JnPoiWBBMWCAA+AhsD\n"
                              "BQsJCAcCBhUKCQgLAgQWAgMBAh4BAheAFiEEFiY8i6+87L+nSCXnSxIxdaC0S7MF\n"
                              "AmVT8pAFCQAAA4QACgkQSxIxdaC0S7NoWQD/Q0TQJ2tAF6deM9ri4DCIGHsGmrWl\n"
                              "K4dd8K/rgy5WhbgA/iJIFtsZLNn5boa3ADVPpodG3pMRZZsXpJp6dHmThGwHuDME\n"
                              "ZVPxyBYJKwYBBAHaRw8BAQdAWlqq+EnDShjQj5Ygezo6mYpM6qjai4wFzNR8eagg\n"
                              "0j2IeAQoFggAIBYhBBYmPIuvvOy/p0gl50sSMXWgtEuzBQJlU/O8Ah0AAAoJEEsS\n"
                              "MXWgtEuzsnQBAICsJCby8FdC9cgL6Tv30ETq9ut4ylBlDgQZk8EtLElVAQDIuJDQ\n"
                              "5kOGT++2mSY4FwM50VPHr3wof2VUGVsn/VZLAIjvBBgWCAAgFiEEFiY8i6+87L+n\n"
                              "SCXnSxIxdaC0S7MFAmVT8cgCGwIAgQkQSxIxdaC0S7N2IAQZFggAHRYhBDAEKVP2\n"
                              "K47aOsJgVKCufxRFMB7/BQJlU/HIAAoJEKCufxRFMB7/txoA/RhA4sP1j2K95bHZ\n"
                              "QvW8GlR6ZOPTB9W/krb6gpULnst3AQCgm5bkRPx+31+5jZEq2CmQjaSX9LZZk00X\n"
                              "j1lnfirCD0kvAP4k2koyLtYQHqGycsP6JSbvo+aVZgqKQJ/oX8LfFOKwTQD/Zfvo\n"
                              "9lDawz58MlzqHMDdJXoVCdchcrVu2pK2tcGCmw8=\n"
                              "=EW9z\n"
                              "-----END PGP PUBLIC KEY BLOCK-----\n";

static const char CERT_A4[] = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"
                              "\n"
                              "mDMEZVPxABYJKwYBBAHaRw8BAQdASPyT5aOrgbqwd4VtU+mJlaQ6SPvBBy99vbDR\n"
                              "RnS0TGW0HlVuaXQgTWVyZ2UgPG1lcmdlQGV4YW1wbGUub3JnPoiQBBMWCAA4AhsD\n"
                              "BQsJCAcCBhUKCQgLAgQWAgMBAh4BAheAFiEEFiY8i6+87L+nSCXnSxIxdaC0S7MF\n"
                              "AmVT9CAACgkQSxIxdaC0S7Nd+wEAw0qqIyg52D+taV9KVQkgqvUtBBlJKi47p/4f\n"
                              "+IubvcEBAMKc+nZ74GZtvKYwNjaLuhKI8CoWmk/7RvtGceMCznsLuDMEZVPxyBYJ\n"
                              "KwYBBAHaRw8BAQdAWlqq+EnDShjQj5Ygezo6mYpM6qjai4wFzNR8eagg0j2I7wQY\n"
                              "FggAIBYhBBYmPIuvvOy/p0gl50sSMXWgtEuzBQJlU/HIAhsCAIEJEEsSMXWgtEuz\n"
                              "diAEGRYIAB0WIQQwBClT9iuO2jrCYFSgrn8URTAe/wUCZVPxyAAKCRCgrn8URTAe\n"
                              "/7caAP0YQOLD9Y9iveWx2UL1vBpUemTj0wfVv5K2+oKVC57LdwEAoJuW5ET8ft9f\n"
                              "uY2RKtgpkI2kl/S2WZNNF49ZZ34qwg9JLwD+JNpKMi7WEB6hsnLD+iUm76PmlWYK\n"
                              "ikCf6F/C3xTisE0A/2X76PZQ2sM+fDJc6hzA3SV6FQnXIXK1btqStrXBgpsP\n"
                              "=gf4/\n"
                              "-----END PGP PUBLIC KEY BLOCK-----\n";

static const char CERT_A4SHA1[] =
    "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"
    "\n"
    "mDMEZVPxABYJKwYBBAHaRw8BAQdASPyT5aOrgbqwd4VtU+mJlaQ6SPvBBy99vbDR\n"
    "RnS0TGW0HlVuaXQgTWVyZ2UgPG1lcmdlQGV4YW1wbGUub3JnPoiQBBMWAgA4AhsD\n"
    "BQsJCAcCBhUKCQgLAgQWAgMBAh4BAheAFiEEFiY8i6+87L+nSCXnSxIxdaC0S7MF\n"
    "AmVT9CAACgkQSxIxdaC0S7OUMgD+PbzN8lg95EufDYCERLGxvFqys7s9BWqWGtNV\n"
    "92yUzwwA/0qBS+9/z38nTrBAvLbWtLAe3Ff2cWYdl6uteQwzsucDuDMEZVPxyBYJ\n"
    "KwYBBAHaRw8BAQdAWlqq+EnDShjQj5Ygezo6mYpM6qjai4wFzNR8eagg0j2I7wQY\n"
    "FggAIBYhBBYmPIuvvOy/p0gl50sSMXWgtEuzBQJlU/HIAhsCAIEJEEsSMXWgtEuz\n"
    "diAEGRYIAB0WIQQwBClT9iuO2jrCYFSgrn8URTAe/wUCZVPxyAAKCRCgrn8URTAe\n"
    "/7caAP0YQOLD9Y9iveWx2UL1vBpUemTj0wfVv5K2+oKVC57LdwEAoJuW5ET8ft9f\n"
    "uY2RKtgpkI2kl/S2WZNNF49ZZ34qwg9JLwD+JNpKMi7WEB6hsnLD+iUm76PmlWYK\n"
    "ikCf6F/C3xTisE0A/2X76PZQ2sM+fDJc6hzA3SV6FQnXIXK1btqStrXBgpsP\n"
    "=R5r2\n"
    "-----END PGP PUBLIC KEY BLOCK-----\n";

static const char CERT_REV[] = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"
                               "Comment: This is a revocation certificate\n"
                               "\n"
                               "iHgEIBYIACAWIQQWJjyLr7zsv6dIJedLEjF1oLRLswUCZVPzWAIdAAAKCRBLEjF1\n"
                               "oLRLs1tjAP4giNTv43paZDi31lrhYYIbMP9QZnW55PnHC7SvPCcWhwEArthBQ9GF\n"
                               "xb0sxM1hQIS3xrokI1YTyDZCM+JJKJH6TgA=\n"
                               "=VqIC\n"
                               "-----END PGP PUBLIC KEY BLOCK-----\n";

static const char CERT_REV_SHA1[] =
    "-----BEGIN PGP PUBLIC KEY BLOCK-----\n"
    "Comment: This is a revocation certificate\n"
    "\n"
    "iHgEIBYCACAWIQQWJjyLr7zsv6dIJedLEjF1oLRLswUCZVPzWAIdAAAKCRBLEjF1\n"
    "oLRLs4LXAQC63rXxj81lfbUGZTC8o4zHZ0nn94kCESZs/vwl9nJuNgD/diEHagLK\n"
    "wJMljoE7ZFAqv9gzVkIfYHuM5LUem0AOsg0=\n"
    "=VVbe\n"
    "-----END PGP PUBLIC KEY BLOCK-----\n";

static const char CERT_SIG_P[] =
    "-----BEGIN PGP SIGNATURE-----\n"
    "\n"
    "iHUEABYIAB0WIQQWJjyLr7zsv6dIJedLEjF1oLRLswUCZVPxZAAKCRBLEjF1oLRL\n"
    "s46QAP9Pq9ucZ99nXCVsp8OP/enpSpJAf+Kzqb+vmgziDtwvTQD+JVXbedGQZAqZ\n"
    "E1UmoCHtthJMs2SqUA4hr9VVjMagqgU=\n"
    "=JXWN\n"
    "-----END PGP SIGNATURE-----\n";

static const char CERT_SIG_S[] =
    "-----BEGIN PGP SIGNATURE-----\n"
    "\n"
    "iHUEABYIAB0WIQQwBClT9iuO2jrCYFSgrn8URTAe/wUCZVPyLAAKCRCgrn8URTAe\n"
    "/xL3AP9QY/PWwqjymCWfoqIptIM/aKtxr1NTcJItwBS1lGsSyAD/XtWYI8fezri5\n"
    "YgGQhFjoP4KbCF+dwKurSF7uGMC4mgk=\n"
    "=rk/D\n"
    "-----END PGP SIGNATURE-----\n";

static const char CERT_SIG_LATE[] =
    "-----BEGIN PGP SIGNATURE-----\n"
    "\n"
    "iHUEABYIAB0WIQQWJjyLr7zsv6dIJedLEjF1oLRLswUCZVP06AAKCRBLEjF1oLRL\n"
    "sxP4AQDmqBJCri/LlZBJBri92iqhu9eNQlB+eHWtY/HyudMpmQD+MaDxeC4V60y+\n"
    "tQ/wWRikxryzmx4sI3VCTXKBwdc0gAs=\n"
    "=Xtaj\n"
    "-----END PGP SIGNATURE-----\n";

#endif
