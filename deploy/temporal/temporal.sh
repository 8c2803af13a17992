#!/bin/sh
# temporal.sh ARGS…: the Temporal CLI against the deployment's frontend, over mutual TLS when
# OTKLIK_TLS_CA is set (OTKLIK_TLS_CERT / OTKLIK_TLS_KEY: the client certificate, OTKLIK_TLS_SERVER_NAME:
# the name in the frontend's certificate). Used by create-namespace.sh and by operators:
#   docker compose run --rm temporal-cli operator namespace describe --namespace default
set -eu
ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
if [ -n "${OTKLIK_TLS_CA:-}" ]; then
  set -- "$@" --address "$ADDRESS" --tls --tls-ca-path "$OTKLIK_TLS_CA" \
    --tls-server-name "${OTKLIK_TLS_SERVER_NAME:-temporal}"
  if [ -n "${OTKLIK_TLS_CERT:-}" ]; then
    set -- "$@" --tls-cert-path "$OTKLIK_TLS_CERT" --tls-key-path "${OTKLIK_TLS_KEY:?OTKLIK_TLS_KEY goes with OTKLIK_TLS_CERT}"
  fi
else
  set -- "$@" --address "$ADDRESS"
fi
exec temporal "$@"
