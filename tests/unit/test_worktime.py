"""Working-time clock (domain.worktime): concrete dates 2024-2026 and properties (hypothesis)."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.worktime import (
    CalendarError,
    CalendarSnapshot,
    DayKind,
    WorkCalendar,
    WorkdaySchedule,
)

MSK = ZoneInfo("Europe/Moscow")
H = timedelta(hours=1)
M = timedelta(minutes=1)

CAL = WorkCalendar.default()
FED = WorkCalendar.default(regional=False)


def msk(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0, us: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, us, tzinfo=MSK)


# ---------------------------------------------------------------------------- add: concrete dates


@pytest.mark.parametrize(
    ("start", "duration", "expected", "why"),
    [
        # November 2025: Sat 01.11 is a working, shortened day (till 17:00); 02.11 Sun; 03.11 transferred
        # day off (from 01.11); 04.11 Unity Day.
        (msk(2025, 10, 31, 16, 30), 9 * H, msk(2025, 11, 5, 9, 30), "1.5 h Fri + 7 h short Sat + 0.5 h Wed"),
        (msk(2025, 11, 1, 16, 0), H, msk(2025, 11, 1, 17, 0), "short day closes at 17:00 and stays there"),
        (msk(2025, 11, 1, 16, 30), H, msk(2025, 11, 5, 9, 30), "over 02-04.11"),
        # a deadline exactly at the close stays at the close
        (msk(2025, 10, 31, 17, 0), H, msk(2025, 10, 31, 18, 0), "18:00, not 09:00 next day"),
        (msk(2025, 6, 10, 12, 0), H, msk(2025, 6, 10, 13, 0), "13:00 (lunch starts), not 14:00"),
        # lunch is not counted
        (msk(2025, 6, 10, 12, 30), H, msk(2025, 6, 10, 14, 30), "over lunch"),
        (msk(2025, 6, 10, 13, 30), 30 * M, msk(2025, 6, 10, 14, 30), "started at lunch: counts from 14:00"),
        (msk(2025, 6, 10, 7, 0), 30 * M, msk(2025, 6, 10, 9, 30), "started before the day"),
        (msk(2025, 6, 10, 20, 0), 30 * M, msk(2025, 6, 11, 9, 30), "started after the day"),
        # New Year 2026: 31.12.2025 transferred (from 05.01), 01-08.01 holidays, 09.01 transferred (from 03.01)
        (msk(2025, 12, 30, 17, 0), 2 * H, msk(2026, 1, 12, 10, 0), "over the New Year holidays"),
        # March 2025: 07.03 short, 08.03 Sat holiday, 10.03 working (the day off went to 13.06)
        (msk(2025, 3, 7, 16, 0), 2 * H, msk(2025, 3, 10, 10, 0), "short 07.03, Mon 10.03 works"),
        # May 2025: 30.04 short; 01-04.05 off; 07.05 full (08.05 is a transferred day off, not a holiday)
        (msk(2025, 4, 30, 16, 0), 2 * H, msk(2025, 5, 5, 10, 0), "May Day 2025"),
        (msk(2025, 5, 7, 17, 0), 2 * H, msk(2025, 5, 12, 10, 0), "Victory Day 2025: 08-11.05 off"),
        # June 2025: 11.06 short, 12.06 holiday, 13.06 transferred day off (from 08.03)
        (msk(2025, 6, 11, 16, 30), H, msk(2025, 6, 16, 9, 30), "Russia Day 2025"),
        # North Ossetia: Mon 24.11.2025 Dzheorguyba
        (msk(2025, 11, 21, 17, 0), 2 * H, msk(2025, 11, 25, 10, 0), "regional day off"),
        # 2024 working Saturdays: 27.04 full (for 29.04), 02.11 short (for 30.04), 28.12 full (for 30.12)
        (msk(2024, 4, 26, 17, 0), 2 * H, msk(2024, 4, 27, 10, 0), "Sat 27.04.2024 works"),
        (msk(2024, 4, 27, 17, 0), 2 * H, msk(2024, 5, 2, 10, 0), "27.04 is a full day; 28.04-01.05 off"),
        (msk(2024, 11, 2, 16, 0), 2 * H, msk(2024, 11, 5, 10, 0), "02.11.2024 short; 03-04.11 off"),
        (msk(2024, 12, 28, 17, 30), H, msk(2025, 1, 9, 9, 30), "28.12.2024 full; 29.12-08.01 off"),
        (msk(2024, 11, 15, 17, 0), 2 * H, msk(2024, 11, 19, 10, 0), "Dzheorguyba 18.11.2024"),
        (msk(2024, 2, 22, 16, 0), 2 * H, msk(2024, 2, 26, 10, 0), "22.02.2024 short, 23.02 Fri holiday"),
        # 2026: 08.05 Fri short, 09.05 Sat holiday -> 11.05 Mon off; 06.03 Fri full, 09.03 Mon off
        (msk(2026, 5, 8, 16, 0), 2 * H, msk(2026, 5, 12, 10, 0), "Victory Day 2026"),
        (msk(2026, 3, 6, 17, 0), 2 * H, msk(2026, 3, 10, 10, 0), "06.03.2026 is a full day"),
        (msk(2026, 2, 20, 17, 0), 2 * H, msk(2026, 2, 24, 10, 0), "20.02.2026 full; 23.02 Mon holiday"),
        (msk(2026, 11, 3, 16, 0), 2 * H, msk(2026, 11, 5, 10, 0), "03.11.2026 short, 04.11 Wed"),
        (msk(2026, 11, 20, 17, 0), 2 * H, msk(2026, 11, 24, 10, 0), "Dzheorguyba 23.11.2026"),
        # zero duration: normalised forward
        (msk(2025, 6, 10, 18, 0), timedelta(0), msk(2025, 6, 11, 9, 0), "zero at close -> next start"),
        (msk(2025, 6, 10, 10, 15), timedelta(0), msk(2025, 6, 10, 10, 15), "zero inside -> itself"),
        # seconds-precise
        (
            msk(2025, 6, 10, 12, 59, 59, 500_000),
            timedelta(seconds=1),
            msk(2025, 6, 10, 14, 0, 0, 500_000),
            "µs",
        ),
        # long spans (9 wh = one working day + 1 h)
        (msk(2025, 6, 2, 9, 0), 40 * H, msk(2025, 6, 6, 18, 0), "a full week ends Friday 18:00"),
    ],
)
def test_add_concrete(start: datetime, duration: timedelta, expected: datetime, why: str) -> None:
    got = CAL.add(start, duration)
    assert got == expected, why
    assert got.tzinfo is MSK
    assert CAL.between(start, got) == duration
    if duration:
        assert CAL.add(got, -duration) == CAL.subtract(got, duration)  # a negative add subtracts


def test_regional_day_only_in_regional_calendar() -> None:
    assert FED.add(msk(2025, 11, 21, 17, 0), 2 * H) == msk(2025, 11, 24, 10, 0)
    assert CAL.add(msk(2025, 11, 21, 17, 0), 2 * H) == msk(2025, 11, 25, 10, 0)
    assert not CAL.is_working(msk(2025, 11, 24, 10, 0))
    assert FED.is_working(msk(2025, 11, 24, 10, 0))


# ---------------------------------------------------------------------------- subtract, between


def test_p9_intermediate_due_four_hours_before_deadline() -> None:
    detected = msk(2025, 6, 9, 10, 0)  # Monday
    deadline = CAL.add(detected, 9 * H)
    assert deadline == msk(2025, 6, 10, 11, 0)
    assert CAL.subtract(deadline, 4 * H) == msk(2025, 6, 9, 16, 0)


@pytest.mark.parametrize(
    ("deadline", "duration", "expected"),
    [
        (msk(2025, 11, 5, 9, 30), 9 * H, msk(2025, 10, 31, 16, 30)),
        # back over the November holidays onto the short Saturday
        (msk(2025, 11, 5, 11, 0), 4 * H, msk(2025, 11, 1, 15, 0)),
        # ambiguous point (Wed 09:00 = Sat 17:00 in working time): the close wins, as for add
        (msk(2025, 11, 5, 13, 0), 4 * H, msk(2025, 11, 1, 17, 0)),
        # ... likewise a lunch boundary: 14:00 = 13:00 -> 13:00
        (msk(2025, 11, 5, 10, 0), 4 * H, msk(2025, 11, 1, 13, 0)),
        (msk(2026, 1, 12, 10, 0), 2 * H, msk(2025, 12, 30, 17, 0)),
        (msk(2025, 1, 9, 9, 30), H, msk(2024, 12, 28, 17, 30)),
        (msk(2025, 11, 25, 10, 0), 2 * H, msk(2025, 11, 21, 17, 0)),  # over Dzheorguyba
        (msk(2025, 6, 10, 15, 0), timedelta(0), msk(2025, 6, 10, 15, 0)),
        (msk(2025, 6, 10, 20, 0), timedelta(0), msk(2025, 6, 10, 18, 0)),
    ],
)
def test_subtract_concrete(deadline: datetime, duration: timedelta, expected: datetime) -> None:
    assert CAL.subtract(deadline, duration) == expected
    assert CAL.between(expected, deadline) == duration


def test_between() -> None:
    assert CAL.between(msk(2025, 12, 30, 17, 0), msk(2026, 1, 12, 10, 0)) == 2 * H
    assert CAL.between(msk(2026, 1, 12, 10, 0), msk(2025, 12, 30, 17, 0)) == -2 * H
    assert CAL.between(msk(2025, 6, 2, 0, 0), msk(2025, 6, 9, 0, 0)) == 40 * H
    assert CAL.between(msk(2025, 6, 10, 12, 0), msk(2025, 6, 10, 15, 0)) == 2 * H  # lunch out
    assert CAL.between(msk(2025, 6, 7, 10, 0), msk(2025, 6, 8, 10, 0)) == timedelta(0)  # weekend
    # a whole year of working time = the year's norm (8 h a day, 7 h on a short day)
    assert FED.between(msk(2025, 1, 1), msk(2026, 1, 1)) == 1972 * H
    assert CAL.between(msk(2025, 1, 1), msk(2026, 1, 1)) == (1972 - 8) * H
    # across several years
    assert FED.between(msk(2023, 1, 1), msk(2027, 1, 1)) == (1973 + 1979 + 1972 + 1972) * H


# ---------------------------------------------------------------------------- add_working_days (P10)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (msk(2025, 10, 31, 16, 0), 2, msk(2025, 11, 5, 18, 0)),  # Sat 01.11 counts, 02-04.11 do not
        (msk(2025, 10, 31, 16, 0), 1, msk(2025, 11, 1, 17, 0)),  # the short Saturday closes at 17:00
        (msk(2025, 11, 21, 12, 0), 1, msk(2025, 11, 25, 18, 0)),  # over Dzheorguyba
        (msk(2025, 11, 22, 12, 0), 2, msk(2025, 11, 26, 18, 0)),  # from a Saturday
        (msk(2025, 12, 29, 23, 0), 2, msk(2026, 1, 12, 18, 0)),  # 30.12, then over the New Year
        (msk(2024, 4, 26, 9, 0), 1, msk(2024, 4, 27, 18, 0)),  # working Saturday, full day
        (msk(2024, 6, 10, 9, 0), 1, msk(2024, 6, 11, 17, 0)),  # 11.06.2024 short
        (msk(2025, 6, 9, 10, 0), 0, msk(2025, 6, 9, 18, 0)),  # n = 0: the close of the same day
        (msk(2025, 6, 8, 10, 0), 0, msk(2025, 6, 9, 18, 0)),  # ... or of the next working day
    ],
)
def test_p10_add_working_days(start: datetime, n: int, expected: datetime) -> None:
    assert CAL.add_working_days(start, n) == expected


def test_add_working_days_negative_rejected() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_days(msk(2025, 6, 9, 10, 0), -1)


# ---------------------------------------------------------------------------- is_working, next start, days


def test_is_working_and_next_start() -> None:
    assert CAL.is_working(msk(2025, 6, 10, 9, 0))
    assert not CAL.is_working(msk(2025, 6, 10, 8, 59, 59))
    assert CAL.is_working(msk(2025, 6, 10, 12, 59, 59))
    assert not CAL.is_working(msk(2025, 6, 10, 13, 0))
    assert CAL.is_working(msk(2025, 6, 10, 14, 0))
    assert not CAL.is_working(msk(2025, 6, 10, 18, 0))
    assert CAL.is_working(msk(2025, 3, 7, 16, 59))
    assert not CAL.is_working(msk(2025, 3, 7, 17, 0))  # short day
    assert CAL.is_working(msk(2025, 11, 1, 10, 0))  # working Saturday
    assert not CAL.is_working(msk(2025, 11, 3, 10, 0))  # transferred day off
    assert CAL.next_working_start(msk(2025, 10, 31, 18, 0)) == msk(2025, 11, 1, 9, 0)
    assert CAL.next_working_start(msk(2025, 11, 1, 17, 0)) == msk(2025, 11, 5, 9, 0)
    assert CAL.next_working_start(msk(2025, 6, 10, 13, 10)) == msk(2025, 6, 10, 14, 0)
    assert CAL.next_working_start(msk(2025, 6, 10, 11, 11)) == msk(2025, 6, 10, 11, 11)
    assert CAL.next_working_start(msk(2025, 12, 30, 18, 0)) == msk(2026, 1, 12, 9, 0)


@pytest.mark.parametrize(
    ("d", "kind", "minutes", "reason_part"),
    [
        (date(2025, 6, 10), DayKind.working, 480, "рабочий день"),
        (date(2025, 6, 7), DayKind.weekend, 0, "суббота"),
        (date(2025, 1, 1), DayKind.holiday, 0, "Новогодние каникулы"),
        (date(2025, 1, 7), DayKind.holiday, 0, "Рождество"),
        (date(2025, 2, 23), DayKind.holiday, 0, "День защитника Отечества"),  # on a Sunday
        (date(2025, 11, 3), DayKind.transfer_off, 0, "перенос с 01.11"),
        (date(2024, 5, 10), DayKind.transfer_off, 0, "перенос с 06.01"),
        (date(2026, 3, 9), DayKind.transfer_off, 0, "перенос с 08.03"),
        (date(2025, 11, 1), DayKind.working_weekend, 420, "рабочая суббота"),
        (date(2024, 4, 27), DayKind.working_weekend, 480, "перенесён на 29.04"),
        (date(2025, 3, 7), DayKind.short, 420, "предпраздничный"),
        (date(2026, 5, 8), DayKind.short, 420, "09.05"),
        (date(2025, 11, 24), DayKind.regional, 0, "Джеоргуыба"),
        (date(2024, 11, 18), DayKind.regional, 0, "Джеоргуыба"),
        (date(2026, 11, 23), DayKind.regional, 0, "Джеоргуыба"),
    ],
)
def test_day_info(d: date, kind: DayKind, minutes: int, reason_part: str) -> None:
    info = CAL.day_info(d)
    assert info.kind == kind
    assert info.working_minutes == minutes
    assert reason_part in info.reason
    assert info.is_working_day == (minutes > 0)
    assert info.short == (minutes == 420)


def test_day_info_federal_calendar_has_no_regional_day() -> None:
    assert FED.day_info(date(2025, 11, 24)).kind == DayKind.working


# ---------------------------------------------------------------------------- zones, errors, fallback


def test_any_zone_in_moscow_out() -> None:
    start_utc = datetime(2025, 10, 31, 13, 30, tzinfo=UTC)  # 16:30 MSK
    got = CAL.add(start_utc, 9 * H)
    assert got == msk(2025, 11, 5, 9, 30)
    assert got.tzinfo is MSK
    vlad = datetime(2025, 11, 5, 16, 30, tzinfo=ZoneInfo("Asia/Vladivostok"))  # 09:30 MSK
    assert CAL.between(start_utc, vlad) == 9 * H
    assert CAL.is_working(datetime(2025, 6, 10, 7, 0, tzinfo=UTC))  # 10:00 MSK


@pytest.mark.parametrize(
    "call",
    [
        lambda: CAL.add(datetime(2025, 6, 10, 10, 0), H),
        lambda: CAL.subtract(datetime(2025, 6, 10, 10, 0), H),
        lambda: CAL.between(datetime(2025, 6, 10, 10, 0), msk(2025, 6, 10, 11, 0)),
        lambda: CAL.is_working(datetime(2025, 6, 10, 10, 0)),
        lambda: CAL.next_working_start(datetime(2025, 6, 10, 10, 0)),
        lambda: CAL.add_working_days(datetime(2025, 6, 10, 10, 0), 1),
    ],
)
def test_naive_datetime_rejected(call) -> None:
    with pytest.raises(ValueError, match="без часового пояса"):
        call()


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


# ---------------------------------------------------------------------------- properties

ZONES = [MSK, UTC, ZoneInfo("Asia/Vladivostok"), ZoneInfo("Europe/Kaliningrad")]
BOUNDARIES = [time(h, m) for h, m in ((0, 0), (9, 0), (13, 0), (14, 0), (17, 0), (18, 0), (8, 59), (12, 59))]
instants = st.builds(
    lambda naive, tz: naive.replace(tzinfo=MSK).astimezone(tz),
    st.one_of(
        st.datetimes(min_value=datetime(2023, 1, 10), max_value=datetime(2026, 12, 1)),
        st.builds(  # block starts and ends are where off-by-one mistakes live
            datetime.combine,
            st.dates(min_value=date(2023, 1, 10), max_value=date(2026, 12, 1)),
            st.sampled_from(BOUNDARIES),
        ),
    ),
    st.sampled_from(ZONES),
)
durations = st.one_of(
    st.integers(min_value=0, max_value=60 * 60 * 40).map(lambda s: timedelta(seconds=s)),
    st.integers(min_value=0, max_value=200 * 8 * 3600 * 10**6).map(lambda u: timedelta(microseconds=u)),
    st.sampled_from([timedelta(0), 30 * M, H, 2 * H, 4 * H, 9 * H]),
)
YEAR = timedelta(days=365)  # subtract from a year later: durations reach back up to ~10 months
PROPS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
US = timedelta(microseconds=1)


def not_inside_non_working(cal: WorkCalendar, t: datetime) -> bool:
    return cal.is_working(t) or cal.is_block_end(t)


def reference_add(cal: WorkCalendar, start: datetime, d: timedelta) -> datetime:
    """Day-by-day walk over day_info + the schedule: an independent oracle for add (d > 0)."""
    t = start.astimezone(MSK)
    day = t.date()
    left = d
    while True:
        info = cal.day_info(day)
        if info.is_working_day:
            for a, b in cal.schedule.blocks(short=info.short):
                lo = datetime.combine(day, time(), MSK) + timedelta(microseconds=a)
                hi = datetime.combine(day, time(), MSK) + timedelta(microseconds=b)
                lo = max(lo, t)
                if lo >= hi:
                    continue
                if hi - lo >= left:
                    return lo + left
                left -= hi - lo
        day += timedelta(days=1)


@PROPS
@given(instants, durations)
def test_prop_between_inverts_add(a: datetime, d: timedelta) -> None:
    assert CAL.between(a, CAL.add(a, d)) == d


@PROPS
@given(instants, durations)
def test_prop_subtract_of_add_is_first_working_instant_not_after_a(a: datetime, d: timedelta) -> None:
    r = CAL.subtract(CAL.add(a, d), d)
    assert r <= a
    assert CAL.between(r, a) == timedelta(0)  # nothing working between r and a ...
    assert CAL.is_working(r - US)  # ... and r is the first such instant: just before it is working time
    assert r == CAL.prev_working_end(a)


@PROPS
@given(instants, durations)
def test_prop_results_never_inside_non_working_time(a: datetime, d: timedelta) -> None:
    x = CAL.add(a, d)
    assert x >= a
    assert CAL.is_working(x) if d == timedelta(0) else not_inside_non_working(CAL, x)
    assert not_inside_non_working(CAL, CAL.subtract(a + YEAR, d))
    assert CAL.is_working(CAL.next_working_start(a))
    assert CAL.is_block_end(CAL.add_working_days(a, d.days % 5))


@PROPS
@given(instants, instants, durations, durations)
def test_prop_monotonic(a1: datetime, a2: datetime, d1: timedelta, d2: timedelta) -> None:
    a1, a2 = sorted([a1, a2])
    d1, d2 = sorted([d1, d2])
    assert CAL.add(a1, d1) <= CAL.add(a2, d1)
    assert CAL.add(a1, d1) <= CAL.add(a1, d2)
    b1, b2 = a1 + YEAR, a2 + YEAR
    assert CAL.subtract(b1, d1) <= CAL.subtract(b2, d1)
    assert CAL.subtract(b1, d1) >= CAL.subtract(b1, d2)
    assert CAL.between(a1, a2) >= timedelta(0)
    assert CAL.between(a2, a1) == -CAL.between(a1, a2)
    assert CAL.add_working_days(a1, 1) <= CAL.add_working_days(a2, 1)


@settings(max_examples=150, deadline=None)
@given(instants, st.integers(min_value=1, max_value=60 * 60 * 30).map(lambda s: timedelta(seconds=s)))
def test_prop_add_matches_day_by_day_walk(a: datetime, d: timedelta) -> None:
    assert CAL.add(a, d) == reference_add(CAL, a, d)


@settings(max_examples=100, deadline=None)
@given(instants, st.integers(min_value=0, max_value=30))
def test_prop_add_working_days_counts_working_days(a: datetime, n: int) -> None:
    end = CAL.add_working_days(a, n)
    start_day = a.astimezone(MSK).date()
    if n > 0:
        assert CAL.working_days_in(start_day + timedelta(days=1), end.date()) == n
    assert CAL.day_info(end.date()).is_working_day
    assert end == CAL.day_blocks(end.date())[-1][1]
