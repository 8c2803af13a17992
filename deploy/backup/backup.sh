#!/bin/sh
# The backup service: a physical base backup of the whole PostgreSQL cluster every day at BACKUP_AT.
# One pg_basebackup copies otklik, temporal and temporal_visibility at one and the same moment (they are
# databases of one cluster), so a restore brings Otklik's read model and Temporal's histories back
# consistent with each other — separate pg_dumps of the three would not be.
#   backup.sh          run forever: one backup a day at BACKUP_AT (HH:MM, UTC)
#   backup.sh once     one backup now (docs/operations/backups.md: before an upgrade, in the drill)
# Each backup is verified (pg_verifybackup, against its manifest) before it is packed as
# /backups/base-<UTC time>.tar.gz; backups older than BACKUP_KEEP_DAYS are removed after a good one.
# Connection: PGHOST, PGPORT, PGUSER (a REPLICATION role), PGPASSWORD, PGSSLMODE, PGSSLROOTCERT.
set -eu
DEST="${BACKUP_DIR:-/backups}"
KEEP_DAYS="${BACKUP_KEEP_DAYS:-14}"
AT="${BACKUP_AT:-02:30}"

once() {
  stamp=$(date -u +%Y%m%dT%H%M%SZ)
  work="$DEST/.partial-$stamp"
  mkdir -p "$DEST"
  echo "backup: base backup $stamp from ${PGHOST:-local}"
  pg_basebackup --pgdata="$work" --format=plain --wal-method=stream --checkpoint=fast \
    --label="otklik $stamp" --no-password --progress 2>&1 | tail -n 1
  [ -f "$work/backup_manifest" ] || { echo "backup: pg_basebackup failed" >&2; rm -rf "$work"; return 1; }
  pg_verifybackup --quiet "$work"
  tar -C "$work" -czf "$DEST/.base-$stamp.tar.gz" .
  mv "$DEST/.base-$stamp.tar.gz" "$DEST/base-$stamp.tar.gz"
  rm -rf "$work"
  find "$DEST" -maxdepth 1 -name 'base-*.tar.gz' -mtime "+$KEEP_DAYS" -print -delete
  echo "backup: $DEST/base-$stamp.tar.gz ($(du -h "$DEST/base-$stamp.tar.gz" | cut -f1)) verified"
}

seconds_until() {
  now=$(date -u +%s)
  next=$(date -u -d "today $1" +%s)
  [ "$next" -gt "$now" ] || next=$(date -u -d "tomorrow $1" +%s)
  echo $((next - now))
}

case "${1:-loop}" in
  once) once ;;
  loop)
    while :; do
      wait_s=$(seconds_until "$AT")
      echo "backup: next backup at $AT UTC, in ${wait_s}s"
      sleep "$wait_s"
      once || echo "backup: FAILED, the previous backups are kept" >&2
    done ;;
  *) echo "usage: backup.sh [once|loop]" >&2; exit 2 ;;
esac
