"""Benchmark of the working-time clock (domain.worktime), one core.

    .venv/bin/python bench/worktime.py [--seconds 1.0]

Prints ops/s for add(9 wh), add_working_days(2), between over a week, subtract(4 wh), add(200 working
days), add(9 wh) with a UTC input, from_snapshot + first add (what a workflow task does), and the cost
ratio add(200 working days) / add(9 wh). Targets (issue 3): >= 100,000 ops/s for the first three, and
the 200-day add no more than 3x the cost of the 9 wh add. Exit code 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from domain.worktime import WorkCalendar

MSK = ZoneInfo("Europe/Moscow")


def rate(fn: Callable[[int], object], seconds: float) -> float:
    """ops/s: the best of 5 timed rounds, each sized to take ~seconds/5."""
    n = 1000
    while True:  # calibrate
        t0 = time.perf_counter()
        fn(n)
        dt = time.perf_counter() - t0
        if dt > 0.05:
            break
        n *= 4
    per_round = max(1, int(n * (seconds / 5) / dt))
    best = 0.0
    for _ in range(5):
        t0 = time.perf_counter()
        fn(per_round)
        best = max(best, per_round / (time.perf_counter() - t0))
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=1.0, help="time per measurement (default 1 s)")
    args = ap.parse_args(argv)

    cal = WorkCalendar.default()
    # a spread of start instants (working and not, short days, holidays) across 2025
    starts = [
        datetime(2025, 1, 9, 8, 7, tzinfo=MSK) + timedelta(hours=37 * k, minutes=13 * k) for k in range(200)
    ]
    starts_utc = [s.astimezone(UTC) for s in starts]
    week_ends = [s + timedelta(days=7) for s in starts]
    nine, four, d200 = timedelta(hours=9), timedelta(hours=4), timedelta(hours=8 * 200)
    late = [s + timedelta(days=300) for s in starts]
    m = len(starts)
    snap = cal.snapshot()
    for s in starts:  # warm the per-year tables
        cal.add(s, d200)

    def add9(n: int) -> None:
        add = cal.add
        for i in range(n):
            add(starts[i % m], nine)

    def add9_utc(n: int) -> None:
        add = cal.add
        for i in range(n):
            add(starts_utc[i % m], nine)

    def add200(n: int) -> None:
        add = cal.add
        for i in range(n):
            add(starts[i % m], d200)

    def awd2(n: int) -> None:
        f = cal.add_working_days
        for i in range(n):
            f(starts[i % m], 2)

    def between_week(n: int) -> None:
        f = cal.between
        for i in range(n):
            f(starts[i % m], week_ends[i % m])

    def sub4(n: int) -> None:
        f = cal.subtract
        for i in range(n):
            f(late[i % m], four)

    def fresh(n: int) -> None:
        for i in range(n):
            WorkCalendar.from_snapshot(snap).add(starts[i % m], nine)

    results = {
        "add(9 wh)": rate(add9, args.seconds),
        "add_working_days(2)": rate(awd2, args.seconds),
        "between (one week)": rate(between_week, args.seconds),
        "subtract(4 wh)": rate(sub4, args.seconds),
        "add(200 working days)": rate(add200, args.seconds),
        "add(9 wh), UTC input": rate(add9_utc, args.seconds),
        "from_snapshot + first add": rate(fresh, args.seconds / 2),
    }
    ratio = results["add(9 wh)"] / results["add(200 working days)"]

    print(f"domain.worktime benchmark (Python {sys.version.split()[0]}, one core, best of 5)")
    for name, ops in results.items():
        print(f"  {name:<28} {ops:>12,.0f} ops/s   {1e6 / ops:8.2f} µs/op")
    print(f"  cost ratio add(200 wd) / add(9 wh): {ratio:.2f}x")

    failed = [
        name for name in ("add(9 wh)", "add_working_days(2)", "between (one week)") if results[name] < 100_000
    ]
    ok = not failed and ratio <= 3.0
    print(
        "targets: >= 100,000 ops/s each; 200-day add <= 3x the 9 wh add ->",
        "OK" if ok else f"MISSED {failed}",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
