#!/bin/sh
# Creates Otklik's own role and database beside Temporal's (run by the postgres image from
# /docker-entrypoint-initdb.d on the first start of an empty volume; safe to run again by hand:
#   docker compose exec postgresql sh /docker-entrypoint-initdb.d/10-otklik-db.sh).
# Temporal's databases (temporal, temporal_visibility) are created by the temporal-admin-tools job.
set -eu
: "${OTKLIK_DB_PASSWORD:?OTKLIK_DB_PASSWORD must be set}"

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
     -v otklik_password="$OTKLIK_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE otklik LOGIN PASSWORD %L', :'otklik_password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'otklik')\gexec
SELECT 'CREATE DATABASE otklik OWNER otklik ENCODING ''UTF8'' TEMPLATE template0'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'otklik')\gexec
REVOKE ALL ON DATABASE otklik FROM PUBLIC;
GRANT ALL ON DATABASE otklik TO otklik;
SQL
echo "otklik: role and database 'otklik' ready"
