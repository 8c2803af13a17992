"""The shipped production calendar: reading and checking ``config/calendar/ru-YYYY.yaml``.

The only I/O of the working-time clock; :meth:`domain.worktime.WorkCalendar.default` and
:meth:`~domain.worktime.WorkCalendar.from_files` build their snapshots here.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from domain.worktime_calendar import (
    REGIONAL_MARK,
    CalendarError,
    CalendarSnapshot,
    WorkdaySchedule,
    make_snapshot,
)

CALENDAR_DIR = Path(__file__).resolve().parent.parent / "config" / "calendar"


def load_year_file(path: Path) -> dict[str, Any]:
    """Read and check one ``ru-YYYY.yaml``; returns its sections with ``date`` keys."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise CalendarError(f"{path}: не YAML: {e}") from e
    if not isinstance(raw, dict) or not isinstance(raw.get("year"), int):
        raise CalendarError(f"{path}: нет поля year")
    year = raw["year"]
    out: dict[str, Any] = {"year": year}
    for section in ("days_off", "working_days", "short_days", "regional_days_off"):
        entries = raw.get(section) or {}
        if not isinstance(entries, dict):
            raise CalendarError(f"{path}: {section} должен быть словарём дата: причина")
        parsed: dict[date, str] = {}
        for k, v in entries.items():
            if isinstance(k, str):
                try:
                    k = date.fromisoformat(k)
                except ValueError as e:
                    raise CalendarError(f"{path}: {section}: неверная дата {k!r}") from e
            if not isinstance(k, date) or isinstance(k, datetime):
                raise CalendarError(f"{path}: {section}: неверная дата {k!r}")
            if k.year != year:
                raise CalendarError(f"{path}: {section}: дата {k} не из {year} года")
            if not isinstance(v, str) or not v.strip():
                raise CalendarError(f"{path}: {section}: {k}: нужна причина (строка)")
            parsed[k] = v.strip()
        out[section] = parsed
    for d, why in out["regional_days_off"].items():
        if REGIONAL_MARK not in why:
            out["regional_days_off"][d] = f"{why} {REGIONAL_MARK}"
    clash = set(out["days_off"]) & set(out["working_days"])
    if clash:
        raise CalendarError(f"{path}: дни одновременно нерабочие и рабочие: {sorted(clash)}")
    return out


def build_snapshot(
    data: list[dict[str, Any]], schedule: WorkdaySchedule, *, regional: bool, fallback: bool
) -> CalendarSnapshot:
    days_off: dict[date, str] = {}
    working: dict[date, str] = {}
    short: dict[date, str] = {}
    years: list[int] = []
    for y in sorted(data, key=lambda x: x["year"]):
        years.append(y["year"])
        days_off.update(y["days_off"])
        working.update(y["working_days"])
        short.update(y["short_days"])
        if regional:
            for d, why in y["regional_days_off"].items():
                days_off.setdefault(d, why)  # a federal reason, if any, stays the primary one
    return make_snapshot(schedule, years, days_off, working, short, fallback)


@lru_cache(maxsize=8)
def shipped_snapshot(regional: bool, fallback: bool) -> CalendarSnapshot:
    files = sorted(CALENDAR_DIR.glob("ru-*.yaml"))
    if not files:
        raise CalendarError(f"Нет файлов производственного календаря в {CALENDAR_DIR}")
    data = [load_year_file(p) for p in files]
    return build_snapshot(data, WorkdaySchedule(), regional=regional, fallback=fallback)
