"""Intake: a message becomes a MessageWorkflow — from the HTTP API and from VK's Callback API.

``Intake.submit`` (``POST /messages``): fills what the caller doesn't decide — detection time (now, unless a
curator states an earlier one), the working-time calendar and SLA policy snapshots the workflow will live
by, the repeat link (P12) from the read model — and starts the workflow, or finds the one already there.

``Intake.vk_event`` (VK callback): an accepted event is stored first (``vk_event``, pending), then its
workflow is started with a short time limit; VK gets ``ok`` either way. ``retry_pending`` starts what is
still pending (after each callback and at API start): the start is idempotent (the workflow id is the
message key), so a retry can never make a second workflow.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select
from temporalio.client import Client

from api.errors import Forbidden, ServiceUnavailable, Unprocessable
from api.queries import message_row, repeat_link
from api.registry_check import check_classification
from api.schemas import MessageIntake
from api.temporal import TemporalGateway
from domain.messages import MessageInput, Source
from domain.sla import SlaPolicy
from domain.vk import ACCEPTED_TYPES, Skip, VkCallback, group_urls, message_fields, message_input
from domain.worktime import CalendarSnapshot, WorkCalendar
from models.integrations import VkEvent, VkEventStatus
from models.registry import SocialAccount
from models.settings import Settings
from workflows.client import start_message

log = logging.getLogger("otklik.intake")

SNAPSHOT_TTL = 300.0  # seconds: a calendar/policy edit reaches new messages within five minutes
CLOCK_SKEW = timedelta(minutes=2)  # a stated detection time this far "in the future" is still accepted
VK_START_TIMEOUT = 2.0  # seconds for Temporal to accept a start before VK gets "ok" anyway
RETRY_BATCH = 50


class Intake:
    def __init__(self, settings: Settings, engine: Engine, gateway: TemporalGateway) -> None:
        self.settings = settings
        self.engine = engine
        self.gateway = gateway
        self._snapshots: tuple[float, WorkCalendar, SlaPolicy] | None = None
        self._retry_lock = asyncio.Lock()

    # --- snapshots --------------------------------------------------------------------------------

    def calendar(self) -> tuple[WorkCalendar, SlaPolicy]:
        """The calendar and SLA policy a new message lives by (re-read from config at most every 5 min)."""
        now = time.monotonic()
        if self._snapshots is None or now - self._snapshots[0] > SNAPSHOT_TTL:
            # fallback: a deadline running past the last shipped year (December) still has weekends and
            # fixed holidays to count by, instead of a workflow that fails every task.
            self._snapshots = (now, WorkCalendar.default(fallback=True), SlaPolicy.default())
        return self._snapshots[1], self._snapshots[2]

    def snapshots(self) -> tuple[CalendarSnapshot, SlaPolicy]:
        calendar, policy = self.calendar()
        return calendar.snapshot(), policy

    def check_covered(self, detected: datetime, stated: bool) -> None:
        """Deadlines are counted in working time: the detection year must be in the production calendar."""
        calendar, _ = self.calendar()
        try:
            year = detected.astimezone(calendar.zone).year
        except OverflowError:  # 0001-01-01 or 9999-12-31 moved across the date line
            year = detected.year
        if year in calendar.years:
            return
        years = f"{min(calendar.years)}–{max(calendar.years)}" if calendar.years else "нет"
        if stated:
            raise Unprocessable(f"Время выявления вне производственного календаря (есть годы: {years})",
                                code="validation_error")
        raise ServiceUnavailable(f"Нет производственного календаря на {year} год: добавьте "
                                 f"config/calendar/ru-{year}.yaml", code="calendar_missing")

    # --- POST /messages -----------------------------------------------------------------------------

    def build(self, data: MessageIntake, now: datetime) -> MessageInput:
        detected = now
        if data.detected_at is not None:
            if data.detected_at > now + CLOCK_SKEW:
                raise Unprocessable("Время выявления не может быть в будущем", code="validation_error")
            detected = min(data.detected_at, now)
            if data.posted_at is not None and detected < data.posted_at:
                raise Unprocessable("Время выявления не может быть раньше времени публикации",
                                    code="validation_error")
        self.check_covered(detected, stated=data.detected_at is not None)
        check_classification(self.engine, data.classification.model_dump() if data.classification else None)
        repeat = None
        if data.repeat_of is not None:
            with Session(self.engine) as session:
                repeat = repeat_link(session, data.repeat_of)
            if repeat is None:
                raise Unprocessable(f"Повторное сообщение: более раннее сообщение {data.repeat_of} не найдено",
                                    code="repeat_of_not_found")
        calendar, policy = self.snapshots()
        fields = data.model_dump(exclude={"detected_at", "repeat_of", "source", "classification"})
        try:
            return MessageInput(
                **fields, detected_at=detected, source=Source(data.source), repeat_of=repeat,
                classification=data.classification.model_dump() if data.classification else None,
                calendar=calendar, policy=policy, search_attributes=self.settings.search_attributes,
            )
        except ValidationError as exc:
            raise Unprocessable("Сообщение не прошло проверку: " + "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5]), code="validation_error"
            ) from exc

    def closed_record(self, workflow_id: str) -> bool:
        """A message the read model knows as closed is never started again (even after Temporal retention)."""
        with Session(self.engine) as session:
            row = message_row(session, workflow_id)
        return row is not None and row.closed_at is not None

    async def submit(self, client: Client, data: MessageIntake) -> tuple[str, bool]:
        """Start the workflow (or find it); returns (workflow id, created now)."""
        inp = await asyncio.to_thread(self.build, data, datetime.now(UTC))
        if await asyncio.to_thread(self.closed_record, inp.workflow_id):
            return inp.workflow_id, False
        _, created = await start_message(client, inp, self.settings.task_queue)
        return inp.workflow_id, created

    # --- VK Callback API ------------------------------------------------------------------------------

    def check_secret(self, callback: VkCallback) -> None:
        expected = self.settings.vk_secret
        if not expected:
            raise Forbidden("Интеграция с ВКонтакте не настроена (нет секретного ключа OTKLIK_VK_SECRET)",
                            code="vk_not_configured")
        if not hmac.compare_digest((callback.secret or "").encode(), expected.encode()):
            raise Forbidden("Неверный секретный ключ Callback API", code="vk_bad_secret")

    def monitored(self, group_id: int) -> bool:
        """A community is monitored when the registry has a VK account at https://vk.com/club{group_id}
        (or public{id}, event{id}; http://, m.vk.com, vk.ru and a trailing slash are accepted too)."""
        urls = set()
        for url in group_urls(group_id):
            path = url.removeprefix("https://vk.com/")
            for scheme in ("https://", "http://"):
                for host in ("vk.com/", "m.vk.com/", "vk.ru/", "www.vk.com/"):
                    urls |= {f"{scheme}{host}{path}", f"{scheme}{host}{path}/"}
        with Session(self.engine) as session:
            found = session.exec(select(SocialAccount.id).where(
                SocialAccount.network == "vk", col(SocialAccount.url).in_(urls))).first()
        return found is not None

    async def vk_event(self, callback: VkCallback, raw: str) -> str:
        """Handle one callback; returns the text VK expects (the confirmation code or ``ok``)."""
        self.check_secret(callback)
        if callback.type == "confirmation":
            if not self.settings.vk_confirmation_code:
                raise Forbidden("Код подтверждения сервера не настроен (OTKLIK_VK_CONFIRMATION_CODE)",
                                code="vk_not_configured")
            if not await asyncio.to_thread(self.monitored, callback.group_id):
                raise Forbidden(f"Сообщество {callback.group_id} не зарегистрировано в реестре аккаунтов "
                                f"(https://vk.com/club{callback.group_id})", code="vk_unknown_group")
            return self.settings.vk_confirmation_code
        if callback.type not in ACCEPTED_TYPES:
            return "ok"
        if not callback.event_id:
            raise Unprocessable("В событии нет event_id", code="validation_error")
        if not await asyncio.to_thread(self.monitored, callback.group_id):
            log.info("VK event %s from unmonitored community %s ignored", callback.event_id, callback.group_id)
            return "ok"
        try:
            message_fields(callback)
            status = VkEventStatus.pending
            error = None
        except Skip as exc:
            log.info("VK event %s skipped: %s", callback.event_id, exc)
            return "ok"
        except ValidationError as exc:
            status, error = VkEventStatus.invalid, str(exc)[:2000]
            log.warning("VK event %s does not match the schema: %s", callback.event_id, error.splitlines()[0])
        event = await asyncio.to_thread(self._store, callback, raw, status, error)
        if event is not None and status == VkEventStatus.pending:
            await self._start(event, timeout=VK_START_TIMEOUT)
        return "ok"

    def _store(self, callback: VkCallback, raw: str, status: VkEventStatus, error: str | None) -> VkEvent | None:
        """Store the event; None when this ``event_id`` was stored before (a repeat from VK)."""
        event = VkEvent(event_id=callback.event_id, group_id=callback.group_id, type=callback.type,  # type: ignore[arg-type]
                        payload=raw, status=status.value, last_error=error)
        with Session(self.engine) as session:
            session.add(event)
            try:
                session.commit()
            except IntegrityError:
                session.rollback()
                log.info("VK event %s is a repeat: ignored", callback.event_id)
                return None
            session.refresh(event)
            session.expunge(event)
        return event

    def _input(self, event: VkEvent) -> MessageInput:
        callback = VkCallback.model_validate_json(event.payload)
        calendar, policy = self.snapshots()
        received = event.received_at if event.received_at.tzinfo else event.received_at.replace(tzinfo=UTC)
        self.check_covered(received, stated=False)
        return message_input(callback, event.payload, received, calendar, policy,
                             search_attributes=self.settings.search_attributes)

    async def _start(self, event: VkEvent, timeout: float) -> bool:
        """Try to start the event's workflow within ``timeout``; record the outcome. True when started."""
        try:
            inp = await asyncio.to_thread(self._input, event)
        except (ValidationError, Skip) as exc:
            await asyncio.to_thread(self._mark, event.id, VkEventStatus.invalid, None, str(exc)[:2000])
            return False
        except ServiceUnavailable as exc:  # e.g. no calendar for this year yet: kept pending, retried later
            log.error("VK event %s not started: %s", event.event_id, exc.detail)
            await asyncio.to_thread(self._mark, event.id, VkEventStatus.pending, None, exc.detail)
            return False
        try:
            client = await asyncio.wait_for(self.gateway.client(), timeout)
            if await asyncio.to_thread(self.closed_record, inp.workflow_id):
                created = False
            else:
                _, created = await asyncio.wait_for(start_message(client, inp, self.settings.task_queue), timeout)
        except Exception as exc:  # Temporal slow or unreachable: the event stays pending and is retried
            reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:2000]
            log.warning("VK event %s: workflow not started yet (%s)", event.event_id, reason)
            await asyncio.to_thread(self._mark, event.id, VkEventStatus.pending, None, reason)
            return False
        await asyncio.to_thread(self._mark, event.id, VkEventStatus.started, inp.workflow_id, None)
        log.info("VK event %s → %s (%s)", event.event_id, inp.workflow_id, "new" if created else "existing")
        return True

    def _mark(self, event_pk: int | None, status: VkEventStatus, workflow_id: str | None, error: str | None) -> None:
        with Session(self.engine) as session:
            row = session.get(VkEvent, event_pk)
            if row is None:
                return
            row.attempts += 1
            row.last_error = error
            if row.status != VkEventStatus.started.value:  # started is final
                row.status = status.value
                if status == VkEventStatus.started:
                    row.started_at = datetime.now(UTC)
            row.workflow_id = workflow_id or row.workflow_id
            session.add(row)
            session.commit()

    def _pending(self, limit: int, before: datetime | None) -> list[VkEvent]:
        with Session(self.engine) as session:
            query = select(VkEvent).where(VkEvent.status == VkEventStatus.pending.value)
            if before is not None:
                query = query.where(VkEvent.received_at < before)
            rows = session.exec(query.order_by(col(VkEvent.received_at), col(VkEvent.id)).limit(limit)).all()
            for row in rows:
                session.expunge(row)
            return list(rows)

    async def retry_pending(self, before: datetime | None = None, timeout: float = 10.0) -> int:
        """Start the pending VK events (received before ``before``, when given): one pass, one pass at a
        time per process, stopping at the first failure; returns how many started."""
        if self._retry_lock.locked():
            return 0
        started = 0
        async with self._retry_lock:
            try:
                pending = await asyncio.to_thread(self._pending, RETRY_BATCH, before)
            except Exception as exc:  # the database is down: the next callback or restart tries again
                log.warning("pending VK events not read: %s", exc)
                return 0
            for event in pending:
                if not await self._start(event, timeout=timeout):
                    break  # Temporal is still unavailable: leave the rest for the next pass
                started += 1
        return started
