#!/bin/sh
# The audit trail: hash-chained (optionally signed) JSONL file and its
# verification, the webhook with HMAC and spool, the Drone card, OTLP spans,
# and no secret in any sink.
. "$(dirname "$0")/lib.sh"
t_need openssl base64 sha256sum
TOOL="$BUILD/tests/helpers/audit-tool"
SINK="$BUILD/tests/helpers/http-sink"
CANARY=CANARY-5ecret-7f3a
SINK_PIDS=""
stop_sinks() { for p in $SINK_PIDS; do kill "$p" 2>/dev/null; done; }
T_CLEANUP="stop_sinks"
cd "$T_TMP" || exit 1

# start_sink NAME [args...]: starts a receiver, sets SINK_PORT and SINK_PID
start_sink() {
	name=$1; shift
	"$SINK" "$@" --headers "$T_TMP/$name.headers" "$T_TMP/$name.bodies" >"$T_TMP/$name.out" &
	SINK_PID=$!
	SINK_PIDS="$SINK_PIDS $SINK_PID"
	i=0
	while ! grep -q '^port ' "$T_TMP/$name.out" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.05; i=$((i + 1))
	done
	SINK_PORT=$(sed -n 's/^port //p' "$T_TMP/$name.out")
}
stop_sink() { kill "$1" 2>/dev/null; wait "$1" 2>/dev/null; }
count() { grep -c -- "$1" "$2" 2>/dev/null || true; }

# --- the record and the log lines carry no secret ---
"$TOOL" render >render.out
t_is "rendering carries no canary secret" "$(count "$CANARY" render.out)" 0
t_like "source URL is stripped of credentials" "$(cat render.out)" \
	'"source":"https://\*\*\*@git.example.org/example/pipelines.git\?access_token=\*\*\*"'
t_like "start line names commit, tree, source, signer" "$(sed -n 2p render.out)" \
	'^running pipeline 89abcdef0123 \(tree fedcba987654\) from https://\*\*\*@git.example.org/example/pipelines.git\?access_token=\*\*\*@main, signed by alice@example.org \(SHA256:'
t_like "container labels include the signer" "$(cat render.out)" '^org.mainline.signer=alice@example.org'

# --- hash chain without a key ---
t_ok "five records append" "$TOOL" append plain.jsonl --count 5
t_is "one line per record" "$(wc -l <plain.jsonl)" 5
t_ok "unsigned chain verifies" "$TOOL" verify plain.jsonl
t_like "report gives the count" "$(t_out)" '^ok: 5 records, hash chain intact, signatures not checked$'
t_like "report gives the head hash (sha256 of the last line)" "$(t_out)" \
	"^head: $(tail -n 1 plain.jsonl | tr -d '\n' | sha256sum | cut -c1-64)\$"
t_like "first line chains from the genesis value" "$(head -n 1 plain.jsonl)" \
	'"prev":"0{64}"}$'

# --- signed chain ---
openssl genpkey -algorithm ed25519 -out key.pem 2>/dev/null
openssl pkey -in key.pem -pubout -out pub.pem 2>/dev/null
openssl genpkey -algorithm ed25519 -out other.pem 2>/dev/null
openssl pkey -in other.pem -pubout -out other.pub 2>/dev/null
t_exit "unsigned chain fails verification with a public key" 1 "$TOOL" verify plain.jsonl --pubkey pub.pem
t_like "... at line 1: signature missing" "$(t_out)" '^line 1: signature missing'
t_ok "five signed records append" "$TOOL" append signed.jsonl --count 5 --key key.pem
t_ok "signed chain verifies with the public key" "$TOOL" verify signed.jsonl --pubkey pub.pem
t_like "... and says every signature is valid" "$(t_out)" 'ok: 5 records, hash chain intact, every signature valid'
t_ok "signed chain verifies as a chain without the key" "$TOOL" verify signed.jsonl
t_exit "signed chain fails with another public key" 1 "$TOOL" verify signed.jsonl --pubkey other.pub
t_like "... at line 1: bad signature" "$(t_out)" '^line 1: bad signature'
t_exit "a private key file is not a public key" 2 "$TOOL" verify signed.jsonl --pubkey key.pem
t_exit "append refuses a public key as audit_key" 2 "$TOOL" append x.jsonl --key pub.pem

# --- tampering ---
cp signed.jsonl edit.jsonl
sed -i '3s/alice@example.org/mallory@example.org/' edit.jsonl
t_exit "edited field is refused (signed)" 1 "$TOOL" verify edit.jsonl --pubkey pub.pem
t_like "... naming line 3" "$(t_out)" '^line 3: bad signature$'
t_exit "edited field is refused (chain only)" 1 "$TOOL" verify edit.jsonl
t_like "... naming line 4" "$(t_out)" '^line 4: hash chain broken \(prev does not match line 3\)$'

sed '3d' signed.jsonl >delete.jsonl
t_exit "deleted middle line is refused" 1 "$TOOL" verify delete.jsonl --pubkey pub.pem
t_like "... naming line 3" "$(t_out)" '^line 3: hash chain broken \(prev does not match line 2\)$'

sed '1d' signed.jsonl >delete1.jsonl
t_exit "deleted first line is refused" 1 "$TOOL" verify delete1.jsonl
t_like "... as not chaining from genesis" "$(t_out)" '^line 1: hash chain broken \(prev is not the genesis value\)$'

{ sed -n 1p signed.jsonl; sed -n 3p signed.jsonl; sed -n 2p signed.jsonl; sed -n '4,$p' signed.jsonl; } >swap.jsonl
t_exit "swapped lines are refused" 1 "$TOOL" verify swap.jsonl --pubkey pub.pem
t_like "... naming line 2" "$(t_out)" '^line 2: hash chain broken \(prev does not match line 1\)$'

size=$(wc -c <signed.jsonl)
head -c $((size - 40)) signed.jsonl >trunc.jsonl
t_exit "last line cut mid-way is refused" 1 "$TOOL" verify trunc.jsonl
t_like "... naming line 5" "$(t_out)" '^line 5: incomplete'
t_exit "append refuses a file whose last line is cut" 1 "$TOOL" append trunc.jsonl --key key.pem
t_is "... and leaves it unchanged" "$(wc -c <trunc.jsonl)" $((size - 40))

head -c $((size - 1)) signed.jsonl >nonl.jsonl
t_exit "missing final newline is refused" 1 "$TOOL" verify nonl.jsonl

# forged line: correct prev but no signature
prev=$(tail -n 1 signed.jsonl | tr -d '\n' | sha256sum | cut -c1-64)
cp signed.jsonl forged.jsonl
tail -n 1 plain.jsonl | sed "s/\"prev\":\"[0-9a-f]*\"/\"prev\":\"$prev\"/" >>forged.jsonl
t_exit "appended unsigned line is refused" 1 "$TOOL" verify forged.jsonl --pubkey pub.pem
t_like "... naming line 6" "$(t_out)" '^line 6: signature missing$'
# the signature is plain Ed25519 over T (the line without its ,"sig" suffix), as openssl sees it
T=$(tail -n 1 signed.jsonl | sed 's/,"sig":"[^"]*"}$/}/')
printf '%s' "$T" >T.bin
tail -n 1 signed.jsonl | sed 's/.*,"sig":"\([^"]*\)"}$/\1/' | base64 -d >sig.bin
t_ok "openssl verifies mainline's signature over T" \
	openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -in T.bin -sigfile sig.bin
# a line signed by another key, made by openssl as mainline would make it
T=$(tail -n 1 plain.jsonl | sed "s/\"prev\":\"[0-9a-f]*\"/\"prev\":\"$prev\"/")
printf '%s' "$T" >T.bin
sig=$(openssl pkeyutl -sign -inkey other.pem -rawin -in T.bin | base64 -w0)
cp signed.jsonl forged2.jsonl
printf '%s,"sig":"%s"}\n' "${T%\}}" "$sig" >>forged2.jsonl
t_exit "appended line signed by another key is refused" 1 "$TOOL" verify forged2.jsonl --pubkey pub.pem
t_like "... naming line 6" "$(t_out)" '^line 6: bad signature$'
cp signed.jsonl other.jsonl
t_exit "append with another key is refused: the chain keeps its key" 1 "$TOOL" append other.jsonl --key other.pem
t_like "... naming the file and line 5" "$(t_out)" "audit file 'other.jsonl' line 5: bad signature"
t_is "... and leaves the file as it was" "$(cat other.jsonl)" "$(cat signed.jsonl)"
t_exit "append without a key to a signed chain is refused" 2 "$TOOL" append other.jsonl
t_like "... saying the key may be withheld" "$(t_out)" "line 5: signed, but audit_key is not given"
t_exit "append with a key to an unsigned chain is refused" 1 "$TOOL" append plain.jsonl --key key.pem
t_like "... at its last line" "$(t_out)" "audit file 'plain.jsonl' line 5: signature missing"
cp signed.jsonl sigmove.jsonl
sed -i '2s/,"sig":"\([^"]*\)"}$/}/' sigmove.jsonl
t_exit "a stripped signature is refused" 1 "$TOOL" verify sigmove.jsonl --pubkey pub.pem
t_like "... naming line 2" "$(t_out)" '^line 2: signature missing$'
t_exit "missing file is an I/O error" 2 "$TOOL" verify nope.jsonl

# --- a full file system (a 64 KiB tmpfs of its own, in a private mount namespace) ---
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	mkdir -p full
	# append until the file system is full: the failed append names the system's reason and
	# leaves the file as it was, so the chain still verifies and takes records once there is room
	cat >full.sh <<'SH'
set -u
mount -t tmpfs -o size=64k tmpfs full || exit 3
"$1" append full/audit.jsonl --count 3 >/dev/null 2>&1 || exit 4
dd if=/dev/zero of=full/filler bs=4096 2>/dev/null
i=0
while [ $i -lt 200 ]; do
	before=$(wc -c <full/audit.jsonl)
	"$1" append full/audit.jsonl >full.out 2>&1 || break
	i=$((i + 1))
done
echo "size $before $(wc -c <full/audit.jsonl)"
cat full.out
"$1" verify full/audit.jsonl
rm -f full/filler
"$1" append full/audit.jsonl && echo "appended after the space came back"
"$1" verify full/audit.jsonl
SH
	t_ok "appends on a full tmpfs" unshare --mount --propagation private sh full.sh "$TOOL"
	out=$(t_out)
	t_like "a full disk says No space left on device" "$out" \
		"cannot write audit file 'full/audit.jsonl': No space left on device"
	t_fails "... not short write" sh -c 'printf "%s" "$1" | grep -q "short write"' - "$out"
	t_like "the failed append leaves the file at its length" "$out" '^size ([0-9]+) \1$'
	t_like "the chain still verifies after the failure" "$out" '^ok: [0-9]+ records, hash chain intact'
	t_like "a record is appended once there is room again" "$out" '^appended after the space came back$'
else
	echo "# full file system: not tested: needs root and unshare to mount a tmpfs"
fi

# --- concurrent appends ---
writers=""
for p in 1 2 3 4; do
	"$TOOL" append conc.jsonl --count 20 --key key.pem &
	writers="$writers $!"
done
# shellcheck disable=SC2086
wait $writers
t_is "4 writers x 20 records give 80 lines" "$(wc -l <conc.jsonl)" 80
t_ok "concurrent chain is intact and signed" "$TOOL" verify conc.jsonl --pubkey pub.pem

# --- webhook ---
start_sink hook
hook_pid=$SINK_PID port=$SINK_PORT
URL="http://127.0.0.1:$port/audit"
t_ok "webhook delivers a record" "$TOOL" webhook "$URL" "$CANARY" spool.jsonl 1
t_like "... reported as delivered" "$(t_out)" '^delivered 1 spooled 0$'
t_is "receiver got one body" "$(wc -l <hook.bodies)" 1
want=$(head -n 1 hook.bodies | tr -d '\n' | openssl dgst -sha256 -hmac "$CANARY" | sed 's/.*= *//')
got=$(sed -n 's/^X-Mainline-Signature: *sha256=\([0-9a-f]*\).*/\1/p' hook.headers)
t_is "X-Mainline-Signature is the HMAC-SHA256 of the body" "$got" "$want"
t_like "content type is JSON" "$(cat hook.headers)" 'Content-Type: application/json'
t_is "webhook body and headers carry no canary" "$(cat hook.bodies hook.headers | count "$CANARY" -)" 0
stop_sink "$hook_pid"

t_ok "receiver down: the record is spooled" "$TOOL" webhook "$URL" "$CANARY" spool.jsonl 2
t_like "... reported as spooled" "$(t_out)" '^delivered 0 spooled 1$'
t_is "spool holds one record" "$(wc -l <spool.jsonl)" 1
t_is "spool carries no canary" "$(count "$CANARY" spool.jsonl)" 0

start_sink hook2 --port "$port"
hook_pid=$SINK_PID
t_ok "receiver up: spooled record and new one delivered" "$TOOL" webhook "$URL" "$CANARY" spool.jsonl 3
t_like "... two delivered" "$(t_out)" '^delivered 2 spooled 0$'
t_like "spooled record arrives first" "$(sed -n 1p hook2.bodies)" '"build_number":43,'
t_like "new record arrives second" "$(sed -n 2p hook2.bodies)" '"build_number":44,'
t_ok "spool is gone once delivered" test ! -e spool.jsonl
t_ok "a later run sends only its own record" "$TOOL" webhook "$URL" "$CANARY" spool.jsonl 4
t_is "spooled record was delivered once" "$(count '"build_number":43,' hook2.bodies)" 1
t_is "three bodies in all" "$(wc -l <hook2.bodies)" 3
stop_sink "$hook_pid"

# two runs racing over one spooled record deliver it once
port=$SINK_PORT
stop_sink "$SINK_PID" 2>/dev/null
t_ok "receiver down again: record 6 spooled" "$TOOL" webhook "$URL" "$CANARY" race.jsonl 6
start_sink race --port "$port"
"$TOOL" webhook "$URL" "$CANARY" race.jsonl 7 >/dev/null &
run7=$!
"$TOOL" webhook "$URL" "$CANARY" race.jsonl 8 >/dev/null &
run8=$!
wait "$run7" "$run8"
t_is "racing runs deliver the spooled record once" "$(count '"build_number":47,' race.bodies)" 1
t_is "... and both new records" "$(wc -l <race.bodies)" 3
t_ok "... leaving no spool" test ! -e race.jsonl
stop_sink "$SINK_PID"

start_sink hook3 --fail 1
t_ok "a 500 answer is retried" "$TOOL" webhook "http://127.0.0.1:$SINK_PORT/" "" spool3.jsonl 5
t_like "... and then delivered" "$(t_out)" '^delivered 1 spooled 0$'
t_is "no signature header without a secret" "$(count X-Mainline-Signature hook3.headers)" 0
stop_sink "$SINK_PID"

# --- card ---
# DRONE_CARD_PATH as Drone's runner sets it: the escape sequence in the step's output
esc=$(printf '\033')
unescape() { sed "s/^${esc}]1338;//; s/${esc}]0m\$//" "$1" | base64 -d; }
DRONE_CARD_PATH=/dev/stdout "$TOOL" card >card.out
t_like "card starts with ESC]1338;" "$(head -c 7 card.out | od -An -c | tr -d ' ')" '^033]1338;$'
t_like "card ends with ESC]0m and a newline" "$(tail -c 5 card.out | od -An -c | tr -d ' ')" '^033]0m\\n$'
unescape card.out >card.json 2>/dev/null
t_like "card schema is the template URL" "$(cat card.json)" \
	'^\{"schema":"https://mainline-ci.github.io/mainline/card.json","data":\{'
t_like "card data has decision, commit, signer, digest, exit code" "$(cat card.json)" \
	'"decision":"allow".*"commit":"89abcdef.*"principal":"alice@example.org".*"image_digest":"sha256:4a1e.*"exit_code":0,"durations_ms":\{"gate":150'
t_is "card carries no canary" "$(count "$CANARY" card.json)" 0
t_is "card is one line" "$(wc -l <card.out)" 1
DRONE_CARD_PATH=/proc/self/fd/1 "$TOOL" card >fd1-card.out
t_like "/proc/self/fd/1 is the step's output too" "$(unescape fd1-card.out)" \
	'^\{"schema":"https://mainline-ci.github.io/mainline/card.json","data":\{"schema":"mainline.audit/v1"'
DRONE_CARD_PATH=/dev/stderr "$TOOL" card 2>stderr-card.out >/dev/null
t_like "/dev/stderr gets the escape sequence on stderr" "$(unescape stderr-card.out)" \
	'^\{"schema":"https://mainline-ci.github.io/mainline/card.json","data":\{"schema":"mainline.audit/v1"'

# any other path: plain JSON, as Drone's own plugins write it
(umask 022 && DRONE_CARD_PATH="$T_TMP/card.file" "$TOOL" card) >stdout.out
t_like "a card file is the plain JSON" "$(cat card.file)" \
	'^\{"schema":"https://mainline-ci.github.io/mainline/card.json","data":\{"schema":"mainline.audit/v1",.*"decision":"allow".*\}\}$'
t_ok "... one valid JSON document" python3 -c 'import json, sys; json.load(open(sys.argv[1]))' card.file
t_is "... with no escape sequence" "$(count "$esc" card.file)" 0
t_is "... with mode 0644" "$(stat -c %a card.file)" 644
t_is "... and nothing on stdout" "$(wc -c <stdout.out | tr -d ' ')" 0
DRONE_CARD_PATH="$T_TMP/card.file" "$TOOL" card https://cards.example.org/mainline.json
t_like "schema URL can be overridden; the next card replaces the file" "$(cat card.file)" \
	'^\{"schema":"https://cards.example.org/mainline.json","data":\{"schema":"mainline.audit/v1",[^{]*"decision":"allow".*\}\}$'
t_is "... one JSON object" "$(grep -c '"schema":"mainline.audit/v1"' card.file)" 1
unset DRONE_CARD_PATH
t_ok "no DRONE_CARD_PATH: no card, no error" "$TOOL" card

# --- OpenTelemetry ---
start_sink otlp
tid=4bf92f3577b34da6a3ce929d0e0e4736
t_ok "spans are exported" env TRACEPARENT="00-$tid-00f067aa0ba902b7-01" "$TOOL" otlp "http://127.0.0.1:$SINK_PORT"
child=$(head -n 1 "$T_TMP/.out")
t_like "child TRACEPARENT continues the trace" "$child" "^00-$tid-[0-9a-f]{16}-01$"
run_span=$(echo "$child" | cut -d- -f3)
t_is "receiver got one request" "$(wc -l <otlp.bodies)" 1
t_like "request went to /v1/traces" "$(head -n 1 otlp.headers)" '^POST /v1/traces HTTP/1.1'
t_is "six spans" "$(grep -o '"spanId"' otlp.bodies | wc -l)" 6
t_is "all six share the trace id" "$(grep -o "\"traceId\":\"$tid\"" otlp.bodies | wc -l)" 6
t_is "five spans are children of the run span" "$(grep -o "\"parentSpanId\":\"$run_span\"" otlp.bodies | wc -l)" 5
t_like "run span's parent is the incoming span" "$(cat otlp.bodies)" \
	"\"spanId\":\"$run_span\",\"parentSpanId\":\"00f067aa0ba902b7\",\"name\":\"mainline run\""
t_is "spans carry no canary" "$(count "$CANARY" otlp.bodies)" 0
t_ok "an invalid TRACEPARENT starts a new trace" env TRACEPARENT="00-$tid-0000000000000000-01" "$TOOL" otlp "http://127.0.0.1:$SINK_PORT/"
t_like "... with another trace id" "$(head -n 1 "$T_TMP/.out")" '^00-[0-9a-f]{32}-[0-9a-f]{16}-01$'
t_fails "... not $tid" grep -q "^00-$tid" "$T_TMP/.out"
stop_sink "$SINK_PID"
t_exit "export to a dead endpoint fails with an I/O error" 2 "$TOOL" otlp "http://127.0.0.1:$port"
t_like "... naming the endpoint" "$(t_out)" 'otlp endpoint'
t_done
