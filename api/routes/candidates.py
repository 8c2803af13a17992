"""Candidates (P7): what the feeds brought in, for a Curator's triage — the list, one candidate, take, skip.

Only curators triage. Taking a candidate starts the MessageWorkflow (identified now; the P7 and P9 clocks
start then); skipping records the reason. A candidate is decided once: a second take or skip is 409 naming
who decided it and when.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, status
from sqlmodel import Session
from temporalio.client import Client

from api.auth import Principal, require_curator
from api.candidate_schemas import (
    BulkSkipIn,
    BulkSkipOut,
    CandidateDetail,
    CandidateOut,
    CandidatePage,
    SkipIn,
    TakeIn,
    TakeOut,
    candidate_out,
)
from api.deps import get_session, get_temporal
from api.errors import Unprocessable, error_responses
from api.triage import Triage
from domain.bounds import DATETIME_QUERY, NO_NUL, QueryDatetime
from domain.candidates import CandidateSource, CandidateStatus
from domain.messages import Network
from models.candidate_queries import CandidateFilters, list_candidates, person_names

router = APIRouter(prefix="/api/v1/candidates", tags=["кандидаты"], responses=error_responses(401, 403, 422, 503))

CandidateId = Annotated[int, Path(description="id кандидата", ge=1, le=2**53)]  # exact as a JSON number (float)


def get_triage(request: Request) -> Triage:
    return Triage(request.app.state.intake)


@router.get("", response_model=CandidatePage, summary="Кандидаты для разбора (куратор, п. 7)",
            description="Записи из лент (уведомления ВКонтакте, мониторинг, лента интеграции), ещё не ставшие "
            "сообщениями. Сроков Положения у кандидата нет. По умолчанию — сначала новые поступления.")
def list_all(
    candidate_status: list[CandidateStatus] = Query(default_factory=list, alias="status",
                                                    description="new — ждёт разбора; taken; skipped"),
    network: Network | None = Query(None, description="Соцсеть"),
    source: list[CandidateSource] = Query(default_factory=list, description="Откуда поступил"),
    community: str | None = Query(None, min_length=1, max_length=100, pattern=NO_NUL, description="id сообщества в сети"),
    q: str | None = Query(None, min_length=1, max_length=200, pattern=NO_NUL, description="Поиск по тексту и имени автора"),
    arrived_from: QueryDatetime | None = Query(None, json_schema_extra=DATETIME_QUERY, description="Поступил не раньше"),
    arrived_to: QueryDatetime | None = Query(None, json_schema_extra=DATETIME_QUERY, description="Поступил раньше"),
    sort: Literal["newest", "oldest"] = Query("newest", description="newest — новые первыми; oldest — старые"),
    page: int = Query(1, ge=1, le=100000),
    per_page: int = Query(50, ge=1, le=200),
    principal: Principal = Depends(require_curator),
    session: Session = Depends(get_session),
) -> CandidatePage:
    if arrived_from is not None and arrived_to is not None and arrived_from >= arrived_to:
        raise Unprocessable("Начало периода (arrived_from) должно быть раньше его конца (arrived_to)",
                            code="validation_error")
    f = CandidateFilters(status=tuple(s.value for s in candidate_status), network=network.value if network else None,
                         source=tuple(s.value for s in source), community=community, q=q, arrived_from=arrived_from,
                         arrived_to=arrived_to, sort=sort, page=page, per_page=per_page)
    rows, total = list_candidates(session, f)
    names = person_names(session, [r.decided_by for r in rows])
    return CandidatePage(items=[candidate_out(r, names) for r in rows], total=total, page=page, per_page=per_page)


@router.get("/{candidate_id}", response_model=CandidateDetail, summary="Кандидат: запись и данные как получены",
            responses=error_responses(404))
def get_one(candidate_id: CandidateId, principal: Principal = Depends(require_curator),
            triage: Triage = Depends(get_triage)) -> CandidateOut:
    row, names = triage.load(candidate_id)
    return candidate_out(row, names, detail=True)


@router.post("/{candidate_id}/take", response_model=TakeOut, status_code=status.HTTP_201_CREATED,
             summary="Взять в работу: сообщение требует реагирования (куратор, п. 7)",
             description="Запускает процесс обработки сообщения: время выявления — сейчас (сроки п. 7 и п. 9 "
             "отсчитываются от него). Можно сразу классифицировать (classification) и направить (route). "
             "Кандидат, уже взятый или отклонённый, — 409 с тем, кто и когда его разобрал.",
             responses=error_responses(404, 409))
async def take(candidate_id: CandidateId, data: TakeIn, principal: Principal = Depends(require_curator),
               client: Client = Depends(get_temporal), triage: Triage = Depends(get_triage)) -> TakeOut:
    return await triage.take(client, principal, candidate_id, data)


@router.post("/skip", response_model=BulkSkipOut, summary="Не требуют реагирования: несколько кандидатов сразу",
             description="Все или ни одного: если какой-то id не найден или кандидат уже разобран, не отмечается "
             "ни один (409 с их перечнем).", responses=error_responses(409))
def skip_many(data: BulkSkipIn, principal: Principal = Depends(require_curator),
              triage: Triage = Depends(get_triage)) -> BulkSkipOut:
    return BulkSkipOut(skipped=triage.skip(principal, data.ids, data.reason))


@router.post("/{candidate_id}/skip", response_model=CandidateOut, summary="Не требует реагирования (куратор)",
             responses=error_responses(404, 409))
def skip_one(candidate_id: CandidateId, data: SkipIn, principal: Principal = Depends(require_curator),
             triage: Triage = Depends(get_triage)) -> CandidateOut:
    triage.skip(principal, [candidate_id], data.reason, single=True)
    row, names = triage.load(candidate_id)
    return candidate_out(row, names)
