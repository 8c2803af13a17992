#!/bin/sh
# Entrypoint of the postgresql service: PostgreSQL with TLS and deploy/postgres/pg_hba.conf.
# Runs as root before the image's own entrypoint (which then steps down to the postgres user): the
# server refuses a key file another user can read, and the bind-mounted deploy/tls/certs/postgresql.key
# belongs to root — so a copy owned by postgres, mode 0600, is made on every start (a renewed
# certificate is picked up by `docker compose restart postgresql`).
set -eu
TLS_DIR=/var/lib/postgresql/tls
install -d -m 0700 -o postgres -g postgres "$TLS_DIR"
install -m 0600 -o postgres -g postgres /tls/postgresql.key "$TLS_DIR/server.key"
install -m 0644 -o postgres -g postgres /tls/postgresql.crt "$TLS_DIR/server.crt"
install -m 0644 -o postgres -g postgres /tls/ca.crt "$TLS_DIR/ca.crt"
exec docker-entrypoint.sh postgres \
  -c ssl=on \
  -c ssl_min_protocol_version=TLSv1.2 \
  -c "ssl_cert_file=$TLS_DIR/server.crt" \
  -c "ssl_key_file=$TLS_DIR/server.key" \
  -c "ssl_ca_file=$TLS_DIR/ca.crt" \
  -c hba_file=/otklik/pg_hba.conf \
  -c password_encryption=scram-sha-256 \
  -c wal_level=replica \
  -c max_wal_senders=4 \
  -c log_connections=on \
  "$@"
