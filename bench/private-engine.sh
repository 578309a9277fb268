#!/bin/sh
# A dockerd of the bench's own, to measure plugin mode on another engine than
# the shared one (bench/plugin.sh with DOCKER_HOST), as tests/t/lib.sh's
# t_private_dockerd does for tests: in its own network and mount namespaces with
# its own bridge (the shared engine's docker0 is never touched), its own data,
# exec root and socket under DIR. Needs root.
#
#   private-engine.sh fetch DIR SUITE      Debian SUITE's dockerd (docker.io), from
#                                          Debian's mirror, into DIR/SUITE/
#   private-engine.sh start DIR [DOCKERD]  starts DOCKERD (default: dockerd on PATH),
#                                          prints the DOCKER_HOST to use
#   private-engine.sh stop DIR             stops it and removes its containers
set -eu
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
[ $# -ge 2 ] || {
	sed -n '2,/^set/p' "$0" | sed '$d; s/^# \{0,1\}//' >&2
	exit 2
}
verb=$1 dir=$2
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

answers() { curl -sf --max-time 2 --unix-socket "$dir/docker.sock" http://d/_ping >/dev/null 2>&1; }

case $verb in
fetch)
	suite=${3:?which Debian suite}
	file=$(curl -sf "$mirror/dists/$suite/main/binary-amd64/Packages.xz" | xz -d |
		awk '$1 == "Package:" { p = $2 } p == "docker.io" && $1 == "Filename:" { print $2; exit }')
	[ -n "$file" ] || {
		echo "no docker.io in $mirror $suite" >&2
		exit 2
	}
	curl -sf -o "$dir/docker.io.deb" "$mirror/$file"
	rm -rf "${dir:?}/$suite"
	dpkg-deb -x "$dir/docker.io.deb" "$dir/$suite"
	echo "$dir/$suite/usr/sbin/dockerd"
	;;
start)
	dockerd=${3:-dockerd}
	mkdir -p "$dir/data" "$dir/exec"
	cat >"$dir/start.sh" <<SH
#!/bin/sh
set -e
ip link set lo up
ip link add mlb0 type bridge
ip addr add 10.214.0.1/24 dev mlb0
ip link set mlb0 up
export PATH="$(dirname "$dockerd"):\$PATH"
exec $dockerd --host unix://$dir/docker.sock --data-root $dir/data --exec-root $dir/exec \
	--pidfile $dir/docker.pid --bridge mlb0 --iptables=false --ip6tables=false \
	--ip-masq=false --userland-proxy=false
SH
	chmod +x "$dir/start.sh"
	rm -f "$dir/docker.pid"
	setsid unshare --net --mount --propagation private --fork "$dir/start.sh" \
		</dev/null >>"$dir/log" 2>&1 &
	i=0
	until answers; do
		i=$((i + 1))
		[ $i -le 120 ] || {
			echo "the private dockerd did not answer; see $dir/log" >&2
			tail -3 "$dir/log" >&2
			exit 2
		}
		sleep 0.5
	done
	echo "unix://$dir/docker.sock"
	;;
stop)
	if answers; then
		DOCKER_HOST="unix://$dir/docker.sock" docker ps -aq |
			xargs -r env DOCKER_HOST="unix://$dir/docker.sock" docker rm -f >/dev/null
	fi
	if [ -s "$dir/docker.pid" ]; then
		kill "$(cat "$dir/docker.pid")" 2>/dev/null || true
	fi
	;;
*)
	echo "private-engine.sh: unknown verb '$verb'" >&2
	exit 2
	;;
esac
