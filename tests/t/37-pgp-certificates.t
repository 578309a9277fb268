#!/bin/sh
# OpenPGP certificates given in pieces: a key given twice or re-exported, its
# revocations wherever they appear, shortened expirations, weak and
# unevaluable revocations, and the baked policy's keyrings as restrictions.
# Every fixture is made here with gpg, and every one is also checked by git
# verify-commit on a GNUPGHOME that imported the same keyring files in the same
# order: mainline agrees with gpg, or the test says where and why it differs.
. "$(dirname "$0")/lib.sh"
t_need git gpg awk python3
mkdir -m 700 -p "$GNUPGHOME"
kill_agents() { for h in "$GNUPGHOME" "$T_TMP"/gnupg-*; do gpgconf --homedir "$h" --kill all; done; }
T_CLEANUP="$T_CLEANUP kill_agents"
K="$T_TMP/keys"
mkdir -p "$K"

G() { gpg --batch --quiet --yes --passphrase '' --pinentry-mode loopback "$@" 2>/dev/null; }
nth_fpr() { gpg --with-colons --list-keys "$1" 2>/dev/null | awk -F: -v n="$2" '/^fpr/ && ++i == n { print $10 }'; }
revoke() { # FPR OUT [GPG-OPTIONS]: a stand-alone revocation certificate (--gen-revoke)
	r_key=$1 r_out=$2
	shift 2
	printf 'y\n0\n\ny\n' | gpg --command-fd 0 --no-tty --yes --passphrase '' \
		--pinentry-mode loopback -a "$@" --gen-revoke "$r_key" >"$r_out" 2>/dev/null
}
revoke_subkey() { # FPR [GPG-OPTIONS]: revokes the first subkey in the signer's own keyring
	r_key=$1
	shift
	printf 'key 1\nrevkey\ny\n0\n\ny\nsave\n' | gpg --command-fd 0 --no-tty --yes --passphrase '' \
		--pinentry-mode loopback "$@" --edit-key "$r_key" >/dev/null 2>&1
}
now=$(date +%s)
T0=$((now - 30 * 86400)) # keys whose life is replayed with --faked-system-time start here

repo="$T_TMP/repo"
git init -q "$repo"
commit() { # KEY [TIME]: a commit signed by KEY (at TIME through --faked-system-time); prints its id
	echo "$1 ${2:-}" >>"$repo/f"
	git -C "$repo" add f
	if [ -n "${2:-}" ]; then
		printf '#!/bin/sh\nexec gpg --faked-system-time %s! "$@"\n' "$2" >"$T_TMP/gpg-at"
		chmod +x "$T_TMP/gpg-at"
		GIT_COMMITTER_DATE="@$2 +0000" GIT_AUTHOR_DATE="@$2 +0000" git -C "$repo" \
			-c gpg.program="$T_TMP/gpg-at" -c user.signingkey="$1" commit -q -S -m "by $1"
	else
		git -C "$repo" -c user.signingkey="$1" commit -q -S -m "by $1"
	fi
	git -C "$repo" rev-parse HEAD
}

# --- the fixtures --------------------------------------------------------------
# Alice: a signing primary; later a signing subkey; revocations of every kind.
G --quick-gen-key 'Alice <alice@example.org>' ed25519 sign never
alice=$(nth_fpr alice@example.org 1)
G -a --export "$alice" >"$K/alice-v1.asc"
G --export "$alice" >"$K/alice-v1.gpg"
c_alice=$(commit "$alice!")
G --quick-add-key "$alice" ed25519 sign never
alice_sub=$(nth_fpr alice@example.org 2)
G -a --export "$alice" >"$K/alice-v2.asc"
c_alice_sub=$(commit "$alice_sub!")
revoke "$alice" "$K/alice-rev.asc"
revoke "$alice" "$K/alice-rev-sha1.asc" --cert-digest-algo SHA1
revoke "$alice" "$K/alice-rev-ripemd.asc" --cert-digest-algo RIPEMD160
revoke "$alice" "$K/alice-rev-md5.asc" --cert-digest-algo MD5
revoke "$alice" "$K/alice-rev-critical.asc" --cert-notation '!must-understand@example.org=1'
G --dearmor <"$K/alice-rev.asc" >"$K/alice-rev.gpg"
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[-3] ^= 1; sys.stdout.buffer.write(b)' \
	"$K/alice-rev.gpg" >"$K/alice-rev-bad.gpg"
cat "$K/alice-v1.asc" "$K/alice-rev.asc" >"$K/alice-then-rev.asc"
cat "$K/alice-rev.asc" "$K/alice-v1.asc" >"$K/rev-then-alice.asc"
cat "$K/alice-v1.asc" "$K/alice-v2.asc" >"$K/alice-both.asc"
revoke_subkey "$alice"
G -a --export "$alice" >"$K/alice-v3.asc"
G --quick-gen-key 'Mallory <mallory@example.org>' ed25519 sign never
revoke "$(nth_fpr mallory@example.org 1)" "$K/mallory-rev.asc"

# Bob: a certification-only primary whose signing subkey gets revoked.
G --quick-gen-key 'Bob <bob@example.org>' ed25519 cert never
bob=$(nth_fpr bob@example.org 1)
G --quick-add-key "$bob" ed25519 sign never
bob_sub=$(nth_fpr bob@example.org 2)
G -a --export "$bob" >"$K/bob-v1.asc"
c_bob=$(commit "$bob_sub!")
revoke_subkey "$bob"
G -a --export "$bob" >"$K/bob-v2.asc"

# Erin: no expiration at first; a later self-signature expires her key after three days.
G --faked-system-time "$T0!" --quick-gen-key 'Erin <erin@example.org>' ed25519 sign never
erin=$(nth_fpr erin@example.org 1)
G --faked-system-time "$((T0 + 1))!" -a --export "$erin" >"$K/erin-v1.asc"
c_erin_early=$(commit "$erin!" $((T0 + 7200)))
c_erin_late=$(commit "$erin!" $((T0 + 10 * 86400)))
cp -a "$GNUPGHOME" "$T_TMP/gnupg-sha1"
G --faked-system-time "$((T0 + 86400))!" --quick-set-expire "$erin" 2d
G --faked-system-time "$((T0 + 86401))!" -a --export "$erin" >"$K/erin-v2.asc"
GNUPGHOME="$T_TMP/gnupg-sha1" G --faked-system-time "$((T0 + 86400))!" --cert-digest-algo SHA1 \
	--quick-set-expire "$erin" 2d
GNUPGHOME="$T_TMP/gnupg-sha1" G --faked-system-time "$((T0 + 86401))!" -a --export "$erin" \
	>"$K/erin-v2-sha1.asc"

# Frank: expires after a day; the owner lifts the expiration again, with SHA-256 or with SHA-1.
G --faked-system-time "$T0!" --quick-gen-key 'Frank <frank@example.org>' ed25519 sign 1d
frank=$(nth_fpr frank@example.org 1)
G --faked-system-time "$((T0 + 1))!" -a --export "$frank" >"$K/frank-v1.asc"
cp -a "$GNUPGHOME" "$T_TMP/gnupg-frank-sha1"
G --faked-system-time "$((T0 + 3600))!" --quick-set-expire "$frank" never
G --faked-system-time "$((T0 + 3601))!" -a --export "$frank" >"$K/frank-v2.asc"
GNUPGHOME="$T_TMP/gnupg-frank-sha1" G --faked-system-time "$((T0 + 3600))!" \
	--cert-digest-algo SHA1 --quick-set-expire "$frank" never
GNUPGHOME="$T_TMP/gnupg-frank-sha1" G --faked-system-time "$((T0 + 3601))!" -a --export "$frank" \
	>"$K/frank-v2-sha1.asc"
c_frank=$(commit "$frank!" $((T0 + 5 * 86400)))

# --- the differential check ----------------------------------------------------
n=0
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }
# gpg's verdict, as git reads it, with a GNUPGHOME that imported the files in order
gpg_says() { # COMMIT FILE...
	g_commit=$1
	shift
	g_home="$T_TMP/gpg-$n"
	mkdir -m 700 "$g_home"
	for f in "$@"; do GNUPGHOME="$g_home" gpg --batch --quiet --import "$f" >/dev/null 2>&1; done
	GNUPGHOME="$g_home" git -C "$repo" verify-commit --raw "$g_commit" 2>&1 |
		awk '$1 == "[GNUPG:]" && $2 ~ /^(GOODSIG|EXPSIG|EXPKEYSIG|REVKEYSIG|BADSIG|ERRSIG)$/ { print $2; exit }'
}
as_reason() {
	case $1 in
	GOODSIG) echo ok ;; EXPKEYSIG) echo key_expired ;; REVKEYSIG) echo key_revoked ;;
	BADSIG) echo bad_signature ;; ERRSIG) echo unknown_key ;; *) echo "gpg:$1" ;;
	esac
}
mainline_says() { # COMMIT [verify options]: the reason of `mainline verify --json`
	m_commit=$1
	shift
	"$MAINLINE" verify --source "$repo" --state "$T_TMP/state-$n" --commit "$m_commit" --json "$@" \
		>"$T_TMP/out-$n" 2>"$T_TMP/err-$n"
	json_field reason <"$T_TMP/out-$n"
}
keyrings() { for f in "$@"; do printf -- '--keyring %s ' "$f"; done; }
agree() { # DESC COMMIT REASON FILE...: mainline and gpg both decide REASON
	a_desc=$1 a_commit=$2 a_want=$3
	shift 3
	n=$((n + 1))
	# shellcheck disable=SC2046 # the paths hold no white space
	t_is "$a_desc: mainline" "$(mainline_says "$a_commit" $(keyrings "$@"))" "$a_want"
	t_is "$a_desc: gpg agrees" "$(as_reason "$(gpg_says "$a_commit" "$@")")" "$a_want"
}
differs() { # DESC COMMIT REASON GPG-STATUS FILE...: a deliberate difference, asserted both ways
	d_desc=$1 d_commit=$2 d_want=$3 d_gpg=$4
	shift 4
	n=$((n + 1))
	# shellcheck disable=SC2046
	t_is "$d_desc: mainline says $d_want" "$(mainline_says "$d_commit" $(keyrings "$@"))" "$d_want"
	t_is "$d_desc: gpg says $d_gpg (deliberately different)" "$(gpg_says "$d_commit" "$@")" "$d_gpg"
}
A1="$K/alice-v1.asc" A2="$K/alice-v2.asc" REV="$K/alice-rev.asc"

# accepted: one key in pieces is one certificate
agree "one export" "$c_alice" ok "$A1"
agree "the same key given twice" "$c_alice" ok "$A1" "$A1"
agree "binary and armored copies" "$c_alice" ok "$K/alice-v1.gpg" "$A1"
agree "old export, then the new one with a subkey" "$c_alice_sub" ok "$A1" "$A2"
agree "new export, then the old one" "$c_alice_sub" ok "$A2" "$A1"
agree "both exports in one file" "$c_alice_sub" ok "$K/alice-both.asc"
agree "the subkey is unknown to the old export" "$c_alice_sub" unknown_key "$A1"

# revoked twins, wherever the revocation is
agree "revocation in another keyring item" "$c_alice" key_revoked "$A1" "$REV"
agree "revocation of a key given twice" "$c_alice_sub" key_revoked "$A1" "$A2" "$REV"
agree "revocation after the key in one file" "$c_alice" key_revoked "$K/alice-then-rev.asc"
agree "revocation with a binary key" "$c_alice" key_revoked "$K/alice-v1.gpg" "$K/alice-rev.gpg"
agree "a revoked key's subkey signs nothing" "$c_alice_sub" key_revoked "$A2" "$REV"
differs "revocation before the key in one file (gpg drops it: no key yet)" \
	"$c_alice" key_revoked GOODSIG "$K/rev-then-alice.asc"
differs "revocation in an earlier keyring item (gpg drops it: no key yet)" \
	"$c_alice" key_revoked GOODSIG "$REV" "$A1"
agree "a SHA-1 revocation still revokes" "$c_alice" key_revoked "$A1" "$K/alice-rev-sha1.asc"
agree "a RIPEMD-160 revocation: unevaluable, so revoked" \
	"$c_alice" key_revoked "$A1" "$K/alice-rev-ripemd.asc"
t_like "the message says mainline cannot evaluate it" "$(cat "$T_TMP/out-$n")" \
	'treated as revoked: its revocation in .*alice-rev-ripemd.asc.* has hash algorithm RIPEMD-160'
differs "an MD5 revocation (gpg rejects MD5 and keeps the key)" \
	"$c_alice" key_revoked GOODSIG "$A1" "$K/alice-rev-md5.asc"
differs "a revocation with a critical notation (gpg rejects it and keeps the key)" \
	"$c_alice" key_revoked GOODSIG "$A1" "$K/alice-rev-critical.asc"
t_like "the message names the unknown critical subpacket" "$(cat "$T_TMP/out-$n")" \
	'unknown critical subpacket, which mainline cannot evaluate'

# a revocation whose signature does not verify: ignored, with a warning, and the key still works
agree "a revocation with a broken signature is ignored" "$c_alice" ok "$A1" "$K/alice-rev-bad.gpg"
t_like "a warning names it" "$(cat "$T_TMP/err-$n")" \
	"warning: ignoring a revocation of OpenPGP key '$alice' in 'keyring 2 \\(.*alice-rev-bad.gpg\\)': its signature does not verify"
t_like "the --json output stays one object" "$(cat "$T_TMP/out-$n")" '^\{"decision":"allow".*\}$'

# a revocation of a key the keyring does not hold: a configuration error naming the file
n=$((n + 1))
t_exit "revocation of a key not in the keyring: exit 2" 2 \
	"$MAINLINE" verify --source "$repo" --state "$T_TMP/state-$n" --commit "$c_alice" --json \
	--keyring "$A1" --keyring "$K/mallory-rev.asc"
t_is "reason config_error" "$(t_out | json_field reason)" config_error
t_like "it names the file" "$(t_out)" "revocation in 'keyring 2 \\(.*mallory-rev.asc\\)' matches no key"
t_is "gpg ignores it and verifies (deliberately different)" \
	"$(gpg_says "$c_alice" "$A1" "$K/mallory-rev.asc")" GOODSIG

# every revocation twin of the two accepted merges: the key given twice, and old + new export
for accepted in "twice:$c_alice:$A1 $A1" "re-exported:$c_alice_sub:$A1 $A2"; do
	label=${accepted%%:*} rest=${accepted#*:}
	c=${rest%%:*} files=${rest#*:}
	# shellcheck disable=SC2086 # the paths hold no white space
	{
		agree "$label: revocation in another item" "$c" key_revoked $files "$REV"
		differs "$label: revocation in an earlier item" "$c" key_revoked GOODSIG "$REV" $files
		agree "$label: SHA-1 revocation" "$c" key_revoked $files "$K/alice-rev-sha1.asc"
		agree "$label: RIPEMD-160 revocation" "$c" key_revoked $files "$K/alice-rev-ripemd.asc"
		differs "$label: revocation with a critical notation" "$c" key_revoked GOODSIG \
			$files "$K/alice-rev-critical.asc"
		agree "$label: broken revocation ignored, the key still signs" "$c" ok \
			$files "$K/alice-rev-bad.gpg"
		agree "$label: the signing subkey revoked in a later export" "$c_alice_sub" key_revoked \
			$files "$K/alice-v3.asc"
		agree "$label: the primary still signs after its subkey is revoked" "$c_alice" ok \
			$files "$K/alice-v3.asc"
		differs "$label: a revocation of a key not in the keyring" "$c" config_error GOODSIG \
			$files "$K/mallory-rev.asc"
	}
done

# subkey revocations
agree "bob's signing subkey" "$c_bob" ok "$K/bob-v1.asc"
agree "bob's subkey revoked in a later export" "$c_bob" key_revoked "$K/bob-v1.asc" "$K/bob-v2.asc"
agree "... given first" "$c_bob" key_revoked "$K/bob-v2.asc" "$K/bob-v1.asc"

# shortened expirations: the newest self-signature wins
E1="$K/erin-v1.asc" E2="$K/erin-v2.asc"
agree "erin before her expiration was set" "$c_erin_late" ok "$E1"
agree "a later self-signature expired the key" "$c_erin_late" key_expired "$E1" "$E2"
agree "... whatever the order" "$c_erin_late" key_expired "$E2" "$E1"
agree "... also when made with SHA-1" "$c_erin_late" key_expired "$E1" "$K/erin-v2-sha1.asc"
differs "a signature made before the expiration (mainline judges at the signature's time)" \
	"$c_erin_early" ok EXPKEYSIG "$E1" "$E2"
agree "frank's expiration lifted by a newer self-signature" "$c_frank" ok \
	"$K/frank-v1.asc" "$K/frank-v2.asc"
differs "... lifted with SHA-1 (a SHA-1 self-signature of 2023 or later cannot grant)" \
	"$c_frank" key_expired GOODSIG "$K/frank-v1.asc" "$K/frank-v2-sha1.asc"

# --- the policy's keyrings restrict what a narrower setting keeps --------------
policy() { # OUT FILE...: writes a policy whose keyring items are the files
	p_out=$1
	shift
	p_list=""
	for f in "$@"; do p_list="$p_list${p_list:+,}\"$f\""; done
	printf '{"keyring":[%s]}\n' "$p_list" >"$p_out"
}
narrowed() { # DESC COMMIT REASON GPG-STATUS SETTING-FILE POLICY-FILE...: gpg holds the policy's files
	w_desc=$1 w_commit=$2 w_want=$3 w_gpg=$4 w_setting=$5
	shift 5
	n=$((n + 1))
	w_policy="$T_TMP/policy-$n.json"
	policy "$w_policy" "$@"
	t_is "$w_desc: mainline" "$(mainline_says "$w_commit" --policy "$w_policy" --keyring "$w_setting")" \
		"$w_want"
	t_is "$w_desc: gpg with the policy's keyrings says $w_gpg" "$(gpg_says "$w_commit" "$@")" "$w_gpg"
}
narrowed "the policy's revocation survives a setting naming only the key" \
	"$c_alice" key_revoked REVKEYSIG "$A1" "$A1" "$REV"
narrowed "the policy's re-export revoking a subkey" "$c_bob" key_revoked REVKEYSIG \
	"$K/bob-v1.asc" "$K/bob-v1.asc" "$K/bob-v2.asc"
narrowed "the policy's re-export shortening the expiration" "$c_erin_late" key_expired EXPKEYSIG \
	"$E1" "$E1" "$E2"
narrowed "twin: nothing in the policy's other keyring restricts" "$c_alice" ok GOODSIG \
	"$A1" "$A1" "$K/bob-v1.asc"
narrowed "a policy keyring cannot grant a subkey the setting lacks (gpg, given both, verifies)" \
	"$c_alice_sub" unknown_key GOODSIG "$A1" "$A1" "$A2"
# the verified cache: a chain verified without the policy's revocation is not reused with it
st="$T_TMP/state-shared"
policy "$T_TMP/policy-plain.json" "$A2" "$K/bob-v1.asc"
policy "$T_TMP/policy-revoking.json" "$A2" "$K/bob-v1.asc" "$REV"
chain() { # POLICY
	"$MAINLINE" verify --source "$repo" --state "$st" --commit "$c_bob" --mode chain --json \
		--policy "$1" --keyring "$A2" --keyring "$K/bob-v1.asc"
}
t_exit "chain up to bob's commit without the revocation: allowed (and cached)" 0 \
	chain "$T_TMP/policy-plain.json"
t_like "every commit of the chain was checked" "$(t_out)" '"checked":3'
t_exit "the same state, the policy now holds alice's revocation: refused" 1 \
	chain "$T_TMP/policy-revoking.json"
t_is "reason key_revoked" "$(t_out | json_field reason)" key_revoked
t_is "at alice's commit" "$(t_out | json_field failed_commit)" "$c_alice"

# plugin mode: the baked policy, a narrower `policy` setting, then a narrower keyring setting
plugin() {
	env -i PATH="$PATH" HOME="$HOME" GNUPGHOME="$GNUPGHOME" \
		PLUGIN_SOURCE="$repo" PLUGIN_CACHE="$T_TMP/plugin-cache-$n" PLUGIN_DRY_RUN=true \
		PLUGIN_COMMIT="$c_alice" DRONE_BUILD_EVENT=push DRONE_COMMIT_REF=refs/heads/main \
		DRONE_COMMIT_BRANCH=main DRONE_COMMIT_SHA=0123456789abcdef0123456789abcdef01234567 \
		DRONE_REPO=acme/app DRONE_REPO_OWNER=acme DRONE_REPO_NAME=app DRONE_BUILD_NUMBER=7 \
		"$@" "$MAINLINE"
}
baked="$T_TMP/baked-revoking.json"
policy "$baked" "$A1" "$K/bob-v1.asc" "$REV"
t_exit "plugin: baked policy, policy setting and keyring setting narrow to the key: refused" 1 \
	plugin MAINLINE_POLICY_FILE="$baked" PLUGIN_POLICY="{\"keyring\":[\"$A1\",\"$K/bob-v1.asc\"]}" \
	PLUGIN_KEYRING="$A1"
t_like "plugin: reason key_revoked" "$(t_out)" "refused: key_revoked:"
baked="$T_TMP/baked-plain.json"
policy "$baked" "$A1" "$K/bob-v1.asc"
t_exit "plugin twin: the same without the revocation: allowed" 0 \
	plugin MAINLINE_POLICY_FILE="$baked" PLUGIN_POLICY="{\"keyring\":[\"$A1\"]}" PLUGIN_KEYRING="$A1"
t_like "plugin: the dry run counts the policy keyring that only restricts" "$(t_out)" \
	'policy keyrings that only restrict: \(1 items\)'
t_is "plugin: gpg with the baked policy's keyrings agrees" \
	"$(n=$((n + 1)) gpg_says "$c_alice" "$A1" "$K/bob-v1.asc")" GOODSIG
t_done
