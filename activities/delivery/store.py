"""Database side of delivery: plan (resolve + record the delivery rows), load a job's texts, record results.

Everything is an upsert or a guarded update, so a retried activity neither duplicates nor regresses.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from activities.delivery.render import Names, Rendered, render_digest, render_event
from domain.delivery import DeliveryItem, DeliveryPlan
from domain.messages import NETWORK_TITLES, Network
from domain.notifications import NotificationEvent
from domain.recipients import Channel, Position, Recipient, resolve
from models.contacts import Contact, load_registry, to_recipient
from models.delivery import Delivery, DeliveryStatus, InboxItem
from models.outbox import NotificationEventRow
from models.readmodel import Message
from models.registry import Body, Location, Person, Topic, TopicGroup, utcnow
from models.settings import Settings


def _t(model: Any) -> Any:
    return model.__table__


def _insert(conn: Connection, table: Any) -> Any:
    return (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)


def configured(settings: Settings, channel: Channel) -> bool:
    return {Channel.email: bool(settings.smtp_host), Channel.max: bool(settings.max_token),
            Channel.telegram: bool(settings.telegram_token), Channel.webhook: True,
            Channel.inbox: True}[channel]


def plan_delivery(engine: Engine, settings: Settings, event_key: str) -> DeliveryPlan:
    """Resolve the event's recipients and record one delivery row per (recipient, channel)."""
    with Session(engine) as session:
        row = session.exec(sm_select(NotificationEventRow).where(NotificationEventRow.key == event_key)).first()
        if row is None:
            raise LookupError(f"notification event {event_key!r} is not in the outbox")
        event = row.to_event()
        targets = resolve(event, load_registry(session))
    now = utcnow()
    rows = [{
        "event_key": event.key, "kind": event.kind.value, "workflow_id": event.workflow_id,
        "recipient": t.recipient.key, "recipient_title": t.recipient.title[:400], "contact_id": t.recipient.contact_id,
        "person_id": t.recipient.person_id, "channel": t.channel.value,
        "address": t.recipient.addresses.get(t.channel, "")[:500], "urgent": row.urgent,
        "status": DeliveryStatus.pending if configured(settings, t.channel) else DeliveryStatus.skipped,
        "error": None if configured(settings, t.channel) else "канал не настроен в «Отклике»",
        "attempts": 0, "created_at": now,
    } for t in targets]
    table = _t(Delivery)
    with engine.begin() as conn:
        if rows:
            conn.execute(_insert(conn, table).values(rows).on_conflict_do_nothing(
                index_elements=["event_key", "recipient", "channel"]))
        stored = conn.execute(select(table.c.id, table.c.recipient, table.c.channel, table.c.status)
                              .where(table.c.event_key == event.key).order_by(table.c.id)).all()
    return DeliveryPlan(event_key=event.key, kind=event.kind.value, urgent=row.urgent, items=[
        DeliveryItem(delivery_id=r.id, recipient=r.recipient, channel=Channel(r.channel), status=r.status)
        for r in stored])


# --- a job's content -------------------------------------------------------------------------------

@dataclass
class JobContent:
    recipient: Recipient | None
    address: str
    events: list[NotificationEvent]
    parts: list[Rendered]
    rendered: Rendered
    already_sent: bool
    webhook_secret: str = ""
    deliveries: list[dict[str, Any]] = field(default_factory=list)


def names(session: Session) -> Names:
    return Names(bodies={b.code: b.name for b in session.exec(sm_select(Body)).all()},
                 topics={**{g.code: g.name for g in session.exec(sm_select(TopicGroup)).all()},
                         **{t.code: t.name for t in session.exec(sm_select(Topic)).all()}},
                 locations={loc.code: loc.name for loc in session.exec(sm_select(Location)).all()})


def message_context(m: Message | None, nm: Names) -> dict[str, Any] | None:
    if m is None:
        return None
    text = " ".join((m.text or "").split())
    try:
        network = NETWORK_TITLES[Network(m.network)]
    except (ValueError, KeyError):
        network = "иная платформа"
    return {"network": network, "author": m.author_name, "url": m.url, "detected_at": m.detected_at,
            "excerpt": text if len(text) <= 300 else text[:297] + "…",
            "topic": nm.topics.get(m.topic or "", "") if m.topic else "",
            "location": nm.locations.get(m.location or "", "") if m.location else ""}


def links(settings: Settings, workflow_id: str | None) -> dict[str, str]:
    base = settings.public_url.rstrip("/")
    if not workflow_id:
        return {"base": base}
    ui = (settings.temporal_ui_url or f"http://localhost:{settings.temporal_ui_port}").rstrip("/")
    return {"base": base, "message": f"{base}/messages/{workflow_id}",
            "temporal": f"{ui}/namespaces/{settings.temporal_namespace}/workflows/{workflow_id}"}


def render_events(session: Session, settings: Settings, events: Sequence[NotificationEvent],
                  extra: dict[str, dict[str, Any]] | None = None) -> list[Rendered]:
    nm = names(session)
    wids = {e.workflow_id for e in events if e.workflow_id}
    msgs = {m.workflow_id: m for m in session.exec(
        sm_select(Message).where(col(Message.workflow_id).in_(wids))).all()} if wids else {}
    out = []
    for e in events:
        more = dict((extra or {}).get(e.key, {}))
        if e.kind.value == "surge":
            more.setdefault("messages", surge_messages(msgs_for(session, e.data.get("workflow_ids") or []),
                                                       settings))
        out.append(render_event(e, nm, message=message_context(msgs.get(e.workflow_id or ""), nm),
                                links=links(settings, e.workflow_id), extra=more))
    return out


def msgs_for(session: Session, wids: Iterable[str]) -> list[Message]:
    wids = list(wids)[:200]
    if not wids:
        return []
    return list(session.exec(sm_select(Message).where(col(Message.workflow_id).in_(wids))
                             .order_by(col(Message.detected_at))).all())


def surge_messages(rows: list[Message], settings: Settings) -> list[dict[str, Any]]:
    base = settings.public_url.rstrip("/")
    return [{"detected_at": m.detected_at, "link": f"{base}/messages/{m.workflow_id}",
             "excerpt": (" ".join(m.text.split()))[:120]} for m in rows]


def load_job(engine: Engine, settings: Settings, delivery_ids: list[int]) -> JobContent:
    with Session(engine) as session:
        ds = list(session.exec(sm_select(Delivery).where(col(Delivery.id).in_(delivery_ids))
                               .order_by(col(Delivery.id))).all())
        if not ds:
            raise LookupError(f"deliveries {delivery_ids} not found")
        keys = [d.event_key for d in ds]
        rows = {r.key: r for r in session.exec(
            sm_select(NotificationEventRow).where(col(NotificationEventRow.key).in_(keys))).all()}
        events = [rows[k].to_event() for k in keys if k in rows]
        parts = render_events(session, settings, events)
        first = ds[0]
        recipient = None
        secret = ""
        if first.contact_id is not None:
            c = session.get(Contact, first.contact_id)
            if c is not None:
                recipient, secret = to_recipient(c), c.webhook_secret
        elif first.person_id is not None:
            p = session.get(Person, first.person_id)
            if p is not None:
                recipient = Recipient(key=first.recipient, person_id=p.id, title=p.position or p.full_name,
                                      position=Position(first.recipient.partition(":")[2] or "tsur_curator"), addresses={Channel.email: p.email} if p.email else {})
        since = min((e.created_at for e in events), default=None)
        return JobContent(
            recipient=recipient, address=first.address, events=events, parts=parts,
            rendered=render_digest(parts, since), already_sent=all(d.status == DeliveryStatus.sent for d in ds),
            webhook_secret=secret, deliveries=[d.model_dump() for d in ds])


# --- results ---------------------------------------------------------------------------------------

def mark_sent(engine: Engine, ids: list[int], batch_key: str, idem: str, at: datetime | None = None) -> None:
    table = _t(Delivery)
    with engine.begin() as conn:
        conn.execute(update(table).where(table.c.id.in_(ids), table.c.status != DeliveryStatus.sent).values(
            status=DeliveryStatus.sent, sent_at=at or utcnow(), batch_key=batch_key, idem_key=idem,
            attempts=table.c.attempts + 1, error=None))


def mark_attempt(engine: Engine, ids: list[int], error: str, *, final: bool = False) -> None:
    table = _t(Delivery)
    values: dict[str, Any] = {"attempts": table.c.attempts + 1, "error": error[:2000]}
    if final:
        values["status"] = DeliveryStatus.failed
    with engine.begin() as conn:
        conn.execute(update(table).where(table.c.id.in_(ids), table.c.status != DeliveryStatus.sent)
                     .values(**values))


def mark_failed(engine: Engine, ids: list[int], error: str) -> None:
    table = _t(Delivery)
    with engine.begin() as conn:
        conn.execute(update(table).where(table.c.id.in_(ids), table.c.status != DeliveryStatus.sent)
                     .values(status=DeliveryStatus.failed, error=error[:2000]))


def write_inbox(engine: Engine, job: JobContent, batch_key: str, idem: str, ids: list[int]) -> None:
    """One inbox row per (recipient, event): the unique row is the inbox's idempotency key."""
    rows = [{
        "recipient": d["recipient"], "person_id": d["person_id"], "event_key": e.key, "kind": e.kind.value,
        "workflow_id": e.workflow_id, "urgent": d["urgent"], "subject": part.subject[:500], "text": part.text,
        "created_at": utcnow(), "read_at": None,
    } for d, e, part in zip(job.deliveries, job.events, job.parts, strict=False)]
    table = _t(InboxItem)
    with engine.begin() as conn:
        if rows:
            conn.execute(_insert(conn, table).values(rows).on_conflict_do_nothing(
                index_elements=["recipient", "event_key"]))
    mark_sent(engine, ids, batch_key, idem)
