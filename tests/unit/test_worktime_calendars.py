"""Working-time calendars (domain.worktime): years without data, the fallback, per-body schedules, snapshots."""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.worktime import CalendarError, CalendarSnapshot, DayKind, WorkCalendar, WorkdaySchedule
from tests.unit.test_worktime import CAL, FED, H, msk


def test_year_without_data_names_the_year() -> None:
    with pytest.raises(CalendarError, match=r"2031 год.*ru-2031\.yaml"):
        CAL.add(msk(2031, 3, 3, 10, 0), H)
    with pytest.raises(CalendarError, match="2028"):
        CAL.add(msk(2027, 12, 30, 17, 0), 20 * H)  # runs into 2028
    assert isinstance(CalendarError("x"), ValueError)


def test_fallback_weekends_and_fixed_holidays(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="domain.worktime"):
        cal = WorkCalendar.default(fallback=True)
    assert any("упрощённый" in r.getMessage() for r in caplog.records)
    # 2031: 01.01 is a Wednesday; 01-08.01 off, 09.01 Thursday works
    assert cal.add(msk(2030, 12, 31, 17, 0), 2 * H) == msk(2031, 1, 9, 10, 0)
    assert cal.day_info(date(2031, 1, 7)).kind == DayKind.holiday
    assert cal.day_info(date(2031, 1, 7)).fallback
    assert cal.day_info(date(2031, 3, 8)).kind == DayKind.holiday  # a Saturday: no transfer known
    assert cal.day_info(date(2031, 3, 10)).kind == DayKind.working
    # shipped years are unaffected
    assert cal.add(msk(2025, 10, 31, 16, 30), 9 * H) == msk(2025, 11, 5, 9, 30)
    assert not cal.day_info(date(2025, 6, 10)).fallback


# ---------------------------------------------------------------------------- schedules, snapshot


def test_per_body_schedule() -> None:
    sched = WorkdaySchedule(start=time(8, 0), end=time(17, 0), lunch_start=time(12, 0), lunch_end=time(13, 0))
    cal = CAL.with_schedule(sched)
    assert cal.add(msk(2025, 6, 10, 16, 0), 2 * H) == msk(2025, 6, 11, 9, 0)
    assert cal.add(msk(2025, 3, 7, 15, 0), H) == msk(2025, 3, 7, 16, 0)  # short day: till 16:00
    assert cal.version != CAL.version
    no_lunch = CAL.with_schedule(WorkdaySchedule(lunch_start=None, lunch_end=None))
    assert no_lunch.add(msk(2025, 6, 10, 12, 30), H) == msk(2025, 6, 10, 13, 30)
    assert no_lunch.day_info(date(2025, 6, 10)).working_minutes == 540
    other_tz = CAL.with_schedule(WorkdaySchedule(tz="Asia/Yekaterinburg"))  # MSK+2
    got = other_tz.add(msk(2025, 6, 10, 15, 0), H)  # 17:00 local
    assert got == datetime(2025, 6, 10, 18, 0, tzinfo=ZoneInfo("Asia/Yekaterinburg"))
    assert got.tzinfo == ZoneInfo("Asia/Yekaterinburg")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"start": time(18, 0), "end": time(9, 0)},
        {"lunch_start": time(13, 0), "lunch_end": None},
        {"lunch_start": time(8, 0), "lunch_end": time(9, 30)},
        {"tz": "Mars/Olympus"},
        {"short_day_cut": timedelta(hours=-1)},
        {"short_day_cut": timedelta(hours=9)},
    ],
)
def test_bad_schedule_rejected(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        WorkdaySchedule(**kwargs)


def test_snapshot_round_trip_through_json() -> None:
    snap = CAL.snapshot()
    again = CalendarSnapshot.model_validate_json(snap.model_dump_json())
    assert again == snap
    cal = WorkCalendar.from_snapshot(again)
    assert cal.version == CAL.version
    assert cal.add(msk(2025, 10, 31, 16, 30), 9 * H) == msk(2025, 11, 5, 9, 30)
    assert snap.years == [2023, 2024, 2025, 2026, 2027]
    assert date(2025, 11, 24) in snap.days_off
    assert date(2025, 11, 24) not in FED.snapshot().days_off
    assert FED.version != CAL.version


def test_snapshot_built_by_hand() -> None:
    snap = CalendarSnapshot(
        version="test",
        schedule=WorkdaySchedule(),
        years=[2030],
        days_off={date(2030, 1, 1): "Новый год"},
        working_days={date(2030, 1, 5): "рабочая суббота"},
        short_days={date(2030, 1, 4): "предпраздничный день"},
    )
    cal = WorkCalendar.from_snapshot(snap)
    assert cal.day_info(date(2030, 1, 2)).kind == DayKind.working  # no January holidays in this data
    assert cal.add(msk(2030, 1, 4, 16, 0), 2 * H) == msk(2030, 1, 5, 10, 0)
    with pytest.raises(CalendarError, match="2029"):
        cal.add(msk(2029, 12, 31, 17, 0), H)


def test_from_snapshot_is_cheap() -> None:
    import time as _time

    snap = CAL.snapshot()
    t0 = _time.perf_counter()
    for _ in range(2000):
        WorkCalendar.from_snapshot(snap)
    assert _time.perf_counter() - t0 < 0.5  # ~µs each: tables are built lazily
    t0 = _time.perf_counter()
    WorkCalendar.from_snapshot(snap).add(msk(2025, 6, 10, 10, 0), 9 * H)  # builds one year
    assert _time.perf_counter() - t0 < 0.05
