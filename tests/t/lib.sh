# TAP helpers for the shell tests in tests/t (source this file).
#   t_ok DESC CMD...          ok when CMD exits 0
#   t_fails DESC CMD...       ok when CMD exits non-zero
#   t_exit DESC CODE CMD...   ok when CMD exits with CODE
#   t_is DESC GOT WANT        ok when the strings are equal
#   t_like DESC GOT PATTERN   ok when GOT matches the grep -E PATTERN
#   t_need PROG...            skip the whole file when a program is missing
#   t_skip_all REASON         skip the whole file
#   t_done                    print the plan and exit with the result
# Every test gets a private $T_TMP and $HOME, removed at exit.
set -u

T_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$T_ROOT/$BUILD" ;; esac
MAINLINE=${MAINLINE:-$BUILD/mainline}
T_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mainline-t.XXXXXX")
T_N=0
T_FAILED=0
T_CLEANUP=""

t_cleanup() {
	for c in $T_CLEANUP; do "$c" >/dev/null 2>&1 || true; done
	rm -rf "$T_TMP"
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM

# A predictable, private git and gpg environment.
export HOME="$T_TMP/home"
mkdir -p "$HOME"
chmod 700 "$HOME"
export GIT_CONFIG_NOSYSTEM=1 GIT_TERMINAL_PROMPT=0
export GIT_AUTHOR_NAME="Alice Maintainer" GIT_AUTHOR_EMAIL="alice@example.org"
export GIT_COMMITTER_NAME="Alice Maintainer" GIT_COMMITTER_EMAIL="alice@example.org"
export GNUPGHOME="$HOME/.gnupg"
git config --global init.defaultBranch main
git config --global advice.detachedHead false
git config --global protocol.file.allow always

t_result() { # DESC OK
	T_N=$((T_N + 1))
	if [ "$2" = 0 ]; then
		echo "ok $T_N - $1"
	else
		echo "not ok $T_N - $1"
		T_FAILED=$((T_FAILED + 1))
	fi
}

# The command's output goes to a fresh file that replaces .out only once the
# command has finished, so a command may read the previous output in .out.
t_run() {
	"$@" >"$T_TMP/.out.new" 2>&1
	t_status=$?
	mv -f "$T_TMP/.out.new" "$T_TMP/.out"
	return $t_status
}

t_ok() {
	d=$1; shift
	if t_run "$@"; then t_result "$d" 0; else
		t_result "$d" 1
		sed 's/^/# /' "$T_TMP/.out" | tail -20
	fi
}

t_fails() {
	d=$1; shift
	if t_run "$@"; then
		t_result "$d" 1
		sed 's/^/# /' "$T_TMP/.out" | tail -20
	else t_result "$d" 0; fi
}

t_exit() {
	d=$1; want=$2; shift 2
	t_run "$@"
	got=$?
	if [ "$got" = "$want" ]; then t_result "$d" 0; else
		t_result "$d" 1
		echo "# exit $got, wanted $want"
		sed 's/^/# /' "$T_TMP/.out" | tail -20
	fi
}

t_is() {
	if [ "$2" = "$3" ]; then t_result "$1" 0; else
		t_result "$1" 1
		echo "#   got: '$2'"
		echo "#  want: '$3'"
	fi
}

t_like() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then t_result "$1" 0; else
		t_result "$1" 1
		echo "#   got: '$2'"
		echo "#  want match: '$3'"
	fi
}

t_skip_all() {
	echo "1..0 # SKIP $1"
	exit 0
}

t_need() {
	for p in "$@"; do
		command -v "$p" >/dev/null 2>&1 || t_skip_all "$p not installed"
	done
}

# t_need_engine: the shared Docker engine answers and the test image (mainline-test/busybox:1)
# is built, or the whole file is skipped, saying which
t_need_engine() {
	curl -sf --max-time 3 --unix-socket /var/run/docker.sock http://d/_ping >/dev/null 2>&1 ||
		t_skip_all "no Docker engine answers"
	"$T_ROOT/scripts/test-image.sh" || t_skip_all "cannot build the test image"
}

t_done() {
	echo "1..$T_N"
	[ "$T_FAILED" = 0 ]
	exit $?
}

# A free TCP port on 127.0.0.1, and a wait (5 s at most) for a listener on it.
t_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
t_wait_port() {
	t_i=0
	while ! python3 -c "import socket; socket.create_connection(('127.0.0.1', $1), 1)" 2>/dev/null &&
		[ $t_i -lt 50 ]; do
		sleep 0.1
		t_i=$((t_i + 1))
	done
}

# t_wait_file FILE: until FILE is there and not empty, 5 s at most.
t_wait_file() {
	t_i=0
	while [ ! -s "$1" ] && [ $t_i -lt 50 ]; do
		sleep 0.1
		t_i=$((t_i + 1))
	done
}

# t_audit_field FILE KEY...: that field of the last audit record in FILE ("null" when null);
# more keys go into nested objects (durations_ms fetch).
t_audit_field() {
	t_file=$1
	shift
	tail -n 1 "$t_file" | python3 -c '
import json, sys
v = json.loads(sys.stdin.readline())
for k in sys.argv[1:]:
    v = v[k]
print("null" if v is None else v)' "$@"
}

# t_start_json_server ROOT LOG: tests/helpers/json-server answering GETs from ROOT on
# 127.0.0.1 (request heads appended to LOG); sets $json_port. t_stop_json_server stops it
# (at exit anyway).
t_start_json_server() {
	rm -f "$T_TMP/.json-server.port"
	"$BUILD/tests/helpers/json-server" "$1" "$T_TMP/.json-server.port" "$2" &
	t_json_server_pid=$!
	T_CLEANUP="$T_CLEANUP t_stop_json_server"
	t_wait_file "$T_TMP/.json-server.port"
	json_port=$(cat "$T_TMP/.json-server.port")
}
t_stop_json_server() { kill "$t_json_server_pid" 2>/dev/null; wait "$t_json_server_pid" 2>/dev/null; }

# Servers started by the helpers below, stopped at exit.
T_SERVERS=""
t_stop_servers() { for p in $T_SERVERS; do kill "$p" 2>/dev/null; done; }
T_CLEANUP="$T_CLEANUP t_stop_servers"

# t_start_git_daemon BASE: git daemon serving every repository under BASE on 127.0.0.1;
# sets $git_port.
t_start_git_daemon() {
	git_port=$(t_free_port)
	git daemon --reuseaddr --listen=127.0.0.1 --port="$git_port" --base-path="$1" \
		--export-all "$1" 2>/dev/null &
	T_SERVERS="$T_SERVERS $!"
	t_wait_port "$git_port"
}

# t_localhost_cert PREFIX: a self-signed certificate for localhost in PREFIX.crt, its key in
# PREFIX.key, both in PREFIX.pem (as lighttpd takes them).
t_localhost_cert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=localhost -addext 'subjectAltName=DNS:localhost' \
		-keyout "$1.key" -out "$1.crt" >/dev/null 2>&1 &&
		cat "$1.crt" "$1.key" >"$1.pem"
}

# t_start_git_http ROOT [PEM]: git http-backend behind lighttpd on 127.0.0.1, serving every
# repository under ROOT at /git/<name>, over TLS with PEM when given; sets $git_http_port.
t_start_git_http() {
	git_http_port=$(t_free_port)
	t_gh="$T_TMP/.git-http-$git_http_port"
	mkdir -p "$t_gh/www"
	{
		printf 'server.modules = ("mod_alias", "mod_cgi", "mod_setenv"%s)\n' \
			"${2:+, \"mod_openssl\"}"
		printf 'server.document-root = "%s"\nserver.bind = "127.0.0.1"\n' "$t_gh/www"
		printf 'server.port = %s\nserver.pid-file = "%s"\nserver.errorlog = "%s"\n' \
			"$git_http_port" "$t_gh/pid" "$t_gh/log"
		[ -n "${2:-}" ] && printf 'ssl.engine = "enable"\nssl.pemfile = "%s"\n' "$2"
		printf 'alias.url = ("/git" => "/usr/lib/git-core/git-http-backend")\n'
		printf '$HTTP["url"] =~ "^/git" {\n\tcgi.assign = ("" => "")\n'
		printf '\tsetenv.add-environment = ("GIT_PROJECT_ROOT" => "%s", "GIT_HTTP_EXPORT_ALL" => "")\n}\n' \
			"$1"
	} >"$t_gh/lighttpd.conf"
	lighttpd -D -f "$t_gh/lighttpd.conf" &
	T_SERVERS="$T_SERVERS $!"
	t_wait_port "$git_http_port"
}

# t_start_fault_server MODE [ARGS...]: tests/helpers/fault-server.py (a git server that never
# answers, trickles, or a throttling proxy: see there); sets $fault_port.
t_start_fault_server() {
	t_mode=$1
	shift
	rm -f "$T_TMP/.fault.port"
	python3 "$T_ROOT/tests/helpers/fault-server.py" "$t_mode" "$T_TMP/.fault.port" "$@" &
	T_SERVERS="$T_SERVERS $!"
	t_wait_file "$T_TMP/.fault.port"
	fault_port=$(cat "$T_TMP/.fault.port")
}

# t_start_sshd AUTHORIZED_KEYS_FILE: a private sshd on 127.0.0.1 (root only) with
# host key $T_TMP/ssh/host (and a spare $T_TMP/ssh/other); sets $sport.
t_start_sshd() {
	mkdir -p "$T_TMP/ssh" /run/sshd
	ssh-keygen -q -t ed25519 -N '' -C host -f "$T_TMP/ssh/host"
	ssh-keygen -q -t ed25519 -N '' -C other -f "$T_TMP/ssh/other"
	cp "$1" "$T_TMP/ssh/authorized_keys"
	sport=$(t_free_port)
	cat >"$T_TMP/ssh/sshd_config" <<CONF
Port $sport
ListenAddress 127.0.0.1
HostKey $T_TMP/ssh/host
PidFile $T_TMP/ssh/sshd.pid
AuthorizedKeysFile $T_TMP/ssh/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
CONF
	/usr/sbin/sshd -D -f "$T_TMP/ssh/sshd_config" -E "$T_TMP/ssh/log" &
	t_sshd_pid=$!
	T_CLEANUP="$T_CLEANUP t_stop_sshd"
	# libgit2 1.5.1 leaks in its ssh transport; only these fetches ignore that
	LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$T_ROOT/tests/lsan/libgit2-ssh.supp:print_suppressions=0"
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0"
	export LSAN_OPTIONS ASAN_OPTIONS
	t_wait_port "$sport"
}
t_stop_sshd() { kill "$t_sshd_pid" && wait "$t_sshd_pid"; }

# t_plugin_image NAME: an image NAME whose entrypoint is this build's mainline, on the
# Debian base the plugin image uses (made with debootstrap when absent). 0 when built (the
# base in $t_base), 1 when the build failed (its output in .out), 2 when there is no base
# (the reason in $t_no_base).
t_plugin_image() {
	t_ctx="$T_TMP/.plugin-image"
	mkdir -p "$t_ctx/lib"
	cp "$MAINLINE" "$t_ctx/mainline"
	# a sanitizer build brings its runtime libraries along, and libpq comes too: a base made
	# by scripts/base-image.sh before libpq joined the build does not have it (mainline loads
	# it on first use: --version names its soname)
	t_pq=$("$MAINLINE" --version | sed -n 's/^uses libpq .* (\(.*\))$/\1/p')
	for t_lib in $(ldd "$MAINLINE" | awk '/lib(asan|ubsan)\./ { print $3 }') \
		$(ldconfig -p | awk -v n="$t_pq" '$1 == n && /x86-64/ { print $NF; exit }'); do
		cp "$t_lib" "$t_ctx/lib/"
	done
	if ! t_base=$("$T_ROOT/scripts/base-image.sh" 2>"$T_TMP/.base.err"); then
		t_no_base=$(tail -1 "$T_TMP/.base.err")
		return 2
	fi
	cat >"$t_ctx/Dockerfile" <<EOD
FROM $t_base
COPY lib/ /usr/lib/x86_64-linux-gnu/
COPY mainline /usr/local/bin/mainline
ENTRYPOINT ["/usr/local/bin/mainline"]
EOD
	t_run docker build -q -t "$1" "$t_ctx" || return 1
}

# t_plugin_built IMAGE DESC: t_plugin_image IMAGE told as one result, "DESC from <base>",
# with the build's output when it fails; without a base image, "not tested" instead.
# 0 when the image is there, 1 when its build failed, 2 without a base.
t_plugin_built() {
	t_plugin_image "$1"
	t_pb=$?
	if [ $t_pb = 2 ]; then
		echo "# mainline in a container not tested: $t_no_base"
		return 2
	fi
	t_result "$2 from $t_base" $t_pb
	[ $t_pb = 0 ] || sed 's/^/# /' "$T_TMP/.out" | tail -20
	return $t_pb
}

# Last output captured by t_ok/t_fails/t_exit.
t_out() { cat "$T_TMP/.out"; }

# t_pipeline_repo [-]: a pipeline repository $repo whose main is signed with the SSH key
# $T_TMP/key; its ci/run.sh prints a line, sleeps $SLEEP (after `trap '' INT TERM` when
# $IGNORE_TERM is set) and exits $EXIT_CODE, or with "-" is read from stdin. Sets $repo,
# $good (main's commit) and $signers.
# t_plugin ENV...: mainline in plugin mode on it with Drone's environment (image $T_IMAGE,
# cache $T_CACHE), ENV added (the `env` setting names what reaches the pipeline, e.g.
# PLUGIN_ENV=SLEEP); with T_EXEC=exec the calling (sub)shell becomes mainline.
T_IMAGE=mainline-test/busybox:1
T_CACHE="$T_TMP/cache"
T_EXEC=
t_pipeline_repo() {
	ssh-keygen -q -t ed25519 -N '' -C release -f "$T_TMP/key"
	signers=$(printf 'release@example.org %s' "$(cut -d' ' -f1,2 "$T_TMP/key.pub")")
	repo="$T_TMP/pipelines"
	git init -q "$repo"
	git -C "$repo" config gpg.format ssh
	git -C "$repo" config user.signingkey "$T_TMP/key"
	mkdir -p "$repo/ci"
	if [ "${1:-}" = - ]; then
		cat >"$repo/ci/run.sh"
	else
		cat >"$repo/ci/run.sh" <<'SH'
#!/bin/sh
echo "pipeline ran for build $DRONE_BUILD_NUMBER"
[ -n "${IGNORE_TERM:-}" ] && trap '' INT TERM
[ -n "${SLEEP:-}" ] && sleep "$SLEEP"
exit "${EXIT_CODE:-0}"
SH
	fi
	chmod +x "$repo/ci/run.sh"
	git -C "$repo" add ci
	git -C "$repo" commit -q -S -m "pipeline"
	good=$(git -C "$repo" rev-parse HEAD)
}
t_plugin() {
	$T_EXEC env -i PATH="$PATH" HOME="$HOME" ${DOCKER_HOST:+DOCKER_HOST="$DOCKER_HOST"} \
		PLUGIN_SOURCE="$repo" PLUGIN_ALLOWED_SIGNERS="$signers" PLUGIN_IMAGE="$T_IMAGE" \
		PLUGIN_COMMAND='["./ci/run.sh"]' PLUGIN_CACHE="$T_CACHE" \
		DRONE_BUILD_EVENT=push DRONE_COMMIT_REF=refs/heads/main DRONE_COMMIT_BRANCH=main \
		DRONE_COMMIT_SHA=0123456789abcdef0123456789abcdef01234567 DRONE_REPO=acme/app \
		DRONE_REPO_OWNER=acme DRONE_REPO_NAME=app DRONE_BUILD_NUMBER=42 \
		DRONE_BUILD_LINK=https://drone.example/acme/app/42 DRONE_STEP_NAME=release \
		"$@" "$MAINLINE"
}
# t_wait_until SECONDS CMD...: polls CMD every 0.1 s until it succeeds; 1 when it never did.
t_wait_until() {
	t_w_end=$(($1 * 10))
	shift
	t_w=0
	until "$@"; do
		t_w=$((t_w + 1))
		[ $t_w -ge $t_w_end ] && return 1
		sleep 0.1
	done
}
# Seconds since the epoch with centiseconds, for a deadline a test asserts.
t_now() { date +%s.%N | cut -c1-13; }

# t_private_dockerd: a dockerd of this test's own, for tests that kill or restart an engine
# or must not share its containers: in its own network and mount namespaces with its own
# bridge (the shared engine's docker0 is never touched), its own data and exec root and
# socket under $T_TMP, the test image built into it. Sets $pd_host (for DOCKER_HOST).
# $T_PD_ARGS, when set, adds options to its command line (--init-path=/nonexistent, say).
# t_private_dockerd_kill sends it SIGKILL (its containers stay, as after a crash);
# t_private_dockerd_start starts it again on the same data. Stopped at exit.
t_private_dockerd_start() {
	pd="$T_TMP/pd"
	mkdir -p "$pd"
	# a containerd the killed engine left behind would be taken for a running one
	if [ -s "$pd/exec/containerd/containerd.pid" ]; then
		t_pd_c=$(cat "$pd/exec/containerd/containerd.pid")
		t_wait_until 10 sh -c "! kill -0 $t_pd_c 2>/dev/null || grep -q '^[0-9]* ([^)]*) Z' /proc/$t_pd_c/stat"
		rm -f "$pd/exec/containerd/containerd.pid"
	fi
	cat >"$pd/start.sh" <<SH
#!/bin/sh
set -e
ip link set lo up
ip link add mlt0 type bridge
ip addr add 10.213.0.1/24 dev mlt0
ip link set mlt0 up
exec dockerd --host unix://$pd/docker.sock --data-root $pd/data --exec-root $pd/exec \
	--pidfile $pd/docker.pid --bridge mlt0 --iptables=false --ip6tables=false \
	--ip-masq=false --userland-proxy=false ${T_PD_ARGS:-}
SH
	chmod +x "$pd/start.sh"
	rm -f "$pd/docker.pid"
	unshare --net --mount --propagation private --fork "$pd/start.sh" >>"$pd/log" 2>&1 &
	pd_host="unix://$pd/docker.sock"
	t_wait_until 60 curl -sf --max-time 2 --unix-socket "$pd/docker.sock" http://d/_ping \
		>/dev/null 2>&1
}
t_private_dockerd() {
	t_need dockerd unshare ip curl
	[ "$(id -u)" = 0 ] || t_skip_all "a private dockerd needs root"
	T_CLEANUP="$T_CLEANUP t_private_dockerd_stop"
	t_private_dockerd_start || t_skip_all "the private dockerd did not start: $(tail -1 "$T_TMP/pd/log")"
	DOCKER_HOST="$pd_host" "$T_ROOT/scripts/test-image.sh" "$T_IMAGE" >/dev/null 2>&1 ||
		t_skip_all "cannot build $T_IMAGE in the private dockerd"
}
t_private_dockerd_kill() {
	kill -9 "$(cat "$pd/docker.pid")"
	t_wait_until 10 sh -c "! kill -0 $(cat "$pd/docker.pid") 2>/dev/null"
}
t_private_dockerd_stop() {
	[ -n "${pd:-}" ] || return 0
	DOCKER_HOST="$pd_host" docker ps -aq | xargs -r env DOCKER_HOST="$pd_host" docker rm -f
	[ -s "$pd/docker.pid" ] && kill "$(cat "$pd/docker.pid")"
	t_wait_until 30 sh -c "! kill -0 $(cat "$pd/docker.pid") 2>/dev/null"
	# shims of containers that outlived a killed engine: ours alone name our exec root
	for t_p in $(pgrep -f "containerd-shim.* -address $pd/exec/"); do kill -9 "$t_p"; done
}

# t_postgres_start: a private PostgreSQL 15 server of this test file (never the system
# service): initdb in a directory of its own, owned by and run as an unprivileged user
# (nobody, when the test runs as root), listening on 127.0.0.1 on a free port and on a unix
# socket in that directory; local connections of the superuser `postgres` are trusted,
# TCP connections need a password (scram-sha-256). Sets $pg_port and $pg_dir (its
# postgresql.conf and pg_hba.conf are $pg_dir/data/...). Skips the whole file when
# PostgreSQL 15 is not installed. t_postgres_stop [MODE] stops it (pg_ctl stop -m MODE,
# default fast; immediate is a crash); t_postgres_restart starts it again on the same data;
# t_psql [DB] SQL runs SQL as the superuser (database postgres by default) and prints the
# rows unaligned, '|'-separated. Stopped and removed at exit.
T_PG_BIN=${T_PG_BIN:-/usr/lib/postgresql/15/bin}
t_pg_as() { # CMD...: as the server's user, in its directory
	if [ "$(id -u)" = 0 ]; then
		(cd "$pg_dir" && setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@")
	else
		(cd "$pg_dir" && "$@")
	fi
}
t_postgres_start() {
	[ -x "$T_PG_BIN/initdb" ] && [ -x "$T_PG_BIN/pg_ctl" ] ||
		t_skip_all "PostgreSQL 15 is not installed ($T_PG_BIN; scripts/deps.sh test)"
	# outside $T_TMP, which only root may enter; in $TMPDIR when the server's user may enter it
	t_pg_base=${TMPDIR:-/tmp}
	if [ "$(id -u)" = 0 ] &&
		! setpriv --reuid=65534 --regid=65534 --clear-groups -- test -x "$t_pg_base"; then
		t_pg_base=/tmp
	fi
	pg_dir=$(mktemp -d "$t_pg_base/mainline-pg.XXXXXX")
	T_CLEANUP="$T_CLEANUP t_postgres_remove"
	mkdir -p "$pg_dir/sock"
	[ "$(id -u)" = 0 ] && chown -R 65534:65534 "$pg_dir"
	chmod 700 "$pg_dir"
	t_pg_as "$T_PG_BIN/initdb" -D "$pg_dir/data" -U postgres -E UTF8 --locale=C \
		--auth-local=trust --auth-host=scram-sha-256 --no-sync --no-instructions \
		>"$pg_dir/initdb.log" 2>&1 ||
		{ echo "# initdb failed: $(tail -1 "$pg_dir/initdb.log")"; return 1; }
	pg_port=$(t_free_port)
	# fsync off (nothing here outlives the machine), but every commit is written out before
	# it is answered: a server killed by `pg_ctl stop -m immediate` keeps what it committed
	cat >>"$pg_dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$pg_dir/sock'
fsync = off
synchronous_commit = on
shared_buffers = 16MB
max_connections = 100
CONF
	t_postgres_restart
}
t_postgres_restart() {
	t_pg_as "$T_PG_BIN/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w -t 60 start >/dev/null 2>&1 ||
		{ echo "# PostgreSQL did not start: $(tail -3 "$pg_dir/log" | tr '\n' ' ')"; return 1; }
}
t_postgres_stop() {
	t_pg_as "$T_PG_BIN/pg_ctl" -D "$pg_dir/data" -m "${1:-fast}" -w -t 60 stop >/dev/null 2>&1
}
t_postgres_remove() {
	[ -n "${pg_dir:-}" ] || return 0
	t_postgres_stop immediate
	rm -rf "$pg_dir"
}
t_psql() {
	t_pg_db=postgres
	[ $# -gt 1 ] && { t_pg_db=$1; shift; }
	"$T_PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$pg_dir/sock" -p "$pg_port" -U postgres \
		-d "$t_pg_db" -c "$1"
}
# t_postgres_fleet: t_postgres_start (the whole file skips when it does not start), then a
# role `owner` (password owner-pw) and its database `fleet`; sets $fleet_url (the owner's TCP
# URI) and $fleet_shown (that URI as mainline shows it, as a regular expression).
t_postgres_fleet() {
	t_postgres_start || t_skip_all "the private PostgreSQL did not start"
	t_psql "CREATE ROLE owner LOGIN PASSWORD 'owner-pw'"
	t_psql "CREATE DATABASE fleet OWNER owner"
	fleet_url="postgres://owner:owner-pw@127.0.0.1:$pg_port/fleet"
	fleet_shown="postgres://\*\*\*@127.0.0.1:$pg_port/fleet"
}
