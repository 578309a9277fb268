#!/bin/sh
# The shared state fails closed: a database stopped before a run, or killed (pg_ctl stop -m
# immediate) while a pipeline sleeps, ends the run with a clear error and a non-zero exit;
# nothing runs while it is down; every record waits in the cache's spool and reaches the
# database, once and in order, when it is back, even when a run dies between the delivery and
# the spool's rewrite. A server that never answers meets the connect timeout, a locked row the
# statement timeout: at the record's append, and at the verification's save of the floor, where
# the pipeline then does not start.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen docker python3
t_need_engine
t_postgres_fleet
url=$fleet_url
shown=$fleet_shown
t_pipeline_repo
printf '%s\n' "$signers" >"$T_TMP/signers"
spool="$T_CACHE/state-spool.jsonl"
build=0
run() { build=$((build + 1)); t_plugin PLUGIN_STATE_URL="$url" DRONE_BUILD_NUMBER=$build "$@"; }
records() { t_psql fleet "SELECT count(*) FROM mainline.audit"; }
spooled() { [ -f "$spool" ] && wc -l <"$spool" | tr -d ' ' || echo 0; }
t_exit "a run with the database up" 0 run
t_is "... its record is in the database" "$(records)" 1

# --- stopped before a run -------------------------------------------------------------------
t_postgres_stop
t_exit "the database stopped: the run fails" 2 run
t_like "... with a clear error, credential-free" "$(t_out)" \
	"error: state_unavailable: cannot connect to the shared state '$shown': connection to server at \"127.0.0.1\", port $pg_port failed: Connection refused"
t_is "... nothing ran" "$(grep -c "pipeline ran" "$T_TMP/.out")" 0
t_like "... its record waits in the spool" "$(t_out)" "audit record kept in the spool '$spool' for the shared state \\(1 waiting\\)"
t_is "... one line" "$(spooled)" 1
t_exit "still down: the next run fails too" 2 run
t_is "... nothing ran" "$(grep -c "pipeline ran" "$T_TMP/.out")" 0
t_is "... two records wait" "$(spooled)" 2
t_exit "mainline verify fails closed too" 2 "$MAINLINE" verify --source "$repo" \
	--allowed-signers "$T_TMP/signers" --state "$T_TMP/verify" --state-url "$url"
t_like "... with the same error" "$(t_out)" "error \\(state_unavailable\\): cannot connect to the shared state '$shown'"
t_postgres_restart
t_exit "the database back: a run" 0 run
t_like "... delivers the spooled records first" "$(t_out)" "2 spooled audit records delivered to the shared state"
t_ok "... leaving no spool" test ! -e "$spool"
t_is "... four records" "$(records)" 4
t_is "... in the order of the runs" "$(t_psql fleet "SELECT string_agg(record->'drone'->>'build_number' || ':' || (record->>'reason'), ',' ORDER BY seq) FROM mainline.audit")" \
	"1:ok,2:state_unavailable,3:state_unavailable,4:ok"
t_ok "... in a chain that verifies" "$MAINLINE" audit verify --state-url "$url"

# --- killed while a pipeline sleeps ---------------------------------------------------------
running() { [ "$(docker ps -q --filter "label=org.mainline.commit=$good" | wc -l | tr -d ' ')" = 1 ]; }
build=$((build + 1))
(T_EXEC=exec t_plugin PLUGIN_STATE_URL="$url" DRONE_BUILD_NUMBER=$build SLEEP=4 PLUGIN_ENV=SLEEP \
	>"$T_TMP/killed.out" 2>&1) &
killed=$!
t_ok "a pipeline sleeps" t_wait_until 60 running
t_postgres_stop immediate
wait $killed
t_is "the database killed meanwhile: the run exits non-zero" "$?" 2
t_like "... the pipeline had started and ran out" "$(cat "$T_TMP/killed.out")" "pipeline ran for build $build"
t_like "... its record waits in the spool" "$(cat "$T_TMP/killed.out")" \
	"audit record kept in the spool '$spool' for the shared state \\(1 waiting\\), to be delivered by a later run: cannot connect to the shared state '$shown'"
t_exit "down: the next run fails before anything runs" 2 run
t_is "... nothing ran" "$(grep -c "pipeline ran" "$T_TMP/.out")" 0
t_postgres_restart
t_exit "back after its crash recovery: a run" 0 run
t_like "... delivers both" "$(t_out)" "2 spooled audit records delivered to the shared state"
t_is "... seven records" "$(records)" 7
t_like "the killed run's record says its pipeline ran and exited 0" "$(t_psql fleet \
	"SELECT record->>'decision' || ' ' || (record->>'exit_code') FROM mainline.audit WHERE record->'drone'->>'build_number' = '5'")" \
	"^allow 0$"
t_ok "the chain verifies" "$MAINLINE" audit verify --state-url "$url"

# --- exactly once: a run that died between the delivery and the spool's rewrite -----------------
t_postgres_stop
t_exit "down again: one record spooled" 2 run
cp "$spool" "$T_TMP/spool.copy"
t_postgres_restart
t_exit "up: delivered" 0 run
t_is "... nine records" "$(records)" 9
cp "$T_TMP/spool.copy" "$spool" # as if the spool had not been rewritten
t_exit "the next run finds the delivered record in its spool again" 0 run
t_ok "... and empties it" test ! -e "$spool"
t_is "... but the database holds it once" "$(records)" 10
t_is "... every id once" "$(t_psql fleet "SELECT count(DISTINCT id) FROM mainline.audit")" 10
t_ok "the chain verifies" "$MAINLINE" audit verify --state-url "$url"

# --- timeouts -------------------------------------------------------------------------------
t_start_fault_server silent
t_exit "a server that never answers meets the connect timeout the URI sets" 2 \
	"$MAINLINE" verify --source "$repo" --allowed-signers "$T_TMP/signers" \
	--state "$T_TMP/verify" --state-url "postgres://owner:owner-pw@127.0.0.1:$fault_port/fleet?connect_timeout=2"
t_like "... saying so" "$(t_out)" "state_unavailable.*cannot connect to the shared state .*timeout expired"
# hold TABLE: a session that locks the rows of mainline.TABLE (FOR UPDATE) for 30 s; $holder
hold() {
	"$T_PG_BIN/psql" -X -q -h "$pg_dir/sock" -p "$pg_port" -U postgres -d fleet -c \
		"BEGIN; SELECT * FROM mainline.$1 FOR UPDATE; SELECT pg_sleep(30); COMMIT" \
		>/dev/null 2>&1 &
	holder=$!
	t_wait_until 10 sh -c "[ \"\$(\"$T_PG_BIN/psql\" -X -A -t -h '$pg_dir/sock' -p $pg_port -U postgres -d fleet -c \"SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = '$1' AND l.mode = 'RowShareLock'\")\" != 0 ]"
}
release() {
	t_psql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()" >/dev/null
	wait $holder 2>/dev/null
}
# the chain's head row held: the append waits, then the statement timeout ends it
hold audit_head
t_exit "a run whose append waits on a locked head row" 2 run PLUGIN_DRY_RUN=true
t_like "... is ended by the statement timeout" "$(t_out)" "canceling statement due to statement timeout"
t_ok "... before the lock was given up" kill -0 $holder
t_is "... its record waits in the spool" "$(spooled)" 1
release
t_exit "the lock gone, the next run delivers it" 0 run PLUGIN_DRY_RUN=true
t_ok "the chain verifies" "$MAINLINE" audit verify --state-url "$url"

# the floor's row held while main moved on: the verification's save fails, nothing runs
git -C "$repo" commit -q -S --allow-empty -m "T2"
hold floor
t_exit "a run whose save of the floor waits on its locked row" 2 run
t_like "... fails closed at the statement timeout" "$(t_out)" \
	"error: state_unavailable: cannot save the rollback state: .*canceling statement due to statement timeout"
t_is "... the pipeline did not start" "$(grep -c "pipeline ran" "$T_TMP/.out")" 0
t_is "... its record waits in the spool" "$(spooled)" 1
t_is "... the floor did not move" "$(t_psql fleet "SELECT commit FROM mainline.floor")" "$good"
release
t_exit "the lock gone, the next run runs the new tip" 0 run
t_like "... the pipeline ran" "$(t_out)" "pipeline ran for build $build"
t_like "... after delivering the record" "$(t_out)" "1 spooled audit records delivered to the shared state"
t_is "... and moved the floor" "$(t_psql fleet "SELECT commit FROM mainline.floor")" \
	"$(git -C "$repo" rev-parse HEAD)"
t_is "the refused run's record names the commit it was about" "$(t_psql fleet \
	"SELECT record->>'reason' || ' ' || (record->>'commit') FROM mainline.audit ORDER BY seq DESC OFFSET 1 LIMIT 1")" \
	"state_unavailable $(git -C "$repo" rev-parse HEAD)"
t_ok "the chain verifies" "$MAINLINE" audit verify --state-url "$url"
t_done
