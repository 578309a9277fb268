#!/bin/sh
# The real GitHub history (1,075 web-flow merges signed with RSA keys), served
# over git:// by a local git daemon, side by side with git and gpg in one run:
#   1. chain verification of the fetched cache (empty verified cache, --offline)
#      with the default number of threads and with one, against
#      `git log --first-parent --format=%G?` and against the bare RSA cost of the
#      same 1,075 signatures (tests/helpers/rsa-floor, three passes before each
#      timed chain run, so that floor and chains share the machine's load;
#      `openssl speed` as a check);
#   2. the warm re-check of an unchanged tip, against one `git verify-commit`;
#   3. the cold fetch (fetch, check of the tip's signature, state), against
#      `git clone --bare`, over git://, from a local path (git hard-links the
#      objects; and with --no-hardlinks, git copying them as mainline must) and
#      from file:// (git sends a pack, as over the network).
#   4. the CPU time of those cold fetches from a local path (perf stat's
#      task-clock over every thread and child, the median of RUNS runs), which
#      holds on a loaded machine where the wall-clock times of part 3 do not;
#      skipped without perf.
# Needs ../shared/data/realworld. RUNS (default 30) sets the timed runs of the
# short commands, FETCH_RUNS (default 5) those of the fetches. BASELINE=FILE, a
# mainline binary of another build (e.g. main's), adds its chain verification
# of the same history, from its own cache, to the runs of part 1, its warm
# re-check to part 2 and its cold fetch from the local path to part 3.
set -eu
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-30}
bench_realworld
work=$(mktemp -d "${TMPDIR:-/tmp}/mainline-bench.XXXXXX")
trap bench_cleanup EXIT
export HOME="$work/home" GNUPGHOME="$work/gnupg"
mkdir -p "$HOME"
mkdir -m 700 "$GNUPGHOME"
gpg -q --batch --import "$rw/github-web-flow.asc" 2>/dev/null

anchor=2e0ebfb109aef2073ed1ff73c9790cb10eb950e2
mkdir "$work/srv"
repo="$work/srv/gittuf.git"
git clone -q --bare "$rw/gittuf-main.bundle" "$repo"
tip=$(git -C "$repo" rev-parse main)
bench_git_daemon "$work/srv" gittuf.git
url="$git_url/gittuf.git"
keyring="$rw/github-web-flow.asc"
mainline="$BUILD/mainline"
hf() { hyperfine -N --style basic "$@"; }

echo "machine: $(nproc) CPUs; $(uptime)"
echo
echo "## 1. Chain verification of the fetched cache (1,075 signatures)"
state="$work/state"
chain="$mainline verify --source $url --keyring $keyring --state $state --mode chain --anchor $anchor"
$chain >/dev/null # the fetch; the timed runs verify the cache it made
git -C "$repo" rev-list --first-parent "$anchor..main" | git -C "$repo" cat-file --batch >"$work/batch"
# before each timed run: the state emptied, and three passes of the floor (one line each)
prep() { echo "sh -c 'rm -rf $1/state; $BUILD/tests/helpers/rsa-floor $keyring 3 <$work/batch >>$work/floor'"; }
set --
if [ -n "${BASELINE:-}" ]; then
	base_state="$work/base-state"
	base="$BASELINE verify --source $url --keyring $keyring --state $base_state --mode chain"
	base="$base --anchor $anchor"
	$base >/dev/null
	set -- --prepare "$(prep "$base_state")" -n "baseline chain ($BASELINE)" "$base --offline"
fi
hf --warmup 3 --runs "$RUNS" --export-csv "$work/chain.csv" \
	--prepare "$(prep "$state")" -n "mainline chain (default threads)" "$chain --offline" \
	--prepare "$(prep "$state")" -n "mainline chain (MAINLINE_VERIFY_WORKERS=1)" \
	"env MAINLINE_VERIFY_WORKERS=1 $chain --offline" "$@"
hf --warmup 1 --runs 5 --export-csv "$work/gitlog.csv" \
	-n "git log --first-parent --format=%G? (gpg)" \
	"git -C $repo log --first-parent --format=%G? $anchor..main"
# the median of the passes' medians and the least minimum, over every run's three passes
floor=$(sed -n 's/.*min \([0-9.]*\) ms, median \([0-9.]*\) ms.*/\1 \2/p' "$work/floor" |
	sort -k2 -n | awk '{ m[NR] = $2; if (NR == 1 || $1 < lo) lo = $1 }
	END { printf "min %.1f ms, median %.1f ms over %d runs of 3 passes, between the chain runs",
		lo, m[int((NR + 1) / 2)], NR }')
echo "bare RSA (tests/helpers/rsa-floor): $floor"
speed=$(openssl speed -seconds 3 rsa2048 rsa4096 2>/dev/null | awk '
	/^rsa 2048 bits/ { v2 = $(NF) } /^rsa 4096 bits/ { v4 = $(NF) }
	END { printf "%.1f ms (rsa2048 %.0f verify/s, rsa4096 %.0f verify/s)",
		(180 / v2 + 895 / v4) * 1000, v2, v4 }')
echo "bare RSA (openssl speed: 180 RSA-2048 + 895 RSA-4096 verifications): $speed"

echo
echo "## 2. Warm re-check of an unchanged tip"
$chain --offline >/dev/null
set --
if [ -n "${BASELINE:-}" ]; then
	$base --offline >/dev/null
	set -- -n "baseline verify (unchanged tip: warm)" "$base --offline"
fi
hf --warmup 3 --runs "$RUNS" --export-csv "$work/warm.csv" \
	-n "mainline verify (unchanged tip: warm)" "$chain --offline" \
	-n "git verify-commit (the tip)" "git -C $repo verify-commit $tip" "$@"

echo
echo "## 3. Cold fetch into an empty cache"
cold="$mainline verify --keyring $keyring --state $work/fetch"
clone="git clone -q --bare"
set --
if [ -n "${BASELINE:-}" ]; then
	set -- --prepare "rm -rf $work/base-fetch" -n "baseline verify (cold) from a local path" \
		"$BASELINE verify --keyring $keyring --state $work/base-fetch --source $repo"
fi
hf --warmup 1 --runs "${FETCH_RUNS:-5}" --export-csv "$work/fetch.csv" \
	--prepare "rm -rf $work/fetch" -n "mainline verify (cold) over git://" "$cold --source $url" \
	--prepare "rm -rf $work/clone.git" -n "git clone --bare over git://" "$clone $url $work/clone.git" \
	--prepare "rm -rf $work/fetch" -n "mainline verify (cold) from a local path" "$cold --source $repo" \
	--prepare "rm -rf $work/clone.git" -n "git clone --bare from a local path" \
	"$clone $repo $work/clone.git" \
	--prepare "rm -rf $work/clone.git" -n "git clone --bare --no-hardlinks from a local path" \
	"$clone --no-hardlinks $repo $work/clone.git" \
	--prepare "rm -rf $work/fetch" -n "mainline verify (cold) from file://" \
	"$cold --source file://$repo" \
	--prepare "rm -rf $work/clone.git" -n "git clone --bare from file://" \
	"$clone file://$repo $work/clone.git" "$@"

echo
echo "## 4. CPU time of the cold fetch from a local path (perf stat task-clock, median of $RUNS)"
cpu() { # NAME PREPARE COMMAND...: the median task-clock in ms of RUNS runs
	n=$1 p=$2
	shift 2
	i=0
	while [ $i -lt "$RUNS" ]; do
		sh -c "$p"
		perf stat -x, -e task-clock -o "$work/perf.out" "$@" >/dev/null 2>&1
		awk -F, '/task-clock/ { print $1 }' "$work/perf.out"
		i=$((i + 1))
	done | sort -n | awk -v n="$n" '{ v[NR] = $1 }
		END { printf "  %-52s median %8.1f  min %8.1f\n", n, v[int((NR + 1) / 2)], v[1] }'
}
if command -v perf >/dev/null 2>&1 && perf stat -e task-clock true >/dev/null 2>&1; then
	cpu "mainline verify (cold) from a local path" "rm -rf $work/fetch" $cold --source "$repo"
	[ -z "${BASELINE:-}" ] || cpu "baseline verify (cold) from a local path" \
		"rm -rf $work/base-fetch" "$BASELINE" verify --keyring "$keyring" \
		--state "$work/base-fetch" --source "$repo"
	cpu "git clone --bare from a local path" "rm -rf $work/clone.git" $clone "$repo" "$work/clone.git"
	cpu "git clone --bare --no-hardlinks from a local path" "rm -rf $work/clone.git" \
		$clone --no-hardlinks "$repo" "$work/clone.git"
else
	echo "  (no perf: skipped)"
fi

echo
echo "## Summary (medians in ms; ratios of medians)"
cat "$work/chain.csv" >"$work/all.csv"
for f in gitlog warm fetch; do tail -n +2 "$work/$f.csv" >>"$work/all.csv"; done
bench_medians "$work/all.csv" >"$work/medians"
med() { awk -F'\t' -v n="$1" '$1 == n { print $2 }' "$work/medians"; }
floor_med=$(echo "$floor" | sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')
awk -F'\t' '{ printf "  %-52s median %8.1f  min %8.1f\n", $1, $2, $3 }' "$work/medians"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }
line() { printf "  %-46s %s\n" "$1" "$2"; }
both() { # A-NAME B-NAME: the ratio of the medians, and of the minimums
	a=$(awk -F'\t' -v n="$1" '$1 == n { print $2, $3 }' "$work/medians")
	b=$(awk -F'\t' -v n="$2" '$1 == n { print $2, $3 }' "$work/medians")
	echo "$(ratio "${a% *}" "${b% *}") (minimums: $(ratio "${a#* }" "${b#* }"))"
}
par=$(med "mainline chain (default threads)")
seq1=$(med "mainline chain (MAINLINE_VERIFY_WORKERS=1)")
floor_min=$(echo "$floor" | sed -n 's/.*min \([0-9.]*\) ms.*/\1/p')
par_min=$(awk -F'\t' '$1 == "mainline chain (default threads)" { print $3 }' "$work/medians")
seq_min=$(awk -F'\t' '$1 == "mainline chain (MAINLINE_VERIFY_WORKERS=1)" { print $3 }' "$work/medians")
line "chain, default threads / bare RSA:" \
	"$(ratio "$par" "$floor_med") (minimums: $(ratio "$par_min" "$floor_min"))"
line "chain, one thread / bare RSA:" \
	"$(ratio "$seq1" "$floor_med") (minimums: $(ratio "$seq_min" "$floor_min"))"
if [ -n "${BASELINE:-}" ]; then
	line "chain, default threads / baseline:" \
		"$(both "mainline chain (default threads)" "baseline chain ($BASELINE)")"
	b=$(awk -F'\t' -v n="baseline chain ($BASELINE)" '$1 == n { print $2, $3 }' "$work/medians")
	line "baseline / bare RSA:" \
		"$(ratio "${b% *}" "$floor_med") (minimums: $(ratio "${b#* }" "$floor_min"))"
fi
line "git log %G? / chain, default threads:" \
	"$(both "git log --first-parent --format=%G? (gpg)" "mainline chain (default threads)")"
line "warm re-check / one git verify-commit:" \
	"$(both "mainline verify (unchanged tip: warm)" "git verify-commit (the tip)")"
line "cold fetch / git clone --bare, git://:" \
	"$(both "mainline verify (cold) over git://" "git clone --bare over git://")"
line "cold fetch / git clone --bare, local path:" \
	"$(both "mainline verify (cold) from a local path" "git clone --bare from a local path")"
line "cold fetch / git clone --no-hardlinks, path:" \
	"$(both "mainline verify (cold) from a local path" \
		"git clone --bare --no-hardlinks from a local path")"
line "cold fetch / git clone --bare, file://:" \
	"$(both "mainline verify (cold) from file://" "git clone --bare from file://")"
if [ -n "${BASELINE:-}" ]; then
	line "warm re-check, baseline / git verify-commit:" \
		"$(both "baseline verify (unchanged tip: warm)" "git verify-commit (the tip)")"
	line "cold fetch, baseline / git clone, local path:" \
		"$(both "baseline verify (cold) from a local path" "git clone --bare from a local path")"
fi
echo "machine at the end: $(uptime)"
