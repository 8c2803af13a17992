"""Side effects of MessageWorkflow. Every activity is idempotent: Temporal may run it twice.

* ``project_message`` — the read model after a transition: the message row (upsert by workflow id,
  never older over newer), its bodies, one event row per transition (``(workflow_id, seq)``), drafts
  and deadlines (upsert by their ids in the workflow). One call per workflow wake.
* ``notify`` — the notification outbox (unique ``key``); delivery channels read it later.
* ``write_police_notice`` — P14: the written notice to law enforcement, a Russian document with the
  message, its author, URL, times, the raw payload and its SHA-256, and the curator; one per message.
* ``publish_answer`` — automatic publication (P9) where the body's account is connected. Otklik has no
  VK/OK integration yet, so this activity publishes nothing and says so: ``manual`` when the body has
  no account flagged ``auto_publish`` in that network, ``not_connected`` when it has one. Either way the
  workflow waits for the executor's ``confirm_published`` with the link.

The workflow runs them as local activities (one marker event each, no extra workflow task).
Writes use INSERT … ON CONFLICT, so a retry after a crash neither duplicates nor fails.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, case, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from domain.messages import (
    ILLEGAL_GROUND_TITLES,
    NETWORK_TITLES,
    MessageProjection,
    PoliceNoticeRequest,
    PoliceNoticeResult,
    PublishRequest,
    PublishResult,
    TransitionOutputs,
)
from domain.notifications import NotificationEventBatch
from models.guards import ProjectionFailure, record_projection_failure
from models.outbox import record_events
from models.readmodel import Deadline, Draft, Message, MessageBody, MessageEvent, PoliceNotice
from models.registry import Body, SocialAccount, utcnow

MSK = ZoneInfo("Europe/Moscow")
PROJECTION_REFUSED = "ProjectionRefused"
log = logging.getLogger("otklik.activities")


def permanent_error(exc: BaseException) -> bool:
    """A write the database refuses for good (a bad row), as opposed to an outage that a retry outlives."""
    if isinstance(exc, IntegrityError | DataError):
        return True
    if isinstance(exc, DBAPIError):  # OperationalError, a dropped connection…: retry
        return False
    return isinstance(exc, ValueError | OverflowError | TypeError)
ATTACHMENT_KIND_TITLES = {"photo": "фото", "video": "видео", "document": "документ", "link": "ссылка"}


def _table(model: Any) -> Table:
    return model.__table__


def _insert(conn: Connection, table: Table) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _insert_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: list[str]) -> None:
    if rows:
        conn.execute(_insert(conn, table).values(list(rows)).on_conflict_do_nothing(index_elements=keys))


def _upsert(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: list[str],
            where: Any = None, keep_while: tuple[str, tuple[str, ...]] | None = None) -> None:
    """Insert or update by ``keys``. ``keep_while=(flag, columns)``: while ``flag`` stays true, a NULL in
    ``columns`` keeps the stored value (a later projection of a deadline carries no unchanged breach)."""
    if not rows:
        return
    stmt = _insert(conn, table).values(list(rows))
    update = {c: stmt.excluded[c] for c in rows[0] if c not in keys}
    if keep_while is not None:
        flag, columns = keep_while
        for c in columns:
            update[c] = case((stmt.excluded[flag], func.coalesce(stmt.excluded[c], table.c[c])), else_=None)
    conn.execute(stmt.on_conflict_do_update(index_elements=keys, set_=update, where=where))


def _msk(t: datetime | None) -> str:
    return t.astimezone(MSK).strftime("%d.%m.%Y %H:%M:%S МСК") if t else "не указано"


def notice_number(workflow_id: str, flagged_at: datetime) -> str:
    """Deterministic, so a retried activity finds the notice it already wrote."""
    return f"ЦУР-П14-{flagged_at.astimezone(MSK):%Y%m%d}-{hashlib.sha256(workflow_id.encode()).hexdigest()[:8].upper()}"


def render_police_notice(req: PoliceNoticeRequest, number: str, sha256: str) -> str:
    """The written notice (P14) in Russian: the message, its author, URL, times, evidence and curator."""
    m, f = req.message, req.flag
    author = m.author.name or "не указано"
    lines = [
        "УВЕДОМЛЕНИЕ",
        "о выявлении в информационно-телекоммуникационной сети «Интернет» сообщения",
        "с признаками противоправного содержания",
        "",
        f"№ {number} от {req.flagged_at.astimezone(MSK):%d.%m.%Y}",
        "",
        f"Кому: {f.agency}",
        "От: Центр управления регионом Республики Северная Осетия-Алания",
        "",
        "В соответствии с пунктом 14 Положения о работе с сообщениями из открытых источников, "
        "утверждённого Указом Главы Республики Северная Осетия-Алания от 17 февраля 2023 г. № 40, "
        "сообщаем о выявлении сообщения, содержащего признаки противоправного содержания. "
        "Сообщение не обрабатывается, ответ на него не даётся.",
        "",
        f"Основание: {ILLEGAL_GROUND_TITLES[f.ground]}.",
        f"Описание: {f.reason}",
        "",
        "Сведения о сообщении:",
        f"  социальная сеть: {NETWORK_TITLES[m.network]}",
        f"  адрес (URL): {m.url}",
        f"  идентификатор в сети: {m.external_id}",
        f"  автор: {author} (идентификатор {m.author.id}"
        + (f", страница {m.author.profile_url})" if m.author.profile_url else ")"),
        f"  опубликовано: {_msk(m.posted_at)}",
        f"  выявлено: {_msk(m.detected_at)}",
        f"  отмечено куратором как противоправное: {_msk(req.flagged_at)}",
        "",
        "Текст сообщения:",
        f"«{m.text}»",
    ]
    if m.attachments:
        lines += ["", "Вложения:"] + [f"  {i}. {ATTACHMENT_KIND_TITLES.get(a.kind, a.kind)}: {a.url}" + (f" ({a.title})" if a.title else "")
                                      for i, a in enumerate(m.attachments, 1)]
    lines += [
        "",
        "Материалы: исходные данные сообщения в том виде, в котором они получены системой «Отклик» "
        "(приложение 1).",
        f"Контрольная сумма SHA-256 исходных данных: {sha256}",
        "",
        f"Куратор ЦУР: {f.actor.name} (идентификатор сотрудника {f.actor.person_id})",
        "",
        "Приложение 1. Исходные данные сообщения",
        m.evidence(),
    ]
    return "\n".join(lines)


class MessageActivities:
    """The activities bound to one database engine (``build_activities`` lists them for the Worker)."""

    def __init__(self, engine: Engine, notifier: Callable[[NotificationEventBatch], Awaitable[int]] | None = None
                 ) -> None:
        self._engine = engine
        # Records the events and starts their delivery (activities.delivery); without it, they are recorded only.
        self._notifier = notifier

    # ------------------------------------------------------------------ read model

    @activity.defn(name="project_message")
    async def project_message(self, p: MessageProjection) -> None:
        await asyncio.to_thread(self._project, p)

    def _project(self, p: MessageProjection) -> None:
        v = p.row
        wid = v.workflow_id
        now = utcnow()
        message = {
            "workflow_id": wid, "network": v.network.value, "external_id": v.external_id,
            "post_id": v.post_id, "comment_id": v.comment_id, "url": v.url, "author_id": v.author.id,
            "author_name": v.author.name, "author_url": v.author.profile_url, "text": v.text,
            "source": v.source.value, "state": v.state.value, "topic": v.topic, "location": v.location,
            "importance": v.importance.value if v.importance else None, "bodies": v.bodies,
            "route_order": v.route_order.value if v.route_order else None,
            "publisher": v.publisher.value if v.publisher else None, "publishing_body": v.publishing_body,
            "posted_at": v.posted_at, "detected_at": v.detected_at, "next_deadline": v.next_deadline,
            "answer_due": v.answer_due, "breached": v.breaches_count > 0, "breaches_count": v.breaches_count,
            "held_by": v.held_by, "significant": v.significant, "repeat_of": v.repeat_of,
            "outcome": v.outcome.value if v.outcome else None, "outcome_reason": v.outcome_reason,
            "dismissed_after_routing": v.dismissed_after_routing,
            "answer_url": v.answer_url, "closed_at": v.closed_at, "events_count": v.events_count,
            "created_at": now, "updated_at": now,
        }
        bodies = [{
            "workflow_id": wid, "body": b.code, "status": b.status.value, "received_at": b.received_at,
            "accepted_at": b.accepted_at, "contributed_at": b.contributed_at, "published_at": b.published_at,
            "published_url": b.published_url, "return_reason": b.return_reason,
        } for b in p.bodies]
        events = [{
            "workflow_id": wid, "seq": e.seq, "at": e.at, "kind": e.kind, "state": e.state.value,
            "actor_id": e.actor.person_id if e.actor else None, "actor_name": e.actor.name if e.actor else None,
            "actor_role": e.actor.role if e.actor else None, "actor_body": e.actor.body if e.actor else None,
            "body": e.body, "text": e.text, "data": e.data,
        } for e in p.events]
        drafts = [{
            "workflow_id": wid, "draft_id": d.id, "version": d.version, "kind": d.kind.value, "body": d.body,
            "text": d.text, "attachments": [a.model_dump(mode="json") for a in d.attachments],
            "promised_date": d.promised_date, "measures_taken": d.measures_taken, "status": d.status.value,
            "submitted_at": d.submitted_at, "submitted_by_id": d.submitted_by.person_id,
            "submitted_by_name": d.submitted_by.name, "reviewed_at": d.reviewed_at,
            "reviewed_by_id": d.reviewed_by.person_id if d.reviewed_by else None,
            "reviewed_by_name": d.reviewed_by.name if d.reviewed_by else None,
            "return_reasons": [r.value for r in d.return_reasons], "return_comment": d.return_comment,
            "published_at": d.published_at, "published_url": d.published_url,
        } for d in p.drafts]
        held = {b.deadline_id: b for b in p.breaches}
        deadlines = [{
            "workflow_id": wid, "deadline_id": d.id, "step": d.step.value, "title": d.title, "rule": d.rule,
            "body": d.body, "window": d.window, "warning": d.warning, "warned": d.warned, "opened_at": d.opened_at,
            "due": d.due, "closed_at": d.closed_at, "status": d.status.value, "met": d.met, "breached": d.breached,
            "used_minutes": d.used_minutes, "overrun_minutes": d.overrun_minutes, "escalated_to": d.escalated_to,
            "held_by": held[d.id].held_by if d.id in held and d.breached else None,
            "cause": held[d.id].cause if d.id in held and d.breached else None,
            "declared_at": held[d.id].declared_at if d.id in held and d.breached else None,
        } for d in p.deadlines]
        msg = _table(Message)
        with self._engine.begin() as conn:
            stmt = _insert(conn, msg).values(message)
            update = {c: stmt.excluded[c] for c in message if c not in ("workflow_id", "created_at")}
            # A projection never overwrites a newer one (events_count only grows).
            conn.execute(stmt.on_conflict_do_update(index_elements=["workflow_id"], set_=update,
                                                    where=msg.c.events_count <= stmt.excluded.events_count))
            _upsert(conn, _table(MessageBody), bodies, ["workflow_id", "body"])
            # Upsert: a transition written by a task that then failed is overwritten by the one that stood.
            _upsert(conn, _table(MessageEvent), events, ["workflow_id", "seq"])
            _upsert(conn, _table(Draft), drafts, ["workflow_id", "draft_id"])
            # Who held it when it slipped (P15) comes with the breach, projected only when the breach changed.
            _upsert(conn, _table(Deadline), deadlines, ["workflow_id", "deadline_id"],
                    keep_while=("breached", ("held_by", "cause", "declared_at")))
            conn.execute(delete(_table(ProjectionFailure)).where(_table(ProjectionFailure).c.workflow_id == wid))

    # ------------------------------------------------------------------ outbox

    @activity.defn(name="write_outputs")
    async def write_outputs(self, out: TransitionOutputs) -> int:
        """One wake's writes: the projection, then the notification events (recorded, and their delivery
        started); returns how many events were new.

        Errors are classified: a database outage is retried (the workflow's timers run regardless); a row the
        database refuses for good (``permanent_error``) is recorded in ``projection_failure`` (``/readyz``
        reports the read model behind), logged, the notifications are still written, and the activity fails
        non-retryable — the workflow notes it and carries on.
        """
        failed: BaseException | None = None
        if out.projection is not None:
            try:
                await asyncio.to_thread(self._project, out.projection)
            except Exception as exc:
                if not permanent_error(exc):
                    raise
                failed = exc
                wid, count = out.projection.row.workflow_id, out.projection.row.events_count
                log.error("read model behind: projection of %s (%d events) refused for good: %s: %s",
                          wid, count, type(exc).__name__, str(exc).splitlines()[0][:300] if str(exc) else "")
                await asyncio.to_thread(record_projection_failure, self._engine, wid, count,
                                        f"{type(exc).__name__}: {exc}")
        new = 0
        if out.notifications:
            batch = NotificationEventBatch(events=out.notifications)
            new = await self._notifier(batch) if self._notifier is not None else await asyncio.to_thread(
                self._record, batch)
        if failed is not None:
            raise ApplicationError(f"Модель чтения отстаёт: запись сообщения отклонена базой данных "
                                   f"({type(failed).__name__})", type=PROJECTION_REFUSED, non_retryable=True)
        return new

    def _record(self, batch: NotificationEventBatch) -> int:
        with Session(self._engine) as session:
            return len(record_events(session, batch.events))

    # ------------------------------------------------------------------ P14

    @activity.defn(name="write_police_notice")
    async def write_police_notice(self, req: PoliceNoticeRequest) -> PoliceNoticeResult:
        return await asyncio.to_thread(self._write_police_notice, req)

    def _write_police_notice(self, req: PoliceNoticeRequest) -> PoliceNoticeResult:
        raw = req.message.evidence()
        sha = hashlib.sha256(raw.encode("utf-8")).hexdigest()
        number = notice_number(req.workflow_id, req.flagged_at)
        row = {
            "workflow_id": req.workflow_id, "number": number, "agency": req.flag.agency,
            "ground": req.flag.ground.value, "reason": req.flag.reason, "curator_id": req.flag.actor.person_id,
            "curator_name": req.flag.actor.name, "message_url": req.message.url,
            "document": render_police_notice(req, number, sha), "raw_payload": raw, "sha256": sha,
            "flagged_at": req.flagged_at, "created_at": utcnow(),
        }
        table = _table(PoliceNotice)
        with self._engine.begin() as conn:
            _insert_ignore(conn, table, [row], ["workflow_id"])
            stored = conn.execute(select(table.c.id, table.c.number, table.c.sha256)
                                  .where(table.c.workflow_id == req.workflow_id)).one()
        return PoliceNoticeResult(notice_id=stored.id, number=stored.number, sha256=stored.sha256)

    # ------------------------------------------------------------------ P9: publication

    @activity.defn(name="publish_answer")
    async def publish_answer(self, req: PublishRequest) -> PublishResult:
        return await asyncio.to_thread(self._publish_answer, req)

    def _publish_answer(self, req: PublishRequest) -> PublishResult:
        with self._engine.connect() as conn:
            account = conn.execute(
                select(_table(SocialAccount).c.url)
                .join(_table(Body), _table(Body).c.id == _table(SocialAccount).c.body_id)
                .where(_table(Body).c.code == req.body, _table(SocialAccount).c.network == req.network.value,
                       _table(SocialAccount).c.auto_publish.is_(True))
            ).first()
        network = NETWORK_TITLES[req.network]
        if account is None:
            return PublishResult(
                status="manual",
                detail=f"Аккаунт органа {req.body} в сети «{network}» не подключён к автоматической публикации: "
                       "исполнитель публикует ответ сам и подтверждает ссылкой.")
        return PublishResult(
            status="not_connected",
            detail=f"Аккаунт {account.url} органа {req.body} отмечен для автоматической публикации, но интеграция "
                   f"«Отклика» с сетью «{network}» ещё не подключена: ответ автоматически НЕ опубликован. "
                   "Исполнитель публикует его сам и подтверждает ссылкой.")


def message_activities(engine: Engine, notifier: Callable[[NotificationEventBatch], Awaitable[int]] | None = None
                       ) -> list[Any]:
    acts = MessageActivities(engine, notifier)
    # ``publish_answer`` is the networks' (activities.networks.publish); the one here answers "manual" only
    # where no network integration is configured (tests of the read model use it directly).
    return [acts.project_message, acts.write_outputs, acts.write_police_notice]
