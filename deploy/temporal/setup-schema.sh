#!/bin/sh
# One-shot job (temporalio/admin-tools): bring the schemas of Temporal's two databases to the version
# shipped in the image, as the official compose sample does (temporalio/samples-server
# compose/scripts/setup-postgres.sh), before the server of the same tag starts.
# The databases themselves and their owner (the non-superuser role temporal) are created by
# deploy/postgres/initdb/10-roles.sh — the role may not CREATE DATABASE, so `temporal-sql-tool create`
# is not called.
# Safe on every start: `setup-schema -v 0.0` only creates the versioning tables if missing and
# `update-schema` applies only the versions not yet applied — so a new admin-tools/server tag upgrades
# the schema before the server starts (one minor version at a time: docs/operations/upgrade.md).
# temporal-sql-tool reads its connection from SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD and
# TLS from SQL_TLS, SQL_TLS_CA_FILE, SQL_TLS_SERVER_NAME (tools/sql/main.go at the pinned tag).
set -eu
: "${SQL_HOST:?}" "${SQL_USER:?}" "${SQL_PASSWORD:?}"
SQL_PORT="${SQL_PORT:-5432}"
SQL_PLUGIN="${SQL_PLUGIN:-postgres12}"
export SQL_HOST SQL_PORT SQL_USER SQL_PASSWORD SQL_PLUGIN
SCHEMA_DIR="${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}"

sh "$(dirname "$0")/wait-for.sh" "$SQL_HOST" "$SQL_PORT" 60

for pair in "${TEMPORAL_DB:-temporal}:temporal" "${TEMPORAL_VISIBILITY_DB:-temporal_visibility}:visibility"; do
  db=${pair%%:*}
  dir=$SCHEMA_DIR/${pair#*:}/versioned
  echo "schema of $db from $dir"
  temporal-sql-tool --db "$db" setup-schema -v 0.0
  temporal-sql-tool --db "$db" update-schema -d "$dir"
done
echo "Temporal schemas are up to date"
