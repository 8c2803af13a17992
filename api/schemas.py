"""Request and response bodies of the HTTP API that the registry's own schemas don't cover.

Requests reuse ``models/registry.py``'s Create/Update schemas and tighten them for the wire: unknown
fields are refused, codes must match ``[a-z0-9_-]``, every string has the length of its column and
may not carry a NUL character (PostgreSQL refuses those). Responses add the natural keys (codes)
next to the database ids, so a client never has to resolve an id by hand.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
    model_validator,
)
from sqlmodel import SQLModel

from domain.bounds import HTTP_URL, NO_NUL, NO_SPACE, BoundedDatetime
from domain.messages import (
    Acceptance,
    Approval,
    Attachment,
    Author,
    Classification,
    ClassificationFields,
    Dismissal,
    DraftReturn,
    DraftSubmission,
    IllegalFlag,
    MessageView,
    NotProcessedMark,
    PublicationConfirmation,
    PublisherChange,
    Reroute,
    ReturnToCurator,
    RouteDecision,
    SignificanceMark,
)
from domain.messages import Network as MessageNetwork
from models.registry import (
    BodyCreate,
    BodyKind,
    BodyPublic,
    BodyUpdate,
    LocationCreate,
    LocationPublic,
    LocationUpdate,
    PersonCreate,
    PersonPublic,
    PersonUpdate,
    Role,
    RoutingRuleCreate,
    RoutingRulePublic,
    RoutingRuleUpdate,
    TopicCreate,
    TopicGroupBase,
    TopicGroupPublic,
    TopicPublic,
    TopicUpdate,
)

CODE_PATTERN = r"^[a-z0-9_\-]+$"


def code(max_length: int = 40) -> Any:
    return Annotated[str, StringConstraints(pattern=CODE_PATTERN, min_length=1, max_length=max_length)]


Code40 = code(40)
Code60 = code(60)


def text(max_length: int, min_length: int = 0) -> Any:
    return Annotated[str, StringConstraints(max_length=max_length, min_length=min_length, pattern=NO_NUL)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class Strict:
    """Mixin for request bodies: refuse unknown fields and NUL characters anywhere."""

    model_config: ClassVar[Any] = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError("строка содержит недопустимый символ NUL (\\u0000)")
        if isinstance(data, dict):  # JSON booleans only: "false" or 0 is not a yes/no answer
            for name, f in cls.model_fields.items():  # type: ignore[attr-defined]
                if f.annotation in (bool, bool | None) and name in data and data[name] is not None \
                        and not isinstance(data[name], bool):
                    raise ValueError(f"{name}: ожидается true или false")
        return data


# --- bodies -----------------------------------------------------------------------------------------


class BodyIn(Strict, BodyCreate):
    code: Code40  # type: ignore[valid-type]
    name: text(400, 3)  # type: ignore[valid-type]
    short_name: text(120) = ""  # type: ignore[valid-type]
    head_name: text(200) = ""  # type: ignore[valid-type]
    head_position: text(300) = ""  # type: ignore[valid-type]
    responsible_name: text(200) = ""  # type: ignore[valid-type]
    responsible_position: text(300) = ""  # type: ignore[valid-type]
    site_url: text(300) = ""  # type: ignore[valid-type]
    portfolio: text(200) = ""  # type: ignore[valid-type]
    parent_code: Code40 | None = None  # type: ignore[valid-type]


class BodyPatch(Strict, BodyUpdate):
    name: text(400, 3) | None = None  # type: ignore[valid-type]
    short_name: text(120) | None = None  # type: ignore[valid-type]
    kind: BodyKind | None = None
    head_name: text(200) | None = None  # type: ignore[valid-type]
    head_position: text(300) | None = None  # type: ignore[valid-type]
    responsible_name: text(200) | None = None  # type: ignore[valid-type]
    responsible_position: text(300) | None = None  # type: ignore[valid-type]
    site_url: text(300) | None = None  # type: ignore[valid-type]
    portfolio: text(200) | None = None  # type: ignore[valid-type]
    parent_code: Code40 | None = Field(default=None, description="null — снять вышестоящий орган")  # type: ignore[valid-type]


class BodyOut(BodyPublic):
    parent_code: str | None = None


# --- people -----------------------------------------------------------------------------------------


class PersonIn(Strict, PersonCreate):
    full_name: text(200, 2)  # type: ignore[valid-type]
    position: text(300) = ""  # type: ignore[valid-type]
    email: text(200) = ""  # type: ignore[valid-type]
    roles: list[Role] = Field(min_length=1, max_length=5)
    body_code: Code40 | None = None  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _staff_need_a_body(self) -> PersonIn:
        if {Role.executor, Role.responsible} & set(self.roles) and not self.body_code:
            raise ValueError("для ролей executor и responsible нужен орган (body_code)")
        return self


class PersonPatch(Strict, PersonUpdate):
    full_name: text(200, 2) | None = None  # type: ignore[valid-type]
    position: text(300) | None = None  # type: ignore[valid-type]
    email: text(200) | None = None  # type: ignore[valid-type]
    roles: list[Role] | None = Field(default=None, min_length=1, max_length=5)
    body_code: Code40 | None = Field(default=None, description="null — открепить от органа")  # type: ignore[valid-type]


class PersonOut(PersonPublic):
    body_code: str | None = None


# --- topics and locations -------------------------------------------------------------------------


class TopicGroupIn(Strict, TopicGroupBase):
    code: Code40  # type: ignore[valid-type]
    name: text(200, 2)  # type: ignore[valid-type]


class TopicGroupPatch(Strict, SQLModel):
    name: text(200, 2) | None = None  # type: ignore[valid-type]


class TopicGroupOut(TopicGroupPublic):
    """Группа тем."""


class TopicIn(Strict, TopicCreate):
    code: Code60  # type: ignore[valid-type]
    name: text(200, 2)  # type: ignore[valid-type]
    group_code: Code40  # type: ignore[valid-type]


class TopicPatch(Strict, TopicUpdate):
    name: text(200, 2) | None = None  # type: ignore[valid-type]
    group_code: Code40 | None = None  # type: ignore[valid-type]


class TopicOut(TopicPublic):
    group_code: str


LocationKind = Literal["city", "district", "republic"]


class LocationIn(Strict, LocationCreate):
    code: Code40  # type: ignore[valid-type]
    name: text(200, 2)  # type: ignore[valid-type]
    kind: LocationKind = "district"


class LocationPatch(Strict, LocationUpdate):
    name: text(200, 2) | None = None  # type: ignore[valid-type]
    kind: LocationKind | None = None


class LocationOut(LocationPublic):
    """Территория."""


# --- routing ----------------------------------------------------------------------------------------


class RoutingRuleIn(Strict, RoutingRuleCreate):
    topic_code: Code60  # type: ignore[valid-type]
    location_code: Code40 | None = None  # type: ignore[valid-type]
    body_code: Code40  # type: ignore[valid-type]


class RoutingRulePatch(Strict, RoutingRuleUpdate):
    body_code: Code40 | None = None  # type: ignore[valid-type]


class RoutingRuleOut(RoutingRulePublic):
    topic_code: str
    location_code: str | None
    body_code: str


class RouteSuggestion(SQLModel):
    """A competent body for a topic (and location), best first."""

    body_code: str
    body_name: str
    priority: int
    rule_id: int
    by_location: bool = Field(description="Правило для этой территории (а не общее для темы)")


# --- messages ---------------------------------------------------------------------------------------

WORKFLOW_ID_PATTERN = r"^msg-[a-z]+-[A-Za-z0-9_.:~\-]+$"


class AuthorIn(Strict, Author):
    """Автор сообщения в соцсети."""

    profile_url: Annotated[str, StringConstraints(min_length=10, max_length=500, pattern=HTTP_URL)] | None = None


class AttachmentIn(Strict, Attachment):
    url: Annotated[str, StringConstraints(min_length=8, max_length=1000, pattern=HTTP_URL)]


class ClassificationIn(Strict, ClassificationFields):
    topic: Code60  # type: ignore[valid-type]
    location: Code40  # type: ignore[valid-type]


class MessageIntake(Strict, BaseModel):
    """Сообщение из открытого источника: лента мониторинга или ручной ввод куратором."""

    network: MessageNetwork = Field(description="Соцсеть: vk, ok, other")
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=NO_SPACE)] = Field(
        description="id сообщения в соцсети. ВКонтакте: wall{owner}_{post} (запись), "
        "wall{owner}_{post}_reply{comment} (комментарий), topic{owner}_{topic}_post{comment} (обсуждение)")
    post_id: text(100) | None = None  # type: ignore[valid-type]
    comment_id: text(100) | None = None  # type: ignore[valid-type]
    url: Annotated[str, StringConstraints(min_length=8, max_length=1000, pattern=HTTP_URL)]
    author: AuthorIn
    text: text(20000)  # type: ignore[valid-type]
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=50)
    posted_at: BoundedDatetime | None = Field(default=None, description="Время публикации в соцсети "
                                              "(2000–2100 гг., не в будущем)")
    detected_at: BoundedDatetime | None = Field(
        default=None, description="Время выявления (п. 7). По умолчанию — момент приёма; куратор может "
        "указать более раннее, но не будущее")
    source: Literal["monitoring", "manual"] = "manual"
    classification: ClassificationIn | None = Field(default=None, description="Тематика, территория, важность")
    repeat_of: Annotated[str, StringConstraints(max_length=300, pattern=WORKFLOW_ID_PATTERN)] | None = Field(
        default=None, description="Повторное сообщение (п. 12): id более раннего сообщения")


class MessageItem(BaseModel):
    """Строка списка сообщений (модель чтения)."""

    model_config = ConfigDict(from_attributes=True)

    workflow_id: str
    network: str
    external_id: str
    url: str
    author_id: str
    author_name: str
    author_url: str | None
    text: str
    source: str
    state: str
    state_title: str
    topic: str | None
    location: str | None
    importance: str | None
    bodies: list[str]
    publishing_body: str | None
    posted_at: datetime | None
    detected_at: datetime
    next_deadline: datetime | None
    answer_due: datetime | None
    breached: bool
    breaches_count: int
    held_by: str | None = Field(default=None, description="У кого сообщение сейчас: код органа или tsur (п. 15)")
    significant: bool
    repeat_of: str | None
    outcome: str | None
    outcome_reason: str | None
    answer_url: str | None
    closed_at: datetime | None
    events_count: int
    updated_at: datetime


class MessagePage(BaseModel):
    items: list[MessageItem]
    total: int = Field(description="Сколько сообщений подходит под фильтры")
    page: int
    per_page: int


class MessageDetail(BaseModel):
    """Сообщение: запись модели чтения и текущее состояние процесса (запрос ``view`` к workflow)."""

    workflow_id: str
    record: MessageItem | None = Field(description="Модель чтения (может отставать на доли секунды)")
    view: MessageView | None = Field(description="Текущее состояние процесса; null — Temporal не ответил")
    live: bool = Field(description="view получен от workflow сейчас")


class EventItem(BaseModel):
    """A line of the timeline: a transition (``seq``), or a notification's delivery (``kind: delivery``, no seq)."""

    model_config = ConfigDict(from_attributes=True)

    seq: int | None
    at: datetime
    kind: str
    state: str
    actor_id: int | None
    actor_name: str | None
    actor_role: str | None
    actor_body: str | None
    body: str | None
    text: str
    data: dict[str, Any]


# Action bodies: the decision without ``actor`` (the API fills it from the token).


class StrictModel(Strict, BaseModel):
    """Тело действия: неизвестные поля отклоняются."""


def _action_model(decision: type[BaseModel], name: str, doc: str) -> type[BaseModel]:
    fields: dict[str, Any] = {k: (f.annotation, f) for k, f in decision.model_fields.items() if k != "actor"}
    return create_model(name, __base__=StrictModel, __doc__=doc, **fields)


ClassifyIn = _action_model(Classification, "ClassifyIn", "Тематика, территория и категория важности (п. 7)")
RouteIn = _action_model(RouteDecision, "RouteIn", "Направить в орган(ы) (п. 7, 11)")
RerouteIn = _action_model(Reroute, "RerouteIn", "Перенаправить (причина обязательна)")
AcceptIn = _action_model(Acceptance, "AcceptIn", "Принять в работу")
ReturnIn = _action_model(ReturnToCurator, "ReturnIn", "Вернуть куратору: не наша компетенция (п. 8)")
DraftIn = _action_model(DraftSubmission, "DraftIn", "Проект ответа (п. 9–13)")
ApproveIn = _action_model(Approval, "ApproveIn", "Согласовать: требования п. 7 к ответу")
DraftReturnIn = _action_model(DraftReturn, "DraftReturnIn", "Вернуть проект на доработку (п. 9)")
PublishedIn = _action_model(PublicationConfirmation, "PublishedIn", "Ответ опубликован: ссылка и время (п. 9)")
IllegalIn = _action_model(IllegalFlag, "IllegalIn", "Противоправное содержание: письменное уведомление (п. 14)")
NotProcessedIn = _action_model(NotProcessedMark, "NotProcessedIn",
                               "Не подлежит обработке и ответу: брань, оскорбления, угрозы (п. 14)")
PublisherIn = _action_model(PublisherChange, "PublisherIn", "Поручить публикацию согласованного ответа другому органу")
DismissIn = _action_model(Dismissal, "DismissIn", "Реакция не требуется")
SignificantIn = _action_model(SignificanceMark, "SignificantIn", "Общественно значимое сообщение (п. 17)")
