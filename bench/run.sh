#!/bin/sh
# All benchmarks; see docs/BENCHMARKS.md for the figures and how to read them.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh bench
for b in bench/verify-*.sh bench/engine*.sh bench/plugin.sh bench/audit-*.sh bench/concurrent.sh \
	bench/shared-state.sh; do
	[ -x "$b" ] || continue
	echo "### $b"
	"$b"
done
