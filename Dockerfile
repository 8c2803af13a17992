# Otklik: one image for the API, the worker and the one-shot `db upgrade && seed` job
# (see docker-compose.yml). Editable install: the app reads config/ (calendars, SLA policy, seed)
# relative to the repository, so the repository itself lives at /app.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    OTKLIK_DATA_DIR=/var/lib/otklik

RUN groupadd --system --gid 10001 otklik \
 && useradd --system --uid 10001 --gid otklik --home-dir /home/otklik --create-home \
      --shell /usr/sbin/nologin otklik \
 && install -d -o otklik -g otklik /var/lib/otklik

WORKDIR /app
COPY . /app
RUN pip install --no-cache-dir -e /app

# The code stays owned by root (read-only for the service); only the data dir is writable.
USER otklik
EXPOSE 8000
ENTRYPOINT ["otklik"]
CMD ["api"]
