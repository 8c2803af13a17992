"""`otklik seed` fills an empty registry once and explains a bad file in one line."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlmodel import Session, func, select

from models.registry import Body


def _otklik(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTKLIK_")} | {"OTKLIK_DATABASE_URL": db_url}
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_seed_command_twice_then_bad_file(db, db_url, tmp_path):
    first = _otklik(db_url, "seed")
    assert first.returncode == 0, first.stderr
    with Session(db) as s:
        n = s.exec(select(func.count()).select_from(Body)).one()
    assert n >= 25
    second = _otklik(db_url, "seed")
    assert second.returncode == 0, second.stderr
    with Session(db) as s:
        assert s.exec(select(func.count()).select_from(Body)).one() == n
    bad = tmp_path / "bad.yaml"
    bad.write_text("bodies:\n  - code: Bad Code\n", encoding="utf-8")
    res = _otklik(db_url, "seed", "--path", str(bad))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "файл реестра не принят" in res.stderr
