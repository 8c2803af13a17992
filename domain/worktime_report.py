"""People-facing texts about working time (Russian): why a deadline is where it is, a year's calendar,
and a Russian-friendly duration parser. Pure functions; the CLI (``otklik deadline``, ``otklik calendar``)
prints what they return."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from domain.worktime import WEEKDAYS_FULL, WEEKDAYS_SHORT, DayInfo, DayKind, WorkCalendar

MONTHS = (
    "Январь", "Февраль", "Март", "Апрель", "Май", "Июнь",
    "Июль", "Август", "Сентябрь", "Октябрь", "Ноябрь", "Декабрь",
)  # fmt: skip

# ---------------------------------------------------------------------- durations

_UNITS: dict[str, int] = {}  # unit -> seconds
for _names, _secs in (
    (("h", "hr", "hrs", "hour", "hours", "ч", "час", "часа", "часов", "часы"), 3600),
    (("m", "min", "mins", "minute", "minutes", "м", "мин", "минута", "минуты", "минут", "минуту"), 60),
    (("s", "sec", "secs", "second", "seconds", "с", "сек", "секунда", "секунды", "секунд", "секунду"), 1),
):
    for _n in _names:
        _UNITS[_n] = _secs
_DAY_UNITS = {"d", "day", "days", "д", "дн", "день", "дня", "дней", "wd", "рд", "сут", "сутки", "суток"}
_TOKEN = re.compile(r"\s*(\d+(?:[.,]\d+)?)\s*([a-zа-яё]+)\.?", re.IGNORECASE)
_CLOCK = re.compile(r"^(\d+):([0-5]\d)(?::([0-5]\d))?$")
_EXAMPLES = "например: 9h, 30m, 2h30m, 1.5h, 9ч, 30мин, 2 ч 30 мин, 1:30"


def parse_duration(text: str) -> timedelta:
    """Parse "9h", "30m", "2h30m", "9ч", "30мин", "2 ч 30 мин", "1,5ч", "1:30". ValueError in Russian."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"Пустая длительность; укажите, {_EXAMPLES}")
    s = text.strip().lower()
    if s.startswith("-"):
        raise ValueError(f"Длительность «{text}» отрицательна; нужна неотрицательная")
    m = _CLOCK.match(s)
    if m:
        return _bounded(text, Decimal(int(m[1]) * 3600 + int(m[2]) * 60 + int(m[3] or 0)))
    total = Decimal(0)
    pos = 0
    seen: set[int] = set()
    while pos < len(s):
        tok = _TOKEN.match(s, pos)
        if not tok:
            rest = s[pos:].strip()
            if not rest:
                break
            if rest.replace(".", "", 1).replace(",", "", 1).isdigit():
                raise ValueError(f"В длительности «{text}» у числа {rest} нет единицы; {_EXAMPLES}")
            raise ValueError(f"Не понимаю длительность «{text}» (с «{rest}»); {_EXAMPLES}")
        num, unit = tok[1].replace(",", "."), tok[2]
        if unit in _DAY_UNITS:
            raise ValueError(
                f"Длительность «{text}»: дни здесь не принимаются — рабочий день бывает короче; "
                "укажите часы (9h) или, в политике SLA, рабочие дни (2wd)"
            )
        secs = _UNITS.get(unit)
        if secs is None:
            raise ValueError(f"Длительность «{text}»: неизвестная единица «{unit}»; {_EXAMPLES}")
        if secs in seen:
            raise ValueError(f"Длительность «{text}»: единица «{unit}» повторяется")
        seen.add(secs)
        try:
            total += Decimal(num) * secs
        except InvalidOperation as e:  # pragma: no cover - the regex admits only numbers
            raise ValueError(f"Длительность «{text}»: неверное число {num}") from e
        pos = tok.end()
    if not seen:
        raise ValueError(f"Не понимаю длительность «{text}»; {_EXAMPLES}")
    return _bounded(text, total)


MAX_DURATION_HOURS = 10_000  # more working time than any Regulation term (and than a year holds)


def _bounded(text: str, seconds: Decimal) -> timedelta:
    if seconds > MAX_DURATION_HOURS * 3600:
        raise ValueError(f"Длительность «{text}» слишком велика: не больше {MAX_DURATION_HOURS} ч")
    return timedelta(microseconds=int((seconds * 1_000_000).to_integral_value()))


def format_duration(d: timedelta) -> str:
    """Russian: "9 ч", "1 ч 30 мин", "30 мин", "45 с", "0 мин"."""
    neg = d < timedelta(0)
    us = abs(d) // timedelta(microseconds=1)
    secs, rest_us = divmod(us, 1_000_000)
    h, rem = divmod(secs, 3600)
    m, s = divmod(rem, 60)
    parts = []
    if h:
        parts.append(f"{h} ч")
    if m:
        parts.append(f"{m} мин")
    if s or rest_us:
        parts.append(f"{s}{f'.{rest_us:06d}'.rstrip('0') if rest_us else ''} с")
    text = " ".join(parts) or "0 мин"
    return f"−{text}" if neg else text


# ---------------------------------------------------------------------- formatting helpers


def _zone_label(cal: WorkCalendar, t: datetime) -> str:
    if cal.schedule.tz == "Europe/Moscow":
        return "МСК"
    off = t.utcoffset() or timedelta(0)
    hours, minutes = divmod(int(off.total_seconds()) // 60, 60)
    return f"{cal.schedule.tz}, UTC{'+' if off >= timedelta(0) else '-'}{abs(hours):02d}:{minutes:02d}"


def format_instant(cal: WorkCalendar, t: datetime) -> str:
    """ "ср 05.11.2025 10:30 (МСК)" in the calendar's zone."""
    lt = t.astimezone(cal.zone)
    hm = f"{lt:%H:%M}" if not (lt.second or lt.microsecond) else f"{lt:%H:%M:%S}"
    return f"{WEEKDAYS_SHORT[lt.weekday()]} {lt:%d.%m.%Y} {hm} ({_zone_label(cal, lt)})"


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural form: 1 день, 2 дня, 5 дней, 21 день, 11 дней."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def _hm(t: datetime) -> str:
    return f"{t:%H:%M}" if not (t.second or t.microsecond) else f"{t:%H:%M:%S}"


def _day_label(d: date, base_year: int) -> str:
    return f"{d:%d.%m}" if d.year == base_year else f"{d:%d.%m.%Y}"


def describe_day_off(info: DayInfo) -> str:
    """ "выходной (воскресенье)", "выходной (перенос с 01.11)", "праздник: День народного единства"."""
    if info.kind == DayKind.weekend:
        return f"выходной ({info.reason})"
    if info.kind == DayKind.transfer_off:
        return f"выходной ({info.reason})"
    if info.kind == DayKind.regional:
        return f"праздник РСО-Алания: {info.reason}"
    if info.kind == DayKind.holiday:
        return f"праздник: {info.reason}"
    return info.reason


# ---------------------------------------------------------------------- explain_deadline


def explain_deadline(cal: WorkCalendar, start: datetime, duration: timedelta) -> str:
    """The deadline ``cal.add(start, duration)`` and why: every counted span and every skipped day."""
    if duration < timedelta(0):
        raise ValueError("Длительность должна быть неотрицательной")
    deadline = cal.add(start, duration)
    ls = start.astimezone(cal.zone)
    base = ls.year
    sched = cal.schedule
    lines = [
        f"Срок: {format_instant(cal, deadline)}",
        f"Начало отсчёта: {format_instant(cal, ls)}; нужно {format_duration(duration)} рабочего времени",
        f"Рабочий день: {sched.describe()}{' (не считается)' if sched.lunch_start else ''}; "
        f"предпраздничный день короче на {format_duration(sched.short_day_cut)}",
    ]
    first = cal.next_working_start(ls)
    if first != ls:
        lines.append(f"Начало вне рабочего времени — отсчёт идёт с {format_instant(cal, first)}")
    if duration == timedelta(0):
        lines.append("Длительность нулевая: срок — ближайшее рабочее время")
        return "\n".join(lines)

    entries: list[
        tuple[str, date, str]
    ] = []  # (kind of line, day, text); kinds: plain_work, plain_weekend, other
    done = timedelta(0)
    d = ls.date()
    last = deadline.date()
    while d <= last:
        info = cal.day_info(d)
        label = f"{_day_label(d, base)} ({WEEKDAYS_SHORT[d.weekday()]})"
        if not info.is_working_day:
            kind = "plain_weekend" if info.kind == DayKind.weekend else "other"
            entries.append((kind, d, f"{_day_label(d, base)} — {describe_day_off(info)}"))
            d += timedelta(days=1)
            continue
        blocks = cal.day_blocks(d)
        spans = []
        for a, b in blocks:
            lo, hi = max(a, ls), min(b, deadline)
            if lo < hi:
                spans.append((lo, hi))
        if not spans:
            if d == ls.date():
                when = "после конца" if ls >= blocks[-1][1] else "до начала"
                entries.append(("other", d, f"{label} — старт {_hm(ls)} {when} рабочего дня"))
            d += timedelta(days=1)
            continue
        used = sum((hi - lo for lo, hi in spans), timedelta(0))
        done += used
        notes = []
        special = info.kind in (DayKind.short, DayKind.working_weekend)
        if len(spans) > 1 and sched.lunch_start is not None:
            notes.append(f"обед {sched.lunch_start:%H:%M}–{sched.lunch_end:%H:%M} не считается")
        if spans[-1][1] == blocks[-1][1] and done < duration:
            notes.append(f"до конца рабочего дня {_hm(blocks[-1][1])}")
        full = spans == blocks
        text = (
            f"{label} — "
            + (f"{info.reason}: " if special else "")
            + ", ".join(f"{_hm(lo)}–{_hm(hi)}" for lo, hi in spans)
            + f" = {format_duration(used)}"
            + (f" ({'; '.join(notes)})" if notes else "")
            + f"; всего {format_duration(done)}"
        )
        kind = "plain_work" if full and not special else "other"
        entries.append((kind, d, text))
        d += timedelta(days=1)

    lines.append("Как считали:")
    lines.extend("  " + t for t in _compress(entries, base, cal))
    if cal.is_block_end(deadline):
        lt = deadline.astimezone(cal.zone)
        what = "конец рабочего дня" if lt == cal.day_blocks(lt.date())[-1][1] else "начало обеда"
        lines.append(
            f"Срок приходится ровно на {what} ({_hm(lt)}) — он остаётся здесь, а не переносится дальше"
        )
    return "\n".join(lines)


def _compress(entries: list[tuple[str, date, str]], base: int, cal: WorkCalendar) -> list[str]:
    """Collapse long runs of ordinary full working days and ordinary weekends (long durations)."""
    if len(entries) <= 21:
        return [t for _, _, t in entries]
    out: list[str] = []
    i = 0
    while i < len(entries):
        kind, d0, text = entries[i]
        j = i
        while j + 1 < len(entries) and entries[j + 1][0] == kind and kind in ("plain_work", "plain_weekend"):
            j += 1
        if j - i >= 1:
            d1 = entries[j][1]
            span = f"{_day_label(d0, base)}–{_day_label(d1, base)}"
            if kind == "plain_weekend":
                names = ", ".join(WEEKDAYS_FULL[entries[k][1].weekday()] for k in range(i, j + 1))
                out.append(f"{span} — выходные ({names})")
            else:
                n = j - i + 1
                per = format_duration(timedelta(minutes=cal.day_info(d0).working_minutes))
                total = entries[j][2].rsplit("; всего ", 1)[-1]
                days = plural(n, "полный рабочий день", "полных рабочих дня", "полных рабочих дней")
                out.append(f"{span} — {n} {days} по {per}; всего {total}")
        else:
            out.append(text)
        i = j + 1
    return out


# ---------------------------------------------------------------------- year_report


def year_report(cal: WorkCalendar, year: int) -> str:
    """The year's calendar for checking against the official one: per month and for the year - calendar
    days, working days, days off, the working-hour norm at a 40-hour week; the special days listed."""
    rows: list[tuple[str, int, int, int, int]] = []
    specials: dict[str, list[str]] = {
        "holiday": [],
        "transfer_off": [],
        "working_weekend": [],
        "short": [],
        "regional": [],
    }
    tot = [0, 0, 0, 0]
    snap = cal.snapshot()
    has_regional = False
    regional_weekdays = 0
    sched_minutes = 0
    for month in range(1, 13):
        cal_days = work = off = norm = 0
        d = date(year, month, 1)
        while d.month == month:
            info = cal.day_info(d)
            cal_days += 1
            sched_minutes += info.working_minutes
            if info.is_working_day:
                work += 1
                norm += 7 if info.short else 8
            else:
                off += 1
            label = f"{d:%d.%m} ({WEEKDAYS_SHORT[d.weekday()]}) — {info.reason}"
            if info.kind in (
                DayKind.holiday,
                DayKind.transfer_off,
                DayKind.regional,
                DayKind.working_weekend,
            ):
                specials[info.kind.value].append(label)
            if info.short:
                why = snap.short_days.get(d, info.reason)
                specials["short"].append(f"{d:%d.%m} ({WEEKDAYS_SHORT[d.weekday()]}) — {why}")
            if info.kind == DayKind.regional:
                has_regional = True
                regional_weekdays += d.weekday() < 5
            d += timedelta(days=1)
        rows.append((MONTHS[month - 1], cal_days, work, off, norm))
        for k, v in enumerate((cal_days, work, off, norm)):
            tot[k] += v

    title = f"Производственный календарь на {year} год"
    title += " — РСО-Алания (федеральный + республиканские дни)" if has_regional else " — федеральный"
    lines = [
        title,
        f"Версия данных: {cal.version}; рабочий день {cal.schedule.describe()} ({cal.schedule.tz})",
    ]
    if year not in snap.years:
        lines.append(
            "ВНИМАНИЕ: данных на этот год нет — упрощённый календарь (выходные + фиксированные праздники, "
            "без переносов и сокращённых дней)"
        )
    lines.append("")
    header = ("Месяц", "Календ. дней", "Рабочих", "Вых. и праздн.", "Норма, ч (40 ч/нед)")
    widths = (10, 14, 9, 16, 21)
    lines.append(
        "".join(
            h.ljust(w) if i == 0 else h.rjust(w) for i, (h, w) in enumerate(zip(header, widths, strict=True))
        )
    )
    for name, *vals in [*rows, ("Год", tot[0], tot[1], tot[2], tot[3])]:
        if name == "Год":
            lines.append("-" * sum(widths))
        lines.append(
            name.ljust(widths[0]) + "".join(str(v).rjust(w) for v, w in zip(vals, widths[1:], strict=True))
        )
    lines.append("")
    lines.append(
        f"Итого за {year} год: {tot[1]} рабочих дней, {tot[2]} выходных и праздничных, норма {tot[3]} ч."
    )
    if regional_weekdays:
        lines.append(
            f"Без республиканских дней (федеральный календарь): {tot[1] + regional_weekdays} рабочих дней, "
            f"{tot[3] + 8 * regional_weekdays} ч."
        )
    if sched_minutes != tot[3] * 60:
        lines.append(f"Рабочее время по графику органа: {format_duration(timedelta(minutes=sched_minutes))}.")
    for key, title_ in (
        ("holiday", "Праздники (нерабочие праздничные дни)"),
        ("transfer_off", "Перенесённые выходные дни"),
        ("working_weekend", "Рабочие выходные дни"),
        ("short", "Сокращённые на 1 час предпраздничные дни"),
        ("regional", "Нерабочие дни РСО-Алания"),
    ):
        if specials[key]:
            lines.append("")
            lines.append(f"{title_}:")
            lines.extend("  " + s for s in specials[key])
    return "\n".join(lines)
