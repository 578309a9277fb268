#!/bin/sh
# The engine path (no verification) side by side with the docker CLI, in one
# run: starting a container, streaming 1 GiB of output, uploading a 100 MiB tree.
set -eu
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
tool="$BUILD/tests/helpers/engine-tool"
image=mainline-test/busybox:1
"$root/scripts/dockerd.sh"
"$root/scripts/test-image.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/mainline-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "## Starting a container that runs 'true'"
hyperfine --style basic --warmup 2 --runs 15 --export-markdown "$work/true.md" \
	-n "mainline engine path" "$tool run $image -- true" \
	-n "docker run --rm" "docker run --rm $image true"
cat "$work/true.md"

echo
echo "## Streaming 1 GiB of container output (to /dev/null)"
gib='head -c 1073741824 /dev/zero'
for i in 1 2; do
	/usr/bin/time -f "mainline engine path: %e s, peak RSS %M KiB" \
		"$tool" run "$image" -- sh -c "$gib" >/dev/null 2>"$work/t.err" || true
	tail -1 "$work/t.err"
	/usr/bin/time -f "docker run --rm:      %e s, peak RSS %M KiB" \
		docker run --rm "$image" sh -c "$gib" >/dev/null 2>"$work/t.err" || true
	tail -1 "$work/t.err"
done

echo
echo "## Uploading a 100 MiB tree (100 files of 1 MiB) and running 'true'"
mkdir -p "$work/tree"
i=0
while [ $i -lt 100 ]; do
	head -c 1048576 /dev/urandom >"$work/tree/f$i"
	i=$((i + 1))
done
hyperfine --style basic --warmup 1 --runs 8 --export-markdown "$work/tree.md" \
	-n "mainline engine path (tar streamed from the tree)" \
	"$tool run $image --tree $work/tree --workdir /w -- true" \
	-n "docker create + docker cp + start + rm" \
	"sh -c 'c=\$(docker create $image true) && docker cp $work/tree \$c:/w && docker start -a \$c && docker rm \$c >/dev/null'"
cat "$work/tree.md"
/usr/bin/time -f "mainline engine path, 100 MiB tree: peak RSS %M KiB" \
	"$tool" run "$image" --tree "$work/tree" --workdir /w -- true 2>&1 >/dev/null | tail -1
