"""P16: the ЦУР's weekly analytic note — its data model, its period and the plain rows it is built from. Pure.

The note covers one ISO week, Monday 00:00 – Sunday 24:00 Moscow time (``WeekPeriod``). It is computed by
``domain.weekly_aggregate.build_note`` from rows of the read model (``ReportRows``: messages, their bodies,
deadlines and drafts) and the registry names (``ReportNames``), so a person reads bodies, topic groups and
districts by their registry names, never by codes. The whole note goes to the Head, the Chairman and the
head of ЦУР; each deputy chairman gets the ``PortfolioPart`` of the bodies of their portfolio.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, Field

from domain.bounds import echoable

MSK = ZoneInfo("Europe/Moscow")
WEEK_PATTERN = r"^\d{4}-W\d{2}$"
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
WEEKDAYS = ("пн", "вт", "ср", "чт", "пт", "сб", "вс")


class BadWeek(ValueError):
    """A week string that is not an ISO week (``2026-W48``); the message is Russian."""


class WeekPeriod(BaseModel):
    week: str  # ISO week, "2026-W48"
    start: datetime  # Monday 00:00 in the zone (aware)
    end: datetime  # the next Monday 00:00 (exclusive)

    @property
    def previous_start(self) -> datetime:
        return _monday(self.start.date() - timedelta(days=7), self.start.tzinfo)  # type: ignore[arg-type]

    def days(self) -> list[date]:
        return [self.start.date() + timedelta(days=i) for i in range(7)]

    @classmethod
    def of_week(cls, week: str, zone: ZoneInfo = MSK) -> WeekPeriod:
        m = _WEEK.fullmatch(week or "")
        if not m:
            raise BadWeek(f"Неделя «{echoable(week)}» указана неверно: нужен формат ГГГГ-Wнн, например 2026-W48")
        year, num = int(m.group(1)), int(m.group(2))
        try:
            monday = date.fromisocalendar(year, num, 1)
        except ValueError as exc:
            raise BadWeek(f"Недели {num} в {year} году нет") from exc
        start = _monday(monday, zone)
        return cls(week=week, start=start, end=_monday(monday + timedelta(days=7), zone))

    @classmethod
    def containing(cls, t: datetime, zone: ZoneInfo = MSK) -> WeekPeriod:
        y, w, _ = t.astimezone(zone).isocalendar()
        return cls.of_week(f"{y}-W{w:02d}", zone)

    @classmethod
    def previous(cls, now: datetime, zone: ZoneInfo = MSK) -> WeekPeriod:
        """The last complete week before ``now`` (what the Monday run reports on)."""
        return cls.containing(now.astimezone(zone) - timedelta(days=7), zone)


def _monday(d: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(d, time(0, 0), tzinfo=zone)


# --- rows read from the read model ---------------------------------------------------------------

class MessageRow(BaseModel):
    workflow_id: str
    network: str
    topic: str | None = None
    location: str | None = None
    state: str
    detected_at: datetime
    answer_due: datetime | None = None
    held_by: str | None = None
    closed_at: datetime | None = None
    outcome: str | None = None


class BodyRow(BaseModel):
    workflow_id: str
    body: str
    status: str
    received_at: datetime | None = None
    contributed_at: datetime | None = None
    published_at: datetime | None = None


class DeadlineRow(BaseModel):
    workflow_id: str
    step: str
    body: str | None = None
    due: datetime
    closed_at: datetime | None = None
    status: str
    met: bool | None = None
    breached: bool = False
    held_by: str | None = None
    overrun_minutes: int | None = None


class DraftRow(BaseModel):
    workflow_id: str
    body: str | None = None
    kind: str
    status: str
    published_at: datetime | None = None


class AccountFigures(BaseModel):
    """An official account's week (the Order, items 4, 7, 8): the A8 count, its schedule, its profile."""

    url: str
    posts: int | None = None  # None: not counted (``error`` says why)
    threshold: int = 3
    meets: bool = False
    error: str | None = None
    planned: int = 0
    published: int = 0
    late: int = 0
    missed: int = 0
    has_description: bool | None = None  # item 8; None: not known
    has_photo: bool | None = None
    on_site: bool | None = None


class AccountRow(AccountFigures):
    """As the read model has it: the body's code, the network's."""

    body: str
    network: str


class ReportRows(BaseModel):
    """Messages identified in the week or the week before, routed to a body in the week, or open and overdue —
    with all their bodies, deadlines and drafts."""

    messages: list[MessageRow] = Field(default_factory=list)
    bodies: list[BodyRow] = Field(default_factory=list)
    deadlines: list[DeadlineRow] = Field(default_factory=list)
    drafts: list[DraftRow] = Field(default_factory=list)
    accounts: list[AccountRow] = Field(default_factory=list)  # the week's A8 check, with the schedule


class ReportNames(BaseModel):
    bodies: dict[str, str] = Field(default_factory=dict)
    topic_groups: dict[str, str] = Field(default_factory=dict)  # topic code → its group's code
    groups: dict[str, str] = Field(default_factory=dict)  # group code → name
    topics: dict[str, str] = Field(default_factory=dict)
    locations: dict[str, str] = Field(default_factory=dict)


# --- the note --------------------------------------------------------------------------------------

class CountLine(BaseModel):
    code: str
    name: str
    count: int
    previous: int
    change: int


class DayCount(BaseModel):
    day: date
    title: str  # «пн 23.11»
    count: int


class Incoming(BaseModel):
    total: int
    previous: int
    change: int
    by_network: list[CountLine] = Field(default_factory=list)
    by_topic_group: list[CountLine] = Field(default_factory=list)
    by_district: list[CountLine] = Field(default_factory=list)
    by_day: list[DayCount] = Field(default_factory=list)


class BodyLine(BaseModel):
    """One body's week. Only delays while the body held a message count here (P15: blame follows the holder)."""

    code: str
    name: str
    received: int = 0
    answered: int = 0
    on_time: int = 0  # answered, no breach while the body held it
    late: int = 0  # answered after a breach the body held
    open: int = 0
    overdue_open: int = 0
    returned: int = 0  # P8: not competent
    rework: int = 0  # drafts returned by the curator (quality)
    intermediate: int = 0  # P10: intermediate answers published
    median_hours: float | None = None  # working hours from receipt to the answer


class TsurLine(BaseModel):
    """ЦУР's own line: delays while ЦУР held a message (routing, review, composing) — never a body's."""

    identified: int = 0
    routed: int = 0
    routed_on_time: int = 0
    median_routing_hours: float | None = None
    breaches: int = 0
    by_step: dict[str, int] = Field(default_factory=dict)  # step title → breaches ЦУР held


class OverdueItem(BaseModel):
    workflow_id: str
    link: str
    network: str
    topic: str
    district: str
    bodies: str
    holder: str
    detected_at: datetime
    answer_due: datetime
    overdue_hours: float


class AccountLine(AccountFigures):
    """As the note shows it."""

    name: str  # the body's registry name
    network: str  # «ВКонтакте», «Одноклассники»


class WeeklyNote(BaseModel):
    week: str
    period_start: datetime
    period_end: datetime
    generated_at: datetime
    scope: str = "Все органы"
    summary: str
    incoming: Incoming
    bodies: list[BodyLine] = Field(default_factory=list)
    tsur: TsurLine
    overdue: list[OverdueItem] = Field(default_factory=list)  # the most overdue open messages
    overdue_total: int = 0  # every open message past its answer due
    accounts: list[AccountLine] = Field(default_factory=list)  # official accounts: A8 and the schedule


class PortfolioPart(BaseModel):
    deputy: str  # the recipient key of the deputy chairman ("c<contact id>")
    title: str  # the deputy chairman's position / portfolio title
    body_codes: list[str] = Field(default_factory=list)
    note: WeeklyNote


class WeeklyReport(BaseModel):
    """What is stored (``weekly_note.data``): the whole note and each deputy chairman's part."""

    note: WeeklyNote
    parts: list[PortfolioPart] = Field(default_factory=list)

    def part(self, deputy: str) -> PortfolioPart | None:
        return next((p for p in self.parts if p.deputy == deputy), None)


class WeeklyNoteInput(BaseModel):
    """The workflow's input: a week (``2026-W48``) or none (the week before the workflow's now)."""

    week: str | None = None
    notify: bool = True


class NoteRequest(BaseModel):
    """The activity's input: which week, and as of when its open messages are judged (the workflow's now)."""

    week: str
    as_of: datetime


class WeeklyNoteResult(BaseModel):
    week: str
    events: int = 0
    summary: str = ""


class ReportsConfig(BaseModel):
    """``config/reports.yaml``: the zone of the week, when the Schedule runs, how many overdue messages to list."""

    timezone: str = "Europe/Moscow"
    weekday: int = Field(default=1, ge=1, le=7)
    hour: int = Field(default=9, ge=0, le=23)
    minute: int = Field(default=0, ge=0, le=59)
    top_overdue: int = Field(default=5, ge=1, le=50)

    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def load(cls, path: Path) -> ReportsConfig:
        if not path.exists():
            return cls()
        return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural: 1 сообщение, 2 сообщения, 5 сообщений."""
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def signed(n: int) -> str:
    return f"+{n}" if n > 0 else ("0" if n == 0 else f"−{abs(n)}")
