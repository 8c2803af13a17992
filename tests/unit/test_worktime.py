"""Working-time clock (domain.worktime): concrete dates 2024-2026, days, zones.

Calendars (years without data, fallback, schedules, snapshots): test_worktime_calendars.py;
properties (hypothesis): test_worktime_properties.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.worktime import DayKind, WorkCalendar

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
