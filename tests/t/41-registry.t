#!/bin/sh
# Pull through the engine client from a local registry with htpasswd auth,
# credentials taken from a docker config.json: its auths, and credential
# helpers (credHelpers, credsStore) speaking the docker-credential protocol.
# The registry refuses anonymous pulls, so a pull that succeeds authenticated.
. "$(dirname "$0")/lib.sh"
t_need docker docker-registry htpasswd busybox python3
TOOL="$BUILD/tests/helpers/engine-tool"
IMG=mainline-test/busybox:1
curl -sf --max-time 3 --unix-socket /var/run/docker.sock http://d/_ping >/dev/null 2>&1 ||
	t_skip_all "no docker engine answers"
"$T_ROOT/scripts/test-image.sh" "$IMG" >/dev/null 2>&1 || t_skip_all "cannot build $IMG"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
reg="127.0.0.1:$port"
htpasswd -Bbn alice 's3cret' >"$T_TMP/htpasswd"
cat >"$T_TMP/registry.yml" <<EOF2
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $T_TMP/storage
http:
  addr: $reg
auth:
  htpasswd:
    realm: mainline-test
    path: $T_TMP/htpasswd
EOF2
docker-registry serve "$T_TMP/registry.yml" >"$T_TMP/registry.log" 2>&1 &
REG_PID=$!
stop_registry() {
	kill "$REG_PID" 2>/dev/null
	docker rmi -f "$reg/mainline-test/busybox:1" >/dev/null 2>&1
}
T_CLEANUP="stop_registry"
i=0
until curl -s -o /dev/null "http://$reg/v2/"; do
	i=$((i + 1))
	[ $i -gt 50 ] && t_skip_all "registry did not start: $(tail -1 "$T_TMP/registry.log")"
	sleep 0.1
done

export DOCKER_CONFIG="$T_TMP/docker"
mkdir -p "$DOCKER_CONFIG"
echo '{}' >"$DOCKER_CONFIG/config.json"
t_ok "docker login to the test registry" sh -c \
	"echo s3cret | docker login -u alice --password-stdin '$reg'"
docker tag "$IMG" "$reg/mainline-test/busybox:1"
t_ok "push the test image" docker push "$reg/mainline-test/busybox:1"
pushed=$(docker inspect -f '{{index .RepoDigests 0}}' "$reg/mainline-test/busybox:1" | sed 's/.*@//')
docker rmi "$reg/mainline-test/busybox:1" >/dev/null

t_ok "pull with config.json credentials" "$TOOL" pull "$reg/mainline-test/busybox:1" \
	--docker-config "$DOCKER_CONFIG/config.json"
t_like "pull reports the registry digest" "$(t_out)" "^digest $pushed\$"
t_like "pull progress is readable" "$(t_out)" "pulling $reg/mainline-test/busybox:1: "
docker rmi "$reg/mainline-test/busybox:1" >/dev/null

t_exit "run pulls through the DOCKER_CONFIG dir" 0 "$TOOL" run "$reg/mainline-test/busybox:1" \
	--pull if-not-exists --docker-config "$DOCKER_CONFIG" -- echo pulled-and-ran
t_like "run output after pull" "$(t_out)" "^pulled-and-ran$"
t_like "run reports the digest" "$(t_out)" "image $pushed exit 0"
docker rmi "$reg/mainline-test/busybox:1" >/dev/null

bad=$(printf 'alice:wrong' | base64)
printf '{"auths":{"http://%s/v2/":{"auth":"%s"}}}' "$reg" "$bad" >"$T_TMP/bad.json"
t_exit "wrong password refused (exit 2)" 2 "$TOOL" pull "$reg/mainline-test/busybox:1" \
	--docker-config "$T_TMP/bad.json"
t_like "wrong password: clear image error" "$(t_out)" \
	"image_error: cannot pull image '$reg/mainline-test/busybox:1': .*(unauthorized|authentication required)"

echo '{}' >"$T_TMP/none.json"
t_exit "no credentials refused" 2 "$TOOL" pull "$reg/mainline-test/busybox:1" \
	--docker-config "$T_TMP/none.json"
t_like "no credentials: image error" "$(t_out)" "image_error: cannot pull image"

t_exit "missing tag is an image error" 2 "$TOOL" pull "$reg/mainline-test/busybox:nope" \
	--docker-config "$DOCKER_CONFIG/config.json"
t_like "missing tag: clear message" "$(t_out)" \
	"image_error: cannot pull image '$reg/mainline-test/busybox:nope': .*(not found|manifest unknown)"

# --- credential helpers ----------------------------------------------------------------------
# docker-credential-<name> get: the server URL on stdin, JSON on stdout; each logs what it was
# asked and the environment it got
bin="$T_TMP/helpers"
mkdir -p "$bin"
helper() { # NAME BODY
	{
		printf '#!/bin/sh\nserver=$(cat)\n'
		printf 'echo "$server" >>"%s/asked"\n' "$T_TMP"
		printf 'env >"%s/env.${0##*/}"\n' "$T_TMP"
		printf '%s\n' "$2"
	} >"$bin/docker-credential-$1"
	chmod +x "$bin/docker-credential-$1"
}
helper mltest "case \"\$server\" in
'$reg') printf '{\"ServerURL\":\"%s\",\"Username\":\"alice\",\"Secret\":\"s3cret\"}' \"\$server\" ;;
*) echo 'credentials not found in native keychain'; exit 1 ;;
esac"
helper mltest-wrong "printf '{\"Username\":\"alice\",\"Secret\":\"wrong\"}'"
helper mltest-token "printf '{\"Username\":\"<token>\",\"Secret\":\"s3cret\"}'"
helper mltest-none "echo 'credentials not found in native keychain'; exit 1"
helper mltest-fail "echo 'error getting credentials: token expired for alice'; echo 'helper log: refreshing failed' >&2; exit 1"
helper mltest-hang "sleep 60"
helper mltest-garbage "echo 'alice:s3cret-in-garbage'"
config() { printf '%s\n' "$1" >"$T_TMP/helper.json"; }
pull() { # [ENV...]: pulls the pushed image with helper.json (and $PULL_OPTS)
	env PATH="$bin:$PATH" "$@" "$TOOL" pull "$reg/mainline-test/busybox:1" \
		--docker-config "$T_TMP/helper.json" ${PULL_OPTS:-}
}
gone() { docker rmi "$reg/mainline-test/busybox:1" >/dev/null 2>&1; }

config "{\"credHelpers\":{\"$reg\":\"mltest\"}}"
rm -f "$T_TMP/asked"
t_ok "credHelpers: a pull through the registry's helper" pull
t_like "... authenticated (the registry refuses anonymous pulls)" "$(t_out)" "^digest $pushed\$"
t_is "... the helper was asked for the registry's host, as the docker CLI asks" \
	"$(cat "$T_TMP/asked")" "$reg"
gone
t_ok "the helper gets mainline's environment without the settings and the clone credentials" \
	pull PLUGIN_CANARY=x DRONE_NETRC_PASSWORD=netrc-pw CI_NETRC_PASSWORD=wp-pw AWS_PROFILE=ci
t_like "... AWS_PROFILE reaches it (ECR's helper needs the AWS variables)" \
	"$(cat "$T_TMP/env.docker-credential-mltest")" "^AWS_PROFILE=ci$"
t_fails "... PLUGIN_*, DRONE_NETRC_* and CI_NETRC_* do not" \
	grep -Eq "PLUGIN_CANARY|netrc-pw|wp-pw" "$T_TMP/env.docker-credential-mltest"
gone
config "{\"credsStore\":\"mltest\"}"
t_ok "credsStore: a pull through the store" pull
t_like "... authenticated" "$(t_out)" "^digest $pushed\$"
gone
config "{\"credsStore\":\"mltest-none\",\"credHelpers\":{\"$reg\":\"mltest\"}}"
t_ok "credHelpers wins over credsStore" pull
gone
config "{\"credsStore\":\"mltest\",\"credHelpers\":{\"$reg\":\"\"}}"
t_exit "an empty credHelpers entry means the file's auths, as for the CLI: anonymous here" 2 pull
config "{\"credsStore\":\"mltest\",\"auths\":{\"$reg\":{\"auth\":\"$bad\"}}}"
t_ok "with a store, the auths entry is not used" pull
gone
config "{\"credHelpers\":{\"$reg\":\"mltest-none\"}}"
t_exit "a helper without credentials: an anonymous pull, which the registry refuses" 2 pull
t_like "... the message says the helper had none" "$(t_out)" \
	"image_error: cannot pull image .*(unauthorized|authentication required|no basic auth credentials).*credential helper 'docker-credential-mltest-none' had no credentials for '$reg'"
config "{\"credHelpers\":{\"$reg\":\"mltest-wrong\"}}"
t_exit "a helper with the wrong password: refused by the registry" 2 pull
t_like "... as unauthorized" "$(t_out)" "image_error: cannot pull image .*(unauthorized|authentication required)"
config "{\"credHelpers\":{\"$reg\":\"mltest-token\"}}"
t_exit "a helper's <token> answer is an identity token, not a password: basic auth refuses it" 2 pull
t_like "... as unauthorized, though the secret is alice's password" "$(t_out)" \
	"image_error: cannot pull image .*(unauthorized|authentication required|no basic auth credentials)"
config "{\"credHelpers\":{\"$reg\":\"mltest-fail\"}}"
t_exit "a failing helper: an image error" 2 pull
t_like "... with what it said, and its stderr" "$(t_out)" \
	"image_error: credential helper 'docker-credential-mltest-fail' failed \\(exit 1\\): error getting credentials: token expired for alice; its stderr: helper log: refreshing failed"
config "{\"credsStore\":\"mltest-absent\"}"
t_exit "a helper that is not installed: an image error" 2 pull
t_like "... saying so" "$(t_out)" \
	"image_error: credential helper 'docker-credential-mltest-absent' is not installed \\(not found in PATH\\)"
config "{\"credsStore\":\"mltest-garbage\"}"
t_exit "a helper printing garbage: an image error" 2 pull
t_like "... saying so" "$(t_out)" "credential helper 'docker-credential-mltest-garbage' answered something other than its JSON"
t_fails "... without quoting it" grep -q "s3cret-in-garbage" "$T_TMP/.out"
config "{\"credsStore\":\"../mltest\"}"
t_exit "a helper name that is a path: a configuration error" 2 pull
t_like "... naming the rule" "$(t_out)" "config_error: docker config names credential helper '../mltest'"
config "{\"credsStore\":\"mltest-hang\"}"
start=$(date +%s)
PULL_OPTS="--helper-timeout 1000"
t_exit "a helper that hangs: killed at the deadline" 2 pull
PULL_OPTS=
t_like "... saying so" "$(t_out)" "credential helper 'docker-credential-mltest-hang' did not answer within 1000 ms"
t_ok "... within seconds, not the helper's 60" test $(($(date +%s) - start)) -lt 10
t_fails "... and its process is gone" pgrep -f "$bin/docker-credential-mltest-hang"

# plugin mode: docker_config (a secret's contents) naming the helper
t_pipeline_repo
plugin_helper() (
	PATH="$bin:$PATH"
	t_plugin "$@"
)
t_exit "plugin mode: the pipeline image from the registry, credentials from the helper" 0 \
	plugin_helper PLUGIN_IMAGE="$reg/mainline-test/busybox:1" PLUGIN_PULL=always \
	PLUGIN_DOCKER_CONFIG="{\"credHelpers\":{\"$reg\":\"mltest\"}}"
t_like "... and the pipeline ran" "$(t_out)" "pipeline ran for build 42"
t_done
