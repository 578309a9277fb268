#!/bin/sh
# Nothing outlives a dead run: the container of a run whose mainline was killed
# (SIGKILL) is removed by the next run on the engine, which says so in its log and
# its audit record; the container of a live run, and any whose owner cannot be proved
# gone, is never touched. On a dockerd of the test's own (tests/t/lib.sh), so that
# no other test's run reaps first.
. "$(dirname "$0")/lib.sh"
t_need docker busybox git ssh-keygen python3 pgrep
t_private_dockerd
export DOCKER_HOST="$pd_host"
t_pipeline_repo
audit="$T_TMP/audit.jsonl"
ours() { docker ps -aq --no-trunc --filter "label=org.mainline.commit=$good"; }
count() { ours | wc -l | tr -d ' '; }
has() { [ "$(count)" = "$1" ]; }
exists() { docker inspect "$1" >/dev/null 2>&1; }
label() { docker inspect -f "{{index .Config.Labels \"$2\"}}" "$1"; }
running() { [ "$(docker inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }

# a live run, and a run that is killed while its pipeline sleeps
(T_EXEC=exec t_plugin SLEEP=120 PLUGIN_ENV=SLEEP PLUGIN_AUDIT_FILE="$audit" >"$T_TMP/live.out" 2>&1) &
live_pid=$!
t_wait_until 60 has 1
live=$(ours)
(T_EXEC=exec t_plugin SLEEP=120 PLUGIN_ENV=SLEEP >"$T_TMP/dead.out" 2>&1) &
dead_pid=$!
t_wait_until 60 has 2
dead=$(ours | grep -v "$live")
t_like "the killed run's container names its mainline as its owner" "$(label "$dead" org.mainline.owner)" \
	"^process [0-9a-f-]{36} [0-9]+ $dead_pid [0-9]+\$"
dead_run=$(label "$dead" org.mainline.run)
t_like "and its run" "$dead_run" '^[0-9a-f]{32}$'
# created is not yet started: killed only once its pipeline runs
t_wait_until 60 running "$dead"
kill -9 $dead_pid
wait $dead_pid 2>/dev/null
t_is "SIGKILL leaves the killed run's container running" "$(docker inspect -f '{{.State.Running}}' "$dead")" true

# containers the reaper must leave alone whatever happens to them: an owner on another
# boot or machine, an owner in another pid namespace, a malformed owner
boot=$(cat /proc/sys/kernel/random/boot_id)
case $boot in 0*) other_boot="1${boot#?}" ;; *) other_boot="0${boot#?}" ;; esac
pidns=$(readlink /proc/self/ns/pid | tr -cd 0-9)
twin() { docker run -d --label "org.mainline.owner=$1" --label org.mainline.twin=1 "$T_IMAGE" sleep 600; }
other_machine=$(twin "process $other_boot $pidns 999999 1")
other_ns=$(twin "process $boot 1 999999 1")
malformed=$(twin "process $boot $pidns 999999")
# owners that are containers of this engine: alive, restarted since, stopped, gone
owner=$(docker run -d "$T_IMAGE" sleep 600)
started=$(docker inspect -f '{{.State.StartedAt}}' "$owner")
owner_id=$(docker inspect -f '{{.Id}}' "$owner")
of_live_owner=$(twin "container $owner_id $started")
of_restarted_owner=$(twin "container $owner_id 2000-01-01T00:00:00Z")
of_gone_owner=$(twin "container 4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b -")

t_exit "the next run on the engine runs" 0 t_plugin PLUGIN_AUDIT_FILE="$audit"
out=$(t_out)
t_like "it says it removed the killed run's container" "$out" \
	"removed container $(printf %.12s "$dead") of run $dead_run, left behind: its mainline \(process $dead_pid\) is gone"
t_fails "the killed run's container is gone" exists "$dead"
t_like "its audit record names the container and the dead run" "$(tail -1 "$audit")" \
	"\"reaped\":\[(\{[^]]*\},)?\{\"container\":\"$dead\",\"run\":\"$dead_run\"\}"
t_ok "the live run's container is untouched" exists "$live"
t_is "and still running" "$(docker inspect -f '{{.State.Running}}' "$live")" true
t_ok "an owner on another boot or machine: left alone" exists "$other_machine"
t_ok "an owner in another pid namespace: left alone" exists "$other_ns"
t_ok "a malformed owner: left alone" exists "$malformed"
t_ok "an owner container that runs: left alone" exists "$of_live_owner"
t_fails "an owner container started again since: removed" exists "$of_restarted_owner"
t_fails "an owner container the engine no longer has: removed" exists "$of_gone_owner"
t_like "the log names why" "$out" "removed container $(printf %.12s "$of_gone_owner") of a run, left behind: its mainline's container 4f3c2b1a0e9d no longer exists"

docker stop -t 0 "$owner" >/dev/null
t_exit "a run after the owner container stopped" 0 t_plugin PLUGIN_AUDIT_FILE="$audit"
t_like "it removes that owner's container" "$(t_out)" \
	"removed container $(printf %.12s "$of_live_owner") of a run, left behind: its mainline's container $(printf %.12s "$owner_id") is not running \(exited\)"
t_fails "which is gone" exists "$of_live_owner"
t_ok "the live run's container is still untouched" exists "$live"
t_ok "an owner on another boot or machine: still left alone" exists "$other_machine"

# killed or canceled while its fetch runs, before any verdict: the run has no container
# yet, so none is created and none is left for a reaper (the live run's is there still)
t_start_fault_server silent
owners() { docker ps -aq | xargs -r docker inspect -f '{{index .Config.Labels "org.mainline.owner"}}'; }
for sig in KILL TERM; do
	since=$(date +%s.%N)
	(T_EXEC=exec t_plugin PLUGIN_SOURCE="git://127.0.0.1:$fault_port/x" \
		PLUGIN_FETCH_TIMEOUT=60s >"$T_TMP/fetching.out" 2>&1) &
	pid=$!
	t_ok "SIG$sig: the run is fetching (its fetch child runs)" t_wait_until 30 pgrep -P $pid
	kill -$sig $pid
	wait $pid 2>/dev/null
	t_is "SIG$sig during the fetch: the engine created no container" \
		"$(docker events --since "$since" --until "$(date +%s.%N)" --filter type=container \
			--filter event=create --format '{{.ID}}')" ""
	owners >"$T_TMP/owners"
	t_fails "... and no container names the run's process as its owner" grep -q " $pid " "$T_TMP/owners"
done
t_like "SIGTERM during the fetch: the run ends canceled" "$(cat "$T_TMP/fetching.out")" "error: canceled: "
t_ok "the live run's container is still there" exists "$live"
t_ok "... whose owner label names its process: the owners read are real" grep -q " $live_pid " "$T_TMP/owners"

kill -TERM $live_pid
wait $live_pid
t_exit "the live run, canceled, ends canceled" 0 grep -q 'error: canceled: ' "$T_TMP/live.out"
t_fails "and removed its own container" exists "$live"
t_ok "the audit chain verifies" "$MAINLINE" audit verify "$audit"
t_done
