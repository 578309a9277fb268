#!/bin/sh
# The shared state on the real GitHub history (1,075 web-flow merges, chain mode): a fresh
# runner against a warm shared state (another runner verified the chain) side by side with a
# fresh runner without one, and what the state's round trips add to a warm build, against a
# private PostgreSQL on loopback (TCP, scram-sha-256, as a runner would log in). Needs
# ../shared/data/realworld and PostgreSQL 15 (scripts/deps.sh bench).
# The warm build's rows also time psql's login and one query over the same URL, its start alone,
# and both mainline and psql on the server's unix socket (trust: no TCP, no SCRAM), which
# shows what the login itself costs.
#   RUNS=N   runs per command (default 30); the machine's load is printed before and after.
set -eu
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-30}
bench_realworld
# the private server of the tests (tests/t/lib.sh: t_postgres_start, t_psql)
# shellcheck disable=SC1091
. "$root/tests/t/lib.sh" >/dev/null
t_postgres_start >/dev/null || { echo "PostgreSQL did not start; skipped"; exit 0; }
t_psql "CREATE ROLE bench LOGIN PASSWORD 'bench-pw'"
t_psql "CREATE DATABASE bench OWNER bench"
url="postgres://bench:bench-pw@127.0.0.1:$pg_port/bench"
work="$T_TMP/bench"
mkdir -p "$work"
anchor=2e0ebfb109aef2073ed1ff73c9790cb10eb950e2
git clone -q --bare "$rw/gittuf-main.bundle" "$work/repo.git"
mainline="$BUILD/mainline"
"$mainline" state migrate --state-url "$url" >/dev/null
verify="$mainline verify --source $work/repo.git --keyring $rw/github-web-flow.asc --mode chain --anchor $anchor"
checked() { sed -n 's/.*"checked":\([0-9]*\).*/\1/p'; }

# another runner verifies the whole chain: the shared state is warm
$verify --state "$work/first" --state-url "$url" >/dev/null
# a fetched cache to copy: "fresh" runners below have the objects but no verification state
$verify --state "$work/objects" >/dev/null
rm -rf "$work/objects/state"
fresh() { rm -rf "$work/fresh" && cp -a "$work/objects" "$work/fresh"; }
fresh
echo "checked by a fresh runner with the shared state:    $($verify --state "$work/fresh" --state-url "$url" --offline --json | checked)"
fresh
echo "checked by a fresh runner without it:                $($verify --state "$work/fresh" --offline --json | checked)"
echo "rows in the shared verified cache: $(t_psql bench "SELECT count(*) FROM mainline.verified")"
echo "load before: $(cat /proc/loadavg)"

hyperfine -N --style basic --warmup 2 --runs "$RUNS" --export-markdown "$work/fresh.md" \
	--prepare "sh -c 'rm -rf $work/fresh && cp -a $work/objects $work/fresh'" \
	-n "fresh runner, warm shared state (verify --offline)" \
	"$verify --state $work/fresh --state-url $url --offline" \
	-n "fresh runner, no shared state (verify --offline)" "$verify --state $work/fresh --offline"
hyperfine -N --style basic --warmup 1 --runs "$((RUNS / 3 > 5 ? RUNS / 3 : 5))" \
	--export-markdown "$work/fetch.md" --prepare "rm -rf $work/empty" \
	-n "empty cache: fetch + verify, warm shared state" "$verify --state $work/empty --state-url $url" \
	-n "empty cache: fetch + verify, no shared state" "$verify --state $work/empty"
# warm builds: the same runner again, unchanged tip, its own state warm
$verify --state "$work/warm" --state-url "$url" >/dev/null
$verify --state "$work/warm-alone" >/dev/null
# the same server through its unix socket, where it trusts local users: no TCP, no SCRAM
sock_url="postgres://bench@/bench?host=$pg_dir/sock&port=$pg_port"
$verify --state "$work/warm-sock" --state-url "$sock_url" >/dev/null
hyperfine -N --style basic --warmup 3 --runs "$((RUNS * 2))" --export-markdown "$work/warm.md" \
	-n "warm build with the shared state (verify --offline)" \
	"$verify --state $work/warm --state-url $url --offline" \
	-n "warm build without it (verify --offline)" "$verify --state $work/warm-alone --offline" \
	-n "psql: log in over the same URL, one query" "$T_PG_BIN/psql -X -q -At -d $url -c 'SELECT 1'" \
	-n "psql --version (its start alone)" "$T_PG_BIN/psql --version" \
	-n "warm build with the shared state on the unix socket, trust (verify --offline)" \
	"$verify --state $work/warm-sock --state-url $sock_url --offline" \
	-n "psql: log in on the unix socket, one query" "$T_PG_BIN/psql -X -q -At -d $sock_url -c 'SELECT 1'"
# a warm plugin build (dry run: gate, fetch, verify, audit), which with state_url adds the
# connection, the schema and audit-chain checks, the floor and cache reads and the record's
# append in its own connection; no engine is asked about the cache (DOCKER_HOST points nowhere)
plugin="env -i PATH=$PATH DOCKER_HOST=unix://$work/no-engine.sock PLUGIN_SOURCE=$work/repo.git
	PLUGIN_KEYRING=$rw/github-web-flow.asc PLUGIN_MODE=chain PLUGIN_ANCHOR=$anchor
	PLUGIN_IMAGE=busybox PLUGIN_COMMAND=true PLUGIN_DRY_RUN=true DRONE_BUILD_EVENT=push
	DRONE_COMMIT_REF=refs/heads/main DRONE_COMMIT_BRANCH=main DRONE_REPO=acme/app
	DRONE_BUILD_NUMBER=1 DRONE_STEP_NAME=release"
$plugin PLUGIN_CACHE="$work/plugin" PLUGIN_STATE_URL="$url" "$mainline" >/dev/null 2>&1
$plugin PLUGIN_CACHE="$work/plugin-alone" "$mainline" >/dev/null 2>&1
$plugin PLUGIN_CACHE="$work/plugin-sock" PLUGIN_STATE_URL="$sock_url" "$mainline" >/dev/null 2>&1
# shellcheck disable=SC2086
hyperfine -N --style basic --warmup 3 --runs "$((RUNS * 2))" --export-markdown "$work/plugin.md" \
	-n "warm plugin build (dry run) with the shared state" \
	"$(echo $plugin) PLUGIN_CACHE=$work/plugin PLUGIN_STATE_URL=$url $mainline" \
	-n "warm plugin build (dry run) without it" \
	"$(echo $plugin) PLUGIN_CACHE=$work/plugin-alone $mainline" \
	-n "warm plugin build (dry run) with the shared state on the unix socket, trust" \
	"$(echo $plugin) PLUGIN_CACHE=$work/plugin-sock PLUGIN_STATE_URL=$sock_url $mainline"
echo "records appended by the benchmark: $(t_psql bench "SELECT count(*) FROM mainline.audit")"
echo "load after: $(cat /proc/loadavg)"
cat "$work/fresh.md" "$work/fetch.md" "$work/warm.md" "$work/plugin.md"
