"""The shipped production calendars (config/calendar/ru-YYYY.yaml): agree with `holidays`, with the
generator, and yield the official yearly norms."""

from __future__ import annotations

import importlib.util
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
import yaml

from domain.worktime import (
    CALENDAR_DIR,
    REGIONAL_MARK,
    TRANSFER_PREFIX,
    DayKind,
    WorkCalendar,
    load_year_file,
)

ROOT = Path(__file__).resolve().parents[2]
YEARS = [2023, 2024, 2025, 2026, 2027]

_spec = importlib.util.spec_from_file_location("gen_calendar", ROOT / "scripts" / "gen_calendar.py")
assert _spec and _spec.loader
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)

FED = WorkCalendar.default(regional=False)
CAL = WorkCalendar.default()

# Official production calendars, five-day week, 40-hour week (federal, without regional days):
# 2023 and 2024: Government decrees No. 1505 (2022) and No. 1306 (2023); 2025: No. 1335 (2024);
# 2026: No. 1466 (2025). 2027: derived from the decree as `holidays` knows it - not yet checked
# against a published production calendar.
OFFICIAL_NORMS = {
    2023: (247, 1973),
    2024: (248, 1979),
    2025: (247, 1972),
    2026: (247, 1972),
    2027: (247, 1972),
}


def yearly(cal: WorkCalendar, year: int) -> tuple[int, int]:
    """(working days, hours at a 40-hour week: 8 h a day, 1 h less on a shortened day)."""
    days = hours = 0
    d = date(year, 1, 1)
    while d.year == year:
        info = cal.day_info(d)
        if info.is_working_day:
            days += 1
            hours += 7 if info.short else 8
        d += timedelta(days=1)
    return days, hours


@pytest.mark.parametrize("year", YEARS)
def test_federal_norms_equal_official(year: int) -> None:
    assert yearly(FED, year) == OFFICIAL_NORMS[year]
    # with the default schedule (8 h, 7 h on a short day) the year's working time is the same norm
    msk = ZoneInfo("Europe/Moscow")
    first, last = datetime(year, 1, 1, tzinfo=msk), datetime(year, 12, 31, 23, 59, tzinfo=msk)
    assert FED.between(first, last) == timedelta(hours=OFFICIAL_NORMS[year][1])


@pytest.mark.parametrize("year", YEARS)
def test_regional_norms_one_day_less(year: int) -> None:
    days, hours = OFFICIAL_NORMS[year]
    assert yearly(CAL, year) == (days - 1, hours - 8)  # Dzheorguyba is always a Monday, never short


@pytest.mark.parametrize("year", YEARS)
def test_shipped_files_agree_with_holidays(year: int) -> None:
    data = load_year_file(CALENDAR_DIR / f"ru-{year}.yaml")
    hol = holidays.RU(years=year, language="ru")
    explicit = set(load_explicit(year))
    lib_days = {d for d in hol if d.year == year}
    # every holiday / transferred day off holidays knows is a day off in the file ...
    assert lib_days - explicit <= set(data["days_off"])
    # ... and the file has no federal day off that holidays does not know, unless entered explicitly
    assert set(data["days_off"]) - explicit <= lib_days
    # working weekend days are exactly holidays' weekend workdays
    assert {d for d in hol.weekend_workdays if d.year == year} - explicit == set(
        data["working_days"]
    ) - explicit
    # reasons follow the conventions WorkCalendar.day_info relies on
    for d, why in data["days_off"].items():
        name = hol.get(d, "")
        assert why.startswith(TRANSFER_PREFIX) == ("перенесено" in name or "(выходной)" in name), (d, why)
    assert all(REGIONAL_MARK in why for why in data["regional_days_off"].values())


def load_explicit(year: int) -> list[date]:
    raw = yaml.safe_load((CALENDAR_DIR / f"ru-{year}.yaml").read_text(encoding="utf-8"))
    return list(raw.get("explicit") or [])


@pytest.mark.parametrize("year", YEARS)
def test_shipped_files_are_what_the_generator_makes(year: int) -> None:
    data = load_year_file(CALENDAR_DIR / f"ru-{year}.yaml")
    built = gen.build_year(year, verbose=False)
    for section in ("days_off", "working_days", "short_days", "regional_days_off"):
        assert data[section] == built[section], section


@pytest.mark.parametrize("year", YEARS)
def test_short_days_are_working_days_before_a_holiday(year: int) -> None:
    data = load_year_file(CALENDAR_DIR / f"ru-{year}.yaml")
    for d in data["short_days"]:
        info = FED.day_info(d)
        assert info.is_working_day and info.short
        assert info.working_minutes == 7 * 60
        # a public holiday (art. 112) follows within three days
        assert any(
            gen.ART_112.get(((d + timedelta(days=k)).month, (d + timedelta(days=k)).day)) for k in (1, 2, 3)
        )
    # and the generator's rule derives the same list as the hand-checked one
    fed = gen.federal(year)
    assert set(gen._rule_short_days(year, fed)) == set(data["short_days"])


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2019, date(2019, 11, 18)),  # reported: the feast 18-25.11.2019, first Monday a day off
        (2021, date(2021, 11, 22)),
        (2022, date(2022, 11, 21)),  # announced by the Head's administration
        (2023, date(2023, 11, 20)),
        (2024, date(2024, 11, 18)),
        (2025, date(2025, 11, 24)),
        (2026, date(2026, 11, 23)),
        (2027, date(2027, 11, 22)),
    ],
)
def test_dzheorguyba_first_monday_of_last_full_november_week(year: int, expected: date) -> None:
    d = gen.dzheorguyba(year)
    assert d == expected
    assert d.weekday() == 0 and (d + timedelta(days=6)).month == 11 and (d + timedelta(days=13)).month == 12
    if year in YEARS:
        assert CAL.day_info(d).kind == DayKind.regional
        assert FED.day_info(d).kind == DayKind.working


def test_known_facts() -> None:
    # 2024: three working Saturdays; 27.04 and 28.12 full, 02.11 short
    assert [
        FED.day_info(d).working_minutes for d in (date(2024, 4, 27), date(2024, 11, 2), date(2024, 12, 28))
    ] == [
        480,
        420,
        480,
    ]
    # 2025: 01.11 short working Saturday; 31.12 a day off; 08.05 and 13.06 transferred days off
    assert FED.day_info(date(2025, 11, 1)).working_minutes == 420
    for d in (date(2025, 12, 31), date(2025, 5, 8), date(2025, 6, 13)):
        assert FED.day_info(d).kind == DayKind.transfer_off
    assert FED.day_info(date(2025, 5, 7)).kind == DayKind.working  # not shortened
    # 2026: no working Saturdays; 09.01 and 31.12 transferred; 09.03 and 11.05 moved off the weekend
    assert not [d for d in FED.snapshot().working_days if d.year == 2026]
    for d in (date(2026, 1, 9), date(2026, 12, 31), date(2026, 3, 9), date(2026, 5, 11)):
        assert FED.day_info(d).kind == DayKind.transfer_off
    assert FED.day_info(date(2026, 2, 20)).kind == DayKind.working  # Friday before 21-23.02: full
