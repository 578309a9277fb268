#!/bin/sh
# Pull through the engine client from a local registry with htpasswd auth,
# credentials taken from a docker config.json.
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
t_done
