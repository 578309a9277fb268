#!/bin/sh
# Installs the Debian packages a target needs when any is missing.
# Usage: scripts/deps.sh test|demo|fresh|lint|bench
#   demo   what `make demo` needs: the binary's build, git, ssh-keygen, the docker CLI
#          and dockerd, busybox for the test image, debootstrap for the Debian base
#   test   everything the suite uses, so that no test file skips for a missing tool
#   fresh  what `make fresh-check` needs on the host (the rest happens in a container)
set -eu

build="build-essential pkg-config libgit2-dev libssl-dev libcurl4-openssl-dev libcjson-dev
	libarchive-dev libpq-dev zlib1g-dev"
case "${1:-test}" in
test)  want="$build libcmocka-dev clang libclang-rt-14-dev git openssh-client gnupg openssl perl python3
	docker.io docker-registry apache2-utils lighttpd lighttpd-mod-openssl openssh-server
	busybox-static debootstrap curl ca-certificates iproute2 procps postgresql strace" ;;
demo)  want="$build git openssh-client docker.io busybox-static debootstrap curl" ;;
fresh) want="git docker.io debootstrap curl" ;;
lint)  want="clang-format cppcheck" ;;
bench) want="$build git openssh-client gnupg docker.io busybox-static hyperfine time procps
	postgresql" ;;
*) echo "usage: $0 test|demo|fresh|lint|bench" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
		echo "missing Debian packages:$missing (run as root to install them)" >&2
		exit 2
	fi
else
	SUDO=
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# postgresql makes a system cluster and starts it on install (port 5432, also in a container
# without systemd); the tests never use it, so a machine without a policy of its own gets one
# for the install that keeps the postgresql service (only it) from starting.
policy=
case " $missing " in
*" postgresql "*)
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		policy=/usr/sbin/policy-rc.d
		trap '$SUDO rm -f "$policy"' EXIT
		# shellcheck disable=SC2016
		printf '%s\n' '#!/bin/sh' '# scripts/deps.sh: no postgresql service during its install' \
			'for a; do case $a in postgresql*) exit 101 ;; esac; done' 'exit 0' |
			$SUDO tee "$policy" >/dev/null
		$SUDO chmod 755 "$policy"
	fi
	;;
esac
# The lists may be stale or absent on a fresh machine: update once, then install.
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
# docker-registry (and postgresql, where a policy of the machine let it) start a service on
# package install; the tests run their own (tests/t/lib.sh: a private PostgreSQL per test
# file, never the system's).
if command -v systemctl >/dev/null 2>&1; then
	$SUDO systemctl stop docker-registry >/dev/null 2>&1 || true
	$SUDO systemctl stop postgresql >/dev/null 2>&1 || true
fi
