#!/bin/sh
# Builds the local test image mainline-test/busybox:1 (no registry needed):
# `docker import` of a rootfs holding Debian's static busybox and its applet
# links. Does nothing when the image already exists.
set -eu
image=${1:-mainline-test/busybox:1}
docker image inspect "$image" >/dev/null 2>&1 && exit 0
busybox=$(command -v busybox || true)
[ -n "$busybox" ] && [ -x /bin/busybox ] && busybox=/bin/busybox
if [ -z "$busybox" ]; then
	echo "busybox is not installed (Debian: busybox-static)" >&2
	exit 2
fi
root=$(mktemp -d "${TMPDIR:-/tmp}/mainline-rootfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/var/run"
chmod 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
tar -C "$root" -c . | docker import -c 'ENV PATH=/bin' -c 'CMD ["/bin/sh"]' - "$image" >/dev/null
