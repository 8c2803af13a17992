#!/bin/sh
# One-time (and yearly) choice: the private CA of this installation and every certificate the services
# present to each other. Run as root on the Docker host, from the repository root:
#
#   sh deploy/tls/make-certs.sh     # writes deploy/tls/certs/ (mounted read-only at /tls) and the CA's
#                                   # key to deploy/tls/ca/ (mounted nowhere); both kept out of git
#
# Inside the deployment everything speaks TLS with these certificates: PostgreSQL (server cert), the
# Temporal frontend and internode traffic (server certs, and client certs required: mutual TLS is how
# the frontend knows the API, the workers, the UI and the admin jobs; nothing else on the network may
# call it), and the reverse proxy (its public certificate: replace proxy.crt / proxy.key with the one the
# organisation's CA issues for OTKLIK_PUBLIC_HOST and OTKLIK_TEMPORAL_UI_HOST if browsers must trust it).
#
# Existing files are kept (run again to add what is missing); delete certs/ to re-issue everything.
# ca/ca.key signs new certificates: after the first run move it off the host, bring it back to issue.
#
# Private keys are readable by root and by one group each (root:<gid> 0640); docker-compose.yml gives
# each service only its group with `group_add`, whatever user its image runs as:
#   10110 temporal server, 10111 admin jobs, 10112 Temporal UI, 10113 Otklik (api, worker, migrate).
# PostgreSQL's and the proxy's keys stay root 0600: their entrypoints read them as root.
set -eu
umask 077
DIR="${OTKLIK_TLS_DIR:-$(dirname "$0")/certs}"
CA_DIR="${OTKLIK_TLS_CA_DIR:-$(dirname "$0")/ca}"
DAYS="${OTKLIK_TLS_DAYS:-825}"
PUBLIC_HOST="${OTKLIK_PUBLIC_HOST:-otklik.localhost}"
UI_HOST="${OTKLIK_TEMPORAL_UI_HOST:-temporal.otklik.localhost}"
mkdir -p "$DIR" "$CA_DIR"
CA_DIR=$(cd "$CA_DIR" && pwd)
cd "$DIR"
CA_KEY="$CA_DIR/ca.key"

if [ ! -f ca.crt ]; then
  openssl req -x509 -newkey rsa:3072 -sha256 -nodes -days 3650 -keyout "$CA_KEY" -out ca.crt \
    -subj "/O=Otklik/CN=Otklik internal CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
  echo "make-certs: CA created ($DIR/ca.crt)"
fi

# issue NAME "SUBJECT-CN" "SAN list" "extendedKeyUsage"
issue() {
  name=$1 cn=$2 san=$3 eku=$4
  if [ -f "$name.crt" ] && [ -f "$name.key" ]; then
    echo "make-certs: $name exists"
    return 0
  fi
  [ -f "$CA_KEY" ] || { echo "make-certs: $CA_KEY is needed to issue $name (bring it back from safe keeping)" >&2; exit 1; }
  ext=$(mktemp)
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=$eku"
    if [ -n "$san" ]; then echo "subjectAltName=$san"; fi
  } > "$ext"
  openssl req -new -newkey rsa:2048 -sha256 -nodes -keyout "$name.key" -out "$name.csr" \
    -subj "/O=Otklik/CN=$cn" 2>/dev/null
  openssl x509 -req -sha256 -days "$DAYS" -in "$name.csr" -CA ca.crt -CAkey "$CA_KEY" -CAcreateserial -CAserial "$CA_DIR/ca.srl" \
    -extfile "$ext" -out "$name.crt" 2>/dev/null
  rm -f "$name.csr" "$ext"
  echo "make-certs: $name issued for $cn"
}

issue postgresql postgresql "DNS:postgresql,DNS:localhost,IP:127.0.0.1" serverAuth
issue temporal-frontend temporal "DNS:temporal,DNS:localhost,IP:127.0.0.1" "serverAuth,clientAuth"
issue temporal-internode temporal-internode "DNS:temporal-internode" "serverAuth,clientAuth"
issue temporal-admin temporal-admin "" clientAuth
issue temporal-ui temporal-ui "" clientAuth
issue otklik otklik "" clientAuth
issue proxy "$PUBLIC_HOST" "DNS:$PUBLIC_HOST,DNS:$UI_HOST" serverAuth

chmod 0755 .
chmod 0644 ./*.crt
chmod 0600 "$CA_KEY" postgresql.key proxy.key
own() {
  if [ "$(id -u)" = 0 ]; then chown "root:$2" "$1"; chmod 0640 "$1"; else
    echo "make-certs: not root: $1 stays 0600 for $(id -un); run as root so the containers can read it" >&2
  fi
}
own temporal-frontend.key 10110
own temporal-internode.key 10110
own temporal-admin.key 10111
own temporal-ui.key 10112
own otklik.key 10113
echo "make-certs: certificates in $DIR"
