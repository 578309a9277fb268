#!/bin/sh
# Under a policy with mode chain and an anchor, the chain covers every first-parent commit
# after the policy's anchor whatever anchor a setting names: a later setting anchor cannot move
# the start of the chain past an unsigned commit, it only adds a floor. Verified results are
# cached, so naming a later anchor over a verified chain costs one signature check.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen

keys="$T_TMP/keys"
mkdir -p "$keys"
ssh-keygen -q -t ed25519 -N '' -C alice -f "$keys/alice" || exit 1
signers="$T_TMP/allowed_signers"
printf 'alice@example.org %s\n' "$(cut -d' ' -f1,2 "$keys/alice.pub")" >"$signers"

new_repo() { # DIR
	git init -q "$1"
	git -C "$1" config gpg.format ssh
	git -C "$1" config gpg.ssh.allowedSignersFile "$signers"
	git -C "$1" config user.signingkey "$keys/alice"
}
commit() { # DIR MESSAGE [git commit options]
	c_dir=$1 c_msg=$2
	shift 2
	echo "$c_msg" >>"$c_dir/pipeline.sh"
	git -C "$c_dir" add pipeline.sh
	git -C "$c_dir" commit -q -m "$c_msg" "$@"
	git -C "$c_dir" rev-parse HEAD
}
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }
json_number() { sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p"; }
policy() { # FILE REPO MODE ANCHOR: a policy file (mode and anchor may be "-")
	{
		printf '{"source":"%s","allowed_signers":"%s"' "$2" "$signers"
		[ "$3" = - ] || printf ',"mode":"%s"' "$3"
		[ "$4" = - ] || printf ',"anchor":"%s"' "$4"
		printf '}\n'
	} >"$1"
}
run() { # STATE REPO [options]: mainline verify --json
	r_state=$1 r_repo=$2
	shift 2
	"$MAINLINE" verify --source "$r_repo" --state "$T_TMP/state-$r_state" --json "$@"
}

# history A: an unsigned commit between the policy's anchor and a later one
ra="$T_TMP/unsigned-middle"
new_repo "$ra"
a1=$(commit "$ra" "policy anchor" -S)
a2=$(commit "$ra" "unsigned")
a3=$(commit "$ra" "later anchor" -S)
a4=$(commit "$ra" "signed" -S)
a5=$(commit "$ra" "signed tip" -S)
policy "$T_TMP/policy-a.json" "$ra" chain "$a1"

t_exit "policy chain from its anchor: the unsigned commit is refused" 1 \
	run a0 "$ra" --policy "$T_TMP/policy-a.json"
t_is "... as unsigned" "$(t_out | json_field reason)" unsigned
t_exit "a setting anchor after the unsigned commit: still refused" 1 \
	run a1 "$ra" --policy "$T_TMP/policy-a.json" --anchor "$a3"
t_is "... as unsigned" "$(t_out | json_field reason)" unsigned
t_is "... naming the unsigned commit" "$(t_out | json_field failed_commit)" "$a2"
t_exit "... and again with mode chain named by the setting too" 1 \
	run a2 "$ra" --policy "$T_TMP/policy-a.json" --mode chain --anchor "$a3"
t_is "... the same commit" "$(t_out | json_field failed_commit)" "$a2"
t_exit "without the policy, the same options choose their own chain start" 0 \
	run a3 "$ra" --allowed-signers "$signers" --mode chain --anchor "$a3"
t_is "... checking the two commits after it" "$(t_out | json_number checked)" 2

# an anchor the target does not descend from is refused as before
git -C "$ra" checkout -q -b side "$a4"
side=$(commit "$ra" "side" -S)
git -C "$ra" checkout -q main
t_exit "a setting anchor off the first-parent line: refused" 1 \
	run a4 "$ra" --policy "$T_TMP/policy-a.json" --anchor "$side"
t_is "... as before_anchor" "$(t_out | json_field reason)" before_anchor

# under a policy whose chain starts after the unsigned commit, an earlier setting anchor does
# not pull the chain down to it: the policy's anchor stays the start
policy "$T_TMP/policy-a3.json" "$ra" chain "$a3"
t_exit "policy chain after the unsigned commit, setting anchor before it: allowed" 0 \
	run a5 "$ra" --policy "$T_TMP/policy-a3.json" --anchor "$a1"
t_is "... the chain is the policy's (two commits after its anchor)" "$(t_out | json_number checked)" 2

# a tip policy's anchor is a floor; a setting may choose a chain after a later anchor
policy "$T_TMP/policy-tip.json" "$ra" tip "$a1"
t_exit "tip policy, setting chain after a later anchor: allowed" 0 \
	run a6 "$ra" --policy "$T_TMP/policy-tip.json" --mode chain --anchor "$a3"
t_is "... the setting's chain (two commits)" "$(t_out | json_number checked)" 2
policy "$T_TMP/policy-tip3.json" "$ra" tip "$a3"
t_exit "tip policy: an earlier setting anchor does not lower the policy's floor" 1 \
	run a7 "$ra" --policy "$T_TMP/policy-tip3.json" --anchor "$a1" --commit "$a2"
t_is "... before_anchor" "$(t_out | json_field reason)" before_anchor
t_like "... naming the policy's anchor" "$(t_out | json_field message)" "from anchor '$a3'"

# history B: the same shape, fully signed
rb="$T_TMP/signed"
new_repo "$rb"
b1=$(commit "$rb" "policy anchor" -S)
b2=$(commit "$rb" "signed middle" -S)
b3=$(commit "$rb" "later anchor" -S)
b4=$(commit "$rb" "signed" -S)
b5=$(commit "$rb" "signed tip" -S)
policy "$T_TMP/policy-b.json" "$rb" chain "$b1"

t_exit "fully signed: a setting anchor after the policy's is allowed" 0 \
	run b "$rb" --policy "$T_TMP/policy-b.json" --anchor "$b3"
t_is "... first run checks every commit after the policy's anchor" \
	"$(t_out | json_number checked)" 4
t_exit "second run: allowed" 0 run b "$rb" --policy "$T_TMP/policy-b.json" --anchor "$b3"
t_is "... checks only the tip (the chain is cached)" "$(t_out | json_number checked)" 1

t_exit "a run under the policy alone" 0 run b2 "$rb" --policy "$T_TMP/policy-b.json"
t_is "... checks the four commits" "$(t_out | json_number checked)" 4
t_exit "then naming the later anchor: allowed" 0 \
	run b2 "$rb" --policy "$T_TMP/policy-b.json" --anchor "$b3"
t_is "... for one signature check" "$(t_out | json_number checked)" 1
b6=$(commit "$rb" "new tip" -S)
t_exit "a new signed tip with the later anchor: allowed" 0 \
	run b2 "$rb" --policy "$T_TMP/policy-b.json" --anchor "$b3"
t_is "... checks only the new tip" "$(t_out | json_number checked)" 1
t_is "... which is the new tip" "$(t_out | json_field commit)" "$b6"
b7=$(commit "$rb" "unsigned new tip")
t_exit "an unsigned new tip: refused" 1 run b2 "$rb" --policy "$T_TMP/policy-b.json" --anchor "$b3"
t_is "... as unsigned" "$(t_out | json_field reason)" unsigned
t_is "... naming it" "$(t_out | json_field failed_commit)" "$b7"
t_done
