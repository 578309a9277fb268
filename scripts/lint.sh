#!/bin/sh
# Style and safety checks: formatting, cppcheck, banned functions, the plugin Dockerfiles.
set -eu
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h')
status=0

echo "clang-format"
# shellcheck disable=SC2086
clang-format --dry-run --Werror $files || status=1

echo "cppcheck"
# shellcheck disable=SC2086
cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
	--suppress=missingIncludeSystem -I. $files || status=1

echo "banned functions"
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|alloca|tmpnam|mktemp)\s*\('
if grep -nE "$banned" $files; then
	echo "banned functions used (see above)" >&2
	status=1
fi

echo "plugin Dockerfiles"
# One file in two copies (docs/image.md): each names its own platform in its ARCH line, every
# stage is FROM that platform, and apart from that line the two are the same.
for arch in amd64 arm64; do
	f=docker/Dockerfile.linux.$arch
	if ! grep -qx "ARG ARCH=$arch" "$f"; then
		echo "$f: no line 'ARG ARCH=$arch'" >&2
		status=1
	fi
	# shellcheck disable=SC2016
	if grep -n '^FROM ' "$f" | grep -v -- '^[0-9]*:FROM --platform=linux/${ARCH} '; then
		echo "$f: a stage above is not FROM --platform=linux/\${ARCH}" >&2
		status=1
	fi
done
if ! sed 's/^ARG ARCH=arm64$/ARG ARCH=amd64/' docker/Dockerfile.linux.arm64 |
	diff -u docker/Dockerfile.linux.amd64 -; then
	echo "docker/Dockerfile.linux.arm64 differs from docker/Dockerfile.linux.amd64 beyond its" \
		"ARCH line; to make it again: sed 's/^ARG ARCH=amd64\$/ARG ARCH=arm64/'" \
		"docker/Dockerfile.linux.amd64 >docker/Dockerfile.linux.arm64" >&2
	status=1
fi
exit $status
