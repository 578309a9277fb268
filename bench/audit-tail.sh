#!/bin/sh
# The audit file's check before a run reads only the end of the chain: its time on a chain of
# N records (default 100000) side by side with a chain of 10 and with `mainline audit verify`
# of the whole chain. Usage: bench/audit-tail.sh [N]
set -eu
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
tool="$BUILD/tests/helpers/audit-tool"
n=${1:-100000}
work=$(mktemp -d "${TMPDIR:-/tmp}/mainline-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$tool" append "$work/small.jsonl" --count 10
# a long chain: the sample record, chained line by line (appending each would fsync n times)
"$tool" append "$work/one.jsonl"
python3 - "$work/one.jsonl" "$work/big.jsonl" "$n" <<'PY'
import hashlib, re, sys
line = open(sys.argv[1], "rb").read().rstrip(b"\n")
prev = b"0" * 64
with open(sys.argv[2], "wb") as out:
    for i in range(int(sys.argv[3])):
        rec = re.sub(rb'"prev":"[0-9a-f]{64}"', b'"prev":"' + prev + b'"', line)
        out.write(rec + b"\n")
        prev = hashlib.sha256(rec).hexdigest().encode()
PY
"$BUILD/mainline" audit verify "$work/big.jsonl" | head -n 1
echo "chain of $n records: $(du -h "$work/big.jsonl" | cut -f1)"
hyperfine --style basic -N --warmup 2 --runs 20 --export-markdown "$work/check.md" \
	-n "check, 10 records" "$tool check $work/small.jsonl" \
	-n "check, $n records" "$tool check $work/big.jsonl" \
	-n "mainline audit verify, $n records" "$BUILD/mainline audit verify $work/big.jsonl"
cat "$work/check.md"
