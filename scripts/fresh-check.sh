#!/bin/sh
# make fresh-check: the README's two commands as a new user runs them on a fresh
# Debian 12. A clean clone of this checkout's HEAD is copied into a container of
# the local Debian base (scripts/base-image.sh) with the host's Docker socket
# mounted; only make is installed by hand, then `make demo` and `make test` run
# there, so everything else has to come from the project's own scripts.
#   FRESH_CHECK_TEST=0   run make demo only
# See docs/testing.md for the network, the paths and the time it takes.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
run_test=${FRESH_CHECK_TEST:-1}
scripts/dockerd.sh
base=$(scripts/base-image.sh)

# The demo and the tests bind-mount their scratch files into containers that
# the host's engine starts: their scratch directory ($TMPDIR) is mounted at the
# same path in the fresh container so that both name the same files.
work=$(mktemp -d "${TMPDIR:-/tmp}/mainline-fresh.XXXXXX")
name=$(basename "$work" | tr 'A-Z.' 'a-z-')
cleanup() {
	docker rm -f "$name" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$work/tmp"
git clone -q "$root" "$work/clone"
echo "fresh-check: a clean clone of $(git -C "$work/clone" log -1 --format='%h %s')"

# The container stands for a machine: host networking (the suite's servers
# listen on 127.0.0.1, where the host's engine has to reach them, as the test
# registry), and nothing by which mainline would find itself in a container of
# this engine (no container id in /proc/self/mountinfo or /proc/self/cgroup,
# the host's name), so that the suite sees what it sees on a machine. A root
# machine may mount and make namespaces (the audit tests' small tmpfs, private
# dockerds in their own network namespaces, with their sysctls): SYS_ADMIN,
# NET_ADMIN, a writable /proc/sys, its own cgroups writable (a private dockerd
# makes its containers' cgroups there; remounted read-write below) and no
# seccomp filter (runc makes each container a session keyring), since
# --privileged is refused where the engine itself runs without every capability.
docker create -q --name "$name" --cap-add SYS_ADMIN --cap-add NET_ADMIN \
	--security-opt systempaths=unconfined --security-opt seccomp=unconfined \
	--security-opt apparmor=unconfined \
	--network host --cgroupns private \
	-v /etc/hostname:/etc/hostname:ro -v /etc/hosts:/etc/hosts:ro \
	-v /etc/resolv.conf:/etc/resolv.conf:ro \
	-v /var/run/docker.sock:/var/run/docker.sock -v "$work/tmp:$work/tmp" \
	-e TMPDIR="$work/tmp" -e RUN_TEST="$run_test" -w /root/mainline "$base" sh -ec '
		took() { echo "fresh-check: $1 took $(($(date +%s) - $2)) s"; }
		for d in $(awk "\$9 ~ /^cgroup2?\$/ { print \$5 }" /proc/self/mountinfo); do
			mount -o remount,bind,rw "$d"
		done
		t=$(date +%s)
		echo "fresh-check: apt-get install make (nothing else by hand)"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >/dev/null
		apt-get install -y -qq --no-install-recommends make >/dev/null
		took "installing make" "$t"
		t=$(date +%s)
		make demo
		took "make demo" "$t"
		[ "$RUN_TEST" = 1 ] || exit 0
		t=$(date +%s)
		make test
		took "make test" "$t"' >/dev/null
docker cp "$work/clone/." "$name:/root/mainline"
start=$(date +%s)
if ! docker start -a "$name"; then
	echo "fresh-check: failed after $(($(date +%s) - start)) s" >&2
	exit 1
fi
echo "fresh-check: passed in $(($(date +%s) - start)) s"
