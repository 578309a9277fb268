#!/bin/sh
# Real GitHub history: 1,075 first-parent merges signed by GitHub's two
# web-flow keys (one expired in 2024). Skips when ../shared data is absent.
. "$(dirname "$0")/lib.sh"
t_need git gpg
rw="$T_ROOT/../shared/data/realworld"
[ -f "$rw/gittuf-main.bundle" ] || t_skip_all "real-world data not present"
anchor=2e0ebfb109aef2073ed1ff73c9790cb10eb950e2
first=8f8d36302dd71a25e0f6818eb971348b6576e7b5
old_key=5DE3E0509C47EA3CF04A42D34AEE18F83AFDEB23
new_key=968479A1AFF927E37D1A566BB5690EEEBB952194

# libgit2 cannot fetch from a bundle: make it a bare repository first
git clone -q --bare "$rw/gittuf-main.bundle" "$T_TMP/gittuf.git" || exit 1
gpg -q --batch --import "$rw/github-web-flow.asc" 2>/dev/null
gpg -q --batch --export "$new_key" >"$T_TMP/new-only.gpg"
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }
v() { "$MAINLINE" verify --source "$T_TMP/gittuf.git" --mode chain --anchor "$anchor" "$@"; }

t_exit "chain of 1,075 web-flow merges with both keys: allowed" 0 \
	v --keyring "$rw/github-web-flow.asc" --state "$T_TMP/s1" --json
t_like "all 1,075 first-parent commits were checked" "$(t_out)" '"checked":1075'
t_is "signer of the tip is GitHub's current key" "$(t_out | json_field key)" "$new_key"
t_is "tip is the bundle's main" "$(t_out | json_field commit)" 941446169232ba01a56fc341a37d0c0ae7d57154

t_exit "unchanged tip again: allowed" 0 v --keyring "$rw/github-web-flow.asc" --state "$T_TMP/s1" --json
t_like "unchanged tip again: one signature checked, the rest cached" "$(t_out)" '"checked":1'

t_exit "only the newer key: refused" 1 v --keyring "$T_TMP/new-only.gpg" --state "$T_TMP/s2" --json
t_is "only the newer key: reason unknown_key" "$(t_out | json_field reason)" unknown_key
t_is "only the newer key: names the first commit it cannot verify" \
	"$(t_out | json_field failed_commit)" "$first"

t_exit "both keys as forge keys (committer GitHub): allowed" 0 \
	v --keyring "$rw/github-web-flow.asc" --forge-key "$old_key" --forge-key "$new_key" \
	--state "$T_TMP/s3"

t_exit "anchor after the target: refused" 1 v --keyring "$rw/github-web-flow.asc" \
	--state "$T_TMP/s5" --commit "$(git -C "$T_TMP/gittuf.git" rev-parse "$anchor~1")" --json
t_is "anchor after the target: reason before_anchor" "$(t_out | json_field reason)" before_anchor
t_done
