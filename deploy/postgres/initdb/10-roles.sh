#!/bin/sh
# The roles and databases of the installation, none of them a superuser (run by the postgres image from
# /docker-entrypoint-initdb.d on the first start of an empty volume, as the superuser POSTGRES_USER
# over the local socket). Idempotent — run it again to apply a rotated password:
#   docker compose exec postgresql sh /docker-entrypoint-initdb.d/10-roles.sh
#
#   temporal  owns temporal and temporal_visibility (the schema job and the server log in as it)
#   otklik    owns otklik (Otklik's migrations, API and workers)
#   backup    REPLICATION only: pg_basebackup of the whole cluster (deploy/backup/backup.sh)
#
# btree_gin, which the visibility schema needs, is created here by the superuser, so the temporal role
# needs no extra privilege. A placeholder password (deploy/env.example's change-me-…) stops the script
# before anything is created.
set -eu
: "${TEMPORAL_DB_PASSWORD:?TEMPORAL_DB_PASSWORD must be set}"
: "${OTKLIK_DB_PASSWORD:?OTKLIK_DB_PASSWORD must be set}"
: "${BACKUP_DB_PASSWORD:?BACKUP_DB_PASSWORD must be set}"
TEMPORAL_DB_USER="${TEMPORAL_DB_USER:-temporal}"
TEMPORAL_DB="${TEMPORAL_DB:-temporal}"
TEMPORAL_VISIBILITY_DB="${TEMPORAL_VISIBILITY_DB:-temporal_visibility}"
OTKLIK_DB_USER="${OTKLIK_DB_USER:-otklik}"
OTKLIK_DB="${OTKLIK_DB:-otklik}"
BACKUP_DB_USER="${BACKUP_DB_USER:-backup}"

for pair in "TEMPORAL_DB_PASSWORD:$TEMPORAL_DB_PASSWORD" "OTKLIK_DB_PASSWORD:$OTKLIK_DB_PASSWORD" \
            "BACKUP_DB_PASSWORD:$BACKUP_DB_PASSWORD" "POSTGRES_PASSWORD:${POSTGRES_PASSWORD:-}"; do
  name=${pair%%:*}
  value=$(printf '%s' "${pair#*:}" | tr '[:upper:]' '[:lower:]')
  case "$value" in
    change-me*|change_me*|changeme*|password|secret|postgres|temporal|otklik|admin)
      echo "otklik: $name is a placeholder (deploy/env.example): set a real password in .env" >&2
      exit 1 ;;
  esac
done

sql() { psql -v ON_ERROR_STOP=1 -X -q --username "${POSTGRES_USER:-postgres}" "$@"; }

# role NAME PASSWORD ATTRIBUTES: create it, or bring an existing one to these attributes and password.
role() {
  sql --dbname postgres -v name="$1" -v pw="$2" -v attrs="$3" <<'SQL'
SELECT format('CREATE ROLE %I', :'name') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'name')\gexec
SELECT format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS %s PASSWORD %L',
              :'name', :'attrs', :'pw')\gexec
SQL
}

# database NAME OWNER: create it owned by OWNER; only the owner may connect.
database() {
  sql --dbname postgres -v db="$1" -v owner="$2" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' TEMPLATE template0', :'db', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'owner')\gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db')\gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO %I', :'db', :'owner')\gexec
SQL
}

role "$TEMPORAL_DB_USER" "$TEMPORAL_DB_PASSWORD" NOREPLICATION
role "$OTKLIK_DB_USER" "$OTKLIK_DB_PASSWORD" NOREPLICATION
role "$BACKUP_DB_USER" "$BACKUP_DB_PASSWORD" REPLICATION
database "$TEMPORAL_DB" "$TEMPORAL_DB_USER"
database "$TEMPORAL_VISIBILITY_DB" "$TEMPORAL_DB_USER"
database "$OTKLIK_DB" "$OTKLIK_DB_USER"
sql --dbname "$TEMPORAL_VISIBILITY_DB" -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION IF NOT EXISTS btree_gin'
echo "otklik: roles $TEMPORAL_DB_USER, $OTKLIK_DB_USER, $BACKUP_DB_USER and their databases are ready"
