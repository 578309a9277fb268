#!/bin/sh
# A damaged cache is detected as such, not reported as malformed_object forever: a truncated
# or damaged pack, a broken ref, a ref to a missing object, a lost pack are moved aside
# (kept for inspection, the newest two), fetched afresh and verified as usual, and the log
# and the audit record say so. A malformed object served by the remote is still a refusal,
# and a damaged local source is read, never moved. git is asked about each damage too. A
# corrupt verified cache is moved aside too (it only saves work); a corrupt floor is refused.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen python3

ssh-keygen -q -t ed25519 -N '' -C release -f "$T_TMP/key"
signers=$(printf 'release@example.org %s' "$(cut -d' ' -f1,2 "$T_TMP/key.pub")")
srv="$T_TMP/srv"
repo="$srv/pipelines"
git init -q "$repo"
git -C "$repo" config gpg.format ssh
git -C "$repo" config user.signingkey "$T_TMP/key"
mkdir -p "$repo/ci"
for i in 1 2 3 4 5 6 7 8; do
	seq 1 $((i * 300)) >"$repo/ci/data$i"
	echo "echo step $i" >>"$repo/ci/run.sh"
	git -C "$repo" add ci
	git -C "$repo" commit -q -S -m "step $i"
done
git -C "$repo" gc -q
tip=$(git -C "$repo" rev-parse HEAD)
t_start_git_daemon "$srv"
url="git://127.0.0.1:$git_port/pipelines"

plugin() { # [VAR=VALUE...]: a dry run with an audit file
	env -i PATH="$PATH" HOME="$HOME" PLUGIN_SOURCE="$url" PLUGIN_ALLOWED_SIGNERS="$signers" \
		PLUGIN_DRY_RUN=true PLUGIN_CACHE="$T_TMP/cache" PLUGIN_AUDIT_FILE="$T_TMP/audit.jsonl" \
		DRONE_BUILD_EVENT=push DRONE_COMMIT_REF=refs/heads/main DRONE_COMMIT_BRANCH=main \
		DRONE_COMMIT_SHA=0123456789abcdef0123456789abcdef01234567 DRONE_REPO=acme/app \
		DRONE_BUILD_NUMBER=7 DRONE_STEP_NAME=release "$@" "$MAINLINE"
}
record() { t_audit_field "$T_TMP/audit.jsonl" "$@"; }
dir="$T_TMP/cache/$(printf %s "$url" | sha256sum | cut -c1-32)"
git_dir="$dir/git"
pack() { ls "$git_dir"/objects/pack/pack-*.pack; }
copies() { ls -d "$dir"/git.corrupt-* 2>/dev/null | wc -l | tr -d ' '; }
# where object ID starts in the cache's pack, and its length there
entry() { git --git-dir="$git_dir" verify-pack -v "$(pack)" | awk -v id="$1" '$1 == id { print $5, $4 }'; }
overwrite() { # FILE OFFSET COUNT: COUNT bytes of FILE from OFFSET become 0xff
	chmod u+w "$1"
	python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); f.write(b"\xff" * int(sys.argv[3]))' "$@"
}

t_exit "the first run fetches and verifies" 0 plugin
t_is "... no recovery recorded" "$(record cache_recovery)" null
cp -a "$dir" "$T_TMP/pristine"
restore() { rm -rf "$dir" && cp -a "$T_TMP/pristine" "$dir"; }

recovered() { # DESC WHY-PATTERN: the run after the damage was done
	t_exit "$1: allowed" 0 plugin
	t_like "$1: the log says the cache was damaged and moved aside" "$(t_out)" \
		"mainline: warning: cache '$git_dir' was damaged \($2.*\): moved aside to '$dir/git.corrupt-[0-9]{8}T[0-9]{6}Z[-0-9]*', fetching afresh"
	t_is "$1: the record says so" "$(record decision) $(record reason)" "allow ok"
	t_like "$1: ... in cache_recovery" "$(record cache_recovery)" "was damaged \($2"
	echo "# $(record cache_recovery)"
	t_is "$1: the commit verified is the tip" "$(record commit)" "$tip"
	t_ok "$1: git agrees the new cache is whole" git --git-dir="$git_dir" fsck --no-dangling
	t_exit "$1: the next run needs no recovery" 0 plugin
	t_is "$1: ... and records none" "$(record cache_recovery)" null
}

# --- a truncated pack ----------------------------------------------------------------------
restore
p=$(pack)
chmod u+w "$p"
truncate -s -100 "$p"
size=$(wc -c <"$p")
t_fails "truncated pack: git verify-pack refuses it" git --git-dir="$git_dir" verify-pack "$p"
recovered "truncated pack" "pack '[^']*' is damaged"
kept=$(ls -d "$dir"/git.corrupt-*)
t_is "truncated pack: the damaged cache is kept for inspection" \
	"$(wc -c <"$kept/objects/pack/$(basename "$p")")" "$size"

# --- a damaged pack: bytes of an object overwritten ------------------------------------------
restore
set -- $(entry "$(git -C "$repo" rev-parse HEAD:ci/data8)")
overwrite "$(pack)" $(($1 + 4)) 24
t_fails "damaged blob: git cannot read it" git --git-dir="$git_dir" cat-file -p HEAD:ci/data8
t_fails "... git fsck finds the damage" git --git-dir="$git_dir" fsck --no-dangling
# (the object named may be one stored as a delta of it)
recovered "damaged blob of the verified tree" "cannot read object '[0-9a-f]{40}'"

# the same in chain mode on two threads, where the tree is read while the pool still checks
# the other signatures: the damage still shows, and the run recovers
restore
set -- $(entry "$(git -C "$repo" rev-parse HEAD:ci/data8)")
overwrite "$(pack)" $(($1 + 4)) 24
t_exit "damaged blob, chain on two threads: allowed" 0 \
	plugin PLUGIN_MODE=chain MAINLINE_VERIFY_WORKERS=2
t_like "... the cache was damaged and moved aside" "$(t_out)" \
	"cache '$git_dir' was damaged \(cannot read object '[0-9a-f]{40}'.*fetching afresh"
t_is "... the record says so" "$(record decision) $(record reason) $(record commit)" "allow ok $tip"
t_ok "... git agrees the new cache is whole" git --git-dir="$git_dir" fsck --no-dangling

restore
set -- $(entry "$tip")
overwrite "$(pack)" $(($1 + 4)) 24
t_fails "damaged commit: git cannot read it" git --git-dir="$git_dir" cat-file -p "$tip"
recovered "damaged tip commit" ".*$tip"

# the server has moved on: negotiating the fetch reads the damaged commit, and fails
restore
set -- $(entry "$tip")
overwrite "$(pack)" $(($1 + 4)) 24
old_tip=$tip
git -C "$repo" commit -q -S --allow-empty -m "moved on"
tip=$(git -C "$repo" rev-parse HEAD)
recovered "damaged commit, the fetch fails on it" "pack '[^']*' is damaged at object '$old_tip'"
# the server keeps its new tip (going back would be a rollback): a new pristine cache
rm -rf "$dir"/git.corrupt-* "$T_TMP/pristine"
cp -a "$dir" "$T_TMP/pristine"

# --- broken and dangling references, a lost pack ----------------------------------------------
restore
echo "not a reference" >"$git_dir/refs/mainline/heads/main"
t_fails "broken ref: git cannot read it" git --git-dir="$git_dir" rev-parse --verify -q refs/mainline/heads/main
recovered "broken ref" "cannot read reference 'refs/mainline/heads/main'"

restore
echo 0123456789012345678901234567890123456789 >"$git_dir/refs/mainline/heads/main"
t_fails "ref to a missing object: git finds it missing" \
	git --git-dir="$git_dir" cat-file -e refs/mainline/heads/main
recovered "ref to a missing object" \
	"reference 'refs/mainline/heads/main' names object '0123456789012345678901234567890123456789', which cannot be read"

restore
rm -f "$git_dir"/objects/pack/pack-*
recovered "lost pack" "reference 'refs/mainline/heads/main' names object '$tip', which cannot be read"

# --- what a killed fetch leaves is no damage ------------------------------------------------
restore
touch "$git_dir/refs/mainline/heads/main.lock" "$git_dir/packed-refs.lock"
t_exit "stale lock files of a killed fetch: allowed" 0 plugin
t_is "... without a recovery" "$(record cache_recovery)" null
t_fails "... and they are gone" ls "$git_dir/refs/mainline/heads/main.lock" "$git_dir/packed-refs.lock"

# --- copies kept: the newest two -----------------------------------------------------------
restore
for i in 1 2 3; do
	echo "broken $i" >"$git_dir/refs/mainline/heads/main"
	plugin >"$T_TMP/round.log" 2>&1
	grep -o "moved aside to '[^']*'" "$T_TMP/round.log" | cut -d"'" -f2 >>"$T_TMP/moved"
done
t_is "three recoveries keep two damaged copies" "$(copies)" 2
t_fails "... not the oldest" test -e "$(sed -n 1p "$T_TMP/moved")"
t_ok "... the newest two" test -d "$(sed -n 2p "$T_TMP/moved")" -a -d "$(sed -n 3p "$T_TMP/moved")"

# --- a corrupt verified cache: moved aside; a corrupt floor: refused ----------------------
restore
rm -rf "$dir"/git.corrupt-*
t_exit "verified cache: a chain run fills it" 0 plugin PLUGIN_MODE=chain
vc=$(ls "$T_TMP"/cache/state/*/verified-* | grep -v '\.corrupt$' | head -n 1)
t_like "... one line per commit" "$(head -n 1 "$vc")" "^[0-9a-f]{40} [0-9a-f]{40}|- [123]$"
printf 'garbage\n' >>"$vc"
lines=$(wc -l <"$vc")
t_exit "corrupt verified cache: allowed" 0 plugin PLUGIN_MODE=chain
t_like "... the log says it was moved aside" "$(t_out)" \
	"mainline: warning: verified cache '$vc' was corrupt at line $lines: moved aside to '$vc.corrupt', verifying afresh"
t_like "... the record says so in cache_recovery" "$(record cache_recovery)" "verified cache .* was corrupt at line $lines"
t_is "... the whole chain was checked again" "$(record checked)" 9
t_is "... the copy is kept" "$(tail -n 1 "$vc.corrupt")" garbage
t_exit "... the next run needs no recovery" 0 plugin PLUGIN_MODE=chain
t_is "... and records none" "$(record cache_recovery)" null
t_is "... and answers from the new cache" "$(record checked)" 1
floor=$(ls "$T_TMP"/cache/state/*/floor)
echo "$tip" | tr a-f A-F >"$floor"
t_exit "corrupt floor: refused" 1 plugin PLUGIN_MODE=chain
t_like "... as malformed_object naming the file" "$(t_out)" "rollback state '$floor' is corrupt"
t_ok "... the floor is not moved aside" test -f "$floor"
rm -f "$floor"
rm -f "$vc.corrupt"

# --- a malformed object from the server is still a refusal -------------------------------------
restore
rm -rf "$dir"/git.corrupt-*
forged=$(printf 'tree %s\nparent %s\nauthor nobody\ncommitter Alice <alice@example.org> 1700000000 +0000\n\nforged\n' \
	"$(git -C "$repo" rev-parse HEAD^{tree})" "$tip" |
	git -C "$repo" hash-object -t commit -w --literally --stdin)
git -C "$repo" update-ref refs/heads/main "$forged"
t_fails "forged commit: git fsck on the server finds it malformed" git -C "$repo" fsck --no-dangling
for run in first second; do
	t_exit "forged commit from the server ($run run): refused" 1 plugin
	t_like "... as malformed_object" "$(t_out)" "refused: malformed_object: commit '$forged' is malformed"
	t_is "... the cache is not moved aside" "$(copies)" 0
	t_is "... the record has no recovery" "$(record cache_recovery)" null
done
git -C "$repo" update-ref refs/heads/main "$tip"

# --- a damaged local source is read, never moved -------------------------------------------
local_src="$T_TMP/local.git"
git clone -q --bare --no-local "$repo" "$local_src"
t_exit "local source: the first run fetches" 0 plugin PLUGIN_SOURCE="$local_src"
ldir="$T_TMP/cache/$(printf %s "$local_src" | sha256sum | cut -c1-32)"
work="$T_TMP/local-work"
git clone -q "$local_src" "$work"
git -C "$work" config gpg.format ssh
git -C "$work" config user.signingkey "$T_TMP/key"
echo "echo more" >>"$work/ci/run.sh"
git -C "$work" commit -q -S -a -m "more"
git -C "$work" push -q origin main
# the new commit's objects in a pack of their own, then that pack truncated
git -C "$local_src" repack -q -d
newpack=$(ls -t "$local_src"/objects/pack/pack-*.pack | head -n 1)
chmod u+w "$newpack"
truncate -s -60 "$newpack"
before=$(cd "$local_src" && find . -type f | sort | xargs sha256sum | sha256sum)
t_exit "damaged local source: refused" 2 plugin PLUGIN_SOURCE="$local_src"
t_like "... the fetch failed" "$(record reason)" fetch_failed
t_is "... the source is untouched" "$(cd "$local_src" && find . -type f | sort | xargs sha256sum | sha256sum)" "$before"
t_is "... nothing moved aside in the cache" "$(ls -d "$ldir"/git.corrupt-* 2>/dev/null | wc -l | tr -d ' ')" 0
t_is "... no recovery recorded" "$(record cache_recovery)" null

t_done
