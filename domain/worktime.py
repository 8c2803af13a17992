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
"""

from __future__ import annotations

import hashlib
import json
import logging
from bisect import bisect_left, bisect_right
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from itertools import accumulate
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, field_validator, model_validator

log = logging.getLogger(__name__)

CALENDAR_DIR = Path(__file__).resolve().parent.parent / "config" / "calendar"

_US = 1_000_000
_DAY_US = 86_400 * _US

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


def _classify_off(reason: str) -> DayKind:
    if REGIONAL_MARK in reason:
        return DayKind.regional
    if reason.startswith(TRANSFER_PREFIX):
        return DayKind.transfer_off
    return DayKind.holiday


class _Year:
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

    __slots__ = ("_off", "_short", "_snap", "_tables", "_working", "_years", "_zone", "schedule")

    def __init__(self, snap: CalendarSnapshot) -> None:
        self._snap = snap
        self.schedule = snap.schedule
        self._zone = ZoneInfo(snap.schedule.tz)
        self._years = frozenset(snap.years)
        self._off = snap.days_off
        self._working = snap.working_days
        self._short = snap.short_days
        self._tables: dict[int, _Year] = {}

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
        snap = _shipped_snapshot(regional, fallback)
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
        return cls(_build_snapshot(data, schedule or WorkdaySchedule(), regional=regional, fallback=fallback))

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

        return WorkCalendar(_make_snapshot(s.schedule, keep, within(s.days_off), within(s.working_days),
                                           within(s.short_days), s.fallback))

    def with_schedule(self, schedule: WorkdaySchedule) -> WorkCalendar:
        """The same days with another working day (a body's own hours)."""
        s = self._snap
        return WorkCalendar(
            _make_snapshot(schedule, s.years, s.days_off, s.working_days, s.short_days, s.fallback)
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

    def _table(self, year: int) -> _Year:
        t = self._tables.get(year)
        if t is None:
            t = self._tables[year] = self._build_year(year)
        return t

    def _build_year(self, year: int) -> _Year:
        if year in self._years:
            fallback = False
        elif self._snap.fallback:
            fallback = True
        else:
            raise CalendarError(
                f"Нет производственного календаря на {year} год (config/calendar/ru-{year}.yaml)"
            )
        full = self.schedule.blocks(False)
        shortened = self.schedule.blocks(True)
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
            return _Year(year, blocks, kinds, reasons, shorts, widths)
        for d, why in self._working.items():
            if d.year == year:
                i = d.toordinal() - first_ord
                blocks[i], kinds[i], reasons[i], widths[i] = full, DayKind.working_weekend, why, w_full
        for d, why in self._short.items():
            if d.year == year:
                i = d.toordinal() - first_ord
                if kinds[i] == DayKind.working_weekend:
                    reasons[i] = f"{reasons[i]}; {why}"
                elif kinds[i] == DayKind.working:
                    kinds[i], reasons[i] = DayKind.short, why
                else:
                    continue  # a short day on a day off: nothing to shorten
                blocks[i], shorts[i], widths[i] = shortened, True, w_short
        for d, why in self._off.items():
            if d.year == year:
                i = d.toordinal() - first_ord
                blocks[i], kinds[i], reasons[i], shorts[i], widths[i] = (), _classify_off(why), why, False, 0
        return _Year(year, blocks, kinds, reasons, shorts, widths)

    # ------------------------------------------------------------------ positions

    def _local(self, t: datetime, what: str) -> datetime:
        tz = getattr(t, "tzinfo", None)
        if tz is self._zone:
            return t
        if tz is None or not isinstance(t, datetime) or t.utcoffset() is None:
            _check_aware(t, what)
        return t.astimezone(self._zone)

    def _pos(self, lt: datetime) -> tuple[_Year, int]:
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

    def _instant(self, tab: _Year, i: int, us: int) -> datetime:
        d = date.fromordinal(tab.first_ord + i)
        h, r = divmod(us, 3_600 * _US)
        m, r = divmod(r, 60 * _US)
        s, r = divmod(r, _US)
        return datetime(d.year, d.month, d.day, h, m, s, r, tzinfo=self._zone)

    def _at_back(self, tab: _Year, target: int) -> datetime:
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

    def _at_fwd(self, tab: _Year, target: int) -> datetime:
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

    def _diff(self, ta: _Year, pa: int, tb: _Year, pb: int) -> int:
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


_ONE_US = timedelta(microseconds=1)
_WEEKDAY_REASON = ("рабочий день",) * 5 + WEEKDAYS_FULL[5:]


# ---------------------------------------------------------------------- shipped data


def load_year_file(path: Path) -> dict[str, Any]:
    """Read and check one ``ru-YYYY.yaml``; returns its sections with ``date`` keys."""
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        raise CalendarError(f"{path}: не YAML: {e}") from e
    if not isinstance(raw, dict) or not isinstance(raw.get("year"), int):
        raise CalendarError(f"{path}: нет поля year")
    year = raw["year"]
    out: dict[str, Any] = {"year": year}
    for section in ("days_off", "working_days", "short_days", "regional_days_off"):
        entries = raw.get(section) or {}
        if not isinstance(entries, dict):
            raise CalendarError(f"{path}: {section} должен быть словарём дата: причина")
        parsed: dict[date, str] = {}
        for k, v in entries.items():
            if isinstance(k, str):
                try:
                    k = date.fromisoformat(k)
                except ValueError as e:
                    raise CalendarError(f"{path}: {section}: неверная дата {k!r}") from e
            if not isinstance(k, date) or isinstance(k, datetime):
                raise CalendarError(f"{path}: {section}: неверная дата {k!r}")
            if k.year != year:
                raise CalendarError(f"{path}: {section}: дата {k} не из {year} года")
            if not isinstance(v, str) or not v.strip():
                raise CalendarError(f"{path}: {section}: {k}: нужна причина (строка)")
            parsed[k] = v.strip()
        out[section] = parsed
    for d, why in out["regional_days_off"].items():
        if REGIONAL_MARK not in why:
            out["regional_days_off"][d] = f"{why} {REGIONAL_MARK}"
    clash = set(out["days_off"]) & set(out["working_days"])
    if clash:
        raise CalendarError(f"{path}: дни одновременно нерабочие и рабочие: {sorted(clash)}")
    return out


def _build_snapshot(
    data: list[dict[str, Any]], schedule: WorkdaySchedule, *, regional: bool, fallback: bool
) -> CalendarSnapshot:
    days_off: dict[date, str] = {}
    working: dict[date, str] = {}
    short: dict[date, str] = {}
    years: list[int] = []
    for y in sorted(data, key=lambda x: x["year"]):
        years.append(y["year"])
        days_off.update(y["days_off"])
        working.update(y["working_days"])
        short.update(y["short_days"])
        if regional:
            for d, why in y["regional_days_off"].items():
                days_off.setdefault(d, why)  # a federal reason, if any, stays the primary one
    return _make_snapshot(schedule, years, days_off, working, short, fallback)


def _make_snapshot(
    schedule: WorkdaySchedule,
    years: list[int],
    days_off: dict[date, str],
    working: dict[date, str],
    short: dict[date, str],
    fallback: bool,
) -> CalendarSnapshot:
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


@lru_cache(maxsize=8)
def _shipped_snapshot(regional: bool, fallback: bool) -> CalendarSnapshot:
    files = sorted(CALENDAR_DIR.glob("ru-*.yaml"))
    if not files:
        raise CalendarError(f"Нет файлов производственного календаря в {CALENDAR_DIR}")
    data = [load_year_file(p) for p in files]
    return _build_snapshot(data, WorkdaySchedule(), regional=regional, fallback=fallback)
