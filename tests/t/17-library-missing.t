#!/bin/sh
# A library mainline loads on first use (docs/hardening.md) that cannot be loaded: in a mount
# namespace where its file is replaced by an empty one, the seam that needs it fails with
# library_unavailable and a message naming it, `mainline --version` fails, and a run that
# needs none of them (a warm re-check) is still allowed, its forged twin still refused.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen python3 unshare ldconfig

soname() { "$MAINLINE" --version | sed -n "s/^uses $1 .* (\(.*\))\$/\1/p"; }
# hidden "SONAME..." CMD...: CMD where each library's file is an empty one
hidden() {
	h_paths=
	for h_so in $1; do
		h_paths="$h_paths $(readlink -f "$(ldconfig -p | awk -v n="$h_so" '$1 == n && /x86-64|AArch64/ { print $NF; exit }')")"
	done
	shift
	unshare --mount --propagation private sh -c 'for p in $0; do mount --bind /dev/null "$p" || exit 99; done; exec "$@"' \
		"$h_paths" "$@"
}
field() { python3 -c 'import json, sys; print(json.loads(sys.stdin.read())[sys.argv[1]])' "$1" <"$T_TMP/.out"; }

git2=$(soname libgit2) curl=$(soname libcurl) archive=$(soname libarchive) pq=$(soname libpq)
t_ok "--version names the four libraries" test -n "$git2" -a -n "$curl" -a -n "$archive" -a -n "$pq"
if [ "$(id -u)" != 0 ] || ! unshare --mount --propagation private true 2>/dev/null; then
	echo "# a missing library: not tested: needs root and unshare to mount over it"
	t_done
fi
for so in "$git2" "$curl" "$archive" "$pq"; do
	t_exit "--version without $so: an error" 2 hidden "$so" "$MAINLINE" --version
	t_like "... naming it and the loader's answer" "$(t_out)" \
		"cannot load $so: .*(file too short|invalid ELF header).*\(library_unavailable\)"
done

t_pipeline_repo
tip=$good
echo "$signers" >"$T_TMP/signers"
ssh-keygen -q -t ed25519 -N '' -C other -f "$T_TMP/other"
printf 'other@example.org %s\n' "$(cut -d' ' -f1,2 "$T_TMP/other.pub")" >"$T_TMP/other-signers"
src="$T_TMP/srv.git"
git clone -q --bare "$repo" "$src"
verify() { "$MAINLINE" verify --source "$src" --state "$T_TMP/state" --json "$@"; }

t_exit "a first fetch without $git2: an error" 2 \
	hidden "$git2" "$MAINLINE" verify --source "$src" --allowed-signers "$T_TMP/signers" \
	--state "$T_TMP/state" --json
t_is "... library_unavailable" "$(field reason)" library_unavailable
t_like "... naming the library" "$(field message)" "^cannot load $git2: "
t_exit "with the library: allowed" 0 verify --allowed-signers "$T_TMP/signers"
t_is "... the tip" "$(field commit)" "$tip"
t_exit "warm re-check without any of the four: allowed" 0 \
	hidden "$git2 $curl $archive $pq" "$MAINLINE" verify --source "$src" \
	--allowed-signers "$T_TMP/signers" --state "$T_TMP/state" --json --offline
t_is "... the tip" "$(field commit)" "$tip"
t_exit "... its forged twin (other signers): refused" 1 \
	hidden "$git2 $curl $archive $pq" "$MAINLINE" verify --source "$src" \
	--allowed-signers "$T_TMP/other-signers" --state "$T_TMP/state" --json --offline
t_is "... as unknown_key" "$(field reason)" unknown_key

t_exit "a URL only libcurl parses, without $curl: an error" 2 \
	hidden "$curl" "$MAINLINE" verify --source "https://bot@127.0.0.1:1/ci.git" \
	--allowed-signers "$T_TMP/signers" --state "$T_TMP/state" --json
t_like "... naming the library" "$(field message)" "cannot load $curl: "

t_exit "the shared state without $pq: an error" 2 \
	hidden "$pq" "$MAINLINE" state migrate --state-url "postgres://ci@127.0.0.1:1/ci"
t_like "... library_unavailable, naming the library" "$(t_out)" \
	"cannot load $pq: .*\(library_unavailable\)"

t_done
