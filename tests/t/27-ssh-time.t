#!/bin/sh
# The time of an SSH signature: SSH signatures carry none, so allowed_signers' valid-after /
# valid-before are judged at the committer (tagger) time, as git does, and that time must not
# lie in the future beyond max_skew (default 5 minutes). A key that is not valid yet cannot
# sign by post-dating a commit. git verify-commit has no such clock check: where it accepts a
# post-dated commit, the test says that mainline deliberately refuses.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen date

keys="$T_TMP/keys"
mkdir -p "$keys"
ssh-keygen -q -t ed25519 -N '' -C alice -f "$keys/alice" || exit 1
now=$(date +%s)
stamp() { date -u -d "@$1" +%Y%m%d%H%M%SZ; } # Unix seconds -> allowed_signers time
signers_with() { # FILE OPTIONS: alice with these options
	printf 'alice@example.org %s%s\n' "$2" "$(cut -d' ' -f1,2 "$keys/alice.pub")" >"$1"
}
day=86400
future="$T_TMP/signers.future"        # alice only from tomorrow on
signers_with "$future" "valid-after=\"$(stamp $((now + day)))\" "
soon="$T_TMP/signers.soon"            # alice from one minute from now on
signers_with "$soon" "valid-after=\"$(stamp $((now + 60)))\" "
always="$T_TMP/signers.always"
signers_with "$always" ""
past="$T_TMP/signers.past"            # alice until yesterday
signers_with "$past" "valid-before=\"$(stamp $((now - day)))\" "

repo="$T_TMP/pipelines"
git init -q "$repo"
git -C "$repo" config gpg.format ssh
git -C "$repo" config user.signingkey "$keys/alice"
commit() { # UNIX-TIME MESSAGE: a commit by alice, committed (and authored) at that time
	echo "$2" >>"$repo/pipeline.sh"
	git -C "$repo" add pipeline.sh
	GIT_COMMITTER_DATE="@$1 +0000" GIT_AUTHOR_DATE="@$1 +0000" \
		git -C "$repo" commit -q -S -m "$2"
	git -C "$repo" rev-parse HEAD
}
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }
verify() { # ID SIGNERS [options]: mainline verify of main pointed at ID
	v_id=$1 v_signers=$2
	shift 2
	git -C "$repo" update-ref refs/heads/main "$v_id"
	"$MAINLINE" verify --source "$repo" --allowed-signers "$v_signers" \
		--state "$T_TMP/st-$v_id-$(basename "$v_signers")" --json "$@"
}
git_says() { git -C "$repo" -c gpg.ssh.allowedSignersFile="$2" verify-commit "$1"; } # ID SIGNERS

# a key valid from tomorrow, a commit dated now: both refuse
base=$(commit "$now" "dated now")
t_fails "key valid from tomorrow, commit dated now: git verify-commit refuses" git_says "$base" "$future"
t_exit "... mainline refuses" 1 verify "$base" "$future"
t_is "... as key_expired (outside the key's window)" "$(t_out | json_field reason)" key_expired
t_exit "the same commit with the key always valid: allowed" 0 verify "$base" "$always"

# the same key, the commit post-dated into its window
late=$(commit $((now + 2 * day)) "post-dated two days")
t_ok "post-dated into the window: git verify-commit accepts (no clock check)" \
	git_says "$late" "$future"
t_exit "... mainline deliberately refuses" 1 verify "$late" "$future"
t_is "... as bad_time" "$(t_out | json_field reason)" bad_time
t_like "... naming the date and the skew" "$(t_out | json_field message)" \
	"dated $((now + 2 * day)), [0-9]+ s ahead of this machine's clock \\(max_skew 300 s\\)"
t_is "... and the commit" "$(t_out | json_field failed_commit)" "$late"
t_exit "a post-dated commit is refused whatever the key's window" 1 verify "$late" "$always"
t_is "... as bad_time" "$(t_out | json_field reason)" bad_time

# within the skew: a key valid from one minute from now, a commit dated two minutes ahead
near=$(commit $((now + 120)) "two minutes ahead")
t_ok "two minutes ahead, key valid from one minute ahead: git accepts" git_says "$near" "$soon"
t_exit "... mainline accepts too (within max_skew)" 0 verify "$near" "$soon"
t_is "... signed by alice" "$(t_out | json_field principal)" alice@example.org
t_exit "... but not dated before the key's window" 1 verify "$base" "$soon"
t_is "... key_expired" "$(t_out | json_field reason)" key_expired

# just beyond the default skew; a policy's shorter max_skew narrows it further
edge=$(commit $((now + 400)) "six and a half minutes ahead")
t_ok "400 s ahead: git accepts" git_says "$edge" "$always"
t_exit "... mainline refuses (beyond 300 s)" 1 verify "$edge" "$always"
t_is "... as bad_time" "$(t_out | json_field reason)" bad_time
printf '{"max_skew":"1m"}\n' >"$T_TMP/policy.json"
t_exit "120 s ahead under a policy with max_skew 1m: refused" 1 \
	verify "$near" "$always" --policy "$T_TMP/policy.json"
t_is "... as bad_time" "$(t_out | json_field reason)" bad_time

# chain mode: the post-dated commit below an ordinary tip breaks the chain
git -C "$repo" update-ref refs/heads/main "$late"
git -C "$repo" checkout -q -f main
top=$(commit "$now" "dated now, on top of the post-dated one")
t_ok "git accepts the tip" git_says "$top" "$always"
t_exit "chain mode over the post-dated commit: refused" 1 \
	verify "$top" "$always" --mode chain --anchor "$base"
t_is "... as bad_time" "$(t_out | json_field reason)" bad_time
t_is "... naming the post-dated commit" "$(t_out | json_field failed_commit)" "$late"

# a signed tag dated in the future, of a commit that verifies
git -C "$repo" update-ref refs/heads/main "$base"
GIT_COMMITTER_DATE="@$((now + 2 * day)) +0000" git -C "$repo" tag -s -m "future release" v-future "$base"
t_ok "post-dated tag: git verify-tag accepts" \
	git -C "$repo" -c gpg.ssh.allowedSignersFile="$future" verify-tag v-future
t_exit "... mainline refuses it" 1 verify "$base" "$always" --commit refs/tags/v-future
t_is "... as bad_time" "$(t_out | json_field reason)" bad_time

# what the clock cannot stop: back-dating into a window that has closed (documented)
old=$(commit $((now - 2 * day)) "back-dated two days")
t_ok "back-dated into a closed window: git accepts" git_says "$old" "$past"
t_exit "... and so does mainline: the committer time is the signer's claim" 0 verify "$old" "$past"
t_exit "the same key signing at an honest date is refused" 1 verify "$top" "$past"
t_is "... as key_expired" "$(t_out | json_field reason)" key_expired
t_done
