#!/bin/sh
# The pipeline container in the build, against the real Docker engine: on the
# build's network, so a service answers to its name as from any other step
# (DRONE_DOCKER_NETWORK_ID as Drone sets it, or mainline's own container's
# networks as under Woodpecker), the `network` setting and its limits; the
# Docker socket when mainline runs in a container with it at another path,
# bound from its host path and with nothing created on the host.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen docker
t_need_engine
image=mainline-test/busybox:1
tag=$(basename "$T_TMP" | tr 'A-Z.' 'a-z-')
net="mltest-net-$tag"
net2="mltest-net2-$tag"
svc="mltest-svc-$tag"
alt="/run/mltest-alt-$tag.sock"
cleanup_docker() {
	docker rm -f "$svc" "mltest-plugin-$tag" >/dev/null 2>&1
	docker network rm "$net" "$net2" >/dev/null 2>&1
	docker image rm -f "mainline-test/plugin:$tag" "mainline-test/tool:$tag" >/dev/null 2>&1
	docker volume rm -f "mltest-run-$tag" >/dev/null 2>&1
}
T_CLEANUP="$T_CLEANUP cleanup_docker"

# The test image's static busybox resolves names with its own nslookup only (its wget would
# need glibc's NSS modules): FETCH=name:port
t_pipeline_repo - <<'SH'
#!/bin/sh
echo "pipeline ran"
if [ -n "${FETCH:-}" ]; then
	ip=$(nslookup "${FETCH%%:*}" 2>/dev/null | awk '/^Name:/ { n = 1 } n && /^Address/ { print $2; exit }')
	if [ -n "$ip" ] && out=$(timeout 5 wget -q -O - "http://$ip:${FETCH#*:}/" 2>&1); then
		echo "fetched: $out"
	else
		echo "fetch failed"
	fi
fi
if [ -n "${SERVE:-}" ]; then
	mkdir -p /tmp/www && echo pipeline-answer >/tmp/www/index.html
	httpd -p 8081 -h /tmp/www && echo serving && sleep "$SERVE"
fi
[ -n "${PING:-}" ] && engine-tool ping
exit 0
SH
plugin() { T_IMAGE=$image t_plugin PLUGIN_ENV=FETCH,SERVE FETCH= SERVE= "$@"; }

docker network create "$net" >/dev/null
docker network create "$net2" >/dev/null
docker run -d --name "$svc" --network "$net" --network-alias database "$image" \
	sh -c 'mkdir -p /www && echo service-answer >/www/index.html && httpd -f -p 8080 -h /www' \
	>/dev/null

# --- Drone: DRONE_DOCKER_NETWORK_ID names the build's network -----------------------------------
t_exit "DRONE_DOCKER_NETWORK_ID: the pipeline runs" 0 plugin DRONE_DOCKER_NETWORK_ID="$net" \
	FETCH=database:8080
t_like "... and reaches the service by its name" "$(t_out)" "^fetched: service-answer$"
t_like "... on the build's network, with an alias of its own" "$(t_out)" \
	"pipeline container on network '$net' \\(the build's network \\(DRONE_DOCKER_NETWORK_ID\\)\\), alias 'release-pipeline'"
t_exit "without the variable (mainline on the host): the engine's default network" 0 \
	plugin FETCH=database:8080
t_like "... where the service's name means nothing" "$(t_out)" "^fetch failed$"
t_like "... as the log says" "$(t_out)" "pipeline container on the engine's default network \\(no build network"

# the service reaches the pipeline by its alias, <step>-pipeline
(plugin DRONE_DOCKER_NETWORK_ID="$net" SERVE=20 >"$T_TMP/serve.out" 2>&1) &
serve_pid=$!
reach() {
	docker exec "$svc" sh -c 'ip=$(nslookup release-pipeline | awk "/^Name:/ { n = 1 } n && /^Address/ { print \$2; exit }") &&
		timeout 2 wget -q -O - "http://$ip:8081/"' >"$T_TMP/reach" 2>/dev/null
}
t_wait_until 30 reach
t_is "a service reaches the pipeline by 'release-pipeline'" "$(cat "$T_TMP/reach")" "pipeline-answer"
docker ps -q --filter "label=org.mainline.commit=$good" | xargs -r docker kill >/dev/null 2>&1
wait $serve_pid

# --- the network setting ------------------------------------------------------------------------
t_exit "network: none" 0 plugin DRONE_DOCKER_NETWORK_ID="$net" PLUGIN_NETWORK=none \
	FETCH=database:8080
t_like "... cuts the pipeline off" "$(t_out)" "^fetch failed$"
t_like "... as the log says" "$(t_out)" "pipeline container on network 'none' \\(setting 'network'\\)"
t_exit "network: the build's network, named" 0 plugin DRONE_DOCKER_NETWORK_ID="$net" \
	PLUGIN_NETWORK="$net" FETCH=database:8080
t_like "... reaches the service" "$(t_out)" "^fetched: service-answer$"
for other in host bridge "$net2"; do
	t_exit "network: $other, not named by a baked policy: refused" 1 plugin \
		DRONE_DOCKER_NETWORK_ID="$net" PLUGIN_NETWORK="$other"
	t_like "... as policy_widened, naming it" "$(t_out)" \
		"policy_widened: setting 'network' names '$other': a setting may name only 'none' or the build's network"
	t_fails "... before the pipeline ran" grep -q "pipeline ran" "$T_TMP/.out"
done
printf '{"network":"%s"}\n' "$net2" >"$T_TMP/policy.json"
t_exit "a network the baked policy names: the pipeline joins it" 0 plugin \
	MAINLINE_POLICY_FILE="$T_TMP/policy.json" DRONE_DOCKER_NETWORK_ID="$net" \
	FETCH=database:8080
t_like "... that network alone" "$(t_out)" "pipeline container on network '$net2' \\(setting 'network'\\)"
t_like "... where the service is not" "$(t_out)" "^fetch failed$"
t_exit "... and a setting cannot swap it for another" 1 plugin \
	MAINLINE_POLICY_FILE="$T_TMP/policy.json" DRONE_DOCKER_NETWORK_ID="$net" PLUGIN_NETWORK=host
t_like "... policy_widened" "$(t_out)" "policy_widened: setting 'network' widens the policy"
t_exit "DRONE_DOCKER_NETWORK_ID naming one of the engine's modes: an error" 2 plugin \
	DRONE_DOCKER_NETWORK_ID=host
t_like "... saying so" "$(t_out)" "config_error: DRONE_DOCKER_NETWORK_ID does not name a network of the build"
t_is "no pipeline container is left on the build's network" \
	"$(docker network inspect -f '{{len .Containers}}' "$net")" 1

# --- mainline in a container: its own networks, and the socket's host path ----------------------
t_plugin_built "mainline-test/plugin:$tag" "the plugin image builds" || t_done
env_list() {
	printf '%s\n' PLUGIN_SOURCE="$repo" PLUGIN_ALLOWED_SIGNERS="$signers" \
		'PLUGIN_COMMAND=["./ci/run.sh"]' PLUGIN_CACHE=/tmp/cache \
		DRONE_BUILD_EVENT=push DRONE_COMMIT_REF=refs/heads/main DRONE_COMMIT_BRANCH=main \
		DRONE_REPO=acme/app DRONE_REPO_OWNER=acme DRONE_REPO_NAME=app DRONE_BUILD_NUMBER=42 \
		DRONE_STEP_NAME=release ASAN_OPTIONS=detect_leaks=0
}
env_list >"$T_TMP/env.list"
# Woodpecker's way: the step is created on the default network, then joined to the build's (and
# to an agent's extra one); no variable names them
docker create --name "mltest-plugin-$tag" --env-file "$T_TMP/env.list" \
	-e PLUGIN_IMAGE="$image" -e PLUGIN_ENV=FETCH -e FETCH=database:8080 \
	-v /var/run/docker.sock:/var/run/docker.sock -v "$repo:$repo:ro" \
	"mainline-test/plugin:$tag" >/dev/null
docker network connect --alias release "$net" "mltest-plugin-$tag"
docker network connect "$net2" "mltest-plugin-$tag"
t_run docker start -a "mltest-plugin-$tag"
t_is "in a container on the build's networks, without the variable: runs" "$?" 0
t_like "... on mainline's own user-defined networks, the first at create, the other joined after" \
	"$(t_out)" "pipeline container on network '$net', network '$net2' \\(the networks of mainline's own container\\)"
t_like "... and reaches the service by name" "$(t_out)" "^fetched: service-answer$"
docker rm -f "mltest-plugin-$tag" >/dev/null

# the socket mounted at another path inside: the pipeline gets the host's socket
printf 'FROM mainline-test/plugin:%s\nCOPY engine-tool /usr/local/bin/engine-tool\nENTRYPOINT []\n' \
	"$tag" >"$T_TMP/Dockerfile.tool"
cp "$BUILD/tests/helpers/engine-tool" "$T_TMP/engine-tool"
t_ok "a pipeline image with the engine client builds" \
	docker build -q -t "mainline-test/tool:$tag" -f "$T_TMP/Dockerfile.tool" "$T_TMP"
in_container() {
	docker run --rm --env-file "$T_TMP/env.list" -e PLUGIN_IMAGE="mainline-test/tool:$tag" \
		-e PLUGIN_DOCKER_SOCKET=true -e PLUGIN_ENV=PING -e PING=1 -v "$repo:$repo:ro" "$@" \
		"mainline-test/plugin:$tag"
}
t_fails "the alternative socket path is not on the host before" test -e "$alt"
t_exit "socket mounted at $alt inside, DOCKER_HOST naming it: runs" 0 \
	in_container -v "/var/run/docker.sock:$alt" -e DOCKER_HOST="unix://$alt"
t_like "... the pipeline talks to the engine through its socket" "$(t_out)" "^api 1\\.[0-9]+$"
t_fails "... and nothing was created on the host at the inside path" test -e "$alt"
t_exit "the socket's directory mounted instead: runs" 0 \
	in_container -v /var/run:/hostrun -e DOCKER_HOST=unix:///hostrun/docker.sock
t_like "... the pipeline talks to the engine" "$(t_out)" "^api 1\\.[0-9]+$"
t_fails "... nothing created on the host" test -e /hostrun

# no bind of a host path holds the socket: docker_socket refused, not guessed
docker volume create --driver local --opt type=none --opt o=bind --opt device=/var/run \
	"mltest-run-$tag" >/dev/null
on_volume() {
	docker run --rm --env-file "$T_TMP/env.list" -e PLUGIN_IMAGE="mainline-test/tool:$tag" \
		-v "$repo:$repo:ro" -v "mltest-run-$tag:/hostrun" \
		-e DOCKER_HOST=unix:///hostrun/docker.sock "$@" "mainline-test/plugin:$tag"
}
t_exit "the socket on a named volume, without docker_socket: runs" 0 on_volume
t_like "... the pipeline ran" "$(t_out)" "pipeline ran"
t_exit "the socket on a named volume, with docker_socket: refused" 2 on_volume \
	-e PLUGIN_DOCKER_SOCKET=true
t_like "... saying where the socket is and why its host path is unknown" "$(t_out)" \
	"config_error: cannot give the pipeline the docker socket: '/hostrun/docker.sock' is on a volume mount at '/hostrun', not a bind of a host path, so its path on the engine's host is unknown"
t_fails "... before the pipeline ran" grep -q "pipeline ran" "$T_TMP/.out"
t_is "... and no pipeline container was made" \
	"$(docker ps -aq --filter "label=org.mainline.commit=$good" | wc -l | tr -d ' ')" 0

# mainline in a container of one engine, talking to another (a dockerd of this test's own)
# through a socket mounted into it: its own container is unknown there, and so is the host path
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null && command -v dockerd >/dev/null; then
	T_CLEANUP="$T_CLEANUP t_private_dockerd_stop"
	if t_private_dockerd_start; then
		in_container -v "$pd/docker.sock:/run/other.sock" -e DOCKER_HOST=unix:///run/other.sock \
			>"$T_TMP/.out" 2>&1
		t_is "another engine's socket, with docker_socket: refused" "$?" 2
		t_like "... saying the engine does not know mainline's container" "$(t_out)" \
			"config_error: cannot give the pipeline the docker socket: mainline runs in a container the engine at 'unix:///run/other.sock' does not know"
		t_fails "... before the pipeline ran" grep -q "pipeline ran" "$T_TMP/.out"
		t_private_dockerd_stop
	else
		echo "# another engine's socket not tested: the private dockerd did not start"
	fi
else
	echo "# another engine's socket not tested: a private dockerd needs root, unshare and dockerd"
fi

# Mounts, not the legacy Binds: a missing host path fails and stays missing
missing="/run/mltest-missing-$tag.sock"
t_exit "a bind of a host path that does not exist: refused by the engine" 2 \
	"$BUILD/tests/helpers/engine-tool" run "$image" --pull never --socket-source "$missing" -- true
t_like "... saying so" "$(t_out)" "bind source path does not exist"
t_fails "... and the engine created nothing there" test -e "$missing"
t_done
