#!/bin/sh
# Chain verification of the real GitHub history (1,075 web-flow merges) side by
# side with git + gpg, in one run. Needs ../shared/data/realworld.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$root/$BUILD" ;; esac
rw="$root/../shared/data/realworld"
[ -f "$rw/gittuf-main.bundle" ] || { echo "no real-world data; skipped"; exit 0; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mainline-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" GNUPGHOME="$work/gnupg"
mkdir -p "$HOME" "$GNUPGHOME"
chmod 700 "$GNUPGHOME"
anchor=2e0ebfb109aef2073ed1ff73c9790cb10eb950e2
git clone -q --bare "$rw/gittuf-main.bundle" "$work/repo.git"
gpg -q --batch --import "$rw/github-web-flow.asc" 2>/dev/null

state="$work/state"
verify="$BUILD/mainline verify --source $work/repo.git --keyring $rw/github-web-flow.asc --state $state --mode chain --anchor $anchor"
$verify >/dev/null # fills the object cache; the timed runs only verify
hyperfine --style basic --warmup 1 --runs 5 --export-markdown "$work/cold.md" \
	--prepare "rm -rf $state/state" \
	-n "mainline verify --mode chain (cold state)" "$verify --offline" \
	-n "git log --first-parent --format=%G? (gpg)" \
	"git -C $work/repo.git log --first-parent --format=%G? $anchor..main >/dev/null"
hyperfine --style basic --warmup 3 --runs 30 --export-markdown "$work/warm.md" \
	-n "mainline verify (warm, unchanged tip)" "$verify --offline"
cat "$work/cold.md" "$work/warm.md"
echo
echo "OpenSSL alone (openssl speed): 180 RSA-2048 + 895 RSA-4096 verifications:"
openssl speed -seconds 3 rsa2048 rsa4096 2>/dev/null | awk '
	/^rsa 2048 bits/ { v2 = $(NF) } /^rsa 4096 bits/ { v4 = $(NF) }
	END { printf "  rsa2048 %.0f verify/s, rsa4096 %.0f verify/s -> %.1f ms\n", v2, v4,
		(180 / v2 + 895 / v4) * 1000 }'
