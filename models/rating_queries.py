"""The SQL of the quarterly rating: what the read model says of each body in a quarter, and the
``body_rating`` rows (stored, read, published).

A body's messages in a quarter: messages identified in it (``message.detected_at``, Moscow-time bounds)
that reached the body (``message_body.received_at`` set). The criteria (see ``config/rating.yaml``):

* timeliness — no ``answer`` (P9) deadline breached while the body held the message (``deadline.held_by``);
* returns — no late return (the body's ``return_window`` deadline breached) and no wrongful one: a
  ``returned`` event of the body followed by a route (``routed`` / ``rerouted``) that sends it back to the
  same body; a return made in time that the curator accepted is not counted against the body;
* quality — the body's drafts the curator reviewed: approved (or published) vs. returned for rework;
* final_answer — the P10 deadlines (``final_after_intermediate``, ``reroute_final``) of the body's messages
  that closed or were breached, not breached while the body held the message;
* escalations — no breach held by the body that reached leadership (``escalated_to`` has ``leadership``).

Blame follows the holder: a breach recorded with ``held_by = "tsur"`` never counts against a body. A message
closed without an answer (P14, dismissed) counts as a message without a breach unless one was recorded first.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy import select as sql
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain.rating import BodyFacts, BodyResult, Criterion, Quarter, RatingConfig, Tally
from models.account_checks import AccountWeek
from models.rating import BodyRating
from models.readmodel import Deadline, Draft, Message, MessageBody, MessageEvent
from models.registry import Body

P10_STEPS = ("final_after_intermediate", "reroute_final")
ROUTE_KINDS = ("routed", "rerouted")


class QuarterPublished(Exception):
    """The quarter's rating was published (its heads were told): it is final."""


def _in_quarter(q: Quarter) -> Any:
    return (col(Message.detected_at) >= q.start()) & (col(Message.detected_at) < q.end())


def quarter_facts(session: Session, q: Quarter) -> dict[str, BodyFacts]:
    """Per body code: its messages in quarter ``q`` and each criterion's tally."""
    inq = _in_quarter(q)
    msgs: dict[str, set[str]] = defaultdict(set)
    for wid, body in session.execute(sql(col(MessageBody.workflow_id), col(MessageBody.body))
                                  .join(Message, col(Message.workflow_id) == col(MessageBody.workflow_id))
                                  .where(inq, col(MessageBody.received_at).is_not(None))).all():
        msgs[body].add(wid)
    of_message: dict[str, set[str]] = defaultdict(set)
    for body, wids in msgs.items():
        for wid in wids:
            of_message[wid].add(body)

    late_answer: dict[str, set[str]] = defaultdict(set)
    bad_return: dict[str, set[str]] = defaultdict(set)
    escalated: dict[str, set[str]] = defaultdict(set)
    p10_counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    # Who held a message when it slipped: the deadline row, else the (immutable) ``breach`` event — rows
    # projected before the projection kept ``held_by`` through later escalation rungs lost it.
    breach_holder: dict[tuple[str, str], str] = {}
    for wid, data in session.execute(sql(col(MessageEvent.workflow_id), col(MessageEvent.data))
                                     .join(Message, col(Message.workflow_id) == col(MessageEvent.workflow_id))
                                     .where(inq, col(MessageEvent.kind) == "breach")).all():
        if (data or {}).get("deadline_id") and data.get("held_by"):
            breach_holder[(wid, data["deadline_id"])] = data["held_by"]
    rows = session.execute(sql(col(Deadline.workflow_id), col(Deadline.deadline_id), col(Deadline.step),
                               col(Deadline.body), col(Deadline.breached), col(Deadline.held_by),
                               col(Deadline.escalated_to), col(Deadline.status))
                        .join(Message, col(Message.workflow_id) == col(Deadline.workflow_id)).where(inq)).all()
    for wid, deadline_id, step, body, breached, held_by, escalated_to, status in rows:
        holder: str = held_by or breach_holder.get((wid, deadline_id)) or ""
        own = bool(breached) and holder not in ("", "tsur")
        if own and step == "answer":
            late_answer[holder].add(wid)
        if breached and step == "return_window" and body:
            bad_return[body].add(wid)
        if own and "leadership" in (escalated_to or []):
            escalated[holder].add(wid)
        if step in P10_STEPS and (status == "closed" or breached):
            for b in ([body] if body else of_message.get(wid, set())):
                c = p10_counts[b]
                c[1] += 1
                c[0] += 0 if (own and holder == b) else 1

    # P8: a return the curator answered by routing the message back to the same body was not justified.
    returned_at: dict[tuple[str, str], int] = {}
    events = session.execute(sql(col(MessageEvent.workflow_id), col(MessageEvent.seq), col(MessageEvent.kind),
                                 col(MessageEvent.body), col(MessageEvent.data))
                          .join(Message, col(Message.workflow_id) == col(MessageEvent.workflow_id))
                          .where(inq, col(MessageEvent.kind).in_(("returned", *ROUTE_KINDS)))
                          .order_by(col(MessageEvent.workflow_id), col(MessageEvent.seq))).all()
    for wid, seq, kind, body, data in events:
        if kind == "returned" and body:
            returned_at[(wid, body)] = seq
        elif kind in ROUTE_KINDS:
            for b in (data or {}).get("bodies", []):
                if (wid, b) in returned_at:
                    bad_return[b].add(wid)

    drafts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for body, status in session.execute(sql(col(Draft.body), col(Draft.status))
                                      .join(Message, col(Message.workflow_id) == col(Draft.workflow_id))
                                      .where(inq, col(Draft.body).is_not(None),
                                             col(Draft.status).in_(("returned", "approved", "published")))).all():
        d = drafts[body]
        d[1] += 1
        d[0] += 0 if status == "returned" else 1

    weeks: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # A8: checked weeks of the body's accounts
    first, after = q.start().date(), q.end().date()
    for body, meets in session.execute(sql(col(Body.code), col(AccountWeek.meets))
                                       .join(Body, col(Body.id) == col(AccountWeek.body_id))
                                       .where(col(AccountWeek.week_start) >= first, col(AccountWeek.week_start) < after,
                                              col(AccountWeek.posts).is_not(None))).all():
        w = weeks[body]
        w[1] += 1
        w[0] += int(bool(meets))

    facts: dict[str, BodyFacts] = {}
    for body in weeks.keys() - msgs.keys():
        msgs[body] = set()  # accounts checked, no messages: facts shown, too few messages for a score
    for body, wids in msgs.items():
        n = len(wids)
        g, t = drafts.get(body, [0, 0])
        pg, pt = p10_counts.get(body, [0, 0])
        facts[body] = BodyFacts(body=body, messages=n, tallies={
            Criterion.timeliness: Tally(good=n - len(late_answer[body] & wids), total=n),
            Criterion.returns: Tally(good=n - len(bad_return[body] & wids), total=n),
            Criterion.quality: Tally(good=g, total=t),
            Criterion.final_answer: Tally(good=pg, total=pt),
            Criterion.escalations: Tally(good=n - len(escalated[body] & wids), total=n),
            Criterion.accounts: Tally(good=weeks[body][0], total=weeks[body][1]) if body in weeks
            else Tally(good=0, total=0),
        })
    return facts


def rated_bodies(session: Session, cfg: RatingConfig, with_messages: set[str]) -> list[Body]:
    """The bodies of the kinds the Order covers: the active ones, and retired ones with messages this quarter."""
    bodies = session.exec(select(Body).where(col(Body.kind).in_(cfg.rated_kinds)).order_by(col(Body.name))).all()
    return [b for b in bodies if b.is_active or b.code in with_messages]


def is_published(session: Session, quarter: str) -> bool:
    return session.exec(select(BodyRating.id).where(BodyRating.quarter == quarter,
                                                    col(BodyRating.published_at).is_not(None)).limit(1)).first() \
        is not None


def store_quarter(engine: Engine, q: Quarter, results: dict[int, BodyResult], cfg: RatingConfig,
                  at: datetime) -> list[BodyRating]:
    """Replace quarter ``q``'s rows in one transaction; refuses a published quarter (``QuarterPublished``)."""
    quarter = str(q)
    with Session(engine) as session, session.begin():
        if is_published(session, quarter):
            raise QuarterPublished(quarter)
        session.execute(delete(BodyRating).where(col(BodyRating.quarter) == quarter))
        rows = [BodyRating(quarter=quarter, body_id=body_id, body_code=r.body, messages=r.messages, score=r.score,
                           zone=r.zone.value if r.zone else None,
                           criteria={k: c.model_dump() for k, c in r.criteria.items()},
                           formula_version=cfg.version, computed_at=at) for body_id, r in results.items()]
        session.add_all(rows)
        session.flush()
        for r in rows:
            session.expunge(r)
    return rows


def quarter_rows(session: Session, quarter: str) -> list[tuple[BodyRating, Body]]:
    """The stored rows of a quarter with their bodies, best score first, no score last."""
    rows = session.exec(select(BodyRating, Body).join(Body, col(Body.id) == col(BodyRating.body_id))
                        .where(BodyRating.quarter == quarter)).all()
    return sorted(rows, key=lambda rb: (rb[0].score is None, -(rb[0].score or 0), rb[1].name))


def mark_published(engine: Engine, quarter: str, at: datetime) -> int:
    with Session(engine) as session, session.begin():
        rows = session.exec(select(BodyRating).where(BodyRating.quarter == quarter,
                                                     col(BodyRating.published_at).is_(None))).all()
        for r in rows:
            r.published_at = at
            session.add(r)
        return len(rows)


def zones_by_body(session: Session, quarters: list[str]) -> dict[int, dict[str, str | None]]:
    """Per body id: quarter → zone (None: rated with no score), for the quarters asked."""
    out: dict[int, dict[str, str | None]] = defaultdict(dict)
    for body_id, quarter, zone in session.execute(sql(col(BodyRating.body_id), col(BodyRating.quarter),
                                                      col(BodyRating.zone))
                                               .where(col(BodyRating.quarter).in_(quarters))).all():
        out[body_id][quarter] = zone
    return out
