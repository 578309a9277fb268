#!/bin/sh
# mainline verify on SSH-signed main lines: accepted cases, their forged twins,
# and agreement with `git verify-commit` using the same allowed_signers.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen

keys="$T_TMP/keys"
mkdir -p "$keys"
for k in alice mallory; do
	ssh-keygen -q -t ed25519 -N '' -C "$k" -f "$keys/$k" || exit 1
done
ssh-keygen -q -t ecdsa -b 256 -N '' -C bob -f "$keys/bob" || exit 1
signers="$T_TMP/allowed_signers"
{
	printf 'alice@example.org namespaces="git" %s\n' "$(cut -d' ' -f1,2 "$keys/alice.pub")"
	printf 'bob@example.org %s\n' "$(cut -d' ' -f1,2 "$keys/bob.pub")"
} >"$signers"

repo="$T_TMP/pipelines"
git init -q "$repo"
git -C "$repo" config gpg.format ssh
git -C "$repo" config gpg.ssh.allowedSignersFile "$signers"
git -C "$repo" config user.signingkey "$keys/alice"

commit() { # MESSAGE [git commit options...]: a signed commit by alice unless told otherwise
	msg=$1
	shift
	echo "$msg" >>"$repo/pipeline.sh"
	git -C "$repo" add pipeline.sh
	git -C "$repo" commit -q -m "$msg" "$@"
	git -C "$repo" rev-parse HEAD
}

c1=$(commit "first" -S)
c2=$(commit "second" -S)
c3=$(commit "third" -S)

verify() { # STATE-NAME, then mainline verify options
	s=$1
	shift
	"$MAINLINE" verify --source "$repo" --allowed-signers "$signers" --state "$T_TMP/state-$s" "$@"
}
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }

# --- accepted -----------------------------------------------------------------
t_exit "signed tip is allowed" 0 verify ok --json
out=$(t_out)
t_is "json decision is allow" "$(echo "$out" | json_field decision)" allow
t_is "json reason is ok" "$(echo "$out" | json_field reason)" ok
t_is "json commit is the tip" "$(echo "$out" | json_field commit)" "$c3"
t_is "json tree is the tip's tree" "$(echo "$out" | json_field tree)" \
	"$(git -C "$repo" rev-parse "$c3^{tree}")"
t_is "json signer principal" "$(echo "$out" | json_field principal)" alice@example.org
t_is "json signer key is the ssh fingerprint" "$(echo "$out" | json_field key)" \
	"$(ssh-keygen -lf "$keys/alice.pub" | cut -d' ' -f2)"
t_like "json is one object on one line" "$(echo "$out" | wc -l | tr -d ' ')" '^1$'
t_ok "git verify-commit agrees (tip)" git -C "$repo" verify-commit "$c3"
t_exit "a pinned older commit on the line is allowed" 0 verify pinned --commit "$c2"
t_exit "chain mode after the first commit is allowed" 0 verify chain --mode chain --anchor "$c1"
t_like "chain mode checked two commits" "$(verify chain2 --mode chain --anchor "$c1" --json)" \
	'"checked":2'
t_exit "warm re-check of an unchanged tip is allowed" 0 verify chain --mode chain --anchor "$c1"
t_like "warm re-check verifies only the tip" "$(verify chain --mode chain --anchor "$c1" --json)" \
	'"checked":1'

# ecdsa signer, listed without namespaces restriction
git -C "$repo" config user.signingkey "$keys/bob"
c4=$(commit "fourth by bob" -S)
t_exit "ecdsa-signed tip is allowed" 0 verify bob --json
t_like "signer is bob" "$(t_out)" '"principal":"bob@example.org"'
t_ok "git verify-commit agrees (ecdsa)" git -C "$repo" verify-commit "$c4"
git -C "$repo" config user.signingkey "$keys/alice"

# --- forged twins -------------------------------------------------------------
point_main() { git -C "$repo" update-ref refs/heads/main "$1"; }
forge() { # TRANSFORM-COMMAND...: rewrites the raw object of $c4, prints the new id
	git -C "$repo" cat-file commit "$c4" | "$@" | git -C "$repo" hash-object -t commit -w --stdin --literally
}
refused() { # DESC REASON STATE-NAME [options]: refused with that reason and exit 1
	r_desc=$1; r_want=$2; r_state=$3
	shift 3
	t_exit "$r_desc: refused" 1 verify "$r_state" --json "$@"
	t_is "$r_desc: reason $r_want" "$(t_out | json_field reason)" "$r_want"
}
git_refuses() { t_fails "git verify-commit refuses too: $1" git -C "$repo" verify-commit "$2"; }

f=$(forge sed 's/^fourth by bob$/fourth by bob, edited/')
point_main "$f"
refused "edited message" bad_signature edited
git_refuses "edited message" "$f"

f=$(forge sh -c 'cat; printf "\000"')
point_main "$f"
refused "appended NUL" bad_signature nul
git_refuses "appended NUL" "$f"

f=$(forge awk '
	/^gpgsig / { insig = 1; sig = substr($0, 8) "\n"; next }
	insig && /^ / { sig = sig substr($0, 2) "\n"; next }
	{ insig = 0; print }
	END { printf "gpgsig %s", sig }')
point_main "$f"
refused "signature moved into the message" unsigned moved
git_refuses "signature moved into the message" "$f"

f=$(forge awk '
	/^gpgsig / { insig = 1; sig = $0 "\n"; print; next }
	insig && /^ / { sig = sig $0 "\n"; print; next }
	insig { insig = 0; printf "%s", sig }
	{ print }')
point_main "$f"
refused "two signature headers" malformed_object twosigs

# corrupted base64: one character of the second signature line replaced
f=$(git -C "$repo" cat-file commit "$c4" | awk '
	/^gpgsig / { insig = 1; print; next }
	insig && /^ / { n++; if (n == 2) { $0 = substr($0, 1, 9) "*" substr($0, 11) } print; next }
	{ insig = 0; print }' | git -C "$repo" hash-object -t commit -w --stdin --literally)
point_main "$f"
refused "corrupted base64" bad_signature corrupt
git_refuses "corrupted base64" "$f"

f=$(git -C "$repo" cat-file commit "$c4" | awk '
	/^gpgsig / { insig = 1; print; next }
	insig && /^ / { n++; if (n == 2 || n == 3) next; print; next }
	{ insig = 0; print }' | git -C "$repo" hash-object -t commit -w --stdin --literally)
point_main "$f"
refused "truncated signature" bad_signature truncated
git_refuses "truncated signature" "$f"

# wrong namespace: the same payload signed with -n file
payload="$T_TMP/payload"
git -C "$repo" cat-file commit "$c3" | awk '
	/^gpgsig / { insig = 1; next }
	insig && /^ / { next }
	{ insig = 0; print }' >"$payload"
ssh-keygen -q -Y sign -n file -f "$keys/alice" "$payload" 2>/dev/null
f=$( { sed -n '1,/^committer /p' "$payload"
	printf 'gpgsig %s\n' "$(head -1 "$payload.sig")"
	tail -n +2 "$payload.sig" | sed 's/^/ /'
	sed -n '/^committer /,$p' "$payload" | tail -n +2; } |
	git -C "$repo" hash-object -t commit -w --stdin --literally)
point_main "$f"
refused "wrong namespace (signed with -n file)" wrong_namespace namespace
git_refuses "wrong namespace" "$f"

point_main "$c4"
git -C "$repo" config user.signingkey "$keys/mallory"
f=$(commit "by mallory" -S)
refused "unknown key" unknown_key mallory
git_refuses "unknown key" "$f"
git -C "$repo" config user.signingkey "$keys/alice"

point_main "$c4"
git -C "$repo" checkout -q -f main
f=$(commit "unsigned")
refused "unsigned tip" unsigned unsigned
git_refuses "unsigned tip" "$f"

expired="$T_TMP/allowed_signers.expired"
printf 'alice@example.org valid-before="20200101" %s\n' "$(cut -d' ' -f1,2 "$keys/alice.pub")" >"$expired"
point_main "$c3"
t_exit "key outside valid-before: refused" 1 "$MAINLINE" verify --source "$repo" \
	--allowed-signers "$expired" --state "$T_TMP/state-expired" --json
t_is "key outside valid-before: reason key_expired" "$(t_out | json_field reason)" key_expired
t_fails "git verify-commit refuses too: valid-before" \
	git -C "$repo" -c gpg.ssh.allowedSignersFile="$expired" verify-commit "$c3"

nsfile="$T_TMP/allowed_signers.ns"
printf 'alice@example.org namespaces="file" %s\n' "$(cut -d' ' -f1,2 "$keys/alice.pub")" >"$nsfile"
t_exit "signer restricted to another namespace: refused" 1 "$MAINLINE" verify --source "$repo" \
	--allowed-signers "$nsfile" --state "$T_TMP/state-ns" --json
t_is "signer restricted to another namespace: reason" "$(t_out | json_field reason)" wrong_namespace

# side branch merged into main: its commits are not on the first-parent line
point_main "$c4"
git -C "$repo" checkout -q -f main
git -C "$repo" checkout -q -b side
side=$(commit "side work" -S)
git -C "$repo" checkout -q main
git -C "$repo" merge -q --no-ff -S -m "merge side" side
merge=$(git -C "$repo" rev-parse HEAD)
t_exit "signed merge tip is allowed" 0 verify merge
refused "commit from a merged side branch" not_on_branch side --commit "$side"
refused "commit only on another branch" not_on_branch other --commit "$side" --branch main

# anchor and rollback
refused "target before the anchor" before_anchor anchor --commit "$c2" --anchor "$c3"
t_exit "rollback: verify the newest tip first" 0 verify rollback
point_main "$c4"
refused "main force-pushed back to an older signed commit" rollback rollback
point_main "$merge"
t_exit "rollback: the verified line is accepted again" 0 verify rollback

# chain mode refuses an unsigned commit in the middle and names it
git -C "$repo" checkout -q -f main
mid=$(commit "unsigned middle")
top=$(commit "signed top" -S)
t_exit "chain with an unsigned commit inside: refused" 1 verify chain3 --mode chain --anchor "$c1" --json
t_is "chain: reason unsigned" "$(t_out | json_field reason)" unsigned
t_is "chain: names the unsigned commit" "$(t_out | json_field failed_commit)" "$mid"
t_exit "tip mode accepts the signed top" 0 verify tipmode --anchor "$c1"

# a policy file is a ceiling: options may narrow it, never widen it
printf '{"source":"%s","allowed_signers":"%s","mode":"chain","anchor":"%s"}\n' \
	"$repo" "$signers" "$c1" >"$T_TMP/policy.json"
git -C "$repo" update-ref refs/heads/main "$c4"
t_exit "policy alone supplies source, roots, mode and anchor" 0 \
	"$MAINLINE" verify --source "$repo" --policy "$T_TMP/policy.json" --state "$T_TMP/st-p1" --json
t_like "policy: chain mode checked every commit after its anchor" "$(t_out)" '"checked":3'
t_exit "policy: tip mode would widen chain: refused" 1 \
	"$MAINLINE" verify --source "$repo" --policy "$T_TMP/policy.json" --mode tip --state "$T_TMP/st-p2" --json
t_is "policy: reason policy_widened" "$(t_out | json_field reason)" policy_widened
t_exit "policy: another source: refused" 1 \
	"$MAINLINE" verify --source "$T_TMP/elsewhere" --policy "$T_TMP/policy.json" --state "$T_TMP/st-p3" --json
t_is "policy: another source: reason policy_widened" "$(t_out | json_field reason)" policy_widened
t_exit "policy: an extra signer: refused" 1 \
	"$MAINLINE" verify --source "$repo" --policy "$T_TMP/policy.json" --allowed-signers "$expired" --state "$T_TMP/st-p4" --json
t_is "policy: an extra signer: reason policy_widened" "$(t_out | json_field reason)" policy_widened
t_exit "policy: a missing policy file is an error" 2 \
	"$MAINLINE" verify --source "$repo" --policy "$T_TMP/nope.json" --allowed-signers "$signers" --state "$T_TMP/st-p5"

# annotated tags: the commit must verify, and a signed tag must verify too
git -C "$repo" update-ref refs/heads/main "$top"
git -C "$repo" tag -s -m "release 1" v1 "$top"
git -C "$repo" tag -a -m "unsigned release" v1-unsigned "$top"
git -C "$repo" -c user.signingkey="$keys/mallory" tag -s -m "forged release" v1-forged "$top"
git -C "$repo" tag -s -m "side release" v1-side "$side"
t_exit "signed tag of a signed main commit: allowed" 0 verify tags --commit refs/tags/v1
t_ok "git verify-tag agrees" git -C "$repo" verify-tag v1
t_exit "unsigned annotated tag of a signed main commit: allowed" 0 verify tags --commit refs/tags/v1-unsigned
refused "tag signed by an unknown key" unknown_key tags --commit refs/tags/v1-forged
t_is "names the tag object" "$(t_out | json_field failed_commit)" "$(git -C "$repo" rev-parse v1-forged)"
t_fails "git verify-tag refuses too" git -C "$repo" verify-tag v1-forged
refused "signed tag of a side-branch commit" not_on_branch tags --commit refs/tags/v1-side

# usage and configuration errors exit 2
t_exit "missing --source is a usage error" 2 "$MAINLINE" verify --allowed-signers "$signers"
t_exit "no trust roots is a configuration error" 2 "$MAINLINE" verify --source "$repo" --state "$T_TMP/s"
t_exit "unknown option is a usage error" 2 "$MAINLINE" verify --source "$repo" --bogus
t_exit "unknown mode is a usage error" 2 verify m --mode sideways
t_exit "missing source repository is an error" 2 "$MAINLINE" verify --source "$T_TMP/nope" \
	--allowed-signers "$signers" --state "$T_TMP/s"
t_like "... which says so, not 'refused'" "$(t_out)" '^mainline: error \(fetch_failed\): '
t_exit "exit code 2 with --json" 2 "$MAINLINE" verify --source "$T_TMP/nope" \
	--allowed-signers "$signers" --state "$T_TMP/s" --json
t_is "... decision error, as the audit record says it" "$(t_out | json_field decision)" error
t_is "... with the reason" "$(t_out | json_field reason)" fetch_failed
t_exit "a configuration error with --json" 2 verify cfg --json --mode chain --anchor nothex
t_is "... decision error" "$(t_out | json_field decision)" error
printf 'mallory@example.org %s\n' "$(cut -d' ' -f1,2 "$keys/mallory.pub")" >"$T_TMP/mallory-only"
t_exit "a refusal with --json stays exit 1" 1 "$MAINLINE" verify --source "$repo" \
	--allowed-signers "$T_TMP/mallory-only" --state "$T_TMP/s-refusal" --json
t_is "... decision refuse" "$(t_out | json_field decision)" refuse
t_done
