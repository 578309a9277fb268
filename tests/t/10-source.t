#!/bin/sh
# The trusted repository source: fetch over local paths, file://, git:// and
# https:// into a locked cache, read objects back and parse them exactly as
# git signs them.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen python3
ST="$BUILD/tests/helpers/source-tool"
C="$T_TMP/cache"


# Bytes git signs: the commit without its gpgsig header and continuation lines
# ("sig" prints that header's value instead). Written independently of the C parser.
split_sig() {
	python3 -c '
import sys
d = sys.stdin.buffer.read()
end = d.find(b"\n\n")
head, body = (d, b"") if end < 0 else (d[: end + 1], d[end + 1 :])
keep, sig, skip = [], [], False
for line in head.splitlines(keepends=True):
    if skip and line.startswith(b" "):
        sig.append(line[1:])
        continue
    skip = line.startswith(b"gpgsig ")
    if skip:
        sig.append(line[len(b"gpgsig ") :])
    else:
        keep.append(line)
sys.stdout.buffer.write(b"".join(sig) if sys.argv[1] == "sig" else b"".join(keep) + body)
' "$1"
}
strip_sig() { split_sig payload; }

# -- a signed repository
ssh-keygen -q -t ed25519 -N '' -C alice -f "$T_TMP/alice"
R="$T_TMP/repo"
git init -q "$R"
mkdir -p "$R/dir/sub"
echo one >"$R/a.txt"
printf '#!/bin/sh\necho hi\n' >"$R/dir/run.sh"
chmod +x "$R/dir/run.sh"
echo deep >"$R/dir/sub/file"
ln -s a.txt "$R/link"
git -C "$R" add -A
sign() { git -C "$R" -c gpg.format=ssh -c user.signingkey="$T_TMP/alice" "$@"; }
sign commit -q -S -m 'first signed commit'
sign tag -s -m 'release one' v1
first=$(git -C "$R" rev-parse HEAD)

# -- local path
t_is "fetch from a local path prints the tip" "$("$ST" fetch "$R" "$C" main 2>&1)" "$first"
t_like "cache holds one bare repository named by the URL hash" "$(ls "$C")" '^[0-9a-f]{32}$'
t_is "cache records the URL" "$(cat "$C"/*/url)" "$R"
t_is "refs only under refs/mainline" \
	"$(git -C "$C"/*/git for-each-ref --format='%(refname)' | tr '\n' ' ')" \
	"refs/mainline/heads/main refs/mainline/tags/v1 "

# -- payload and signature are exactly what git signed
"$ST" cat "$C" "$R" "$first" payload >"$T_TMP/payload"
"$ST" cat "$C" "$R" "$first" signature >"$T_TMP/sig"
git -C "$R" cat-file commit HEAD | strip_sig >"$T_TMP/want"
t_ok "payload equals the commit without its gpgsig header" cmp "$T_TMP/payload" "$T_TMP/want"
t_ok "ssh-keygen accepts the signature over the payload" \
	sh -c "ssh-keygen -Y check-novalidate -n git -s '$T_TMP/sig' <'$T_TMP/payload'"
sed 's/first signed/forged/' "$T_TMP/payload" >"$T_TMP/forged"
t_fails "ssh-keygen refuses the signature over an edited payload" \
	sh -c "ssh-keygen -Y check-novalidate -n git -s '$T_TMP/sig' <'$T_TMP/forged'"
t_like "commit info" "$("$ST" cat "$C" "$R" "$first" info | tr '\n' ' ')" \
	"tree $(git -C "$R" rev-parse HEAD^{tree}).*committer Alice Maintainer <alice@example.org> [0-9]+.*sig 1"

# -- tags
t_is "a tag name resolves to the commit and the tag object" "$("$ST" resolve "$C" "$R" v1)" \
	"$first $(git -C "$R" rev-parse v1)"
t_is "refs/tags/ form resolves the same" "$("$ST" resolve "$C" "$R" refs/tags/v1)" \
	"$first $(git -C "$R" rev-parse v1)"
t_is "the branch resolves to its tip" "$("$ST" resolve "$C" "$R" main)" "$first -"
t_is "a full id resolves to itself" "$("$ST" resolve "$C" "$R" "$first")" "$first -"
t_exit "an abbreviated id is refused" 2 "$ST" resolve "$C" "$R" "$(git -C "$R" rev-parse --short HEAD)"
t_exit "an unknown name is refused" 2 "$ST" resolve "$C" "$R" nope
"$ST" cat-tag "$C" "$R" "$(git -C "$R" rev-parse v1)" payload >"$T_TMP/tpayload"
"$ST" cat-tag "$C" "$R" "$(git -C "$R" rev-parse v1)" signature >"$T_TMP/tsig"
t_ok "ssh-keygen accepts the tag signature over the tag payload" \
	sh -c "ssh-keygen -Y check-novalidate -n git -s '$T_TMP/tsig' <'$T_TMP/tpayload'"
t_like "tag info" "$("$ST" cat-tag "$C" "$R" "$(git -C "$R" rev-parse v1)" info | tr '\n' ' ')" \
	"object $first.*tag v1.*sig 1"
git -C "$R" tag main
"$ST" fetch "$R" "$C" main >/dev/null 2>&1
t_exit "a tag named like the branch makes the name ambiguous" 2 "$ST" resolve "$C" "$R" main
t_like "... with a message saying so" "$(t_out)" "ambiguous revision 'main'"
t_is "refs/heads/ form is not ambiguous" "$("$ST" resolve "$C" "$R" refs/heads/main)" "$first -"
git -C "$R" tag -d main >/dev/null

# -- object types and hash verification
tree=$(git -C "$R" rev-parse HEAD^{tree})
t_exit "reading a tree as a commit is refused" 1 "$ST" cat "$C" "$R" "$tree" info
t_like "... as malformed_object" "$(t_out)" "malformed_object: object '$tree' is a tree, not a commit"
fake=$(echo 'not in the cache' | git hash-object --stdin)
obj="$(echo "$C"/*/git)/objects/$(echo "$fake" | cut -c1-2)"
mkdir -p "$obj"
python3 -c 'import sys, zlib; sys.stdout.buffer.write(zlib.compress(b"blob 5\0evil\n"))' \
	>"$obj/$(echo "$fake" | cut -c3-)"
t_exit "an object whose content does not match its id is refused" 1 \
	"$ST" cat "$C" "$R" "$fake" info
t_like "... by the hash check" "$(t_out)" "malformed_object: cannot read object '$fake'"

# -- tree walk
"$ST" tree "$C" "$R" "$tree" >"$T_TMP/walk"
git -C "$R" ls-tree -r -t --format='%(objectmode) %(objectsize) %(path)' "$tree" >"$T_TMP/ls"
t_ok "tree walk lists what git ls-tree lists, directories first" cmp "$T_TMP/walk" "$T_TMP/ls"
t_like "tree walk hands symlink targets" "$(cat "$T_TMP/walk")" '^120000 5 link$'

# -- the tree read whole on threads (the verification's check): the outcome and the message of
# the walk one by one, the first failure in tree order, whichever thread met which
G=$(echo "$C"/*/git)
ok=$(echo fine | git --git-dir="$G" hash-object -w --stdin)
gone1=1111111111111111111111111111111111111111
gone2=2222222222222222222222222222222222222222
mk() { git --git-dir="$G" mktree --missing; }
dotgit=$(printf '100644 blob %s\t.git\n' "$ok" | mk)
sub=$(printf '100644 blob %s\tz\n' "$gone2" | mk)
# a missing blob, then one whose 16 MiB take long to inflate and do not hash to its id (still
# being read on another thread when the first one fails), one in a subdirectory
slow=3333333333333333333333333333333333333333
mkdir -p "$G/objects/33"
python3 -c 'import sys, zlib; n = 16 << 20
sys.stdout.buffer.write(zlib.compress(b"blob %d\0" % n + b"x" * n, 1))' >"$G/objects/33/${slow#33}"
two=$(printf '100644 blob %s\ta\n100644 blob %s\tb\n100644 blob %s\tc\n040000 tree %s\td\n' \
	"$ok" "$gone1" "$slow" "$sub" | mk)
# a missing blob before a refused entry, and a refused entry before a missing blob
before=$(printf '100644 blob %s\ta\n040000 tree %s\tb\n' "$gone1" "$dotgit" | mk)
after=$(printf '100644 blob %s\ta\n040000 tree %s\tb\n100644 blob %s\tc\n' \
	"$ok" "$dotgit" "$gone2" | mk)
for case in "whole:$tree:0:" "missing:$two:1:cannot read object '$gone1'" \
	"missing before refused:$before:1:cannot read object '$gone1'" \
	"refused before missing:$after:1:refusing tree entry '.git' in tree '$dotgit'"; do
	name=${case%%:*} rest=${case#*:}
	id=${rest%%:*} rest=${rest#*:}
	want=${rest%%:*} pattern=${rest#*:}
	t_exit "tree read, $name, one thread: exit $want" "$want" "$ST" tree-read "$C" "$R" "$id" 1
	[ -z "$pattern" ] || t_like "... $pattern" "$(t_out)" "malformed_object: $pattern"
	one=$(t_out)
	for n in 2 3 8; do
		t_exit "tree read, $name, $n threads: exit $want" "$want" "$ST" tree-read "$C" "$R" "$id" $n
		t_is "... the same message as one thread" "$(t_out)" "$one"
	done
done

# -- forged objects: a signature in the message is no signature; gpgsig-sha256 does not sign a
# SHA-1 commit and is left out of the payload; two gpgsig headers are malformed
raw=$(git -C "$R" cat-file commit HEAD)
moved=$(git -C "$R" cat-file commit HEAD | strip_sig; echo; git -C "$R" cat-file commit HEAD |
	awk '/^gpgsig /, /END SSH SIGNATURE/')
mid=$(printf '%s\n' "$moved" | git -C "$R" hash-object -t commit -w --literally --stdin)
dual=$(printf '%s\n' "$raw" | awk '/^gpgsig /{g=1} g&&/END SSH/{print; print "gpgsig-sha256 x"; g=0; next} {print}')
did=$(printf '%s\n' "$dual" | git -C "$R" hash-object -t commit -w --literally --stdin)
twice=$(printf '%s\n' "$raw" | awk '/^gpgsig /{g=1; s=""} g{s=s $0 "\n"} g&&/END SSH/{printf "%s", s; g=0} {print}')
tid=$(printf '%s\n' "$twice" | git -C "$R" hash-object -t commit -w --literally --stdin)
for b in moved:$mid dual:$did twice:$tid; do
	git -C "$R" update-ref "refs/heads/${b%%:*}" "${b#*:}"
	"$ST" fetch "$R" "$C" "${b%%:*}" >/dev/null
done
t_like "a signature moved into the message parses as unsigned" \
	"$("$ST" cat "$C" "$R" "$mid" info)" "sig 0"
t_like "gpgsig plus gpgsig-sha256 parses as signed by gpgsig" \
	"$("$ST" cat "$C" "$R" "$did" info | tr '\n' ' ')" "sig 1 other gpgsig-sha256"
"$ST" cat "$C" "$R" "$did" payload >"$T_TMP/dpayload"
t_ok "... and its payload is the one of the commit without both" cmp "$T_TMP/dpayload" "$T_TMP/want"
t_exit "two gpgsig headers are refused" 1 "$ST" cat "$C" "$R" "$tid" info
t_like "... as malformed_object" "$(t_out)" "malformed_object: more than one 'gpgsig' header"

# -- incremental fetch over file://
U="file://$R"
t_is "fetch over file:// prints the tip" "$("$ST" fetch "$U" "$C" main 2>&1)" "$first"
echo two >"$R/b.txt"
git -C "$R" add b.txt
sign commit -q -S -m 'second'
second=$(git -C "$R" rev-parse HEAD)
t_is "a second fetch moves the tip" "$("$ST" fetch "$U" "$C" main 2>&1)" "$second"
t_is "the older commit is still readable" \
	"$("$ST" cat "$C" "$U" "$second" info | grep '^parent')" "parent $first"
git init -q "$T_TMP/evil"
git -C "$T_TMP/evil" commit -q --allow-empty -m evil
git config --global url."file://$T_TMP/evil".insteadOf "$U"
t_is "the user's git configuration cannot redirect the fetch" "$("$ST" fetch "$U" "$C" main 2>&1)" \
	"$second"
git config --global --unset url."file://$T_TMP/evil".insteadOf
t_is "offline uses the cache as it is" "$("$ST" fetch "$U" "$C" main --offline 2>&1)" "$second"
t_exit "offline without a cache fails" 2 "$ST" fetch "$U" "$T_TMP/empty-cache" main --offline

# -- the lock: concurrent fetches wait, a held lock times out
"$ST" fetch "$U" "$T_TMP/c2" main >"$T_TMP/f1" 2>&1 &
p1=$!
"$ST" fetch "$U" "$T_TMP/c2" main >"$T_TMP/f2" 2>&1 &
p2=$!
wait $p1
s1=$?
wait $p2
s2=$?
t_is "two concurrent fetches into one cache both succeed" "$s1 $s2 $(cat "$T_TMP/f1") $(cat "$T_TMP/f2")" \
	"0 0 $second $second"
lock=$(echo "$T_TMP"/c2/*/lock)
exec 9>"$lock"
flock 9
t_exit "a fetch gives up when the lock stays held" 2 "$ST" fetch "$U" "$T_TMP/c2" main --lock-timeout 1
t_like "... with a clear message" "$(t_out)" "io_error: timed out after 1 seconds waiting for the lock"
exec 9>&-
t_is "the lock is free again once released" "$("$ST" fetch "$U" "$T_TMP/c2" main 2>&1)" "$second"

# -- errors name the URL without its credentials
t_exit "an unreachable server fails the fetch" 2 \
	"$ST" fetch "https://bob:s3cret@127.0.0.1:1/repo.git?private_token=t0ken" "$T_TMP/c3" main
t_like "... as fetch_failed naming the URL" "$(t_out)" \
	"fetch_failed: cannot fetch from 'https://\\*\\*\\*@127.0.0.1:1/repo.git\\?private_token=\\*\\*\\*'"
t_fails "... and neither password nor token is in the message" grep -qE 's3cret|t0ken' "$T_TMP/.out"
t_fails "... nor in the cache" grep -rqE 's3cret|t0ken' "$T_TMP/c3"
t_like "the cache records the URL credential-free" "$(cat "$T_TMP"/c3/*/url)" \
	'^https://\*\*\*@127.0.0.1:1/repo.git\?private_token=\*\*\*$'
t_exit "an ambiguous URL is refused before any fetch" 2 \
	"$ST" fetch "https://bob:pa@ss@127.0.0.1:1/repo.git" "$T_TMP/c4" main
t_like "... naming what is wrong" "$(t_out)" "config_error: unusable source URL: bad host name"
t_fails "... without the password" grep -q 'pa@ss' "$T_TMP/.out"
t_exit "a bad branch name is a configuration error" 2 "$ST" fetch "$U" "$T_TMP/c3" 'a..b'

# -- git:// from a git daemon
port=$(t_free_port)
git daemon --reuseaddr --listen=127.0.0.1 --port="$port" --base-path="$T_TMP" --export-all \
	"$T_TMP" 2>/dev/null &
daemon_pid=$!
stop_daemon() { kill "$daemon_pid" && wait "$daemon_pid"; }
T_CLEANUP="$T_CLEANUP stop_daemon"
i=0
while ! git ls-remote "git://127.0.0.1:$port/repo" >/dev/null 2>&1 && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
t_is "fetch over git:// prints the tip" "$("$ST" fetch "git://127.0.0.1:$port/repo" "$C" main 2>&1)" "$second"
t_exit "fetch of a missing repository over git:// fails" 2 \
	"$ST" fetch "git://127.0.0.1:$port/nothing" "$C" main
# a cache of an older version recorded the URL itself: it is kept, and rewritten credential-free
GU="git://bot:s3cret@127.0.0.1:$port/repo"
t_is "fetch over git:// with a user in the URL" "$("$ST" fetch "$GU" "$T_TMP/c5" main 2>&1)" "$second"
urlfile=$(echo "$T_TMP"/c5/*/url)
printf '%s\n' "$GU" >"$urlfile"
t_is "a cache whose url file holds the URL itself is used" "$("$ST" fetch "$GU" "$T_TMP/c5" main 2>&1)" "$second"
t_is "... and its url file is rewritten credential-free" "$(cat "$urlfile")" \
	"git://***@127.0.0.1:$port/repo"
printf 'git://bot:other@127.0.0.1:%s/elsewhere\n' "$port" >"$urlfile"
t_exit "a cache recorded for another URL is refused" 2 "$ST" fetch "$GU" "$T_TMP/c5" main
t_like "... naming the cache" "$(t_out)" "belongs to another source URL"

# -- https:// from git http-backend behind lighttpd, self-signed certificate
if command -v lighttpd >/dev/null && command -v openssl >/dev/null &&
	[ -e /usr/lib/lighttpd/mod_openssl.so ]; then
	t_localhost_cert "$T_TMP/srv"
	pin=$(openssl x509 -in "$T_TMP/srv.crt" -outform DER | sha256sum | cut -c1-64)
	t_start_git_http "$T_TMP" "$T_TMP/srv.pem"
	hport=$git_http_port
	H="https://localhost:$hport/git/repo"
	t_is "https with the CA file fetches the tip" \
		"$("$ST" fetch "$H" "$T_TMP/ch" main --ca "$T_TMP/srv.crt" 2>&1)" "$second"
	t_exit "https without the CA is refused" 2 "$ST" fetch "$H" "$T_TMP/ch" main
	t_like "... as fetch_failed" "$(t_out)" "fetch_failed: cannot fetch from '$H'"
	t_exit "https with the CA but a wrong pin is refused" 2 "$ST" fetch "$H" "$T_TMP/ch" main \
		--ca "$T_TMP/srv.crt" --pin "$(echo "$pin" | tr 0-9a-f 1-9a-f0)"
	t_like "... naming the pin" "$(t_out)" "does not match the pin"
	t_is "https with the right pin fetches without a CA" \
		"$("$ST" fetch "$H" "$T_TMP/ch" main --pin "$pin" 2>&1)" "$second"
	t_exit "a malformed pin is a configuration error" 2 "$ST" fetch "$H" "$T_TMP/ch" main --pin abc
else
	echo "# https not tested: lighttpd with mod_openssl or openssl missing"
fi
# -- ssh:// from a private sshd (needs root for its privilege separation)
if [ -x /usr/sbin/sshd ] && [ "$(id -u)" = 0 ]; then
	t_start_sshd "$T_TMP/alice.pub"
	SU="ssh://$(id -un)@127.0.0.1:$sport$R"
	fp=$(ssh-keygen -lf "$T_TMP/ssh/host.pub" | awk '{ print $2 }')
	t_is "ssh with the pinned SHA256 host key fingerprint fetches the tip" \
		"$("$ST" fetch "$SU" "$T_TMP/cs" main --ssh-key "$T_TMP/alice" --host-key "$fp" 2>&1)" \
		"$second"
	t_is "ssh with a pinned known_hosts line fetches the tip" \
		"$("$ST" fetch "$SU" "$T_TMP/cs" main --ssh-key "$T_TMP/alice" \
			--host-key "[127.0.0.1]:$sport $(cat "$T_TMP/ssh/host.pub")" 2>&1)" "$second"
	t_exit "ssh with another host key pinned is refused" 2 "$ST" fetch "$SU" "$T_TMP/cs" main \
		--ssh-key "$T_TMP/alice" --host-key "$(cat "$T_TMP/ssh/other.pub")"
	t_like "... as a host key mismatch" "$(t_out)" "fetch_failed: .*host key does not match"
	t_exit "ssh with another fingerprint pinned is refused" 2 "$ST" fetch "$SU" "$T_TMP/cs" main \
		--ssh-key "$T_TMP/alice" \
		--host-key "$(ssh-keygen -lf "$T_TMP/ssh/other.pub" | awk '{ print $2 }')"
	t_exit "ssh without a pinned host key is refused" 2 "$ST" fetch "$SU" "$T_TMP/cs" main \
		--ssh-key "$T_TMP/alice"
	t_like "... saying a pin is needed" "$(t_out)" "no pinned host key"
	t_exit "ssh with a key the server does not know is refused" 2 "$ST" fetch "$SU" "$T_TMP/cs" \
		main --ssh-key "$T_TMP/ssh/other" --host-key "$fp"
else
	echo "# ssh:// not tested: needs /usr/sbin/sshd (openssh-server) and root"
fi

t_done
