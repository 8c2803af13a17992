"""Reads the web pages need beyond the API's lists: registry names, the inbox, the dashboard's numbers,
the queue's change stamp. Read-only; every page shows registry names, never codes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from domain.vocabulary import CLOSED_STATES
from models.candidates import Candidate
from models.contacts import Contact
from models.delivery import InboxItem
from models.outbox import NotificationEventRow
from models.readmodel import Deadline, Message
from models.registry import Body, Location, Topic, TopicGroup

CLOSED = [s.value for s in CLOSED_STATES]


@dataclass(frozen=True)
class Names:
    """Registry names by code: bodies (short name, else full), topics and topic groups, locations."""

    bodies: dict[str, str] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)
    locations: dict[str, str] = field(default_factory=dict)
    active_bodies: list[tuple[str, str]] = field(default_factory=list)  # (code, name) offered for routing
    topic_choices: list[tuple[str, str]] = field(default_factory=list)
    location_choices: list[tuple[str, str]] = field(default_factory=list)

    def body(self, code: str | None) -> str:
        if code is None:
            return "—"
        if code == "tsur":
            return self.bodies.get("tsur", "ЦУР")
        return self.bodies.get(code, code)

    def topic(self, code: str | None) -> str:
        return "—" if code is None else self.topics.get(code, code)

    def location(self, code: str | None) -> str:
        return "—" if code is None else self.locations.get(code, code)


def registry_names(session: Session) -> Names:
    bodies = session.exec(select(Body).order_by(col(Body.name))).all()
    groups = {g.id: g for g in session.exec(select(TopicGroup)).all()}
    topics = session.exec(select(Topic).order_by(col(Topic.name))).all()
    locations = session.exec(select(Location).order_by(col(Location.name))).all()
    topic_names = {g.code: g.name for g in groups.values()} | {t.code: t.name for t in topics}
    choices = [(t.code, f"{groups[t.group_id].name}: {t.name}" if t.group_id in groups else t.name) for t in topics]
    return Names(
        bodies={b.code: b.short_name or b.name for b in bodies},
        topics=topic_names,
        locations={loc.code: loc.name for loc in locations},
        active_bodies=[(b.code, b.short_name or b.name) for b in bodies if b.is_active and b.kind != "tsur"],
        topic_choices=sorted(choices, key=lambda c: c[1]),
        location_choices=[(loc.code, loc.name) for loc in locations],
    )


def queue_stamp(session: Session) -> str:
    """A cheap change marker of the read model and the triage list: the newest update and the counts."""
    m_at, m_n = session.exec(select(func.max(Message.updated_at), func.count(col(Message.id)))).one()
    c_at, c_n = session.exec(select(func.max(Candidate.decided_at), func.count(col(Candidate.id)))).one()
    return f"{m_at}|{m_n}|{c_at}|{c_n}"


def candidate_for_message(session: Session, workflow_id: str) -> Candidate | None:
    """The candidate a message was taken from (its suggestions show on the card)."""
    return session.exec(select(Candidate).where(Candidate.workflow_id == workflow_id)).first()


# --- inbox ---------------------------------------------------------------------------------------

#: Which notification audiences reach a person of each role (the body-bound ones only for the person's body).
ROLE_AUDIENCES: dict[str, tuple[str, ...]] = {
    "curator": ("tsur_curators", "tsur_duty", "tsur_head"),
    "executor": ("body_executors",),
    "responsible": ("body_responsible", "body_executors", "body_head"),
    "leadership": ("leadership", "head", "chairman", "portfolio_deputy", "administration"),
}
BODY_BOUND = frozenset({"body_executors", "body_responsible", "body_head"})


def person_inbox_condition(session: Session, person_id: int) -> Any:
    """Which in-app inbox rows are the person's: addressed to them, or to one of their contacts."""
    contacts = session.exec(select(Contact.id).where(Contact.person_id == person_id)).all()
    cond: Any = col(InboxItem.person_id) == person_id
    return cond | col(InboxItem.recipient).in_([f"c{c}" for c in contacts]) if contacts else cond


def inbox_for(session: Session, person_id: int, limit: int = 100) -> list[InboxItem]:
    """A person's delivered in-app notifications (``inbox_item``), unread first, newest first."""
    rows = session.exec(select(InboxItem).where(person_inbox_condition(session, person_id))
                        .order_by(col(InboxItem.read_at).is_not(None), col(InboxItem.created_at).desc())
                        .limit(limit)).all()
    return list(rows)


def mark_inbox_read(session: Session, person_id: int, ids: Iterable[int], at: datetime) -> None:
    for row in session.exec(select(InboxItem).where(person_inbox_condition(session, person_id),
                                                    col(InboxItem.id).in_(list(ids)),
                                                    col(InboxItem.read_at).is_(None))).all():
        row.read_at = at
        session.add(row)
    session.commit()


# --- dashboard -----------------------------------------------------------------------------------


@dataclass
class Period:
    arrived: int = 0
    answered: int = 0
    breached: int = 0
    significant: int = 0


@dataclass
class Dashboard:
    today: Period
    week: Period
    open_now: int
    open_breached: int
    overdue_by_body: list[tuple[str, int]]  # open breached messages by the body holding them
    breaches_by_holder: list[tuple[str, int]]  # this week's breaches by who held the message (P15)
    breaches_by_body: list[tuple[str, int]]  # this week's breaches by the body whose step it was ("—": ЦУР's steps)
    per_day: list[tuple[datetime, int]]  # arrivals in each of the last 7 days
    significant: list[Message]
    surges: list[NotificationEventRow]


def _period(session: Session, since: datetime) -> Period:
    def count(*cond) -> int:
        return int(session.exec(select(func.count(col(Message.id))).where(*cond)).one())

    return Period(
        arrived=count(col(Message.detected_at) >= since),
        answered=count(col(Message.closed_at) >= since, Message.outcome == "answered"),
        breached=int(session.exec(select(func.count(func.distinct(Deadline.workflow_id)))
                                  .where(col(Deadline.breached).is_(True), col(Deadline.due) >= since)).one()),
        significant=count(col(Message.detected_at) >= since, col(Message.significant).is_(True)),
    )


def dashboard(session: Session, day_start: datetime, week_start: datetime) -> Dashboard:
    """Numbers for leadership: ``day_start`` / ``week_start`` are the local midnight and Monday (UTC instants)."""
    open_q = col(Message.state).not_in(CLOSED)
    open_now = int(session.exec(select(func.count(col(Message.id))).where(open_q)).one())
    open_breached = int(session.exec(select(func.count(col(Message.id)))
                                     .where(open_q, col(Message.breached).is_(True))).one())
    by_body = session.exec(select(Message.held_by, func.count(col(Message.id)))
                           .where(open_q, col(Message.breached).is_(True))
                           .group_by(Message.held_by).order_by(func.count(col(Message.id)).desc())).all()
    by_holder = session.exec(select(Deadline.held_by, func.count(col(Deadline.id)))
                             .where(col(Deadline.breached).is_(True), col(Deadline.due) >= week_start)
                             .group_by(Deadline.held_by).order_by(func.count(col(Deadline.id)).desc())).all()
    by_step_body = session.exec(select(Deadline.body, func.count(col(Deadline.id)))
                                .where(col(Deadline.breached).is_(True), col(Deadline.due) >= week_start)
                                .group_by(Deadline.body).order_by(func.count(col(Deadline.id)).desc())).all()
    per_day = []
    for i in range(6, -1, -1):
        a = day_start - timedelta(days=i)
        n = session.exec(select(func.count(col(Message.id))).where(
            col(Message.detected_at) >= a, col(Message.detected_at) < a + timedelta(days=1))).one()
        per_day.append((a, int(n)))
    significant = session.exec(select(Message).where(col(Message.significant).is_(True), open_q)
                               .order_by(col(Message.detected_at).desc()).limit(20)).all()
    surges = session.exec(select(NotificationEventRow).where(
        col(NotificationEventRow.kind).in_(["surge", "surge_subsided"]),
        col(NotificationEventRow.created_at) >= week_start)
        .order_by(col(NotificationEventRow.created_at).desc()).limit(20)).all()
    return Dashboard(
        today=_period(session, day_start), week=_period(session, week_start), open_now=open_now,
        open_breached=open_breached,
        overdue_by_body=[(h or "—", int(n)) for h, n in by_body],
        breaches_by_holder=[(h or "—", int(n)) for h, n in by_holder],
        breaches_by_body=[(b or "tsur", int(n)) for b, n in by_step_body],
        per_day=per_day, significant=list(significant), surges=list(surges),
    )
