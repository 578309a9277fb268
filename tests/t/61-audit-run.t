#!/bin/sh
# The audit sinks of a plugin run: the audit file is checked before anything runs (a garbage,
# incomplete or unlinked last line, a directory, a read-only or full file system, the wrong
# key), the record of a refused run still reaches the sinks that work, values of any length
# are recorded cut, bad Drone context and settings that cannot work are refused before any
# fetch, messages are recorded whole, and the record names the anchors that were verified.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen docker openssl base64
t_need_engine
image=mainline-test/busybox:1
SINK="$BUILD/tests/helpers/http-sink"

t_pipeline_repo
a1=$good
git -C "$repo" commit -q -S --allow-empty -m "two"
git -C "$repo" commit -q -S --allow-empty -m "anchor three"
a3=$(git -C "$repo" rev-parse HEAD)
git -C "$repo" commit -q -S --allow-empty -m "tip"

audit="$T_TMP/audit.jsonl"
card="$T_TMP/card.out"
n=0
# plugin [ENV...]: one run with a cache of its own ($cache), the audit file and a card file
plugin() {
	n=$((n + 1))
	cache="$T_TMP/cache.$n"
	rm -f "$card"
	env -i PATH="$PATH" HOME="$HOME" \
		PLUGIN_SOURCE="$repo" PLUGIN_ALLOWED_SIGNERS="$signers" PLUGIN_IMAGE="$image" \
		PLUGIN_COMMAND='["./ci/run.sh"]' PLUGIN_CACHE="$cache" PLUGIN_AUDIT_FILE="$audit" \
		DRONE_BUILD_EVENT=push DRONE_COMMIT_REF=refs/heads/main DRONE_COMMIT_BRANCH=main \
		DRONE_COMMIT_SHA=0123456789abcdef0123456789abcdef01234567 DRONE_REPO=acme/app \
		DRONE_BUILD_NUMBER=42 DRONE_BUILD_LINK=https://drone.example/acme/app/42 \
		DRONE_STEP_NAME=release DRONE_CARD_PATH="$card" "$@" "$MAINLINE"
}
# the card's record (the card file holds the escape sequence, or plain JSON)
card_json() {
	esc=$(printf '\033')
	if [ "$(head -c 1 "$card")" = "$esc" ]; then
		sed "s/^${esc}]1338;//; s/${esc}]0m\$//" "$card" | base64 -d
	else
		cat "$card"
	fi
}
lines() { wc -l <"$1" | tr -d ' '; }
# field NAME: the value of "NAME" in the last record, or null
field() { tail -n 1 "$audit" | python3 -c 'import json, sys
r = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    r = r[k] if r is not None else None
print("null" if r is None else r)' "$1"; }

t_exit "an intact audit file: the pipeline runs" 0 plugin
t_like "... it ran" "$(t_out)" "pipeline ran for build 42"
t_exit "a second run" 0 plugin
t_is "two records" "$(lines "$audit")" 2
t_ok "the chain verifies" "$MAINLINE" audit verify "$audit"

# refused_before DESC PATTERN ENV...: exit 2 with reason audit_unavailable and a message matching
# PATTERN, before anything ran or was fetched, the audit file untouched, the card written
refused_before() {
	r_desc=$1 r_want=$2
	shift 2
	cp "$audit" "$T_TMP/before" 2>/dev/null || rm -f "$T_TMP/before"
	t_exit "$r_desc: refused" 2 plugin "$@"
	r_out=$(t_out)
	t_like "$r_desc: audit_unavailable naming the problem" "$r_out" "^error: audit_unavailable: $r_want"
	t_fails "$r_desc: the pipeline did not run" sh -c 'printf "%s" "$1" | grep -q "pipeline ran"' - "$r_out"
	t_fails "$r_desc: nothing was fetched" test -e "$cache"
	if [ -f "$T_TMP/before" ]; then
		t_ok "$r_desc: the audit file is as it was" cmp -s "$T_TMP/before" "$audit"
	fi
	t_like "$r_desc: the card has the record" "$(card_json)" '"decision":"error","reason":"audit_unavailable"'
}

cp "$audit" "$T_TMP/good.jsonl"
echo "garbage" >>"$audit"
refused_before "a garbage last line" "audit file '$audit' line 3: not a JSON object"
t_like "... and says the record did not go there" "$r_out" \
	"audit record not written to the audit file: it failed its check before the run"

cp "$T_TMP/good.jsonl" "$audit"
printf '{"schema":"mainline.audit/v1","id":"' >>"$audit"
refused_before "an incomplete last line" \
	"audit file '$audit' line 3: incomplete \(no newline at the end of the file\)"

{ head -n 1 "$T_TMP/good.jsonl"; head -n 1 "$T_TMP/good.jsonl"; } >"$audit"
refused_before "a last line that breaks the chain" \
	"audit file '$audit' line 2: hash chain broken \(prev does not match line 1\)"

# the record of a refused run reaches the webhook, which works
"$SINK" "$T_TMP/hook.bodies" >"$T_TMP/hook.out" &
hook_pid=$!
stop_hook() { kill "$hook_pid" 2>/dev/null; }
T_CLEANUP="$T_CLEANUP stop_hook"
i=0
while ! grep -q '^port ' "$T_TMP/hook.out" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
hook_port=$(sed -n 's/^port //p' "$T_TMP/hook.out")
refused_before "a broken chain with a webhook" "audit file" \
	PLUGIN_AUDIT_WEBHOOK="http://127.0.0.1:$hook_port/audit"
t_like "... the webhook got the record" "$(cat "$T_TMP/hook.bodies")" \
	'"decision":"error","reason":"audit_unavailable","message":"audit file '
stop_hook

cp "$T_TMP/good.jsonl" "$audit"
mkdir -p "$T_TMP/spoolcache/audit-spool.jsonl"
t_exit "the webhook's spool is a directory: refused" 2 plugin \
	PLUGIN_AUDIT_WEBHOOK="http://127.0.0.1:9/audit" PLUGIN_CACHE="$T_TMP/spoolcache"
t_like "... naming the spool" "$(t_out)" \
	"^error: audit_unavailable: spool '$T_TMP/spoolcache/audit-spool.jsonl' is not a regular file"
t_fails "... before the fetch" test -e "$T_TMP/spoolcache/state"
t_ok "... the audit file took its record" "$MAINLINE" audit verify "$audit"
t_is "... one more record" "$(lines "$audit")" 3
cp "$T_TMP/good.jsonl" "$audit"

mkdir -p "$T_TMP/auditdir"
audit_keep=$audit
audit="$T_TMP/auditdir"
refused_before "a directory in the audit file's place" \
	"cannot open audit file '$T_TMP/auditdir': Is a directory"
audit=$audit_keep

# a signed chain keeps its key; a withheld key is not a reason to append unsigned records
openssl genpkey -algorithm ed25519 -out "$T_TMP/audit.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$T_TMP/other.pem" 2>/dev/null
rm -f "$audit"
t_exit "a signed chain" 0 plugin PLUGIN_AUDIT_KEY="$(cat "$T_TMP/audit.pem")"
refused_before "a signed chain with another key" "audit file '$audit' line 1: bad signature" \
	PLUGIN_AUDIT_KEY="$(cat "$T_TMP/other.pem")"
refused_before "a signed chain whose key was withheld" \
	"audit file '$audit' line 1: signed, but audit_key is not given \(a from_secret value that Drone withheld arrives empty\)" \
	PLUGIN_AUDIT_KEY=
t_exit "a bad audit_key: a configuration error before the fetch" 2 plugin \
	PLUGIN_AUDIT_KEY="$(printf -- '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n')"
t_like "... naming it" "$(t_out)" "^error: config_error: audit_key is not an Ed25519 private key"
t_fails "... nothing fetched" test -e "$cache"
cp "$T_TMP/good.jsonl" "$audit"

# file systems of its own, in a private mount namespace (root; CI runs as root)
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
	mkdir -p "$T_TMP/ro" "$T_TMP/full"
	# in_ns SETUP ENV...: a plugin run after SETUP in a mount namespace of its own
	in_ns() {
		ns_setup=$1
		shift
		n=$((n + 1))
		cache="$T_TMP/cache.$n"
		rm -f "$card"
		unshare --mount --propagation private sh -c "$ns_setup"' && exec "$@"' sh \
			env -i PATH="$PATH" HOME="$HOME" \
			PLUGIN_SOURCE="$repo" PLUGIN_ALLOWED_SIGNERS="$signers" PLUGIN_IMAGE="$image" \
			PLUGIN_COMMAND='["./ci/run.sh"]' PLUGIN_CACHE="$cache" \
			DRONE_BUILD_EVENT=push DRONE_COMMIT_REF=refs/heads/main DRONE_COMMIT_BRANCH=main \
			DRONE_BUILD_NUMBER=42 DRONE_CARD_PATH="$card" "$@" "$MAINLINE"
	}
	t_exit "a read-only file system: refused" 2 in_ns \
		"mount -t tmpfs -o ro,size=64k tmpfs '$T_TMP/ro'" PLUGIN_AUDIT_FILE="$T_TMP/ro/audit.jsonl"
	t_like "... with the system's reason, naming the file" "$(t_out)" \
		"^error: audit_unavailable: cannot open audit file '$T_TMP/ro/audit.jsonl': Read-only file system"
	t_fails "... the pipeline did not run" grep -q "pipeline ran" "$T_TMP/.out"
	t_fails "... nothing was fetched" test -e "$cache"
	t_like "... the card has the record" "$(card_json)" '"reason":"audit_unavailable"'

	fill="mount -t tmpfs -o size=64k tmpfs '$T_TMP/full' && dd if=/dev/zero of='$T_TMP/full/filler' bs=4096 2>/dev/null; true"
	t_exit "a full file system: refused" 2 in_ns "$fill" PLUGIN_AUDIT_FILE="$T_TMP/full/audit.jsonl"
	t_like "... No space left on device, naming the file" "$(t_out)" \
		"^error: audit_unavailable: audit file '$T_TMP/full/audit.jsonl': No space left on device \([0-9]+ bytes free, a record takes up to 263169\)"
	t_fails "... the pipeline did not run" grep -q "pipeline ran" "$T_TMP/.out"
	t_fails "... nothing was fetched" test -e "$cache"
	t_exit "room for a record: the run goes on" 0 in_ns \
		"mount -t tmpfs -o size=1m tmpfs '$T_TMP/full'" PLUGIN_AUDIT_FILE="$T_TMP/full/audit.jsonl"
	t_like "... and the pipeline ran" "$(t_out)" "pipeline ran"
else
	echo "# read-only and full file systems: not tested: needs root and unshare to mount a tmpfs"
fi

# --- values of any length are recorded, cut to 1024 bytes -------------------------------
# One environment string is at most 128 KiB with its name (MAX_ARG_STRLEN): each value fills it.
long() { head -c $((131072 - ${#1} - 2)) /dev/zero | tr '\0' "${2:-a}"; }
check_long() { # DESC FIELD EXIT ENV...: the record of a run with that value
	l_desc=$1 l_field=$2 l_exit=$3
	shift 3
	before=$(lines "$audit")
	t_exit "128 KiB $l_desc: exit $l_exit" "$l_exit" plugin PLUGIN_DRY_RUN=true "$@"
	t_is "... the record is written" "$(lines "$audit")" $((before + 1))
	got=$(field "$l_field")
	if [ "$got" = null ]; then
		t_is "... $l_field is null (refused where it was read)" "$got" null
	else
		t_is "... $l_field is cut to 1024 bytes" "$(printf '%s' "$got" | wc -c | tr -d ' ')" 1024
	fi
	t_like "... the card has it" "$(card_json)" '"schema":"mainline.audit/v1"'
}
check_long DRONE_REPO drone.repo 0 DRONE_REPO="$(long DRONE_REPO)"
check_long DRONE_BUILD_LINK drone.build_link 0 \
	DRONE_BUILD_LINK="https://drone.example/$(long DRONE_BUILD_LINK_https://drone.example/)"
check_long DRONE_TAG drone.tag 0 DRONE_TAG="$(long DRONE_TAG)"
check_long DRONE_DEPLOY_TO drone.deploy_to 0 DRONE_DEPLOY_TO="$(long DRONE_DEPLOY_TO)"
check_long DRONE_STEP_NAME drone.step 0 DRONE_STEP_NAME="$(long DRONE_STEP_NAME)"
check_long DRONE_BUILD_EVENT drone.event 1 DRONE_BUILD_EVENT="$(long DRONE_BUILD_EVENT)"
check_long DRONE_COMMIT_REF drone.ref 1 \
	DRONE_COMMIT_REF="refs/heads/main$(long DRONE_COMMIT_REF_refs/heads/main)"
check_long DRONE_COMMIT_SHA drone.commit 2 DRONE_COMMIT_SHA="$(long DRONE_COMMIT_SHA f)"
t_like "... the commit id is refused by name" "$(t_out)" "variable 'DRONE_COMMIT_SHA' is not a commit id"
check_long DRONE_BUILD_NUMBER drone.build_number 2 DRONE_BUILD_NUMBER="$(long DRONE_BUILD_NUMBER 1)"
check_long "source URL" source 2 PLUGIN_SOURCE="https://git.example/$(long PLUGIN_SOURCE_https://git.example/)"
t_like "... its message is recorded" "$(field message)" "unusable source URL"
t_exit "every recorded context variable at 128 KiB at once: the pipeline runs" 0 plugin \
	DRONE_REPO="$(long DRONE_REPO)" DRONE_TAG="$(long DRONE_TAG)" \
	DRONE_BUILD_LINK="https://drone.example/$(long DRONE_BUILD_LINK_https://drone.example/)" \
	DRONE_DEPLOY_TO="$(long DRONE_DEPLOY_TO)" DRONE_STEP_NAME="$(long DRONE_STEP_NAME)"
t_like "... it ran" "$(t_out)" "pipeline ran for build 42"
t_like "... the record says so" "$(tail -n 1 "$audit")" '"decision":"allow","reason":"ok"'
t_ok "... and the chain verifies" "$MAINLINE" audit verify "$audit"

# --- the Drone context and settings that cannot work, refused before any fetch -----------
refused_config() { # DESC PATTERN ENV...
	c_desc=$1 c_want=$2
	shift 2
	t_exit "$c_desc: a configuration error" 2 plugin "$@"
	t_like "$c_desc: the message names it" "$(t_out)" "^error: config_error: $c_want"
	t_fails "$c_desc: nothing was fetched" test -e "$cache"
	t_like "$c_desc: recorded" "$(tail -n 1 "$audit")" '"reason":"config_error"'
}
refused_config "a short DRONE_COMMIT_SHA" \
	"variable 'DRONE_COMMIT_SHA' is not a commit id \(40 or 64 hex digits\)" DRONE_COMMIT_SHA=abc123
refused_config "a negative DRONE_BUILD_NUMBER" "variable 'DRONE_BUILD_NUMBER' is not a build number" \
	DRONE_BUILD_NUMBER=-1
refused_config "a DRONE_BUILD_NUMBER with a space" "variable 'DRONE_BUILD_NUMBER' is not a build number" \
	"DRONE_BUILD_NUMBER=4 2"
refused_config "a DRONE_BUILD_PARENT out of range" "variable 'DRONE_BUILD_PARENT' is not a build number" \
	DRONE_BUILD_PARENT=9007199254740992
refused_config "an escape sequence in DRONE_TAG" \
	"variable 'DRONE_TAG' holds a control character \(byte 3\)" "DRONE_TAG=v1$(printf '\033')]0;x"
t_fails "... the control byte is not printed" grep -q "$(printf '\033')" "$T_TMP/.out"
refused_config "invalid UTF-8 in DRONE_REPO" "variable 'DRONE_REPO' is not valid UTF-8" \
	"DRONE_REPO=$(printf 'caf\351')/app"
refused_config "command: []" "setting 'command' is an empty list" 'PLUGIN_COMMAND=[]'
refused_config "an empty command item" "empty item in list setting 'command'" 'PLUGIN_COMMAND=["./ci/run.sh",""]'
refused_config "an empty image" "setting 'image' is empty" PLUGIN_IMAGE=
refused_config "an image that is no reference" "invalid image reference 'golang:' in setting 'image'" \
	PLUGIN_IMAGE=golang:

# --- messages are recorded whole ----------------------------------------------------------
t_exit "an invalid policy setting" 2 plugin PLUGIN_POLICY='{"bogus":1}'
t_is "the record's message is whole" "$(field message)" "invalid setting 'policy': unknown key 'bogus' in policy"
printf '{"bogus":1}\n' >"$T_TMP/baked.json"
t_exit "an invalid baked policy" 2 plugin MAINLINE_POLICY_FILE="$T_TMP/baked.json"
t_is "the record's message is whole" "$(field message)" \
	"invalid policy '$T_TMP/baked.json': unknown key 'bogus' in policy"
t_exit "an unreachable Drone API" 1 plugin PLUGIN_DRONE_TOKEN=t0ken DRONE_SYSTEM_PROTO=http \
	DRONE_SYSTEM_HOST=127.0.0.1:9 DRONE_REPO_OWNER=acme DRONE_REPO_NAME=app
t_like "the record's message is whole" "$(field message)" \
	"^cannot ask the drone api at 'http://127.0.0.1:9/api/repos/acme/app/builds/42': cannot reach drone api at '[^']*': [^']*Couldn't connect to server$"

# --- the anchors that were verified --------------------------------------------------------
t_exit "a setting's anchor without a policy" 0 plugin PLUGIN_DRY_RUN=true PLUGIN_ANCHOR="$a1"
t_is "... anchor is the setting's" "$(field anchor)" "$a1"
t_is "... no extra anchor" "$(field extra_anchor)" null
t_is "... mode tip" "$(field mode)" tip
printf '{"source":"%s","mode":"chain","anchor":"%s"}\n' "$repo" "$a1" >"$T_TMP/chain.json"
t_exit "a policy's chain and a later setting anchor" 0 plugin PLUGIN_DRY_RUN=true \
	MAINLINE_POLICY_FILE="$T_TMP/chain.json" PLUGIN_ANCHOR="$a3"
t_is "... anchor is where the chain starts: the policy's" "$(field anchor)" "$a1"
t_is "... extra_anchor is the setting's" "$(field extra_anchor)" "$a3"
t_is "... mode is the policy's chain" "$(field mode)" chain
t_is "... every commit after the policy's anchor was checked" "$(field checked)" 3
printf '{"source":"%s","mode":"tip","anchor":"%s"}\n' "$repo" "$a1" >"$T_TMP/tip.json"
t_exit "a tip policy's anchor and a setting's chain after a later one" 0 plugin PLUGIN_DRY_RUN=true \
	MAINLINE_POLICY_FILE="$T_TMP/tip.json" PLUGIN_MODE=chain PLUGIN_ANCHOR="$a3"
t_is "... anchor is the setting's" "$(field anchor)" "$a3"
t_is "... extra_anchor is the policy's floor" "$(field extra_anchor)" "$a1"
t_is "... mode chain" "$(field mode)" chain
t_is "... the chain after the setting's anchor was checked" "$(field checked)" 1
t_ok "the chain of all these records verifies" "$MAINLINE" audit verify "$audit"
t_done
