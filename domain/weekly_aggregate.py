"""P16: from plain read-model rows to the weekly note, and each deputy chairman's part. Pure: time (``as_of``)
and the working calendar come in as arguments.

Rules (P9, P15 — blame follows the holder):

* a body's line counts the messages it *received* in the week (state as of ``as_of``); a message is answered
  by the body when the body published it or contributed its part (P11), or the message was answered while
  the body still had it; it is answered **in time** unless a deadline was breached while **this body** held
  the message (a breach recorded with ``held_by`` = the body). A delay while ЦУР held it (routing, review,
  composing — ``held_by = "tsur"``) is ЦУР's own line and never counts against a body;
* open and overdue: the body still has the message open and either a breach it held is recorded or the
  9-hour answer due has passed while it holds the message;
* the time to answer is in working hours of the production calendar, from receipt to the body's answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from statistics import median

from domain.recipients import Position, RegistrySnapshot, holds
from domain.sla import TSUR
from domain.vocabulary import CLOSED_STATES, NETWORK_TITLES, Network
from domain.weekly_note import (
    WEEKDAYS,
    AccountLine,
    BodyLine,
    CountLine,
    DayCount,
    DeadlineRow,
    Incoming,
    MessageRow,
    OverdueItem,
    PortfolioPart,
    ReportNames,
    ReportRows,
    TsurLine,
    WeeklyNote,
    WeeklyReport,
    WeekPeriod,
    plural,
    signed,
)
from domain.worktime import WorkCalendar

CLOSED = {s.value for s in CLOSED_STATES}
ANSWERED_STATUSES = {"published", "contributed"}
OPEN_STATUSES = {"assigned", "accepted", "waiting"}
STEP_TITLES = {"routing": "маршрутизация (П7)", "review": "согласование проекта (П9)",
               "composition": "составление совместного ответа (П11)", "answer": "ответ в 9 рабочих часов (П9)",
               "publication": "публикация (П9)"}
TOP_OVERDUE = 5


def _in(t: datetime | None, start: datetime, end: datetime) -> bool:
    return t is not None and start <= t < end


def _hours(cal: WorkCalendar, a: datetime, b: datetime) -> float:
    return round(cal.between(a, b).total_seconds() / 3600, 1)


def _median(values: list[float]) -> float | None:
    return round(median(values), 1) if values else None


def _network(code: str) -> str:
    try:
        return NETWORK_TITLES[Network(code)]
    except ValueError:
        return "иная платформа"


def _counts(msgs: Iterable[MessageRow], key: str, names: ReportNames, period: WeekPeriod) -> list[CountLine]:
    def code_of(m: MessageRow) -> str:
        if key == "network":
            return m.network
        if key == "group":
            return names.topic_groups.get(m.topic or "", "") if m.topic else ""
        return m.location or ""

    def name_of(code: str) -> str:
        if key == "network":
            return _network(code)
        if key == "group":
            return names.groups.get(code, "тема вне реестра") if code else "тема не указана"
        return names.locations.get(code, "территория вне реестра") if code else "территория не указана"

    now: Counter[str] = Counter()
    before: Counter[str] = Counter()
    for m in msgs:
        if _in(m.detected_at, period.start, period.end):
            now[code_of(m)] += 1
        elif _in(m.detected_at, period.previous_start, period.start):
            before[code_of(m)] += 1
    lines = [CountLine(code=c, name=name_of(c), count=now[c], previous=before[c], change=now[c] - before[c])
             for c in set(now) | set(before)]
    return sorted(lines, key=lambda x: (-x.count, -x.previous, x.name))


def _incoming(msgs: list[MessageRow], names: ReportNames, period: WeekPeriod) -> Incoming:
    week = [m for m in msgs if _in(m.detected_at, period.start, period.end)]
    prev = sum(1 for m in msgs if _in(m.detected_at, period.previous_start, period.start))
    zone = period.start.tzinfo
    per_day = Counter(m.detected_at.astimezone(zone).date() for m in week)
    days = [DayCount(day=d, title=f"{WEEKDAYS[i]} {d:%d.%m}", count=per_day[d]) for i, d in enumerate(period.days())]
    return Incoming(total=len(week), previous=prev, change=len(week) - prev,
                    by_network=_counts(msgs, "network", names, period),
                    by_topic_group=_counts(msgs, "group", names, period),
                    by_district=_counts(msgs, "location", names, period), by_day=days)


def _body_breaches(deadlines: list[DeadlineRow], body: str) -> list[DeadlineRow]:
    return [d for d in deadlines if d.breached and d.held_by == body]


def _body_lines(rows: ReportRows, by_wid: dict[str, MessageRow], names: ReportNames, period: WeekPeriod,
                as_of: datetime, cal: WorkCalendar, only: set[str] | None) -> list[BodyLine]:
    deadlines: dict[str, list[DeadlineRow]] = {}
    for d in rows.deadlines:
        deadlines.setdefault(d.workflow_id, []).append(d)
    lines: dict[str, BodyLine] = {}
    times: dict[str, list[float]] = {}
    for b in rows.bodies:
        m = by_wid.get(b.workflow_id)
        if m is None or not _in(b.received_at, period.start, period.end) or (only is not None and b.body not in only):
            continue
        line = lines.setdefault(b.body, BodyLine(code=b.body, name=names.bodies.get(b.body, "орган вне реестра")))
        line.received += 1
        mine = _body_breaches(deadlines.get(b.workflow_id, []), b.body)
        answered_at = b.published_at or b.contributed_at
        if answered_at is None and m.state == "answered" and b.status not in ("returned", "removed", "waiting"):
            answered_at = m.closed_at
        if b.status == "returned":
            line.returned += 1
        elif answered_at is not None:
            line.answered += 1
            if mine:
                line.late += 1
            else:
                line.on_time += 1
            if b.received_at is not None:
                times.setdefault(b.body, []).append(_hours(cal, b.received_at, answered_at))
        elif b.status in OPEN_STATUSES and m.state not in CLOSED:
            line.open += 1
            due_passed = m.held_by == b.body and m.answer_due is not None and m.answer_due <= as_of
            if mine or due_passed:
                line.overdue_open += 1
    for dr in rows.drafts:
        line_or_none = lines.get(dr.body or "")
        if line_or_none is None or dr.workflow_id not in by_wid:
            continue
        received = next((b.received_at for b in rows.bodies
                         if b.workflow_id == dr.workflow_id and b.body == dr.body), None)
        if not _in(received, period.start, period.end):
            continue
        if dr.status == "returned":
            line_or_none.rework += 1
        if dr.kind == "intermediate" and dr.published_at is not None:
            line_or_none.intermediate += 1
    for code, vals in times.items():
        lines[code].median_hours = _median(vals)
    return sorted(lines.values(), key=lambda x: (-x.received, x.name))


def _tsur_line(rows: ReportRows, msgs: list[MessageRow], period: WeekPeriod, cal: WorkCalendar) -> TsurLine:
    week = {m.workflow_id: m for m in msgs if _in(m.detected_at, period.start, period.end)}
    line = TsurLine(identified=len(week))
    first_receipt: dict[str, datetime] = {}
    for b in rows.bodies:
        if b.workflow_id in week and b.received_at is not None:
            prev = first_receipt.get(b.workflow_id)
            first_receipt[b.workflow_id] = b.received_at if prev is None else min(prev, b.received_at)
    line.routed = len(first_receipt)
    routing_breached = {d.workflow_id for d in rows.deadlines if d.step == "routing" and d.breached}
    line.routed_on_time = sum(1 for w in first_receipt if w not in routing_breached)
    line.median_routing_hours = _median([_hours(cal, week[w].detected_at, t) for w, t in first_receipt.items()])
    steps: Counter[str] = Counter()
    for d in rows.deadlines:
        if d.workflow_id in week and d.breached and d.held_by == TSUR:
            steps[STEP_TITLES.get(d.step, d.step)] += 1
    line.breaches = sum(steps.values())
    line.by_step = dict(sorted(steps.items()))
    return line


def _overdue(rows: ReportRows, msgs: list[MessageRow], names: ReportNames, as_of: datetime, cal: WorkCalendar,
             base_url: str, top: int) -> tuple[list[OverdueItem], int]:
    """The ``top`` most overdue open messages (by working hours past the answer due), and how many there are."""
    bodies: dict[str, list[str]] = {}
    for b in rows.bodies:
        if b.status not in ("removed", "returned"):
            bodies.setdefault(b.workflow_id, []).append(b.body)
    items = []
    for m in msgs:
        if m.state in CLOSED or m.answer_due is None or m.answer_due > as_of:
            continue
        holder = "ЦУР" if m.held_by == TSUR else names.bodies.get(m.held_by or "", "не указан")
        items.append(OverdueItem(
            workflow_id=m.workflow_id, link=f"{base_url.rstrip('/')}/messages/{m.workflow_id}",
            network=_network(m.network),
            topic=names.topics.get(m.topic or "", "тема вне реестра") if m.topic else "тема не указана",
            district=names.locations.get(m.location or "", "территория вне реестра") if m.location
            else "территория не указана",
            bodies=", ".join(names.bodies.get(c, "орган вне реестра") for c in bodies.get(m.workflow_id, []))
            or "не направлено", holder=holder, detected_at=m.detected_at, answer_due=m.answer_due,
            overdue_hours=_hours(cal, m.answer_due, as_of)))
    return sorted(items, key=lambda i: (-i.overdue_hours, i.detected_at))[:top], len(items)


def _accounts(rows: ReportRows, names: ReportNames, only: set[str] | None) -> list[AccountLine]:
    """The official accounts of the bodies in scope, as the week's A8 check found them: those below the norm
    first, then those the network would not let us count, then the rest; by body within each."""
    out = [AccountLine(name=names.bodies.get(a.body, a.body), network=_network(a.network),
                       **a.model_dump(exclude={"body", "network"}))
           for a in rows.accounts if only is None or a.body in only]
    return sorted(out, key=lambda x: (0 if x.posts is not None and not x.meets else 1 if x.posts is None else 2,
                                      x.name, x.url))


def _summary(period: WeekPeriod, inc: Incoming, lines: list[BodyLine], tsur: TsurLine, overdue: int,
             accounts: list[AccountLine] | None = None) -> str:
    end = period.end.date().fromordinal(period.end.date().toordinal() - 1)
    answered = sum(x.answered for x in lines)
    on_time = sum(x.on_time for x in lines)
    parts = [f"За неделю {period.start:%d.%m}–{end:%d.%m.%Y} выявлено {inc.total} "
             f"{plural(inc.total, 'сообщение', 'сообщения', 'сообщений')} ({signed(inc.change)} к прошлой неделе)"]
    received = sum(x.received for x in lines)
    if received:
        parts.append(f"органы получили {received}, ответили на {answered}, в срок — {on_time} из {answered}")
    returned = sum(x.returned for x in lines)
    if returned:
        parts.append(f"возвращено как не относящиеся к компетенции — {returned}")
    if overdue:
        parts.append(f"без ответа после истечения срока — {overdue}")
    parts.append(f"нарушений сроков по вине ЦУР — {tsur.breaches}")
    if accounts:
        below = sum(1 for a in accounts if a.posts is not None and not a.meets)
        missed = sum(a.missed for a in accounts)
        text = (f"официальных аккаунтов ниже нормы публикаций — {below} из "
                f"{sum(1 for a in accounts if a.posts is not None)}")
        parts.append(text + (f", не вышло по графику — {missed}" if missed else ""))
    return "; ".join(parts) + "."


def build_note(rows: ReportRows, period: WeekPeriod, as_of: datetime, cal: WorkCalendar, names: ReportNames,
               base_url: str, *, only: set[str] | None = None, scope: str = "Все органы",
               top: int = TOP_OVERDUE) -> WeeklyNote:
    """The note of ``period`` as of ``as_of``; with ``only``, restricted to those bodies' messages."""
    msgs = rows.messages
    if only is not None:
        mine = {b.workflow_id for b in rows.bodies if b.body in only}
        msgs = [m for m in msgs if m.workflow_id in mine]
    by_wid = {m.workflow_id: m for m in msgs}
    inc = _incoming(msgs, names, period)
    lines = _body_lines(rows, by_wid, names, period, as_of, cal, only)
    tsur = _tsur_line(rows, msgs, period, cal)
    overdue, overdue_total = _overdue(rows, msgs, names, as_of, cal, base_url, top)
    accounts = _accounts(rows, names, only)
    return WeeklyNote(week=period.week, period_start=period.start, period_end=period.end, generated_at=as_of,
                      scope=scope, summary=_summary(period, inc, lines, tsur, overdue_total, accounts), incoming=inc,
                      bodies=lines, tsur=tsur, overdue=overdue, overdue_total=overdue_total, accounts=accounts)


def portfolios(snap: RegistrySnapshot) -> list[tuple[str, str, list[str]]]:
    """Each deputy chairman of the registry: (recipient key, title, the body codes of their portfolio)."""
    out = []
    for r in snap.recipients:
        if r.position == Position.deputy_chairman:
            codes = sorted(c for c in snap.bodies if holds(snap, r, c))
            out.append((r.key, r.portfolio_title or r.title, codes))
    return out


def build_report(rows: ReportRows, period: WeekPeriod, as_of: datetime, cal: WorkCalendar, names: ReportNames,
                 base_url: str, snap: RegistrySnapshot, *, top: int = TOP_OVERDUE) -> WeeklyReport:
    note = build_note(rows, period, as_of, cal, names, base_url, top=top)
    parts = [PortfolioPart(deputy=key, title=title, body_codes=codes,
                           note=build_note(rows, period, as_of, cal, names, base_url, only=set(codes), scope=title,
                                           top=top))
             for key, title, codes in portfolios(snap)]
    return WeeklyReport(note=note, parts=parts)
