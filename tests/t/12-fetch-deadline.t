#!/bin/sh
# The fetch deadline and cancel, against real git servers and broken ones: a server that
# accepts and never answers, or trickles a byte a second, ends the run at fetch_timeout
# (fetch_failed, with its audit record); SIGTERM or SIGINT while waiting for the cache lock,
# while fetching from a slow real server, while indexing a large pack and while verifying a
# long history ends the run at once (canceled, with its audit record), and nothing of the
# fetch outlives the run or breaks the next one.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen python3 flock pgrep

ms() { echo $(($(date +%s%N) / 1000000)); }

ssh-keygen -q -t ed25519 -N '' -C release -f "$T_TMP/key"
signers=$(printf 'release@example.org %s' "$(cut -d' ' -f1,2 "$T_TMP/key.pub")")
srv="$T_TMP/srv"
mkdir -p "$srv"

signed_tip() { # REPO: a signed commit on top of what the repository holds
	git -C "$1" config gpg.format ssh
	git -C "$1" config user.signingkey "$T_TMP/key"
	git -C "$1" reset -q --hard main
	echo "verified pipeline" >"$1/pipeline.sh"
	git -C "$1" add pipeline.sh
	git -C "$1" commit -q -S -m "signed tip"
}

# small: one signed commit
git init -q "$srv/small"
git -C "$srv/small" commit -q --allow-empty -m "root"
signed_tip "$srv/small"

# big: a 260 KiB file changed 3000 times, stored as deltas: a small pack (2 MiB) whose deltas
# libgit2 resolves after the last byte arrived, for about a second on a quiet machine
git init -q "$srv/big"
python3 - 3000 6000 <<'PY' | git -C "$srv/big" fast-import --quiet
import random, sys
out = sys.stdout.buffer
random.seed(1)
n, width = int(sys.argv[1]), int(sys.argv[2])
lines = [b"line %d %s\n" % (i, b"x" * 40) for i in range(width)]
for c in range(n):
    for k in range(3):
        lines[random.randrange(width)] = b"changed %d %d %s\n" % (c, k, b"y" * 30)
    data = b"".join(lines)
    msg = b"change %d\n" % c
    out.write(b"commit refs/heads/main\ncommitter A <a@example.org> %d +0000\n" % (1700000000 + c))
    out.write(b"data %d\n%s" % (len(msg), msg))
    out.write(b"M 100644 inline big.txt\ndata %d\n%s\n" % (len(data), data))
PY
signed_tip "$srv/big"

# long: 200,000 commits on the first-parent line, a signed tip: verifying from the root
# reads every one of them
git init -q "$srv/long"
python3 - 200000 <<'PY' | git -C "$srv/long" fast-import --quiet
import sys
out = sys.stdout.buffer
out.write(b"blob\nmark :1\ndata 3\nhi\n")
for c in range(int(sys.argv[1])):
    msg = b"c%d\n" % c
    out.write(b"commit refs/heads/main\ncommitter A <a@example.org> %d +0000\n" % (1700000000 + c))
    out.write(b"data %d\n%s" % (len(msg), msg))
    if c == 0:
        out.write(b"M 100644 :1 f\n")
    out.write(b"\n")
PY
signed_tip "$srv/long"
long_root=$(git -C "$srv/long" rev-list --max-parents=0 main)

t_start_git_daemon "$srv"
git_url="git://127.0.0.1:$git_port"
echo 0 >"$T_TMP/rate"
mkdir -p "$T_TMP/proxy"
t_start_fault_server proxy "$git_port" "$T_TMP/rate" "$T_TMP/proxy"
slow_url="git://127.0.0.1:$fault_port"

# the plugin as Drone's runner starts it, in a dry run with an audit file
EXEC=
plugin() { # SOURCE [VAR=VALUE...]
	p_src=$1
	shift
	$EXEC env -i PATH="$PATH" HOME="$HOME" PLUGIN_SOURCE="$p_src" PLUGIN_ALLOWED_SIGNERS="$signers" \
		PLUGIN_DRY_RUN=true PLUGIN_CACHE="$T_TMP/cache" PLUGIN_AUDIT_FILE="$T_TMP/audit.jsonl" \
		DRONE_BUILD_EVENT=push DRONE_COMMIT_REF=refs/heads/main DRONE_COMMIT_BRANCH=main \
		DRONE_COMMIT_SHA=0123456789abcdef0123456789abcdef01234567 DRONE_REPO=acme/app \
		DRONE_BUILD_NUMBER=7 DRONE_STEP_NAME=release "$@" "$MAINLINE"
}
record() { t_audit_field "$T_TMP/audit.jsonl" "$@"; }
records() { wc -l <"$T_TMP/audit.jsonl" | tr -d ' '; }
cache_dir() { # CACHE URL: the URL's directory in that cache
	echo "$1/$(printf %s "$2" | sha256sum | cut -c1-32)"
}
# run_bg LOG SOURCE [VAR=VALUE...]: the plugin in the background; sets $pid (mainline's)
run_bg() {
	b_log=$1
	shift
	EXEC=exec plugin "$@" >"$b_log" 2>&1 &
	pid=$!
}
# stop SIGNAL: sends it to $pid and waits; sets $rc and $stop_ms (signal to exit)
stop() {
	s_t0=$(ms)
	kill -"$1" "$pid"
	wait "$pid"
	rc=$?
	stop_ms=$(($(ms) - s_t0))
	echo "# exited $stop_ms ms after SIG$1"
}
# wait_for CONDITION...: until the command succeeds, 60 s at most
wait_for() {
	w_i=0
	while ! "$@" && [ $w_i -lt 600 ]; do
		sleep 0.1
		w_i=$((w_i + 1))
	done
	"$@"
}
lock_free() { flock -n "$1/lock" true; }
# was_canceled WHAT LOG PATTERN: the run stop() ended came to an end as a cancel, at once
was_canceled() {
	t_is "$1: exit 2" "$rc" 2
	t_like "$1: the log says canceled" "$(cat "$2")" "error: canceled: $3"
	t_is "$1: its audit record is written" "$(records)" $((n + 1))
	t_is "$1: reason canceled, not fetch_failed" "$(record reason)" canceled
	[ "$stop_ms" -lt 2000 ]
	t_result "$1: at once ($stop_ms ms)" $?
}

t_exit "the fixtures verify over git://" 0 plugin "$git_url/small"
n=$(records)

# --- servers that never answer or trickle -------------------------------------------
deadline() { # DESC URL TIMEOUT-SECONDS: mainline verify with --fetch-timeout
	d_t0=$(ms)
	t_exit "$1: refused" 2 "$MAINLINE" verify --source "$2" --allowed-signers "$T_TMP/signers" \
		--state "$T_TMP/state-verify" --fetch-timeout "${3}s" --json
	d_ms=$(($(ms) - d_t0))
	echo "# ended after $d_ms ms"
	t_like "$1: fetch_failed, timed out" "$(t_out)" \
		"\"reason\":\"fetch_failed\",\"message\":\"fetch from '[^']*' timed out after $3 s"
	[ "$d_ms" -ge $(($3 * 1000)) ] && [ "$d_ms" -lt $(($3 * 1000 + 5000)) ]
	t_result "$1: at the deadline (${d_ms} ms for ${3} s)" $?
}
printf '%s\n' "$signers" >"$T_TMP/signers"
t_start_fault_server silent
deadline "git:// server that never answers" "git://127.0.0.1:$fault_port/x" 2
deadline "http:// server that never answers" "http://127.0.0.1:$fault_port/x.git" 2
deadline "https:// server that never answers (no TLS handshake)" \
	"https://127.0.0.1:$fault_port/x.git" 2
deadline "ssh:// server that never answers (no banner)" "ssh://git@127.0.0.1:$fault_port/x.git" 2
silent_port=$fault_port
t_start_fault_server trickle-git
deadline "git:// server trickling a byte a second" "git://127.0.0.1:$fault_port/x" 3
t_start_fault_server trickle-http
deadline "http:// server trickling a byte a second" "http://127.0.0.1:$fault_port/x.git" 3
echo 1 >"$T_TMP/rate"
deadline "a real git server behind a link of one byte a second" "$slow_url/small" 3
echo 0 >"$T_TMP/rate"

t_exit "plugin mode: a server that never answers" 2 \
	plugin "git://127.0.0.1:$silent_port/x" PLUGIN_FETCH_TIMEOUT=2s
t_like "... says it timed out" "$(t_out)" "error: fetch_failed: fetch from '[^']*' timed out after 2 s"
t_is "... its audit record is written" "$(records)" $((n + 1))
t_is "... reason fetch_failed" "$(record reason)" fetch_failed
t_like "... the record's message" "$(record message)" "timed out after 2 s \(no object received\)"
t_like "... the fetch lasted the deadline" "$(record durations_ms fetch)" '^2[0-9]{3}$'
t_is "... nothing was verified" "$(record durations_ms verify)" null

# the setting's rules: a duration, more than nothing, at most the policy's
t_exit "fetch_timeout 0s is refused" 2 plugin "$git_url/small" PLUGIN_FETCH_TIMEOUT=0s
t_like "... naming the setting" "$(t_out)" "setting 'fetch_timeout' must be longer than 0s"
t_exit "fetch_timeout without a unit is refused" 2 "$MAINLINE" verify --source "$git_url/small" \
	--allowed-signers "$T_TMP/signers" --state "$T_TMP/state-verify" --fetch-timeout 600
t_like "... as an invalid duration" "$(t_out)" "invalid duration '600' for setting 'fetch_timeout'"
echo '{"fetch_timeout":"2s"}' >"$T_TMP/policy.json"
t_exit "a policy's fetch_timeout cannot be lengthened" 1 "$MAINLINE" verify \
	--source "$git_url/small" --allowed-signers "$T_TMP/signers" --state "$T_TMP/state-verify" \
	--policy "$T_TMP/policy.json" --fetch-timeout 10m
t_like "... policy_widened" "$(t_out)" "policy_widened.*'fetch_timeout'"
t_exit "a policy's fetch_timeout is the deadline when the setting is unset" 2 "$MAINLINE" verify \
	--source "git://127.0.0.1:$silent_port/x" --allowed-signers "$T_TMP/signers" \
	--state "$T_TMP/state-verify" --policy "$T_TMP/policy.json"
t_like "... and it ends the fetch" "$(t_out)" "timed out after 2 s"

# --- cancel while waiting for the cache lock --------------------------------------------
dir=$(cache_dir "$T_TMP/cache" "$git_url/small")
rm -f "$T_TMP/held"
python3 -c 'import fcntl, sys, time
f = open(sys.argv[1], "a"); fcntl.flock(f, fcntl.LOCK_EX); open(sys.argv[2], "w").close()
time.sleep(120)' "$dir/lock" "$T_TMP/held" &
holder=$!
wait_for test -e "$T_TMP/held"
for sig in TERM INT; do
	n=$(records)
	run_bg "$T_TMP/lock.log" "$git_url/small"
	sleep 1
	t_ok "SIG$sig while waiting for the lock: still waiting after 1 s" kill -0 "$pid"
	stop "$sig"
	was_canceled "SIG$sig while waiting for the lock" "$T_TMP/lock.log" \
		"canceled while waiting for the lock on cache '$dir'"
done
kill "$holder"
wait "$holder" 2>/dev/null

# --- cancel while fetching from a slow real server ------------------------------------
dir=$(cache_dir "$T_TMP/cache" "$slow_url/big")
n=$(records)
echo 10000 >"$T_TMP/rate"
run_bg "$T_TMP/fetch.log" "$slow_url/big"
# the pack is arriving: libgit2 writes it to a temporary file as it comes
pack_flowing() {
	[ "$(cat "$dir"/git/objects/pack/pack_git2_* 2>/dev/null | wc -c)" -gt 20000 ]
}
wait_for pack_flowing
stop TERM
was_canceled "SIGTERM while fetching" "$T_TMP/fetch.log" \
	"canceled while fetching from '$slow_url/big' \(receiving objects: [0-9]+ of [0-9]+"
t_like "... the fetch's span is recorded" "$(record durations_ms fetch)" '^[0-9]+$'
t_ok "... no fetch process is left holding the cache" lock_free "$dir"
t_ok "... the killed fetch left its temporary pack" sh -c 'ls "$1"/git/objects/pack/pack_git2_* >/dev/null' - "$dir"
echo 0 >"$T_TMP/rate"
t_exit "the next run on that cache fetches and verifies" 0 plugin "$slow_url/big"
t_fails "... and removed the temporary pack" sh -c 'ls "$1"/git/objects/pack/pack_git2_* 2>/dev/null' - "$dir"
t_ok "... git agrees the cache is whole" git --git-dir="$dir/git" fsck --no-dangling

# --- mainline killed while fetching: its fetch process dies with it ------------------
dir=$(cache_dir "$T_TMP/cache-kill" "$slow_url/big")
echo 10000 >"$T_TMP/rate"
run_bg "$T_TMP/kill.log" "$slow_url/big" PLUGIN_CACHE="$T_TMP/cache-kill"
wait_for pack_flowing
kill -KILL "$pid"
{ wait "$pid"; } 2>/dev/null
t_ok "SIGKILL while fetching: the fetch process ends with mainline (the lock is free)" \
	wait_for lock_free "$dir"
echo 0 >"$T_TMP/rate"

# --- cancel while indexing ---------------------------------------------------------------
dir=$(cache_dir "$T_TMP/cache-index" "$slow_url/big")
n=$(records)
rm -f "$T_TMP/proxy/sent" "$T_TMP/proxy/eof"
run_bg "$T_TMP/index.log" "$slow_url/big" PLUGIN_CACHE="$T_TMP/cache-index"
# the server has sent its last byte and the pack has stopped growing: libgit2 now resolves
# its deltas. Looked at every 20 ms, so that the signal comes early in that second.
pack_size() { cat "$dir"/git/objects/pack/pack_git2_* 2>/dev/null | wc -c; }
pack_complete() {
	[ -e "$T_TMP/proxy/eof" ] || return 1
	c_size=$(pack_size)
	sleep 0.05
	[ "$c_size" -gt 0 ] && [ "$(pack_size)" = "$c_size" ]
}
i=0
while ! pack_complete && [ $i -lt 3000 ]; do
	sleep 0.02
	i=$((i + 1))
done
stop TERM
echo "# stopped at: $(grep -o 'indexing: [0-9]* of [0-9]* deltas resolved' "$T_TMP/index.log")"
was_canceled "SIGTERM while indexing" "$T_TMP/index.log" \
	"canceled while fetching from '[^']*' \(indexing: [0-9]+ of [0-9]+ deltas resolved\)"
t_ok "... no fetch process is left holding the cache" lock_free "$dir"

# --- cancel while verifying ----------------------------------------------------------------
dir=$(cache_dir "$T_TMP/cache-verify" "$git_url/long")
n=$(records)
run_bg "$T_TMP/verify.log" "$git_url/long" PLUGIN_CACHE="$T_TMP/cache-verify" PLUGIN_ANCHOR="$long_root"
# the fetch has written its refs and its process has ended: the verifier walks the history
fetched() { [ -e "$dir/git/refs/mainline/heads/main" ] && ! pgrep -P "$pid" >/dev/null; }
wait_for fetched
stop TERM
was_canceled "SIGTERM while verifying" "$T_TMP/verify.log" \
	"canceled while verifying branch 'main' \([0-9]+ commits read"
t_like "... in the verify phase" "$(record durations_ms verify)" '^[0-9]+$'
t_exit "the same run, not canceled, verifies the whole line" 0 \
	plugin "$git_url/long" PLUGIN_CACHE="$T_TMP/cache-verify" PLUGIN_ANCHOR="$long_root"
t_is "... allowed" "$(record decision)" allow

t_done
