#!/bin/sh
# The gate from a real environment: settings, baked policy and the Drone API
# lookup against a local HTTP server.
. "$(dirname "$0")/lib.sh"

GATE="$BUILD/tests/helpers/gate-tool"
SERVER="$BUILD/tests/helpers/json-server"
[ -x "$GATE" ] && [ -x "$SERVER" ] || t_skip_all "helpers not built"

SIGNER="alice@example.org ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
SHA=0123456789abcdef0123456789abcdef01234567

# gate ENV... : runs the gate with only the given environment
gate() {
	env -i PLUGIN_SOURCE=https://git.example.org/ci.git "PLUGIN_ALLOWED_SIGNERS=$SIGNER" \
		PLUGIN_DRY_RUN=true DRONE_REPO=octo/app DRONE_REPO_OWNER=octo DRONE_REPO_NAME=app \
		DRONE_COMMIT_SHA=$SHA "$@" "$GATE" $GATE_ARGS
}
GATE_ARGS=""

push_main="DRONE_BUILD_EVENT=push DRONE_COMMIT_REF=refs/heads/main DRONE_COMMIT_BRANCH=main"

# shellcheck disable=SC2086
{
t_exit "push to main is allowed" 0 gate $push_main
t_like "allowed message" "$(t_out)" "^ok: event 'push' on branch 'main' allowed"
t_exit "push to a feature branch is refused" 1 gate DRONE_BUILD_EVENT=push \
	DRONE_COMMIT_REF=refs/heads/feature DRONE_COMMIT_BRANCH=feature
t_like "branch refusal names the branch" "$(t_out)" "^branch_not_allowed: branch 'feature'"
t_exit "pull_request event is refused" 1 gate DRONE_BUILD_EVENT=pull_request \
	DRONE_COMMIT_REF=refs/pull/7/head DRONE_PULL_REQUEST=7 DRONE_COMMIT_BRANCH=main
t_like "pull request refusal" "$(t_out)" "^pull_request: build originates from pull request ref 'refs/pull/7/head'"
t_exit "pull_request is refused even when listed" 1 gate PLUGIN_EVENTS=push,pull_request \
	DRONE_BUILD_EVENT=pull_request DRONE_COMMIT_REF=refs/heads/main DRONE_COMMIT_BRANCH=main
t_exit "promote of a pull request build is refused" 1 gate DRONE_BUILD_EVENT=promote \
	DRONE_COMMIT_REF=refs/pull/7/head DRONE_COMMIT_BRANCH=main DRONE_DEPLOY_TO=production
t_like "promote refusal names the ref" "$(t_out)" "^pull_request: .*refs/pull/7/head"
t_exit "promote of a main build without drone_token is refused" 1 gate DRONE_BUILD_EVENT=promote \
	DRONE_COMMIT_REF=refs/heads/main DRONE_COMMIT_BRANCH=main DRONE_DEPLOY_TO=production
t_like "... saying how to enable it" "$(t_out)" \
	"^build_parameter: 'promote' build may carry build parameters.*give drone_token \\(from a secret\\)"
t_exit "promote of a Gitness pull request is refused" 1 gate DRONE_BUILD_EVENT=promote \
	DRONE_COMMIT_REF=refs/pullreq/3/head DRONE_COMMIT_BRANCH=main
t_like "... as a pull request" "$(t_out)" "^pull_request: .*refs/pullreq/3/head"
t_exit "rollback of a pull request build is refused" 1 gate DRONE_BUILD_EVENT=rollback \
	DRONE_COMMIT_REF=refs/pull/8/merge DRONE_COMMIT_BRANCH=main
# go-scm's pull request refs: GitLab merge requests, Bitbucket Cloud and Server pull requests
t_exit "a GitLab merge request is refused" 1 gate DRONE_BUILD_EVENT=pull_request \
	DRONE_COMMIT_REF=refs/merge-requests/3/head DRONE_PULL_REQUEST=3 DRONE_COMMIT_BRANCH=main
t_like "... by its ref" "$(t_out)" "^pull_request: build originates from pull request ref 'refs/merge-requests/3/head'"
t_exit "promote of a GitLab merge request build is refused" 1 gate DRONE_BUILD_EVENT=promote \
	DRONE_COMMIT_REF=refs/merge-requests/3/head DRONE_COMMIT_BRANCH=main DRONE_DEPLOY_TO=production
t_like "... by its ref" "$(t_out)" "^pull_request: .*'refs/merge-requests/3/head'"
t_exit "a Bitbucket pull request is refused" 1 gate DRONE_BUILD_EVENT=pull_request \
	DRONE_COMMIT_REF=refs/pull-requests/5/from DRONE_PULL_REQUEST=5 DRONE_COMMIT_BRANCH=main
t_like "... by its ref" "$(t_out)" "^pull_request: build originates from pull request ref 'refs/pull-requests/5/from'"
t_exit "rollback of a Bitbucket pull request build is refused" 1 gate DRONE_BUILD_EVENT=rollback \
	DRONE_COMMIT_REF=refs/pull-requests/5/from DRONE_COMMIT_BRANCH=main
t_like "... by its ref" "$(t_out)" "^pull_request: .*'refs/pull-requests/5/from'"
t_exit "a custom build of a GitLab merge request ref is refused" 1 gate DRONE_BUILD_EVENT=custom \
	DRONE_COMMIT_REF=refs/merge-requests/3/head DRONE_COMMIT_BRANCH=main
t_exit "tag matching the patterns is allowed" 0 gate PLUGIN_TAGS=v*,release-* \
	DRONE_BUILD_EVENT=tag DRONE_COMMIT_REF=refs/tags/v1.0.0 DRONE_TAG=v1.0.0
t_exit "tag outside the patterns is refused" 1 gate PLUGIN_TAGS=v*,release-* \
	DRONE_BUILD_EVENT=tag DRONE_COMMIT_REF=refs/tags/nightly DRONE_TAG=nightly
t_like "tag refusal" "$(t_out)" "^tag_not_allowed: tag 'nightly' is not allowed"
t_exit "missing build event is refused" 1 gate DRONE_COMMIT_BRANCH=main
t_exit "unknown setting is a configuration error" 2 gate PLUGIN_SOURCE_URL=x $push_main
t_like "unknown setting is named" "$(t_out)" "unknown setting 'SOURCE_URL'"
t_exit "withheld trust root is a configuration error" 2 env -i PLUGIN_SOURCE=/srv/ci \
	PLUGIN_ALLOWED_SIGNERS= PLUGIN_DRY_RUN=true $push_main "$GATE"
t_like "withheld secret is explained" "$(t_out)" "'allowed_signers' is empty.*withheld"
}

# A baked policy: settings narrow it, never widen it.
cat >"$T_TMP/policy.json" <<JSON
{"source": "https://git.example.org/ci.git", "allowed_signers": "$SIGNER",
 "events": ["push", "tag"], "timeout": "30m", "docker_socket": false}
JSON
GATE_ARGS="--policy-file $T_TMP/policy.json"
# shellcheck disable=SC2086
{
t_exit "settings within the policy are allowed" 0 gate PLUGIN_EVENTS=push PLUGIN_TIMEOUT=10m $push_main
t_exit "another source widens the policy" 1 gate PLUGIN_SOURCE=https://evil.example.org/ci.git $push_main
t_like "widening names the setting" "$(t_out)" "^policy_widened: setting 'source' widens the policy"
t_exit "an extra event widens the policy" 1 gate PLUGIN_EVENTS=push,promote $push_main
t_exit "a longer timeout widens the policy" 1 gate PLUGIN_TIMEOUT=2h $push_main
t_exit "turning on the docker socket widens the policy" 1 gate PLUGIN_DOCKER_SOCKET=true $push_main
t_exit "an unknown policy key is a configuration error" 2 gate \
	'PLUGIN_POLICY={"eventz":["push"]}' $push_main
GATE_ARGS="--policy-file $T_TMP/policy.json --digest"
d1=$(gate $push_main | sed -n 's/^digest: //p')
d2=$(gate $push_main | sed -n 's/^digest: //p')
d3=$(gate PLUGIN_TIMEOUT=10m $push_main | sed -n 's/^digest: //p')
t_like "policy digest is a sha-256" "$d1" '^[0-9a-f]{64}$'
t_is "policy digest is stable" "$d1" "$d2"
t_fails "policy digest follows the effective settings" [ "$d1" = "$d3" ]
}
GATE_ARGS="--describe"
out=$(gate PLUGIN_DRONE_TOKEN= PLUGIN_GIT_PASSWORD=pw-SECRET-1 $push_main)
t_fails "describe never prints a secret" sh -c 'printf "%s" "$1" | grep -q SECRET' - "$out"
t_like "describe marks the secret" "$out" "git_password: \(secret\)"

# Settings for other plugins, which operators inject into every step (runner-wide
# environment, the environment extension): ignored only when named, never mainline's own.
# shellcheck disable=SC2086
{
t_exit "a setting meant for another plugin is an error" 2 gate PLUGIN_REGISTRY_MIRROR=x $push_main
t_like "... naming it" "$(t_out)" "unknown setting 'REGISTRY_MIRROR'"
t_exit "MAINLINE_IGNORE_SETTINGS names it: allowed" 0 gate \
	MAINLINE_IGNORE_SETTINGS=registry_mirror,custom-dns PLUGIN_REGISTRY_MIRROR=x \
	PLUGIN_CUSTOM-DNS=10.0.0.53 $push_main
t_exit "... any other unknown setting stays an error" 2 gate \
	MAINLINE_IGNORE_SETTINGS=registry_mirror PLUGIN_SOURCE_URL=x $push_main
t_exit "MAINLINE_IGNORE_SETTINGS cannot name a mainline setting" 2 gate \
	MAINLINE_IGNORE_SETTINGS=allowed_signers $push_main
t_like "... saying so" "$(t_out)" "names 'allowed_signers', one of mainline's settings"
cat >"$T_TMP/ignoring.json" <<JSON
{"source": "https://git.example.org/ci.git", "allowed_signers": "$SIGNER",
 "events": ["push", "promote"], "ignore_settings": ["registry_mirror"]}
JSON
GATE_ARGS="--policy-file $T_TMP/ignoring.json"
promote_main="DRONE_BUILD_EVENT=promote DRONE_COMMIT_REF=refs/heads/main DRONE_COMMIT_BRANCH=main DRONE_DEPLOY_TO=production"
t_exit "the baked policy's ignore_settings: allowed" 0 gate PLUGIN_REGISTRY_MIRROR=x $push_main
t_exit "... also on a promote without drone_token (the policy pins every setting)" 0 \
	gate PLUGIN_REGISTRY_MIRROR=x $promote_main
t_exit "MAINLINE_IGNORE_SETTINGS on a promote without drone_token: refused" 1 \
	gate MAINLINE_IGNORE_SETTINGS=registry_mirror PLUGIN_REGISTRY_MIRROR=x $promote_main
t_like "... a build parameter could have set it" "$(t_out)" \
	"^build_parameter: .*variable 'MAINLINE_IGNORE_SETTINGS' decides the run and could be one"
GATE_ARGS=""
}

# The Drone API lookup against a local server.
mkdir -p "$T_TMP/www/api/repos/octo/app/builds"
b="$T_TMP/www/api/repos/octo/app/builds"
printf '{"number":5,"source_repo":"octo/app","event":"push","after":"%s"}' $SHA >"$b/5"
printf '{"number":6,"source_repo":"mallory/app","event":"push"}' >"$b/6"
printf '{"number":7,"source_repo"' >"$b/7"
printf '{"number":8,"source_repo":"","event":"promote","params":{"PLUGIN_KEYRING":"k-SECRET-1"}}' >"$b/8"
printf '{"number":9,"source_repo":"","event":"promote","params":{"VERSION":"1.2.3"}}' >"$b/9"
printf '{"number":10,"source_repo":"","event":"promote","params":["PLUGIN_KEYRING"]}' >"$b/10"
printf '{"number":11,"source_repo":"","event":"promote","params":{"MAINLINE_IGNORE_SETTINGS":"x"}}' >"$b/11"
t_start_json_server "$T_TMP/www" "$T_TMP/requests.log"
port=$json_port

api() { # BUILD_NUMBER [ENV...]
	n=$1; shift
	gate DRONE_SYSTEM_PROTO=http DRONE_SYSTEM_HOST=127.0.0.1:$port DRONE_BUILD_NUMBER=$n \
		PLUGIN_DRONE_TOKEN=tok-abc123 $push_main "$@"
}
GATE_ARGS=""
t_exit "api: same repository is allowed" 0 api 5
t_like "api: bearer token is sent" "$(cat "$T_TMP/requests.log")" "Authorization: Bearer tok-abc123"
t_like "api: build path is asked" "$(cat "$T_TMP/requests.log")" "GET /api/repos/octo/app/builds/5 "
t_exit "api: build from another repository is refused" 1 api 6
t_like "api: fork is named" "$(t_out)" "^source_repo: build comes from fork 'mallory/app'"
t_exit "api: commit mismatch is refused" 1 api 5 DRONE_COMMIT_SHA=ffffffffffffffffffffffffffffffffffffffff
t_exit "api: bad JSON is refused" 1 api 7
t_exit "api: unknown build (404) is refused" 1 api 99
t_like "api: status is named" "$(t_out)" "answered 404"
t_exit "api: withheld token is refused" 2 gate DRONE_SYSTEM_PROTO=http \
	DRONE_SYSTEM_HOST=127.0.0.1:$port DRONE_BUILD_NUMBER=5 PLUGIN_DRONE_TOKEN= $push_main
t_like "api: withheld token is explained" "$(t_out)" "'drone_token' is empty"
t_exit "api: local rules still come first" 1 api 5 DRONE_COMMIT_REF=refs/pull/1/head
promote="DRONE_BUILD_EVENT=promote DRONE_DEPLOY_TO=production"
t_exit "api: a promote whose parameter names a setting is refused" 1 api 8 $promote
t_like "api: the parameter and the setting are named" "$(t_out)" \
	"^build_parameter: build parameter 'PLUGIN_KEYRING' would set setting 'keyring'"
t_fails "api: the parameter's value is not printed" grep -q k-SECRET-1 "$T_TMP/.out"
t_exit "api: a promote with other parameters is allowed" 0 api 9 $promote
t_exit "api: parameters of the wrong type are refused" 1 api 10 $promote
t_like "api: ... naming the problem" "$(t_out)" "'params' of the wrong type"
t_exit "api: a restarted push build is checked too" 1 api 8 DRONE_BUILD_PARENT=4
t_exit "api: a parameter MAINLINE_IGNORE_SETTINGS is refused" 1 api 11 $promote
t_like "api: ... as a variable mainline reads" "$(t_out)" \
	"^build_parameter: build parameter 'MAINLINE_IGNORE_SETTINGS' names a variable mainline reads \\(the settings mainline ignores\\)"
t_stop_json_server
t_exit "api: server down is refused" 1 api 5
t_like "api: unreachable server is named" "$(t_out)" "cannot ask the drone api"
t_done
