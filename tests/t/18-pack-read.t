#!/bin/sh
# The pack reader (verify/pack.h, which a chain's walk reads its commits with) gives git's
# exact bytes for every object of a pack with offset deltas and of one with reference
# deltas, and nothing for what it must not answer: the wrong type, an object in no pack, a
# damaged entry or delta base, a truncated pack, a pack whose trailer is not the checksum
# its index names, an index that does not parse, and an entry replaced by another
# well-formed object of the same size (only its id gives it away). git is asked about each
# damage too. A verification whose walk meets a damaged commit in the middle of its chain
# names it, offline, and a run that may fetch afresh recovers (the same with several
# workers: 29-verify-workers.t).
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen python3
ST="$BUILD/tests/helpers/source-tool"

ssh-keygen -q -t ed25519 -N '' -C release -f "$T_TMP/key"
signers="$T_TMP/allowed_signers"
printf 'release@example.org %s\n' "$(cut -d' ' -f1,2 "$T_TMP/key.pub")" >"$signers"
repo="$T_TMP/repo"
git init -q "$repo"
git -C "$repo" config gpg.format ssh
git -C "$repo" config user.signingkey "$T_TMP/key"
for i in $(seq 1 30); do
	seq 1 $((i * 40)) >"$repo/f"
	printf 'change %s\n\n%s\n' "$i" "$(seq 1 60 | tr '\n' ' ')" >"$T_TMP/msg"
	git -C "$repo" add f
	git -C "$repo" commit -q -S -F "$T_TMP/msg"
done
git -C "$repo" tag -a -m "release" v1
anchor=$(git -C "$repo" rev-list --max-parents=0 HEAD)

objects() { # GIT-DIR: "id type size-in-pack offset depth" of each object of its pack
	git --git-dir="$1" verify-pack -v "$1"/objects/pack/pack-*.idx |
		awk '$2 ~ /^(commit|tree|blob|tag)$/ { print $1, $2, $4, $5, (NF >= 7 ? $6 : 0) }'
}
pack_of() { ls "$1"/objects/pack/pack-*.pack; }
read_as_git() { # GIT-DIR: how many objects the pack reader gives as git does, of how many
	objects "$1" >"$T_TMP/objects"
	ok=0 all=0
	while read -r id type _ _ _; do
		all=$((all + 1))
		"$ST" pack "$1/objects" "$id" "$type" >"$T_TMP/mine" 2>/dev/null &&
			git --git-dir="$1" cat-file "$type" "$id" | cmp -s - "$T_TMP/mine" && ok=$((ok + 1))
	done <"$T_TMP/objects"
	echo "$ok of $all"
}
entry_types() { # PACK: the number of entries of each kind at the offsets verify-pack lists
	python3 - "$1" "$T_TMP/objects" <<'EOF'
import sys
data = open(sys.argv[1], "rb").read()
kinds = {6: "ofs", 7: "ref"}
counts = {"ofs": 0, "ref": 0, "whole": 0}
for line in open(sys.argv[2]):
    off = int(line.split()[3])
    counts[kinds.get((data[off] >> 4) & 7, "whole")] += 1
print(" ".join("%s=%d" % (k, counts[k]) for k in ("whole", "ofs", "ref")))
EOF
}

# --- offset deltas and reference deltas: every object as git gives it --------------------
git -C "$repo" repack -adf -q --window=50 --depth=20
ofs="$repo/.git"
t_is "offset deltas: every object as git gives it" "$(read_as_git "$ofs")" \
	"$(objects "$ofs" | wc -l | tr -d ' ') of $(objects "$ofs" | wc -l | tr -d ' ')"
t_like "... the pack has offset deltas and no reference deltas" \
	"$(entry_types "$(pack_of "$ofs")")" '^whole=[0-9]+ ofs=[1-9][0-9]+ ref=0$'
t_like "... chains of deltas deeper than one" "$(objects "$ofs" | awk '$5 > 1' | wc -l)" '[1-9]'
git clone -q --bare "$repo" "$T_TMP/ref.git"
git -C "$T_TMP/ref.git" -c repack.useDeltaBaseOffset=false repack -adf -q --window=50 --depth=20
ref="$T_TMP/ref.git"
t_is "reference deltas: every object as git gives it" "$(read_as_git "$ref")" \
	"$(objects "$ref" | wc -l | tr -d ' ') of $(objects "$ref" | wc -l | tr -d ' ')"
t_like "... the pack has reference deltas and no offset deltas" \
	"$(entry_types "$(pack_of "$ref")")" '^whole=[0-9]+ ofs=0 ref=[1-9][0-9]+$'

# --- what it must not answer ---------------------------------------------------------------
objects "$ofs" >"$T_TMP/objects"
tip=$(git -C "$repo" rev-parse HEAD)
t_exit "a commit asked for as a tree is not given" 1 "$ST" pack "$ofs/objects" "$tip" tree
loose=$(echo "not packed" | git -C "$repo" hash-object -w --stdin)
t_exit "an object in no pack is not given" 1 "$ST" pack "$ofs/objects" "$loose" blob
t_ok "... git reads it (loose)" git -C "$repo" cat-file blob "$loose"

damaged() { # NAME: a copy of the offset-delta repository for one damage
	rm -rf "$T_TMP/$1"
	cp -a "$ofs" "$T_TMP/$1"
	chmod -R u+w "$T_TMP/$1/objects/pack"
	echo "$T_TMP/$1"
}
overwrite() { # FILE OFFSET COUNT: COUNT bytes at OFFSET replaced by 0x55
	python3 -c '
import sys
f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2])); f.write(b"\x55" * int(sys.argv[3]))' "$@"
}
# a deltified commit, and the base of a delta chain (an object others delta against)
set -- $(awk '$2 == "commit" && $5 >= 1 { print $1, $3, $4; exit }' "$T_TMP/objects")
delta_commit=$1 delta_len=$2 delta_at=$3
base=$(git --git-dir="$ofs" verify-pack -v "$ofs"/objects/pack/pack-*.idx |
	awk -v id="$delta_commit" '$1 == id { print $7 }')
while :; do # down to the chain's base
	up=$(git --git-dir="$ofs" verify-pack -v "$ofs"/objects/pack/pack-*.idx |
		awk -v id="$base" '$1 == id && NF >= 7 { print $7 }')
	[ -z "$up" ] && break
	base=$up
done
set -- $(awk -v id="$base" '$1 == id { print $2, $3, $4 }' "$T_TMP/objects")
base_type=$1 base_len=$2 base_at=$3

dmg=$(damaged delta)
overwrite "$(pack_of "$dmg")" $((delta_at + delta_len / 2)) 4
t_exit "a damaged delta entry is not given" 1 "$ST" pack "$dmg/objects" "$delta_commit" commit
t_fails "... git cannot read it either" git --git-dir="$dmg" cat-file commit "$delta_commit"

dmg=$(damaged base)
overwrite "$(pack_of "$dmg")" $((base_at + base_len / 2)) 4
t_exit "a delta on a damaged base is not given" 1 "$ST" pack "$dmg/objects" "$delta_commit" commit
t_exit "... nor the base" 1 "$ST" pack "$dmg/objects" "$base" "$base_type"
t_fails "... git cannot read it either" git --git-dir="$dmg" cat-file commit "$delta_commit"

dmg=$(damaged truncated)
last=$(sort -k4 -n "$T_TMP/objects" | tail -1)
set -- $last
python3 -c 'import os, sys; os.truncate(sys.argv[1], int(sys.argv[2]))' "$(pack_of "$dmg")" \
	$(($4 + $3 / 2))
t_exit "the last object of a truncated pack is not given" 1 "$ST" pack "$dmg/objects" "$1" "$2"
t_fails "... git cannot read it either" git --git-dir="$dmg" cat-file "$2" "$1"

dmg=$(damaged index)
overwrite "$(ls "$dmg"/objects/pack/pack-*.idx)" 8 4 # fan-out[0] above the next counts
t_exit "a pack whose index does not parse is not read" 1 "$ST" pack "$dmg/objects" "$tip" commit

dmg=$(damaged trailer)
size=$(wc -c <"$(pack_of "$dmg")")
overwrite "$(pack_of "$dmg")" $((size - 4)) 4
t_exit "a pack whose trailer is not the checksum its index names is not read" 1 \
	"$ST" pack "$dmg/objects" "$tip" commit
t_fails "... git does not read it either" git --git-dir="$dmg" cat-file commit "$tip"

# a whole (undeltified) blob replaced by another blob of the same size and compressed
# length: well-formed, only its id tells
dmg=$(damaged swapped)
swapped=$(python3 - "$(pack_of "$dmg")" "$T_TMP/objects" <<'EOF'
import sys, zlib
path, listing = sys.argv[1], sys.argv[2]
data = bytearray(open(path, "rb").read())
for line in open(listing):
    oid, kind, plen, off, depth = line.split()
    off, plen = int(off), int(plen)
    if kind != "blob" or depth != "0":
        continue
    at = off + 1
    while data[at - 1] & 0x80:
        at += 1
    body = zlib.decompress(bytes(data[at:off + plen]))
    other = body.replace(b"1", b"7", 1)
    packed = zlib.compress(other, 9)
    if other != body and len(packed) == off + plen - at:
        data[at:off + plen] = packed
        open(path, "wb").write(data)
        print(oid)
        break
EOF
)
t_like "a blob entry was replaced in place" "$swapped" '^[0-9a-f]{40}$'
t_exit "... it is not given: it does not hash to its id" 1 "$ST" pack "$dmg/objects" "$swapped" blob
t_like "... git fsck finds it corrupt" "$(git --git-dir="$dmg" fsck --full 2>&1)" \
	"packed $swapped .* is corrupt"

# --- a verification that meets a damaged commit in the middle of its chain ---------------
state="$T_TMP/state"
"$MAINLINE" verify --source "$repo" --allowed-signers "$signers" --state "$state" \
	--mode chain --anchor "$anchor" >/dev/null
cache=$(dirname "$(ls -d "$state"/*/git)")/git
objects "$cache" >"$T_TMP/cached"
# a commit no other object is stored as a delta of, so that the walk meets the damage there
git --git-dir="$cache" verify-pack -v "$cache"/objects/pack/pack-*.idx >"$T_TMP/layout"
for back in 15 14 16 13 17; do
	mid=$(git -C "$repo" rev-parse "HEAD~$back")
	awk -v id="$mid" 'NF >= 7 && $7 == id { found = 1 } END { exit found }' "$T_TMP/layout" && break
done
set -- $(awk -v id="$mid" '$1 == id { print $3, $4 }' "$T_TMP/cached")
t_like "the cache holds the chain's commits in a pack" "${2:-}" '^[0-9]+$'
chmod -R u+w "$cache/objects/pack"
overwrite "$(pack_of "$cache")" $(($2 + $1 / 2)) 4
rm -rf "$state/state"
t_exit "a damaged commit in the middle of the chain, offline: refused as malformed" 1 \
	"$MAINLINE" verify --source "$repo" --allowed-signers "$signers" --state "$state" \
	--mode chain --anchor "$anchor" --offline
t_like "... naming the damaged commit" "$(t_out)" "cannot read object '$mid'"
rm -rf "$state/state"
t_exit "... and a run that may fetch moves the cache aside and verifies afresh" 0 \
	"$MAINLINE" verify --source "$repo" --allowed-signers "$signers" --state "$state" \
	--mode chain --anchor "$anchor" --json
t_like "... every signature of the chain checked" "$(t_out)" '"checked":29'
t_done
