#!/bin/sh
# One-shot job (temporalio/admin-tools): create Temporal's two PostgreSQL databases and bring their
# schemas to the version shipped in the image, as the official compose samples do
# (temporalio/samples-server compose/scripts/setup-postgres.sh).
# Safe on every start: `create` ignores an existing database, `setup-schema -v 0.0` skips when the
# schema is already past 0.0, and `update-schema` applies only the versions not yet applied — so a new
# admin-tools/server tag upgrades the schema before the server starts.
set -eu
: "${SQL_HOST:?}" "${SQL_USER:?}" "${SQL_PASSWORD:?}"
SQL_PORT="${SQL_PORT:-5432}"
SQL_PLUGIN="${SQL_PLUGIN:-postgres12}"
export SQL_HOST SQL_PORT SQL_USER SQL_PASSWORD SQL_PLUGIN
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

echo "waiting for PostgreSQL at $SQL_HOST:$SQL_PORT"
i=0
until pg_isready -q -h "$SQL_HOST" -p "$SQL_PORT" -U "$SQL_USER"; do
  i=$((i + 1))
  if [ "$i" -ge 60 ]; then echo "PostgreSQL did not come up" >&2; exit 1; fi
  sleep 1
done

for pair in temporal:temporal temporal_visibility:visibility; do
  db=${pair%%:*}
  dir=$SCHEMA_DIR/${pair#*:}/versioned
  echo "schema of $db from $dir"
  temporal-sql-tool --db "$db" create
  temporal-sql-tool --db "$db" setup-schema -v 0.0
  temporal-sql-tool --db "$db" update-schema -d "$dir"
done
echo "Temporal schemas are up to date"
