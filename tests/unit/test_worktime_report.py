"""People-facing working-time texts (domain.worktime_report): deadline explanations, year reports,
duration parsing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from domain.worktime import CalendarError, WorkCalendar
from domain.worktime_report import explain_deadline, format_duration, parse_duration, plural, year_report

MSK = ZoneInfo("Europe/Moscow")
H = timedelta(hours=1)
CAL = WorkCalendar.default()
FED = WorkCalendar.default(regional=False)


def msk(*a: int) -> datetime:
    return datetime(*a, tzinfo=MSK)


# ---------------------------------------------------------------------------- parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9h", 9 * H),
        ("30m", timedelta(minutes=30)),
        ("2h30m", timedelta(hours=2, minutes=30)),
        ("2h 30m", timedelta(hours=2, minutes=30)),
        ("9ч", 9 * H),
        ("9 ч", 9 * H),
        ("30мин", timedelta(minutes=30)),
        ("2 ч 30 мин", timedelta(hours=2, minutes=30)),
        ("1 час", H),
        ("2 часа", 2 * H),
        ("5 часов", 5 * H),
        ("90 минут", timedelta(minutes=90)),
        ("1,5ч", timedelta(hours=1, minutes=30)),
        ("1.5h", timedelta(hours=1, minutes=30)),
        ("1:30", timedelta(hours=1, minutes=30)),
        ("45s", timedelta(seconds=45)),
        ("45 сек", timedelta(seconds=45)),
        ("0m", timedelta(0)),
        (" 9H ", 9 * H),
        ("1ч. 15мин.", timedelta(hours=1, minutes=15)),
    ],
)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Пустая"),
        ("   ", "Пустая"),
        ("9", "нет единицы"),
        ("9x", "неизвестная единица «x»"),
        ("-1h", "отрицательна"),
        ("2d", "дни здесь не принимаются"),
        ("2 дня", "дни здесь не принимаются"),
        ("h", "Не понимаю"),
        ("1h1h", "повторяется"),
        ("девять часов", "Не понимаю"),
        ("9h+", "Не понимаю"),
    ],
)
def test_parse_duration_rejects_with_russian_message(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_duration(text)


def test_format_duration_and_plural() -> None:
    assert format_duration(9 * H) == "9 ч"
    assert format_duration(timedelta(hours=1, minutes=30)) == "1 ч 30 мин"
    assert format_duration(timedelta(0)) == "0 мин"
    assert format_duration(timedelta(seconds=45)) == "45 с"
    assert format_duration(-H) == "−1 ч"
    forms = [plural(n, "день", "дня", "дней") for n in (1, 2, 5, 11, 21, 22, 112, 104)]
    assert forms == ["день", "дня", "дней", "дней", "день", "дня", "дней", "дня"]


# ---------------------------------------------------------------------------- explain_deadline


def test_explain_deadline_over_november_holidays() -> None:
    text = explain_deadline(CAL, msk(2025, 10, 31, 16, 30), parse_duration("9h"))
    lines = text.splitlines()
    assert lines[0] == "Срок: ср 05.11.2025 09:30 (МСК)"
    assert "  02.11 — выходной (воскресенье)" in lines
    assert "  03.11 — выходной (перенос с 01.11)" in lines
    assert "  04.11 — праздник: День народного единства" in lines
    sat = next(line for line in lines if line.startswith("  01.11 (сб)"))
    assert "рабочая суббота" in sat and "предпраздничный" in sat and "14:00–17:00" in sat
    assert "обед 13:00–14:00 не считается" in sat
    assert "до конца рабочего дня 17:00" in sat
    assert lines[-1].startswith("  05.11 (ср) — 09:00–09:30 = 30 мин; всего 9 ч")


def test_explain_deadline_regional_day_and_close() -> None:
    text = explain_deadline(CAL, msk(2025, 11, 21, 16, 0), 2 * H)
    assert "Срок: пт 21.11.2025 18:00 (МСК)" in text
    assert "ровно на конец рабочего дня (18:00)" in text
    text = explain_deadline(CAL, msk(2025, 11, 21, 17, 0), 2 * H)
    assert "Срок: вт 25.11.2025 10:00 (МСК)" in text
    assert "24.11 — праздник РСО-Алания: Джеоргуыба (региональный)" in text
    assert "24.11 — праздник" not in explain_deadline(FED, msk(2025, 11, 21, 17, 0), 2 * H)


def test_explain_deadline_new_year_from_outside_working_hours() -> None:
    text = explain_deadline(CAL, msk(2025, 12, 30, 20, 30), 9 * H)
    assert text.startswith("Срок: вт 13.01.2026 10:00 (МСК)")
    assert "Начало вне рабочего времени — отсчёт идёт с пн 12.01.2026 09:00 (МСК)" in text
    assert "30.12 (вт) — старт 20:30 после конца рабочего дня" in text
    assert "31.12 — выходной (перенос с 05.01)" in text
    assert "07.01.2026 — праздник: Рождество Христово" in text
    assert "09.01.2026 — выходной (перенос с 03.01)" in text


def test_explain_deadline_other_zone_input_and_zero() -> None:
    text = explain_deadline(CAL, datetime(2025, 10, 31, 13, 30, tzinfo=UTC), 9 * H)
    assert text.startswith("Срок: ср 05.11.2025 09:30 (МСК)")
    assert "Начало отсчёта: пт 31.10.2025 16:30 (МСК)" in text
    zero = explain_deadline(CAL, msk(2025, 6, 7, 12, 0), timedelta(0))
    assert zero.startswith("Срок: пн 09.06.2025 09:00 (МСК)")
    assert "нулевая" in zero
    with pytest.raises(ValueError):
        explain_deadline(CAL, msk(2025, 6, 9, 12, 0), -H)


def test_explain_deadline_long_duration_is_compressed_and_sums_up() -> None:
    text = explain_deadline(CAL, msk(2025, 3, 3, 10, 0), 480 * H)
    assert text.startswith("Срок: пт 30.05.2025 12:00 (МСК)")
    assert len(text.splitlines()) < 60
    assert "полных рабочих дней по 8 ч" in text
    assert "выходные (суббота, воскресенье)" in text
    assert "08.05 — выходной (перенос с 23.02)" in text  # special days stay listed one by one
    assert text.rstrip().endswith("всего 480 ч")


# ---------------------------------------------------------------------------- year_report


def _year_row(text: str) -> list[int]:
    row = next(line for line in text.splitlines() if line.startswith("Год "))
    return [int(x) for x in row.split()[1:]]


def _month_row(text: str, month: str) -> list[int]:
    row = next(line for line in text.splitlines() if line.startswith(month + " "))
    return [int(x) for x in row.split()[1:]]


@pytest.mark.parametrize(
    ("year", "row"),
    [(2023, [365, 247, 118, 1973]), (2024, [366, 248, 118, 1979]), (2025, [365, 247, 118, 1972]),
     (2026, [365, 247, 118, 1972])],
)  # fmt: skip
def test_year_report_federal_norms(year: int, row: list[int]) -> None:
    text = year_report(FED, year)
    assert text.startswith(f"Производственный календарь на {year} год — федеральный")
    assert _year_row(text) == row


def test_year_report_2025_details() -> None:
    fed = year_report(FED, 2025)
    assert _month_row(fed, "Ноябрь") == [30, 19, 11, 151]
    assert _month_row(fed, "Май") == [31, 18, 13, 144]
    assert _month_row(fed, "Январь") == [31, 17, 14, 136]
    assert "  03.11 (пн) — перенос с 01.11" in fed
    assert "  01.11 (сб) — рабочая суббота (выходной перенесён на 03.11)" in fed
    assert re.search(r"Сокращённые на 1 час предпраздничные дни:\n  07\.03 \(пт\)", fed)
    assert "Джеоргуыба" not in fed
    reg = year_report(CAL, 2025)
    assert "РСО-Алания" in reg.splitlines()[0]
    assert _year_row(reg) == [365, 246, 119, 1964]
    assert "Без республиканских дней (федеральный календарь): 247 рабочих дней, 1972 ч." in reg
    assert "  24.11 (пн) — Джеоргуыба (региональный)" in reg


def test_year_report_without_data() -> None:
    with pytest.raises(CalendarError, match="2031"):
        year_report(CAL, 2031)
    text = year_report(WorkCalendar.default(fallback=True), 2031)
    assert "данных на этот год нет" in text
    assert _year_row(text)[0] == 365
