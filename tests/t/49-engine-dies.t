#!/bin/sh
# The engine dies while a container runs: a clear engine_error, non-zero exit, no
# hang; after the engine's restart the container of the dead run is removed by the
# next run on that engine. The engine is this test's own dockerd (tests/t/lib.sh),
# in its own namespaces: the shared one is never touched.
. "$(dirname "$0")/lib.sh"
t_need docker busybox git ssh-keygen
TOOL="$BUILD/tests/helpers/engine-tool"
t_private_dockerd
export DOCKER_HOST="$pd_host"
tag="mainline.test=t49-$$"
running() { docker ps -q --filter "label=$1" | wc -l | tr -d ' '; }
all() { docker ps -aq --filter "label=$1" | wc -l | tr -d ' '; }
is_running() { [ "$(running "$1")" = 1 ]; }

"$TOOL" run "$T_IMAGE" --pull never --label "$tag" -- sleep 60 >"$T_TMP/out" 2>"$T_TMP/err" &
pid=$!
t_wait_until 30 is_running "$tag"
t_private_dockerd_kill
t_wait_until 30 sh -c "! kill -0 $pid 2>/dev/null"
wait $pid
t_is "engine death exits 2" "$?" 2
t_like "engine death is an engine error" "$(cat "$T_TMP/err")" 'engine_error: .*docker engine'
t_ok "the engine starts again" t_private_dockerd_start
t_is "after the engine restarts, nothing of the run is left running" "$(running "$tag")" 0

# The same in plugin mode: the run's container outlives its mainline, which lost the
# engine before it could remove it; the next run on the engine removes it and says so.
t_pipeline_repo
audit="$T_TMP/audit.jsonl"
(T_EXEC=exec t_plugin SLEEP=60 PLUGIN_ENV=SLEEP PLUGIN_AUDIT_FILE="$audit" >"$T_TMP/dead.out" 2>&1) &
pid=$!
t_wait_until 60 is_running "org.mainline.commit=$good"
dead=$(docker ps -q --no-trunc --filter "label=org.mainline.commit=$good")
t_private_dockerd_kill
t_wait_until 30 sh -c "! kill -0 $pid 2>/dev/null"
wait $pid
t_is "plugin mode: engine death exits 2" "$?" 2
t_like "plugin mode: an engine error" "$(cat "$T_TMP/dead.out")" 'error: engine_error: '
t_ok "the engine starts again" t_private_dockerd_start
t_is "the dead run's container is still there after the restart" \
	"$(all "org.mainline.commit=$good")" 1
t_exit "the next run on the engine" 0 t_plugin PLUGIN_AUDIT_FILE="$audit"
t_like "it says it removed the dead run's container" "$(t_out)" \
	"removed container $(printf %.12s "$dead") of run [0-9a-f]{32}, left behind: its mainline \(process [0-9]+\) is gone"
t_is "the dead run's container is gone" "$(all "org.mainline.commit=$good")" 0
t_like "its audit record names the container and the dead run" "$(tail -1 "$audit")" \
	"\"reaped\":\[\{\"container\":\"$dead\",\"run\":\"$(sed -n 1p "$audit" | sed 's/.*"id":"\([0-9a-f]*\)".*/\1/')\"\}\]"
t_ok "dockerd answers" curl -sf --max-time 3 --unix-socket "$pd/docker.sock" http://d/_ping
t_done
