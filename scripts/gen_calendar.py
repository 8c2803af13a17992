"""Generate ``config/calendar/ru-YYYY.yaml``: the Russian production calendar + North Ossetia-Alania's days.

Sources, in order of precedence (explicit entries win):

1. ``EXPLICIT`` below - facts checked by hand against the Government's decrees, the Ministry of
   Labour's production calendars and the republic's law; every entry says where it comes from;
2. ``holidays.RU(years=..., language="ru")`` - public holidays, the decreed transfers of days off
   (its substituted days) and the working Saturdays (``weekend_workdays``);
3. rules: shortened pre-holiday days (Labour Code art. 95 as the Ministry of Labour applies it, see
   ``_rule_short_days``) and the Dzheorguyba day (law of RSO-Alania of 02.10.2018 No. 61-RZ).

The script prints where the rules and the explicit entries disagree, so a new year's data gets a
human look. Usage::

    .venv/bin/python scripts/gen_calendar.py            # (re)write the files for YEARS
    .venv/bin/python scripts/gen_calendar.py --check    # exit 1 if the shipped files differ
    .venv/bin/python scripts/gen_calendar.py 2028       # one year (add its EXPLICIT entry first)
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from datetime import date, timedelta
from pathlib import Path

import holidays

from domain.worktime import FIXED_HOLIDAYS

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "config" / "calendar"
YEARS = range(2023, 2028)

#: Non-working public holidays, Labour Code art. 112 (the days whose eve is shortened, art. 95).
ART_112 = FIXED_HOLIDAYS

REGIONAL_NAME = "Джеоргуыба (региональный)"

#: Hand-checked facts. ``short_days`` is the complete list of shortened days of the year (it replaces
#: what the rules derive); ``days_off`` / ``working_days`` / ``regional_days_off`` add or override
#: single days (e.g. a one-off decree of the Head of the Republic). A reason of ``None`` = generated.
EXPLICIT: dict[int, dict] = {
    2023: {
        "decree": "Постановление Правительства РФ от 29.08.2022 № 1505 «О переносе выходных дней в 2023 году»",
        # Official: 247 working days, 1973 h at 40 h/week.
        "short_days": {date(2023, 2, 22): None, date(2023, 3, 7): None, date(2023, 11, 3): None},
    },
    2024: {
        "decree": "Постановление Правительства РФ от 10.08.2023 № 1306 «О переносе выходных дней в 2024 году»",
        # Official: 248 working days, 1979 h. 02.11 (working Saturday instead of 30.04, the eve of 1 May)
        # is shortened; 27.04 and 28.12 (working Saturdays for 29.04 and 30.12) are full days (Rostrud).
        "short_days": {
            date(2024, 2, 22): None,
            date(2024, 3, 7): None,
            date(2024, 5, 8): None,
            date(2024, 6, 11): None,
            date(2024, 11, 2): None,
        },
    },
    2025: {
        "decree": "Постановление Правительства РФ от 04.10.2024 № 1335 «О переносе выходных дней в 2025 году»",
        # Official: 247 working days, 1972 h. 01.11 (working Saturday for 03.11, the eve of 4 Nov) is
        # shortened (TASS, 01.10.2025); 07.05 is a full day: 08.05 is a transferred day off, not a holiday.
        "short_days": {
            date(2025, 3, 7): None,
            date(2025, 4, 30): None,
            date(2025, 6, 11): None,
            date(2025, 11, 1): None,
        },
    },
    2026: {
        "decree": "Постановление Правительства РФ от 24.09.2025 № 1466 «О переносе выходных дней в 2026 году»",
        # Official: 247 working days, 4 shortened days (30.04, 08.05, 11.06, 03.11) -> 1972 h.
        # 20.02 and 06.03 are full days: a weekend lies between them and the holiday.
        "short_days": {
            date(2026, 4, 30): None,
            date(2026, 5, 8): None,
            date(2026, 6, 11): None,
            date(2026, 11, 3): None,
        },
    },
    2027: {
        "decree": "Постановление Правительства РФ о переносе выходных дней в 2027 году "
        "(по данным holidays 0.109: 20.02 → 22.02, 02.01 → 05.11, 03.01 → 31.12)",
        # Not yet checked against an official production calendar. 2027 repeats 2021's layout
        # (same weekdays, same transfers); in 2021 the working Saturday 20.02 was shortened.
        "short_days": {
            date(2027, 2, 20): None,
            date(2027, 4, 30): None,
            date(2027, 6, 11): None,
            date(2027, 11, 3): None,
        },
    },
}

REGIONAL_LAW = "Закон РСО-Алания от 02.10.2018 № 61-РЗ «О праздничном дне Республики Северная Осетия-Алания»"

_SUBST = re.compile(r"^Выходной \(перенесено с (\d\d)\.(\d\d)\.(\d{4})\)$")
_OBSERVED = re.compile(r"^(.+) \(выходной\)$")


def dzheorguyba(year: int) -> date:
    """The first Monday of the Uastyrdzhi (Dzheorguyba) feast, which falls on the last full week of
    November (Mon-Sun inside November): law of RSO-Alania No. 61-RZ. 2022 -> 21.11, 2019 -> 18.11."""
    d = date(year, 11, 24)  # a Mon-Sun week inside November starts on the 24th at the latest
    return d - timedelta(days=d.weekday())


def _ddmm(d: date, year: int) -> str:
    return f"{d:%d.%m}" if d.year == year else f"{d:%d.%m.%Y}"


def federal(year: int) -> dict:
    """What ``holidays`` says for a year, turned into our sections and reasons."""
    hol = holidays.RU(years=year, language="ru")
    days_off: dict[date, str] = {}
    substitutes: dict[date, date] = {}  # working weekend day -> the weekday it made a day off
    for d, name in sorted(hol.items()):
        if d.year != year:
            continue
        m = _SUBST.match(name)
        if m:
            src = date(int(m[3]), int(m[2]), int(m[1]))
            substitutes[src] = d
            days_off[d] = f"перенос с {_ddmm(src, year)}"
            continue
        m = _OBSERVED.match(name)
        if m:
            orig = next(
                (d - timedelta(days=k) for k in range(1, 8) if hol.get(d - timedelta(days=k)) == m[1]), None
            )
            days_off[d] = f"перенос с {_ddmm(orig, year)} ({m[1]})" if orig else f"перенос ({m[1]})"
            continue
        days_off[d] = name
    working: dict[date, str] = {}
    for d in sorted(hol.weekend_workdays):
        if d.year != year:
            continue
        wd = "рабочая суббота" if d.weekday() == 5 else "рабочее воскресенье"
        to = substitutes.get(d)
        working[d] = f"{wd} (выходной перенесён на {_ddmm(to, year)})" if to else wd
    return {"days_off": days_off, "working_days": working, "substitutes": substitutes}


def _is_working(d: date, days_off: dict[date, str], working: dict[date, str]) -> bool:
    return d in working or (d.weekday() < 5 and d not in days_off)


def _holiday_name(d: date) -> str | None:
    return ART_112.get((d.month, d.day))


def _rule_short_days(year: int, fed: dict) -> dict[date, str]:
    """Art. 95 as the Ministry of Labour applies it: a working day whose next day is an art. 112 holiday;
    and a working weekend day whose transferred day off is the eve of such a holiday (02.11.2024,
    01.11.2025) - it is worked in place of that eve."""
    out: dict[date, str] = {}
    d = date(year, 1, 1)
    while d.year == year:
        if _is_working(d, fed["days_off"], fed["working_days"]):
            nxt = d + timedelta(days=1)
            name = _holiday_name(nxt)
            if name:
                out[d] = f"предпраздничный день (перед {nxt:%d.%m} — {name})"
            elif d in fed["substitutes"] and _holiday_name(fed["substitutes"][d] + timedelta(days=1)):
                out[d] = _short_reason(d, year, fed, rule=False)
        d += timedelta(days=1)
    return out


def _short_reason(d: date, year: int, fed: dict, *, rule: bool = True) -> str:
    if rule:
        found = _rule_short_days(year, fed)
        if d in found:
            return found[d]
    for k in range(1, 8):
        nxt = d + timedelta(days=k)
        name = _holiday_name(nxt)
        if name:
            return f"предпраздничный день (перед {nxt:%d.%m} — {name})"
    return "предпраздничный день"


def build_year(year: int, *, verbose: bool = True) -> dict:
    fed = federal(year)
    explicit = EXPLICIT.get(year, {})
    days_off = dict(fed["days_off"])
    working = dict(fed["working_days"])
    marked: set[date] = set()

    for d, why in (explicit.get("days_off") or {}).items():
        days_off[d] = why or days_off.get(d, "нерабочий день")
        working.pop(d, None)
        marked.add(d)
    for d, why in (explicit.get("working_days") or {}).items():
        working[d] = why or "рабочий день (перенос)"
        days_off.pop(d, None)
        marked.add(d)

    rule_short = _rule_short_days(year, fed)
    if "short_days" in explicit:
        short = {d: (why or _short_reason(d, year, fed)) for d, why in explicit["short_days"].items()}
        marked.update(short)
        if verbose and set(short) != set(rule_short):
            only_rule = sorted(set(rule_short) - set(short))
            only_expl = sorted(set(short) - set(rule_short))
            print(
                f"{year}: сокращённые дни — по правилу, но не в явном списке: {only_rule}; "
                f"в явном списке, но не по правилу: {only_expl}",
                file=sys.stderr,
            )
    else:
        short = rule_short
        if verbose:
            print(
                f"{year}: нет явного списка сокращённых дней — взяты по правилу: {sorted(short)}",
                file=sys.stderr,
            )

    regional = {dzheorguyba(year): REGIONAL_NAME}
    for d, why in (explicit.get("regional_days_off") or {}).items():
        regional[d] = why or "нерабочий день (региональный)"
        marked.add(d)

    for d in short:
        if not _is_working(d, days_off, working):
            raise SystemExit(f"{year}: сокращённый день {d} не является рабочим")
    return {
        "year": year,
        "days_off": days_off,
        "working_days": working,
        "short_days": short,
        "regional_days_off": regional,
        "explicit": sorted(marked),
        "decree": explicit.get("decree"),
    }


def norms(data: dict, *, regional: bool = False) -> tuple[int, int]:
    """(working days, hours at a 40-hour week) - official method: 8 h a day, 1 h less on short days."""
    year = data["year"]
    off = dict(data["days_off"])
    if regional:
        off.update(data["regional_days_off"])
    days = hours = 0
    d = date(year, 1, 1)
    while d.year == year:
        if _is_working(d, off, data["working_days"]):
            days += 1
            hours += 7 if d in data["short_days"] else 8
        d += timedelta(days=1)
    return days, hours


def _q(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def render(data: dict) -> str:
    year = data["year"]
    fd, fh = norms(data)
    rd, rh = norms(data, regional=True)
    lines = [
        f"# Производственный календарь на {year} год (пятидневная неделя) и нерабочие дни РСО-Алания.",
        f"# Сгенерирован scripts/gen_calendar.py: holidays {holidays.__version__} + явные записи (главнее).",
        "# Не правьте вручную: исправьте EXPLICIT в генераторе и перегенерируйте.",
        f"# Федеральный календарь: {fd} рабочих дней, {fh} ч при 40-часовой неделе.",
        f"# С региональными днями РСО-Алания: {rd} рабочих дней, {rh} ч.",
        f"year: {year}",
        "sources:",
        f"  - {_q('Трудовой кодекс РФ, ст. 95 (предпраздничные дни), ст. 112 (праздники)')}",
    ]
    if data.get("decree"):
        lines.append(f"  - {_q(data['decree'])}")
    lines.append(f"  - {_q(REGIONAL_LAW)}")
    for section, comment in (
        ("days_off", "нерабочие дни: праздники (ст. 112) и перенесённые выходные"),
        ("working_days", "рабочие выходные дни (перенос)"),
        ("short_days", "сокращённые на 1 час предпраздничные дни (ст. 95)"),
        ("regional_days_off", "нерабочие дни РСО-Алания"),
    ):
        entries = data[section]
        lines.append(f"{section}:" + ("" if entries else " {}") + f"  # {comment}")
        for d in sorted(entries):
            lines.append(
                f"  {d.isoformat()}: {_q(entries[d])}  # {('пн', 'вт', 'ср', 'чт', 'пт', 'сб', 'вс')[d.weekday()]}"
            )
    ex = data["explicit"]
    lines.append(
        "explicit: [" + ", ".join(d.isoformat() for d in ex) + "]  # из EXPLICIT генератора, не из holidays"
    )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("years", nargs="*", type=int, help=f"years (default {YEARS.start}-{YEARS.stop - 1})")
    ap.add_argument("--check", action="store_true", help="compare with the shipped files, write nothing")
    ap.add_argument("--out", type=Path, default=OUT_DIR)
    args = ap.parse_args(argv)
    years = args.years or list(YEARS)
    bad = 0
    for y in years:
        data = build_year(y)
        text = render(data)
        path = args.out / f"ru-{y}.yaml"
        fd, fh = norms(data)
        rd, rh = norms(data, regional=True)
        if args.check:
            same = path.exists() and path.read_text(encoding="utf-8") == text
            print(f"{path.name}: {'ok' if same else 'ОТЛИЧАЕТСЯ'}")
            bad += not same
        else:
            args.out.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"{path.name}: {fd} дн., {fh} ч (федеральный); {rd} дн., {rh} ч (с РСО-Алания)")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
