#!/bin/sh
# One-shot job (temporalio/admin-tools): create the namespace if it is missing and register Otklik's
# search attributes (the list comes from OTKLIK_SEARCH_ATTRIBUTES, "Name=Type" separated by spaces;
# it must equal workflows/search_attributes.py CLI_TYPES — tests/unit/test_compose.py checks that).
# Idempotent: an existing namespace or attribute is left alone; an attribute that exists with another
# type stops the job with an error, since the workflows would fail to upsert it.
# Every CLI call goes through temporal.sh: mutual TLS from OTKLIK_TLS_* (the job's certificate
# temporal-admin), the CLI's own --tls-*-path flags.
set -eu
ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
export TEMPORAL_ADDRESS="$ADDRESS"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-720h}"
: "${OTKLIK_SEARCH_ATTRIBUTES:?a space-separated list of Name=Type}"
t() { sh "$(dirname "$0")/temporal.sh" "$@"; }

echo "waiting for the Temporal server at $ADDRESS"
i=0
until t operator cluster health >/dev/null 2>&1; do
  i=$((i + 1))
  if [ "$i" -ge 60 ]; then echo "Temporal at $ADDRESS is not healthy" >&2; exit 1; fi
  sleep 2
done

if t operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $NAMESPACE exists"
else
  t operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION" \
    --description "Otklik: messages from open sources (Decree No. 40 of the Head of RNO-A)"
  echo "namespace $NAMESPACE created (retention $RETENTION)"
fi

# A new namespace takes a moment to reach the frontend's cache.
i=0
until existing=$(t operator search-attribute list --namespace "$NAMESPACE" 2>/dev/null); do
  i=$((i + 1))
  if [ "$i" -ge 30 ]; then echo "cannot list search attributes of $NAMESPACE" >&2; exit 1; fi
  sleep 2
done

for pair in $OTKLIK_SEARCH_ATTRIBUTES; do
  name=${pair%%=*}
  type=${pair#*=}
  have=$(printf '%s\n' "$existing" | awk -v n="$name" '$1 == n { print $2 }')
  if [ -z "$have" ]; then
    t operator search-attribute create --namespace "$NAMESPACE" --name "$name" --type "$type"
    echo "search attribute $name ($type) created"
  elif [ "$have" = "$type" ]; then
    echo "search attribute $name ($type) exists"
  else
    echo "search attribute $name exists with type $have, Otklik needs $type" >&2
    exit 1
  fi
done
echo "namespace $NAMESPACE is ready for Otklik"
