#!/bin/sh
# The warm path: a re-check of an unchanged tip in a cache unchanged since its tree was read
# whole reads neither the tree nor the object database (strace shows which files it opens)
# and loads none of libgit2, libcurl, libarchive and libpq (docs/hardening.md), from a path
# or over git://, and still checks the tip's signature against the trust roots. Each way the shortcut could
# be wrong does the full work or refuses: a new tip, an unsigned tip, other trust roots, a
# damaged pack, a reference moved back, a tampered record, a packed reference.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen python3

ssh-keygen -q -t ed25519 -N '' -C release -f "$T_TMP/key"
ssh-keygen -q -t ed25519 -N '' -C other -f "$T_TMP/other"
printf 'release@example.org %s\n' "$(cut -d' ' -f1,2 "$T_TMP/key.pub")" >"$T_TMP/signers"
printf 'other@example.org %s\n' "$(cut -d' ' -f1,2 "$T_TMP/other.pub")" >"$T_TMP/other-signers"
repo="$T_TMP/pipelines"
git init -q "$repo"
git -C "$repo" config gpg.format ssh
git -C "$repo" config user.signingkey "$T_TMP/key"
git -C "$repo" config gpg.ssh.allowedSignersFile "$T_TMP/signers"
mkdir -p "$repo/ci"
commit() { # MESSAGE [options]
	msg=$1
	shift
	seq 1 500 | sed "s/^/$msg /" >"$repo/ci/data"
	git -C "$repo" add ci
	git -C "$repo" commit -q -m "$msg" "$@"
	git -C "$repo" rev-parse HEAD
}
c1=$(commit one -S)
c2=$(commit two -S)
git -C "$repo" gc -q
src="$T_TMP/srv.git"
git clone -q --bare --no-local "$repo" "$src"
state="$T_TMP/state"
dir="$state/$(printf %s "$src" | sha256sum | cut -c1-32)"
git_dir="$dir/git"
args="--source $src --allowed-signers $T_TMP/signers --state $state --json"
verify() { "$MAINLINE" verify $args "$@"; }
field() { python3 -c 'import json, sys; print(json.loads(sys.stdin.read())[sys.argv[1]])' "$1" <"$T_TMP/.out"; }
push() { git -C "$repo" push -q --force "$src" main; }
run_args=$args # what traced runs with

# the files a run opens, when strace can watch it (not every container allows ptrace)
if command -v strace >/dev/null 2>&1 && strace -f -o /dev/null true 2>/dev/null; then
	traced() { # NAME OPTIONS...: verify under strace, the files it opened in $T_TMP/NAME.opens
		n=$1
		shift
		# LeakSanitizer cannot run under ptrace: leaks are checked by the untraced runs
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
			strace -f -qq -e trace=openat -o "$T_TMP/$n.opens" "$MAINLINE" verify $run_args "$@"
	}
	opened() { grep -c "$2" "$T_TMP/$1.opens"; }
else
	traced() { shift; "$MAINLINE" verify $run_args "$@"; }
	opened() { echo unknown; }
fi
skip_unless_traced() { # DESC GOT WANT
	if [ "$2" = unknown ]; then echo "ok $((T_N + 1)) # SKIP $1 (no strace)"; T_N=$((T_N + 1)); else t_is "$@"; fi
}

libs='lib\(git2\|curl\|archive\|pq\)\.so'

# loaded on first use: not linked, and no wrapper exported for a loaded library to bind to
t_is "the binary links none of the four libraries" \
	"$(readelf -d "$MAINLINE" | grep NEEDED | grep -c "$libs")" 0
t_is "... and exports none of their names" \
	"$(nm -D --defined-only "$MAINLINE" | grep -cE ' (git_|curl_|archive_|PQ)')" 0

t_ok "git verifies the tip" git -C "$repo" verify-commit "$c2"
t_exit "first run: allowed" 0 traced cold
t_is "... the tip" "$(field commit)" "$c2"
skip_unless_traced "... reads the pack" "$([ "$(opened cold 'objects/pack/pack-.*\.pack')" != 0 ] && echo yes)" yes
skip_unless_traced "... with libgit2 loaded" "$([ "$(opened cold 'libgit2\.so')" != 0 ] && echo yes)" yes
t_ok "... records the tree read whole" test -f "$dir/whole"

t_exit "unchanged tip, offline: allowed" 0 traced warm --offline
t_is "... the tip and its tree" "$(field commit) $(field tree)" "$c2 $(git -C "$repo" rev-parse "$c2^{tree}")"
t_is "... its signature checked" "$(field checked)" 1
t_like "... by the release key" "$(t_out)" '"principal":"release@example.org"'
skip_unless_traced "... without opening the object database" "$(opened warm 'objects/pack/')" 0
skip_unless_traced "... or loading libgit2, libcurl, libarchive or libpq" "$(opened warm "$libs")" 0
record=$(stat -c %i "$dir/whole")
t_exit "unchanged tip, fetched again: allowed" 0 verify
t_is "... the fetch finds nothing new: the tree is not read again (the record stays)" \
	"$(stat -c %i "$dir/whole")" "$record"

# other trust roots: the record saves reading, never a signature check
other_args="--allowed-signers $T_TMP/other-signers --state $state --json"
run_args="--source $src $other_args"
t_exit "other trust roots on the unchanged tip: refused" 1 traced forged --offline
t_is "... as unknown_key" "$(field reason)" unknown_key
skip_unless_traced "... without loading a library either" "$(opened forged "$libs")" 0
t_fails "... as git refuses it with those signers" \
	git -C "$repo" -c gpg.ssh.allowedSignersFile="$T_TMP/other-signers" verify-commit "$c2"

# over git://: the URL is checked without libcurl, which a warm run then never loads
t_start_git_daemon "$T_TMP"
git_url="git://127.0.0.1:$git_port/srv.git"
git_args="--source $git_url --allowed-signers $T_TMP/signers --state $state --json"
t_exit "over git://, first run: allowed" 0 "$MAINLINE" verify $git_args
t_is "... the tip" "$(field commit)" "$c2"
run_args=$git_args
t_exit "over git://, unchanged tip, offline: allowed" 0 traced git-warm --offline
t_is "... the tip" "$(field commit)" "$c2"
skip_unless_traced "... without loading a library" "$(opened git-warm "$libs")" 0
run_args="--source $git_url $other_args"
t_exit "... with other trust roots: refused" 1 traced git-forged --offline
t_is "... as unknown_key" "$(field reason)" unknown_key
skip_unless_traced "... without loading a library either" "$(opened git-forged "$libs")" 0
run_args=$args

# a new tip: fetched, read and checked
c3=$(commit three -S)
push
t_exit "new signed tip: allowed" 0 traced new
t_is "... the new tip" "$(field commit)" "$c3"
skip_unless_traced "... its tree read from the object database" \
	"$([ "$(opened new '/git/objects/pack/')" != 0 ] && echo yes)" yes
t_exit "... then warm again" 0 verify --offline
t_is "... the same tip" "$(field commit)" "$c3"

# another policy on the same warm cache: decided anew
t_exit "an anchor the tip does not descend from: refused" 1 \
	verify --offline --anchor 1111111111111111111111111111111111111111
t_is "... as before_anchor" "$(field reason)" before_anchor
t_exit "chain mode from the first commit: allowed" 0 verify --offline --mode chain --anchor "$c1"
t_is "... both commits after the anchor checked" "$(field checked)" 2
t_exit "... warm again in that mode" 0 verify --offline --mode chain --anchor "$c1"
t_is "... the tip's signature checked again, the rest from the verified cache" "$(field checked)" 1

c4=$(commit four)
push
t_fails "unsigned tip: git refuses it" git -C "$repo" verify-commit "$c4"
t_exit "unsigned new tip after a warm run: refused" 1 verify
t_is "... as unsigned" "$(field reason)" unsigned
t_exit "... offline too" 1 verify --offline
git -C "$repo" reset -q --hard "$c3"
push
t_exit "the signed tip back (as fetched): allowed" 0 verify

# the cache's reference moved back: a rollback, whatever the record says
cp -a "$dir" "$T_TMP/kept"
echo "$c2" >"$git_dir/refs/mainline/heads/main"
t_exit "reference moved back to an older signed commit: refused" 1 verify --offline
t_is "... as rollback" "$(field reason)" rollback
rm -rf "$dir" && cp -a "$T_TMP/kept" "$dir"

# a damaged pack in an unchanged-looking cache: the stamp sees the write
t_exit "restored cache: allowed" 0 verify --offline
blob=$(git -C "$repo" rev-parse "$c3:ci/data")
for idx in "$git_dir"/objects/pack/pack-*.idx; do
	off=$(git --git-dir="$git_dir" verify-pack -v "$idx" | awk -v id="$blob" '$1 == id { print $5 }')
	[ -n "$off" ] && pack=${idx%.idx}.pack && break
done
chmod u+w "$pack"
python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); f.write(b"\xff" * 24)' "$pack" $((off + 4))
t_fails "damaged blob: git fsck finds it" git --git-dir="$git_dir" fsck --no-dangling
t_exit "damaged blob of the tree, offline: refused" 1 verify --offline
t_is "... as malformed_object" "$(field reason)" malformed_object
t_like "... the object cannot be read" "$(field message)" "cannot read object '[0-9a-f]{40}'"
t_ok "... and the record is gone" test ! -e "$dir/whole"
t_exit "damaged blob, online: the cache is fetched afresh and allowed" 0 verify
t_ok "... git agrees the new cache is whole" git --git-dir="$git_dir" fsck --no-dangling
rm -rf "$dir" && cp -a "$T_TMP/kept" "$dir"

# a tampered record: its commit no longer hashes to its id, so it is not used
python3 - "$dir/whole" <<'EOF'
import sys
p = sys.argv[1]
data = bytearray(open(p, "rb").read())
data[-2] ^= 0x20
open(p, "wb").write(data)
EOF
t_exit "tampered record: allowed from the object database" 0 traced tampered --offline
t_is "... the tip" "$(field commit)" "$c3"
skip_unless_traced "... read through the pack" "$([ "$(opened tampered '/git/objects/pack/')" != 0 ] && echo yes)" yes
t_exit "... the record rewritten: warm again" 0 traced rewarm --offline
skip_unless_traced "... without the object database" "$(opened rewarm '/git/objects/pack/')" 0

# a packed reference (git pack-refs): read through libgit2
git --git-dir="$git_dir" pack-refs --all
t_ok "packed reference: no loose file" test ! -e "$git_dir/refs/mainline/heads/main"
t_exit "packed reference: allowed" 0 verify --offline
t_is "... the tip" "$(field commit)" "$c3"

# a symlink for the reference is not followed by the fast read
rm -rf "$dir" && cp -a "$T_TMP/kept" "$dir"
echo "$c2" >"$T_TMP/elsewhere"
rm "$git_dir/refs/mainline/heads/main"
ln -s "$T_TMP/elsewhere" "$git_dir/refs/mainline/heads/main"
t_fails "symlinked reference to an older commit: not allowed" verify --offline

t_done
