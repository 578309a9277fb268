#!/bin/sh
# mainline as a Woodpecker CI plugin against the real Docker engine: the environment of a
# plugin step exactly as Woodpecker's agent builds it (pipeline/frontend/metadata
# environment.go, the runtime's step variables, drone_compatibility.go's DRONE_* copy) for
# a push, a tag, a release, pull requests of every forge, a deployment and a manual run.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen docker
t_need_engine
image=mainline-test/busybox:1
tag=$(basename "$T_TMP" | tr 'A-Z.' 'a-z-')
vol="wp_mltest${tag#mainline-t-}_default"
cleanup_docker() {
	docker volume rm -f "$vol" >/dev/null 2>&1
	docker image rm -f "mainline-test/wp-plugin:$tag" >/dev/null 2>&1
}
T_CLEANUP="$T_CLEANUP cleanup_docker"

t_pipeline_repo - <<'SH'
#!/bin/sh
echo "pipeline ran for pipeline $CI_PIPELINE_NUMBER ($CI_PIPELINE_EVENT) of $DRONE_REPO"
echo "commit $CI_COMMIT_SHA, drone copy $DRONE_COMMIT_SHA"
echo "workspace: $(cat "$CI_WORKSPACE/README" 2>&1)"
exit 0
SH

# the project's workspace as Woodpecker's clone step leaves it (mainline on the host: uploaded)
ws="$T_TMP/woodpecker/src/github.com/acme/app"
mkdir -p "$ws"
echo "cloned by woodpecker" >"$ws/README"

SHA=0123456789abcdef0123456789abcdef01234567
PREV=89abcdef0123456789abcdef0123456789abcdef
MSG='Merge pull request #6 from acme/feature

Add the release pipeline'
# woodpecker EVENT REF BRANCH [NAME=VALUE...]: mainline in a plugin step's environment;
# the NAME=VALUE arguments come last and replace what is set before (env(1) keeps the last)
woodpecker() {
	ev=$1 ref=$2 branch=$3
	shift 3
	env -i PATH="$PATH" HOME="$HOME" ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
		${LSAN_OPTIONS:+LSAN_OPTIONS="$LSAN_OPTIONS"} \
		CI=woodpecker CI_SYSTEM_NAME=woodpecker CI_SYSTEM_URL=https://ci.example.org \
		CI_SYSTEM_HOST=ci.example.org CI_SYSTEM_PLATFORM=linux/amd64 CI_SYSTEM_VERSION=3.17.0 \
		CI_FORGE_TYPE=github CI_FORGE_URL=https://github.com \
		CI_REPO=acme/app CI_REPO_NAME=app CI_REPO_OWNER=acme CI_REPO_REMOTE_ID=4711 \
		CI_REPO_URL=https://github.com/acme/app CI_REPO_CLONE_URL=https://github.com/acme/app.git \
		CI_REPO_CLONE_SSH_URL=git@github.com:acme/app.git CI_REPO_DEFAULT_BRANCH=main \
		CI_REPO_PRIVATE=false CI_REPO_TRUSTED_NETWORK=false CI_REPO_TRUSTED_VOLUMES=true \
		CI_REPO_TRUSTED_SECURITY=false CI_REPO_TRUSTED=false \
		CI_PIPELINE_NUMBER=42 CI_PIPELINE_PARENT=0 CI_PIPELINE_EVENT="$ev" \
		CI_PIPELINE_URL=https://ci.example.org/repos/7/pipeline/42 \
		CI_PIPELINE_FORGE_URL="https://github.com/acme/app/commit/$SHA" \
		CI_PIPELINE_CREATED=1700000000 CI_PIPELINE_STARTED=1700000003 CI_PIPELINE_AUTHOR=alice \
		CI_PIPELINE_AVATAR=https://avatars.example.org/alice CI_PIPELINE_FILES='["ci/deploy.sh"]' \
		CI_WORKFLOW_NAME=release CI_WORKFLOW_NUMBER=1 CI_STEP_NAME=publish CI_STEP_NUMBER=2 \
		CI_STEP_URL=https://ci.example.org/repos/7/pipeline/42/2 \
		CI_COMMIT_SHA=$SHA CI_COMMIT_REF="$ref" CI_COMMIT_MESSAGE="$MSG" CI_COMMIT_BRANCH="$branch" \
		CI_COMMIT_TIMESTAMP=1699999990 CI_COMMIT_AUTHOR=alice CI_COMMIT_AUTHOR_EMAIL=alice@example.org \
		CI_COMMIT_AUTHOR_AVATAR=https://avatars.example.org/alice \
		CI_PREV_PIPELINE_NUMBER=41 CI_PREV_PIPELINE_PARENT=0 CI_PREV_PIPELINE_EVENT=push \
		CI_PREV_PIPELINE_URL=https://ci.example.org/repos/7/pipeline/41 \
		CI_PREV_PIPELINE_FORGE_URL="https://github.com/acme/app/commit/$PREV" \
		CI_PREV_COMMIT_URL="https://github.com/acme/app/commit/$PREV" \
		CI_PREV_PIPELINE_STATUS=success CI_PREV_PIPELINE_CREATED=1699990000 \
		CI_PREV_PIPELINE_STARTED=1699990003 CI_PREV_PIPELINE_FINISHED=1699990100 \
		CI_PREV_PIPELINE_AUTHOR=alice CI_PREV_PIPELINE_AVATAR=https://avatars.example.org/alice \
		CI_PREV_COMMIT_SHA=$PREV CI_PREV_COMMIT_REF=refs/heads/main CI_PREV_COMMIT_BRANCH=main \
		CI_PREV_COMMIT_MESSAGE="the previous change" CI_PREV_COMMIT_TIMESTAMP=1699989990 \
		CI_PREV_COMMIT_AUTHOR=alice CI_PREV_COMMIT_AUTHOR_EMAIL=alice@example.org \
		CI_PREV_COMMIT_AUTHOR_AVATAR=https://avatars.example.org/alice \
		CI_WORKSPACE="$ws" CI_PIPELINE_STATUS=success CI_STEP_STARTED=1700000004 \
		CI_STEP_TYPE=plugin CI_MACHINE=agent-1 \
		DRONE_BRANCH="$branch" DRONE_BUILD_NUMBER=42 DRONE_BUILD_PARENT=0 DRONE_BUILD_EVENT="$ev" \
		DRONE_BUILD_LINK=https://ci.example.org/repos/7/pipeline/42 DRONE_BUILD_CREATED=1700000000 \
		DRONE_BUILD_STARTED=1700000003 DRONE_COMMIT=$SHA DRONE_COMMIT_SHA=$SHA \
		DRONE_COMMIT_BEFORE=$PREV DRONE_COMMIT_REF="$ref" DRONE_COMMIT_BRANCH="$branch" \
		DRONE_COMMIT_LINK="https://github.com/acme/app/commit/$SHA" DRONE_COMMIT_MESSAGE="$MSG" \
		DRONE_COMMIT_AUTHOR=alice DRONE_COMMIT_AUTHOR_NAME=alice \
		DRONE_COMMIT_AUTHOR_EMAIL=alice@example.org \
		DRONE_COMMIT_AUTHOR_AVATAR=https://avatars.example.org/alice DRONE_REPO=acme/app \
		DRONE_REPO_OWNER=acme DRONE_REPO_NAME=app DRONE_REPO_LINK=https://github.com/acme/app \
		DRONE_REPO_BRANCH=main DRONE_REPO_PRIVATE=false \
		DRONE_REMOTE_URL=https://github.com/acme/app.git \
		DRONE_GIT_HTTP_URL=https://github.com/acme/app.git DRONE_SYSTEM_HOST=ci.example.org \
		DRONE_STEP_NUMBER=2 DRONE_BUILD_STATUS=success DRONE_REPO_SCM=git \
		PULLREQUEST_DRONE_PULL_REQUEST=0 \
		PLUGIN_SOURCE="$repo" PLUGIN_ALLOWED_SIGNERS="$signers" PLUGIN_IMAGE="$image" \
		PLUGIN_COMMAND='["./ci/run.sh"]' PLUGIN_CACHE="$T_TMP/cache" \
		"$@" "$MAINLINE"
}
# the variables a tag build adds, and a pull request build (CI_* with their DRONE_* copies)
tag_vars() { echo "CI_COMMIT_TAG=$1 DRONE_TAG=$1"; }
pr_vars() { # NUMBER SOURCE TARGET
	echo "CI_COMMIT_REFSPEC=$2:$3 CI_COMMIT_SOURCE_BRANCH=$2 CI_COMMIT_TARGET_BRANCH=$3" \
		"CI_COMMIT_PULL_REQUEST=$1 CI_COMMIT_PULL_REQUEST_LABELS=ci" \
		"CI_COMMIT_PULL_REQUEST_DRAFT=false DRONE_PULL_REQUEST=$1" \
		"PULLREQUEST_DRONE_PULL_REQUEST=$1 DRONE_SOURCE_BRANCH=$2 DRONE_TARGET_BRANCH=$3"
}
ran() { grep -q "pipeline ran" "$T_TMP/.out"; }
refused() { # DESC REASON EVENT REF BRANCH [NAME=VALUE...]
	r_desc=$1 r_reason=$2
	shift 2
	t_exit "$r_desc: refused" 1 woodpecker "$@"
	t_like "$r_desc: reason $r_reason" "$(t_out)" "refused: $r_reason:"
	t_fails "$r_desc: nothing ran" ran
}
containers() { docker ps -aq --filter "label=org.mainline.commit=$good" | wc -l | tr -d ' '; }

# --- push, tag, release --------------------------------------------------------------
t_exit "push to main: the verified pipeline runs" 0 woodpecker push refs/heads/main main \
	PLUGIN_AUDIT_FILE="$T_TMP/audit.jsonl"
out=$(t_out)
t_like "... with Woodpecker's context" "$out" "pipeline ran for pipeline 42 \\(push\\) of acme/app"
t_like "... CI_* and the DRONE_* copy both reach the pipeline" "$out" "commit $SHA, drone copy $SHA"
t_like "... the workspace from CI_WORKSPACE" "$out" "workspace: cloned by woodpecker"
t_like "... shared as mainline on the host shares it" "$out" "workspace '$ws' copied into the pipeline's container"
t_fails "... no card: Woodpecker has no DRONE_CARD_PATH" grep -q "$(printf '\033')]1338;" "$T_TMP/.out"
t_is "no container is left behind" "$(containers)" 0
t_like "the audit record has Woodpecker's build context" "$(tail -1 "$T_TMP/audit.jsonl")" \
	'"drone":\{"repo":"acme/app","build_number":42,"build_link":"https://ci.example.org/repos/7/pipeline/42","event":"push","ref":"refs/heads/main","commit":"'"$SHA"'","tag":null,"deploy_to":null,"step":"publish"\}'

# shellcheck disable=SC2046
{
t_exit "tag: runs" 0 woodpecker tag refs/tags/v1.2.0 main $(tag_vars v1.2.0)
t_like "... as a tag build" "$(t_out)" "pipeline ran for pipeline 42 \\(tag\\)"
refused "tag outside the tags setting" tag_not_allowed tag refs/tags/nightly main \
	$(tag_vars nightly) PLUGIN_TAGS='v*'
t_exit "release (gated as its tag): runs" 0 woodpecker release refs/tags/v1.2.0 main \
	$(tag_vars v1.2.0) CI_PIPELINE_RELEASE_TITLE=v1.2.0 CI_PIPELINE_RELEASE_PRE=false \
	CI_COMMIT_PRERELEASE=false PLUGIN_AUDIT_FILE="$T_TMP/audit.jsonl"
t_like "... recorded as the tag build it is gated as" "$(tail -1 "$T_TMP/audit.jsonl")" \
	'"event":"tag","ref":"refs/tags/v1.2.0","commit":"'"$SHA"'","tag":"v1.2.0"'
refused "release outside the tags setting" tag_not_allowed release refs/tags/v1.2.0 main \
	$(tag_vars v1.2.0) PLUGIN_TAGS='release-*'
refused "push to another branch" branch_not_allowed push refs/heads/feature feature
t_exit "cron on main: runs" 0 woodpecker cron refs/heads/main main CI_PIPELINE_EVENT_REASON=nightly

# --- pull requests, of every forge ----------------------------------------------------
refused "GitHub pull request (refs/pull/N/merge)" pull_request pull_request refs/pull/7/merge main \
	$(pr_vars 7 feature main)
refused "GitHub pull request without merge refs (refs/pull/N/head)" pull_request pull_request \
	refs/pull/7/head main $(pr_vars 7 feature main)
refused "GitLab merge request" pull_request pull_request refs/merge-requests/3/head feature \
	$(pr_vars 3 feature main) CI_FORGE_TYPE=gitlab
refused "Gitea pull request" pull_request pull_request refs/pull/4/head main \
	$(pr_vars 4 feature main) CI_FORGE_TYPE=gitea
refused "Forgejo pull request" pull_request pull_request refs/pull/4/head main \
	$(pr_vars 4 feature main) CI_FORGE_TYPE=forgejo
refused "Bitbucket pull request" pull_request pull_request refs/pull-requests/5/from feature \
	$(pr_vars 5 feature main) CI_FORGE_TYPE=bitbucket
refused "Bitbucket Data Center pull request" pull_request pull_request refs/pull-requests/5/from \
	feature $(pr_vars 5 feature main) CI_FORGE_TYPE=bitbucket-dc
refused "a merged Bitbucket pull request (pull_request_closed on refs/heads/main)" pull_request \
	pull_request_closed refs/heads/main main CI_FORGE_TYPE=bitbucket
t_like "... refused by its event" "$(woodpecker pull_request_closed refs/heads/main main 2>&1)" \
	"event 'pull_request' \\(Woodpecker's 'pull_request_closed'\\) is not allowed"
refused "a pull request's labels changed (pull_request_metadata)" pull_request \
	pull_request_metadata refs/pull/7/head main $(pr_vars 7 feature main)
refused "pull_request in the events setting changes nothing" pull_request pull_request \
	refs/pull/7/merge main $(pr_vars 7 feature main) PLUGIN_EVENTS=push,pull_request

# --- deployments and manual runs: build parameters -----------------------------------
deployment="CI_PIPELINE_PARENT=41 DRONE_BUILD_PARENT=41 CI_PIPELINE_DEPLOY_TARGET=production CI_PIPELINE_DEPLOY_TASK=deploy"
refused "deployment without a baked policy" build_parameter deployment refs/heads/main main $deployment
t_like "... saying what to do on Woodpecker" "$(woodpecker deployment refs/heads/main main $deployment 2>&1)" \
	"'promote' build may carry build parameters, which Woodpecker adds to the step's environment unmarked: Woodpecker has no API that tells parameters from settings; bake a policy that pins every setting"
refused "deployment of a pull request's pipeline" pull_request deployment refs/pull/7/merge main \
	$deployment
refused "manual run without a baked policy" build_parameter manual refs/heads/main main
refused "a restarted push without a baked policy" build_parameter push refs/heads/main main \
	CI_PIPELINE_PARENT=41 DRONE_BUILD_PARENT=41
cat >"$T_TMP/policy.json" <<JSON
{"source": "$repo", "allowed_signers": "$signers", "image": "$image", "command": ["./ci/run.sh"],
 "cache": "$T_TMP/cache", "events": ["push", "tag", "promote", "custom"]}
JSON
t_exit "deployment with a baked policy that pins every setting: runs" 0 \
	woodpecker deployment refs/heads/main main $deployment MAINLINE_POLICY_FILE="$T_TMP/policy.json"
t_like "... the pipeline sees Woodpecker's own event" "$(t_out)" \
	"pipeline ran for pipeline 42 \\(deployment\\)"
t_exit "manual run with that policy: runs" 0 woodpecker manual refs/heads/main main \
	MAINLINE_POLICY_FILE="$T_TMP/policy.json"
refused "a deployment whose setting the policy does not pin" build_parameter deployment \
	refs/heads/main main $deployment MAINLINE_POLICY_FILE="$T_TMP/policy.json" PLUGIN_TIMEOUT=10m

# --- what Woodpecker cannot vouch for ---------------------------------------------------
t_exit "drone_token: a configuration error (Woodpecker has no Drone API)" 2 \
	woodpecker push refs/heads/main main PLUGIN_DRONE_TOKEN=t
t_like "... saying so" "$(t_out)" "'drone_token' asks Drone's API, which Woodpecker does not have"
t_exit "a commands step (CI_STEP_TYPE): a configuration error" 2 \
	woodpecker push refs/heads/main main CI_STEP_TYPE=commands
t_exit "a DRONE_* copy that disagrees with CI_*: a configuration error" 2 \
	woodpecker push refs/heads/main main DRONE_COMMIT_REF=refs/pull/7/merge
t_like "... naming both" "$(t_out)" \
	"DRONE_COMMIT_REF 'refs/pull/7/merge' disagrees with CI_COMMIT_REF 'refs/heads/main'"
}

# --- mainline in a container, on the workspace volume as Woodpecker mounts it -------------
if t_plugin_built "mainline-test/wp-plugin:$tag" "in a container: the plugin image builds"; then
	docker run --rm -v "$vol:/woodpecker" "$image" sh -c \
		'mkdir -p /woodpecker/src/github.com/acme/app &&
		echo "cloned into the volume" >/woodpecker/src/github.com/acme/app/README'
	# the same step's variables, handed on by docker run (-e NAME passes a value through)
	cat >"$T_TMP/in-container" <<EOS
#!/bin/sh
set --
for name in \$(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' | sort -u); do
	case \$name in PATH | HOME | ASAN_OPTIONS | LSAN_OPTIONS) continue ;; esac
	set -- "\$@" -e "\$name"
done
exec docker run --rm "\$@" -e ASAN_OPTIONS=detect_leaks=0 -v "$vol:/woodpecker" \
	-v /var/run/docker.sock:/var/run/docker.sock -v "$repo:$repo:ro" "mainline-test/wp-plugin:$tag"
EOS
	chmod +x "$T_TMP/in-container"
	MAINLINE="$T_TMP/in-container" t_exit "in a container: the pipeline runs" 0 \
		woodpecker push refs/heads/main main CI_WORKSPACE=/woodpecker/src/github.com/acme/app \
		PLUGIN_CACHE=/tmp/cache
	out=$(t_out)
	t_like "in a container: Woodpecker's workspace volume is shared" "$out" \
		"workspace '/woodpecker/src/github.com/acme/app' shared with the pipeline \\($vol:/woodpecker\\)"
	t_like "in a container: the pipeline reads the clone" "$out" "workspace: cloned into the volume"
fi
t_done
