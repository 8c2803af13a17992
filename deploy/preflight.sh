#!/bin/sh
# First job of every `docker compose up`: refuses to start the installation with a placeholder secret
# (deploy/env.example's change-me-…, or a well-known default) or without its TLS certificates
# (deploy/tls/make-certs.sh). Every other service waits for it to complete.
#   PREFLIGHT_SECRETS  names of the variables that hold secrets, space-separated
#   PREFLIGHT_FILES    files that must exist and be non-empty, space-separated
set -eu
bad=0
for name in ${PREFLIGHT_SECRETS:-}; do
  eval "value=\${$name:-}"
  lower=$(printf '%s' "$value" | tr '[:upper:]' '[:lower:]')
  case "$lower" in
    "")
      echo "preflight: $name is empty: set it in .env" >&2; bad=1 ;;
    change-me*|change_me*|changeme*|password|secret|postgres|temporal|otklik|admin)
      echo "preflight: $name is a placeholder from deploy/env.example: set a real secret in .env" >&2; bad=1 ;;
  esac
  if [ "${#value}" -gt 0 ] && [ "${#value}" -lt 12 ]; then
    echo "preflight: $name is shorter than 12 characters" >&2; bad=1
  fi
done
for file in ${PREFLIGHT_FILES:-}; do
  if [ ! -s "$file" ]; then
    echo "preflight: $file is missing: run deploy/tls/make-certs.sh (docs/operations/README.md)" >&2; bad=1
  fi
done
if [ "$bad" -ne 0 ]; then exit 1; fi
echo "preflight: secrets and certificates are in place"
