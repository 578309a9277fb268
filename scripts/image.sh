#!/bin/sh
# Builds the plugin image `mainline:latest` from build/mainline on this machine.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
scripts/dockerd.sh
base=$(scripts/base-image.sh)
# a small build context: the binary only
ctx=$(mktemp -d "${TMPDIR:-/tmp}/mainline-image.XXXXXX")
trap 'rm -rf "$ctx"' EXIT
mkdir -p "$ctx/build"
cp "$BUILD/mainline" "$ctx/build/mainline"
if ! docker build -q --build-arg BASE="$base" -f docker/Dockerfile -t mainline:latest "$ctx" \
	>"$ctx/build.log" 2>&1; then
	cat "$ctx/build.log" >&2
	exit 1
fi
echo mainline:latest
