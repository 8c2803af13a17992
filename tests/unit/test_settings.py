"""Invalid configuration stops a command with one clear line, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from models.settings import Settings


def _otklik(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("OTKLIK_")} | env
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, env=full,
                          timeout=60)


@pytest.mark.parametrize(
    ("var", "value", "needle"),
    [
        ("OTKLIK_TIMEZONE", "Mars/Olympus", "OTKLIK_TIMEZONE"),
        ("OTKLIK_API_PORT", "99999", "OTKLIK_API_PORT"),
        ("OTKLIK_DATABASE_URL", "mysql://x@y/z", "OTKLIK_DATABASE_URL"),
    ],
)
def test_invalid_setting_fails_with_one_line(var, value, needle, tmp_path):
    res = _otklik("db", "upgrade", **{var: value, "OTKLIK_DATA_DIR": str(tmp_path)})
    assert res.returncode == 2
    lines = [line for line in res.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, res.stderr
    assert needle in lines[0] and "Traceback" not in res.stderr


def test_defaults_put_both_databases_in_the_data_dir(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("OTKLIK_"):
            monkeypatch.delenv(key)
    s = Settings(data_dir=tmp_path)
    assert s.db_url == f"sqlite:///{tmp_path / 'otklik.db'}"
    assert s.temporal_db_file == tmp_path / "temporal.db"
    assert s.task_queue == "otklik" and s.timezone == "Europe/Moscow" and s.temporal_address == "localhost:7233"


def test_postgres_url_gets_the_psycopg_driver():
    s = Settings(database_url="postgresql://postgres@127.0.0.1:5432/otklik")
    assert s.db_url == "postgresql+psycopg://postgres@127.0.0.1:5432/otklik"
