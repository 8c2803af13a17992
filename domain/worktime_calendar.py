"""The working-time calendar's data: the working day, the days off and the snapshot a workflow carries.

:class:`WorkdaySchedule` is a body's working day, :class:`CalendarSnapshot` the JSON-serialisable calendar
(with a version hash of its data, :func:`make_snapshot`), :class:`DayKind` / :class:`DayInfo` what a day is.
Pure: no clock reads, no I/O. The arithmetic over it is :class:`domain.worktime.WorkCalendar`; reading the
shipped ``config/calendar/ru-YYYY.yaml`` is :mod:`domain.worktime_files`.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, field_validator, model_validator

_US = 1_000_000

#: Reason conventions inside ``CalendarSnapshot.days_off`` (the generator writes them so):
REGIONAL_MARK = "(региональный)"  # a regional non-working day of North Ossetia-Alania
TRANSFER_PREFIX = "перенос"  # a day off moved here from another date ("перенос с 06.01")

#: Fixed non-working public holidays (Labour Code art. 112), used by the fallback for years without data.
FIXED_HOLIDAYS: dict[tuple[int, int], str] = {
    **{(1, d): "Новогодние каникулы" for d in (1, 2, 3, 4, 5, 6, 8)},
    (1, 7): "Рождество Христово",
    (2, 23): "День защитника Отечества",
    (3, 8): "Международный женский день",
    (5, 1): "Праздник Весны и Труда",
    (5, 9): "День Победы",
    (6, 12): "День России",
    (11, 4): "День народного единства",
}

WEEKDAYS_SHORT = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")
WEEKDAYS_FULL = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")


class CalendarError(ValueError):
    """No calendar data for a year (message in Russian, names the year), or bad calendar data."""


def _time_us(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US + t.microsecond


class WorkdaySchedule(BaseModel):
    """A body's working day. Frozen; the default is the Government's 09:00-18:00 with lunch 13-14."""

    model_config = ConfigDict(frozen=True)

    start: time = time(9, 0)
    end: time = time(18, 0)
    lunch_start: time | None = time(13, 0)
    lunch_end: time | None = time(14, 0)
    tz: str = "Europe/Moscow"
    # pre-holiday days end this much earlier (Labour Code art. 95)
    short_day_cut: timedelta = timedelta(hours=1)

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError) as e:
            raise ValueError(f"неизвестный часовой пояс {v!r}") from e
        return v

    @model_validator(mode="after")
    def _consistent(self) -> WorkdaySchedule:
        for f in ("start", "end", "lunch_start", "lunch_end"):
            v = getattr(self, f)
            if v is not None and v.tzinfo is not None:
                raise ValueError(f"{f}: время без часового пояса (пояс задаётся полем tz)")
        if not self.start < self.end:
            raise ValueError(f"начало рабочего дня {self.start} должно быть раньше конца {self.end}")
        if (self.lunch_start is None) != (self.lunch_end is None):
            raise ValueError("обед задаётся двумя полями (lunch_start и lunch_end) или не задаётся вовсе")
        if (
            self.lunch_start is not None
            and self.lunch_end is not None
            and not (self.start < self.lunch_start < self.lunch_end < self.end)
        ):
            raise ValueError(
                f"обед {self.lunch_start}-{self.lunch_end} должен лежать внутри дня {self.start}-{self.end}"
            )
        if self.short_day_cut < timedelta(0):
            raise ValueError("short_day_cut не может быть отрицательным")
        if self.short_day_cut >= datetime.combine(date.min, self.end) - datetime.combine(
            date.min, self.start
        ):
            raise ValueError("short_day_cut должен быть короче рабочего дня")
        return self

    def blocks(self, short: bool = False) -> tuple[tuple[int, int], ...]:
        """Working blocks of a day as (start, end) microseconds from local midnight."""
        s, e = _time_us(self.start), _time_us(self.end)
        if short:
            e -= self.short_day_cut // timedelta(microseconds=1)
        if self.lunch_start is not None and self.lunch_end is not None:
            ls, le = _time_us(self.lunch_start), _time_us(self.lunch_end)
            raw = [(s, min(ls, e)), (le, e)]
        else:
            raw = [(s, e)]
        return tuple((a, b) for a, b in raw if b > a)

    def describe(self) -> str:
        """Russian: "09:00–18:00, обед 13:00–14:00"."""
        text = f"{self.start:%H:%M}–{self.end:%H:%M}"
        if self.lunch_start is not None and self.lunch_end is not None:
            text += f", обед {self.lunch_start:%H:%M}–{self.lunch_end:%H:%M}"
        return text


class CalendarSnapshot(BaseModel):
    """The calendar a workflow uses: JSON-serialisable, travels inside the workflow's input.

    ``days_off`` may also list weekend days (a holiday on a Sunday) - harmless and informative.
    Reasons follow conventions the generator keeps: a regional day's reason contains
    ``"(региональный)"``, a transferred day off's reason starts with ``"перенос"``.
    """

    version: str  # a hash of the data (and the schedule), so a workflow records what it used
    schedule: WorkdaySchedule
    years: list[int]  # years covered by data
    days_off: dict[date, str]  # weekdays that are NOT working, with the Russian reason
    # weekend days that ARE working (transferred working Saturdays), with reason
    working_days: dict[date, str]
    short_days: dict[date, str]  # shortened pre-holiday days, with reason
    fallback: bool = False  # years without data: weekends + fixed federal holidays


class DayKind(StrEnum):
    working = "working"
    short = "short"
    weekend = "weekend"
    holiday = "holiday"
    transfer_off = "transfer_off"
    working_weekend = "working_weekend"
    regional = "regional"


class DayInfo(BaseModel):
    """One calendar day as the calendar sees it."""

    model_config = ConfigDict(frozen=True)

    date: date
    kind: DayKind
    reason: str  # Russian: "рабочий день", "суббота", "Новый год", "перенос с 06.01", ...
    working_minutes: int  # working time of the day by the schedule, whole minutes
    short: bool = False  # shortened pre-holiday day (kind is "short", or "working_weekend" for a Saturday)
    fallback: bool = False  # the year has no data: weekends + fixed holidays only

    @property
    def is_working_day(self) -> bool:
        return self.working_minutes > 0


def classify_off(reason: str) -> DayKind:
    if REGIONAL_MARK in reason:
        return DayKind.regional
    if reason.startswith(TRANSFER_PREFIX):
        return DayKind.transfer_off
    return DayKind.holiday


def make_snapshot(
    schedule: WorkdaySchedule,
    years: list[int],
    days_off: dict[date, str],
    working: dict[date, str],
    short: dict[date, str],
    fallback: bool,
) -> CalendarSnapshot:
    """The snapshot of these days with this working day; its version is a hash of both."""
    payload = {
        "schedule": schedule.model_dump(mode="json"),
        "years": sorted(years),
        "days_off": {d.isoformat(): r for d, r in sorted(days_off.items())},
        "working_days": {d.isoformat(): r for d, r in sorted(working.items())},
        "short_days": {d.isoformat(): r for d, r in sorted(short.items())},
        "fallback": fallback,
    }
    digest = hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:12]
    span = f"{min(years)}-{max(years)}" if years else "none"
    return CalendarSnapshot(
        version=f"ru-{span}-{digest}",
        schedule=schedule,
        years=sorted(years),
        days_off=dict(sorted(days_off.items())),
        working_days=dict(sorted(working.items())),
        short_days=dict(sorted(short.items())),
        fallback=fallback,
    )
