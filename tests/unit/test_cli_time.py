"""`otklik deadline` and `otklik calendar` as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys


def _otklik(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTKLIK_")}
    return subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True, text=True, env=env, timeout=60)


def test_deadline_names_the_day_and_why():
    res = _otklik("deadline", "2025-10-31 16:30", "9h")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("Срок: ср 05.11.2025 09:30 (МСК)")
    assert "03.11 — выходной (перенос с 01.11)" in res.stdout
    assert "04.11 — праздник: День народного единства" in res.stdout


def test_calendar_prints_the_year_norm_and_regional_day():
    res = _otklik("calendar", "2025")
    assert res.returncode == 0, res.stderr
    assert "246 рабочих дней, 119 выходных и праздничных, норма 1964 ч." in res.stdout
    assert "федеральный календарь): 247 рабочих дней, 1972 ч." in res.stdout
    assert "24.11 (пн) — Джеоргуыба (региональный)" in res.stdout


def test_bad_input_is_one_russian_line_and_exit_2():
    for args, needle in [(("calendar", "2031"), "2031"), (("deadline", "2025-10-31 16:30", "9x"), "«9x»"),
                         (("deadline", "завтра", "9h"), "завтра")]:
        res = _otklik(*args)
        assert res.returncode == 2 and needle in res.stderr and "Traceback" not in res.stderr
