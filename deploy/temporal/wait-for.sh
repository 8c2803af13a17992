#!/bin/sh
# wait-for.sh HOST PORT [TRIES]: wait until HOST:PORT accepts TCP connections (one try a second).
# Uses `nc -z`, which the Alpine-based temporalio/admin-tools image has (BusyBox) — as the official
# temporalio/samples-server compose/scripts/setup-postgres.sh does; pg_isready is not in that image.
set -eu
host=${1:?host} port=${2:?port} tries=${3:-60}
i=0
until nc -z -w 2 "$host" "$port" >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -ge "$tries" ]; then
    echo "wait-for: $host:$port did not accept connections after $tries tries" >&2
    exit 1
  fi
  sleep 1
done
echo "wait-for: $host:$port is up"
