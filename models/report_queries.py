"""P16: the SQL that reads the read model for one week's note (``domain.weekly_aggregate`` does the counting).

``report_rows(session, period, as_of)`` returns the messages identified in the week or the week before, the
messages routed to a body in the week (whenever identified), and the open messages whose answer due has
passed by ``as_of`` — with every body, deadline and draft of those messages. ``report_names`` reads the
registry names the note is written in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, or_, select

from domain.publication_plan import PlanTally, tally
from domain.vocabulary import CLOSED_STATES
from domain.weekly_note import (
    AccountRow,
    BodyRow,
    DeadlineRow,
    DraftRow,
    MessageRow,
    ReportNames,
    ReportRows,
    WeekPeriod,
)
from models.readmodel import Deadline, Draft, Message, MessageBody
from models.registry import Body, Location, SocialAccount, Topic, TopicGroup

_CHUNK = 500


def _aware(t: datetime | None) -> datetime | None:
    return t if t is None or t.tzinfo else t.replace(tzinfo=UTC)


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


def _row(model: type[Any], obj: Any) -> Any:
    data = {k: getattr(obj, k) for k in model.model_fields}
    return model(**{k: _aware(v) if isinstance(v, datetime) else v for k, v in data.items()})


def report_rows(session: Session, period: WeekPeriod, as_of: datetime) -> ReportRows:
    closed = [s.value for s in CLOSED_STATES]
    identified = select(Message.workflow_id).where(Message.detected_at >= period.previous_start,
                                                   Message.detected_at < period.end)
    received = select(MessageBody.workflow_id).where(MessageBody.received_at >= period.start,  # type: ignore[operator]
                                                     MessageBody.received_at < period.end)  # type: ignore[operator]
    overdue = select(Message.workflow_id).where(col(Message.state).not_in(closed),
                                                col(Message.answer_due).is_not(None), Message.answer_due <= as_of)  # type: ignore[operator]
    messages = session.exec(select(Message).where(or_(col(Message.workflow_id).in_(identified),
                                                      col(Message.workflow_id).in_(received),
                                                      col(Message.workflow_id).in_(overdue)))
                            .order_by(col(Message.detected_at))).all()
    wids = [m.workflow_id for m in messages]
    rows = ReportRows(messages=[_row(MessageRow, m) for m in messages])
    for chunk in _chunks(wids):
        rows.bodies += [_row(BodyRow, b) for b in session.exec(
            select(MessageBody).where(col(MessageBody.workflow_id).in_(chunk)).order_by(col(MessageBody.id))).all()]
        rows.deadlines += [_row(DeadlineRow, d) for d in session.exec(
            select(Deadline).where(col(Deadline.workflow_id).in_(chunk)).order_by(col(Deadline.id))).all()]
        rows.drafts += [_row(DraftRow, d) for d in session.exec(
            select(Draft).where(col(Draft.workflow_id).in_(chunk)).order_by(col(Draft.id))).all()]
    rows.accounts = account_rows(session, period)
    return rows


def account_rows(session: Session, period: WeekPeriod) -> list[AccountRow]:
    """The week's A8 rows (``account_week``) with each account's schedule of the week by outcome."""
    from models.account_checks import AccountWeek
    from models.publication_plan import week_plan

    codes = {b.id: b.code for b in session.exec(select(Body)).all()}
    accounts = {a.id: a for a in session.exec(select(SocialAccount)).all()}
    plan = {aid: tally([(i.status, i.late) for i in items])
            for aid, items in week_plan(session, period.start, period.end).items()}
    out = []
    for w in session.exec(select(AccountWeek).where(AccountWeek.week == period.week)
                          .order_by(col(AccountWeek.account_id))).all():
        a = accounts.get(w.account_id)
        if a is None:
            continue
        out.append(AccountRow(body=codes.get(w.body_id, ""), network=a.network, url=a.url, posts=w.posts,
                              threshold=w.threshold, meets=w.meets, error=w.error, has_description=w.has_description,
                              has_photo=w.has_photo, on_site=w.on_site,
                              **asdict(plan.get(w.account_id, PlanTally()))))
    return out


def report_names(session: Session) -> ReportNames:
    groups = session.exec(select(TopicGroup)).all()
    group_code = {g.id: g.code for g in groups}
    topics = session.exec(select(Topic)).all()
    return ReportNames(bodies={b.code: b.name for b in session.exec(select(Body)).all()},
                       topic_groups={t.code: group_code.get(t.group_id, "") for t in topics},
                       groups={g.code: g.name for g in groups}, topics={t.code: t.name for t in topics},
                       locations={loc.code: loc.name for loc in session.exec(select(Location)).all()})
