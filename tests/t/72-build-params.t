#!/bin/sh
# Build parameters in plugin mode, end to end: Drone puts a promote's
# parameters into the step's environment unmarked, so an attacker allowed to
# promote adds their own OpenPGP key as PLUGIN_KEYRING and signs main with it.
# A real HTTP server stands in for the Drone API's build endpoint; the
# pipeline runs on the real Docker engine.
. "$(dirname "$0")/lib.sh"
t_need git gpg ssh-keygen docker
SERVER="$BUILD/tests/helpers/json-server"
[ -x "$SERVER" ] || t_skip_all "helpers not built"
t_need_engine
image=mainline-test/busybox:1

mkdir -p "$GNUPGHOME"
chmod 700 "$GNUPGHOME"
gen() { gpg -q --batch --passphrase '' --pinentry-mode loopback --quick-gen-key "$1" ed25519 sign 0 2>/dev/null; }
fpr() { gpg --batch --with-colons --list-keys "$1" 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }'; }
gen "Mallory <mallory@example.org>"
gen "Maintainer <maint@example.org>"
mallory=$(fpr mallory@example.org)
maint=$(fpr maint@example.org)
mallory_key=$(gpg -q --batch --armor --export "$mallory")
maint_key=$(gpg -q --batch --armor --export "$maint")

# the project trusts one SSH signer; the attacker pushes a commit signed with their OpenPGP key
ssh-keygen -q -t ed25519 -N '' -C release -f "$T_TMP/release"
signers=$(printf 'release@example.org %s' "$(cut -d' ' -f1,2 "$T_TMP/release.pub")")
repo="$T_TMP/pipelines"
git init -q "$repo"
mkdir -p "$repo/ci"
printf '#!/bin/sh\necho "pipeline ran: $(cat ci/who)"\n' >"$repo/ci/run.sh"
chmod +x "$repo/ci/run.sh"
echo release >"$repo/ci/who"
git -C "$repo" add ci
git -C "$repo" -c gpg.format=ssh -c user.signingkey="$T_TMP/release" commit -q -S -m pipeline
echo mallory >"$repo/ci/who"
git -C "$repo" -c user.signingkey="$mallory" commit -q -S -am "small fix"
t_ok "gpg: the attacker's commit carries a good signature by their key" \
	git -C "$repo" verify-commit HEAD
# a second pipeline repository, signed by a maintainer's OpenPGP key the step itself trusts
legit="$T_TMP/legit"
git init -q "$legit"
cp -r "$repo/ci" "$legit/"
echo maintainer >"$legit/ci/who"
git -C "$legit" add ci
git -C "$legit" -c user.signingkey="$maint" commit -q -S -m pipeline

# the Drone API's build endpoint
b="$T_TMP/www/api/repos/acme/app/builds"
mkdir -p "$b"
printf '{"number":51,"source_repo":"","event":"promote","params":{"PLUGIN_KEYRING":"%s"}}' \
	"$(printf '%s' "$mallory_key" | sed ':a;N;$!ba;s/\n/\\n/g')" >"$b/51"
printf '{"number":52,"source_repo":"","event":"promote","params":{"VERSION":"2.0.0"}}' >"$b/52"
printf '{"number":53,"source_repo":"","event":"promote","params":{"plugin_keyring":"x"}}' >"$b/53"
printf '{"number":54,"source_repo":"","event":"promote","params":"PLUGIN_KEYRING=x"}' >"$b/54"
printf '{"number":55,"source_repo":"", "params":{' >"$b/55"
printf '{"number":56,"source_repo":"","event":"promote"}' >"$b/56"
printf '{"number":57,"source_repo":"","event":"promote","params":{"DOCKER_HOST":"tcp://evil:2375"}}' >"$b/57"
t_start_json_server "$T_TMP/www" "$T_TMP/requests.log"
port=$json_port

# the step as .drone.yml gives it, then Drone's context; "$@" adds what a promote injects
step() {
	env -i PATH="$PATH" HOME="$HOME" \
		PLUGIN_SOURCE="$repo" PLUGIN_ALLOWED_SIGNERS="$signers" PLUGIN_IMAGE="$image" \
		PLUGIN_COMMAND='["./ci/run.sh"]' PLUGIN_CACHE="$T_TMP/cache" \
		DRONE_BUILD_EVENT=promote DRONE_DEPLOY_TO=production DRONE_COMMIT_REF=refs/heads/main \
		DRONE_COMMIT_BRANCH=main DRONE_REPO=acme/app DRONE_REPO_OWNER=acme DRONE_REPO_NAME=app \
		DRONE_BUILD_NUMBER=50 DRONE_BUILD_PARENT=49 DRONE_SYSTEM_PROTO=http \
		DRONE_SYSTEM_HOST="127.0.0.1:$port" DRONE_STEP_NAME=release \
		"$@" "$MAINLINE"
}
with_token() { step PLUGIN_DRONE_TOKEN=tok-abc "$@"; }
ran() { grep -q "pipeline ran" "$T_TMP/.out"; }

# --- the attack works where nothing tells a parameter from a setting ---------
t_exit "control: a push whose step itself names the attacker's keyring runs their commit" 0 \
	step DRONE_BUILD_EVENT=push DRONE_BUILD_PARENT=0 PLUGIN_KEYRING="$mallory_key"
t_like "... the attacker's pipeline ran, as gpg's verdict says it would" "$(t_out)" "pipeline ran: mallory"
t_exit "control: without that keyring the same commit is refused" 1 \
	step DRONE_BUILD_EVENT=push DRONE_BUILD_PARENT=0
t_like "... as unknown_key" "$(t_out)" "refused: unknown_key:"

# --- a promote whose parameter adds the attacker's key -------------------------
t_exit "promote with the key as a parameter, no token: refused" 1 step PLUGIN_KEYRING="$mallory_key"
t_like "... as build_parameter, saying how to enable it" "$(t_out)" \
	"refused: build_parameter: 'promote' build may carry build parameters, which Drone adds to the step's environment unmarked: give drone_token \(from a secret\)"
t_fails "... the attacker's pipeline did not run" ran
t_is "... and the Drone API was not asked" "$(cat "$T_TMP/requests.log" 2>/dev/null)" ""
t_exit "promote with the key as a parameter the API lists: refused" 1 \
	with_token DRONE_BUILD_NUMBER=51 PLUGIN_KEYRING="$mallory_key"
t_like "... naming the parameter and the setting" "$(t_out)" \
	"refused: build_parameter: build parameter 'PLUGIN_KEYRING' would set setting 'keyring'"
t_fails "... the attacker's pipeline did not run" ran
t_fails "... the key is not printed" grep -q "BEGIN PGP" "$T_TMP/.out"
t_like "the API was asked for that build" "$(cat "$T_TMP/requests.log")" \
	"^GET /api/repos/acme/app/builds/51 "
t_like "... with the token" "$(cat "$T_TMP/requests.log")" "^Authorization: Bearer tok-abc"
t_exit "a parameter differing only in case: refused" 1 \
	with_token DRONE_BUILD_NUMBER=53 PLUGIN_KEYRING="$mallory_key"
t_like "... naming it" "$(t_out)" "build parameter 'plugin_keyring' would set setting 'keyring'"
t_exit "a parameter naming DOCKER_HOST: refused" 1 with_token DRONE_BUILD_NUMBER=57
t_like "... as a variable mainline reads" "$(t_out)" "'DOCKER_HOST' names a variable mainline reads"
t_fails "... nothing ran" ran
t_exit "on_refuse: skip cannot turn a parameter refusal into a skip" 1 \
	step PLUGIN_ON_REFUSE=skip PLUGIN_KEYRING="$mallory_key"
t_like "... it is the build_parameter refusal" "$(t_out)" "refused: build_parameter:"

# --- the variable is the step's own when the API does not list it --------------
t_exit "promote: the step's own keyring, parameters without it: runs" 0 \
	with_token DRONE_BUILD_NUMBER=52 PLUGIN_SOURCE="$legit" PLUGIN_KEYRING="$maint_key" \
	PLUGIN_CACHE="$T_TMP/cache-legit"
t_like "... the maintainer's pipeline ran" "$(t_out)" "pipeline ran: maintainer"
t_exit "promote: an answer without params: runs" 0 \
	with_token DRONE_BUILD_NUMBER=56 PLUGIN_SOURCE="$legit" PLUGIN_KEYRING="$maint_key" \
	PLUGIN_CACHE="$T_TMP/cache-legit"
t_exit "the same, the API listing PLUGIN_KEYRING: refused" 1 \
	with_token DRONE_BUILD_NUMBER=51 PLUGIN_SOURCE="$legit" PLUGIN_KEYRING="$maint_key" \
	PLUGIN_CACHE="$T_TMP/cache-legit"
t_fails "... nothing ran" ran

# --- fail closed ---------------------------------------------------------------
t_exit "params of the wrong type: refused" 1 with_token DRONE_BUILD_NUMBER=54
t_like "... naming the problem" "$(t_out)" "refused: build_parameter: drone api answer has 'params' of the wrong type"
t_exit "garbage JSON: refused" 1 with_token DRONE_BUILD_NUMBER=55
t_like "... naming the problem" "$(t_out)" "refused: source_repo: drone api answer for build 55 is not a JSON object"
t_exit "an unknown build (404): refused" 1 with_token DRONE_BUILD_NUMBER=99
t_like "... naming the status" "$(t_out)" "answered 404"
t_exit "a proxy in the environment is not used for the API" 0 \
	with_token DRONE_BUILD_NUMBER=52 PLUGIN_SOURCE="$legit" PLUGIN_KEYRING="$maint_key" \
	PLUGIN_CACHE="$T_TMP/cache-legit" http_proxy=http://127.0.0.1:1 HTTP_PROXY=http://127.0.0.1:1
t_stop_json_server
t_exit "the API unreachable: refused" 1 with_token DRONE_BUILD_NUMBER=52 PLUGIN_KEYRING="$mallory_key"
t_like "... naming it" "$(t_out)" "refused: source_repo: cannot ask the drone api"
t_fails "... nothing ran" ran
t_fails "... the token is not printed" grep -q tok-abc "$T_TMP/.out"

# --- without a token, a baked policy that pins every setting -------------------
cat >"$T_TMP/policy.json" <<JSON
{"source": "$legit", "keyring": [$(printf '%s' "$maint_key" | sed ':a;N;$!ba;s/\n/\\n/g;s/^/"/;s/$/"/')],
 "image": "$image", "command": ["./ci/run.sh"], "cache": "$T_TMP/cache-legit"}
JSON
pinned() {
	env -i PATH="$PATH" HOME="$HOME" MAINLINE_POLICY_FILE="$T_TMP/policy.json" \
		PLUGIN_SOURCE="$legit" PLUGIN_IMAGE="$image" PLUGIN_COMMAND='["./ci/run.sh"]' \
		DRONE_BUILD_EVENT=promote DRONE_DEPLOY_TO=production DRONE_COMMIT_REF=refs/heads/main \
		DRONE_COMMIT_BRANCH=main DRONE_REPO=acme/app DRONE_BUILD_NUMBER=60 \
		DRONE_BUILD_PARENT=59 "$@" "$MAINLINE"
}
t_exit "no token, a baked policy pinning every setting present: runs" 0 pinned
t_like "... the maintainer's pipeline ran" "$(t_out)" "pipeline ran: maintainer"
t_exit "the same with the attacker's key as a parameter: refused" 1 \
	pinned PLUGIN_KEYRING="$mallory_key"
t_like "... a parameter can only narrow the pinned keyring" "$(t_out)" \
	"refused: policy_widened: setting 'keyring' widens the policy"
t_exit "the same with an unpinned setting present: refused" 1 pinned PLUGIN_DOCKER_SOCKET=true
t_like "... naming the setting" "$(t_out)" \
	"refused: build_parameter: .*setting 'docker_socket' is not pinned by the baked policy"
t_fails "... nothing ran" ran
t_exit "the same with DOCKER_HOST present: refused" 1 pinned DOCKER_HOST=tcp://127.0.0.1:1
t_like "... naming the variable" "$(t_out)" "variable 'DOCKER_HOST' decides the run"
t_exit "a restarted push build without a token is checked the same way" 1 \
	pinned DRONE_BUILD_EVENT=push PLUGIN_ON_REFUSE=fail
t_like "... naming the setting" "$(t_out)" \
	"'push' build restarted from build 59 may carry build parameters: setting 'on_refuse'"
t_done
