"""Request and response bodies of the candidates API (triage, P7) and of a feed's intake."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas import WORKFLOW_ID_PATTERN, ClassificationIn, MessageDetail, StrictModel, text
from domain.candidates import (
    CANDIDATE_SOURCE_TITLES,
    CANDIDATE_STATUS_TITLES,
    CandidateSource,
    CandidateStatus,
)
from domain.messages import Publisher, RouteOrder
from models.candidates import Candidate

BODY_CODE = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_\-]+$", min_length=1, max_length=40)]
MAX_BULK = 500


class CandidateReceipt(BaseModel):
    """Ответ ленте мониторинга: только id кандидата и новый ли он."""

    candidate_id: int
    created: bool = Field(description="true — кандидат новый; false — эта запись уже поступала")


class CandidateOut(BaseModel):
    """Кандидат: запись из ленты, ещё не признанная (или уже признанная) сообщением, требующим реагирования."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    network: str
    external_id: str
    kind: str
    source: str
    source_title: str
    url: str
    post_id: str | None
    comment_id: str | None
    community_id: str | None
    author_id: str
    author_name: str
    author_url: str | None
    text: str
    attachments: list[dict[str, Any]]
    posted_at: datetime | None
    arrived_at: datetime
    suggested_topic: str | None
    suggested_location: str | None
    suggested_body: str | None
    marks: list[str]
    status: str
    status_title: str
    skip_reason: str | None
    decided_by: int | None
    decided_by_name: str | None = Field(description="Кто разобрал кандидата (null — ещё никто или система)")
    decided_at: datetime | None
    workflow_id: str | None = Field(description="Сообщение, начатое при взятии в работу")
    triage_reminded_at: datetime | None


class CandidateDetail(CandidateOut):
    raw_payload: str | None = Field(description="Данные в том виде, в котором они получены (п. 14)")


class CandidatePage(BaseModel):
    items: list[CandidateOut]
    total: int = Field(description="Сколько кандидатов подходит под фильтры")
    page: int
    per_page: int


def candidate_out(row: Candidate, names: dict[int, str], *, detail: bool = False) -> CandidateOut:
    data = row.model_dump(exclude={"raw_payload"} if not detail else set())
    try:
        source_title = CANDIDATE_SOURCE_TITLES[CandidateSource(row.source)]
    except ValueError:
        source_title = row.source
    try:
        status_title = CANDIDATE_STATUS_TITLES[CandidateStatus(row.status)]
    except ValueError:
        status_title = row.status
    extra = {"source_title": source_title, "status_title": status_title,
             "decided_by_name": names.get(row.decided_by) if row.decided_by is not None else None}
    model = CandidateDetail if detail else CandidateOut
    return model(**data, **extra)


class TakeRouteIn(StrictModel):
    """Направить сразу (п. 7, 11): органы, порядок и кто публикует."""

    bodies: list[BODY_CODE] = Field(min_length=1, max_length=20)
    order: RouteOrder = RouteOrder.parallel
    publisher: Publisher = Publisher.one
    publishing_body: BODY_CODE | None = None
    comment: text(2000) = ""  # type: ignore[valid-type]


class TakeIn(StrictModel):
    """Взять в работу: сообщение выявлено сейчас (п. 7); можно сразу классифицировать и направить."""

    classification: ClassificationIn | None = Field(default=None, description="Тематика, территория, важность")
    route: TakeRouteIn | None = Field(default=None, description="Направить в орган(ы); нужна классификация")
    repeat_of: Annotated[str, StringConstraints(max_length=300, pattern=WORKFLOW_ID_PATTERN)] | None = Field(
        default=None, description="Повторное сообщение (п. 12): id более раннего сообщения")


class TakeOut(BaseModel):
    candidate: CandidateOut
    created: bool = Field(description="Процесс обработки запущен сейчас (false — он уже был)")
    message: MessageDetail


class SkipIn(StrictModel):
    """Не требует реагирования: причина обязательна."""

    reason: text(2000, 3)  # type: ignore[valid-type]


class BulkSkipIn(SkipIn):
    ids: list[Annotated[int, Field(ge=1, le=2**53)]] = Field(min_length=1, max_length=MAX_BULK)


class BulkSkipOut(BaseModel):
    skipped: list[int]
