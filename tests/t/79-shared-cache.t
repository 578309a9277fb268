#!/bin/sh
# Builds that share a cache and an audit file do not wait for each other's pipelines:
# the cache lock covers the fetch and the verification only. A second build fetches,
# verifies and runs a newer commit while the first one's pipeline still sleeps; both
# records land in one intact chain.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen docker
t_need_engine
t_pipeline_repo
audit="$T_TMP/audit.jsonl"
running() { [ "$(docker ps -q --filter "label=org.mainline.commit=$1" | wc -l | tr -d ' ')" = 1 ]; }

(T_EXEC=exec t_plugin SLEEP=120 PLUGIN_ENV=SLEEP PLUGIN_AUDIT_FILE="$audit" >"$T_TMP/first.out" 2>&1) &
first=$!
t_ok "the first build's pipeline runs (and sleeps)" t_wait_until 60 running "$good"

sed -i 's/pipeline ran/pipeline v2 ran/' "$repo/ci/run.sh"
git -C "$repo" commit -q -S -am "pipeline v2"
second=$(git -C "$repo" rev-parse HEAD)
t_exit "a second build on the same cache and audit file" 0 t_plugin PLUGIN_AUDIT_FILE="$audit"
t_like "it fetched and ran the newer commit" "$(t_out)" "pipeline v2 ran for build 42"
t_ok "it finished while the first build still runs" kill -0 $first
t_ok "and the first build's pipeline still sleeps" running "$good"
t_like "its record: allowed, the newer commit, the first's as the previous tip" "$(tail -1 "$audit")" \
	"\"decision\":\"allow\",\"reason\":\"ok\".*\"commit\":\"$second\".*\"previous_tip\":\"$good\""

kill -TERM $first
wait $first
t_is "the first build, canceled, exits 2" "$?" 2
t_is "two records" "$(wc -l <"$audit" | tr -d ' ')" 2
t_like "the first build's record: canceled, its own commit" "$(tail -1 "$audit")" \
	"\"reason\":\"canceled\".*\"commit\":\"$good\""
t_ok "the chain of both records verifies" "$MAINLINE" audit verify "$audit"
t_exit "a third build: the rollback floor is the newer commit" 0 t_plugin PLUGIN_AUDIT_FILE="$audit"
t_like "its record says so" "$(tail -1 "$audit")" "\"previous_tip\":\"$second\""
t_done
