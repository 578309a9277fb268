#!/bin/sh
# Signature headers exactly as git reads them. In a SHA-1 repository only `gpgsig` signs a
# commit; `gpgsig-sha256` signs the SHA-256 form, is left out of the payload and ignored (and
# the reverse in a SHA-256 repository). A tag is signed by the block that ends its message; a
# signature header on a tag is the other format's. Every object is made with git hash-object
# and judged by git (verify-commit, verify-tag, %G?) next to mainline.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen python3

ST="$BUILD/tests/helpers/source-tool"
SV="$BUILD/tests/helpers/sshsig-verify"
keys="$T_TMP/keys"
mkdir -p "$keys"
for k in alice bob mallory; do
	ssh-keygen -q -t ed25519 -N '' -C "$k" -f "$keys/$k" || exit 1
done
signers="$T_TMP/allowed_signers"
for k in alice bob; do
	printf '%s@example.org %s\n' "$k" "$(cut -d' ' -f1,2 "$keys/$k.pub")"
done >"$signers"
fpr() { ssh-keygen -lf "$keys/$1.pub" | cut -d' ' -f2; }

new_repo() { # DIR [git init options]
	git init -q "$@"
	git -C "$1" config gpg.format ssh
	git -C "$1" config gpg.ssh.allowedSignersFile "$signers"
	git -C "$1" config user.signingkey "$keys/alice"
}
sign() { ssh-keygen -q -Y sign -n git -f "$keys/$1" <"$2" >"$3"; } # KEY PAYLOAD SIGFILE
# PAYLOAD NAME=SIGFILE...: the payload with these headers at the end of its header block,
# each signature line after the first indented by one space (what git writes)
with_headers() {
	wh_p=$1
	shift
	sed -n '1,/^$/{/^$/!p}' "$wh_p"
	for wh_h in "$@"; do
		sed "1s/^/${wh_h%%=*} /; 2,\$s/^/ /" "${wh_h#*=}"
	done
	sed -n '/^$/,$p' "$wh_p"
}
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }
# DESC KIND FORMAT REPO ID: the parser's payload of the object is what git verify-KIND -v
# prints, and mainline's SSH check of the parser's signature over it names alice. Leaves the
# raw object in $T_TMP/raw and the payload in $T_TMP/our-payload.
parser_agrees() {
	pa_desc=$1 pa_kind=$2 pa_format=$3 pa_repo=$4 pa_id=$5
	git -C "$pa_repo" cat-file "$pa_kind" "$pa_id" >"$T_TMP/raw"
	git -C "$pa_repo" "verify-$pa_kind" -v "$pa_id" >"$T_TMP/git-payload" 2>/dev/null
	"$ST" parse "$pa_kind" "$pa_format" "$T_TMP/raw" payload >"$T_TMP/our-payload"
	"$ST" parse "$pa_kind" "$pa_format" "$T_TMP/raw" signature >"$T_TMP/our-sig"
	t_ok "$pa_desc: the payload is git's (verify-$pa_kind -v)" \
		cmp "$T_TMP/git-payload" "$T_TMP/our-payload"
	t_is "$pa_desc: mainline's SSH check of the signature names alice" \
		"$("$SV" "$signers" "$T_TMP/our-sig" "$T_TMP/our-payload" | cut -d' ' -f1-3)" \
		"ok alice@example.org $(fpr alice)"
}

# --- SHA-1 commits --------------------------------------------------------------
repo="$T_TMP/sha1"
new_repo "$repo"
echo one >"$repo/f"
git -C "$repo" add f
git -C "$repo" commit -q -S -m base
base=$(git -C "$repo" rev-parse HEAD)
payload="$T_TMP/payload"
git -C "$repo" cat-file commit "$(git -C "$repo" commit-tree -p "$base" -m "next" "$base^{tree}")" \
	>"$payload"
sign alice "$payload" "$T_TMP/alice.sig"
sign bob "$payload" "$T_TMP/bob.sig"
sign mallory "$payload" "$T_TMP/mallory.sig"
# a well-formed signature that does not verify: one base64 digit of its last line changed (an
# unparsable one would make git's %G? depend on when ssh-keygen stops reading)
awk 'n == 1 && /^-----END/ { c = substr(last, 2, 1) == "A" ? "B" : "A"
		last = substr(last, 1, 1) c substr(last, 3) }
	n == 1 { print last } { last = $0; n = 1 } END { print last }' \
	"$T_TMP/alice.sig" >"$T_TMP/broken.sig"

mk() { with_headers "$payload" "$@" | git -C "$repo" hash-object -t commit -w --stdin; }
verify() { # ID: mainline verify of main pointed at ID
	git -C "$repo" update-ref refs/heads/main "$1"
	"$MAINLINE" verify --source "$repo" --allowed-signers "$signers" --state "$T_TMP/st-$1" --json
}
# DESC ID GIT-STATUS REASON [SIGNER]: git's %G? and mainline's reason (and the signing key)
agree() {
	a_desc=$1 a_id=$2 a_git=$3 a_reason=$4
	t_is "$a_desc: git %G? is $a_git" "$(git -C "$repo" show -s --format=%G? "$a_id")" "$a_git"
	if [ "$a_git" = G ]; then
		t_ok "$a_desc: git verify-commit accepts" git -C "$repo" verify-commit "$a_id"
	else
		t_fails "$a_desc: git verify-commit refuses" git -C "$repo" verify-commit "$a_id"
	fi
	t_run verify "$a_id"
	t_is "$a_desc: mainline says $a_reason" "$(t_out | json_field reason)" "$a_reason"
	if [ $# -ge 5 ]; then
		t_is "$a_desc: mainline names $5's key, as git does" "$(t_out | json_field key)" \
			"$(git -C "$repo" show -s --format=%GF "$a_id")"
		t_is "$a_desc: ... which is $5's" "$(t_out | json_field key)" "$(fpr "$5")"
	fi
}

id=$(mk gpgsig="$T_TMP/alice.sig")
agree "gpgsig only" "$id" G ok alice

id=$(mk gpgsig-sha256="$T_TMP/alice.sig")
t_is "gpgsig-sha256 only: git cat-file shows the header" \
	"$(git -C "$repo" cat-file commit "$id" | grep -c '^gpgsig-sha256 ')" 1
agree "gpgsig-sha256 only (a valid signature over the payload)" "$id" N unsigned
t_like "... and the refusal names the header" "$(t_out | json_field message)" \
	"is not signed: its 'gpgsig-sha256' header"

id=$(mk gpgsig="$T_TMP/alice.sig" gpgsig-sha256="$T_TMP/bob.sig")
agree "gpgsig by alice, gpgsig-sha256 by bob" "$id" G ok alice
parser_agrees "both headers" commit sha1 "$repo" "$id"
t_ok "... the payload is the commit without both headers" cmp "$T_TMP/our-payload" "$payload"

id=$(mk gpgsig-sha256="$T_TMP/bob.sig" gpgsig="$T_TMP/alice.sig")
agree "gpgsig-sha256 by bob first, then gpgsig by alice" "$id" G ok alice

id=$(mk gpgsig="$T_TMP/mallory.sig" gpgsig-sha256="$T_TMP/alice.sig")
agree "gpgsig by an unknown key, gpgsig-sha256 by alice" "$id" U unknown_key

id=$(mk gpgsig="$T_TMP/broken.sig" gpgsig-sha256="$T_TMP/alice.sig")
agree "broken gpgsig, good gpgsig-sha256" "$id" B bad_signature

# the signature made over the payload with the gpgsig-sha256 header still in it
with_headers "$payload" gpgsig-sha256="$T_TMP/bob.sig" >"$T_TMP/payload-with"
sign alice "$T_TMP/payload-with" "$T_TMP/alice-with.sig"
id=$(with_headers "$T_TMP/payload-with" gpgsig="$T_TMP/alice-with.sig" |
	git -C "$repo" hash-object -t commit -w --stdin)
agree "gpgsig over a payload that kept gpgsig-sha256" "$id" B bad_signature

# deliberately stricter than git: git drops these headers from the payload unchecked
id=$(mk gpgsig="$T_TMP/alice.sig" gpgsig-sha512="$T_TMP/bob.sig")
agree "an unknown gpgsig-sha512 header (git ignores it; mainline refuses)" "$id" G malformed_object
id=$(mk gpgsig="$T_TMP/alice.sig" gpgsig-sha256="$T_TMP/bob.sig" gpgsig-sha256="$T_TMP/bob.sig")
agree "two gpgsig-sha256 headers (git ignores both; mainline refuses)" "$id" G malformed_object

# --- SHA-1 tags --------------------------------------------------------------------
git -C "$repo" update-ref refs/heads/main "$base"
tag_payload() { # NAME: an unsigned tag object of the base commit
	printf 'object %s\ntype commit\ntag %s\ntagger Alice Maintainer <alice@example.org> 1700000000 +0000\n\nrelease %s\n' \
		"$base" "$1" "$1" >"$T_TMP/tp-$1"
	for k in alice bob mallory; do sign "$k" "$T_TMP/tp-$1" "$T_TMP/tp-$1.$k"; done
}
put_tag() { # NAME OBJECT-TEXT-COMMAND...: writes the tag and names it refs/tags/NAME
	mt_n=$1
	shift
	mt_id=$("$@" | git -C "$repo" hash-object -t tag -w --stdin)
	git -C "$repo" update-ref "refs/tags/$mt_n" "$mt_id"
}
verify_tag() { # NAME
	"$MAINLINE" verify --source "$repo" --allowed-signers "$signers" --commit "refs/tags/$1" \
		--state "$T_TMP/st-tag-$1" --json
}

tag_payload plain
t_ok "an in-body signed tag passes git mktag" sh -c \
	"cat '$T_TMP/tp-plain' '$T_TMP/tp-plain.alice' | git -C '$repo' mktag >'$T_TMP/plain-id'"
git -C "$repo" update-ref refs/tags/plain "$(cat "$T_TMP/plain-id")"
t_ok "in-body signature: git verify-tag accepts" git -C "$repo" verify-tag plain
t_exit "in-body signature: mainline allows" 0 verify_tag plain

tag_payload hdr
put_tag hdr with_headers "$T_TMP/tp-hdr" gpgsig-sha256="$T_TMP/tp-hdr.mallory"
t_fails "only a gpgsig-sha256 header: git verify-tag finds no signature" \
	git -C "$repo" verify-tag hdr
t_like "... saying so" "$(t_out)" "no signature found"
git -C "$repo" cat-file tag hdr >"$T_TMP/raw"
t_like "only a gpgsig-sha256 header: mainline parses the tag as unsigned" \
	"$("$ST" parse tag sha1 "$T_TMP/raw" info | tr '\n' ' ')" "sig 0 other gpgsig-sha256"
t_exit "... so the unknown key in the header is never checked: the commit decides" 0 verify_tag hdr

tag_payload dual
with_headers "$T_TMP/tp-dual" gpgsig-sha256="$T_TMP/tp-dual.mallory" >"$T_TMP/d"
put_tag dual cat "$T_TMP/d" "$T_TMP/tp-dual.alice"
t_ok "in-body alice, gpgsig-sha256 mallory: git verify-tag accepts" git -C "$repo" verify-tag dual
t_exit "... and mainline allows" 0 verify_tag dual
parser_agrees "dual-signed tag" tag sha1 "$repo" dual
t_ok "... the payload is the tag without the header and the signature" \
	cmp "$T_TMP/our-payload" "$T_TMP/tp-dual"

tag_payload swap
with_headers "$T_TMP/tp-swap" gpgsig-sha256="$T_TMP/tp-swap.alice" >"$T_TMP/s"
put_tag swap cat "$T_TMP/s" "$T_TMP/tp-swap.mallory"
t_fails "in-body mallory, gpgsig-sha256 alice: git verify-tag refuses" git -C "$repo" verify-tag swap
t_exit "... and mainline refuses" 1 verify_tag swap
t_is "... as unknown_key" "$(t_out | json_field reason)" unknown_key

tag_payload own
with_headers "$T_TMP/tp-own" gpgsig="$T_TMP/tp-own.bob" >"$T_TMP/o"
put_tag own cat "$T_TMP/o" "$T_TMP/tp-own.alice"
t_ok "a gpgsig header on a SHA-1 tag: git ignores it and verify-tag accepts" \
	git -C "$repo" verify-tag own
t_exit "... mainline deliberately refuses the tag (git never writes that header)" 1 verify_tag own
t_is "... as malformed_object" "$(t_out | json_field reason)" malformed_object

# --- SHA-256 repositories ----------------------------------------------------------
r256="$T_TMP/sha256"
new_repo "$r256" --object-format=sha256
echo one >"$r256/f"
git -C "$r256" add f
git -C "$r256" commit -q -S -m base
t_ok "git signs and verifies in the SHA-256 repository" git -C "$r256" verify-commit HEAD
# libgit2 1.5.1 leaks when it refuses the repository: only this run ignores that
t_exit "mainline refuses a local SHA-256 repository" 1 env \
	LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$T_ROOT/tests/lsan/libgit2-objectformat.supp:print_suppressions=0" \
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0" \
	"$MAINLINE" verify --source "$r256" --allowed-signers "$signers" --state "$T_TMP/st-256" --json
t_is "... as unsupported" "$(t_out | json_field reason)" unsupported
t_like "... saying why" "$(t_out | json_field message)" \
	"a SHA-256 repository.*mainline reads SHA-1 repositories only"

git clone -q --bare "$r256" "$T_TMP/srv/r256.git"
port=$(t_free_port)
git daemon --base-path="$T_TMP/srv" --export-all --listen=127.0.0.1 --port="$port" \
	--reuseaddr "$T_TMP/srv" >"$T_TMP/daemon.log" 2>&1 &
daemon_pid=$!
stop_daemon() { kill "$daemon_pid" && wait "$daemon_pid"; }
T_CLEANUP="$T_CLEANUP stop_daemon"
t_wait_port "$port"
t_exit "mainline refuses a SHA-256 repository served by git daemon" 2 "$MAINLINE" verify \
	--source "git://127.0.0.1:$port/r256.git" --allowed-signers "$signers" \
	--state "$T_TMP/st-256d" --json
t_is "... as fetch_failed" "$(t_out | json_field reason)" fetch_failed
t_like "... with a hint at the object format" "$(t_out | json_field message)" \
	"a SHA-256 repository\\? mainline reads SHA-1 repositories only"

# the parsers read SHA-256 objects by the same rules, the other way round
p256="$T_TMP/p256"
git -C "$r256" cat-file commit "$(git -C "$r256" commit-tree -p HEAD -m next "HEAD^{tree}")" >"$p256"
sign alice "$p256" "$T_TMP/a256.sig"
sign bob "$p256" "$T_TMP/b256.sig"
mk256() { with_headers "$p256" "$@" | git -C "$r256" hash-object -t commit -w --stdin; }
id=$(mk256 gpgsig="$T_TMP/a256.sig")
t_is "SHA-256, gpgsig only: git %G? is N" "$(git -C "$r256" show -s --format=%G? "$id")" N
git -C "$r256" cat-file commit "$id" >"$T_TMP/raw"
t_like "... and the parser says unsigned" \
	"$("$ST" parse commit sha256 "$T_TMP/raw" info | tr '\n' ' ')" "sig 0 other gpgsig $"
id=$(mk256 gpgsig="$T_TMP/b256.sig" gpgsig-sha256="$T_TMP/a256.sig")
t_is "SHA-256, gpgsig bob and gpgsig-sha256 alice: git %G? is G" \
	"$(git -C "$r256" show -s --format=%G? "$id")" G
t_is "... by alice" "$(git -C "$r256" show -s --format=%GF "$id")" "$(fpr alice)"
parser_agrees "SHA-256 commit signed by gpgsig-sha256" commit sha256 "$r256" "$id"
t_exit "the same SHA-256 commit read as SHA-1 is malformed (its ids are 64 digits)" 1 \
	"$ST" parse commit sha1 "$T_TMP/raw" info

printf 'object %s\ntype commit\ntag v1\ntagger Alice Maintainer <alice@example.org> 1700000000 +0000\n\nrelease\n' \
	"$(git -C "$r256" rev-parse HEAD)" >"$T_TMP/tp256"
sign alice "$T_TMP/tp256" "$T_TMP/tp256.alice"
sign bob "$T_TMP/tp256" "$T_TMP/tp256.bob"
tid=$({ with_headers "$T_TMP/tp256" gpgsig="$T_TMP/tp256.bob"; cat "$T_TMP/tp256.alice"; } |
	git -C "$r256" hash-object -t tag -w --stdin)
t_ok "SHA-256 tag, in-body alice and gpgsig bob: git verify-tag accepts" \
	git -C "$r256" verify-tag "$tid"
parser_agrees "SHA-256 tag signed in its message" tag sha256 "$r256" "$tid"
tid=$({ with_headers "$T_TMP/tp256" gpgsig-sha256="$T_TMP/tp256.bob"; cat "$T_TMP/tp256.alice"; } |
	git -C "$r256" hash-object -t tag -w --stdin)
git -C "$r256" cat-file tag "$tid" >"$T_TMP/raw"
t_ok "SHA-256 tag with a gpgsig-sha256 header: git ignores the header" \
	git -C "$r256" verify-tag "$tid"
t_exit "... the parser deliberately refuses it" 1 "$ST" parse tag sha256 "$T_TMP/raw" info
t_like "... as malformed_object" "$(t_out)" "malformed_object: 'gpgsig-sha256' header in tag object"
t_done
