"""Working-time clock: the Russian production calendar plus North Ossetia-Alania's own days.

Every deadline of the Regulation is counted in working time (rules.md, "Clock"): the bodies' working
day (09:00-18:00, lunch 13:00-14:00, Europe/Moscow by default), minus weekends, public holidays,
the Government's transfers of days off, plus transferred working Saturdays; pre-holiday days are one
hour shorter (Labour Code art. 95); the republic's own non-working days (the Dzheorguyba law) count too.

The module is pure: no clock reads, no I/O except reading the shipped ``config/calendar/ru-YYYY.yaml``
in :meth:`WorkCalendar.default`. A workflow receives a :class:`CalendarSnapshot` in its input and
rebuilds the calendar with :meth:`WorkCalendar.from_snapshot` (cheap: per-year tables are built lazily).

Semantics (all instants tz-aware, any zone; results in the schedule's zone):

* working time is the union of half-open blocks ``[09:00, 13:00)`` and ``[14:00, 18:00)`` of each
  working day (``[14:00, 17:00)`` on a shortened day);
* ``add(t, d)``: a clock started outside working hours starts at the next working instant; a deadline
  that falls exactly at the end of a block stays there (18:00, not 09:00 of the next day; 13:00, not
  14:00); ``add(t, 0)`` is ``next_working_start(t)``;
* ``subtract(T, d)``: the earliest instant ``s`` with ``between(s, T) == d``; when that is ambiguous
  (a block end and the next block start are the same point in working time) the block end wins, as
  for ``add`` - "4 working hours before Tue 13:00" is Mon 18:00;
* ``between(a, b)``: working time in ``[a, b)``, negative when ``b < a``.

Inside, an instant is a *position*: microseconds of working time from the start of its year, found
with per-year prefix sums of per-day working time and :func:`bisect.bisect_left` - never walking
minute by minute, so adding 200 working days costs about as much as adding 9 hours.

Parts: the calendar's data (schedule, snapshot, kinds of days) is :mod:`domain.worktime_calendar`, the
per-year tables :mod:`domain.worktime_tables`, reading the shipped files :mod:`domain.worktime_files`;
their public names are importable from here too. Russian explanations are :mod:`domain.worktime_report`.
"""

from __future__ import annotations

import logging
from bisect import bisect_left, bisect_right
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from domain.worktime_calendar import (
    FIXED_HOLIDAYS,
    REGIONAL_MARK,
    TRANSFER_PREFIX,
    WEEKDAYS_FULL,
    WEEKDAYS_SHORT,
    CalendarError,
    CalendarSnapshot,
    DayInfo,
    DayKind,
    WorkdaySchedule,
    make_snapshot,
)
from domain.worktime_files import CALENDAR_DIR, build_snapshot, load_year_file, shipped_snapshot
from domain.worktime_tables import YearTable, build_year_table

__all__ = [
    "CALENDAR_DIR",
    "FIXED_HOLIDAYS",
    "REGIONAL_MARK",
    "TRANSFER_PREFIX",
    "WEEKDAYS_FULL",
    "WEEKDAYS_SHORT",
    "CalendarError",
    "CalendarSnapshot",
    "DayInfo",
    "DayKind",
    "WorkCalendar",
    "WorkdaySchedule",
    "load_year_file",
]

log = logging.getLogger(__name__)

_US = 1_000_000
_ONE_US = timedelta(microseconds=1)


def _check_aware(t: datetime, what: str = "время") -> None:
    if not isinstance(t, datetime):
        raise TypeError(f"{what}: ожидается datetime, получено {type(t).__name__}")
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(
            f"{what}: {t.isoformat()} без часового пояса; нужен datetime с tzinfo "
            "(например, datetime(..., tzinfo=ZoneInfo('Europe/Moscow')))"
        )


class WorkCalendar:
    """Working-time arithmetic over a :class:`CalendarSnapshot`. Pure and deterministic."""

    __slots__ = ("_snap", "_tables", "_years", "_zone", "schedule")

    def __init__(self, snap: CalendarSnapshot) -> None:
        self._snap = snap
        self.schedule = snap.schedule
        self._zone = ZoneInfo(snap.schedule.tz)
        self._years = frozenset(snap.years)
        self._tables: dict[int, YearTable] = {}

    # ------------------------------------------------------------------ construction

    @classmethod
    def default(
        cls, schedule: WorkdaySchedule | None = None, *, fallback: bool = False, regional: bool = True
    ) -> WorkCalendar:
        """The shipped calendar (``config/calendar/ru-*.yaml``) with the default or given working day.

        ``regional=False`` leaves out North Ossetia-Alania's own days (the federal calendar, to compare
        with the official production calendar). ``fallback=True`` answers for years without data with
        weekends + fixed federal holidays only, and logs a warning.
        """
        snap = shipped_snapshot(regional, fallback)
        if fallback:
            log.warning(
                "Производственный календарь: для лет вне %s используется упрощённый режим "
                "(выходные + фиксированные праздники, без переносов и сокращённых дней)",
                ", ".join(map(str, snap.years)),
            )
        cal = cls(snap)
        return cal if schedule is None else cal.with_schedule(schedule)

    @classmethod
    def from_files(
        cls,
        paths: list[Path],
        schedule: WorkdaySchedule | None = None,
        *,
        fallback: bool = False,
        regional: bool = True,
    ) -> WorkCalendar:
        """A calendar from explicit ``ru-YYYY.yaml`` files (tests, a draft calendar to check)."""
        data = [load_year_file(p) for p in paths]
        return cls(build_snapshot(data, schedule or WorkdaySchedule(), regional=regional, fallback=fallback))

    @classmethod
    def from_snapshot(cls, snap: CalendarSnapshot) -> WorkCalendar:
        """Pure and cheap: nothing is computed until a year is first used."""
        return cls(snap)

    def snapshot(self) -> CalendarSnapshot:
        return self._snap

    def for_years(self, first: int, last: int) -> WorkCalendar:
        """Only the years ``first..last`` (what a message can need): a smaller snapshot for its input.
        Years outside keep the fallback rule when the calendar has one."""
        s = self._snap
        keep = [y for y in s.years if first <= y <= last]

        def within(days: dict[date, str]) -> dict[date, str]:
            return {d: r for d, r in days.items() if first <= d.year <= last}

        return WorkCalendar(make_snapshot(s.schedule, keep, within(s.days_off), within(s.working_days),
                                           within(s.short_days), s.fallback))

    def with_schedule(self, schedule: WorkdaySchedule) -> WorkCalendar:
        """The same days with another working day (a body's own hours)."""
        s = self._snap
        return WorkCalendar(
            make_snapshot(schedule, s.years, s.days_off, s.working_days, s.short_days, s.fallback)
        )

    @property
    def version(self) -> str:
        return self._snap.version

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    @property
    def years(self) -> list[int]:
        return list(self._snap.years)

    # ------------------------------------------------------------------ per-year tables

    def _table(self, year: int) -> YearTable:
        t = self._tables.get(year)
        if t is None:
            t = self._tables[year] = build_year_table(self._snap, year)
        return t

    # ------------------------------------------------------------------ positions

    def _local(self, t: datetime, what: str) -> datetime:
        tz = getattr(t, "tzinfo", None)
        if tz is self._zone:
            return t
        if tz is None or not isinstance(t, datetime) or t.utcoffset() is None:
            _check_aware(t, what)
        return t.astimezone(self._zone)

    def _pos(self, lt: datetime) -> tuple[YearTable, int]:
        """(year table, working microseconds from the start of that year before ``lt``)."""
        tab = self._table(lt.year)
        i = lt.toordinal() - tab.first_ord
        us = ((lt.hour * 60 + lt.minute) * 60 + lt.second) * _US + lt.microsecond
        p = tab.cum[i]
        for a, b in tab.blocks[i]:
            if us <= a:
                break
            p += (us if us < b else b) - a
        return tab, p

    def _instant(self, tab: YearTable, i: int, us: int) -> datetime:
        d = date.fromordinal(tab.first_ord + i)
        h, r = divmod(us, 3_600 * _US)
        m, r = divmod(r, 60 * _US)
        s, r = divmod(r, _US)
        return datetime(d.year, d.month, d.day, h, m, s, r, tzinfo=self._zone)

    def _at_back(self, tab: YearTable, target: int) -> datetime:
        """The earliest instant at ``target`` (block ends win). Requires a year-relative target."""
        while target <= 0:
            tab = self._table(tab.year - 1)
            target += tab.total
        while target > tab.total:
            target -= tab.total
            tab = self._table(tab.year + 1)
        cum = tab.cum
        j = bisect_left(cum, target) - 1  # cum[j] < target <= cum[j + 1]
        rem = target - cum[j]
        for a, b in tab.blocks[j]:
            length = b - a
            if rem <= length:
                return self._instant(tab, j, a + rem)
            rem -= length
        raise AssertionError("working-time table inconsistent")  # pragma: no cover

    def _at_fwd(self, tab: YearTable, target: int) -> datetime:
        """The latest instant at ``target`` (block starts win): the next working instant."""
        while target < 0:
            tab = self._table(tab.year - 1)
            target += tab.total
        while target >= tab.total:
            target -= tab.total
            tab = self._table(tab.year + 1)
        cum = tab.cum
        j = bisect_right(cum, target) - 1  # cum[j] <= target < cum[j + 1]
        rem = target - cum[j]
        for a, b in tab.blocks[j]:
            length = b - a
            if rem < length:
                return self._instant(tab, j, a + rem)
            rem -= length
        raise AssertionError("working-time table inconsistent")  # pragma: no cover

    def _diff(self, ta: YearTable, pa: int, tb: YearTable, pb: int) -> int:
        if ta is tb:
            return pb - pa
        if ta.year < tb.year:
            total = ta.total - pa + pb
            for y in range(ta.year + 1, tb.year):
                total += self._table(y).total
            return total
        return -self._diff(tb, pb, ta, pa)

    # ------------------------------------------------------------------ public arithmetic

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """``start`` plus ``duration`` of working time (negative duration: :meth:`subtract`)."""
        lt = self._local(start, "start")
        d_us = duration // _ONE_US
        tab, p = self._pos(lt)
        if d_us > 0:
            return self._at_back(tab, p + d_us)
        if d_us == 0:
            return self._at_fwd(tab, p)
        return self._at_back(tab, p + d_us)

    def subtract(self, deadline: datetime, duration: timedelta) -> datetime:
        """The earliest instant from which ``duration`` of working time runs to ``deadline``."""
        lt = self._local(deadline, "deadline")
        d_us = duration // _ONE_US
        tab, p = self._pos(lt)
        return self._at_back(tab, p - d_us)

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in ``[a, b)``; negative if ``b < a``."""
        ta, pa = self._pos(self._local(a, "a"))
        tb, pb = self._pos(self._local(b, "b"))
        return timedelta(microseconds=self._diff(ta, pa, tb, pb))

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """The close of the ``n``-th working day after ``start``'s day (P10).

        ``n == 0``: the close of ``start``'s day if it is a working day, else of the next working day.
        """
        if n < 0:
            raise ValueError(f"число рабочих дней не может быть отрицательным: {n}")
        lt = self._local(start, "start")
        tab = self._table(lt.year)
        i = lt.toordinal() - tab.first_ord
        # the number of working days up to and including start's day (n > 0), or before it (n == 0)
        target = tab.wcum[i + 1] + n if n > 0 else tab.wcum[i] + 1
        while target > tab.wcum[-1]:
            target -= tab.wcum[-1]
            tab = self._table(tab.year + 1)
        j = bisect_left(tab.wcum, target) - 1  # wcum[j] < target <= wcum[j + 1]: day j is that working day
        return self._instant(tab, j, tab.blocks[j][-1][1])

    def is_working(self, t: datetime) -> bool:
        lt = self._local(t, "t")
        tab = self._table(lt.year)
        us = ((lt.hour * 60 + lt.minute) * 60 + lt.second) * _US + lt.microsecond
        return any(a <= us < b for a, b in tab.blocks[lt.toordinal() - tab.first_ord])

    def next_working_start(self, t: datetime) -> datetime:
        """``t`` itself if it is working time, else the start of the next working block."""
        tab, p = self._pos(self._local(t, "t"))
        return self._at_fwd(tab, p)

    def prev_working_end(self, t: datetime) -> datetime:
        """The earliest instant not after ``t`` with no working time in between: ``t`` itself inside a
        block, else the end of the previous block (so a block start maps to the previous block's end)."""
        tab, p = self._pos(self._local(t, "t"))
        return self._at_back(tab, p)

    def is_block_end(self, t: datetime) -> bool:
        """True if ``t`` is exactly the end of a working block (13:00, 18:00, 17:00 on a short day)."""
        lt = self._local(t, "t")
        tab = self._table(lt.year)
        us = ((lt.hour * 60 + lt.minute) * 60 + lt.second) * _US + lt.microsecond
        return any(us == b for _, b in tab.blocks[lt.toordinal() - tab.first_ord])

    # ------------------------------------------------------------------ days

    def day_info(self, d: date) -> DayInfo:
        if isinstance(d, datetime):
            d = self._local(d, "d").date()
        tab = self._table(d.year)
        i = d.toordinal() - tab.first_ord
        w = tab.cum[i + 1] - tab.cum[i]
        return DayInfo(
            date=d,
            kind=tab.kinds[i],
            reason=tab.reasons[i],
            working_minutes=w // (60 * _US),
            short=tab.short[i],
            fallback=d.year not in self._years,
        )

    def day_blocks(self, d: date) -> list[tuple[datetime, datetime]]:
        """The working blocks of a day as aware datetimes (empty for a day off)."""
        tab = self._table(d.year)
        i = d.toordinal() - tab.first_ord
        return [(self._instant(tab, i, a), self._instant(tab, i, b)) for a, b in tab.blocks[i]]

    def working_days_in(self, first: date, last: date) -> int:
        """Working days in ``[first, last]``."""
        count = 0
        for y in range(first.year, last.year + 1):
            tab = self._table(y)
            i0 = (first.toordinal() - tab.first_ord) if y == first.year else 0
            i1 = (last.toordinal() - tab.first_ord + 1) if y == last.year else tab.n
            count += tab.wcum[i1] - tab.wcum[i0]
        return count
