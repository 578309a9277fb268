#!/bin/sh
# Where the rollback floor lives, said by every record: mainline in a container asks the engine
# about its own mounts, and a cache in the container's own layer, on a tmpfs, an anonymous
# volume or a volume Drone removes after the build keeps the floor for this build only (a
# warning, "ephemeral"); a bind mount or a named volume keeps it ("local"), as the machine's
# disk does for mainline outside a container; state_url shares it ("shared"). A policy's
# require_shared_state refuses a run without state_url, before anything runs.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen docker python3
t_need_engine
tag=$(basename "$T_TMP" | tr 'A-Z.' 'a-z-')
named="mltest-cache-$tag"
temporary="mltest-drone-$tag"
cleanup_docker() {
	docker volume rm -f "$named" "$temporary" >/dev/null 2>&1
	docker image rm -f "mainline-test/plugin:$tag" >/dev/null 2>&1
}
T_CLEANUP="$T_CLEANUP cleanup_docker"
t_pipeline_repo
out="$T_TMP/out"
mkdir -p "$out"
audit="$out/audit.jsonl"
kept() { t_audit_field "$audit" rollback_state; }
warned='warning: the rollback floor does not outlive this build'

# --- mainline on the host: the cache is on the machine's disk ---------------------------------
t_exit "mainline outside a container" 0 t_plugin PLUGIN_AUDIT_FILE="$audit"
t_is "... no warning" "$(grep -c "$warned" "$T_TMP/.out")" 0
t_is "... the record says local" "$(kept)" local

# --- require_shared_state -----------------------------------------------------------------------
printf '{"require_shared_state": true}\n' >"$T_TMP/policy.json"
t_exit "a policy that requires a shared state refuses a run without state_url" 1 \
	t_plugin PLUGIN_AUDIT_FILE="$audit" MAINLINE_POLICY_FILE="$T_TMP/policy.json"
t_like "... saying why" "$(t_out)" "refused: no_shared_state: the policy requires a shared state \\(require_shared_state\\), and setting 'state_url' is not set"
t_is "... nothing ran" "$(grep -c "pipeline ran" "$T_TMP/.out")" 0
t_is "... the record says so" "$(t_audit_field "$audit" reason)" no_shared_state
t_exit "a withheld state_url secret is refused the same way" 1 \
	t_plugin PLUGIN_AUDIT_FILE="$audit" MAINLINE_POLICY_FILE="$T_TMP/policy.json" PLUGIN_STATE_URL=
t_like "... naming it" "$(t_out)" "setting 'state_url' is empty \\(a from_secret value that Drone withheld arrives empty\\)"
t_exit "mainline verify --policy with it and no --state-url" 1 "$MAINLINE" verify \
	--source "$repo" --allowed-signers "$T_TMP/key.pub" --policy "$T_TMP/policy.json" \
	--state "$T_TMP/verify"
t_like "... refuses likewise" "$(t_out)" "refused \\(no_shared_state\\)"
if t_postgres_start; then
	t_psql "CREATE ROLE owner LOGIN PASSWORD 'owner-pw'"
	t_psql "CREATE DATABASE fleet OWNER owner"
	t_exit "with state_url the same policy allows the run" 0 t_plugin PLUGIN_AUDIT_FILE="$audit" \
		MAINLINE_POLICY_FILE="$T_TMP/policy.json" \
		PLUGIN_STATE_URL="postgres://owner:owner-pw@127.0.0.1:$pg_port/fleet"
	t_like "... the pipeline ran" "$(t_out)" "pipeline ran for build 42"
	t_is "... the record says shared" "$(kept)" shared
else
	t_result "the private PostgreSQL starts" 1
fi

# --- mainline in a container --------------------------------------------------------------------
t_plugin_built "mainline-test/plugin:$tag" "the plugin image builds" || t_done
in_container() { # DOCKER_RUN_ARGS...: one plugin run in mainline's own container
	docker run --rm -e ASAN_OPTIONS=detect_leaks=0 -e PLUGIN_SOURCE="$repo" \
		-e PLUGIN_ALLOWED_SIGNERS="$signers" -e PLUGIN_IMAGE="$T_IMAGE" \
		-e 'PLUGIN_COMMAND=["./ci/run.sh"]' -e PLUGIN_AUDIT_FILE="$audit" \
		-e DRONE_BUILD_EVENT=push -e DRONE_COMMIT_REF=refs/heads/main \
		-e DRONE_COMMIT_BRANCH=main -e DRONE_REPO=acme/app -e DRONE_BUILD_NUMBER=42 \
		-e DRONE_STEP_NAME=release -v /var/run/docker.sock:/var/run/docker.sock \
		-v "$repo:$repo:ro" -v "$out:$out" "$@" "mainline-test/plugin:$tag"
}
ephemeral() { # DESC WHY DOCKER_RUN_ARGS...
	t_eph_desc=$1
	t_eph_why=$2
	shift 2
	t_exit "$t_eph_desc: the run goes on" 0 in_container "$@"
	t_like "... with a warning saying why" "$(t_out)" "$warned: $t_eph_why"
	t_is "... the record says ephemeral" "$(kept)" ephemeral
}
ephemeral "the cache in the container's own layer" \
	"the cache '/var/cache/mainline' is on no volume or bind mount of mainline's container"
ephemeral "the cache on a tmpfs" \
	"the cache '/var/cache/mainline' is on no volume or bind mount of mainline's container" \
	--tmpfs /var/cache/mainline
ephemeral "the cache on an anonymous volume" \
	"the cache '/var/cache/mainline' is on an anonymous volume, removed with mainline's container" \
	-v /var/cache/mainline
docker volume create --label io.drone=true --label io.drone.expires=4102444800 "$temporary" >/dev/null
ephemeral "the cache on a volume Drone made for the build" \
	"the cache '/var/cache/mainline' is on volume '$temporary', which the build removes" \
	-v "$temporary:/var/cache/mainline"
mkdir -p "$T_TMP/hostcache"
t_exit "the cache on a bind mount of the host" 0 in_container -v "$T_TMP/hostcache:/var/cache/mainline"
t_is "... no warning" "$(grep -c "$warned" "$T_TMP/.out")" 0
t_is "... the record says local" "$(kept)" local
t_ok "... the floor is on the host" test -s "$(ls -d "$T_TMP"/hostcache/state/*/floor)"
docker volume create "$named" >/dev/null
t_exit "the cache on a named volume" 0 in_container -v "$named:/var/cache/mainline"
t_is "... no warning" "$(grep -c "$warned" "$T_TMP/.out")" 0
t_is "... the record says local" "$(kept)" local
t_exit "a cache below the mount's destination counts as on it" 0 \
	in_container -v "$named:/var/cache" -e PLUGIN_CACHE=/var/cache/mainline
t_is "... local" "$(kept)" local
t_done
