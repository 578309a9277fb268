#!/bin/sh
# SSH signatures made by the real ssh-keygen (and by a software FIDO signer):
# each accepted signature has forged twins refused with the right reason, and
# ssh-keygen -Y verify agrees where its answer is the intended one.
. "$(dirname "$0")/lib.sh"
t_need ssh-keygen
VERIFY=$BUILD/tests/helpers/sshsig-verify
SKSIGN=$BUILD/tests/helpers/sk-sign
[ -x "$VERIFY" ] || t_skip_all "sshsig-verify helper not built"
cd "$T_TMP" || exit 1

WHEN=1700000000 # 2023-11-14T22:13:20Z, the "committer time" given to both verifiers
WHEN_SSH=20231114221320Z
printf 'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1700000000 +0000\n\nmain line\n' >msg
printf 'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@x> 1700000000 +0000\n\nmain lime\n' >msg.edited
cp msg msg.nul && printf '\0' >>msg.nul
ssh-keygen -q -t ed25519 -N '' -C other -f other
ssh_verify() { # ALLOWED SIG MSG: ssh-keygen's answer, as git asks it
	ssh-keygen -Y verify -f "$1" -I alice@example.org -n git -s "$2" -Overify-time="$WHEN_SSH" <"$3"
}
reason() { # ALLOWED SIG MSG [extra args]: first word the helper prints
	"$VERIFY" "$@" 2>/dev/null | head -n 1 | cut -d' ' -f1
}
signers() { # FILE PREFIX PUBKEYFILE
	printf 'alice@example.org %s%s\n' "$2" "$(cat "$3")" >"$1"
}

for spec in ed25519 ecdsa:256 ecdsa:384 ecdsa:521 rsa:2048 rsa:3072; do
	type=${spec%%:*}
	bits=${spec#*:}
	n=$type$bits
	[ "$type" = "$spec" ] && { bits=; n=$type; }
	ssh-keygen -q -t "$type" ${bits:+-b "$bits"} -N '' -C "$n" -f "$n"
	signers "$n.as" '' "$n.pub"
	ssh-keygen -q -Y sign -n git -f "$n" msg && mv msg.sig "$n.sig"
	ssh-keygen -q -Y sign -n file -f "$n" msg && mv msg.sig "$n.file.sig"

	t_exit "$n: accepted" 0 "$VERIFY" "$n.as" "$n.sig" msg $WHEN
	t_like "$n: signer reported" "$(t_out)" "^ok alice@example.org SHA256:[A-Za-z0-9+/]{43} "
	want_fp=$(ssh-keygen -lf "$n.pub" | cut -d' ' -f2)
	t_is "$n: fingerprint as ssh-keygen -l" "$(t_out | cut -d' ' -f3)" "$want_fp"
	t_ok "$n: ssh-keygen accepts it too" ssh_verify "$n.as" "$n.sig" msg

	t_is "$n: edited message" "$(reason "$n.as" "$n.sig" msg.edited $WHEN)" bad_signature
	t_fails "$n: ssh-keygen refuses the edited message" ssh_verify "$n.as" "$n.sig" msg.edited
	t_is "$n: appended NUL" "$(reason "$n.as" "$n.sig" msg.nul $WHEN)" bad_signature

	signers other.as '' other.pub
	t_is "$n: key not in allowed_signers" "$(reason other.as "$n.sig" msg $WHEN)" unknown_key
	t_fails "$n: ssh-keygen refuses the unknown key" ssh_verify other.as "$n.sig" msg

	t_is "$n: namespace file" "$(reason "$n.as" "$n.file.sig" msg $WHEN)" wrong_namespace
	t_fails "$n: ssh-keygen refuses namespace file" ssh_verify "$n.as" "$n.file.sig" msg

	signers ns.as 'namespaces="file" ' "$n.pub"
	t_is "$n: allowed_signers namespaces=file" "$(reason ns.as "$n.sig" msg $WHEN)" \
		wrong_namespace
	t_fails "$n: ssh-keygen refuses namespaces=file" ssh_verify ns.as "$n.sig" msg

	signers old.as 'valid-before="20230101" ' "$n.pub"
	t_is "$n: valid-before in the past" "$(reason old.as "$n.sig" msg $WHEN)" key_expired
	t_fails "$n: ssh-keygen refuses it too" ssh_verify old.as "$n.sig" msg
	signers win.as 'valid-after="20231114",valid-before="20231115Z" ' "$n.pub"
	t_exit "$n: inside the validity window" 0 "$VERIFY" win.as "$n.sig" msg $WHEN
	t_ok "$n: ssh-keygen agrees on the window" ssh_verify win.as "$n.sig" msg

	# corrupted base64: an invalid character, then a valid one that changes the bytes
	sed '3s/^./!/' "$n.sig" >bad64.sig
	t_is "$n: corrupted base64" "$(reason "$n.as" bad64.sig msg $WHEN)" bad_signature
	t_like "$n: says it cannot parse" "$("$VERIFY" "$n.as" bad64.sig msg $WHEN 2>&1)" \
		"cannot parse SSH signature"
	last=$(($(wc -l <"$n.sig") - 1))
	# one base64 digit of the signature's last line changed, always to another digit
	first=$(sed -n "${last}s/^\(.\).*/\1/p" "$n.sig")
	if [ "$first" = A ]; then other=B; else other=A; fi
	sed "${last}s/^./$other/" "$n.sig" >swap.sig
	t_is "$n: altered signature bytes" "$(reason "$n.as" swap.sig msg $WHEN)" bad_signature
	{ head -n $((last - 1)) "$n.sig"; tail -n 1 "$n.sig"; } >trunc.sig
	t_is "$n: truncated signature" "$(reason "$n.as" trunc.sig msg $WHEN)" bad_signature
	t_fails "$n: ssh-keygen refuses the truncated signature" ssh_verify "$n.as" trunc.sig msg
	{ cat "$n.sig"; echo trailing; } >trail.sig
	t_is "$n: text after the armor" "$(reason "$n.as" trail.sig msg $WHEN)" bad_signature
done

# RSA 1024 and DSA: well-formed, verifiable by old tools, refused as weak.
for weak in rsa:1024 dsa; do
	type=${weak%%:*}
	bits=${weak#*:}
	[ "$type" = "$weak" ] && bits=
	if ssh-keygen -q -t "$type" ${bits:+-b "$bits"} -N '' -f "weak$type" 2>/dev/null &&
		ssh-keygen -q -Y sign -n git -f "weak$type" msg 2>/dev/null; then
		mv msg.sig "weak$type.sig"
		signers weak.as '' "weak$type.pub"
		t_is "$weak: weak_algorithm" "$(reason weak.as "weak$type.sig" msg $WHEN)" \
			weak_algorithm
	else
		echo "# ssh-keygen refuses to make a $weak key: case skipped"
	fi
done

# The clock: the committer time may lie at most 300 s ahead of it. ssh-keygen has no clock:
# it judges the key at whatever -Overify-time it is given (mainline deliberately differs).
t_exit "committer time 300 s ahead of the clock: accepted" 0 \
	"$VERIFY" ed25519.as ed25519.sig msg $WHEN --now $((WHEN - 300))
t_is "committer time 301 s ahead of the clock: bad_time" \
	"$(reason ed25519.as ed25519.sig msg $WHEN --now $((WHEN - 301)))" bad_time
t_ok "... where ssh-keygen, given that time, accepts" ssh_verify ed25519.as ed25519.sig msg

# Exit codes: 1 for a refusal, 2 for a broken allowed_signers file.
echo 'alice@example.org cert-authority ssh-ed25519 AAAA' >ca.as
t_exit "cert-authority allowed_signers: configuration error" 2 \
	"$VERIFY" ca.as ed25519.sig msg $WHEN
t_like "names file and line" "$("$VERIFY" ca.as ed25519.sig msg $WHEN 2>&1)" "ca.as:1: "
t_exit "refusal exits 1" 1 "$VERIFY" other.as ed25519.sig msg $WHEN

# FIDO (sk-*) signatures from the software signer; ssh-keygen checks them too.
SEED=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
for sk in ed25519 ecdsa; do
	echo "alice@example.org $("$SKSIGN" pubkey $sk $SEED ssh:)" >sk.as
	"$SKSIGN" sign $sk $SEED ssh: 0x01 42 git msg >sk.sig
	"$SKSIGN" sign $sk $SEED ssh: 0x00 42 git msg >sk-nup.sig
	"$SKSIGN" sign $sk $SEED ssh: 0x00 42 git msg 0x01 42 >sk-flags.sig
	"$SKSIGN" sign $sk $SEED ssh: 0x01 42 git msg 0x01 43 >sk-counter.sig
	t_exit "sk-$sk: accepted with user presence required" 0 \
		"$VERIFY" sk.as sk.sig msg $WHEN --require-user-presence
	t_like "sk-$sk: algorithm reported" "$(t_out)" " sk-"
	t_ok "sk-$sk: ssh-keygen accepts it" ssh_verify sk.as sk.sig msg
	t_is "sk-$sk: no user presence, required" \
		"$(reason sk.as sk-nup.sig msg $WHEN --require-user-presence)" bad_signature
	t_exit "sk-$sk: no user presence, not required" 0 "$VERIFY" sk.as sk-nup.sig msg $WHEN
	t_is "sk-$sk: forged flags" "$(reason sk.as sk-flags.sig msg $WHEN)" bad_signature
	t_fails "sk-$sk: ssh-keygen refuses forged flags" ssh_verify sk.as sk-flags.sig msg
	t_is "sk-$sk: forged counter" "$(reason sk.as sk-counter.sig msg $WHEN)" bad_signature
	t_is "sk-$sk: edited message" "$(reason sk.as sk.sig msg.edited $WHEN)" bad_signature
	t_is "sk-$sk: unknown key" "$(reason other.as sk.sig msg $WHEN)" unknown_key
done
t_done
