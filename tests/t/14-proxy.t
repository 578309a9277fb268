#!/bin/sh
# Proxies for mainline's own connections, through a real HTTP proxy on
# loopback that logs what it is asked: the libgit2 fetch over http (absolute
# requests) and https (CONNECT), the audit webhook over libcurl, both cases of
# the variables, no_proxy, and the Drone API request over http, which never
# takes a proxy.
. "$(dirname "$0")/lib.sh"
t_need git python3 lighttpd ssh-keygen
ST="$BUILD/tests/helpers/source-tool"
SINK="$BUILD/tests/helpers/http-sink"

# -- a pipeline repository served by git http-backend behind lighttpd, http and https
repo="$T_TMP/work"
git init -q "$repo"
git -C "$repo" commit -q --allow-empty -m first
tip=$(git -C "$repo" rev-parse HEAD)
git clone -q --bare "$repo" "$T_TMP/srv/repo.git"
t_start_git_http "$T_TMP/srv"
hport=$git_http_port
H="http://127.0.0.1:$hport/git/repo.git"

rm -f "$T_TMP/.proxy.port"
python3 "$T_ROOT/tests/helpers/http-proxy.py" "$T_TMP/.proxy.port" "$T_TMP/proxy.log" &
T_SERVERS="$T_SERVERS $!"
t_wait_file "$T_TMP/.proxy.port"
P="http://127.0.0.1:$(cat "$T_TMP/.proxy.port")"
dead="http://127.0.0.1:$(t_free_port)"
asked() { grep -c "$1" "$T_TMP/proxy.log"; }
fetch() { # CACHE URL ENV...
	f_cache=$1 f_url=$2
	shift 2
	env -i PATH="$PATH" HOME="$HOME" "$@" "$ST" fetch "$f_url" "$T_TMP/$f_cache" main
}

t_ok "http fetch without a proxy" fetch c0 "$H"
t_is "... asks no proxy" "$(asked "$hport")" 0
t_ok "http fetch with http_proxy" fetch c1 "$H" http_proxy="$P"
t_is "... gets the tip" "$(t_out)" "$tip"
t_like "... through the proxy, in absolute form" "$(cat "$T_TMP/proxy.log")" \
	"^GET http://127.0.0.1:$hport/git/repo.git/info/refs\\?service=git-upload-pack HTTP/1.1$"
before=$(asked "$hport")
t_ok "http fetch with an upper-case HTTP_PROXY (which libcurl alone would ignore)" \
	fetch c2 "$H" HTTP_PROXY="$P"
t_is "... through the proxy too" "$(asked "$hport")" $((before + 1))
t_exit "a proxy that is down fails the fetch: it really is used" 2 fetch c3 "$H" http_proxy="$dead"
t_like "... as fetch_failed" "$(t_out)" "fetch_failed: cannot fetch from '$H'"
t_ok "all_proxy serves http when http_proxy is unset" fetch c4 "$H" ALL_PROXY="$P"
t_is "... through the proxy" "$(asked "$hport")" $((before + 2))
t_ok "the lower-case variable wins over the upper-case one" \
	fetch c5 "$H" http_proxy="$P" HTTP_PROXY="$dead"
t_is "... through the proxy it names" "$(asked "$hport")" $((before + 3))
t_ok "NO_PROXY with the host: direct, though the proxy is down" \
	fetch c6 "$H" http_proxy="$dead" NO_PROXY=127.0.0.1
t_ok "no_proxy as a CIDR block: direct" fetch c7 "$H" http_proxy="$dead" no_proxy=127.0.0.0/8
t_ok "no_proxy with the host and its port: direct" \
	fetch c8 "$H" http_proxy="$dead" no_proxy="localhost, 127.0.0.1:$hport"
t_exit "no_proxy with the host and another port: proxied" 2 \
	fetch c9 "$H" http_proxy="$dead" no_proxy="127.0.0.1:1"
t_is "the proxy saw none of the direct fetches" "$(asked "$hport")" $((before + 3))
t_exit "a proxy variable that is no proxy URL: a configuration error" 2 \
	fetch c10 "$H" http_proxy="ftp://127.0.0.1:21"
t_like "... naming the variable" "$(t_out)" "config_error: variable 'http_proxy' is not a proxy URL"
t_exit "a socks proxy for a git fetch: refused, libgit2 cannot use it" 2 \
	fetch c11 "$H" ALL_PROXY="socks5://127.0.0.1:1080"
t_like "... saying so" "$(t_out)" "http:// and https:// proxies only"
t_exit "proxy credentials never show in a message" 2 \
	fetch c12 "$H" http_proxy="ftp://bob:hunter2@127.0.0.1:21"
t_fails "... hunter2 absent" grep -q hunter2 "$T_TMP/.out"
git -C "$T_TMP/srv/repo.git" config http.proxy "$dead"
git config --global http.proxy "$dead"
t_ok "git's own http.proxy is not read: mainline's variables alone decide" fetch c13 "$H"
git config --global --unset http.proxy

# -- https: the proxy only carries a CONNECT tunnel
if [ -e /usr/lib/lighttpd/mod_openssl.so ] && command -v openssl >/dev/null; then
	t_localhost_cert "$T_TMP/srv"
	t_start_git_http "$T_TMP/srv" "$T_TMP/srv.pem"
	sport=$git_http_port
	S="https://localhost:$sport/git/repo.git"
	t_run env -i PATH="$PATH" HOME="$HOME" HTTPS_PROXY="$P" "$ST" fetch "$S" "$T_TMP/s1" main \
		--ca "$T_TMP/srv.crt"
	t_is "https fetch through HTTPS_PROXY" "$?" 0
	t_like "... as a CONNECT tunnel" "$(cat "$T_TMP/proxy.log")" "^CONNECT localhost:$sport HTTP/1.1$"
	t_fails "... whose requests the proxy never sees" grep -q "GET https://" "$T_TMP/proxy.log"
	t_exit "https with a proxy that is down fails" 2 env -i PATH="$PATH" HOME="$HOME" \
		https_proxy="$dead" "$ST" fetch "$S" "$T_TMP/s2" main --ca "$T_TMP/srv.crt"
else
	echo "# https through a proxy not tested: lighttpd's mod_openssl or openssl missing"
fi

# -- the audit webhook (libcurl), from a run refused at the gate (no engine needed)
"$SINK" "$T_TMP/hook.bodies" >"$T_TMP/hook.out" &
T_SERVERS="$T_SERVERS $!"
t_wait_until 5 grep -q '^port ' "$T_TMP/hook.out"
wport=$(sed -n 's/^port //p' "$T_TMP/hook.out")
ssh-keygen -q -t ed25519 -N '' -C release -f "$T_TMP/key"
refused_run() { # ENV...
	env -i PATH="$PATH" HOME="$HOME" PLUGIN_SOURCE="$repo" \
		PLUGIN_ALLOWED_SIGNERS="release@example.org $(cut -d' ' -f1,2 "$T_TMP/key.pub")" \
		PLUGIN_IMAGE=unused:1 PLUGIN_COMMAND=true PLUGIN_CACHE="$T_TMP/pcache" \
		PLUGIN_AUDIT_WEBHOOK="http://127.0.0.1:$wport/audit" \
		DRONE_BUILD_EVENT=pull_request DRONE_COMMIT_REF=refs/pull/3/head DRONE_REPO=acme/app \
		DRONE_REPO_OWNER=acme DRONE_REPO_NAME=app DRONE_BUILD_NUMBER=7 "$@" "$MAINLINE"
}
t_exit "a refused run posts its record through HTTP_PROXY" 1 refused_run HTTP_PROXY="$P"
t_like "... the proxy forwarded the webhook's POST" "$(cat "$T_TMP/proxy.log")" \
	"^POST http://127.0.0.1:$wport/audit HTTP/1.1$"
t_is "... and the sink has the record" "$(grep -c '"decision":"refuse"' "$T_TMP/hook.bodies")" 1
before=$(asked ":$wport/")
t_exit "NO_PROXY for the webhook's host: posted direct" 1 \
	refused_run HTTP_PROXY="$P" NO_PROXY="127.0.0.1"
t_is "... the proxy saw nothing" "$(asked ":$wport/")" "$before"
t_is "... the sink has the second record" "$(grep -c '"decision":"refuse"' "$T_TMP/hook.bodies")" 2

# -- the Drone API over http never takes a proxy: one named by a build parameter could answer
b="$T_TMP/api/api/repos/acme/app/builds"
mkdir -p "$b"
printf '{"number":7,"source_repo":"mallory/app","event":"push"}' >"$b/7"
t_start_json_server "$T_TMP/api" "$T_TMP/api.log"
t_exit "drone_token over http with HTTP_PROXY set: the API is asked direct" 1 refused_run \
	HTTP_PROXY="$P" PLUGIN_DRONE_TOKEN=t0ken DRONE_SYSTEM_PROTO=http \
	DRONE_SYSTEM_HOST="127.0.0.1:$json_port" DRONE_BUILD_EVENT=push \
	DRONE_COMMIT_REF=refs/heads/main DRONE_COMMIT_BRANCH=main
t_like "... and its answer decided (a fork)" "$(t_out)" "source_repo: build comes from fork 'mallory/app'"
t_like "... asked at the API" "$(cat "$T_TMP/api.log")" "GET /api/repos/acme/app/builds/7"
t_fails "... without the proxy" grep -q ":$json_port" "$T_TMP/proxy.log"
t_fails "... so the token never went through it" grep -q t0ken "$T_TMP/proxy.log"
t_done
