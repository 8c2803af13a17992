"""SQL over the read model for the API: message lists, one message's row, its timeline, repeat links.

The read model is written by the workflow's projection activities; nothing here writes to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from sqlalchemy import func, not_
from sqlmodel import Session, col, select

from api.registry_check import body_names
from api.schemas import EventItem, MessageItem, MessagePage
from domain.messages import STATE_TITLES, ClassificationFields, MessageState, RepeatLink
from domain.notifications import NOTIFICATION_KIND_TITLES
from domain.recipients import CHANNEL_TITLES
from models.delivery import STATUS_TITLES, Delivery
from models.readmodel import Message, MessageBody, MessageEvent
from models.retire import current_bodies, held_by_retired

REMOVED = "removed"  # BodyStatus.removed: the body was re-routed away


@dataclass(frozen=True)
class MessageFilters:
    state: tuple[str, ...] = ()
    body: str | None = None
    topic: str | None = None
    location: str | None = None
    importance: str | None = None
    network: str | None = None
    breached: bool | None = None
    significant: bool | None = None
    due_before: datetime | None = None
    repeat: bool | None = None
    held_by_retired: bool | None = None
    held_by: str | None = None  # a body code or "tsur": who holds the message now (P15)
    q: str | None = None
    sort: Literal["deadline", "newest"] = "deadline"
    page: int = 1
    per_page: int = 50


def item(row: Message) -> MessageItem:
    try:
        title = STATE_TITLES[MessageState(row.state)]
    except ValueError:
        title = row.state
    return MessageItem(**row.model_dump(), state_title=title)


def _routed_to(bodies: frozenset[str] | set[str]):
    return col(Message.workflow_id).in_(
        select(MessageBody.workflow_id).where(col(MessageBody.body).in_(bodies), MessageBody.status != REMOVED)
    )


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_messages(session: Session, f: MessageFilters, scope: frozenset[str] | None) -> MessagePage:
    """Filtered, sorted, paginated; ``scope`` (body codes) limits an executor or a responsible official."""
    query = select(Message)
    if scope is not None:
        query = query.where(_routed_to(scope))
    if f.state:
        query = query.where(col(Message.state).in_(f.state))
    if f.body is not None:
        query = query.where(_routed_to({f.body}))
    if f.topic is not None:
        query = query.where(Message.topic == f.topic)
    if f.location is not None:
        query = query.where(Message.location == f.location)
    if f.importance is not None:
        query = query.where(Message.importance == f.importance)
    if f.network is not None:
        query = query.where(Message.network == f.network)
    if f.breached is not None:
        query = query.where(Message.breached == f.breached)
    if f.significant is not None:
        query = query.where(Message.significant == f.significant)
    if f.due_before is not None:
        query = query.where(col(Message.next_deadline).is_not(None), col(Message.next_deadline) <= f.due_before)
    if f.repeat is not None:
        query = query.where(col(Message.repeat_of).is_not(None) if f.repeat else col(Message.repeat_of).is_(None))
    if f.held_by_retired is not None:  # open and held by a retired body: for the curators to re-route
        query = query.where(held_by_retired() if f.held_by_retired else not_(held_by_retired()))
    if f.held_by is not None:
        query = query.where(Message.held_by == f.held_by)
    if f.q:
        query = query.where(col(Message.text).ilike(_like(f.q), escape="\\"))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    if f.sort == "newest":
        query = query.order_by(col(Message.detected_at).desc(), col(Message.id).desc())
    else:  # nearest deadline first; messages without a running clock last
        query = query.order_by(col(Message.next_deadline).is_(None), col(Message.next_deadline).asc(),
                               col(Message.detected_at).asc(), col(Message.id).asc())
    rows = session.exec(query.offset((f.page - 1) * f.per_page).limit(f.per_page)).all()
    return MessagePage(items=[item(r) for r in rows], total=total, page=f.page, per_page=f.per_page)


def message_row(session: Session, workflow_id: str) -> Message | None:
    return session.exec(select(Message).where(Message.workflow_id == workflow_id)).first()


def routed_bodies(session: Session, workflow_id: str) -> set[str]:
    """Bodies the message is routed to now (re-routed-away ones excluded)."""
    rows = session.exec(select(MessageBody.body).where(MessageBody.workflow_id == workflow_id,
                                                       MessageBody.status != REMOVED)).all()
    return set(rows)


def events(session: Session, workflow_id: str, *, deliveries: bool = True) -> list[EventItem]:
    """The timeline: every transition, and (``deliveries``) how each notification about it reached each person."""
    rows = session.exec(select(MessageEvent).where(MessageEvent.workflow_id == workflow_id)
                        .order_by(col(MessageEvent.seq))).all()
    items = [EventItem.model_validate(r, from_attributes=True) for r in rows]
    if not deliveries:
        return items
    sent = session.exec(select(Delivery).where(Delivery.workflow_id == workflow_id).order_by(col(Delivery.id))).all()
    for d in sent:
        channel = CHANNEL_TITLES.get(d.channel, d.channel)  # type: ignore[call-overload]
        status = STATUS_TITLES.get(d.status, d.status)
        items.append(EventItem(
            seq=None, at=d.sent_at or d.created_at, kind="delivery", state=d.status, actor_id=None, actor_name=None,
            actor_role=None, actor_body=None, body=None,
            text=f"Уведомление «{NOTIFICATION_KIND_TITLES.get(d.kind, d.kind)}»: {d.recipient_title or d.recipient}, "
                 f"{channel} — {status}" + (f" ({d.error})" if d.error and d.status == "failed" else ""),
            data={"event_key": d.event_key, "channel": d.channel, "status": d.status, "attempts": d.attempts}))
    return sorted(items, key=lambda e: (e.at.replace(tzinfo=e.at.tzinfo or UTC), e.seq or 10**9))


def repeat_link(session: Session, workflow_id: str) -> RepeatLink | None:
    """P12: the earlier message, the bodies that answered it (else those it was routed to), its classification."""
    row = message_row(session, workflow_id)
    if row is None:
        return None
    # every body that answered: the publisher(s) and, in a joint answer, every body that sent its part
    bodies = session.exec(select(MessageBody.body).where(MessageBody.workflow_id == workflow_id,
                                                         col(MessageBody.status).in_(["published", "contributed"]))
                          .order_by(col(MessageBody.id))).all()
    if not bodies:
        bodies = session.exec(select(MessageBody.body).where(MessageBody.workflow_id == workflow_id,
                                                             col(MessageBody.status).not_in([REMOVED, "returned"]))
                              .order_by(col(MessageBody.id))).all()
    bodies = current_bodies(session, bodies, row.topic, row.location)  # a retired body → its successor
    classification = None
    if row.topic and row.location:
        classification = ClassificationFields(topic=row.topic, location=row.location,
                                              **({"importance": row.importance} if row.importance else {}))
    return RepeatLink(workflow_id=workflow_id, bodies=list(bodies), classification=classification,
                      body_names=body_names(session, bodies))


def detect_repeat(session: Session, *, workflow_id: str, network: str, post_id: str | None, author_id: str,
                  topic: str | None, location: str | None, since: datetime) -> RepeatLink | None:
    """P12: a likely earlier message on the same issue — the same post or thread, else the same author on the
    same topic and location since ``since`` (the policy's window). The newest wins; the curator decides."""
    found: tuple[Message, str] | None = None
    base = select(Message).where(Message.workflow_id != workflow_id, Message.network == network)
    if post_id:
        row = session.exec(base.where(Message.post_id == post_id).order_by(col(Message.detected_at).desc())).first()
        if row is not None:
            found = (row, "same_thread")
    if found is None and topic and location:
        row = session.exec(base.where(Message.author_id == author_id, Message.topic == topic,
                                      Message.location == location, col(Message.detected_at) >= since)
                           .order_by(col(Message.detected_at).desc())).first()
        if row is not None:
            found = (row, "same_author_topic")
    if found is None:
        return None
    link = repeat_link(session, found[0].workflow_id)
    return link.model_copy(update={"reason": found[1]}) if link is not None else None
