"""Intake: a message becomes a MessageWorkflow — from the HTTP API and from VK's Callback API.

``Intake.submit`` (``POST /messages``): fills what the caller doesn't decide — detection time (now, unless a
curator states an earlier one), the working-time calendar and SLA policy snapshots the workflow will live
by, the repeat link (P12) from the read model — and starts the workflow, or finds the one already there.

``Intake.vk_event`` (VK callback) and ``Intake.feed`` (``POST /messages`` by an ``integration`` token):
what a feed brings is a **candidate** (P7: not yet identified) — a row, deduplicated by network + external
id, with no workflow and no Regulation clock. The VK event itself is kept by its ``event_id`` (repeats
ignored, the body as received). A Curator takes a candidate (``api.triage``) or skips it.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client

from api.errors import Forbidden, ServiceUnavailable, Unprocessable
from api.queries import detect_repeat, message_row, repeat_link
from api.registry_check import check_classification
from api.schemas import MessageIntake
from api.temporal import TemporalGateway
from domain.bounds import not_in_future
from domain.candidates import CandidateIn, CandidateKind, CandidateSource
from domain.messages import Attachment, Author, MessageInput, Network, Source, message_workflow_id
from domain.sla import SlaPolicy
from domain.vk import ACCEPTED_TYPES, Skip, VkCallback, candidate_in, canonical_kind, group_urls
from domain.worktime import CalendarSnapshot, WorkCalendar
from models.candidate_queries import link_to_message
from models.candidates import record_candidate
from models.integrations import record_vk_event
from models.registry import SocialAccount
from models.settings import Settings
from workflows.client import start_message

log = logging.getLogger("otklik.intake")

FEED_REFUSED = ("source", "detected_at", "classification", "repeat_of")  # the curator's to set
SNAPSHOT_TTL = 300.0  # seconds: a calendar/policy edit reaches new messages within five minutes
CLOCK_SKEW = timedelta(minutes=2)  # a stated detection time this far "in the future" is still accepted


class Intake:
    def __init__(self, settings: Settings, engine: Engine, gateway: TemporalGateway) -> None:
        self.settings = settings
        self.engine = engine
        self.gateway = gateway
        self._snapshots: tuple[float, WorkCalendar, SlaPolicy] | None = None

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
        if reason := not_in_future(data.posted_at, now, "Время публикации"):
            raise Unprocessable(f"{reason}: проверьте posted_at", code="validation_error")
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
        if repeat is None:
            c = data.classification
            with Session(self.engine) as session:
                repeat = detect_repeat(session, workflow_id=message_workflow_id(data.network, data.external_id),
                                       network=data.network, post_id=data.post_id, author_id=data.author.id,
                                       topic=c.topic if c else None, location=c.location if c else None,
                                       since=detected - policy.options.repeat_window)
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
        cand: CandidateIn | None = None
        error = None
        try:
            cand = candidate_in(callback, raw)
        except Skip as exc:
            log.info("VK event %s skipped: %s", callback.event_id, exc)
            return "ok"
        except ValidationError as exc:
            error = str(exc)[:2000]
            log.warning("VK event %s does not match the schema: %s", callback.event_id, error.splitlines()[0])
        if cand is not None and (reason := not_in_future(cand.posted_at, datetime.now(UTC), "Время публикации")):
            log.warning("VK event %s refused: %s (%s)", callback.event_id, reason, cand.posted_at)
            cand, error = None, reason
        await asyncio.to_thread(self._record_vk, callback, raw, cand, error)
        return "ok"

    def _record_vk(self, callback: VkCallback, raw: str, cand: CandidateIn | None, error: str | None) -> None:
        with Session(self.engine) as session:
            event, row, created = record_vk_event(session, callback.event_id or "", callback.group_id,
                                                  callback.type, raw, cand, error)
            if row is not None:
                log.info("VK event %s → candidate %s (%s)", event.event_id, row.id, "new" if created else "existing")
                if created:
                    self._already_a_message(session, row.network, row.external_id)

    # --- a monitoring feed's POST /messages (role integration) ---------------------------------------

    def feed(self, data: MessageIntake, raw: str) -> tuple[int, bool]:
        """A feed's item becomes a candidate (no workflow, no clock); (candidate id, new)."""
        refused = [f for f in FEED_REFUSED if f in data.model_fields_set]
        if refused:
            raise Unprocessable(
                "Лента мониторинга передаёт только запись из соцсети; поля " + ", ".join(refused) + " задаёт "
                "куратор, когда берёт кандидата в работу (время выявления — момент взятия, п. 7)",
                code="feed_field_forbidden")
        if reason := not_in_future(data.posted_at, datetime.now(UTC), "Время публикации"):
            raise Unprocessable(f"{reason}: проверьте posted_at", code="validation_error")
        kind = CandidateKind.comment if data.comment_id else CandidateKind.post
        community = None
        if data.network == Network.vk and (canonical := canonical_kind(data.external_id)) is not None:
            kind, community = canonical
        cand = CandidateIn(
            network=data.network, external_id=data.external_id, kind=kind, source=CandidateSource.integration,
            url=data.url, post_id=data.post_id, comment_id=data.comment_id, community_id=community,
            author=Author.model_validate(data.author.model_dump()), text=data.text,
            attachments=[Attachment.model_validate(a.model_dump()) for a in data.attachments],
            posted_at=data.posted_at, raw_payload=raw[:200_000] or None,
        )
        with Session(self.engine) as session:
            row, created = record_candidate(session, cand)
            assert row.id is not None
            if created:
                self._already_a_message(session, row.network, row.external_id)
            return row.id, created

    def _already_a_message(self, session: Session, network: str, external_id: str) -> None:
        """A candidate for a post a curator has entered by hand already is taken by that message."""
        wid = message_workflow_id(network, external_id)
        if message_row(session, wid) is not None:
            link_to_message(session, network, external_id, wid, None, datetime.now(UTC))

    def link_manual(self, data: MessageIntake, workflow_id: str, person_id: int) -> None:
        """A curator entered by hand a post that waits as a candidate: the candidate is taken by it."""
        with Session(self.engine) as session:
            link_to_message(session, data.network.value, data.external_id, workflow_id, person_id, datetime.now(UTC))
