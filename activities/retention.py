"""Retention of citizens' personal data in the read model (``OTKLIK_PERSONAL_DATA_RETENTION_DAYS``).

``remove_personal_data`` runs daily (the Schedule ``otklik-retention``, ``workflows/retention.py``). For
every message closed more than the period ago it removes what identifies the author — id, name, profile
link, the post's link and text, the author's replies quoted in the timeline — and keeps everything the
statistics and ratings are built from: network, topic, district, bodies, states, times, deadlines,
breaches, drafts and outcome. Candidates decided more than the period ago lose the same fields and the raw
payload. ``external_id`` stays: it is the network's id of the post, what keeps a post from being taken in
twice. Written notices to law enforcement (P14) are evidence and are kept whole. A moderation record (A9)
made more than the period ago loses the deleted comment's text and its author's id — unless the author's
restriction is still in force (a ban for ever, or one not yet over): while it lasts, its ground is kept.

Idempotent: a row already cleared (``author_id == ""``) is not touched again; batches keep transactions
short.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import and_, not_, or_, select, update
from sqlalchemy.engine import Engine
from temporalio import activity

from domain.retention import RetentionRequest, RetentionResult
from models.account_checks import ModerationAction
from models.candidates import Candidate
from models.readmodel import Message, MessageEvent
from models.registry import utcnow

REMOVED = ""  # author_id of a row whose personal data is gone
REPLY_REMOVED = "Автор ответил (текст удалён по истечении срока хранения персональных данных)"


def remove_personal_data_now(engine: Engine, req: RetentionRequest, now: datetime | None = None) -> RetentionResult:
    cutoff = (now or utcnow()) - timedelta(days=req.days)
    result = RetentionResult(cutoff=cutoff)
    m, e, c = Message.__table__, MessageEvent.__table__, Candidate.__table__  # type: ignore[attr-defined]
    while True:
        with engine.begin() as conn:
            ids = list(conn.scalars(select(m.c.workflow_id).where(
                m.c.closed_at.is_not(None), m.c.closed_at < cutoff, m.c.author_id != REMOVED).limit(req.batch)))
            if not ids:
                break
            conn.execute(update(m).where(m.c.workflow_id.in_(ids)).values(
                author_id=REMOVED, author_name="", author_url=None, text="", url=""))
            conn.execute(update(e).where(and_(e.c.workflow_id.in_(ids), e.c.kind == "author_replied"))
                         .values(text=REPLY_REMOVED, data={}))
        result.messages += len(ids)
    while True:
        with engine.begin() as conn:
            ids = list(conn.scalars(select(c.c.id).where(
                c.c.status != "new", c.c.arrived_at < cutoff, c.c.author_id != REMOVED).limit(req.batch)))
            if not ids:
                break
            conn.execute(update(c).where(c.c.id.in_(ids)).values(
                author_id=REMOVED, author_name="", author_url=None, text="", url="", attachments=[],
                raw_payload=None))
        result.candidates += len(ids)
    result.moderation = _moderation(engine, cutoff, now or utcnow(), req.batch)
    return result


def _moderation(engine: Engine, cutoff: datetime, now: datetime, batch: int) -> int:
    mo = ModerationAction.__table__  # type: ignore[attr-defined]
    ban_in_force = and_(mo.c.banned.is_(True), or_(mo.c.ban_forever.is_(True), mo.c.ban_until > now))
    done = 0
    while True:
        with engine.begin() as conn:
            ids = list(conn.scalars(select(mo.c.id).where(
                mo.c.created_at < cutoff, mo.c.status != "pending", not_(ban_in_force),
                or_(mo.c.author_id.is_not(None), mo.c.text_snapshot.is_not(None))).limit(batch)))
            if not ids:
                return done
            conn.execute(update(mo).where(mo.c.id.in_(ids)).values(author_id=None, text_snapshot=None))
        done += len(ids)


class RetentionActivities:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @activity.defn(name="remove_personal_data")
    async def remove_personal_data(self, req: RetentionRequest) -> RetentionResult:
        return await asyncio.to_thread(remove_personal_data_now, self._engine, req)


def retention_activities(engine: Engine) -> list[object]:
    return [RetentionActivities(engine).remove_personal_data]
