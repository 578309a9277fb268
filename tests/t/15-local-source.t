#!/bin/sh
# Local sources (a path, file:///): the cache is seeded with copies of the source's packs, each
# checked against its own checksums, and the fetch then only moves the references. A pack that
# does not match its checksums is not copied (the fetch reads the source and fails as before),
# a source that borrows objects (alternates) is fetched without seeding, and git checks every
# cache made this way.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen python3

ssh-keygen -q -t ed25519 -N '' -C release -f "$T_TMP/key"
printf 'release@example.org %s\n' "$(cut -d' ' -f1,2 "$T_TMP/key.pub")" >"$T_TMP/signers"
work="$T_TMP/work"
git init -q "$work"
git -C "$work" config gpg.format ssh
git -C "$work" config user.signingkey "$T_TMP/key"
commit() { # MESSAGE
	seq 1 400 | sed "s/^/$1 /" >"$work/data-$1"
	git -C "$work" add .
	git -C "$work" commit -q -S -m "$1"
	git -C "$work" rev-parse HEAD
}
c1=$(commit one)
c2=$(commit two)
src="$T_TMP/srv.git"
git clone -q --bare --no-local "$work" "$src"
git -C "$src" repack -q -a -d
state="$T_TMP/state"
cache_of() { echo "$state/$(printf %s "$1" | sha256sum | cut -c1-32)/git"; }
verify() { # SOURCE [options]
	s=$1
	shift
	"$MAINLINE" verify --source "$s" --allowed-signers "$T_TMP/signers" --state "$state" --json "$@"
}
field() { python3 -c 'import json, sys; print(json.loads(sys.stdin.read())[sys.argv[1]])' "$1" <"$T_TMP/.out"; }
packs() { (cd "$1/objects/pack" && ls pack-*.pack 2>/dev/null) | sort | tr '\n' ' '; }

for form in path file; do
	if [ $form = path ]; then url=$src; else url=file://$src; fi
	cache=$(cache_of "$url")
	t_exit "$form: cold fetch allowed" 0 verify "$url"
	t_is "$form: ... the tip" "$(field commit)" "$c2"
	t_is "$form: ... the source's pack copied as it is" "$(packs "$cache")" "$(packs "$src")"
	t_ok "$form: ... git finds the cache whole" git --git-dir="$cache" fsck --no-dangling
	t_is "$form: ... the reference fetched" \
		"$(git --git-dir="$cache" rev-parse refs/mainline/heads/main)" "$c2"
done

# incremental: fetched as from any source, no copy of the source's new packs
url=$src
cache=$(cache_of "$url")
seeded=$(packs "$cache")
c3=$(commit three)
git -C "$work" push -q "$src" main
git -C "$src" repack -q -a -d
t_exit "incremental: allowed" 0 verify "$url"
t_is "... the new tip" "$(field commit)" "$c3"
t_ok "... the seeded pack kept" test -e "$cache/objects/pack/${seeded% }"
t_fails "... the source's repacked one not copied" \
	test -e "$cache/objects/pack/$(packs "$src" | cut -d' ' -f1)"
t_ok "... git finds the cache whole" git --git-dir="$cache" fsck --no-dangling

# a pack whose bytes do not match its checksums is never copied
bad="$T_TMP/bad.git"
git clone -q --bare --no-local "$work" "$bad"
git -C "$bad" repack -q -a -d
pack=$(ls "$bad"/objects/pack/pack-*.pack)
chmod u+w "$pack"
python3 -c 'import sys, os
with open(sys.argv[1], "r+b") as f:
    f.seek(os.path.getsize(sys.argv[1]) // 2); f.write(b"\xff" * 16)' "$pack"
t_fails "overwritten source pack: git verify-pack refuses it" git --git-dir="$bad" verify-pack "$pack"
t_exit "overwritten source pack: not allowed" 2 verify "$bad"
t_is "... the fetch failed, as fetching it always did" "$(field reason)" fetch_failed
t_is "... the pack was not copied" "$(packs "$(cache_of "$bad")")" ""

# a pack renamed: its name is not its checksum, so it is not copied
renamed="$T_TMP/renamed.git"
git clone -q --bare --no-local "$work" "$renamed"
git -C "$renamed" repack -q -a -d
p=$(ls "$renamed"/objects/pack/pack-*.pack)
other=0123456789abcdef0123456789abcdef01234567
mv "$p" "$renamed/objects/pack/pack-$other.pack"
mv "${p%.pack}.idx" "$renamed/objects/pack/pack-$other.idx"
t_exit "pack under another name: allowed (fetched through libgit2)" 0 verify "$renamed"
t_is "... the tip" "$(field commit)" "$c3"
t_like "... not copied under that name" "$(packs "$(cache_of "$renamed")")" "^(pack-[0-9a-f]{40}\.pack )?$"
t_fails "... nor under any name as it is" test -e "$(cache_of "$renamed")/objects/pack/pack-$other.pack"

# a source that borrows its objects (alternates) is fetched without seeding
borrow="$T_TMP/borrow.git"
git clone -q --bare --shared "$src" "$borrow"
t_ok "alternates: git uses them" test -s "$borrow/objects/info/alternates"
t_exit "alternates: allowed" 0 verify "$borrow"
t_is "... the tip" "$(field commit)" "$c3"
t_ok "... git finds the cache whole" git --git-dir="$(cache_of "$borrow")" fsck --no-dangling
t_fails "... and it does not borrow" test -e "$(cache_of "$borrow")/objects/info/alternates"

# an empty cache is seeded while libgit2 starts, from the objects directory the source's layout
# shows (path/objects, else path/.git/objects); the copies are kept only where libgit2 reads the
# same directory, so anything else is left to the fetch as before
temps() { ls "$1/objects/pack" 2>/dev/null | grep -c '^pack_git2_seed_'; }
tree="$T_TMP/worktree"
git clone -q --no-local "$work" "$tree"
git -C "$tree" repack -q -a -d
t_exit "a work tree's repository (path/.git): allowed" 0 verify "$tree"
t_is "... the tip" "$(field commit)" "$c3"
t_is "... its pack copied as it is" "$(packs "$(cache_of "$tree")")" "$(packs "$tree/.git")"
t_ok "... git finds the cache whole" git --git-dir="$(cache_of "$tree")" fsck --no-dangling

short="$T_TMP/truncated.git"
git clone -q --bare --no-local "$work" "$short"
git -C "$short" repack -q -a -d
pack=$(ls "$short"/objects/pack/pack-*.pack)
chmod u+w "$pack"
truncate -s -100 "$pack"
t_fails "truncated source pack: git verify-pack refuses it" git --git-dir="$short" verify-pack "$pack"
t_exit "truncated source pack: not allowed" 2 verify "$short"
t_is "... the fetch failed, as fetching it always did" "$(field reason)" fetch_failed
t_is "... the pack was not copied" "$(packs "$(cache_of "$short")")" ""
t_is "... nor left half-copied" "$(temps "$(cache_of "$short")")" 0

# objects/pack with a whole pack, in a directory that is no repository
fake="$T_TMP/norepo"
mkdir -p "$fake/objects/pack"
cp "$src"/objects/pack/pack-* "$fake/objects/pack/"
t_fails "no repository: git does not open it" git --git-dir="$fake" rev-parse HEAD
t_exit "no repository, with a whole pack in objects/pack: not allowed" 2 verify "$fake"
t_is "... the fetch failed" "$(field reason)" fetch_failed
t_is "... the copied pack removed" "$(packs "$(cache_of "$fake")")" ""
t_is "... and its temporary copies" "$(temps "$(cache_of "$fake")")" 0

# a repository whose commondir file names another one: libgit2 reads that one's objects, so the
# packs in its own objects/pack (another history's) are not the ones kept
older="$T_TMP/older.git"
git init -q --bare "$older"
git -C "$work" push -q "$older" "$c1:refs/heads/main"
git -C "$older" repack -q -a -d
common="$T_TMP/common.git"
cp -r "$src" "$common"
rm "$common"/objects/pack/*
cp "$older"/objects/pack/pack-* "$common/objects/pack/"
echo "$src" >"$common/commondir"
t_is "commondir: git reads the other repository's objects" \
	"$(git --git-dir="$common" rev-parse main)" "$c3"
t_exit "commondir: allowed" 0 verify "$common"
t_is "... the tip" "$(field commit)" "$c3"
t_is "... the packs of the repository it names copied, not its own" \
	"$(packs "$(cache_of "$common")")" "$(packs "$src")"
t_ok "... git finds the cache whole" git --git-dir="$(cache_of "$common")" fsck --no-dangling

# an unsigned tip in a seeded cache is refused as ever
git -C "$work" commit -q --allow-empty -m unsigned
git -C "$work" push -q "$src" main
t_exit "unsigned tip from a local source: refused" 1 verify "$src"
t_is "... as unsigned" "$(field reason)" unsigned

t_done
