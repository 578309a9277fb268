#!/bin/sh
# The source module and the commit parser on real signed history: GitHub
# web-flow merges of a public repository parse to exactly the payload and
# signature git extracts, and gpg accepts the signature over that payload.
. "$(dirname "$0")/lib.sh"
t_need git python3
ST="$BUILD/tests/helpers/source-tool"
C="$T_TMP/cache"
RW="$T_ROOT/../shared/data/realworld"
[ -d "$RW" ] || RW=/work/shared/data/realworld
[ -r "$RW/gittuf-main.bundle" ] || t_skip_all "real-world data absent"

git clone -q --bare "$RW/gittuf-main.bundle" "$T_TMP/gittuf.git"
t_is "fetch of the real repository prints its tip" \
	"$("$ST" fetch "$T_TMP/gittuf.git" "$C" main 2>&1)" \
	941446169232ba01a56fc341a37d0c0ae7d57154
ok=0
git -C "$T_TMP/gittuf.git" rev-list --first-parent -n 40 main >"$T_TMP/ids"
mkdir "$T_TMP/rw"
git -C "$T_TMP/gittuf.git" cat-file --batch <"$T_TMP/ids" | python3 -c '
import os, sys
src, out = sys.stdin.buffer, sys.argv[1]
while True:
    hdr = src.readline()
    if not hdr:
        break
    oid, _, size = hdr.split()
    d = src.read(int(size))
    src.read(1)
    end = d.find(b"\n\n")
    head, body = (d, b"") if end < 0 else (d[: end + 1], d[end + 1 :])
    keep, sig, skip = [], [], False
    for line in head.splitlines(keepends=True):
        if skip and line.startswith(b" "):
            sig.append(line[1:])
            continue
        skip = line.startswith(b"gpgsig ")
        (sig if skip else keep).append(line[7:] if skip else line)
    name = os.path.join(out, oid.decode())
    open(name + ".payload", "wb").write(b"".join(keep) + body)
    open(name + ".sig", "wb").write(b"".join(sig))
' "$T_TMP/rw"
while read -r c; do
	"$ST" cat "$C" "$T_TMP/gittuf.git" "$c" payload >"$T_TMP/rp"
	"$ST" cat "$C" "$T_TMP/gittuf.git" "$c" signature >"$T_TMP/rs"
	cmp -s "$T_TMP/rp" "$T_TMP/rw/$c.payload" && cmp -s "$T_TMP/rs" "$T_TMP/rw/$c.sig" &&
		[ -s "$T_TMP/rs" ] || ok=1
done <"$T_TMP/ids"
t_is "40 real merges parse to git's payload and signature" "$ok" 0
if command -v gpg >/dev/null; then
	gpg --batch --quiet --import "$RW/github-web-flow.asc" 2>/dev/null
	tip=941446169232ba01a56fc341a37d0c0ae7d57154
	"$ST" cat "$C" "$T_TMP/gittuf.git" $tip payload >"$T_TMP/rp"
	"$ST" cat "$C" "$T_TMP/gittuf.git" $tip signature >"$T_TMP/rs"
	t_ok "gpg verifies GitHub's signature over the parsed payload" \
		gpg --batch --verify "$T_TMP/rs" "$T_TMP/rp"
	printf 'x' >>"$T_TMP/rp"
	t_fails "gpg refuses it over a payload with one byte more" \
		gpg --batch --verify "$T_TMP/rs" "$T_TMP/rp"
else
	echo "# gpg's check of GitHub's signature not tested: gpg is not installed"
fi
t_done
