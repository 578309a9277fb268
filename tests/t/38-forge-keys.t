#!/bin/sh
# SSH forge keys: merge commits signed as GitLab signs them (Gitaly: the instance's SSH key,
# namespace git, sha512, armor wrapped at 64 columns by Go's encoding/pem, committer
# "GitLab <noreply@gitlab.com>") and as Gitea/Forgejo sign them (the server's git and
# ssh-keygen, 70 columns, the configured identity), accepted; their forged twins refused.
# git verify-commit judges the same objects with the same keys (it knows no identities).
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen fold

keys="$T_TMP/keys"
mkdir -p "$keys"
for k in gitlab gitlab_old gitea alice mallory; do
	ssh-keygen -q -t ed25519 -N '' -C "$k" -f "$keys/$k" || exit 1
done
ssh-keygen -q -t rsa -b 3072 -N '' -C gitlab-rsa -f "$keys/gitlab_rsa" || exit 1
pub() { cat "$keys/$1.pub"; } # the whole line, comment included
fpr() { ssh-keygen -lf "$keys/$1.pub" | cut -d' ' -f2; }
GITLAB="GitLab <noreply@gitlab.com>"
forge_key() { printf '{"key":"%s","identity":"%s"}' "$(pub "$1")" "$2"; } # KEY IDENTITY

signers="$T_TMP/allowed_signers" # the developers
printf 'alice@example.org namespaces="git" %s\n' "$(cut -d' ' -f1,2 "$keys/alice.pub")" >"$signers"
# git's view of the same keys: every key a signer, so git judges the signature alone
git_signers="$T_TMP/git_signers"
for k in alice gitlab gitlab_old gitlab_rsa gitea; do
	printf '%s@example.org namespaces="git" %s\n' "$k" "$(cut -d' ' -f1,2 "$keys/$k.pub")"
done >"$git_signers"

repo="$T_TMP/pipelines"
git init -q "$repo"
git -C "$repo" config gpg.format ssh
git -C "$repo" config gpg.ssh.allowedSignersFile "$git_signers"
git -C "$repo" config user.signingkey "$keys/alice"
echo base >"$repo/pipeline.sh"
git -C "$repo" add pipeline.sh
git -C "$repo" commit -q -m base
base=$(git -C "$repo" rev-parse HEAD)
echo one >>"$repo/pipeline.sh"
git -C "$repo" commit -q -S -am "first by alice"
c1=$(git -C "$repo" rev-parse HEAD)
git -C "$repo" checkout -q -b feature
echo feature >"$repo/feature.sh"
git -C "$repo" add feature.sh
git -C "$repo" commit -q -m "feature work"
side=$(git -C "$repo" rev-parse HEAD)
git -C "$repo" checkout -q main
tree=$(git -C "$repo" rev-parse "$side^{tree}")

# rewrap WIDTH SIGFILE: the armor re-wrapped at WIDTH columns (0: one line)
rewrap() {
	echo "-----BEGIN SSH SIGNATURE-----"
	sed '1d;$d' "$2" | tr -d '\n' | if [ "$1" = 0 ]; then cat; else fold -w "$1"; fi
	echo
	echo "-----END SSH SIGNATURE-----"
}
# forge_commit KEY NAMESPACE WIDTH "NAME <EMAIL>" MESSAGE: a merge of the feature into $c1
# with that committer, signed by KEY in NAMESPACE, armor at WIDTH columns; prints its id
forge_commit() {
	fc_name=${4% <*}
	fc_email=${4##*<}
	GIT_COMMITTER_NAME=$fc_name GIT_COMMITTER_EMAIL=${fc_email%>} \
		git -C "$repo" commit-tree -p "$c1" -p "$side" -m "$5" "$tree" >"$T_TMP/unsigned"
	git -C "$repo" cat-file commit "$(cat "$T_TMP/unsigned")" >"$T_TMP/payload"
	ssh-keygen -q -Y sign -n "$2" -f "$keys/$1" <"$T_TMP/payload" >"$T_TMP/sig" || return 1
	rewrap "$3" "$T_TMP/sig" >"$T_TMP/sig.wrapped"
	{
		sed -n '1,/^$/{/^$/!p}' "$T_TMP/payload"
		sed '1s/^/gpgsig /; 2,$s/^/ /' "$T_TMP/sig.wrapped"
		sed -n '/^$/,$p' "$T_TMP/payload"
	} | git -C "$repo" hash-object -t commit -w --stdin
}
point_main() { git -C "$repo" update-ref refs/heads/main "$1"; }
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }
re() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; } # TEXT as an extended regex
n=0
v() { # mainline verify options: a fresh state each time
	n=$((n + 1))
	"$MAINLINE" verify --source "$repo" --state "$T_TMP/state-$n" --json "$@"
}
gl() { v --allowed-signers "$signers" --forge-key "$(forge_key gitlab "$GITLAB")" "$@"; }
refused() { # DESC REASON VERIFY-FUNCTION [options]
	r_desc=$1 r_want=$2
	shift 2
	t_exit "$r_desc: refused" 1 "$@"
	t_is "$r_desc: reason $r_want" "$(t_out | json_field reason)" "$r_want"
}

# --- GitLab: the merge commit its web interface makes -----------------------------
m=$(forge_commit gitlab git 64 "$GITLAB" "Merge branch 'feature' into 'main'")
point_main "$m"
t_is "the armor is wrapped at 64 columns, as Go's encoding/pem writes it" \
	"$(git -C "$repo" cat-file commit "$m" | sed -n '/^gpgsig/,/END SSH/p' | sed -n 2p | wc -c)" 66
t_ok "git verify-commit accepts the GitLab merge" git -C "$repo" verify-commit "$m"
t_exit "GitLab merge with the GitLab forge key: allowed" 0 gl
t_is "the signer is the forge's identity" "$(t_out | json_field principal)" "$GITLAB"
t_is "the signer key is GitLab's" "$(t_out | json_field key)" "$(fpr gitlab)"
t_like "the signer format is ssh" "$(t_out)" '"format":"ssh"'
t_exit "chain over alice's commit and GitLab's merge: allowed" 0 gl --mode chain --anchor "$base"
t_like "both commits were checked" "$(t_out)" '"checked":2'
t_exit "the forge key alone is a trust root" 0 v --forge-key "$(forge_key gitlab "$GITLAB")"
refused "the merge without the forge key" unknown_key v --allowed-signers "$signers"
refused "the chain with the forge key alone (alice is not trusted)" unknown_key \
	v --forge-key "$(forge_key gitlab "$GITLAB")" --mode chain --anchor "$base"

for w in 70 76 1 0; do
	m=$(forge_commit gitlab git "$w" "$GITLAB" "Merge at width $w")
	point_main "$m"
	t_ok "width $w: git verify-commit accepts it" git -C "$repo" verify-commit "$m"
	t_exit "width $w: allowed" 0 gl
done

m=$(forge_commit gitlab_rsa git 64 "$GITLAB" "Merge signed with an RSA instance key")
point_main "$m"
t_exit "an RSA instance key (rsa-sha2-512): allowed" 0 \
	v --forge-key "$(forge_key gitlab_rsa "$GITLAB")"
t_like "the algorithm is rsa-sha2-512" \
	"$(git -C "$repo" cat-file commit "$m" | sed -n '/^gpgsig/,/END SSH/p' | sed 's/^gpgsig //; s/^ //' |
		sed '1d;$d' | tr -d '\n' | base64 -d | strings)" 'rsa-sha2-512'

m=$(forge_commit gitlab_rsa git 0 "$GITLAB" "Merge with a one-line RSA armor")
point_main "$m"
t_like "the RSA armor on one line is longer than 1024 columns" \
	"$(git -C "$repo" cat-file commit "$m" | sed -n '/^gpgsig/,/END SSH/p' | sed -n 2p | wc -c)" \
	'^(1[0-9]{3}|[2-9][0-9]{3})$'
t_ok "... git verify-commit accepts it" git -C "$repo" verify-commit "$m"
t_exit "... allowed" 0 v --forge-key "$(forge_key gitlab_rsa "$GITLAB")"

# rotated_signing_keys: commits signed by the previous key still verify
m=$(forge_commit gitlab_old git 64 "$GITLAB" "Merge signed before the key rotation")
point_main "$m"
t_exit "a rotated key listed next to the current one: allowed" 0 \
	v --forge-key "$(forge_key gitlab "$GITLAB")" --forge-key "$(forge_key gitlab_old "$GITLAB")"
refused "a rotated key that is no longer listed" unknown_key gl

# self-managed: Gitaly's committer_name and committer_email
ACME="Acme GitLab <gitlab@acme.example>"
m=$(forge_commit gitlab git 64 "$ACME" "Merge on a self-managed instance")
point_main "$m"
t_exit "a self-managed identity, configured: allowed" 0 \
	v --forge-key "$(forge_key gitlab "$ACME")"
t_is "its principal is that identity" "$(t_out | json_field principal)" "$ACME"
refused "the same commit with gitlab.com's identity configured" wrong_identity gl

# --- forged twins ----------------------------------------------------------------
m=$(forge_commit gitlab git 64 "Mallory <mallory@example.org>" "Signed by GitLab, committed as Mallory")
point_main "$m"
t_ok "another committer, GitLab's key: git verify-commit accepts it" git -C "$repo" verify-commit "$m"
refused "another committer, GitLab's key" wrong_identity gl
t_like "the message names both identities" "$(t_out)" \
	"is signed by forge key $(re "$(fpr gitlab)") but its committer is 'Mallory <mallory@example.org>', not 'GitLab <noreply@gitlab.com>'"
t_exit "... the same commit without the forge key: the key is unknown" 1 v --allowed-signers "$signers"

m=$(forge_commit alice git 64 "$GITLAB" "Committed as GitLab, signed by alice")
point_main "$m"
t_ok "GitLab's identity, alice's key: git verify-commit accepts it" git -C "$repo" verify-commit "$m"
refused "GitLab's identity, a developer's key" wrong_identity gl
t_like "the message names the identity and the key" "$(t_out)" \
	"names the forge identity 'GitLab <noreply@gitlab.com>' as its committer but is signed by $(re "$(fpr alice)")"
t_exit "... the same commit without forge keys: alice may sign it" 0 v --allowed-signers "$signers"

m=$(forge_commit mallory git 64 "$GITLAB" "Committed as GitLab, signed by mallory")
point_main "$m"
refused "GitLab's identity, an unknown key" unknown_key gl

m=$(forge_commit gitlab_old git 64 "$GITLAB" "Committed as GitLab, signed by another GitLab key")
point_main "$m"
refused "GitLab's identity, a key that is not the configured one" unknown_key gl

m=$(forge_commit gitlab file 64 "$GITLAB" "Signed in namespace file")
point_main "$m"
refused "GitLab's key in namespace 'file'" wrong_namespace gl
t_fails "git verify-commit refuses the namespace too" git -C "$repo" verify-commit "$m"

m=$(forge_commit gitlab git 64 "Gitlab <noreply@gitlab.com>" "A name that differs in case")
point_main "$m"
refused "a committer name differing in case" wrong_identity gl

m=$(forge_commit gitlab git 64 "$GITLAB" "Merge branch 'feature' into 'main'")
e=$(git -C "$repo" cat-file commit "$m" | sed 's/into .main./into '"'"'release'"'"'/' |
	git -C "$repo" hash-object -t commit -w --stdin)
point_main "$e"
refused "an edited message" bad_signature gl
t_fails "git verify-commit refuses the edit" git -C "$repo" verify-commit "$e"

e=$(git -C "$repo" cat-file commit "$m" | awk '
	/^gpgsig / { print; insig = 1; next }
	insig && /^ / { if (++k == 2) { print; print " " } else print; next }
	{ insig = 0; print }' | git -C "$repo" hash-object -t commit -w --stdin)
point_main "$e"
refused "an empty line inside the armor" bad_signature gl
t_ok "... which git verify-commit accepts (ssh-keygen skips it; mainline's armor is strict)" \
	git -C "$repo" verify-commit "$e"

# --- Gitea / Forgejo: [repository.signing] SIGNING_FORMAT=ssh, trust model 'committer' --
GITEA="Gitea <gitea@git.example.org>"
m=$(forge_commit gitea git 70 "$GITEA" "Merge pull request '#4' from feature")
point_main "$m"
t_exit "a Gitea merge with its identity: allowed" 0 v --forge-key "$(forge_key gitea "$GITEA")"
m=$(forge_commit gitea git 70 "Alice Maintainer <alice@example.org>" "Merged under the collaborator trust model")
point_main "$m"
refused "the collaborator trust model (the user stays the committer)" wrong_identity \
	v --forge-key "$(forge_key gitea "$GITEA")" --allowed-signers "$signers"

# --- the setting as Drone delivers it ---------------------------------------------
m=$(forge_commit gitlab git 64 "$GITLAB" "Merge branch 'feature' into 'main'")
point_main "$m"
list=$(printf '[{"identity":"%s","key":"%s"}]' "$GITLAB" "$(pub gitlab)")
plugin() {
	env -i PATH="$PATH" HOME="$HOME" PLUGIN_SOURCE="$repo" PLUGIN_DRY_RUN=true \
		PLUGIN_CACHE="$T_TMP/cache-$n" DRONE_BUILD_EVENT=push DRONE_COMMIT_REF=refs/heads/main \
		DRONE_COMMIT_BRANCH=main DRONE_REPO=acme/app DRONE_BUILD_NUMBER=7 "$@" "$MAINLINE"
}
n=$((n + 1))
t_exit "plugin: forge_keys as Drone encodes a list of maps (JSON): allowed" 0 \
	plugin PLUGIN_FORGE_KEYS="$list"
t_like "plugin: the log names the forge's identity" "$(t_out)" "GitLab <noreply@gitlab.com>"
n=$((n + 1))
t_exit "plugin: one map (a JSON object): allowed" 0 plugin PLUGIN_FORGE_KEYS="$(forge_key gitlab "$GITLAB")"
t_exit "plugin: an SSH forge key without an identity: a configuration error" 2 \
	plugin PLUGIN_FORGE_KEYS="[{\"key\":\"$(pub gitlab)\"}]"
t_like "plugin: ... saying what is missing" "$(t_out)" "SSH forge key has no 'identity'"
t_exit "plugin: an identity that is not 'Name <email>': a configuration error" 2 \
	plugin PLUGIN_FORGE_KEYS="[{\"key\":\"$(pub gitlab)\",\"identity\":\"GitLab\"}]"
t_like "plugin: ... naming the identity" "$(t_out)" "identity 'GitLab' is not 'Name <email>'"
t_done
