#!/bin/sh
# No credential is ever printed or recorded: a canary (one unique string) sits
# in the user, password and query of every URL-bearing setting and context
# variable, and in every secret; no sink may hold it — mainline's output, the
# dry-run description, error messages of a failed fetch, the card, the audit
# file, the webhook and OTLP requests, the cache's own files, the shared
# state's database (whose password also comes from PGPASSWORD and a passfile).
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen
SERVER="$BUILD/tests/helpers/json-server"
SINK="$BUILD/tests/helpers/http-sink"
[ -x "$SERVER" ] && [ -x "$SINK" ] || t_skip_all "helpers not built"
C=canary-b9e2f41d

ssh-keygen -q -t ed25519 -N '' -C release -f "$T_TMP/key"
signers=$(printf 'release@example.org %s' "$(cut -d' ' -f1,2 "$T_TMP/key.pub")")
printf '%s\n' "$signers" >"$T_TMP/signers"
git init -q "$T_TMP/pipelines"
mkdir -p "$T_TMP/pipelines/ci"
printf '#!/bin/sh\necho pipeline ran\n' >"$T_TMP/pipelines/ci/run.sh"
chmod +x "$T_TMP/pipelines/ci/run.sh"
git -C "$T_TMP/pipelines" add ci
git -C "$T_TMP/pipelines" -c gpg.format=ssh -c user.signingkey="$T_TMP/key" commit -q -S -m pipeline
git init -q "$T_TMP/project"
git -C "$T_TMP/project" commit -q --allow-empty -m "project: first"
project_sha=$(git -C "$T_TMP/project" rev-parse HEAD)

# a git daemon serves both repositories; URLs with a user and password work over git://
gport=$(t_free_port)
git daemon --reuseaddr --listen=127.0.0.1 --port="$gport" --base-path="$T_TMP" --export-all \
	"$T_TMP" 2>/dev/null &
daemon_pid=$!
# the Drone API's build endpoint
mkdir -p "$T_TMP/www/api/repos/acme/app/builds"
printf '{"number":7,"source_repo":"","event":"push"}' >"$T_TMP/www/api/repos/acme/app/builds/7"
t_start_json_server "$T_TMP/www" "$T_TMP/api.log"
aport=$json_port
# the audit webhook and the OTLP collector
"$SINK" --headers "$T_TMP/hook.headers" "$T_TMP/hook.bodies" >"$T_TMP/hook.out" &
hook_pid=$!
"$SINK" --headers "$T_TMP/otlp.headers" "$T_TMP/otlp.bodies" >"$T_TMP/otlp.out" &
otlp_pid=$!
stop_servers() { kill "$daemon_pid" "$hook_pid" "$otlp_pid" 2>/dev/null; }
T_CLEANUP="$T_CLEANUP stop_servers"
t_wait_port "$gport"
i=0
while { ! grep -q '^port ' "$T_TMP/hook.out" || ! grep -q '^port ' "$T_TMP/otlp.out"; } \
	2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
hport=$(sed -n 's/^port //p' "$T_TMP/hook.out")
oport=$(sed -n 's/^port //p' "$T_TMP/otlp.out")
# the shared state: a private PostgreSQL whose roles' passwords are canaries
t_postgres_start || t_skip_all "the private PostgreSQL did not start"
t_psql "CREATE ROLE bot LOGIN PASSWORD '$C-state'"
t_psql "CREATE ROLE envbot LOGIN PASSWORD '$C-pgpassword'"
t_psql "CREATE ROLE filebot LOGIN PASSWORD '$C-passfile'"
t_psql "CREATE DATABASE canary OWNER bot"
state="postgres://bot:$C-state@127.0.0.1:$pg_port/canary?application_name=$C-state-query"
t_ok "the shared state's tables are made (state migrate)" "$MAINLINE" state migrate --state-url "$state"
t_like "... shown credential-free" "$(t_out)" "^shared state 'postgres://\*\*\*@127.0.0.1:$pg_port/canary\?application_name=\*\*\*': tables"
cat "$T_TMP/.out" >"$T_TMP/outputs.pre"
t_psql canary "GRANT USAGE ON SCHEMA mainline TO envbot, filebot"
t_psql canary "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA mainline TO envbot, filebot"

# every URL-bearing setting and context variable, and every secret, carries the canary
plugin() {
	env -i PATH="$PATH" HOME="$HOME" \
		PLUGIN_SOURCE="git://bot:$C-source@127.0.0.1:$gport/pipelines" \
		PLUGIN_ALLOWED_SIGNERS="$signers" PLUGIN_CACHE="$T_TMP/cache" PLUGIN_DRY_RUN=true \
		PLUGIN_GIT_PASSWORD="$C-git-password" \
		PLUGIN_AUDIT_FILE="$T_TMP/audit.jsonl" PLUGIN_AUDIT_SECRET="$C-audit-secret" \
		PLUGIN_AUDIT_WEBHOOK="http://hook:$C-hook@127.0.0.1:$hport/audit?token=$C-hook-query" \
		PLUGIN_OTLP_ENDPOINT="http://otel:$C-otlp@127.0.0.1:$oport" \
		PLUGIN_DRONE_TOKEN="$C-drone-token" DRONE_SYSTEM_PROTO=http \
		DRONE_SYSTEM_HOST="127.0.0.1:$aport" \
		PLUGIN_GATE_COMMIT=true DRONE_GIT_HTTP_URL="git://git:$C-git-http@127.0.0.1:$gport/project" \
		DRONE_COMMIT_SHA="$project_sha" \
		DRONE_NETRC_MACHINE=127.0.0.1 DRONE_NETRC_USERNAME=drone \
		DRONE_NETRC_PASSWORD="$C-netrc" \
		DRONE_BUILD_LINK="https://drone:$C-build-link@drone.example/acme/app/7?t=$C-build-query" \
		DRONE_REPO_LINK="https://forge:$C-repo-link@forge.example/acme/app" \
		DRONE_CARD_PATH="$T_TMP/card" \
		DRONE_BUILD_EVENT=push DRONE_COMMIT_REF=refs/heads/main DRONE_COMMIT_BRANCH=main \
		DRONE_REPO=acme/app DRONE_REPO_OWNER=acme DRONE_REPO_NAME=app DRONE_BUILD_NUMBER=7 \
		DRONE_STEP_NAME=release PLUGIN_STATE_URL="$state" "$@" "$MAINLINE"
}
mv "$T_TMP/outputs.pre" "$T_TMP/outputs"
: >"$T_TMP/card.json"
keep() { # the output, and the card file (plain JSON, replaced by every run)
	cat "$T_TMP/.out" >>"$T_TMP/outputs"
	if [ -f "$T_TMP/card" ]; then
		cat "$T_TMP/card" >>"$T_TMP/card.json"
		echo >>"$T_TMP/card.json"
	fi
}

t_exit "a dry run with the canary everywhere is allowed" 0 plugin
keep
t_like "... it fetched with the credentials" "$(t_out)" "dry run: commit [0-9a-f]{40} verified"
t_like "... its description shows the source credential-free" "$(t_out)" \
	"source: git://\*\*\*@127.0.0.1:$gport/pipelines"
t_like "... and the webhook with its query value hidden" "$(t_out)" \
	"audit_webhook: http://\*\*\*@127.0.0.1:$hport/audit\?token=\*\*\*"
t_like "... the Drone API was asked" "$(cat "$T_TMP/api.log")" "^GET /api/repos/acme/app/builds/7 "

t_exit "a failed fetch from a URL with the canary in user, password and query" 2 \
	plugin PLUGIN_SOURCE="https://bot:$C-source@127.0.0.1:1/x.git?private_token=$C-source-query" \
	PLUGIN_CACHE="$T_TMP/cache-https"
keep
t_like "... names the URL credential-free" "$(t_out)" \
	"fetch_failed: cannot fetch from 'https://\*\*\*@127.0.0.1:1/x.git\?private_token=\*\*\*'"
t_exit "a run whose sinks are unreachable (the webhook record is spooled)" 0 \
	plugin PLUGIN_AUDIT_WEBHOOK="http://hook:$C-hook@127.0.0.1:1/audit?token=$C-hook-query" \
	PLUGIN_OTLP_ENDPOINT="http://otel:$C-otlp@127.0.0.1:1/?key=$C-otlp-query" \
	PLUGIN_CACHE="$T_TMP/cache-sinks"
keep
t_like "... and the collector" "$(cat "$T_TMP/outputs")" \
	"cannot reach otlp endpoint at 'http://\*\*\*@127.0.0.1:1/\?key=\*\*\*"
t_exit "a source URL with a raw '@' in its password is a configuration error" 2 \
	plugin PLUGIN_SOURCE="https://bot:$C-source@ss@127.0.0.1:1/x.git"
keep
t_like "... that explains it without quoting it" "$(t_out)" \
	"setting 'source' is not a valid URL: bad host name \(an '@' in a user name or password must be written %40\)"
t_exit "a Drone API host with a user and password is refused" 2 \
	plugin DRONE_SYSTEM_HOST="api:$C-system-host@127.0.0.1:$aport"
keep
t_like "... as an invalid host" "$(t_out)" "invalid host, repository or build number"
t_exit "the Drone API unreachable" 1 plugin DRONE_SYSTEM_HOST=127.0.0.1:1 \
	DRONE_SYSTEM_PROTO=http
keep
t_like "... named without the token" "$(t_out)" "refused: source_repo: cannot ask the drone api"
t_exit "mainline verify --json of the canary source" 0 "$MAINLINE" verify --json \
	--source "git://bot:$C-source@127.0.0.1:$gport/pipelines" \
	--allowed-signers "$T_TMP/signers" --state "$T_TMP/verify-state"
keep
t_exit "mainline verify of a canary source that cannot be fetched" 2 "$MAINLINE" verify \
	--source "https://bot:$C-source@127.0.0.1:1/x.git?private_token=$C-source-query" \
	--allowed-signers "$T_TMP/signers" --state "$T_TMP/verify-state"
keep
t_exit "a wrong password in state_url" 2 plugin \
	PLUGIN_STATE_URL="postgres://bot:$C-wrong@127.0.0.1:$pg_port/canary?sslmode=prefer"
keep
t_like "... names the user, not the password" "$(t_out)" \
	"cannot connect to the shared state 'postgres://\*\*\*@127.0.0.1:$pg_port/canary\?sslmode=\*\*\*': .*password authentication failed for user \"bot\""
t_exit "the password from PGPASSWORD" 0 plugin PGPASSWORD="$C-pgpassword" \
	PLUGIN_STATE_URL="postgres://envbot@127.0.0.1:$pg_port/canary"
keep
t_exit "a wrong one from PGPASSWORD" 2 plugin PGPASSWORD="$C-pgpassword-wrong" \
	PLUGIN_STATE_URL="postgres://envbot@127.0.0.1:$pg_port/canary"
keep
printf '127.0.0.1:%s:canary:filebot:%s\n' "$pg_port" "$C-passfile" >"$T_TMP/pgpass"
chmod 600 "$T_TMP/pgpass"
t_exit "the password from a passfile" 0 plugin PGPASSFILE="$T_TMP/pgpass" \
	PLUGIN_STATE_URL="postgres://filebot@127.0.0.1:$pg_port/canary"
keep
t_exit "mainline verify --state-url" 0 "$MAINLINE" verify --json \
	--source "git://bot:$C-source@127.0.0.1:$gport/pipelines" \
	--allowed-signers "$T_TMP/signers" --state "$T_TMP/verify-state" --state-url "$state"
keep
t_exit "mainline verify --state-url with a wrong password" 2 "$MAINLINE" verify --json \
	--source "git://bot:$C-source@127.0.0.1:$gport/pipelines" \
	--allowed-signers "$T_TMP/signers" --state "$T_TMP/verify-state" \
	--state-url "postgres://bot:$C-wrong@127.0.0.1:$pg_port/canary"
keep
t_exit "a state_url libpq cannot parse" 2 plugin \
	PLUGIN_STATE_URL="postgres://bot:$C-bad%zz@127.0.0.1:$pg_port/canary"
keep
t_like "... is refused without quoting it" "$(t_out)" \
	"setting 'state_url' is not a valid connection URI: libpq cannot parse it"
t_ok "mainline audit verify --state-url" "$MAINLINE" audit verify --state-url "$state"
keep
t_ok "mainline audit export --state-url" "$MAINLINE" audit export --state-url "$state"
keep
t_like "... exports the records" "$(t_out)" '"schema":"mainline.audit/v1"'

# a real run prints the start line and labels the container; only where an engine answers
if command -v docker >/dev/null && curl -sf --max-time 3 --unix-socket /var/run/docker.sock \
	http://d/_ping >/dev/null 2>&1 && "$T_ROOT/scripts/test-image.sh" >/dev/null 2>&1; then
	t_exit "a real run with the canary everywhere" 0 plugin PLUGIN_DRY_RUN=false \
		PLUGIN_IMAGE=mainline-test/busybox:1 PLUGIN_COMMAND='["./ci/run.sh"]'
	keep
	t_like "... its start line names the source credential-free" "$(t_out)" \
		"running pipeline [0-9a-f]{12} \(tree [0-9a-f]{12}\) from git://\*\*\*@127.0.0.1:$gport/pipelines@main"
fi

# --- no sink holds the canary --------------------------------------------------
t_like "the cards were written" "$(cat "$T_TMP/card.json")" '"source":"git://\*\*\*@'
t_like "the audit file holds the failed fetch" "$(cat "$T_TMP/audit.jsonl")" \
	"cannot fetch from 'https://\*\*\*@127.0.0.1:1/x.git\?private_token=\*\*\*'"
t_like "the webhook received records" "$(cat "$T_TMP/hook.bodies")" '"build_link":"https://\*\*\*@drone.example/acme/app/7\?t=\*\*\*"'
t_like "the collector received spans" "$(cat "$T_TMP/otlp.bodies")" '"name":"mainline run"'
t_ok "the caches were written" sh -c 'ls "$1"/cache/*/url "$1"/cache-sinks/audit-spool.jsonl' - "$T_TMP"
"$T_PG_BIN/pg_dump" -h "$pg_dir/sock" -p "$pg_port" -U postgres canary >"$T_TMP/database.sql"
t_like "the shared state holds the records" "$(cat "$T_TMP/database.sql")" '"schema":"mainline.audit/v1"'
for sink in outputs card.json audit.jsonl hook.bodies otlp.bodies otlp.headers database.sql; do
	t_fails "no canary in $sink" grep -q "$C" "$T_TMP/$sink"
done
# the webhook's own query reaches the webhook, in its request line only
t_is "no other canary in the webhook's requests" \
	"$(grep "$C" "$T_TMP/hook.headers" | grep -v "^POST /audit?token=$C-hook-query HTTP/1.1")" ""
t_fails "no canary in the caches and their state" grep -rq "$C" "$T_TMP/cache" \
	"$T_TMP/cache-https" "$T_TMP/cache-sinks" "$T_TMP/verify-state"
t_done
