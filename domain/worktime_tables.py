"""Per-year tables of the working-time clock: each day's working blocks and prefix sums over the year.

:func:`build_year_table` lays a year of a :class:`CalendarSnapshot` out as ordinary weeks with the
special days (transferred working Saturdays, shortened days, days off) laid over them;
:class:`domain.worktime.WorkCalendar` builds a year's table the first time it needs that year. Pure.
"""

from __future__ import annotations

from datetime import date
from itertools import accumulate

from domain.worktime_calendar import (
    FIXED_HOLIDAYS,
    WEEKDAYS_FULL,
    CalendarError,
    CalendarSnapshot,
    DayKind,
    classify_off,
)

_WEEKDAY_REASON = ("рабочий день",) * 5 + WEEKDAYS_FULL[5:]


class YearTable:
    """Per-year tables: blocks of each day and prefix sums of working time / working days."""

    __slots__ = ("blocks", "cum", "first_ord", "kinds", "n", "reasons", "short", "total", "wcum", "year")

    def __init__(
        self,
        year: int,
        blocks: list[tuple[tuple[int, int], ...]],
        kinds: list[DayKind],
        reasons: list[str],
        short: list[bool],
        widths: list[int],
    ) -> None:
        self.year = year
        self.first_ord = date(year, 1, 1).toordinal()
        self.n = len(blocks)
        self.blocks = blocks
        self.kinds = kinds
        self.reasons = reasons
        self.short = short
        self.cum = list(accumulate(widths, initial=0))
        self.wcum = list(accumulate(map(bool, widths), initial=0))
        self.total = self.cum[-1]


def build_year_table(snap: CalendarSnapshot, year: int) -> YearTable:
    """The tables of one year; a year without data is the fallback rule if the snapshot has one."""
    if year in snap.years:
        fallback = False
    elif snap.fallback:
        fallback = True
    else:
        raise CalendarError(
            f"Нет производственного календаря на {year} год (config/calendar/ru-{year}.yaml)"
        )
    full = snap.schedule.blocks(False)
    shortened = snap.schedule.blocks(True)
    first = date(year, 1, 1)
    first_ord = first.toordinal()
    n = date(year + 1, 1, 1).toordinal() - first_ord
    wd0 = first.weekday()
    # ordinary weeks first, then the special days laid over them (a day off wins over everything)
    w_full = sum(b - a for a, b in full)
    w_short = sum(b - a for a, b in shortened)
    cut = slice(wd0, wd0 + n)  # 54 weeks cover any year from any weekday
    blocks: list[tuple[tuple[int, int], ...]] = ([full] * 5 + [()] * 2) * 54
    blocks = blocks[cut]
    kinds = ([DayKind.working] * 5 + [DayKind.weekend] * 2) * 54
    kinds = kinds[cut]
    reasons = list(_WEEKDAY_REASON * 54)[cut]
    widths = ([w_full] * 5 + [0, 0]) * 54
    widths = widths[cut]
    shorts = [False] * n
    if fallback:
        for (month, day), name in FIXED_HOLIDAYS.items():
            i = date(year, month, day).toordinal() - first_ord
            blocks[i], kinds[i], reasons[i], widths[i] = (), DayKind.holiday, name, 0
        return YearTable(year, blocks, kinds, reasons, shorts, widths)
    for d, why in snap.working_days.items():
        if d.year == year:
            i = d.toordinal() - first_ord
            blocks[i], kinds[i], reasons[i], widths[i] = full, DayKind.working_weekend, why, w_full
    for d, why in snap.short_days.items():
        if d.year == year:
            i = d.toordinal() - first_ord
            if kinds[i] == DayKind.working_weekend:
                reasons[i] = f"{reasons[i]}; {why}"
            elif kinds[i] == DayKind.working:
                kinds[i], reasons[i] = DayKind.short, why
            else:
                continue  # a short day on a day off: nothing to shorten
            blocks[i], shorts[i], widths[i] = shortened, True, w_short
    for d, why in snap.days_off.items():
        if d.year == year:
            i = d.toordinal() - first_ord
            blocks[i], kinds[i], reasons[i], shorts[i], widths[i] = (), classify_off(why), why, False, 0
    return YearTable(year, blocks, kinds, reasons, shorts, widths)
