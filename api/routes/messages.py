"""Messages: intake, lists and timelines from the read model, the live view, and one endpoint per decision.

Every decision is one Workflow Update and returns the new view. A refusal by the workflow's validator is
409 with its reason in Russian; a wrong role or body 403; malformed input 422; an unknown message 404;
Temporal unreachable 503.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response, status
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client

from api import actions
from api.auth import Principal, current_principal, list_scope, require_intake
from api.candidate_schemas import CandidateReceipt
from api.deps import get_engine, get_session, get_temporal
from api.errors import Conflict, Forbidden, error_responses
from api.intake import Intake
from api.queries import MessageFilters, events, list_messages
from api.schemas import (
    CODE_PATTERN,
    WORKFLOW_ID_PATTERN,
    AcceptIn,
    ApproveIn,
    ClassifyIn,
    DismissIn,
    DraftIn,
    DraftReturnIn,
    EventItem,
    IllegalIn,
    MessageDetail,
    MessageIntake,
    MessagePage,
    NotProcessedIn,
    PublishedIn,
    PublisherIn,
    RerouteIn,
    ReturnIn,
    RouteIn,
    SignificantIn,
)
from domain.bounds import DATETIME_QUERY, NO_NUL, QueryDatetime
from domain.messages import Importance, MessageState, MessageView, Network

router = APIRouter(prefix="/api/v1/messages", tags=["сообщения"], responses=error_responses(401, 403, 422, 503))

MessageId = Annotated[str, Path(description="id сообщения (id его workflow: msg-{сеть}-{id в сети})",
                                max_length=300, pattern=WORKFLOW_ID_PATTERN)]
DraftRef = Annotated[str, Path(description="Номер проекта: d1, d2… (или 1, 2…)", pattern=r"^d?[0-9]{1,6}$")]


def get_intake(request: Request) -> Intake:
    return request.app.state.intake


# --- intake, list, detail, timeline -------------------------------------------------------------------


@router.post("", response_model=MessageDetail | CandidateReceipt, status_code=status.HTTP_201_CREATED,
             summary="Принять сообщение (ручной ввод куратором) или запись ленты мониторинга",
             description="Куратор: сообщение выявлено им (п. 7) — процесс обработки запускается сразу; повторный "
             "приём того же сообщения (та же сеть и тот же id) не создаёт второй процесс: ответ 200 с "
             "существующим сообщением; если обработчик не ответил за 3 с, view = null (live = false). "
             "Лента мониторинга (роль integration): запись становится кандидатом для разбора куратором — "
             "без процесса и без сроков; ответ — только id кандидата и новый ли он (201 — новый, 200 — уже "
             "поступал). Поля source, detected_at, classification, repeat_of ленте не доступны (422).",
             responses={200: {"model": MessageDetail | CandidateReceipt,
                              "description": "Сообщение или кандидат уже были приняты"},
                        **error_responses(409)})
async def intake_message(
    data: MessageIntake,
    request: Request,
    response: Response,
    principal: Principal = Depends(require_intake),
    intake: Intake = Depends(get_intake),
    engine: Engine = Depends(get_engine),
) -> MessageDetail | CandidateReceipt:
    if not principal.has("curator"):  # a feed: a candidate, not a message (P7)
        raw = (await request.body()).decode("utf-8", errors="replace")
        candidate_id, created = await asyncio.to_thread(intake.feed, data, raw)
        if not created:
            response.status_code = status.HTTP_200_OK
        return CandidateReceipt(candidate_id=candidate_id, created=created)
    client = await get_temporal(request)
    workflow_id, created = await intake.submit(client, data)
    if not created:
        response.status_code = status.HTTP_200_OK
    await asyncio.to_thread(intake.link_manual, data, workflow_id, principal.person_id)
    found = await actions.detail(client, engine, principal, workflow_id, query_timeout=actions.INTAKE_QUERY_TIMEOUT,
                                 check_read=False)
    if not created:
        known = found.view.text if found.view is not None else found.record.text if found.record is not None else None
        # (a text removed by retention is "": nothing to compare)
        if known and known.strip() != data.text.strip():
            raise Conflict(f"Сообщение {data.network.value}/{data.external_id} уже принято (id {workflow_id}) с другим "
                           f"текстом; откройте его: GET /api/v1/messages/{workflow_id}", code="message_exists")
    return found


@router.get("", response_model=MessagePage, summary="Список сообщений (модель чтения)",
            description="Исполнитель видит сообщения своего органа, ответственное лицо — своего органа и "
            "подведомственных организаций, куратор и руководство — все. По умолчанию — по ближайшему сроку.")
def list_all(
    state: list[MessageState] = Query(default_factory=list, description="Состояния (можно несколько)"),
    body: str | None = Query(None, max_length=40, pattern=CODE_PATTERN, description="Код органа"),
    topic: str | None = Query(None, max_length=60, pattern=CODE_PATTERN, description="Код темы"),
    location: str | None = Query(None, max_length=40, pattern=CODE_PATTERN, description="Код территории"),
    importance: Importance | None = Query(None, description="Категория важности"),
    network: Network | None = Query(None, description="Соцсеть"),
    breached: bool | None = Query(None, description="Есть нарушенные сроки"),
    significant: bool | None = Query(None, description="Общественно значимое (п. 17)"),
    due_before: QueryDatetime | None = Query(None, json_schema_extra=DATETIME_QUERY, description="Ближайший срок не позже"),
    repeat: bool | None = Query(None, description="Повторное сообщение (п. 12)"),
    held_by_retired: bool | None = Query(None, description="Открытое сообщение у упразднённого органа: "
                                         "перенаправить правопреемнику"),
    q: str | None = Query(None, min_length=1, max_length=200, pattern=NO_NUL, description="Поиск по тексту"),
    sort: Literal["deadline", "newest"] = Query("deadline", description="deadline — ближайший срок; newest — новые"),
    page: int = Query(1, ge=1, le=100000),
    per_page: int = Query(50, ge=1, le=200),
    principal: Principal = Depends(current_principal),
    session: Session = Depends(get_session),
) -> MessagePage:
    scope = list_scope(principal)
    if body is not None and scope is not None and body not in scope:
        raise Forbidden(f"Нет доступа к сообщениям органа «{body}»", code="body_forbidden")
    filters = MessageFilters(state=tuple(s.value for s in state), body=body, topic=topic, location=location,
                             importance=importance.value if importance else None,
                             network=network.value if network else None, breached=breached,
                             significant=significant, due_before=due_before, repeat=repeat, q=q, sort=sort,
                             held_by_retired=held_by_retired,
                             page=page, per_page=per_page)
    return list_messages(session, filters, scope)


@router.get("/{message_id}", response_model=MessageDetail, summary="Сообщение: модель чтения и текущее состояние",
            responses=error_responses(404))
async def get_message(message_id: MessageId, principal: Principal = Depends(current_principal),
                      client: Client = Depends(get_temporal), engine: Engine = Depends(get_engine)) -> MessageDetail:
    return await actions.detail(client, engine, principal, message_id)


def _events(engine: Engine, message_id: str) -> list[EventItem]:
    with Session(engine) as session:
        return events(session, message_id)


@router.get("/{message_id}/events", response_model=list[EventItem], summary="Хронология: каждое действие и кто его "
            "совершил", responses=error_responses(404))
async def get_events(message_id: MessageId, principal: Principal = Depends(current_principal),
                     client: Client = Depends(get_temporal), engine: Engine = Depends(get_engine)) -> list[EventItem]:
    await actions.readable(client, engine, principal, message_id)
    return await asyncio.to_thread(_events, engine, message_id)


# --- decisions: one Workflow Update each ------------------------------------------------------------

ACTION_RESPONSES: dict[int | str, dict[str, Any]] = error_responses(404, 409)


@dataclass(frozen=True)
class Acting:
    """Who acts, through which client, with which idempotency key."""

    principal: Principal
    client: Client
    engine: Engine
    idempotency_key: str | None

    async def __call__(self, message_id: str, action: str, data: BaseModel, draft: str | None = None) -> MessageView:
        return await actions.act(self.client, self.engine, self.principal, message_id, action, data,
                                 self.idempotency_key, draft=draft)


async def acting(
    idempotency_key: Annotated[str | None, Header(
        alias="Idempotency-Key", min_length=1, max_length=200, pattern=actions.IDEMPOTENCY_KEY.pattern,
        description="Ключ идемпотентности (1–200 печатных символов ASCII без пробелов): повтор запроса с тем же "
        "ключом и тем же телом вернёт первый результат, действие не выполнится дважды; тот же ключ с другим "
        "телом — 422")] = None,
    principal: Principal = Depends(current_principal),
    client: Client = Depends(get_temporal),
    engine: Engine = Depends(get_engine),
) -> Acting:
    return Acting(principal, client, engine, idempotency_key)


def _action(path: str, summary: str, description: str = "") -> Any:
    return router.post(path, response_model=MessageView, summary=summary, description=description,
                       responses=ACTION_RESPONSES)


@_action("/{message_id}/classify", "Классифицировать: тема, территория, важность (куратор, п. 7)")
async def classify(message_id: MessageId, data: ClassifyIn, act: Acting = Depends(acting)) -> MessageView:  # type: ignore[valid-type]
    return await act(message_id, "classify", data)


@_action("/{message_id}/route", "Направить в орган(ы) (куратор, п. 7, 11)",
         "Несколько органов — совместный ответ: порядок (parallel / sequential) и кто публикует.")
async def route(message_id: MessageId, data: RouteIn, act: Acting = Depends(acting)) -> MessageView:  # type: ignore[valid-type]
    return await act(message_id, "route", data)


@_action("/{message_id}/accept", "Принять в работу (исполнитель органа)")
async def accept(message_id: MessageId, data: AcceptIn, act: Acting = Depends(acting)) -> MessageView:  # type: ignore[valid-type]
    return await act(message_id, "accept", data)


@_action("/{message_id}/return", "Вернуть куратору: вопрос не в компетенции органа (исполнитель, п. 8)")
async def return_to_curator(message_id: MessageId, data: ReturnIn, act: Acting = Depends(acting)) -> MessageView:  # type: ignore[valid-type]
    return await act(message_id, "return_to_curator", data)


@_action("/{message_id}/drafts", "Направить проект ответа на согласование (исполнитель, п. 9–13)")
async def submit_draft(message_id: MessageId, data: DraftIn, act: Acting = Depends(acting)) -> MessageView:  # type: ignore[valid-type]
    return await act(message_id, "submit_draft", data)


@_action("/{message_id}/drafts/{draft}/approve", "Согласовать проект (куратор, п. 7, 9)")
async def approve(message_id: MessageId, draft: DraftRef, data: ApproveIn,  # type: ignore[valid-type]
                  act: Acting = Depends(acting)) -> MessageView:
    return await act(message_id, "approve", data, draft)


@_action("/{message_id}/drafts/{draft}/return", "Вернуть проект на доработку (куратор, п. 9)")
async def return_draft(message_id: MessageId, draft: DraftRef, data: DraftReturnIn,  # type: ignore[valid-type]
                       act: Acting = Depends(acting)) -> MessageView:
    return await act(message_id, "return_draft", data, draft)


@_action("/{message_id}/drafts/{draft}/published", "Подтвердить публикацию ответа ссылкой (исполнитель, п. 9)")
async def confirm_published(message_id: MessageId, draft: DraftRef, data: PublishedIn,  # type: ignore[valid-type]
                            act: Acting = Depends(acting)) -> MessageView:
    return await act(message_id, "confirm_published", data, draft)


@_action("/{message_id}/illegal", "Противоправное содержание: не отвечать, уведомить правоохранительные "
         "органы (куратор, п. 14)")
async def flag_illegal(message_id: MessageId, data: IllegalIn, act: Acting = Depends(acting)) -> MessageView:  # type: ignore[valid-type]
    return await act(message_id, "flag_illegal", data)


@_action("/{message_id}/not-processed", "Не подлежит обработке и ответу: нецензурные, оскорбительные выражения, "
         "угрозы (куратор, п. 14); уведомление правоохранительных органов не требуется")
async def mark_not_processed(message_id: MessageId, data: NotProcessedIn,  # type: ignore[valid-type]
                             act: Acting = Depends(acting)) -> MessageView:
    return await act(message_id, "mark_not_processed", data)


@_action("/{message_id}/publisher", "Поручить публикацию согласованного ответа другому органу (куратор, п. 9)")
async def change_publisher(message_id: MessageId, data: PublisherIn,  # type: ignore[valid-type]
                           act: Acting = Depends(acting)) -> MessageView:
    return await act(message_id, "change_publisher", data)


@_action("/{message_id}/dismiss", "Закрыть: реакция не требуется (куратор)")
async def dismiss(message_id: MessageId, data: DismissIn, act: Acting = Depends(acting)) -> MessageView:  # type: ignore[valid-type]
    return await act(message_id, "dismiss", data)


@_action("/{message_id}/significant", "Отметить как общественно значимое: руководство уведомляется сразу "
         "(куратор, п. 17)")
async def mark_significant(message_id: MessageId, data: SignificantIn, act: Acting = Depends(acting)) -> MessageView:  # type: ignore[valid-type]
    return await act(message_id, "mark_significant", data)


@_action("/{message_id}/reroute", "Перенаправить в другой орган (куратор; причина обязательна)")
async def reroute(message_id: MessageId, data: RerouteIn, act: Acting = Depends(acting)) -> MessageView:  # type: ignore[valid-type]
    return await act(message_id, "reroute", data)
