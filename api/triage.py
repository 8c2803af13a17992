"""Triage (P7): a Curator takes a candidate in — it becomes a message identified now — or skips it.

``take``: refuse early what cannot work (a candidate decided already → 409 naming who; an unknown code in
the classification or route → 422), build the workflow input (detected now, the candidate's text, author,
URL, attachments and raw payload as evidence), claim the candidate in one conditional UPDATE (a racing take
or skip loses with 409), then start the workflow (id by network + external id, ``USE_EXISTING``: a take
retried or raced leaves one workflow). A start that surely failed gives the candidate back to triage (503);
one of unknown outcome (a timeout) keeps the claim, and the claimant's retry — or anyone's take once the
claim is stale — completes it, detected at the claim's time. The classification and route given with the
take go through the ordinary action path (``api.actions.act``, one Workflow Update each, idempotent by the
candidate's id).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api import actions
from api.auth import Principal
from api.candidate_schemas import TakeIn, TakeOut, candidate_out
from api.errors import Conflict, NotFound, ServiceUnavailable, Unprocessable
from api.intake import Intake
from api.queries import detect_repeat, repeat_link
from api.registry_check import check_classification, check_decision
from api.schemas import ClassifyIn, RouteIn
from domain.bounds import check_year, not_in_future
from domain.candidates import CandidateSource, CandidateStatus
from domain.messages import (
    SYSTEM_ACTOR,
    Attachment,
    Author,
    MessageInput,
    Network,
    RouteDecision,
    Source,
    message_workflow_id,
)
from models.candidate_queries import SkipOutcome, claim_take, person_names, release_take, skip
from models.candidates import Candidate
from workflows.client import Rejected, start_message

log = logging.getLogger("otklik.triage")
MSK = ZoneInfo("Europe/Moscow")
START_TIMEOUT = 10.0  # seconds for Temporal to accept the start
DESCRIBE_TIMEOUT = 3.0
STALE = timedelta(minutes=2)  # a take claimed this long ago with no workflow was interrupted

#: The message's ``Source`` for each candidate source.
SOURCES: dict[str, Source] = {
    CandidateSource.vk_callback.value: Source.vk_callback,
    CandidateSource.vk_poll.value: Source.monitoring,
    CandidateSource.ok_poll.value: Source.monitoring,
    CandidateSource.integration.value: Source.monitoring,
}


def _when(t: datetime | None) -> str:
    if t is None:
        return ""
    t = t if t.tzinfo else t.replace(tzinfo=UTC)
    return t.astimezone(MSK).strftime("%d.%m.%Y %H:%M МСК")


def decided_text(row: Candidate, names: dict[int, str]) -> str:
    """«Кандидат 12 уже взят в работу: Гаглоева З. Т., 01.12.2026 14:05 МСК (сообщение msg-vk-…)»."""
    who = names.get(row.decided_by, f"сотрудник {row.decided_by}") if row.decided_by is not None \
        else SYSTEM_ACTOR.name
    when = _when(row.decided_at)
    at = f", {when}" if when else ""
    if row.status == CandidateStatus.taken.value:
        return f"Кандидат {row.id} уже взят в работу: {who}{at} (сообщение {row.workflow_id})"
    return f"Кандидат {row.id} уже отмечен как не требующий реагирования: {who}{at}; причина: {row.skip_reason}"


def _stale(row: Candidate) -> bool:
    if row.decided_at is None:
        return True
    decided = row.decided_at if row.decided_at.tzinfo else row.decided_at.replace(tzinfo=UTC)
    return datetime.now(UTC) - decided > STALE


def _invalid(exc: ValidationError, prefix: str) -> RequestValidationError:
    return RequestValidationError([{**e, "loc": ("body", prefix, *[p for p in e["loc"] if p != "actor"])}
                                   for e in exc.errors()])


class Triage:
    def __init__(self, intake: Intake) -> None:
        self.intake = intake
        self.engine: Engine = intake.engine

    # --- reading ---------------------------------------------------------------------------------

    def load(self, candidate_id: int) -> tuple[Candidate, dict[int, str]]:
        with Session(self.engine) as session:
            row = session.get(Candidate, candidate_id)
            if row is None:
                raise NotFound(f"Кандидат {candidate_id} не найден", code="candidate_not_found")
            names = person_names(session, [row.decided_by])
            session.expunge(row)
            return row, names

    # --- take --------------------------------------------------------------------------------------

    def _input(self, row: Candidate, data: TakeIn, now: datetime) -> MessageInput:
        self.intake.check_covered(now, stated=False)
        posted = row.posted_at if row.posted_at is None or row.posted_at.tzinfo else row.posted_at.replace(tzinfo=UTC)
        try:
            check_year(posted)
        except ValueError as exc:
            raise Unprocessable(f"Кандидат не может стать сообщением: время публикации — {exc}; пропустите "
                                "кандидата или введите сообщение вручную с верным временем", code="validation_error") from None
        if reason := not_in_future(posted, now, "Время публикации"):
            raise Unprocessable(f"Кандидат не может стать сообщением: {reason.lower()}; пропустите кандидата или "
                                "введите сообщение вручную с верным временем", code="validation_error")
        repeat = None
        if data.repeat_of is not None:
            with Session(self.engine) as session:
                repeat = repeat_link(session, data.repeat_of)
            if repeat is None:
                raise Unprocessable(f"Повторное сообщение: более раннее сообщение {data.repeat_of} не найдено",
                                    code="repeat_of_not_found")
        calendar, policy = self.intake.snapshots()
        if repeat is None:
            c = data.classification
            with Session(self.engine) as session:
                repeat = detect_repeat(session, workflow_id=message_workflow_id(row.network, row.external_id),
                                       network=row.network, post_id=row.post_id, author_id=row.author_id,
                                       topic=c.topic if c else None, location=c.location if c else None,
                                       since=now - policy.options.repeat_window)
        try:
            return MessageInput(
                network=Network(row.network), external_id=row.external_id, post_id=row.post_id,
                comment_id=row.comment_id, url=row.url,
                author=Author(id=row.author_id, name=row.author_name, profile_url=row.author_url),
                text=row.text, attachments=[Attachment.model_validate(a) for a in row.attachments],
                posted_at=posted,
                detected_at=now, source=SOURCES.get(row.source, Source.monitoring), raw_payload=row.raw_payload,
                repeat_of=repeat, calendar=calendar, policy=policy,
                search_attributes=self.intake.settings.search_attributes,
            )
        except ValidationError as exc:
            raise Unprocessable("Кандидат не может стать сообщением: " + "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5]), code="validation_error"
            ) from exc

    async def _check_decisions(self, principal: Principal, data: TakeIn) -> None:
        """422 before anything starts: a route needs a classification; every code must be in the registry."""
        classification = data.classification.model_dump() if data.classification else None
        if data.route is not None:
            if classification is None:
                raise Unprocessable("Чтобы сразу направить сообщение, укажите и классификацию (classification): "
                                    "тему, территорию и важность (п. 7)", code="validation_error")
            route = {**data.route.model_dump(), "classification": classification}
            try:
                RouteDecision.model_validate({**route, "actor": principal.actor("curator").model_dump()})
            except ValidationError as exc:
                raise _invalid(exc, "route") from exc
            await check_decision(self.engine, "route", route)
        elif classification is not None:
            await asyncio.to_thread(check_classification, self.engine, classification)

    async def take(self, client: Client, principal: Principal, candidate_id: int, data: TakeIn) -> TakeOut:
        row, names = await asyncio.to_thread(self.load, candidate_id)
        if row.status == CandidateStatus.new.value:
            await self._check_decisions(principal, data)
            now = datetime.now(UTC)
            inp = await asyncio.to_thread(self._input, row, data, now)
            if await asyncio.to_thread(self.intake.closed_record, inp.workflow_id):
                raise Conflict(f"Сообщение {inp.workflow_id} по этой записи уже обработано и закрыто; отметьте "
                               "кандидата как не требующий реагирования", code="message_closed")
            if await asyncio.to_thread(self._claim, candidate_id, principal.person_id, inp.workflow_id, now):
                created = await self._start(client, inp, candidate_id, principal.person_id, release=True)
                return await self._finish(client, principal, candidate_id, inp.workflow_id, data, created)
            row, names = await asyncio.to_thread(self.load, candidate_id)  # someone decided it just now
        if row.status == CandidateStatus.taken.value and row.decided_by is not None \
                and await self._unstarted(client, row):
            # A take interrupted between the claim and the start (a crash, a timeout): the claimant's retry
            # completes it; anyone's take completes it once it is stale. Detected when it was claimed.
            mine = row.decided_by == principal.person_id
            if mine or _stale(row):
                if mine:
                    await self._check_decisions(principal, data)
                decided = row.decided_at if row.decided_at is None or row.decided_at.tzinfo \
                    else row.decided_at.replace(tzinfo=UTC)
                inp = await asyncio.to_thread(self._input, row, data if mine else TakeIn(), decided or datetime.now(UTC))
                created = await self._start(client, inp, candidate_id, row.decided_by or 0, release=False)
                log.warning("candidate %s: interrupted take by %s completed → %s", candidate_id, row.decided_by,
                            inp.workflow_id)
                if mine:
                    return await self._finish(client, principal, candidate_id, inp.workflow_id, data, created)
        raise Conflict(decided_text(row, names), code="candidate_decided")

    async def _start(self, client: Client, inp: MessageInput, candidate_id: int, person_id: int, *,
                     release: bool) -> bool:
        """Start the workflow; True when created now. A start that surely did not happen gives the candidate
        back to triage (``release``); one whose outcome is unknown (a timeout) keeps the claim: a retry of the
        take completes it."""
        try:
            _, created = await asyncio.wait_for(start_message(client, inp, self.intake.settings.task_queue),
                                                START_TIMEOUT)
            return created
        except Exception as exc:
            exists = await self._exists(client, inp.workflow_id)
            if exists:
                return True
            if release and exists is False:
                await asyncio.to_thread(self._release, candidate_id, person_id, inp.workflow_id)
            if isinstance(exc, TimeoutError):
                raise ServiceUnavailable("Temporal не подтвердил запуск вовремя; повторите запрос — второй процесс "
                                         "не будет создан", code="start_timeout", headers={"Retry-After": "5"}) from None
            raise

    async def _exists(self, client: Client, wid: str) -> bool | None:
        """Whether the workflow exists; None when Temporal cannot say now."""
        try:
            await asyncio.wait_for(client.get_workflow_handle(wid).describe(), DESCRIBE_TIMEOUT)
        except RPCError as exc:
            return False if exc.status == RPCStatusCode.NOT_FOUND else None
        except Exception:
            return None
        return True

    async def _unstarted(self, client: Client, row: Candidate) -> bool:
        if row.workflow_id is None or await asyncio.to_thread(self.intake.closed_record, row.workflow_id):
            return False
        return await self._exists(client, row.workflow_id) is False

    async def _finish(self, client: Client, principal: Principal, candidate_id: int, wid: str, data: TakeIn,
                      created: bool) -> TakeOut:
        log.info("candidate %s taken by %s → %s (%s)", candidate_id, principal.person_id, wid,
                 "new" if created else "existing")
        await self._decide(client, principal, wid, candidate_id, data)
        detail = await actions.detail(client, self.engine, principal, wid, query_timeout=actions.INTAKE_QUERY_TIMEOUT)
        row, names = await asyncio.to_thread(self.load, candidate_id)
        return TakeOut(candidate=candidate_out(row, names), created=created, message=detail)

    async def _decide(self, client: Client, principal: Principal, wid: str, candidate_id: int, data: TakeIn) -> None:
        key = f"candidate-{candidate_id}"  # a retried take never classifies or routes twice
        classification = data.classification.model_dump() if data.classification else None
        try:
            if data.route is not None:
                payload = RouteIn.model_validate({**data.route.model_dump(), "classification": classification})
                await actions.act(client, self.engine, principal, wid, "route", payload, key)
            elif classification is not None:
                await actions.act(client, self.engine, principal, wid, "classify",
                                  ClassifyIn.model_validate(classification), key)
        except Rejected as exc:
            raise Conflict(f"Кандидат взят в работу (сообщение {wid}), но действие не выполнено: {exc.message_ru}",
                           code="rejected") from exc

    def _claim(self, candidate_id: int, person_id: int, wid: str, now: datetime) -> bool:
        with Session(self.engine) as session:
            return claim_take(session, candidate_id, person_id, wid, now)

    def _release(self, candidate_id: int, person_id: int, wid: str) -> None:
        with Session(self.engine) as session:
            release_take(session, candidate_id, person_id, wid)

    # --- skip --------------------------------------------------------------------------------------

    def skip(self, principal: Principal, ids: list[int], reason: str, *, single: bool = False) -> list[int]:
        reason = reason.strip()
        if len(reason) < 3:
            raise Unprocessable("Укажите причину, по которой реагирование не требуется (не короче 3 символов)",
                                code="validation_error")
        with Session(self.engine) as session:
            outcome: SkipOutcome = skip(session, ids, reason, principal.person_id, datetime.now(UTC))
            if outcome.ok:
                return outcome.skipped
            if single and outcome.unknown:
                raise NotFound(f"Кандидат {ids[0]} не найден", code="candidate_not_found")
            names = person_names(session, [r.decided_by for r in outcome.decided])
        if single:
            raise Conflict(decided_text(outcome.decided[0], names), code="candidate_decided")
        parts = []
        if outcome.unknown:
            parts.append("не найдены: " + ", ".join(map(str, outcome.unknown)))
        if outcome.decided:
            parts.append("уже разобраны: " + "; ".join(decided_text(r, names).removeprefix("Кандидат ")
                                                        for r in outcome.decided))
        raise Conflict("Ни один кандидат не отмечен — " + "; ".join(parts), code="candidates_not_skippable")
