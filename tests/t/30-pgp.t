#!/bin/sh
# OpenPGP detached signatures made by real gpg keys, and GitHub's web-flow
# signatures from the real-world bundle, through tests/helpers/pgp-verify.
. "$(dirname "$0")/lib.sh"
t_need gpg git awk
V="$BUILD/tests/helpers/pgp-verify"
mkdir -m 700 -p "$GNUPGHOME"
cd "$T_TMP" || exit 2

G() { gpg --batch --quiet --yes --passphrase '' --pinentry-mode loopback "$@" 2>/dev/null; }
fpr_of() { gpg --with-colons --list-keys "$1" 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }'; }
gen() { # NAME ALGO [USAGE [EXPIRE]]
	G --quick-gen-key "$1 <$1@example.org>" "$2" "${3:-sign}" "${4:-never}"
	fpr_of "$1@example.org"
}
sign() { # FPR OUT [extra gpg options]
	k=$1 o=$2
	shift 2
	G "$@" -u "$k!" --armor --detach-sign -o "$o" payload
}
verdict() { "$V" "$@" 2>/dev/null | head -1; }

NOW=$(date +%s)
printf 'tree 4b825dc642cb6eb9a060e54bf8d69288fbef4904\nauthor A <a@example.org> %s +0000\ncommitter A <a@example.org> %s +0000\n\nsigned commit\n' \
	"$NOW" "$NOW" >payload
printf 'tree 4b825dc642cb6eb9a060e54bf8d69288fbef4904\nauthor A <a@example.org> %s +0000\ncommitter A <a@example.org> %s +0000\n\nsigned commit!\n' \
	"$NOW" "$NOW" >edited
printf '%s' "$(cat payload)" >payload-nonl
CT=$((NOW + 60))

for spec in rsa:rsa3072 ed:ed25519 p256:nistp256 p384:nistp384; do
	name=${spec%%:*} algo=${spec#*:}
	fpr=$(gen "$name" "$algo")
	G --export "$fpr" >"$name.pub"
	G --armor --export "$fpr" >"$name.asc"
	sign "$fpr" "$name.sig"
	t_ok "$algo: signature verifies (binary keyring)" "$V" "$name.pub" -- "$name.sig" payload "$CT"
	t_is "$algo: signer is the primary key and user ID" \
		"$("$V" "$name.asc" -- "$name.sig" payload "$CT" | sed -n '2,3p' | tr '\n' ' ')" \
		"principal $name <$name@example.org> key $fpr "
	t_ok "$algo: gpg agrees" gpg --verify "$name.sig" payload
	t_is "$algo: edited payload refused" "$(verdict "$name.asc" -- "$name.sig" edited "$CT")" \
		bad_signature
	t_is "$algo: payload without final newline refused" \
		"$(verdict "$name.asc" -- "$name.sig" payload-nonl "$CT")" bad_signature
	t_fails "$algo: gpg refuses the edited payload too" gpg --verify "$name.sig" edited
done
t_like "algorithm names the key size and hash" \
	"$("$V" rsa.asc -- rsa.sig payload "$CT" | sed -n 4p)" '^algorithm RSA-3072/SHA-(256|512)$'
t_like "ECDSA algorithm names its curve" \
	"$("$V" p384.asc -- p384.sig payload "$CT" | sed -n 4p)" '^algorithm ECDSA-P384/SHA-'

t_exit "exit code 1 for a refusal" 1 "$V" ed.asc -- ed.sig edited "$CT"
t_is "key of another signer: unknown_key" "$(verdict ed.asc -- rsa.sig payload "$CT")" unknown_key
t_ok "several keyrings combine" "$V" ed.asc rsa.pub -- rsa.sig payload "$CT"
cat ed.asc p256.asc >two.asc
t_ok "concatenated armored keys both load (first)" "$V" two.asc -- ed.sig payload "$CT"
t_ok "concatenated armored keys both load (second)" "$V" two.asc -- p256.sig payload "$CT"
sed '$d' ed.asc >noend.asc
t_is "armor without end line: config_error" "$(verdict noend.asc -- ed.sig payload "$CT")" \
	config_error
t_exit "exit code 2 for an unusable keyring" 2 "$V" noend.asc -- ed.sig payload "$CT"

# Text-mode signatures (type 0x01): gpg hashes line ends as CRLF.
sign "$(fpr_of ed@example.org)" text.sig --textmode
t_ok "text signature verifies" "$V" ed.asc -- text.sig payload "$CT"
sed 's/$/\r/' payload >payload-crlf
t_ok "text signature also covers the CRLF form" "$V" ed.asc -- text.sig payload-crlf "$CT"
t_ok "gpg agrees on the CRLF form" gpg --verify text.sig payload-crlf
t_is "text signature over edited payload refused" "$(verdict ed.asc -- text.sig edited "$CT")" \
	bad_signature
t_fails "binary signature does not cover the CRLF form" "$V" ed.asc -- ed.sig payload-crlf "$CT"

# A signing subkey under a certification-only primary key.
sub_primary=$(gen sub ed25519 cert)
G --quick-add-key "$sub_primary" ed25519 sign never
G --armor --export "$sub_primary" >sub.asc
G -u "sub@example.org" --armor --detach-sign -o sub.sig payload
t_ok "signing subkey verifies" "$V" sub.asc -- sub.sig payload "$CT"
t_like "signing subkey reports the primary fingerprint" \
	"$("$V" sub.asc -- sub.sig payload "$CT" | sed -n 3p)" "^key $sub_primary\$"

# SHA-1 is refused before any cryptography.
sign "$(fpr_of rsa@example.org)" sha1.sig --digest-algo SHA1
t_is "SHA-1 signature: weak_algorithm" "$(verdict rsa.asc -- sha1.sig payload "$CT")" \
	weak_algorithm
sign "$(fpr_of rsa@example.org)" sha512.sig --digest-algo SHA512
t_like "SHA-512 signature verifies" "$("$V" rsa.asc -- sha512.sig payload "$CT" | sed -n 4p)" \
	'RSA-3072/SHA-512'

# Times are the signer's: in the future, or after the committer time, refused.
sign "$(fpr_of ed@example.org)" future.sig --faked-system-time "$((NOW + 86400))!"
t_is "signature dated a day ahead: bad_time" \
	"$(verdict ed.asc -- future.sig payload "$((NOW + 90000))" "$NOW")" bad_time
t_is "signature dated after the committer time: bad_time" \
	"$(verdict ed.asc -- ed.sig payload "$((NOW - 3600))")" bad_time
t_ok "signature within the allowed skew of the committer time" \
	"$V" ed.asc -- ed.sig payload "$((NOW - 100))"

# Expiry is judged at the signature's creation time, with the key as exported.
T0=1577836800 # 2020-01-01
old=$(G --faked-system-time "$T0!" --quick-gen-key 'old <old@example.org>' ed25519 sign 1y &&
	fpr_of old@example.org)
G --armor --export "$old" >old-1y.asc
sign "$old" old-early.sig --faked-system-time "$((T0 + 86400 * 30))!"
t_ok "expired key: signature made before expiry verifies" \
	"$V" old-1y.asc -- old-early.sig payload "$((T0 + 86400 * 31))"
G --faked-system-time "$((T0 + 86400 * 30))!" --quick-set-expire "$old" 5y
sign "$old" old-late.sig --faked-system-time "$((T0 + 86400 * 500))!"
t_is "expired key: signature made after expiry refused" \
	"$(verdict old-1y.asc -- old-late.sig payload "$((T0 + 86400 * 501))")" key_expired
G --armor --export "$old" >old-5y.asc
t_ok "extended key: the same signature verifies" \
	"$V" old-5y.asc -- old-late.sig payload "$((T0 + 86400 * 501))"

# Revocation refuses the key whatever the time.
rev=$(gen revoked ed25519)
G --armor --export "$rev" >revoked-before.asc
sign "$rev" revoked.sig
t_ok "key before revocation verifies" "$V" revoked-before.asc -- revoked.sig payload "$CT"
sed -n 's/^://; /BEGIN PGP/,$p' "$GNUPGHOME/openpgp-revocs.d/$rev.rev" >revocation.asc
t_is "stand-alone revocation certificate: key_revoked" \
	"$(verdict revoked-before.asc revocation.asc -- revoked.sig payload "$CT")" key_revoked
G --import revocation.asc
G --armor --export "$rev" >revoked-after.asc
t_is "exported revoked key: key_revoked" \
	"$(verdict revoked-after.asc -- revoked.sig payload "$CT")" key_revoked
t_is "revocation certificate for a key not in the keyring: config_error" \
	"$(verdict ed.asc revocation.asc -- ed.sig payload "$CT")" config_error
t_is "revocation certificate before its key: key_revoked" \
	"$(verdict revocation.asc revoked-before.asc -- revoked.sig payload "$CT")" key_revoked

# GitHub's web-flow signatures from the real-world bundle.
RW="$T_ROOT/../shared/data/realworld"
[ -d "$RW" ] || RW=/work/shared/data/realworld
if [ -f "$RW/gittuf-main.bundle" ] && [ -f "$RW/github-web-flow.asc" ]; then
	git clone -q --bare "$RW/gittuf-main.bundle" gittuf.git
	cat >extract.awk <<'EOF'
# payload = the object without the gpgsig header; signature = its value.
BEGIN { insig = 0; hdr = 1; sep = "" }
hdr && /^$/ { hdr = 0 }
hdr && /^gpgsig / { insig = 1; sub(/^gpgsig /, ""); print > S; next }
hdr && insig && /^ / { sub(/^ /, ""); print > S; next }
{ insig = 0; printf "%s%s", sep, $0 > P; sep = "\n" }
END { if (NL) printf "\n" > P }
EOF
	extract() { # COMMIT
		git -C gittuf.git cat-file commit "$1" >"$1.raw"
		nl=0
		[ -z "$(tail -c 1 "$1.raw")" ] && nl=1
		awk -v NL=$nl -v P="$1.payload" -v S="$1.sig" -f extract.awk "$1.raw"
		git -C gittuf.git log -1 --format=%ct "$1"
	}
	old_c=8f8d36302dd71a25e0f6818eb971348b6576e7b5
	new_c=941446169232ba01a56fc341a37d0c0ae7d57154
	ct_old=$(extract $old_c)
	ct_new=$(extract $new_c)
	t_like "web-flow RSA-2048 (expired 2024-01-16) signature of 2023 verifies" \
		"$("$V" "$RW/github-web-flow.asc" -- $old_c.sig $old_c.payload "$ct_old" | tr '\n' ' ')" \
		'^ok .*key 5DE3E0509C47EA3CF04A42D34AEE18F83AFDEB23 algorithm RSA-2048/SHA-256'
	t_like "web-flow RSA-4096 signature verifies" \
		"$("$V" "$RW/github-web-flow.asc" -- $new_c.sig $new_c.payload "$ct_new" | tr '\n' ' ')" \
		'^ok principal GitHub <noreply@github.com> key 968479A1AFF927E37D1A566BB5690EEEBB952194'
	{
		cat $new_c.payload
		printf ' '
	} >forged.payload
	t_is "edited web-flow commit refused" \
		"$(verdict "$RW/github-web-flow.asc" -- $new_c.sig forged.payload "$ct_new")" \
		bad_signature
	t_is "web-flow signature checked against another key refused" \
		"$(verdict ed.asc -- $new_c.sig $new_c.payload "$ct_new")" unknown_key
	t_is "web-flow signature swapped onto the other commit refused" \
		"$(verdict "$RW/github-web-flow.asc" -- $old_c.sig $new_c.payload "$ct_new")" \
		bad_signature
else
	echo "# real-world data absent: web-flow checks skipped"
fi
t_done
