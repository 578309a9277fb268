#!/bin/sh
# Chain verification of N SSH-signed first-parent commits, side by side with
# git's own verification, in one run. Usage: bench/verify-ssh.sh [N] (default 1000)
set -eu
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
mainline="$BUILD/mainline"
n=${1:-1000}
work=$(mktemp -d "${TMPDIR:-/tmp}/mainline-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.org
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.org

ssh-keygen -q -t ed25519 -N '' -f "$work/key"
printf 'bench@example.org %s\n' "$(cut -d' ' -f1,2 "$work/key.pub")" >"$work/signers"
repo="$work/repo"
git init -q -b main "$repo"
git -C "$repo" config gpg.format ssh
git -C "$repo" config user.signingkey "$work/key"
git -C "$repo" config gpg.ssh.allowedSignersFile "$work/signers"
git -C "$repo" commit -q --allow-empty -m anchor
anchor=$(git -C "$repo" rev-parse HEAD)
echo "making $n signed commits..." >&2
i=0
while [ $i -lt "$n" ]; do
	i=$((i + 1))
	git -C "$repo" commit -q -S --allow-empty -m "commit $i"
done

state="$work/state"
verify="$mainline verify --source $repo --allowed-signers $work/signers --state $state --mode chain --anchor $anchor"
$verify >/dev/null # fills the object cache; the timed runs below only verify
git -C "$repo" rev-list --first-parent "$anchor..main" >"$work/list"

hyperfine --style basic --warmup 1 --runs 5 --export-markdown "$work/cold.md" \
	--prepare "rm -rf $state/state" \
	-n "mainline verify --mode chain (cold state)" "$verify --offline" \
	-n "git log --first-parent --format=%G?" \
	"git -C $repo log --first-parent --format=%G? $anchor..main >/dev/null" \
	-n "git verify-commit loop" \
	"xargs -a $work/list -n1 git -C $repo verify-commit 2>/dev/null"
$verify --offline >/dev/null
hyperfine --style basic --warmup 3 --runs 30 --export-markdown "$work/warm.md" \
	-n "mainline verify (warm, unchanged tip)" "$verify --offline"
cat "$work/cold.md" "$work/warm.md"
echo
echo "OpenSSL alone (openssl speed ed25519), $n verifications:"
openssl speed -seconds 3 ed25519 2>/dev/null | awk -v n="$n" '/Ed25519/ && $NF ~ /^[0-9.]+$/ {
	printf "  %.1f verify/s -> %.1f ms for %d\n", $NF, n / $NF * 1000, n }'
