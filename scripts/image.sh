#!/bin/sh
# Builds the plugin image `mainline:latest` from the source tree on this machine: the
# multi-stage docker/Dockerfile.linux.<engine's architecture> compiles mainline inside the
# build, on the local Debian base of scripts/base-image.sh (no registry is needed; apt-get in
# the build reaches Debian's mirror). The context is the repository root, kept to the sources
# by .dockerignore. Prints the image's name.
#   IMAGE=name:tag   another name than mainline:latest
set -eu
cd "$(dirname "$0")/.."
image=${IMAGE:-mainline:latest}
scripts/dockerd.sh
base=$(scripts/base-image.sh)
arch=$(docker version --format '{{.Server.Arch}}')
dockerfile=docker/Dockerfile.linux.$arch
if [ ! -f "$dockerfile" ]; then
	echo "no plugin Dockerfile for the engine's architecture $arch ($dockerfile)" >&2
	exit 2
fi
log=$(mktemp "${TMPDIR:-/tmp}/mainline-image.XXXXXX")
trap 'rm -f "$log"' EXIT
if ! docker build -q --build-arg BASE="$base" -f "$dockerfile" -t "$image" . >"$log" 2>&1; then
	cat "$log" >&2
	exit 1
fi
echo "$image"
