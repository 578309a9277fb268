#!/bin/sh
# Chain verification on several threads gives the sequential answer: every
# fixture (a clean chain, and chains broken in the middle by each kind of
# refusal, with a second refusal nearer the tip) is verified with
# MAINLINE_VERIFY_WORKERS=1 and with 2, 3 and 8 workers and without the
# variable, and the decision, reason, commit, message, checked count and
# failed commit must be the same; the sequential answer itself names the
# oldest broken commit. So is a cache damaged at a commit in the middle of
# the chain, offline. Then the real GitHub history, whole and with one of
# its two keys missing, and a bad value of the variable.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen gpg python3
mkdir -m 700 -p "$GNUPGHOME"
kill_agents() { gpgconf --homedir "$GNUPGHOME" --kill all; }
T_CLEANUP="$T_CLEANUP kill_agents"

# --- trust roots --------------------------------------------------------------
keys="$T_TMP/keys"
mkdir -p "$keys"
for k in alice mallory carol; do
	ssh-keygen -q -t ed25519 -N '' -C "$k" -f "$keys/$k" || exit 1
done
signers="$T_TMP/allowed_signers"
{
	printf 'alice@example.org namespaces="git" %s\n' "$(cut -d' ' -f1,2 "$keys/alice.pub")"
	printf 'carol@example.org valid-before="20200101" %s\n' "$(cut -d' ' -f1,2 "$keys/carol.pub")"
} >"$signers"
G() { gpg --batch --quiet --yes --passphrase '' --pinentry-mode loopback "$@" 2>/dev/null; }
fpr() { gpg --batch --with-colons --list-keys "$1" 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }'; }
G --quick-gen-key "Dave <dave@example.org>" rsa2048 sign 0
G --quick-gen-key "Erin <erin@example.org>" ed25519 sign 0
dave=$(fpr dave@example.org)
erin=$(fpr erin@example.org)
G --export "$dave" "$erin" >"$T_TMP/trusted.gpg"
printf 'y\n0\n\ny\n' | gpg --command-fd 0 --no-tty --yes --passphrase '' --pinentry-mode loopback \
	-a --gen-revoke "$erin" >"$T_TMP/erin-rev.asc" 2>/dev/null
[ -s "$T_TMP/erin-rev.asc" ] || { echo "Bail out! no revocation certificate"; exit 1; }

# --- the fixtures: one branch each, from one anchor ---------------------------
repo="$T_TMP/repo"
git init -q "$repo"
n=0
commit() { # HOW: signed "ssh" by alice, "pgp" by dave, or "mallory", "carol", "erin", "none"
	n=$((n + 1))
	echo "$n" >>"$repo/f"
	git -C "$repo" add f
	case $1 in
	ssh) set -- -c gpg.format=ssh -c user.signingkey="$keys/alice" commit -S ;;
	mallory | carol) set -- -c gpg.format=ssh -c user.signingkey="$keys/$1" commit -S ;;
	pgp) set -- -c gpg.format=openpgp -c user.signingkey="$dave" commit -S ;;
	erin) set -- -c gpg.format=openpgp -c user.signingkey="$erin" commit -S ;;
	none) set -- commit ;;
	esac
	git -C "$repo" "$@" -q -m "change $n"
}
rewrite() { # TRANSFORM...: replaces HEAD by its raw object passed through TRANSFORM
	new=$(git -C "$repo" cat-file commit HEAD | "$@" |
		git -C "$repo" hash-object -t commit -w --stdin --literally)
	git -C "$repo" update-ref "refs/heads/$(git -C "$repo" branch --show-current)" "$new"
}
edited() { rewrite sed 's/^change \([0-9]*\)$/change \1, edited/'; }
twice_signed() {
	rewrite awk '
	/^gpgsig / { insig = 1; sig = $0 "\n"; print; next }
	insig && /^ / { sig = sig $0 "\n"; print; next }
	insig { insig = 0; printf "%s", sig }
	{ print }'
}
armor_trailer() { # text after the end of HEAD's armored signature
	rewrite awk '{ print } /^ -----END PGP SIGNATURE-----$/ { print " trailing text" }'
}
other_namespace() { # HEAD (unsigned) signed by alice for namespace "file"
	git -C "$repo" cat-file commit HEAD >"$T_TMP/payload"
	ssh-keygen -q -Y sign -n file -f "$keys/alice" "$T_TMP/payload" 2>/dev/null
	rewrite sh -c '
	sed -n "1,/^committer /p" "$1"
	printf "gpgsig %s\n" "$(head -1 "$1.sig")"
	tail -n +2 "$1.sig" | sed "s/^/ /"
	sed -n "/^committer /,\$p" "$1" | tail -n +2' sh "$T_TMP/payload"
	rm -f "$T_TMP/payload.sig"
}
good() { for how in "$@"; do commit "$how"; done; }

commit ssh
anchor=$(git -C "$repo" rev-parse HEAD)
fixtures=""
fixture() { # NAME BAD-STEP...: 6 good commits, the bad one, 5 good, one unsigned, 2 good
	git -C "$repo" checkout -q -b "$1" "$anchor"
	fixtures="$fixtures $1"
	name=$1
	shift
	good ssh pgp ssh pgp pgp ssh
	"$@"
	eval "bad_$name=\$(git -C \"\$repo\" rev-parse HEAD)"
	good pgp ssh pgp ssh ssh
	commit none
	good pgp ssh
}
fixture unsigned commit none
fixture bad_ssh eval 'commit ssh; edited'
fixture bad_pgp eval 'commit pgp; edited'
fixture unknown commit mallory
fixture expired commit carol
fixture revoked commit erin
fixture namespace eval 'commit none; other_namespace'
fixture malformed_sig eval 'commit pgp; armor_trailer'
fixture malformed eval 'commit ssh; twice_signed'
git -C "$repo" checkout -q -b clean "$anchor"
good ssh pgp ssh pgp ssh pgp ssh pgp ssh pgp
fixtures="$fixtures clean"

# --- one answer, whatever the number of workers -------------------------------
answer() { # the fields of a --json answer that must not depend on the workers
	python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
print(json.dumps({k: d.get(k) for k in
	("decision", "reason", "commit", "message", "checked", "failed_commit")}, sort_keys=True))'
}
field() { python3 -c 'import json, sys; print(json.loads(sys.stdin.read()).get(sys.argv[1]))' "$1"; }
run() { # WORKERS STATE BRANCH [options]: one verification's answer, "" for unset workers
	r_w=$1 r_st=$2 r_br=$3
	shift 3
	if [ -n "$r_w" ]; then
		MAINLINE_VERIFY_WORKERS=$r_w "$MAINLINE" verify --source "$repo" --branch "$r_br" \
			--state "$r_st" --json "$@"
	else
		env -u MAINLINE_VERIFY_WORKERS "$MAINLINE" verify --source "$repo" --branch "$r_br" \
			--state "$r_st" --json "$@"
	fi | answer
}
roots="--allowed-signers $signers --keyring $T_TMP/trusted.gpg --keyring $T_TMP/erin-rev.asc"
compare() { # NAME BRANCH [options]: the sequential answer, then the same from every other count
	c_name=$1 c_br=$2
	shift 2
	rm -rf "$T_TMP/st-1"
	[ -d "$T_TMP/seed" ] && cp -a "$T_TMP/seed" "$T_TMP/st-1"
	# shellcheck disable=SC2086
	seq=$(run 1 "$T_TMP/st-1" "$c_br" $roots --mode chain --anchor "$anchor" "$@")
	for w in 2 3 8 ""; do
		rm -rf "$T_TMP/st-n"
		[ -d "$T_TMP/seed" ] && cp -a "$T_TMP/seed" "$T_TMP/st-n"
		# shellcheck disable=SC2086
		t_is "$c_name: ${w:-default} workers answer as 1 does" \
			"$(run "$w" "$T_TMP/st-n" "$c_br" $roots --mode chain --anchor "$anchor" "$@")" "$seq"
	done
}

for f in $fixtures; do
	compare "$f" "$f"
	if [ "$f" = clean ]; then
		t_is "clean: allowed" "$(echo "$seq" | field decision)" allow
		t_is "clean: every commit checked" "$(echo "$seq" | field checked)" 10
		continue
	fi
	eval "bad=\$bad_$f"
	if [ "$f" = malformed ]; then
		# refused by the walk's parser, before any signature is checked
		t_is "$f: the broken commit is named in the message" \
			"$(echo "$seq" | field message | grep -c "commit '$bad' is malformed")" 1
		t_is "$f: no signature checked" "$(echo "$seq" | field checked)" 0
		continue
	fi
	t_is "$f: the oldest broken commit is named" "$(echo "$seq" | field failed_commit)" "$bad"
	t_is "$f: the commits before it were checked" "$(echo "$seq" | field checked)" 6
done
reason_of() { echo "$1" | field reason; }
for pair in unsigned:unsigned bad_ssh:bad_signature bad_pgp:bad_signature unknown:unknown_key \
	expired:key_expired revoked:key_revoked namespace:wrong_namespace \
	malformed_sig:malformed_object malformed:malformed_object; do
	f=${pair%%:*}
	rm -rf "$T_TMP/st-r"
	# shellcheck disable=SC2086
	t_is "$f: reason ${pair#*:}" \
		"$(reason_of "$(run 1 "$T_TMP/st-r" "$f" $roots --mode chain --anchor "$anchor")")" \
		"${pair#*:}"
done

# some signatures already verified (tip mode, same anchor), before and after the
# broken commit: those are not checked again, by any number of workers
rm -rf "$T_TMP/seed"
for back in 12 10 4; do
	# shellcheck disable=SC2086
	t_is "partly cached: seeded with a tip-mode check" "$(run 1 "$T_TMP/seed" unsigned $roots \
		--anchor "$anchor" --commit "$(git -C "$repo" rev-parse "unsigned~$back")" | field decision)" \
		allow
done
compare "partly cached" unsigned
t_is "partly cached: refused at the same commit" "$(echo "$seq" | field failed_commit)" \
	"$bad_unsigned"
t_is "partly cached: the cached signatures are not checked again" \
	"$(echo "$seq" | field checked)" 4
rm -rf "$T_TMP/seed"

# a cache whose pack is damaged at a commit in the middle of the chain (the walk reads
# it from the pack, libgit2 cannot read it either): offline, the same refusal naming it.
# The commit is one no other object is stored as a delta of (git's choice of bases varies
# with the commits' times), so the walk meets the damage first at that commit.
rm -rf "$T_TMP/st-damaged"
# shellcheck disable=SC2086
run 1 "$T_TMP/st-damaged" clean $roots --mode chain --anchor "$anchor" >/dev/null
damaged_git=$(ls -d "$T_TMP"/st-damaged/*/git)
git --git-dir="$damaged_git" verify-pack -v "$damaged_git"/objects/pack/pack-*.idx >"$T_TMP/layout"
for back in 5 4 6 3 7; do
	mid=$(git -C "$repo" rev-parse "clean~$back")
	awk -v id="$mid" 'NF >= 7 && $7 == id { found = 1 } END { exit found }' "$T_TMP/layout" && break
done
at=$(awk -v id="$mid" '$1 == id { print $5 + int($4 / 2) }' "$T_TMP/layout")
chmod -R u+w "$damaged_git/objects/pack"
python3 -c '
import sys
f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2])); f.write(b"\x55" * 4)' \
	"$(ls "$damaged_git"/objects/pack/pack-*.pack)" "$at"
rm -rf "$T_TMP/st-damaged/state"
cp -a "$T_TMP/st-damaged" "$T_TMP/seed"
compare "damaged cache" clean --offline
t_is "damaged cache: refused as malformed" "$(echo "$seq" | field reason)" malformed_object
t_like "damaged cache: the damaged commit is named" "$(echo "$seq" | field message)" \
	"cannot read object '$mid'"
rm -rf "$T_TMP/seed"

t_exit "a bad MAINLINE_VERIFY_WORKERS is a configuration error" 2 \
	env MAINLINE_VERIFY_WORKERS=0 "$MAINLINE" verify --source "$repo" --branch clean \
	--state "$T_TMP/st-bad" --json --allowed-signers "$signers"
t_like "... naming the variable" "$(t_out)" 'MAINLINE_VERIFY_WORKERS=.0. is not a number of threads'

# --- the real GitHub history: 1,075 RSA signatures ----------------------------
RW="$T_ROOT/../shared/data/realworld"
[ -d "$RW" ] || RW=/work/shared/data/realworld
if [ -r "$RW/gittuf-main.bundle" ]; then
	gittuf="$T_TMP/gittuf.git"
	git clone -q --bare "$RW/gittuf-main.bundle" "$gittuf"
	start=2e0ebfb109aef2073ed1ff73c9790cb10eb950e2
	# each key alone, from the keyring of both
	mkdir -m 700 -p "$T_TMP/gh"
	G --homedir "$T_TMP/gh" --import "$RW/github-web-flow.asc"
	G --homedir "$T_TMP/gh" --export 5DE3E0509C47EA3CF04A42D34AEE18F83AFDEB23 >"$T_TMP/rsa2048.gpg"
	G --homedir "$T_TMP/gh" --export 968479A1AFF927E37D1A566BB5690EEEBB952194 >"$T_TMP/rsa4096.gpg"
	gpgconf --homedir "$T_TMP/gh" --kill all
	first_4096=$(git -C "$gittuf" rev-list --first-parent --reverse "$start..main" | sed -n 181p)
	# fetched once; each run verifies a copy of that cache, offline, from an empty state
	"$MAINLINE" verify --source "$gittuf" --keyring "$RW/github-web-flow.asc" \
		--state "$T_TMP/gh-fetched" >/dev/null
	rm -rf "$T_TMP/gh-fetched/state"
	gh_run() { # WORKERS KEYRING
		rm -rf "$T_TMP/gh-st"
		cp -a "$T_TMP/gh-fetched" "$T_TMP/gh-st"
		MAINLINE_VERIFY_WORKERS=$1 "$MAINLINE" verify --source "$gittuf" --keyring "$2" \
			--state "$T_TMP/gh-st" --offline --mode chain --anchor "$start" --json | answer
	}
	gh() { # NAME KEYRING: 1 worker, then 2 and 3
		seq=$(gh_run 1 "$2")
		for w in 2 3; do
			t_is "real history, $1: $w workers answer as 1 does" "$(gh_run "$w" "$2")" "$seq"
		done
	}
	gh "both keys" "$RW/github-web-flow.asc"
	t_is "real history, both keys: 1,075 signatures checked" "$(echo "$seq" | field checked)" 1075
	gh "only the RSA-2048 key" "$T_TMP/rsa2048.gpg"
	t_is "... refused at the first RSA-4096 signature" "$(echo "$seq" | field failed_commit)" \
		"$first_4096"
	t_is "... after the 180 RSA-2048 ones" "$(echo "$seq" | field checked)" 180
	gh "only the RSA-4096 key" "$T_TMP/rsa4096.gpg"
	t_is "... refused at the first commit" "$(echo "$seq" | field failed_commit)" \
		8f8d36302dd71a25e0f6818eb971348b6576e7b5
else
	echo "# the GitHub history is not tested: real-world data absent"
fi
t_done
