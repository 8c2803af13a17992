"""The production shape (docker-compose.yml, Dockerfile, deploy/): checked without a Docker engine.

The YAML is parsed and its shape asserted; the namespace job's script runs for real against the
Temporal dev server; `docker compose config -q` runs when the compose plugin is installed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from models.settings import REPO_ROOT, Settings
from workflows.search_attributes import CLI_TYPES

COMPOSE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
DEPLOY = REPO_ROOT / "deploy"
DUMMY_SECRETS = {"POSTGRES_PASSWORD": "pw-temporal", "OTKLIK_DB_PASSWORD": "pw-otklik",
                 "OTKLIK_CODEC_KEYS": "k1:" + "QUFB" * 8}
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def interpolate(value: str) -> str:
    """What compose makes of `${VAR:?msg}` / `${VAR:-default}` with the dummy secrets set."""

    def sub(m: re.Match[str]) -> str:
        name, rest = m.group(1), m.group(0)
        if name in DUMMY_SECRETS:
            return DUMMY_SECRETS[name]
        default = re.search(r":-([^}]*)\}$", rest)
        return default.group(1) if default else ""

    return INTERPOLATION.sub(sub, value)


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: interpolate(str(v)) for k, v in env.items()}


def test_the_services_of_the_production_shape(services):
    assert set(services) == {
        "postgresql", "temporal-admin-tools", "temporal", "temporal-create-namespace", "temporal-ui",
        "otklik-migrate", "api", "worker",
    }


def test_every_image_is_pinned(services):
    for name, svc in services.items():
        image = svc.get("image")
        assert image, f"{name}: no image"
        repo, _, tag = image.rpartition(":")
        assert repo and tag and tag != "latest" and "/" not in tag, f"{name}: image {image!r} is not pinned"
    tags = {name: services[name]["image"].rpartition(":")[2] for name in services}
    assert tags["temporal"] == tags["temporal-admin-tools"] == tags["temporal-create-namespace"]
    assert tags["temporal-ui"].startswith("2.")
    assert services["postgresql"]["image"] == "postgres:16"
    assert not any("auto-setup" in svc["image"] for svc in services.values())  # retired image


def test_every_dependency_exists_and_waits_for_the_right_condition(services):
    for name, svc in services.items():
        deps = svc.get("depends_on", {})
        assert isinstance(deps, dict), f"{name}: depends_on needs conditions"
        for target, spec in deps.items():
            assert target in services, f"{name} depends on unknown service {target}"
            cond = spec["condition"]
            assert cond in {"service_healthy", "service_completed_successfully"}, (name, target, cond)
            if cond == "service_healthy":
                assert "healthcheck" in services[target], f"{name} waits for {target}'s health, it has no check"
    assert services["temporal"]["depends_on"] == {"temporal-admin-tools": {"condition": "service_completed_successfully"}}
    for part in ("api", "worker"):
        assert services[part]["depends_on"] == {
            "otklik-migrate": {"condition": "service_completed_successfully"},
            "temporal-create-namespace": {"condition": "service_completed_successfully"},
        }


def test_volumes_are_named_and_declared_and_bind_mounts_exist(compose, services):
    declared = set(compose.get("volumes") or {})
    assert "postgres-data" in declared
    used = set()
    for name, svc in services.items():
        for vol in svc.get("volumes", []):
            source = vol.split(":")[0]
            if source.startswith((".", "/")):
                assert (REPO_ROOT / source).exists(), f"{name}: bind mount {source} missing"
            else:
                assert source in declared, f"{name}: volume {source} not declared"
                used.add(source)
    assert "postgres-data:/var/lib/postgresql/data" in services["postgresql"]["volumes"]
    assert used == declared


def test_health_checks_for_postgres_temporal_and_api(services):
    for name in ("postgresql", "temporal", "api"):
        assert services[name]["healthcheck"]["test"], name
    assert "pg_isready" in " ".join(services["postgresql"]["healthcheck"]["test"])
    assert "/readyz" in " ".join(services["api"]["healthcheck"]["test"])


def test_temporal_runs_on_postgres_with_our_dynamic_config(services):
    env = env_of(services["temporal"])
    assert env["DB"] == "postgres12" and env["POSTGRES_SEEDS"] == "postgresql"
    assert env["POSTGRES_PWD"] == DUMMY_SECRETS["POSTGRES_PASSWORD"]
    config = env["DYNAMIC_CONFIG_FILE_PATH"]
    mount = next(v for v in services["temporal"]["volumes"] if "dynamicconfig" in v)
    source, target = mount.split(":")[:2]
    assert target == "/etc/temporal/config/dynamicconfig" and config.startswith("config/dynamicconfig/")
    dynamic = yaml.safe_load((REPO_ROOT / source / Path(config).name).read_text(encoding="utf-8"))
    for key, values in dynamic.items():
        assert isinstance(values, list) and all("value" in v for v in values), key


def test_schema_job_sets_up_both_databases_from_versioned_dirs(services):
    job = services["temporal-admin-tools"]
    assert job["image"].startswith("temporalio/admin-tools:")
    script = (DEPLOY / "temporal" / "setup-schema.sh").read_text(encoding="utf-8")
    assert job["command"] == ["/otklik/setup-schema.sh"] and "./deploy/temporal:/otklik:ro" in job["volumes"]
    assert env_of(job)["SQL_PLUGIN"] == "postgres12"
    for step in ("create", "setup-schema -v 0.0", "update-schema -d"):
        assert f'temporal-sql-tool --db "$db" {step}' in script
    assert "temporal:temporal temporal_visibility:visibility" in script
    assert "/etc/temporal/schema/postgresql/v12" in script


def test_the_namespace_job_registers_exactly_our_search_attributes(services):
    job = services["temporal-create-namespace"]
    env = env_of(job)
    registered = dict(pair.split("=", 1) for pair in env["OTKLIK_SEARCH_ATTRIBUTES"].split())
    assert registered == CLI_TYPES
    assert env["TEMPORAL_ADDRESS"] == "temporal:7233" and env["TEMPORAL_NAMESPACE"] == "default"
    assert job["command"] == ["/otklik/create-namespace.sh"]


def test_the_ui_is_published_on_8233(services):
    ui = services["temporal-ui"]
    assert env_of(ui)["TEMPORAL_ADDRESS"] == "temporal:7233"
    assert any(str(p).endswith("8233:8080") for p in ui["ports"])


def test_otklik_containers_use_postgres_and_the_temporal_service(services):
    assert services["otklik-migrate"]["command"] == ["otklik db upgrade && otklik seed"]
    assert services["api"]["command"] == ["api"] and services["worker"]["command"] == ["worker"]
    assert services["worker"]["deploy"]["replicas"] == 2
    assert any(str(p).endswith("8000:8000") for p in services["api"]["ports"])
    for name in ("otklik-migrate", "api", "worker"):
        env = env_of(services[name])
        assert env["OTKLIK_DATABASE_URL"] == "postgresql://otklik:pw-otklik@postgresql:5432/otklik"
        assert env["OTKLIK_TEMPORAL_ADDRESS"] == "temporal:7233" and env["OTKLIK_API_HOST"] == "0.0.0.0"
        assert services[name]["image"] == services["api"]["image"] and "build" in services[name]
        # the values pass Otklik's own settings validation
        fields = {k.removeprefix("OTKLIK_").lower(): v for k, v in env.items() if k.startswith("OTKLIK_")}
        settings = Settings(_env_file=None, **fields)  # type: ignore[call-arg]
        assert settings.db_url.startswith("postgresql+psycopg://otklik:")


def test_otklik_database_is_created_by_an_init_script(services):
    pg = services["postgresql"]
    assert "./deploy/postgres:/docker-entrypoint-initdb.d:ro" in pg["volumes"]
    assert env_of(pg)["OTKLIK_DB_PASSWORD"] == "pw-otklik"
    script = (DEPLOY / "postgres" / "10-otklik-db.sh").read_text(encoding="utf-8")
    assert "CREATE DATABASE otklik OWNER otklik" in script and "CREATE ROLE otklik LOGIN" in script


def test_shell_scripts_are_posix_sh_and_executable():
    sh = shutil.which("sh")
    for script in sorted(DEPLOY.rglob("*.sh")):
        assert os.access(script, os.X_OK), f"{script} is not executable"
        assert script.read_text(encoding="utf-8").startswith("#!/bin/sh\n"), script
        if sh:
            res = subprocess.run([sh, "-n", str(script)], capture_output=True, text=True)
            assert res.returncode == 0, res.stderr


def test_dockerfile_runs_otklik_as_a_non_root_user():
    lines = [ln.strip() for ln in DOCKERFILE.read_text(encoding="utf-8").splitlines() if ln.strip()
             and not ln.lstrip().startswith("#")]
    assert lines[0] == "FROM python:3.11-slim"
    assert "COPY . /app" in lines and "RUN pip install --no-cache-dir -e /app" in lines
    user = [ln for ln in lines if ln.startswith("USER ")]
    assert user and user[-1] not in ("USER root", "USER 0")
    assert lines.index(user[-1]) > lines.index("RUN pip install --no-cache-dir -e /app")
    assert 'ENTRYPOINT ["otklik"]' in lines
    ignored = set((REPO_ROOT / ".dockerignore").read_text(encoding="utf-8").split())
    assert {".venv", ".otklik", ".git", ".env", "**/__pycache__", ".pytest_cache"} <= ignored
    assert "README.md" not in ignored and "config" not in ignored  # pyproject and the app need them


def test_the_namespace_script_registers_the_attributes_on_a_real_server(dev_env):
    """deploy/temporal/create-namespace.sh against the dev server: creates, then finds everything in place."""
    address = dev_env.client.service_client.config.target_host
    env = os.environ | {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "TEMPORAL_ADDRESS": address,
        "TEMPORAL_NAMESPACE": "otklik-compose-check",
        "OTKLIK_SEARCH_ATTRIBUTES": " ".join(f"{k}={v}" for k, v in CLI_TYPES.items()),
    }
    script = str(DEPLOY / "temporal" / "create-namespace.sh")
    first = subprocess.run(["sh", script], capture_output=True, text=True, env=env, timeout=60)
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.count(") created") == len(CLI_TYPES)
    again = subprocess.run(["sh", script], capture_output=True, text=True, env=env, timeout=60)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.count(") exists") == len(CLI_TYPES) and "namespace otklik-compose-check exists" in again.stdout


def test_docker_compose_config_accepts_the_file():
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("docker client not installed")
    probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip("docker compose plugin not installed")
    res = subprocess.run([docker, "compose", "-f", str(COMPOSE), "config", "-q"], capture_output=True, text=True,
                         env=os.environ | DUMMY_SECRETS, cwd=REPO_ROOT, timeout=60)
    assert res.returncode == 0, res.stderr


def test_payloads_are_encrypted_and_the_ui_decodes_through_the_api_for_operators(services):
    for name in ("api", "worker"):
        assert "OTKLIK_CODEC_KEYS:?" in str(services[name]["environment"]["OTKLIK_CODEC_KEYS"])  # required
    ui = env_of(services["temporal-ui"])
    assert ui["TEMPORAL_CODEC_ENDPOINT"] == "http://localhost:8000/codec"
    assert ui["TEMPORAL_CODEC_INCLUDE_CREDENTIALS"] == "true"
    assert ui["TEMPORAL_AUTH_ENABLED"] == "false" and "openid" in ui["TEMPORAL_AUTH_SCOPES"]
    api = Settings(_env_file=None, codec_cors_origins=env_of(services["api"])["OTKLIK_CODEC_CORS_ORIGINS"])  # type: ignore[call-arg]
    assert api.codec_origins == ["http://localhost:8233"]
