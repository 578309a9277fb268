#!/bin/sh
# Prints the name of a Debian bookworm base image for the plugin image, making
# one with debootstrap + docker import when neither the official
# debian:bookworm-slim nor our local base exists (no registry is needed).
set -eu
if docker image inspect debian:bookworm-slim >/dev/null 2>&1; then
	echo debian:bookworm-slim
	exit 0
fi
base=mainline-base:bookworm
if docker image inspect "$base" >/dev/null 2>&1; then
	echo "$base"
	exit 0
fi
if ! command -v debootstrap >/dev/null 2>&1; then
	echo "no Debian base image: neither debian:bookworm-slim nor $base exists, and making" \
		"$base needs debootstrap (Debian package debootstrap)" >&2
	exit 2
fi
if [ "$(id -u)" != 0 ]; then
	echo "no Debian base image: making $base with debootstrap needs root" >&2
	exit 2
fi
root=$(mktemp -d "${TMPDIR:-/tmp}/mainline-base.XXXXXX")
trap 'rm -rf "$root"' EXIT
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
echo "making $base with debootstrap from $mirror (once)" >&2
debootstrap --variant=minbase \
	--include=libgit2-1.5,libcurl4,libcjson1,libarchive13,libssl3,libpq5,ca-certificates \
	bookworm "$root" "$mirror" >&2
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
tar -C "$root" -c . | docker import - "$base" >/dev/null
echo "$base"
