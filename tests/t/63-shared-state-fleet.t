#!/bin/sh
# Twenty runners start at once against one empty PostgreSQL database, each on a cache of its
# own: they make the tables once between them, every pipeline runs, the shared floor ends at
# the newest tip, and the signed audit chain in the database holds their twenty records, no
# duplicates, and verifies. Then twenty more verify twenty newer commits at once: every move
# of the floor (logged by a trigger) goes forward along the first-parent line.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen docker python3 openssl
t_need_engine
t_postgres_fleet
url=$fleet_url
openssl genpkey -algorithm ed25519 -out "$T_TMP/audit.pem" 2>/dev/null
openssl pkey -in "$T_TMP/audit.pem" -pubout -out "$T_TMP/audit.pub" 2>/dev/null
t_pipeline_repo
: >"$T_TMP/commits"
add_commits() { # N: N more signed commits on main, their ids appended to $T_TMP/commits
	for t_c in $(seq "$1"); do
		git -C "$repo" commit -q -S --allow-empty -m "commit $t_c"
		git -C "$repo" rev-parse HEAD >>"$T_TMP/commits"
	done
}
# fleet FIRST LAST: runs FIRST..LAST at once, run i on cache i, pinned to the i-th commit
fleet() {
	t_pids=
	for t_i in $(seq "$1" "$2"); do
		(t_plugin PLUGIN_CACHE="$T_TMP/cache-$t_i" PLUGIN_STATE_URL="$url" \
			PLUGIN_AUDIT_KEY="$T_TMP/audit.pem" \
			PLUGIN_COMMIT="$(sed -n "${t_i}p" "$T_TMP/commits")" DRONE_BUILD_NUMBER="$t_i" \
			>"$T_TMP/run-$t_i.out" 2>&1; echo $? >"$T_TMP/run-$t_i.rc") &
		t_pids="$t_pids $!"
	done
	for t_p in $t_pids; do wait "$t_p"; done
}
all_ran() { # FIRST LAST: which runs did not exit 0 and print their pipeline's line
	for t_i in $(seq "$1" "$2"); do
		[ "$(cat "$T_TMP/run-$t_i.rc")" = 0 ] && grep -q "pipeline ran for build $t_i\$" \
			"$T_TMP/run-$t_i.out" || { echo "run $t_i:"; tail -3 "$T_TMP/run-$t_i.out"; }
	done
}

add_commits 19
# the 20 commits pinned: the pipeline repository's first commit, then the 19 after it
{ echo "$good"; cat "$T_TMP/commits"; } >"$T_TMP/commits.new" && mv "$T_TMP/commits.new" "$T_TMP/commits"
fleet 1 20
t_is "twenty runners at once on an empty database: every pipeline ran" "$(all_ran 1 20)" ""
t_is "the tables were made once" "$(t_psql fleet "SELECT version FROM mainline.schema_version")" 1
t_is "the shared floor is the newest tip" "$(t_psql fleet "SELECT commit FROM mainline.floor")" \
	"$(sed -n 20p "$T_TMP/commits")"
t_ok "the audit chain in the database verifies, signed" "$MAINLINE" audit verify \
	--state-url "$url" --pubkey "$T_TMP/audit.pub"
t_like "... with twenty records" "$(t_out)" "^ok: 20 records, hash chain intact, every signature valid"
t_is "... twenty ids, twenty builds: no duplicate" "$(t_psql fleet \
	"SELECT count(DISTINCT id) || ' ' || count(DISTINCT record->'drone'->>'build_number') FROM mainline.audit")" "20 20"
t_is "... each allowed, with its own pinned commit" "$(t_psql fleet "
	SELECT count(*) FROM mainline.audit WHERE record->>'decision' = 'allow'
	  AND record->>'reason' = 'ok'")" 20
t_ok "... and exported, it verifies as a file" sh -c \
	'"$1" audit export --state-url "$2" >"$3" && "$1" audit verify "$3" --pubkey "$4"' - \
	"$MAINLINE" "$url" "$T_TMP/export.jsonl" "$T_TMP/audit.pub"
for i in $(seq 1 20); do
	sed -n "${i}p" "$T_TMP/commits" | while read -r c; do
		[ "$(t_psql fleet "SELECT record->>'commit' FROM mainline.audit WHERE record->'drone'->>'build_number' = '$i'")" = "$c" ] ||
			echo "build $i"
	done
done >"$T_TMP/mismatch"
t_is "every build's record names the commit it ran" "$(cat "$T_TMP/mismatch")" ""

# every later move of the floor, logged: old and new commit
t_psql fleet "CREATE TABLE floor_log (seq serial, old text, new text)"
t_psql fleet "CREATE FUNCTION log_floor() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS \$\$
	BEGIN INSERT INTO floor_log (old, new) VALUES (OLD.commit, NEW.commit); RETURN NEW; END \$\$"
t_psql fleet "CREATE TRIGGER log_floor AFTER UPDATE ON mainline.floor FOR EACH ROW EXECUTE FUNCTION log_floor()"
add_commits 20
fleet 21 40
t_is "twenty more at once, on twenty newer commits: every pipeline ran" "$(all_ran 21 40)" ""
t_is "the floor ends at the newest tip" "$(t_psql fleet "SELECT commit FROM mainline.floor")" \
	"$(sed -n 40p "$T_TMP/commits")"
t_psql fleet "SELECT old || ' ' || new FROM floor_log ORDER BY seq" >"$T_TMP/moves"
t_like "the floor moved" "$(wc -l <"$T_TMP/moves" | tr -d ' ')" "^[1-9][0-9]*$"
t_is "... and every move went forward along the first-parent line" "$(python3 -c '
import sys
order = {c.strip(): i for i, c in enumerate(open(sys.argv[1]))}
for line in open(sys.argv[2]):
    old, new = line.split()
    if order[new] <= order[old]:
        print("backwards:", line.strip())' "$T_TMP/commits" "$T_TMP/moves")" ""
t_ok "the chain verifies with forty records" "$MAINLINE" audit verify --state-url "$url" \
	--pubkey "$T_TMP/audit.pub"
t_like "... so" "$(t_out)" "^ok: 40 records"
t_is "... none twice" "$(t_psql fleet "SELECT count(*) - count(DISTINCT id) FROM mainline.audit")" 0
t_done
