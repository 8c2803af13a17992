"""Working-time clock (domain.worktime): properties (hypothesis) against an independent day-by-day walk."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.worktime import WorkCalendar
from tests.unit.test_worktime import CAL, MSK, H, M

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
