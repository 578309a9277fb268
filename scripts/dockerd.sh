#!/bin/sh
# Makes sure a Docker engine answers on the default socket, starting dockerd
# (Debian's docker.io) when none does. Prints nothing on success when one
# already runs; logs to build/dockerd.log otherwise.
set -eu
sock=${DOCKER_SOCK:-/var/run/docker.sock}

answers() { curl -sf --max-time 3 --unix-socket "$sock" http://d/_ping >/dev/null 2>&1; }

answers && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "no Docker engine answers on $sock and starting dockerd needs root" >&2
	exit 2
fi
mkdir -p build
echo "starting dockerd (log: build/dockerd.log)"
nohup dockerd --host "unix://$sock" >build/dockerd.log 2>&1 &
i=0
while ! answers; do
	i=$((i + 1))
	if [ $i -gt 60 ]; then
		echo "dockerd did not answer on $sock within 30 s; see build/dockerd.log" >&2
		tail -5 build/dockerd.log >&2 || true
		exit 2
	fi
	sleep 0.5
done
