#!/bin/sh
# Writes DIR/mainline, a stand-in for build/mainline that runs the binary of a plugin image
# as a test file runs it: with the caller's environment, arguments, working directory and
# exit code, this checkout, its ../shared and the scratch directory ($TMPDIR or /tmp) at the
# same paths, the host's loopback and Docker socket. A test file then checks the image's binary:
#   scripts/image.sh && scripts/in-image.sh mainline:latest /tmp/in-image
#   MAINLINE=/tmp/in-image/mainline BUILD=build tests/t/70-plugin.t
# Further arguments are docker run options (--platform linux/arm64, --user 10001:GID).
# The image and the options are written into the stand-in: test files call it with
# `env -i`, so it cannot read them from the environment.
set -eu
[ $# -ge 2 ] || {
	echo "usage: $0 IMAGE DIR [docker run options]" >&2
	exit 2
}
image=$1 dir=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=${TMPDIR:-/tmp}
mounts="-v '$root:$root:ro' -v '$tmp:$tmp'"
if [ -d "$root/../shared" ]; then
	shared=$(cd "$root/../shared" && pwd)
	mounts="$mounts -v '$shared:$shared:ro'"
fi
mkdir -p "$dir"
{
	echo '#!/bin/sh'
	echo 'set --' "$mounts -w \"\$PWD\" $* '$image'" '"$@"'
	# each variable by name, so docker run takes its value as it is (new lines too); the
	# DOCKER_* ones by value, as the CLI itself has to reach the host's engine
	cat <<'EOF'
for name in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p'); do
	case $name in
	PATH | HOSTNAME) ;;
	DOCKER_*) set -- -e "$name=$(printenv "$name")" "$@" ;;
	*) set -- -e "$name" "$@" ;;
	esac
done
exec env -u DOCKER_HOST -u DOCKER_CONFIG -u DOCKER_CERT_PATH -u DOCKER_TLS_VERIFY \
	docker run --rm -i --network host -v /var/run/docker.sock:/var/run/docker.sock "$@"
EOF
} >"$dir/mainline"
chmod +x "$dir/mainline"
