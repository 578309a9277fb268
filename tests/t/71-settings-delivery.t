#!/bin/sh
# Settings as Drone delivers them: PLUGIN_* variables an operator injects for other plugins,
# a command item holding a comma (Drone's encoder joins lists with commas), and the card
# written where DRONE_CARD_PATH says, with the template card_schema names.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen python3

ssh-keygen -q -t ed25519 -N '' -C release -f "$T_TMP/key"
signers=$(printf 'release@example.org %s' "$(cut -d' ' -f1,2 "$T_TMP/key.pub")")
repo="$T_TMP/pipelines"
git init -q "$repo"
git -C "$repo" config gpg.format ssh
git -C "$repo" config user.signingkey "$T_TMP/key"
echo 'echo pipeline' >"$repo/run.sh"
git -C "$repo" add run.sh
git -C "$repo" commit -q -S -m "pipeline"

plugin() { # the step's environment as Drone's runner builds it, plus ENV...
	env -i PATH="$PATH" HOME="$HOME" PLUGIN_SOURCE="$repo" PLUGIN_ALLOWED_SIGNERS="$signers" \
		PLUGIN_CACHE="$T_TMP/cache" DRONE_BUILD_EVENT=push DRONE_COMMIT_REF=refs/heads/main \
		DRONE_COMMIT_BRANCH=main DRONE_REPO=acme/app DRONE_REPO_OWNER=acme DRONE_REPO_NAME=app \
		DRONE_BUILD_NUMBER=42 DRONE_STEP_NAME=release "$@" "$MAINLINE"
}
dry() { plugin PLUGIN_DRY_RUN=true "$@"; }

# --- settings for other plugins ----------------------------------------------------
t_exit "a runner-wide setting for another plugin: an error" 2 dry PLUGIN_REGISTRY_MIRROR=https://m.example
t_like "... naming it" "$(t_out)" "unknown setting 'REGISTRY_MIRROR'"
t_exit "MAINLINE_IGNORE_SETTINGS names it: the dry run passes" 0 \
	dry PLUGIN_REGISTRY_MIRROR=https://m.example MAINLINE_IGNORE_SETTINGS=registry_mirror
t_like "... verified" "$(t_out)" "dry run: commit [0-9a-f]{40} verified"
t_fails "... and the ignored setting is not in the configuration shown" \
	grep -q 'm.example' "$T_TMP/.out"
printf '{"ignore_settings": ["registry_mirror", "custom-dns"]}\n' >"$T_TMP/policy.json"
t_exit "the baked policy names them: the dry run passes" 0 dry MAINLINE_POLICY_FILE="$T_TMP/policy.json" \
	PLUGIN_REGISTRY_MIRROR=https://m.example PLUGIN_CUSTOM-DNS=10.0.0.53
t_exit "... a typo of a mainline setting stays an error" 2 dry MAINLINE_POLICY_FILE="$T_TMP/policy.json" \
	PLUGIN_ALLOWED_SIGNER="$signers"
t_exit "... and a mainline setting cannot be ignored" 2 dry MAINLINE_IGNORE_SETTINGS=docker_socket
t_like "... saying so" "$(t_out)" "names 'docker_socket', one of mainline's settings: it cannot be ignored"

# --- the card -----------------------------------------------------------------------
t_exit "DRONE_CARD_PATH a file: the dry run writes the card" 0 \
	dry DRONE_CARD_PATH="$T_TMP/card.json" PLUGIN_CARD_SCHEMA=https://cards.example.org/mainline.json
t_like "the file is the card as plain JSON with the card_schema URL" "$(cat "$T_TMP/card.json")" \
	'^\{"schema":"https://cards.example.org/mainline.json","data":\{"schema":"mainline.audit/v1",.*"decision":"allow"'
t_ok "... one valid JSON document" python3 -c 'import json, sys; json.load(open(sys.argv[1]))' \
	"$T_TMP/card.json"
t_fails "... nothing of it in the log" grep -q "$(printf '\033')]1338;" "$T_TMP/.out"
t_exit "DRONE_CARD_PATH=/dev/stdout: the escape sequence in the log" 0 dry DRONE_CARD_PATH=/dev/stdout
card=$(grep "^$(printf '\033')]1338;" "$T_TMP/.out" | sed "s/^$(printf '\033')]1338;//; s/$(printf '\033')]0m\$//")
t_like "... with the default template URL" "$(printf '%s' "$card" | base64 -d)" \
	'^\{"schema":"https://mainline-ci.github.io/mainline/card.json","data":'
t_exit "card_schema must be an http(s) URL" 2 dry PLUGIN_CARD_SCHEMA=/srv/card.json
t_like "... saying so" "$(t_out)" "'card_schema' must be an http or https URL"
t_ok "the default template is the one in docs/" python3 -c '
import json, sys
card = json.load(open(sys.argv[1]))
assert card["type"] == "AdaptiveCard"' "$T_ROOT/docs/card.json"

# --- a command item with a comma, against the real engine -------------------------------
if curl -sf --max-time 3 --unix-socket /var/run/docker.sock http://d/_ping >/dev/null 2>&1 &&
	"$T_ROOT/scripts/test-image.sh" >/dev/null 2>&1; then
	run() { plugin PLUGIN_IMAGE=mainline-test/busybox:1 "$@"; }
	t_exit "command as one YAML string holding JSON: runs" 0 \
		run PLUGIN_COMMAND='["sh","-c","echo items: a,b"]'
	t_like "... the comma stays inside its item" "$(t_out)" '^items: a,b$'
	t_exit "the same list as Drone joins it: runs" 0 run PLUGIN_COMMAND='sh,-c,echo items: a,b'
	t_like "... and the item is split at the comma ('echo items: a', 'b' as \$0)" "$(t_out)" \
		'^items: a$'
else
	echo "# no Docker engine or test image: the command runs are not tried"
fi
t_done
