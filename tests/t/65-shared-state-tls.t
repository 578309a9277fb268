#!/bin/sh
# The shared state over TLS with libpq's own settings: a private PostgreSQL that takes TCP
# connections only with TLS, a test CA made with openssl now; sslmode=verify-full with that CA
# works (and a client certificate logs in), a wrong CA is refused, a host name the certificate
# does not name is refused by verify-full (verify-ca, its twin, checks the CA only), and
# without TLS the server says no.
. "$(dirname "$0")/lib.sh"
t_need git ssh-keygen openssl
t_postgres_start || t_skip_all "the private PostgreSQL did not start"
tls="$T_TMP/tls"
mkdir -p "$tls"
ca() { # NAME: a self-signed CA NAME.pem / NAME.key
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=$1" -keyout "$tls/$1.key" \
		-out "$tls/$1.pem" 2>/dev/null
}
leaf() { # NAME CN [SAN]: a certificate NAME.pem / NAME.key signed by the test CA
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$2" -keyout "$tls/$1.key" -out "$tls/$1.csr" 2>/dev/null
	printf '%s\n' "${3:+subjectAltName=$3}" >"$tls/$1.ext"
	openssl x509 -req -in "$tls/$1.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial \
		-days 2 -extfile "$tls/$1.ext" -out "$tls/$1.pem" 2>/dev/null
}
ca ca
ca wrong
leaf server localhost DNS:localhost
leaf client certuser
chmod 600 "$tls/client.key"
cp "$tls/server.pem" "$tls/server.key" "$pg_dir/"
[ "$(id -u)" = 0 ] && chown 65534:65534 "$pg_dir/server.pem" "$pg_dir/server.key"
chmod 600 "$pg_dir/server.key"
cat >>"$pg_dir/data/postgresql.conf" <<CONF
ssl = on
ssl_cert_file = '$pg_dir/server.pem'
ssl_key_file = '$pg_dir/server.key'
ssl_ca_file = '$pg_dir/ca.pem'
CONF
cp "$tls/ca.pem" "$pg_dir/ca.pem"
[ "$(id -u)" = 0 ] && chown 65534:65534 "$pg_dir/ca.pem"
# TCP only with TLS; certuser by its client certificate
{
	echo "hostnossl all all 127.0.0.1/32 reject"
	echo "hostssl fleet certuser 127.0.0.1/32 cert"
	cat "$pg_dir/data/pg_hba.conf"
} >"$pg_dir/hba.new"
cat "$pg_dir/hba.new" >"$pg_dir/data/pg_hba.conf"
t_postgres_stop
t_postgres_restart || t_skip_all "PostgreSQL did not start with TLS"
t_psql "CREATE ROLE owner LOGIN PASSWORD 'owner-pw'"
t_psql "CREATE ROLE certuser LOGIN"
t_psql "CREATE DATABASE fleet OWNER owner"
base="postgres://owner:owner-pw@localhost:$pg_port/fleet"
t_pipeline_repo
printf '%s\n' "$signers" >"$T_TMP/signers"
verify() { # URL: mainline verify against the shared state at URL, a fresh state each time
	"$MAINLINE" verify --source "$repo" --allowed-signers "$T_TMP/signers" \
		--state "$T_TMP/state.$$.$(date +%s%N)" --state-url "$1"
}

t_ok "migrate over TLS, sslmode=verify-full with the test CA" \
	"$MAINLINE" state migrate --state-url "$base?sslmode=verify-full&sslrootcert=$tls/ca.pem"
t_ok "a verification against the shared state over TLS" \
	verify "$base?sslmode=verify-full&sslrootcert=$tls/ca.pem"
t_is "... moved the shared floor" "$(t_psql fleet "SELECT commit FROM mainline.floor")" "$good"
t_exit "a wrong CA is refused" 2 verify "$base?sslmode=verify-full&sslrootcert=$tls/wrong.pem"
t_like "... saying why" "$(t_out)" "state_unavailable.*certificate verify failed"
t_exit "verify-full: a host name the certificate does not name is refused" 2 \
	verify "postgres://owner:owner-pw@127.0.0.1:$pg_port/fleet?sslmode=verify-full&sslrootcert=$tls/ca.pem"
t_like "... saying why" "$(t_out)" "server certificate for \"localhost\".* does not match host name \"127.0.0.1\""
t_ok "twin: verify-ca checks the CA only, and takes it" \
	verify "postgres://owner:owner-pw@127.0.0.1:$pg_port/fleet?sslmode=verify-ca&sslrootcert=$tls/ca.pem"
t_exit "without TLS the server refuses" 2 verify "$base?sslmode=disable"
t_like "... as pg_hba.conf says" "$(t_out)" "no encryption"
t_exit "a client certificate without its key is refused" 2 \
	verify "postgres://certuser@localhost:$pg_port/fleet?sslmode=verify-full&sslrootcert=$tls/ca.pem"
t_psql fleet "GRANT USAGE ON SCHEMA mainline TO certuser"
t_psql fleet "GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA mainline TO certuser"
t_ok "a client certificate logs in (sslcert, sslkey)" \
	verify "postgres://certuser@localhost:$pg_port/fleet?sslmode=verify-full&sslrootcert=$tls/ca.pem&sslcert=$tls/client.pem&sslkey=$tls/client.key"
t_done
