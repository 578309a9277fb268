#!/bin/sh
# Cancel while pulling and while running (SIGTERM, as a runner stops a step): the run
# ends promptly with reason canceled, no container is left, the audit record is
# written. A pipeline that ignores SIGINT and SIGTERM is still gone, its container
# removed, well inside the 10 s a runner waits between SIGTERM and SIGKILL.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen docker python3
t_need_engine
t_pipeline_repo
audit="$T_TMP/audit.jsonl"
ours() { docker ps -aq --filter "label=org.mainline.commit=$good" | wc -l | tr -d ' '; }
running() { [ "$(docker ps -q --filter "label=org.mainline.commit=$good" | wc -l | tr -d ' ')" = 1 ]; }
gone() { ! kill -0 "$1" 2>/dev/null; }
under() { awk -v a="$1" -v b="$2" -v max="$3" 'BEGIN { exit !(b - a < max) }'; }
# terminate DESC PID: SIGTERM to the run PID; it must exit 2 within 10 s
terminate() {
	t_t0=$(t_now)
	kill -TERM "$2"
	t_wait_until 30 gone "$2"
	t_t1=$(t_now)
	wait "$2"
	t_is "$1: exits 2" "$?" 2
	t_ok "$1: gone within 10 s of the SIGTERM ($t_t0 -> $t_t1)" under "$t_t0" "$t_t1" 10
}

# cancel_run DESC ENV...: starts a run, sends SIGTERM once its pipeline runs, checks the end
cancel_run() {
	c_desc=$1
	shift
	(T_EXEC=exec t_plugin PLUGIN_AUDIT_FILE="$audit" "$@" >"$T_TMP/run.out" 2>&1) &
	c_pid=$!
	t_wait_until 60 running
	c_id=$(docker ps -q --no-trunc --filter "label=org.mainline.commit=$good")
	c_since=$(date +%s)
	terminate "$c_desc" $c_pid
	t_is "$c_desc: its container was removed before mainline exited" "$(ours)" 0
	t_like "$c_desc: the log says canceled" "$(cat "$T_TMP/run.out")" "error: canceled: run of container"
	t_like "$c_desc: the record says canceled, names the container, no exit code" \
		"$(tail -1 "$audit")" \
		'"decision":"error","reason":"canceled".*"container_id":"[0-9a-f]{64}","exit_code":null'
}
# what the engine saw happen to the last canceled run's container, in order
events() {
	docker events --since "$c_since" --until "$(($(date +%s) + 1))" --filter "container=$c_id" \
		--format '{{.Action}} {{.Actor.Attributes.signal}}' | sed 's/ <no value>//' |
		grep -E '^(kill|die|stop|destroy)' | tr '\n' ,
}
cancel_run "SIGTERM while running" SLEEP=120 PLUGIN_ENV=SLEEP
cancel_run "SIGTERM to a pipeline that ignores SIGINT and SIGTERM" SLEEP=120 IGNORE_TERM=1 PLUGIN_ENV=SLEEP,IGNORE_TERM
t_is "its stop sequence: interrupt, stop (SIGTERM, then the engine's SIGKILL), remove" \
	"$(events)" "kill 2,kill 15,kill 9,die,stop,destroy,"

# A registry that answers /v2/ and then never answers again: the pull hangs.
cat >"$T_TMP/stall.py" <<'PY'
import http.server, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        with open(sys.argv[2], "a") as log:
            log.write(self.path + "\n")
        if self.path == "/v2/":
            self.send_response(200)
            self.send_header("Docker-Distribution-Api-Version", "registry/2.0")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")
            return
        time.sleep(3600)
    do_HEAD = do_GET
    def log_message(self, *args):
        pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
s.daemon_threads = True
with open(sys.argv[1], "w") as f:
    f.write(str(s.server_address[1]))
s.serve_forever()
PY
python3 "$T_TMP/stall.py" "$T_TMP/stall.port" "$T_TMP/stall.log" &
stall_pid=$!
stop_stall() { kill $stall_pid; }
T_CLEANUP="$T_CLEANUP stop_stall"
t_wait_until 50 test -s "$T_TMP/stall.port"
stalled="127.0.0.1:$(cat "$T_TMP/stall.port")/stall/busybox:1"
(T_EXEC=exec t_plugin PLUGIN_AUDIT_FILE="$audit" PLUGIN_IMAGE="$stalled" >"$T_TMP/pull.out" 2>&1) &
pid=$!
t_ok "the pull reaches the registry and hangs there" t_wait_until 60 grep -q manifests "$T_TMP/stall.log"
terminate "SIGTERM while pulling" $pid
t_like "SIGTERM while pulling: the log says canceled" "$(cat "$T_TMP/pull.out")" \
	"error: canceled: pull of image '$stalled' canceled"
t_like "SIGTERM while pulling: the record says canceled, with the pull's duration, no container" \
	"$(tail -1 "$audit")" \
	"\"reason\":\"canceled\".*\"image\":\"$stalled\".*\"container_id\":null.*\"pull\":[0-9]+,"
t_is "SIGTERM while pulling: no container" "$(ours)" 0
t_is "three records, one per run" "$(wc -l <"$audit" | tr -d ' ')" 3
t_ok "the chain verifies" "$MAINLINE" audit verify "$audit"
t_done
