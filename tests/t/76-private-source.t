#!/bin/sh
# A private trusted repository: HTTPS with basic auth (a token in
# git_password, or Drone's netrc for the source's host) and SSH with a key
# given as a secret's contents and a pinned host key. Credentials never reach
# the log or the audit record.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen python3 lighttpd openssl
# Debian 12 ships mod_openssl apart (lighttpd-mod-openssl), mod_authn_file in lighttpd
for mod in mod_openssl mod_authn_file; do
	[ -e "/usr/lib/lighttpd/$mod.so" ] ||
		t_skip_all "lighttpd's $mod is not installed (scripts/deps.sh test installs it)"
done

ssh-keygen -q -t ed25519 -N '' -C release -f "$T_TMP/key"
signers=$(printf 'release@example.org %s' "$(cut -d' ' -f1,2 "$T_TMP/key.pub")")
mkdir -p "$T_TMP/srv"
repo="$T_TMP/srv/pipelines"
git init -q "$repo"
git -C "$repo" config gpg.format ssh
git -C "$repo" config user.signingkey "$T_TMP/key"
mkdir -p "$repo/ci"
printf '#!/bin/sh\necho private pipeline ran\n' >"$repo/ci/run.sh"
chmod +x "$repo/ci/run.sh"
git -C "$repo" add ci
git -C "$repo" commit -q -S -m "pipeline"
good=$(git -C "$repo" rev-parse HEAD)

# -- git http-backend behind lighttpd: TLS and basic auth on 127.0.0.1
token=tok-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
wrong=tok-wrong-0123456789
t_localhost_cert "$T_TMP/srv"
printf 'ci-bot:%s\n' "$token" >"$T_TMP/users"
hport=$(t_free_port)
mkdir -p "$T_TMP/www"
cat >"$T_TMP/lighttpd.conf" <<CONF
server.modules = ("mod_auth", "mod_authn_file", "mod_alias", "mod_cgi", "mod_setenv", "mod_openssl")
server.document-root = "$T_TMP/www"
server.bind = "127.0.0.1"
server.port = $hport
server.pid-file = "$T_TMP/lighttpd.pid"
server.errorlog = "$T_TMP/lighttpd.log"
ssl.engine = "enable"
ssl.pemfile = "$T_TMP/srv.pem"
auth.backend = "plain"
auth.backend.plain.userfile = "$T_TMP/users"
auth.require = ("/git" => ("method" => "basic", "realm" => "git", "require" => "valid-user"))
alias.url = ("/git" => "/usr/lib/git-core/git-http-backend")
\$HTTP["url"] =~ "^/git" {
	cgi.assign = ("" => "")
	setenv.add-environment = ("GIT_PROJECT_ROOT" => "$T_TMP/srv", "GIT_HTTP_EXPORT_ALL" => "")
}
CONF
lighttpd -D -f "$T_TMP/lighttpd.conf" &
httpd_pid=$!
stop_httpd() { kill "$httpd_pid" && wait "$httpd_pid"; }
T_CLEANUP="$T_CLEANUP stop_httpd"
t_wait_port "$hport"
H="https://localhost:$hport/git/pipelines"

n=0
plugin() { # a fresh cache per run: every run fetches
	n=$((n + 1))
	env -i PATH="$PATH" HOME="$HOME" TMPDIR="$T_TMP/tmp" \
		${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} ${LSAN_OPTIONS:+LSAN_OPTIONS="$LSAN_OPTIONS"} \
		PLUGIN_ALLOWED_SIGNERS="$signers" PLUGIN_IMAGE=mainline-test/busybox:1 \
		PLUGIN_COMMAND='["./ci/run.sh"]' PLUGIN_CACHE="$T_TMP/cache$n" \
		PLUGIN_AUDIT_FILE="$T_TMP/audit.jsonl" \
		DRONE_BUILD_EVENT=push DRONE_COMMIT_REF=refs/heads/main DRONE_COMMIT_BRANCH=main \
		DRONE_REPO=acme/app DRONE_BUILD_NUMBER=7 "$@" "$MAINLINE"
}
mkdir -p "$T_TMP/tmp"
https() { plugin PLUGIN_SOURCE="$H" PLUGIN_CA_CERT="$T_TMP/srv.crt" "$@"; }

t_exit "https with the right token: verified" 0 https PLUGIN_GIT_PASSWORD="$token" \
	PLUGIN_GIT_USERNAME=ci-bot PLUGIN_DRY_RUN=true
t_like "... the commit is named" "$(t_out)" "commit $good verified"
if curl -sf --max-time 3 --unix-socket /var/run/docker.sock http://d/_ping >/dev/null 2>&1 &&
	"$T_ROOT/scripts/test-image.sh"; then
	t_exit "https with the right token: the pipeline runs" 0 https \
		PLUGIN_GIT_PASSWORD="$token" PLUGIN_GIT_USERNAME=ci-bot
	t_like "... its output" "$(t_out)" "private pipeline ran"
else
	echo "# the pipeline over https not tested: no Docker engine answers or no test image"
fi
t_exit "https with a wrong token: refused" 2 https PLUGIN_GIT_PASSWORD="$wrong" \
	PLUGIN_GIT_USERNAME=ci-bot PLUGIN_DRY_RUN=true
t_like "... as fetch_failed naming the URL" "$(t_out)" "fetch_failed.*'$H'"
t_fails "... and the token is not in the message" grep -q "$wrong" "$T_TMP/.out"
t_exit "https without credentials: refused" 2 https PLUGIN_DRY_RUN=true
t_like "... as fetch_failed" "$(t_out)" "fetch_failed"
t_exit "https with the token under the default user: refused by this server" 2 \
	https PLUGIN_GIT_PASSWORD="$token" PLUGIN_DRY_RUN=true
t_fails "... the token is not in the message" grep -q "$token" "$T_TMP/.out"

netrc() {
	https DRONE_NETRC_USERNAME=ci-bot DRONE_NETRC_PASSWORD="$token" PLUGIN_DRY_RUN=true "$@"
}
t_exit "netrc for the source's host: verified" 0 netrc DRONE_NETRC_MACHINE=localhost
t_exit "netrc machine in another case: verified" 0 netrc DRONE_NETRC_MACHINE=LocalHost
t_exit "netrc for another host: not used, refused" 2 netrc DRONE_NETRC_MACHINE=git.example.org
t_like "... as fetch_failed" "$(t_out)" "fetch_failed"
t_exit "git credentials win over netrc: a wrong token is not rescued" 2 \
	netrc DRONE_NETRC_MACHINE=localhost PLUGIN_GIT_PASSWORD="$wrong"
t_fails "... neither token is in the message" grep -qE "$token|$wrong" "$T_TMP/.out"

t_exit "credentials in the URL itself: verified" 0 plugin PLUGIN_CA_CERT="$T_TMP/srv.crt" \
	PLUGIN_SOURCE="https://ci-bot:$token@localhost:$hport/git/pipelines" PLUGIN_DRY_RUN=true
t_fails "... the token is not in the log" grep -q "$token" "$T_TMP/.out"
t_ok "the audit file has a record per run" test -s "$T_TMP/audit.jsonl"
t_fails "no token in the audit records" grep -qE "$token|$wrong" "$T_TMP/audit.jsonl"
t_like "the audit records name the source" "$(head -1 "$T_TMP/audit.jsonl")" "\"source\":\"$H\""

# -- ssh:// from a private sshd (needs root for its privilege separation)
if [ -x /usr/sbin/sshd ] && [ "$(id -u)" = 0 ]; then
	ssh-keygen -q -t ed25519 -N '' -C deploy -f "$T_TMP/deploy"
	t_start_sshd "$T_TMP/deploy.pub"
	S="ssh://$(id -un)@127.0.0.1:$sport$repo"
	fp=$(ssh-keygen -lf "$T_TMP/ssh/host.pub" | awk '{ print $2 }')
	ssh() { plugin PLUGIN_SOURCE="$S" PLUGIN_DRY_RUN=true "$@"; }
	key=$(cat "$T_TMP/deploy"; echo .)
	key=${key%.} # with its final newline
	t_exit "ssh with the key as a secret's contents and the pinned host key: verified" 0 \
		ssh PLUGIN_SSH_KEY="$key" PLUGIN_SSH_KNOWN_HOSTS="$fp"
	t_like "... the commit is named" "$(t_out)" "commit $good verified"
	t_is "... the key file is gone afterwards" "$(ls -A "$T_TMP/tmp")" ""
	t_exit "ssh key contents without the final newline: verified" 0 \
		ssh PLUGIN_SSH_KEY="$(cat "$T_TMP/deploy")" PLUGIN_SSH_KNOWN_HOSTS="$fp"
	t_exit "ssh with a wrong pinned host key: refused" 2 \
		ssh PLUGIN_SSH_KEY="$(cat "$T_TMP/deploy")" \
		PLUGIN_SSH_KNOWN_HOSTS="$(cat "$T_TMP/ssh/other.pub")"
	t_like "... as fetch_failed, a host key mismatch" "$(t_out)" "fetch_failed.*host key does not match"
	t_is "... the key file is gone afterwards" "$(ls -A "$T_TMP/tmp")" ""
	t_exit "ssh with a key the server does not know: refused" 2 \
		ssh PLUGIN_SSH_KEY="$(cat "$T_TMP/ssh/other")" PLUGIN_SSH_KNOWN_HOSTS="$fp"
	t_like "... as fetch_failed" "$(t_out)" "fetch_failed"
	t_fails "the private key is not in the audit records" \
		grep -q "$(sed -n 2p "$T_TMP/deploy")" "$T_TMP/audit.jsonl"
	t_fails "... nor in the log" grep -q "$(sed -n 2p "$T_TMP/deploy")" "$T_TMP/.out"
else
	echo "# ssh:// not tested: needs /usr/sbin/sshd (openssh-server) and root"
fi
t_done
