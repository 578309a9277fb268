#!/bin/sh
# mainline verify on gpg-signed main lines (git commit -S with OpenPGP keys),
# mixed SSH + OpenPGP trust roots, forge keys, and agreement with git.
. "$(dirname "$0")/lib.sh"
t_need git gpg ssh-keygen
mkdir -p "$GNUPGHOME"
chmod 700 "$GNUPGHOME"
gen() { gpg -q --batch --passphrase '' --pinentry-mode loopback --quick-gen-key "$1" "$2" sign "${3:-0}" 2>/dev/null; }
fpr() { gpg --batch --with-colons --list-keys "$1" 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }'; }
gen "Alice <alice@example.org>" ed25519
gen "Forge <noreply@forge.example>" rsa3072
gen "Mallory <mallory@example.org>" ed25519
alice=$(fpr alice@example.org)
forge=$(fpr noreply@forge.example)
gpg -q --batch --export "$alice" "$forge" >"$T_TMP/trusted.gpg"
gpg -q --batch --armor --export "$alice" >"$T_TMP/alice.asc"
ssh-keygen -q -t ed25519 -N '' -C bob -f "$T_TMP/bob"
printf 'bob@example.org %s\n' "$(cut -d' ' -f1,2 "$T_TMP/bob.pub")" >"$T_TMP/signers"

repo="$T_TMP/repo"
git init -q "$repo"
git -C "$repo" config gpg.ssh.allowedSignersFile "$T_TMP/signers"
commit() { # GIT-OPTIONS... : one commit, signed as the options say (runs in a subshell)
	echo change >>"$repo/f"
	git -C "$repo" add f
	git -C "$repo" "$@" commit -q -m "change $(wc -l <"$repo/f")"
	git -C "$repo" rev-parse HEAD
}
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }
v() { s=$1; shift; "$MAINLINE" verify --source "$repo" --state "$T_TMP/st-$s" --json "$@"; }

base=$(commit -c user.signingkey="$alice" -c commit.gpgsign=true)
t_exit "gpg ed25519 signed tip: allowed" 0 v a --keyring "$T_TMP/trusted.gpg"
t_is "signer is alice's primary fingerprint" "$(t_out | json_field key)" "$alice"
t_like "signer format openpgp" "$(t_out)" '"format":"openpgp"'
t_ok "git verify-commit agrees" git -C "$repo" verify-commit HEAD
t_exit "armored keyring works too" 0 v a2 --keyring "$T_TMP/alice.asc"

m=$(commit -c user.signingkey="$(fpr mallory@example.org)" -c commit.gpgsign=true)
t_exit "signed by a key outside the keyring: refused" 1 v m --keyring "$T_TMP/trusted.gpg"
t_is "reason unknown_key" "$(t_out | json_field reason)" unknown_key

c=$(commit -c gpg.format=ssh -c user.signingkey="$T_TMP/bob" -c commit.gpgsign=true)
t_exit "ssh-signed commit with only a keyring: refused" 1 v s1 --keyring "$T_TMP/trusted.gpg"
t_is "reason unknown_key" "$(t_out | json_field reason)" unknown_key
t_exit "mixed roots (allowed signers + keyring): ssh tip allowed" 0 \
	v s2 --keyring "$T_TMP/trusted.gpg" --allowed-signers "$T_TMP/signers"
t_like "signer format ssh" "$(t_out)" '"format":"ssh"'
c2=$(commit -c user.signingkey="$alice" -c commit.gpgsign=true)
t_exit "mixed roots: chain over ssh and gpg commits allowed" 0 \
	v s3 --keyring "$T_TMP/trusted.gpg" --allowed-signers "$T_TMP/signers" --mode chain --anchor "$m"
t_like "mixed chain checked 2 commits" "$(t_out)" '"checked":2'
t_exit "mixed chain with only the keyring: refused at the ssh commit" 1 \
	v s4 --keyring "$T_TMP/trusted.gpg" --mode chain --anchor "$m"
t_is "names the ssh-signed commit" "$(t_out | json_field failed_commit)" "$c"

# forge key: valid only where the committer is the forge's identity
f=$(GIT_COMMITTER_NAME=Forge GIT_COMMITTER_EMAIL=noreply@forge.example \
	commit -c user.signingkey="$forge" -c commit.gpgsign=true)
forge_v() { v "$@" --keyring "$T_TMP/trusted.gpg" --forge-key "$forge"; }
t_exit "forge key, committer is not GitHub's identity: refused" 1 forge_v f1
t_is "reason wrong_identity" "$(t_out | json_field reason)" wrong_identity
t_exit "the same commit without the forge restriction: allowed" 0 v f2 --keyring "$T_TMP/trusted.gpg"
t_exit "the forge key with the forge's own identity (an OpenPGP Gitea key): allowed" 0 \
	v f2b --keyring "$T_TMP/trusted.gpg" \
	--forge-key "{\"key\":\"$forge\",\"identity\":\"Forge <noreply@forge.example>\"}"
t_exit "... and GitHub's identity by default for the same key: refused" 1 \
	v f2c --keyring "$T_TMP/trusted.gpg" --forge-key "{\"key\":\"$forge\"}"
g=$(GIT_COMMITTER_NAME=GitHub GIT_COMMITTER_EMAIL=noreply@github.com \
	commit -c user.signingkey="$forge" -c commit.gpgsign=true)
t_exit "forge key, committer 'GitHub <noreply@github.com>': allowed" 0 forge_v f3
h=$(GIT_COMMITTER_NAME=GitHub GIT_COMMITTER_EMAIL=noreply@github.com \
	commit -c user.signingkey="$alice" -c commit.gpgsign=true)
t_exit "a developer key signing as the forge's identity: refused" 1 forge_v f4
t_is "reason wrong_identity (the identity is the forge's)" "$(t_out | json_field reason)" wrong_identity
t_like "the message names the identity and the signer" "$(t_out)" \
	"names the forge identity 'GitHub <noreply@github.com>' as its committer but is signed by $alice"
t_ok "git verify-commit accepts it (git knows no forge identities)" git -C "$repo" verify-commit HEAD
t_exit "the same commit without forge keys: allowed" 0 v f5 --keyring "$T_TMP/trusted.gpg"

# a forge key given by its signing subkey's fingerprint restricts its whole certificate
gen "Forge Two <noreply@forge2.example>" ed25519
forge2=$(fpr noreply@forge2.example)
gpg -q --batch --passphrase '' --pinentry-mode loopback --quick-add-key "$forge2" ed25519 sign 0 2>/dev/null
forge2_sub=$(gpg --batch --with-colons --list-keys "$forge2" | awk -F: '/^fpr/ && ++i == 2 { print $10 }')
gpg -q --batch --export "$forge2" >"$T_TMP/forge2.gpg"
sub_v() { v "$@" --keyring "$T_TMP/forge2.gpg" --forge-key "$forge2_sub"; }
k=$(commit -c user.signingkey="$forge2_sub!" -c commit.gpgsign=true)
t_ok "git verify-commit accepts the subkey's signature" git -C "$repo" verify-commit HEAD
t_exit "forge key by subkey fingerprint, committer not GitHub's: refused" 1 sub_v k1
t_is "reason wrong_identity (the restriction holds)" "$(t_out | json_field reason)" wrong_identity
t_like "the message names the certificate's primary key" "$(t_out)" "forge key $forge2"
k=$(GIT_COMMITTER_NAME=GitHub GIT_COMMITTER_EMAIL=noreply@github.com \
	commit -c user.signingkey="$forge2_sub!" -c commit.gpgsign=true)
t_exit "forge key by subkey fingerprint, committer GitHub's: allowed" 0 sub_v k2
t_exit "the same by the primary's fingerprint: allowed" 0 \
	v k3 --keyring "$T_TMP/forge2.gpg" --forge-key "$forge2"

# SHA-1 signature made by git through gpg
git -C "$repo" config gpg.program "$T_TMP/gpg-sha1"
printf '#!/bin/sh\nexec gpg --digest-algo SHA1 "$@"\n' >"$T_TMP/gpg-sha1"
chmod +x "$T_TMP/gpg-sha1"
c=$(commit -c user.signingkey="$alice" -c commit.gpgsign=true)
t_exit "SHA-1 signature: refused" 1 v sha1 --keyring "$T_TMP/trusted.gpg"
t_is "reason weak_algorithm" "$(t_out | json_field reason)" weak_algorithm
t_done
