"""The production shape, Otklik's own containers (the api, the workers, the migration job), checked without a
Docker engine like tests/unit/test_compose.py, whose helpers these share (the fixtures are in conftest.py):
TLS to PostgreSQL and Temporal, one whole shared environment, the image, the lock-down."""

from __future__ import annotations

from models.settings import REPO_ROOT, Settings
from tests.unit.test_compose import DOCKERFILE, DUMMY_SECRETS, env_of


def test_otklik_containers_use_tls_to_postgres_and_temporal(services):
    assert services["otklik-migrate"]["command"] == ["otklik db upgrade && otklik seed"]
    assert services["api"]["command"] == ["api"] and services["worker"]["command"] == ["worker"]
    assert services["worker"]["deploy"]["replicas"] == 2
    assert "ports" not in services["api"] and services["api"]["expose"] == ["8000"]
    for name in ("otklik-migrate", "api", "worker"):
        env = env_of(services[name])
        assert env["OTKLIK_DATABASE_URL"] == (
            "postgresql://otklik:pw-otklik-1@postgresql:5432/otklik?sslmode=verify-full&sslrootcert=/tls/ca.crt"
        )
        assert env["OTKLIK_TEMPORAL_ADDRESS"] == "temporal:7233"
        assert env["OTKLIK_TEMPORAL_TLS_CERT"] == "/tls/otklik.crt" and env["OTKLIK_TEMPORAL_TLS_SERVER_NAME"] == "temporal"
        assert services[name]["image"] == services["api"]["image"] and "build" in services[name]
        assert services[name]["group_add"] == ["10113"]
        # the values pass Otklik's own settings validation (the certificate files aside: they live on the host)
        fields = {k.removeprefix("OTKLIK_").lower(): v for k, v in env.items()
                  if k.startswith("OTKLIK_") and not k.startswith("OTKLIK_TEMPORAL_TLS_")}
        settings = Settings(_env_file=None, **fields)  # type: ignore[call-arg]
        assert settings.db_url.startswith("postgresql+psycopg://otklik:")
    assert env_of(services["worker"])["OTKLIK_WORKER_METRICS_PORT"] == "9464"


def test_every_otklik_container_gets_the_whole_shared_environment(services):
    """The worker adds its metrics port to the shared settings instead of replacing them (a replaced mapping
    once left the workers without OTKLIK_CODEC_KEYS: they refuse to start without them)."""
    shared = env_of(services["api"])
    for name in ("otklik-migrate", "worker"):
        env = env_of(services[name])
        assert {k: env.get(k) for k in shared} == shared, name
    worker = env_of(services["worker"])
    assert worker["OTKLIK_WORKER_METRICS_HOST"] == "0.0.0.0" and worker["OTKLIK_CODEC_KEYS"]
    # What the workers need to act and to deliver: the token key (required, and refused as a placeholder by
    # preflight), the networks' and channels' settings from .env, the public URL for links, the extra roots.
    assert worker["OTKLIK_SECRET_KEY"] == DUMMY_SECRETS["OTKLIK_SECRET_KEY"]
    assert "OTKLIK_SECRET_KEY" in env_of(services["preflight"])["PREFLIGHT_SECRETS"].split()
    for key in ("OTKLIK_SMTP_HOST", "OTKLIK_SMTP_PASSWORD", "OTKLIK_MAX_TOKEN", "OTKLIK_TELEGRAM_TOKEN",
                "OTKLIK_VK_SERVICE_TOKEN", "OTKLIK_OK_APPLICATION_KEY", "OTKLIK_EXTRA_CA_FILE"):
        assert key in worker, key
    assert worker["OTKLIK_PUBLIC_URL"] == "https://otklik.example.ru"
    assert "./deploy/trust:/trust:ro" in services["worker"]["volumes"]
    fields = set(Settings.model_fields)
    assert all(k.removeprefix("OTKLIK_").lower() in fields for k in worker if k.startswith("OTKLIK_"))


def test_dockerfile_installs_the_lock_before_the_code_and_runs_as_non_root():
    lines = [ln.strip() for ln in DOCKERFILE.read_text(encoding="utf-8").splitlines() if ln.strip()
             and not ln.lstrip().startswith("#")]
    assert lines[0] == "ARG PYTHON_IMAGE=python:3.11-slim-bookworm" and lines[1] == "FROM ${PYTHON_IMAGE}"
    assert "sha256:<digest>" in DOCKERFILE.read_text(encoding="utf-8")  # how to pin is documented
    lock_copy = lines.index("COPY requirements.lock /app/requirements.lock")
    lock_install = lines.index("RUN pip install --no-cache-dir --require-hashes -r /app/requirements.lock")
    code_copy = lines.index("COPY . /app")
    code_install = lines.index("RUN pip install --no-cache-dir --no-deps --no-build-isolation -e /app")
    assert lock_copy < lock_install < code_copy < code_install
    user = [ln for ln in lines if ln.startswith("USER ")]
    assert user and user[-1] not in ("USER root", "USER 0") and lines.index(user[-1]) > code_install
    assert 'ENTRYPOINT ["otklik"]' in lines
    ignored = set((REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".venv", ".otklik", ".git", ".env", "**/__pycache__", ".pytest_cache", "deploy", "backups"} <= ignored
    assert "README.md" not in ignored and "config" not in ignored and "requirements.lock" not in ignored


def test_otklik_containers_are_locked_down(services):
    for name in ("otklik-migrate", "api", "worker"):
        svc = services[name]
        assert svc["read_only"] is True and svc["cap_drop"] == ["ALL"], name
        assert "no-new-privileges:true" in svc["security_opt"] and "/tmp" in svc["tmpfs"], name
        # the image's OTKLIK_DATA_DIR stays writable
        assert "/var/lib/otklik" in svc["tmpfs"] and "OTKLIK_DATA_DIR=/var/lib/otklik" in DOCKERFILE.read_text(encoding="utf-8")
