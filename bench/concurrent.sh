#!/bin/sh
# N plugin runs at once on one cache and one audit file, each running `sleep S`
# (default 20 runs, 5 s): the wall time against one run alone, and against what
# the runs hold the cache lock for (their fetch and verification). With
# BASELINE=path/to/another/mainline the same is measured for that binary too,
# side by side (e.g. a build of an older commit).
#   BUILD=build bench/concurrent.sh [N] [S]
set -eu
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
n=${1:-20}
secs=${2:-5}
image=mainline-test/busybox:1
"$root/scripts/dockerd.sh"
"$root/scripts/test-image.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/mainline-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git config --global init.defaultBranch main

ssh-keygen -q -t ed25519 -N '' -C release -f "$work/key"
signers=$(printf 'release@example.org %s' "$(cut -d' ' -f1,2 "$work/key.pub")")
repo="$work/pipelines"
git init -q "$repo"
git -C "$repo" config gpg.format ssh
git -C "$repo" config user.signingkey "$work/key"
git -C "$repo" -c user.name=Alice -c user.email=alice@example.org commit -q -S --allow-empty \
	-m pipeline

plugin() { # BINARY CACHE AUDIT BUILD_NUMBER
	env -i PATH="$PATH" HOME="$HOME" \
		PLUGIN_SOURCE="$repo" PLUGIN_ALLOWED_SIGNERS="$signers" PLUGIN_IMAGE="$image" \
		PLUGIN_COMMAND="[\"sleep\",\"$secs\"]" PLUGIN_CACHE="$2" PLUGIN_AUDIT_FILE="$3" \
		DRONE_BUILD_EVENT=push DRONE_COMMIT_REF=refs/heads/main DRONE_COMMIT_BRANCH=main \
		DRONE_COMMIT_SHA=0123456789abcdef0123456789abcdef01234567 DRONE_REPO=acme/app \
		DRONE_BUILD_NUMBER="$4" DRONE_STEP_NAME=release "$1" >/dev/null 2>&1
}
now() { date +%s.%N; }
# seconds from t0 until the last of the records in FILE had verified: its start
# ("time") plus its gate, fetch (lock wait included) and verify durations
verified_after() { # FILE T0
	while IFS= read -r line; do
		start=$(date -d "$(printf '%s' "$line" | sed 's/.*"time":"\([^"]*\)".*/\1/')" +%s.%N)
		ms=0
		for k in gate fetch verify; do
			v=$(printf '%s' "$line" | sed "s/.*\"durations_ms\":{[^}]*\"$k\":\([0-9]*\).*/\1/")
			ms=$((ms + v))
		done
		echo "$start $ms"
	done <"$1" | awk -v t0="$2" '{ e = $1 + $2 / 1000 - t0; if (e > m) m = e } END { printf "%.2f", m }'
}
ratio() { echo "$1 $2" | awk '{ printf "%.1f", $1 / $2 }'; }
since() { echo "$(now) $1" | awk '{ printf "%.2f", $1 - $2 }'; }

measure() { # LABEL BINARY
	label=$1
	bin=$2
	cache="$work/cache-$(printf %s "$label" | tr -c a-z0-9 _)"
	audit="$cache.jsonl"
	plugin "$bin" "$cache" "$audit" 1 # the first fetch, out of the figures
	t0=$(now)
	plugin "$bin" "$cache" "$audit" 2
	one=$(since "$t0")
	t0=$(now)
	i=0
	pids=
	while [ $i -lt "$n" ]; do
		plugin "$bin" "$cache" "$audit" $((100 + i)) &
		pids="$pids $!"
		i=$((i + 1))
	done
	failed=0
	for p in $pids; do wait "$p" || failed=$((failed + 1)); done
	all=$(since "$t0")
	tail -n "$n" "$audit" >"$audit.last"
	"$bin" audit verify "$audit" >/dev/null || failed="$failed, and the chain is broken"
	printf '| %s | %s s | %s s | %s× | %s s | %s |\n' "$label" "$one" "$all" "$(ratio "$all" "$one")" \
		"$(verified_after "$audit.last" "$t0")" "$failed"
}

# The engine's own floor: the same number of containers, started at once by the CLI.
cli() {
	t0=$(now)
	docker run --rm "$image" sleep "$secs" >/dev/null
	one=$(since "$t0")
	t0=$(now)
	i=0
	pids=
	while [ $i -lt "$n" ]; do
		docker run --rm "$image" sleep "$secs" >/dev/null &
		pids="$pids $!"
		i=$((i + 1))
	done
	for p in $pids; do wait "$p"; done
	all=$(since "$t0")
	printf '| %s | %s s | %s s | %s× | | |\n' "docker run --rm (no verification)" "$one" "$all" \
		"$(ratio "$all" "$one")"
}

echo "## $n plugin runs at once, one cache, one audit file, each running 'sleep $secs'"
echo
echo "| what | one run alone | $n at once | $n at once / one alone | the last run verified after | failed runs |"
echo "|---|---:|---:|---:|---:|---:|"
measure "mainline (this build)" "$BUILD/mainline"
[ -z "${BASELINE:-}" ] || measure "mainline ($BASELINE)" "$BASELINE"
cli
