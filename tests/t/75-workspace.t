#!/bin/sh
# What the pipeline container sees besides the verified tree: the build's
# workspace (shared from mainline's own container as Drone's docker runner
# mounts it, or uploaded when mainline runs on the host), cache volumes, and
# the Dagger warning about a missing docker CLI.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen docker
t_need_engine
image=mainline-test/busybox:1
tag=$(basename "$T_TMP" | tr 'A-Z.' 'a-z-')
vol="mltest-ws-$tag"
cache="mltest-cache-$tag"
cleanup_docker() {
	docker volume rm -f "$vol" "$cache" >/dev/null 2>&1
	docker image rm -f "mainline-test/plugin:$tag" "mainline-test/with-docker:$tag" >/dev/null 2>&1
}
T_CLEANUP="$T_CLEANUP cleanup_docker"

t_pipeline_repo - <<'SH'
#!/bin/sh
echo "workdir $(pwd)"
[ -f ./ci/run.sh ] && echo "workdir holds the verified tree"
if [ -n "${DRONE_WORKSPACE:-}" ]; then
	echo "readme: $(cat "$DRONE_WORKSPACE/README" 2>&1)"
	echo "nested: $(cat "$DRONE_WORKSPACE/src/lib/code.c" 2>&1)"
	[ -x "$DRONE_WORKSPACE/build.sh" ] && echo "build.sh is executable"
	echo "link: $(readlink "$DRONE_WORKSPACE/link" 2>&1)"
	mkdir -p "$DRONE_WORKSPACE/dist" && echo "artefact of build $DRONE_BUILD_NUMBER" >"$DRONE_WORKSPACE/dist/app.txt"
fi
if [ -n "${CACHE_WRITE:-}" ]; then echo "$CACHE_WRITE" >/cache/entry; fi
if [ -n "${CACHE_READ:-}" ]; then echo "cache: $(cat /cache/entry 2>&1)"; fi
[ -n "${SLEEP:-}" ] && sleep "$SLEEP"
exit 0
SH

drone_env() { # the settings and context as Drone's docker runner passes them (an env file)
	printf '%s\n' PLUGIN_SOURCE="$repo" PLUGIN_ALLOWED_SIGNERS="$signers" PLUGIN_IMAGE="$image" \
		'PLUGIN_COMMAND=["./ci/run.sh"]' DRONE_BUILD_EVENT=push DRONE_COMMIT_REF=refs/heads/main \
		DRONE_COMMIT_BRANCH=main DRONE_REPO=acme/app DRONE_BUILD_NUMBER=42 DRONE_STEP_NAME=release
}
plugin() {
	env -i PATH="$PATH" HOME="$HOME" ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
		${LSAN_OPTIONS:+LSAN_OPTIONS="$LSAN_OPTIONS"} PLUGIN_CACHE="$T_TMP/cache" \
		PLUGIN_SOURCE="$repo" PLUGIN_ALLOWED_SIGNERS="$signers" PLUGIN_IMAGE="$image" \
		PLUGIN_COMMAND='["./ci/run.sh"]' DRONE_BUILD_EVENT=push DRONE_COMMIT_REF=refs/heads/main \
		DRONE_COMMIT_BRANCH=main DRONE_REPO=acme/app DRONE_BUILD_NUMBER=42 DRONE_STEP_NAME=release \
		"$@" "$MAINLINE"
}

# --- mainline in a container, the workspace on a named volume (Drone's docker runner) ---------
if t_plugin_built "mainline-test/plugin:$tag" "in a container: the plugin image builds"; then
	docker run --rm -v "$vol:/drone" "$image" sh -c 'mkdir -p /drone/src/src/lib &&
		echo cloned >/drone/src/README && echo "int main;" >/drone/src/src/lib/code.c &&
		printf "#!/bin/sh\n" >/drone/src/build.sh && chmod +x /drone/src/build.sh &&
		ln -s README /drone/src/link'
	drone_env >"$T_TMP/env.list"
	in_container() {
		docker run --rm --env-file "$T_TMP/env.list" -e DRONE_WORKSPACE=/drone/src \
			-e PLUGIN_CACHE=/tmp/cache -e ASAN_OPTIONS=detect_leaks=0 \
			-v "$vol:/drone" -v /var/run/docker.sock:/var/run/docker.sock \
			-v "$repo:$repo:ro" "$@" "mainline-test/plugin:$tag"
	}
	t_exit "in a container: the pipeline runs" 0 in_container
	out=$(t_out)
	t_like "in a container: the workspace volume is shared" "$out" \
		"workspace '/drone/src' shared with the pipeline \\($vol:/drone\\)"
	t_like "in a container: the working directory is the workdir" "$out" "workdir /pipeline"
	t_like "in a container: ... holding the verified tree" "$out" "workdir holds the verified tree"
	t_like "in a container: the clone is visible" "$out" "readme: cloned"
	t_like "in a container: nested files too" "$out" "nested: int main;"
	t_is "in a container: the pipeline's artefact is in the volume afterwards" \
		"$(docker run --rm -v "$vol:/drone" "$image" cat /drone/src/dist/app.txt)" \
		"artefact of build 42"
	t_exit "in a container: a workdir on the workspace's mount is refused" 2 \
		in_container -e PLUGIN_WORKDIR=/drone/pipeline
	t_like "... naming the mount" "$(t_out)" "workdir '/drone/pipeline' lies on the workspace's mount '/drone'"
	t_exit "in a container: a workspace that is not there is refused, as on the host" 2 \
		in_container -e DRONE_WORKSPACE=/drone/none
	t_like "... naming it" "$(t_out)" "cannot share the workspace '/drone/none': No such file"
fi

# --- mainline on the host: the workspace is uploaded ---------------------------------------
ws="$T_TMP/ws"
mkdir -p "$ws/src/lib"
echo cloned >"$ws/README"
echo "int main;" >"$ws/src/lib/code.c"
printf '#!/bin/sh\n' >"$ws/build.sh"
chmod +x "$ws/build.sh"
ln -s README "$ws/link"
t_exit "on the host: the pipeline runs" 0 plugin DRONE_WORKSPACE="$ws"
out=$(t_out)
t_like "on the host: the workspace is copied in" "$out" \
	"workspace '$ws' copied into the pipeline's container \\(mainline does not run in a container"
t_like "on the host: the workdir holds the verified tree" "$out" "workdir holds the verified tree"
t_like "on the host: files arrive" "$out" "readme: cloned"
t_like "on the host: nested files arrive" "$out" "nested: int main;"
t_like "on the host: the exec bit survives" "$out" "build.sh is executable"
t_like "on the host: symlinks stay symlinks" "$out" "link: README"
t_fails "on the host: changes stay in the container (documented)" test -e "$ws/dist/app.txt"
t_exit "without DRONE_WORKSPACE nothing is shared" 0 plugin
t_like "... the pipeline sees no workspace" "$(t_out)" "workdir holds the verified tree"
t_fails "... and no workspace line is logged" grep -q "workspace '" "$T_TMP/.out"
t_exit "a workspace that is not a directory is refused" 2 plugin DRONE_WORKSPACE="$T_TMP/none"
t_like "... clearly" "$(t_out)" "cannot share the workspace '$T_TMP/none'"

# --- workdir and workspace apart ----------------------------------------------------------
for wd in /drone/src /drone/src/ci /drone; do
	t_exit "workdir $wd against workspace /drone/src: refused" 2 \
		plugin DRONE_WORKSPACE=/drone/src PLUGIN_WORKDIR="$wd"
	t_like "... as a configuration error naming both" "$(t_out)" \
		"config_error.*workdir '$wd' overlaps the workspace '/drone/src'"
done
t_exit "workdir /drone/srcx beside workspace /drone/src is fine" 0 \
	plugin DRONE_WORKSPACE="$ws" PLUGIN_WORKDIR="$ws"x

# --- cache volumes --------------------------------------------------------------------------
t_exit "cache: the first run writes" 0 plugin PLUGIN_VOLUMES="$cache:/cache" CACHE_WRITE=first-run \
	PLUGIN_ENV=CACHE_WRITE
t_exit "cache: the second run reads" 0 plugin PLUGIN_VOLUMES="$cache:/cache" CACHE_READ=1 \
	PLUGIN_ENV=CACHE_READ
t_like "cache: the second run sees what the first wrote" "$(t_out)" "cache: first-run"
for bad in /etc:/cache ./data:/cache ../x:/cache '~/x:/cache'; do
	t_exit "cache: host path '$bad' refused" 2 plugin PLUGIN_VOLUMES="$bad"
	t_like "... as a configuration error naming the host path" "$(t_out)" "config_error: .*names a host path"
	t_fails "... before anything ran" grep -q "workdir holds" "$T_TMP/.out"
done
t_exit "cache: a name with a bad first character refused" 2 plugin PLUGIN_VOLUMES="_x:/cache"
t_like "... naming the rule" "$(t_out)" "want \\[A-Za-z0-9\\]"
t_exit "cache: a relative destination refused" 2 plugin PLUGIN_VOLUMES="c1:cache"
t_exit "cache: a destination with .. refused" 2 plugin PLUGIN_VOLUMES="c1:/cache/../etc"
t_like "... as not clean" "$(t_out)" "not a clean absolute path"
t_exit "cache: the workdir as destination refused" 2 plugin PLUGIN_VOLUMES="c1:/pipeline"
t_like "... naming the workdir" "$(t_out)" "overlaps the workdir '/pipeline'"
t_exit "cache: a parent of the workdir refused" 2 plugin PLUGIN_VOLUMES="c1:/"
t_exit "cache: the workspace as destination refused" 2 \
	plugin DRONE_WORKSPACE=/drone/src PLUGIN_VOLUMES="c1:/drone"
t_like "... naming the workspace" "$(t_out)" "overlaps the workspace '/drone/src'"
t_exit "cache: the docker socket as destination refused" 2 \
	plugin PLUGIN_VOLUMES="c1:/var/run/docker.sock"
t_like "... naming the socket" "$(t_out)" "overlaps the docker socket"
t_exit "cache: an unknown option refused" 2 plugin PLUGIN_VOLUMES="c1:/cache:z"

# --- Dagger: the docker CLI, container names ----------------------------------------------
t_exit "socket on, image without docker CLI: runs" 0 plugin PLUGIN_DOCKER_SOCKET=true
t_like "... with one warning line before the pipeline" "$(t_out)" \
	"warning: image '$image' has no docker CLI; Dagger needs it to start its engine"
t_is "... printed once" "$(grep -c "no docker CLI" "$T_TMP/.out")" 1
t_exit "socket off: no warning" 0 plugin
t_fails "... none printed" grep -q "no docker CLI" "$T_TMP/.out"
printf 'FROM %s\nRUN mkdir -p /usr/local/bin && touch /usr/local/bin/docker\n' "$image" >"$T_TMP/Dockerfile.cli"
t_ok "an image with a docker CLI builds" \
	docker build -q -t "mainline-test/with-docker:$tag" -f "$T_TMP/Dockerfile.cli" "$T_TMP"
if docker image inspect "mainline-test/with-docker:$tag" >/dev/null 2>&1; then
	t_exit "socket on, image with a docker CLI: runs" 0 plugin PLUGIN_DOCKER_SOCKET=true \
		PLUGIN_IMAGE="mainline-test/with-docker:$tag"
	t_fails "... without the warning" grep -q "no docker CLI" "$T_TMP/.out"
fi
(plugin SLEEP=3 PLUGIN_ENV=SLEEP >/dev/null 2>&1) &
pid=$!
names=""
i=0
while [ -z "$names" ] && [ $i -lt 100 ]; do
	names=$(docker ps --filter "label=org.mainline.commit=$good" --format '{{.Names}}')
	sleep 0.1
	i=$((i + 1))
done
wait $pid
t_like "the pipeline's container is named mainline-*" "$names" '^mainline-[0-9a-f]+$'
t_fails "... never dagger-engine-*" sh -c 'echo "$1" | grep -q dagger-engine' - "$names"
t_done
