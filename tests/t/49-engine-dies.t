#!/bin/sh
# The engine dies while a container runs: a clear engine_error, non-zero
# exit, no hang. Destructive (kills dockerd for every test running in
# parallel): only with MAINLINE_DESTRUCTIVE_TESTS=1; dockerd is restarted
# through scripts/dockerd.sh at the end.
. "$(dirname "$0")/lib.sh"
[ "${MAINLINE_DESTRUCTIVE_TESTS:-0}" = 1 ] || t_skip_all "set MAINLINE_DESTRUCTIVE_TESTS=1"
t_need docker busybox pidof
TOOL="$BUILD/tests/helpers/engine-tool"
IMG=mainline-test/busybox:1
curl -sf --max-time 3 --unix-socket /var/run/docker.sock http://d/_ping >/dev/null 2>&1 ||
	t_skip_all "no docker engine answers"
"$T_ROOT/scripts/test-image.sh" "$IMG" >/dev/null 2>&1 || t_skip_all "cannot build $IMG"
tag="mainline.test=t49-$$"
restart() {
	(cd "$T_ROOT" && scripts/dockerd.sh)
	docker ps -aq --filter "label=$tag" | xargs -r docker rm -f
}
T_CLEANUP="restart"

"$TOOL" run "$IMG" --pull never --label "$tag" -- sleep 60 >"$T_TMP/out" 2>"$T_TMP/err" &
pid=$!
sleep 2
kill -9 "$(pidof dockerd)"
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
wait $pid
t_is "engine death exits 2" "$?" 2
t_like "engine death is an engine error" "$(cat "$T_TMP/err")" 'engine_error: .*docker engine'
(cd "$T_ROOT" && scripts/dockerd.sh) >/dev/null 2>&1
t_is "after the engine restarts, nothing of the run is left running" \
	"$(docker ps -q --filter "label=$tag" | wc -l | tr -d ' ')" 0
restart >/dev/null 2>&1
t_ok "dockerd answers again" curl -sf --max-time 3 --unix-socket /var/run/docker.sock http://d/_ping
t_done
