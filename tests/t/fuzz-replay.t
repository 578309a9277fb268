#!/bin/sh
# Replays every fuzz target's committed corpus through its standalone driver.
. "$(dirname "$0")/lib.sh"
found=0
for corpus in "$T_ROOT"/tests/fuzz/corpus/*/; do
	[ -d "$corpus" ] || continue
	name=$(basename "$corpus")
	found=1
	t_ok "corpus of fuzz_$name replays without a crash" "$BUILD/fuzz-replay/fuzz_$name" "$corpus"
done
[ $found = 1 ] || t_skip_all "no fuzz corpora"
t_done
