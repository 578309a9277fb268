#!/bin/sh
# The engine client against the real dockerd: output, exit codes, the tree
# upload, labels, the socket bind, timeout and cancel cleanup, unreachable
# and misbehaving engines.
. "$(dirname "$0")/lib.sh"
t_need docker busybox
TOOL="$BUILD/tests/helpers/engine-tool"
FAKE="$BUILD/tests/helpers/fake-engine"
IMG=mainline-test/busybox:1
curl -sf --max-time 3 --unix-socket /var/run/docker.sock http://d/_ping >/dev/null 2>&1 ||
	t_skip_all "no docker engine answers"
"$T_ROOT/scripts/test-image.sh" "$IMG" >/dev/null 2>&1 || t_skip_all "cannot build $IMG"
tag="mainline.test=t40-$$"
left() { docker ps -aq --filter "label=$tag" | wc -l | tr -d ' '; }

t_ok "ping negotiates an API version" "$TOOL" ping
t_like "version is at least 1.24" "$(t_out)" '^api 1\.(2[4-9]|[3-9][0-9])$'

"$TOOL" run "$IMG" --pull never --label "$tag" -- echo hello >"$T_TMP/out" 2>"$T_TMP/err"
t_is "happy path exits 0" "$?" 0
t_is "happy path output" "$(cat "$T_TMP/out")" "hello"
t_like "image digest reported" "$(cat "$T_TMP/err")" 'image sha256:[0-9a-f]{64} exit 0'

t_exit "exit code 7 passes through" 7 "$TOOL" run "$IMG" --pull never --label "$tag" -- \
	sh -c 'exit 7'

"$TOOL" run "$IMG" --pull never --label "$tag" -- sh -c 'echo out; echo err >&2' \
	>"$T_TMP/out" 2>"$T_TMP/err"
t_is "stdout separated" "$(cat "$T_TMP/out")" "out"
t_like "stderr separated" "$(grep -v '^engine-tool' "$T_TMP/err")" '^err$'

# many small writes right after start: nothing is lost before attach
"$TOOL" run "$IMG" --pull never --label "$tag" -- sh -c 'seq 1 2000' >"$T_TMP/out" 2>/dev/null
t_is "all output of a fast container arrives" "$(wc -l <"$T_TMP/out" | tr -d ' ')" 2000

# a tree with nested dirs, an executable script and a symlink
mkdir -p "$T_TMP/tree/a/b"
echo nested >"$T_TMP/tree/a/b/file.txt"
printf '#!/bin/sh\necho script ran in $(pwd)\n' >"$T_TMP/tree/run.sh"
chmod 755 "$T_TMP/tree/run.sh"
ln -s a/b/file.txt "$T_TMP/tree/link"
"$TOOL" run "$IMG" --pull never --label "$tag" --tree "$T_TMP/tree" --workdir /work/src -- \
	sh -c 'ls -l run.sh; ls -l link; cat link; ./run.sh; stat -c "%u %g %Y" a/b/file.txt' \
	>"$T_TMP/out" 2>"$T_TMP/err"
t_is "tree run exits 0" "$?" 0
t_like "script is executable" "$(sed -n 1p "$T_TMP/out")" '^-rwxr-xr-x +1 root +root'
t_like "symlink preserved" "$(sed -n 2p "$T_TMP/out")" 'link -> a/b/file.txt$'
t_is "nested file reached through the link" "$(sed -n 3p "$T_TMP/out")" "nested"
t_is "script runs in the workdir" "$(sed -n 4p "$T_TMP/out")" "script ran in /work/src"
t_is "owner root, fixed mtime" "$(sed -n 5p "$T_TMP/out")" "0 0 315532800"

t_exit "tree entry with '..' refused (exit 1)" 1 "$TOOL" run "$IMG" --pull never \
	--label "$tag" --evil-tree -- true
t_like "refused path named" "$(t_out)" "malformed_object: refusing to archive path '\.\./escape'"
t_is "no container left after a refused tree" "$(left)" 0

# constant memory: peak RSS of a 100 MiB upload and a 64 MiB log stream
# stays within a few MiB of a trivial run's
rss() { sed -n 's/.* maxrss \([0-9]*\)$/\1/p' "$1"; }
"$TOOL" run "$IMG" --pull never --label "$tag" -- true 2>"$T_TMP/base" >/dev/null
"$TOOL" run "$IMG" --pull never --label "$tag" --synthetic-tree 100 -- \
	sh -c 'du -sm data | cut -f1' >"$T_TMP/out" 2>"$T_TMP/tree.err"
t_is "100 MiB tree arrives" "$(cat "$T_TMP/out")" 101
base=$(rss "$T_TMP/base")
t_like "peak memory reported" "$base" '^[0-9]+$'
t_ok "100 MiB tree upload in constant memory" test "$(rss "$T_TMP/tree.err")" -lt $((base + 16384))
"$TOOL" run "$IMG" --pull never --label "$tag" -- sh -c 'head -c 67108864 /dev/zero' \
	2>"$T_TMP/log" | wc -c >"$T_TMP/out"
t_is "64 MiB log arrives" "$(tr -d ' ' <"$T_TMP/out")" 67108864
t_ok "64 MiB log in constant memory" test "$(rss "$T_TMP/log")" -lt $((base + 16384))

t_ok "docker socket bound with --socket" "$TOOL" run "$IMG" --pull never --label "$tag" \
	--socket -- test -S /var/run/docker.sock
t_exit "no socket without --socket" 1 "$TOOL" run "$IMG" --pull never --label "$tag" -- \
	test -S /var/run/docker.sock

# labels are visible while the container runs
"$TOOL" run "$IMG" --pull never --label "$tag" --label mainline.extra=yes -- sleep 30 \
	>/dev/null 2>&1 &
pid=$!
i=0
while [ -z "$(docker ps -q --filter "label=$tag")" ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
id=$(docker ps -q --filter "label=$tag" | head -1)
t_is "label visible in docker inspect" \
	"$(docker inspect -f '{{index .Config.Labels "mainline.extra"}}' "$id" 2>/dev/null)" "yes"
t_is "init process enabled" "$(docker inspect -f '{{.HostConfig.Init}}' "$id" 2>/dev/null)" \
	"true"
kill -TERM $pid
wait $pid

start=$(date +%s)
t_exit "timeout stops the run (exit 2)" 2 "$TOOL" run "$IMG" --pull never --label "$tag" \
	--timeout 1000 --grace 1000 -- sleep 60
t_like "timeout reason" "$(t_out)" "timeout: container '[0-9a-f]+' timed out"
t_is "container gone after timeout" "$(left)" 0
t_ok "timeout acted within seconds" test $(($(date +%s) - start)) -lt 15

"$TOOL" run "$IMG" --pull never --label "$tag" -- sleep 60 >"$T_TMP/out" 2>"$T_TMP/err" &
pid=$!
i=0
while [ "$(docker ps -q --filter "label=$tag" | wc -l)" = 0 ] && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
start=$(date +%s)
kill -TERM $pid
wait $pid
rc=$?
t_is "SIGTERM cancels the run (exit 2)" "$rc" 2
t_like "canceled reason" "$(cat "$T_TMP/err")" 'canceled: run of container'
t_is "container gone after SIGTERM" "$(left)" 0
t_ok "cancel acted within seconds" test $(($(date +%s) - start)) -lt 15

t_exit "never-pull of a missing image is an image error" 2 "$TOOL" run \
	mainline-test/absent:1 --pull never -- true
t_like "image error message" "$(t_out)" "image_error: image 'mainline-test/absent:1' is not present"

t_exit "missing command exits 127 (init reports it)" 127 "$TOOL" run "$IMG" --pull never \
	--label "$tag" -- /no/such/program
t_exit "engine refusal is an engine error" 2 "$TOOL" run "$IMG" --pull never \
	--label "$tag" --bind 'bad#name:/x' -- true
t_like "engine message relayed" "$(t_out)" \
	"engine_error: cannot create container from image 'sha256:[0-9a-f]{64}': .*invalid characters"
t_is "no container left after failures" "$(left)" 0

DOCKER_HOST=unix:///nonexistent t_exit "unreachable engine exits 2" 2 "$TOOL" ping
t_like "unreachable engine names the host" "$(t_out)" \
	"engine_error: cannot reach docker engine at 'unix:///nonexistent': No such file or directory"
# a socket the user may not open: the message says so (libcurl only says it could not connect)
mkdir -m 755 "$T_TMP/sock"
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1); time.sleep(60)' \
	"$T_TMP/sock/engine.sock" &
sock_pid=$!
i=0
while [ ! -S "$T_TMP/sock/engine.sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
chmod 600 "$T_TMP/sock/engine.sock"
chmod 755 "$T_TMP"
DOCKER_HOST="unix://$T_TMP/sock/engine.sock" t_exit "a socket without access exits 2" 2 \
	setpriv --reuid=65534 --regid=65534 --clear-groups "$TOOL" ping
t_like "... saying permission denied and naming the socket's group" "$(t_out)" \
	"cannot reach docker engine at 'unix://$T_TMP/sock/engine.sock': permission denied \\(the socket belongs to uid 0, group 0"
kill "$sock_pid" 2>/dev/null
DOCKER_HOST=ftp://x t_exit "unsupported DOCKER_HOST is a config error" 2 "$TOOL" ping
DOCKER_HOST=tcp://127.0.0.1:1 t_exit "closed tcp port exits 2" 2 "$TOOL" ping

# DOCKER_HOST=tcp:// with DOCKER_TLS_VERIFY against a TLS peer that
# requires a client certificate (openssl s_server serving /_ping)
tls_test() {
	d="$T_TMP/tls"
	mkdir -p "$d/www" "$d/other"
	ec="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
	# shellcheck disable=SC2086
	openssl req -x509 $ec -keyout "$d/ca-key.pem" -out "$d/ca.pem" -days 2 -subj /CN=ca &&
		openssl req -x509 $ec -keyout "$d/other/ca-key.pem" -out "$d/other/ca.pem" -days 2 \
			-subj /CN=ca &&
		openssl req $ec -keyout "$d/server-key.pem" -out "$d/server.csr" -subj /CN=127.0.0.1 &&
		printf 'subjectAltName=IP:127.0.0.1\n' >"$d/ext" &&
		openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" \
			-CAcreateserial -out "$d/server.pem" -days 2 -extfile "$d/ext" &&
		openssl req $ec -keyout "$d/key.pem" -out "$d/client.csr" -subj /CN=client &&
		openssl x509 -req -in "$d/client.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" \
			-CAcreateserial -out "$d/cert.pem" -days 2 || return 1
	cp "$d/cert.pem" "$d/key.pem" "$d/other/"
	printf OK >"$d/www/_ping"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	(cd "$d/www" && exec openssl s_server -quiet -accept "127.0.0.1:$port" -cert ../server.pem \
		-key ../server-key.pem -CAfile ../ca.pem -Verify 1 -WWW) >/dev/null 2>&1 &
	TLS_PID=$!
	i=0
	until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port)).close()" \
		2>/dev/null || [ $i -gt 50 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
stop_tls() { [ -n "${TLS_PID:-}" ] && kill "$TLS_PID"; }
T_CLEANUP="stop_tls"
if command -v openssl >/dev/null && command -v python3 >/dev/null && tls_test >/dev/null 2>&1; then
	DOCKER_HOST=tcp://127.0.0.1:$port DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$T_TMP/tls" \
		t_ok "tcp:// with TLS verify and a client certificate" "$TOOL" ping
	DOCKER_HOST=tcp://127.0.0.1:$port DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$T_TMP/tls/other" \
		t_exit "server certificate from another CA refused" 2 "$TOOL" ping
	t_like "untrusted server: clear error" "$(t_out)" \
		"engine_error: cannot reach docker engine at 'tcp://127.0.0.1:$port'"
	mkdir -p "$T_TMP/tls/nocert"
	cp "$T_TMP/tls/ca.pem" "$T_TMP/tls/nocert/"
	DOCKER_HOST=tcp://127.0.0.1:$port DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$T_TMP/tls/nocert" \
		t_exit "no client certificate: refused by the server" 2 "$TOOL" ping
	DOCKER_HOST=tcp://127.0.0.1:$port DOCKER_TLS_VERIFY= \
		t_exit "plain HTTP to a TLS engine fails" 2 "$TOOL" ping
	DOCKER_HOST=tcp://127.0.0.1:$port DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$T_TMP/none" \
		t_exit "missing CA file is a config error" 2 "$TOOL" ping
	t_like "missing CA: clear error" "$(t_out)" "config_error: cannot read docker TLS CA"
else
	echo "# tcp:// with TLS not tested: openssl or python3 missing, or the TLS peer did not start"
fi

# a peer that speaks garbage: clear errors, no crash
for case in "junk:cannot reach docker engine" "truncated:cannot parse the engine's inspect answer" \
	"shortbody:cannot reach docker engine.*transfer closed" \
	"badjson:cannot parse the engine's inspect answer" \
	"badstream:invalid frame header in the container output" \
	"badwait:cannot parse the engine's answer to container wait" \
	"hugejson:response from docker engine is larger than" "oldapi:older than 1.24" \
	"dies:lost the docker engine at 'unix://.*' while container '0123456789ab' ran: " \
	"podman-noinit:cannot create container from image 'sha256:0123456789abcdef': the engine has no init binary.*catatonit \\(Podman\\).*or set init: false \\(container create: container-init binary not found"; do
	mode=${case%%:*}
	msg=${case#*:}
	sock="$T_TMP/fake-$mode.sock"
	"$FAKE" "$sock" "$mode" &
	fpid=$!
	i=0
	while [ ! -S "$sock" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	DOCKER_HOST="unix://$sock" t_exit "fake engine '$mode': exit 2" 2 "$TOOL" run x:1 \
		--pull never -- true
	t_like "fake engine '$mode': engine error" "$(t_out)" "engine-tool: engine_error: .*$msg"
	kill $fpid 2>/dev/null
	wait $fpid 2>/dev/null
done

t_done
