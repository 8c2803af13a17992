"""``otklik run``'s supervision with real child processes: restart with backoff, a critical child ends all."""

from __future__ import annotations

import sys
import time

from supervisor import BACKOFF, Supervisor, backoff


def test_backoff_doubles_up_to_half_a_minute():
    assert [backoff(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]
    assert BACKOFF[-1] == 30


def test_a_dying_child_is_restarted_with_backoff_and_a_log_line(tmp_path):
    lines: list[str] = []
    now = [0.0]
    sup = Supervisor(lines.append, clock=lambda: now[0])
    child = sup.spawn("Worker", [sys.executable, "-c", "raise SystemExit(3)"], tmp_path / "worker.log")
    child.proc.wait(timeout=30)
    assert sup.check() is None
    assert lines == ["Worker неожиданно завершился (код 3); перезапуск через 1 с"]
    first = child.proc
    now[0] += 0.5
    sup.check()
    assert child.proc is first  # not yet
    now[0] += 0.6
    sup.check()
    assert child.proc is not first and lines[-1] == "Worker: перезапуск (попытка 1)"
    child.proc.wait(timeout=30)
    sup.check()
    assert lines[-1].endswith("перезапуск через 2 с")  # it died again at once: longer wait
    assert "otklik run: Worker неожиданно завершился" in (tmp_path / "worker.log").read_text()
    sup.stop_all()


def test_the_dev_server_dying_is_reported_not_restarted(tmp_path):
    sup = Supervisor(lambda _: None)
    server = sup.spawn("Temporal", [sys.executable, "-c", "raise SystemExit(1)"], tmp_path / "t.log", critical=True)
    api = sup.spawn("API", [sys.executable, "-c", "import time; time.sleep(60)"], tmp_path / "a.log")
    server.proc.wait(timeout=30)
    assert sup.check() is server
    t0 = time.monotonic()
    sup.stop_all()
    assert api.proc.poll() is not None and time.monotonic() - t0 < 10
