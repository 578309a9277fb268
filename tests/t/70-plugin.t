#!/bin/sh
# Plugin mode end to end against the real Docker engine: the gate, the
# verification, the pipeline run with its exit code, output and environment,
# and the audit sinks — with Drone's environment variables, as the runner sets them.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen docker
t_need_engine
image=mainline-test/busybox:1

t_pipeline_repo - <<'SH'
#!/bin/sh
echo "pipeline ran in $(pwd) for build $DRONE_BUILD_NUMBER"
[ -n "${SHOW_ENV:-}" ] && env | sort
[ -n "${CHECK_SOCKET:-}" ] && { test -S /var/run/docker.sock && echo socket present || echo socket absent; }
[ -n "${SLEEP:-}" ] && sleep "$SLEEP"
exit "${EXIT_CODE:-0}"
SH
ssh-keygen -q -t ed25519 -N '' -C intruder -f "$T_TMP/intruder"

# the plugin's environment, as Drone's docker runner passes it
EXEC=
plugin() { T_EXEC=$EXEC T_IMAGE=$image t_plugin "$@"; }
containers() { docker ps -aq --filter "label=org.mainline.commit=$good" | wc -l | tr -d ' '; }
# what the engine did with containers of this test's source since SINCE (seconds), one action a line
actions_since() {
	docker events --since "$1" --until "$(date +%s.%N)" --filter type=container \
		--filter "label=org.mainline.source=$repo" --format '{{.Action}}'
}

first_run=$(date +%s.%N)
t_exit "push to main: the verified pipeline runs" 0 plugin
t_is "the engine created, started and removed its container, in that order" \
	"$(actions_since "$first_run" | grep -Ex 'create|start|destroy' | tr '\n' ' ')" "create start destroy "
t_like "its output is streamed" "$(t_out)" "pipeline ran in /pipeline for build 42"
t_like "the log names the commit and the signer" "$(t_out)" "release@example.org"
t_is "no container is left behind" "$(containers)" 0

t_exit "the pipeline's exit code is passed through" 3 plugin EXIT_CODE=3 PLUGIN_ENV=EXIT_CODE
t_exit "a variable named in env that is not set is an error" 2 plugin PLUGIN_ENV=NOT_SET

t_exit "a canary variable not named in env does not reach the pipeline" 0 \
	plugin CANARY=s3cr3t-canary SHOW_ENV=1 PLUGIN_ENV=SHOW_ENV
out=$(t_out)
t_fails "canary absent from the pipeline's environment" sh -c 'echo "$1" | grep -q s3cr3t-canary' - "$out"
t_like "the Drone context is passed" "$out" "DRONE_REPO=acme/app"
t_like "a TRACEPARENT is passed" "$out" "TRACEPARENT=00-[0-9a-f]{32}-[0-9a-f]{16}-01"
# what runner-go gives every step beside the DRONE_* context (CI, DRONE, eight proxy names)
# arrives; nothing else of mainline's environment does
names() { t_out | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' | LC_ALL=C sort -u; }
t_exit "the pipeline's environment without the runner's variables" 0 plugin SHOW_ENV=1 PLUGIN_ENV=SHOW_ENV
names >"$T_TMP/names.base"
t_exit "the pipeline's environment with them" 0 plugin SHOW_ENV=1 PLUGIN_ENV=SHOW_ENV CI=true \
	DRONE=true http_proxy=http://10.9.9.9:3128 HTTP_PROXY=http://10.9.9.9:3128 \
	https_proxy=http://10.9.9.9:3129 HTTPS_PROXY=http://10.9.9.9:3129 all_proxy=socks5://10.9.9.9:1080 \
	ALL_PROXY=socks5://10.9.9.9:1080 no_proxy=.internal,10.0.0.0/8 NO_PROXY=.internal,10.0.0.0/8 \
	FTP_PROXY=http://10.9.9.9:21 GOPROXY=https://goproxy.internal \
	DRONEX=1 CIX=1 RUNNER_SECRET=s3cr3t
names >"$T_TMP/names.with"
t_is "exactly CI, DRONE and the eight proxy names are added, nothing else" \
	"$(LC_ALL=C comm -13 "$T_TMP/names.base" "$T_TMP/names.with" | tr '\n' ' ')" \
	"ALL_PROXY CI DRONE HTTPS_PROXY HTTP_PROXY NO_PROXY all_proxy http_proxy https_proxy no_proxy "
t_like "... with their values" "$(t_out)" "^https_proxy=http://10.9.9.9:3129\$"
t_like "... no_proxy as given" "$(t_out)" "^NO_PROXY=.internal,10.0.0.0/8\$"
t_like "... CI as given" "$(t_out)" "^CI=true\$"
t_fails "... and no other variable of mainline's" grep -Eq "FTP_PROXY|GOPROXY|DRONEX|CIX|s3cr3t" "$T_TMP/.out"
t_exit "a variable named in env reaches the pipeline" 0 \
	plugin CANARY=s3cr3t-canary SHOW_ENV=1 PLUGIN_ENV=SHOW_ENV,CANARY
t_like "named variable present" "$(t_out)" "CANARY=s3cr3t-canary"

t_exit "docker_socket: the socket is mounted" 0 plugin CHECK_SOCKET=1 PLUGIN_ENV=CHECK_SOCKET PLUGIN_DOCKER_SOCKET=true
t_like "docker_socket: socket present" "$(t_out)" "socket present"
t_exit "without docker_socket: no socket" 0 plugin CHECK_SOCKET=1 PLUGIN_ENV=CHECK_SOCKET
t_like "without docker_socket: socket absent" "$(t_out)" "socket absent"
# an engine on TCP has no socket to give: refused with the configuration, before any fetch
t_exit "docker_socket with a tcp:// engine: refused" 2 plugin DOCKER_HOST=tcp://127.0.0.1:9 \
	PLUGIN_DOCKER_SOCKET=true PLUGIN_CACHE="$T_TMP/tcp-cache"
t_like "... naming the engine" "$(t_out)" \
	"config_error: cannot give the pipeline the docker socket: the engine at 'tcp://127.0.0.1:9' is not on a unix socket"
t_fails "... before anything was fetched" ls -d "$T_TMP"/tcp-cache/*/git
t_exit "... the same engine without docker_socket gets as far as the engine" 2 plugin \
	DOCKER_HOST=tcp://127.0.0.1:9 PLUGIN_CACHE="$T_TMP/tcp-cache"
t_like "... which does not answer there" "$(t_out)" "engine_error: .*tcp://127.0.0.1:9"

t_exit "dry run verifies without running" 0 plugin PLUGIN_DRY_RUN=true PLUGIN_AUDIT_SECRET=dry-s3cret
t_like "dry run shows the effective configuration" "$(t_out)" "image.*$image"
t_fails "dry run: the secret setting is redacted" grep -q dry-s3cret "$T_TMP/.out"
t_fails "dry run: the pipeline did not run" grep -q "pipeline ran" "$T_TMP/.out"

# --- refusals, before anything runs -------------------------------------------
refusals_began=$(date +%s.%N)
refused() { # DESC REASON ENV...
	r_desc=$1; r_reason=$2; shift 2
	t_exit "$r_desc: refused" 1 plugin "$@"
	t_like "$r_desc: reason $r_reason" "$(t_out)" "refused: $r_reason:"
		t_fails "$r_desc: nothing ran" grep -q "pipeline ran" "$T_TMP/.out"
}
refused "pull_request event" pull_request DRONE_BUILD_EVENT=pull_request DRONE_COMMIT_REF=refs/pull/7/head DRONE_PULL_REQUEST=7
refused "promote of a pull-request build" pull_request DRONE_BUILD_EVENT=promote DRONE_COMMIT_REF=refs/pull/7/head
refused "rollback of a pull-request build" pull_request DRONE_BUILD_EVENT=rollback DRONE_COMMIT_REF=refs/pull/7/head
refused "push to another branch" branch_not_allowed DRONE_COMMIT_REF=refs/heads/feature DRONE_COMMIT_BRANCH=feature
t_exit "on_refuse: skip turns a refusal into 78" 78 plugin PLUGIN_ON_REFUSE=skip DRONE_BUILD_EVENT=pull_request DRONE_COMMIT_REF=refs/pull/7/head

t_exit "an unknown setting is an error" 2 plugin PLUGIN_BOGUS=1
t_like "it names the setting" "$(t_out)" "PLUGIN_BOGUS"
t_exit "a withheld allowed_signers secret is an error" 2 plugin PLUGIN_ALLOWED_SIGNERS=
t_like "it says the secret may be withheld" "$(t_out)" "allowed_signers"

printf '{"source":"%s","events":["tag"]}\n' "$repo" >"$T_TMP/policy.json"
t_exit "a baked policy ceiling: push is outside its events" 1 plugin MAINLINE_POLICY_FILE="$T_TMP/policy.json"
t_exit "a baked policy ceiling: a setting cannot widen it" 1 plugin MAINLINE_POLICY_FILE="$T_TMP/policy.json" PLUGIN_EVENTS=push,tag
t_like "reason policy_widened" "$(t_out)" "policy_widened"

git -C "$repo" config user.signingkey "$T_TMP/intruder"
echo 'echo evil' >>"$repo/ci/run.sh"
git -C "$repo" commit -q -S -am "small fix"
refused "a tip signed by an unknown key" unknown_key PLUGIN_CACHE="$T_TMP/cache2"
t_is "no refusal above, the forged twin's included, created a container on the engine" \
	"$(actions_since "$refusals_began")" ""
git -C "$repo" reset -q --hard "$good"

t_exit "engine unreachable: an error" 2 plugin DOCKER_HOST=unix:///nonexistent/docker.sock
t_like "it names the socket" "$(t_out)" "nonexistent"
t_exit "DOCKER_TLS_VERIFY: the run's engine is reached over TLS only" 2 plugin \
	DOCKER_HOST=tcp://127.0.0.1:1 DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH="$T_TMP/no-certs"
t_like "... so a missing CA is a configuration error, not a plain HTTP attempt" "$(t_out)" \
	"config_error: cannot read docker TLS CA certificate '$T_TMP/no-certs/ca.pem'"

# gate_commit: the commit Drone builds must be on the project's main line
project="$T_TMP/project"
git init -q "$project"
git -C "$project" commit -q --allow-empty -m "project: first"
on_main=$(git -C "$project" rev-parse HEAD)
git -C "$project" checkout -q -b feature
git -C "$project" commit -q --allow-empty -m "project: unreviewed work"
on_feature=$(git -C "$project" rev-parse HEAD)
git -C "$project" checkout -q main
t_exit "gate_commit: a tag of a main-line commit runs" 0 plugin PLUGIN_GATE_COMMIT=true \
	DRONE_GIT_HTTP_URL="$project" DRONE_BUILD_EVENT=tag DRONE_COMMIT_REF=refs/tags/v1 \
	DRONE_TAG=v1 DRONE_COMMIT_SHA="$on_main"
t_like "gate_commit: the pipeline ran" "$(t_out)" "pipeline ran"
refused "gate_commit: a tag of a commit off the main line" not_on_branch PLUGIN_GATE_COMMIT=true \
	DRONE_GIT_HTTP_URL="$project" DRONE_BUILD_EVENT=tag DRONE_COMMIT_REF=refs/tags/v2 \
	DRONE_TAG=v2 DRONE_COMMIT_SHA="$on_feature"
t_exit "gate_commit without the project's URL: an error" 2 plugin PLUGIN_GATE_COMMIT=true \
	DRONE_COMMIT_SHA="$on_main"

# the project's release tags: signed annotated tags by the release team only
ssh-keygen -q -t ed25519 -N '' -C tagger -f "$T_TMP/tagger"
tag_signers=$(printf 'tagger@example.org %s' "$(cut -d' ' -f1,2 "$T_TMP/tagger.pub")")
git -C "$project" -c gpg.format=ssh -c user.signingkey="$T_TMP/tagger" tag -s -m "v3" v3 "$on_main"
git -C "$project" -c gpg.format=ssh -c user.signingkey="$T_TMP/intruder" tag -s -m "v4" v4 "$on_main"
git -C "$project" tag -a -m "v5" v5 "$on_main"
git -C "$project" tag v6 "$on_main"
git -C "$project" -c gpg.format=ssh -c user.signingkey="$T_TMP/tagger" tag -s -m "v7" v7 "$on_feature"
tag_build() { # TAG [more environment]
	t=$1; shift
	plugin PLUGIN_TAG_ALLOWED_SIGNERS="$tag_signers" DRONE_GIT_HTTP_URL="$project" \
		DRONE_BUILD_EVENT=tag DRONE_COMMIT_REF="refs/tags/$t" DRONE_TAG="$t" \
		DRONE_COMMIT_SHA="$on_main" "$@"
}
t_exit "a release tag signed by a tag signer: runs" 0 tag_build v3
t_like "the pipeline ran" "$(t_out)" "pipeline ran"
t_exit "a tag signed by another key: refused" 1 tag_build v4
t_like "reason unknown_key" "$(t_out)" "refused: unknown_key:"
t_exit "an unsigned annotated tag: refused" 1 tag_build v5
t_like "reason unsigned" "$(t_out)" "refused: unsigned:"
t_exit "a lightweight tag: refused" 1 tag_build v6
t_like "reason unsigned (lightweight)" "$(t_out)" "lightweight"
t_exit "a signed tag of another commit than the one built: refused" 1 tag_build v7
t_like "reason tag_not_allowed" "$(t_out)" "refused: tag_not_allowed:"
t_exit "tag signers do not apply to push builds" 0 plugin \
	PLUGIN_TAG_ALLOWED_SIGNERS="$tag_signers" DRONE_GIT_HTTP_URL="$project"

# --- audit --------------------------------------------------------------------
audit="$T_TMP/audit.jsonl"
plugin PLUGIN_AUDIT_FILE="$audit" >/dev/null 2>&1
plugin PLUGIN_AUDIT_FILE="$audit" DRONE_BUILD_EVENT=pull_request DRONE_COMMIT_REF=refs/pull/9/head >/dev/null 2>&1
plugin PLUGIN_AUDIT_FILE="$audit" EXIT_CODE=5 PLUGIN_ENV=EXIT_CODE >/dev/null 2>&1
t_is "one audit record per run" "$(wc -l <"$audit" | tr -d ' ')" 3
t_ok "the audit chain verifies" "$MAINLINE" audit verify "$audit"
t_like "allowed run recorded with its commit" "$(sed -n 1p "$audit")" "\"decision\":\"allow\".*\"commit\":\"$good\""
t_like "refused run recorded with its reason" "$(sed -n 2p "$audit")" '"decision":"refuse","reason":"pull_request"'
t_like "the allowed run checked one signature" "$(sed -n 1p "$audit")" '"checked":1,'
t_like "the run refused at the gate checked none: null, as in every record of a phase that did not run" \
	"$(sed -n 2p "$audit")" '"checked":null,"signer":null'
t_like "failed pipeline recorded with its exit code" "$(sed -n 3p "$audit")" '"exit_code":5'
t_fails "no secret in the audit file" grep -q "$(cut -d' ' -f2 "$T_TMP/key.pub")" "$audit"
sed -i '2s/pull_request/push/' "$audit"
t_exit "an edited audit record is detected" 1 "$MAINLINE" audit verify "$audit"

t_exit "a Drone card is written" 0 plugin DRONE_CARD_PATH=/dev/stdout
t_ok "the card escape sequence starts a line of the output" grep -q "^$(printf '\033')]1338;" "$T_TMP/.out"

# webhook and OpenTelemetry sinks, from a real plugin run
sink="$BUILD/tests/helpers/http-sink"
"$sink" --headers "$T_TMP/hook.headers" "$T_TMP/hook.bodies" >"$T_TMP/hook.out" &
hook_pid=$!
"$sink" "$T_TMP/otlp.bodies" >"$T_TMP/otlp.out" &
otlp_pid=$!
stop_sinks() { kill $hook_pid $otlp_pid 2>/dev/null; }
T_CLEANUP="$T_CLEANUP stop_sinks"
i=0
while { ! grep -q '^port ' "$T_TMP/hook.out" || ! grep -q '^port ' "$T_TMP/otlp.out"; } 2>/dev/null &&
	[ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
hook_port=$(sed -n 's/^port //p' "$T_TMP/hook.out")
otlp_port=$(sed -n 's/^port //p' "$T_TMP/otlp.out")
t_exit "a run with webhook and trace export" 0 plugin \
	PLUGIN_AUDIT_WEBHOOK="http://127.0.0.1:$hook_port/audit" PLUGIN_AUDIT_SECRET=hook-s3cret \
	PLUGIN_OTLP_ENDPOINT="http://127.0.0.1:$otlp_port" \
	TRACEPARENT=00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01
t_like "the webhook received the record" "$(cat "$T_TMP/hook.bodies")" "\"decision\":\"allow\".*\"commit\":\"$good\""
body=$(head -n 1 "$T_TMP/hook.bodies")
want=$(printf '%s' "$body" | openssl dgst -sha256 -hmac hook-s3cret | sed 's/.*= //')
t_like "the webhook request carries the HMAC of the body" "$(cat "$T_TMP/hook.headers")" "sha256=$want"
t_fails "the webhook secret is not in the record" grep -q hook-s3cret "$T_TMP/hook.bodies"
t_like "spans joined the incoming trace" "$(cat "$T_TMP/otlp.bodies")" '"traceId":"0af7651916cd43dd8448eb211c80319c"'
t_like "there is a span for the run phase" "$(cat "$T_TMP/otlp.bodies")" '"name":"run"'

# --- timeout and cancel --------------------------------------------------------
t_exit "timeout: the step fails" 2 plugin SLEEP=30 PLUGIN_ENV=SLEEP PLUGIN_TIMEOUT=2s
t_like "timeout: reason timeout" "$(t_out)" "timeout"
t_is "timeout: the container is gone" "$(containers)" 0
(EXEC=exec plugin SLEEP=60 PLUGIN_ENV=SLEEP >"$T_TMP/sleep.out" 2>&1) &
pid=$!
i=0
while [ "$(containers)" = 0 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
t_is "a long pipeline is running" "$(containers)" 1
kill -TERM $pid
i=0
while kill -0 $pid 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
wait $pid
t_like "SIGTERM: mainline exits non-zero" "$?" '^[1-9]'
t_is "SIGTERM: the container is gone" "$(containers)" 0
t_done
