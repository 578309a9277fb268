#!/bin/sh
# Plugin mode end to end, with the verification warm, side by side with
# `docker run --rm` in one run: a trivial pipeline (`true` in the local busybox
# test image) from a repository of one SSH-signed commit, served over git:// by
# a local git daemon; mainline fetches it, finds the tip verified before,
# checks its signature, uploads the tree and runs the pipeline, exactly as
# under Drone. RUNS (default 20) sets the timed runs. PHASES=N (default 0) then traces N
# more runs of each side, alternately, with strace and prints where their time
# goes (bench/strace-phases.py: one phase per engine request). DOCKER_HOST, when
# set (unix://… only), names the engine both sides use; otherwise the default
# socket's, started by scripts/dockerd.sh when none answers.
set -eu
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-20}
PHASES=${PHASES:-0}
image=mainline-test/busybox:1
engine=
if [ -n "${DOCKER_HOST:-}" ]; then
	engine="DOCKER_HOST=$DOCKER_HOST"
else
	"$root/scripts/dockerd.sh"
fi
"$root/scripts/test-image.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/mainline-bench.XXXXXX")
trap bench_cleanup EXIT
export HOME="$work/home" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"

ssh-keygen -q -t ed25519 -N '' -C release -f "$work/key"
signers=$(printf 'release@example.org %s' "$(cut -d' ' -f1,2 "$work/key.pub")")
mkdir "$work/srv"
repo="$work/srv/pipelines.git"
git init -q -b main "$work/pipelines"
echo "a trivial pipeline" >"$work/pipelines/README"
git -C "$work/pipelines" add README
git -C "$work/pipelines" -c user.name=Release -c user.email=release@example.org \
	-c gpg.format=ssh -c user.signingkey="$work/key" commit -q -S -m pipeline
git clone -q --bare "$work/pipelines" "$repo"
bench_git_daemon "$work/srv" pipelines.git

# the plugin's environment, as Drone's docker runner passes it
plugin="env -i PATH=$PATH HOME=$HOME $engine PLUGIN_SOURCE=$git_url/pipelines.git \
PLUGIN_ALLOWED_SIGNERS='$signers' PLUGIN_IMAGE=$image PLUGIN_COMMAND='[\"true\"]' \
PLUGIN_CACHE=$work/cache DRONE_BUILD_EVENT=push DRONE_COMMIT_REF=refs/heads/main \
DRONE_COMMIT_BRANCH=main DRONE_REPO=acme/app DRONE_REPO_OWNER=acme DRONE_REPO_NAME=app \
DRONE_BUILD_NUMBER=1 DRONE_STEP_NAME=bench $BUILD/mainline"
sh -c "$plugin" >"$work/first.log" 2>&1 || { cat "$work/first.log"; exit 1; } # cache and state
echo "machine: $(nproc) CPUs; $(uptime)"
echo "engine: dockerd $(docker version --format "{{.Server.Version}}")"
hyperfine --style basic --warmup 3 --runs "$RUNS" --export-csv "$work/plugin.csv" \
	-n "mainline plugin mode (verification warm)" "$plugin" \
	-n "docker run --rm" "docker run --rm $image true"
awk -F, 'NR > 1 { m[NR] = $4; n[NR] = $7; c[NR] = $1 }
	END { printf "plugin / docker run --rm: %.2fx (medians %.0f / %.0f ms; minimums: %.2fx)\n",
		m[2] / m[3], m[2] * 1000, m[3] * 1000, n[2] / n[3] }' "$work/plugin.csv"
i=0
while [ "$i" -lt "$PHASES" ]; do
	strace -f --seccomp-bpf -tt -s 200 -e trace=sendto,recvfrom,execve,clone,clone3,exit_group \
		-o "$work/mainline.$i.strace" sh -c "$plugin" >/dev/null 2>&1
	strace -f --seccomp-bpf -tt -s 200 -e trace=execve,write,read,exit_group \
		-o "$work/docker.$i.strace" docker run --rm $image true
	i=$((i + 1))
done
if [ "$PHASES" -gt 0 ]; then
	python3 "$root/bench/strace-phases.py" mainline "$work"/mainline.*.strace
	python3 "$root/bench/strace-phases.py" docker "$work"/docker.*.strace
fi
echo "machine at the end: $(uptime)"
