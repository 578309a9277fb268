#!/bin/sh
# A fleet of runners shares one trust state through a real PostgreSQL 15: the tables made by
# `mainline state migrate` as their owner and used by a role without DDL rights; a force-push
# back to an older signed commit refused on a runner with a fresh cache (and accepted by one
# without the shared state, its twin); the verified cache shared so a fresh runner checks only
# the tip; every run's record in one hash chain in the database, verified and exported like
# the file, tampering found; the SQL of docs/shared-state.md answering "which commit ran for
# build N" against the records themselves.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen docker python3
t_need_engine
t_postgres_fleet
t_psql "CREATE ROLE runner LOGIN PASSWORD 'runner-pw'"
owner_url=$fleet_url
url="postgres://runner:runner-pw@127.0.0.1:$pg_port/fleet"
shown=$fleet_shown
t_pipeline_repo
printf '%s\n' "$signers" >"$T_TMP/signers"
t1=$good

# --- the tables: made by their owner, used by a role without DDL ---------------------------
t_exit "a runner role on an empty database cannot make the tables" 2 \
	"$MAINLINE" state migrate --state-url "$url"
t_like "... and says who can" "$(t_out)" \
	"tables are at version 0, this mainline needs 1, and its role may not create them: .*permission denied for database fleet; run \`mainline state migrate --state-url URL\` as their owner \\(state_unavailable\\)"
t_exit "a plugin run as that role fails closed" 2 t_plugin PLUGIN_STATE_URL="$url" \
	PLUGIN_CACHE="$T_TMP/cache-none"
t_like "... before anything runs" "$(t_out)" "error: state_unavailable: .*may not create them"
t_is "... the pipeline did not run" "$(grep -c "pipeline ran" "$T_TMP/.out")" 0
t_ok "the owner makes them" "$MAINLINE" state migrate --state-url "$owner_url"
t_like "... and says so, credential-free" "$(t_out)" "^shared state '$shown': tables created at version 1$"
t_ok "a second migrate changes nothing" "$MAINLINE" state migrate --state-url "$owner_url"
t_like "... and says so" "$(t_out)" "tables already at version 1$"
t_psql fleet "GRANT USAGE ON SCHEMA mainline TO runner"
t_psql fleet "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA mainline TO runner"
t_is "the runner role may create nothing" \
	"$(t_psql fleet "SELECT has_database_privilege('runner', 'fleet', 'CREATE'),
		has_schema_privilege('runner', 'mainline', 'CREATE'),
		has_schema_privilege('runner', 'public', 'CREATE'),
		has_table_privilege('runner', 'mainline.audit', 'DELETE')")" "f|f|f|f"
t_ok "with the schema current, it just works" "$MAINLINE" state migrate --state-url "$url"

# --- the rollback floor, shared ---------------------------------------------------------------
# runner NAME [ENV...]: a plugin run on a cache of its own, with the shared state
build=0
runner() {
	t_runner=$1
	shift
	build=$((build + 1))
	t_plugin PLUGIN_CACHE="$T_TMP/cache-$t_runner" PLUGIN_STATE_URL="$url" \
		DRONE_BUILD_NUMBER=$build "$@"
}
t_exit "runner A runs T1" 0 runner a
t_like "... the pipeline ran" "$(t_out)" "pipeline ran for build 1"
git -C "$repo" commit -q -S --allow-empty -m "T2"
t2=$(git -C "$repo" rev-parse HEAD)
t_exit "runner A runs T2" 0 runner a
t_is "the shared floor is T2" "$(t_psql fleet "SELECT commit FROM mainline.floor")" "$t2"
git -C "$repo" update-ref refs/heads/main "$t1" # force-push main back to T1
t_exit "after a force-push back to T1, runner B with a fresh cache refuses" 1 runner b
t_like "... as a rollback" "$(t_out)" "refused: rollback: branch 'main' was rolled back: its tip '$t1' does not contain '$t2'"
t_is "... the pipeline did not run" "$(grep -c "pipeline ran" "$T_TMP/.out")" 0
t_exit "twin: a fresh runner without the shared state accepts it" 0 \
	t_plugin PLUGIN_CACHE="$T_TMP/cache-alone" DRONE_BUILD_NUMBER=99
t_exit "runner A refuses too (its own floor and the shared one)" 1 runner a
t_exit "mainline verify --state-url of a fresh state refuses" 1 "$MAINLINE" verify --json \
	--source "$repo" --allowed-signers "$T_TMP/signers" --state "$T_TMP/verify-b" \
	--state-url "$url"
t_like "... with reason rollback" "$(t_out)" '"decision":"refuse","reason":"rollback"'
t_is "the floor stayed at T2" "$(t_psql fleet "SELECT commit FROM mainline.floor")" "$t2"
git -C "$repo" update-ref refs/heads/main "$t2"
git -C "$repo" reset -q --hard
git -C "$repo" commit -q -S --allow-empty -m "T3"
t3=$(git -C "$repo" rev-parse HEAD)
t_exit "main moves on to T3: runner B runs it" 0 runner b
t_is "the floor moved forward to T3" "$(t_psql fleet "SELECT commit FROM mainline.floor")" "$t3"
t_exit "a run pinned to the older T2 (commit setting) is allowed" 0 runner c PLUGIN_COMMIT="$t2"
t_is "... and leaves the floor at T3" "$(t_psql fleet "SELECT commit FROM mainline.floor")" "$t3"
t_like "its record names T3 as the floor it verified against" "$(t_psql fleet \
	"SELECT line FROM mainline.audit ORDER BY seq DESC LIMIT 1")" "\"previous_tip\":\"$t3\""
t_psql fleet "UPDATE mainline.floor SET commit = '$t1'" # a floor behind this cache's
t_exit "a cache whose floor is ahead of the shared one still holds it" 0 runner b
t_is "... and moves the shared floor up to it" "$(t_psql fleet "SELECT commit FROM mainline.floor")" "$t3"
t_psql fleet "UPDATE mainline.floor SET commit = '0000000000000000000000000000000000000001'"
t_exit "a shared floor on no line with this cache's is a rollback" 1 runner b
t_like "... saying so" "$(t_out)" "refused: rollback: the rollback floor of this cache, '$t3', and the shared floor '0000000000000000000000000000000000000001', verified by another runner, do not lie on one first-parent line"
t_psql fleet "UPDATE mainline.floor SET commit = '$t3'"

# --- the verified cache, shared: a fresh runner checks only the tip -----------------------------
for i in 1 2 3 4 5 6; do git -C "$repo" commit -q -S --allow-empty -m "chain $i"; done
chain() { # STATE [--state-url URL]: mainline verify in chain mode
	t_chain_state=$1
	shift
	"$MAINLINE" verify --json --mode chain --source "$repo" --allowed-signers "$T_TMP/signers" \
		--state "$T_TMP/$t_chain_state" "$@"
}
t_ok "runner D verifies the whole chain" chain verify-d --state-url "$url"
whole=$(printf '%s' "$(t_out)" | python3 -c 'import json,sys; print(json.load(sys.stdin)["checked"])')
t_is "... every commit" "$whole" "$(git -C "$repo" rev-list --first-parent --count HEAD)"
t_ok "runner E, fresh, with the shared state" chain verify-e --state-url "$url"
t_like "... checks the tip only" "$(t_out)" '"checked":1,'
t_ok "twin: runner F, fresh, without it" chain verify-f
t_like "... checks them all" "$(t_out)" "\"checked\":$whole,"
t_is "the shared cache holds them" "$(t_psql fleet "SELECT count(*) FROM mainline.verified WHERE flags = 3")" "$whole"
t_psql fleet "UPDATE mainline.verified SET flags = 9 WHERE commit = (SELECT commit FROM mainline.verified LIMIT 1)" \
	2>/dev/null && t_result "the table refuses a flag it does not know" 1 ||
	t_result "the table refuses a flag it does not know" 0

# --- the audit chain in the database ----------------------------------------------------------
runs=$(t_psql fleet "SELECT count(*) FROM mainline.audit")
t_is "every plugin run left one record (refused and failed ones too)" "$runs" "$build"
t_ok "mainline audit verify --state-url" "$MAINLINE" audit verify --state-url "$url"
t_like "... reports like the file check" "$(t_out)" "^ok: $runs records, hash chain intact, signatures not checked"
dbhead=$(sed -n 's/^head: //p' "$T_TMP/.out")
t_is "the head is the head row's" "$dbhead" "$(t_psql fleet "SELECT hash FROM mainline.audit_head")"
t_ok "mainline audit export --state-url" sh -c '"$1" audit export --state-url "$2" >"$3"' - \
	"$MAINLINE" "$url" "$T_TMP/export.jsonl"
t_is "... every record" "$(wc -l <"$T_TMP/export.jsonl" | tr -d ' ')" "$runs"
t_ok "... which audit verify takes as a file" "$MAINLINE" audit verify "$T_TMP/export.jsonl"
t_like "... with the same head" "$(t_out)" "head: $dbhead"
t_is "the records are mainline.audit/v1, as in a file" \
	"$(python3 -c 'import json,sys; print(set(json.loads(l)["schema"] for l in open(sys.argv[1])))' "$T_TMP/export.jsonl")" \
	"{'mainline.audit/v1'}"
t_is "their ids are unique" "$(t_psql fleet "SELECT count(DISTINCT id) FROM mainline.audit")" "$runs"
since=$(t_psql fleet "SELECT record->>'time' FROM mainline.audit WHERE seq = 5")
t_ok "export --since the fifth record's time" sh -c \
	'"$1" audit export --state-url "$2" --since "$3" >"$4" 2>"$4.err"' - "$MAINLINE" "$url" \
	"$since" "$T_TMP/since.jsonl"
after=$(sed -n 's/.*verify FILE --after \([0-9a-f]*\)).*/\1/p' "$T_TMP/since.jsonl.err")
t_is "... starts there" "$(head -1 "$T_TMP/since.jsonl" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')" \
	"$(t_psql fleet "SELECT id FROM mainline.audit WHERE seq = 5")"
t_is "... continuing after the fourth" "$after" "$(t_psql fleet "SELECT hash FROM mainline.audit WHERE seq = 4")"
t_ok "... and verifies --after it" "$MAINLINE" audit verify "$T_TMP/since.jsonl" --after "$after"
t_exit "... but not from the genesis value" 1 "$MAINLINE" audit verify "$T_TMP/since.jsonl"
t_ok "export --since a later day" sh -c '"$1" audit export --state-url "$2" --since 2999-01-01 >"$3"' - \
	"$MAINLINE" "$url" "$T_TMP/none.jsonl"
t_is "... exports nothing" "$(wc -c <"$T_TMP/none.jsonl" | tr -d ' ')" 0
t_exit "export --since that is no time" 2 "$MAINLINE" audit export --state-url "$url" --since yesterday
t_like "... says so" "$(t_out)" "--since 'yesterday' is not a UTC time"

# the SQL of docs/shared-state.md, against the records' own fields
t_is "which commit ran for build 5 of acme/app" "$(t_psql fleet "
	SELECT record->>'commit' FROM mainline.audit
	WHERE record->'drone'->>'repo' = 'acme/app' AND record->'drone'->>'build_number' = '5'
	  AND record->>'exit_code' IS NOT NULL")" "$t3"
t_is "every run of commit T2" "$(t_psql fleet "
	SELECT string_agg(record->'drone'->>'build_number' || ':' || (record->>'decision'), ',' ORDER BY seq)
	FROM mainline.audit WHERE record->>'commit' = '$t2'")" \
	"$(python3 -c 'import json,sys
print(",".join("%s:%s" % (r["drone"]["build_number"], r["decision"]) for r in map(json.loads, open(sys.argv[1])) if r["commit"] == sys.argv[2]))' "$T_TMP/export.jsonl" "$t2")"

# tampering: each refused by verify, and by the next run before anything runs
t_psql fleet "UPDATE mainline.audit SET line = replace(line, '\"decision\":\"refuse\"', '\"decision\":\"allow\"'),
	hash = encode(sha256(convert_to(replace(line, '\"decision\":\"refuse\"', '\"decision\":\"allow\"'), 'UTF8')), 'hex')
	WHERE seq = 3"
t_exit "an edited record (hash recomputed) breaks the chain" 1 "$MAINLINE" audit verify --state-url "$url"
t_like "... at the line after it" "$(t_out)" "line 4: hash chain broken \\(prev does not match line 3\\)"
t_psql fleet "UPDATE mainline.audit SET line = replace(line, '\"decision\":\"allow\"', '\"decision\":\"refuse\"'),
	hash = encode(sha256(convert_to(replace(line, '\"decision\":\"allow\"', '\"decision\":\"refuse\"'), 'UTF8')), 'hex')
	WHERE seq = 3"
t_ok "put back, it verifies again" "$MAINLINE" audit verify --state-url "$url"
t_psql fleet "CREATE TABLE saved AS SELECT * FROM mainline.audit WHERE seq = $runs"
t_psql fleet "DELETE FROM mainline.audit WHERE seq = $runs"
t_exit "the last record removed" 1 "$MAINLINE" audit verify --state-url "$url"
t_like "... shows against the head row" "$(t_out)" "its head row names line $runs, but the chain ends at line $((runs - 1)) \\(its last records were removed\\)"
t_exit "... and the next run refuses before anything runs" 2 runner b
t_like "... audit_unavailable" "$(t_out)" "error: audit_unavailable: audit chain in the shared state '$shown': its head row names line $runs, but that line is missing"
t_is "... the pipeline did not run" "$(grep -c "pipeline ran" "$T_TMP/.out")" 0
t_psql fleet "INSERT INTO mainline.audit (seq, id, line, hash) SELECT seq, id, line, hash FROM saved"
t_ok "put back, it verifies again" "$MAINLINE" audit verify --state-url "$url"
t_like "... all of it" \
	"$(t_out)" "^ok: $runs records"
t_exit "the next run delivers the record the broken chain could not take" 0 runner b
t_like "... behind the spool" "$(t_out)" "1 spooled audit records delivered to the shared state"
t_ok "... and the chain verifies" "$MAINLINE" audit verify --state-url "$url"
t_like "... with both" "$(t_out)" "^ok: $((runs + 2)) records"
t_done
