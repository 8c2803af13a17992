"""A message from an open source (the Regulation, P7–P17): what comes in, what people decide, what
the workflow shows and what it hands to its activities.

Pure pydantic. No clock reads: every time arrives as an argument (``detected_at`` is set by the
caller — a ``default_factory=datetime.now`` here would hang a workflow that builds the model).
Identifiers are English; everything a person reads is Russian.

The rules of who may do what in which state live here too (``check_action``), so the workflow's
update validators and the API speak the same language.
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from domain.sla import SlaPolicy, StepKey
from domain.worktime import CalendarSnapshot

# --- Vocabulary -------------------------------------------------------------------------------


class MessageState(StrEnum):
    new = "new"  # выявлено, ждёт маршрутизации (P7)
    assigned = "assigned"  # направлено в орган
    returned = "returned"  # возвращено куратору: орган не компетентен (P8)
    in_progress = "in_progress"  # принято исполнителем
    collecting = "collecting"  # совместный ответ: сбор информации от органов (P11)
    on_review = "on_review"  # проект ответа на согласовании у куратора (P9)
    rework = "rework"  # проект возвращён на доработку (P9)
    approved = "approved"  # согласовано, ждёт публикации (P9)
    awaiting_final = "awaiting_final"  # опубликован промежуточный ответ, ждём окончательный (P10)
    answered = "answered"  # окончательный ответ опубликован
    rejected_illegal = "rejected_illegal"  # противоправное содержание, уведомлены правоохранители (P14)
    dismissed = "dismissed"  # реакция не требуется


CLOSED_STATES = frozenset({MessageState.answered, MessageState.rejected_illegal, MessageState.dismissed})
OPEN_STATES = frozenset(set(MessageState) - CLOSED_STATES)

STATE_TITLES: dict[MessageState, str] = {
    MessageState.new: "новое",
    MessageState.assigned: "направлено в орган",
    MessageState.returned: "возвращено куратору",
    MessageState.in_progress: "в работе у исполнителя",
    MessageState.collecting: "сбор информации от органов",
    MessageState.on_review: "на согласовании",
    MessageState.rework: "на доработке",
    MessageState.approved: "согласовано, ждёт публикации",
    MessageState.awaiting_final: "ждёт окончательного ответа",
    MessageState.answered: "ответ опубликован",
    MessageState.rejected_illegal: "противоправное содержание",
    MessageState.dismissed: "реакция не требуется",
}


class Network(StrEnum):
    vk = "vk"
    ok = "ok"
    other = "other"


NETWORK_TITLES: dict[Network, str] = {Network.vk: "ВКонтакте", Network.ok: "Одноклассники", Network.other: "иная платформа"}


class Source(StrEnum):
    monitoring = "monitoring"  # лента мониторинга
    vk_callback = "vk_callback"  # Callback API ВКонтакте
    manual = "manual"  # внесено куратором вручную


SOURCE_TITLES: dict[Source, str] = {
    Source.monitoring: "мониторинг",
    Source.vk_callback: "уведомление ВКонтакте",
    Source.manual: "внесено куратором",
}


class Importance(StrEnum):
    ordinary = "ordinary"
    important = "important"
    urgent = "urgent"


IMPORTANCE_TITLES: dict[Importance, str] = {
    Importance.ordinary: "обычная",
    Importance.important: "важная",
    Importance.urgent: "срочная",
}

Role = Literal["curator", "executor", "responsible", "leadership", "admin", "system"]


class Actor(BaseModel):
    """Who acts: a person of the registry, their role in this action and their body (body code)."""

    person_id: int
    name: str = Field(min_length=1, max_length=200)
    role: Role
    body: str | None = Field(default=None, max_length=40)
    # A responsible official's reach: its body and the body's subordinate organisations (body codes).
    # It may re-route a message held within that tree to bodies of the same tree (P6, P15).
    scope: list[str] = Field(default_factory=list, max_length=500)


SYSTEM_ACTOR = Actor(person_id=0, name="Отклик (автоматически)", role="system")


class Author(BaseModel):
    id: str = Field(min_length=1, max_length=100)
    name: str = Field(default="", max_length=300)
    profile_url: str | None = Field(default=None, max_length=500)


class Attachment(BaseModel):
    """A reference to stored media (the workflow carries references, never the bytes)."""

    kind: Literal["photo", "video", "document", "link"] = "photo"
    url: str = Field(min_length=1, max_length=1000)
    title: str = Field(default="", max_length=300)


def _aware(v: datetime | None) -> datetime | None:
    if v is not None and v.utcoffset() is None:
        raise ValueError("время должно быть с часовым поясом")
    return v


class ClassificationFields(BaseModel):
    """P7: topic (or topic group), location and importance category — codes of the registry."""

    topic: str = Field(min_length=1, max_length=60)
    location: str = Field(min_length=1, max_length=40)
    importance: Importance = Importance.ordinary


class RepeatLink(BaseModel):
    """P12: the earlier message on the same issue and the bodies that answered it (the default route)."""

    workflow_id: str = Field(min_length=1, max_length=300)
    bodies: list[str] = Field(default_factory=list)
    classification: ClassificationFields | None = None
    # Registry names of ``bodies`` for the texts people read (code → «Минздрав РСО-Алания»).
    body_names: dict[str, str] = Field(default_factory=dict)


class MessageInput(BaseModel):
    """Everything the workflow needs, fixed at intake: the post, the calendar and the SLA policy."""

    network: Network
    external_id: str = Field(min_length=1, max_length=200, description="The message's id in the network")
    post_id: str | None = Field(default=None, max_length=100)
    comment_id: str | None = Field(default=None, max_length=100)
    url: str = Field(min_length=1, max_length=1000)
    author: Author
    text: str = Field(max_length=20000)
    attachments: list[Attachment] = Field(default_factory=list)
    posted_at: datetime | None = None
    detected_at: datetime = Field(description="Detection time (P7); set by the caller: intake time by default")
    source: Source = Source.monitoring
    raw_payload: str | None = Field(default=None, description="The payload exactly as received (P14 evidence)")
    classification: ClassificationFields | None = None
    repeat_of: RepeatLink | None = None
    calendar: CalendarSnapshot
    policy: SlaPolicy
    search_attributes: bool = True

    _aware_times = field_validator("posted_at", "detected_at")(_aware)

    @property
    def workflow_id(self) -> str:
        return message_workflow_id(self.network, self.external_id)

    def evidence(self) -> str:
        """The raw payload as received; for a source without one, the canonical JSON of the post."""
        if self.raw_payload:
            return self.raw_payload
        return self.model_dump_json(include={"network", "external_id", "post_id", "comment_id", "url", "author",
                                             "text", "attachments", "posted_at"})

    def evidence_sha256(self) -> str:
        return hashlib.sha256(self.evidence().encode("utf-8")).hexdigest()


_UNSAFE = re.compile(r"[^A-Za-z0-9_.:\-]")


def message_workflow_id(network: Network | str, external_id: str) -> str:
    """``msg-{network}-{external_id}``; characters outside ``[A-Za-z0-9_.:-]`` become ``_``.

    A sanitised id that lost characters, or a very long one, gets a short hash of the original so two
    different ids never collide.
    """
    net = Network(network).value
    safe = _UNSAFE.sub("_", external_id)
    if safe != external_id or len(safe) > 150:
        digest = hashlib.sha256(external_id.encode("utf-8")).hexdigest()[:12]
        safe = f"{safe[:150]}~{digest}"
    return f"msg-{net}-{safe}"


# --- Decisions: every update argument carries the actor ---------------------------------------


class Decision(BaseModel):
    actor: Actor


class Classification(ClassificationFields, Decision):
    """Update ``classify`` (P7)."""


class RouteOrder(StrEnum):
    parallel = "parallel"
    sequential = "sequential"


class Publisher(StrEnum):
    one = "one"  # the joint answer is published from one body's account
    each = "each"  # each body publishes its own part


class RouteDecision(Decision):
    """Update ``route`` (P7, P11): one or more bodies; for several, the order and who publishes.

    ``classification`` may come with the route (classify and route in one action).
    """

    bodies: list[str] = Field(min_length=1, max_length=20)
    order: RouteOrder = RouteOrder.parallel
    publisher: Publisher = Publisher.one
    publishing_body: str | None = None
    classification: ClassificationFields | None = None
    comment: str = Field(default="", max_length=2000)
    # Registry names of the bodies, filled by the API, for the texts people read; codes stay the keys.
    body_names: dict[str, str] = Field(default_factory=dict, max_length=40)

    @model_validator(mode="after")
    def _consistent(self) -> RouteDecision:
        if len(set(self.bodies)) != len(self.bodies):
            raise ValueError("орган указан дважды")
        if any(not b.strip() for b in self.bodies):
            raise ValueError("пустой код органа")
        if self.publishing_body is None:
            self.publishing_body = self.bodies[0]
        elif self.publishing_body not in self.bodies:
            raise ValueError("публикующий орган должен быть среди исполнителей")
        return self


class Reroute(RouteDecision):
    """Update ``reroute``: the curator changes the bodies of a routed message (drafts are superseded)."""

    reason: str = Field(min_length=3, max_length=2000)


class Acceptance(Decision):
    """Update ``accept``: the executor takes the message into work."""

    comment: str = Field(default="", max_length=2000)


class ReturnToCurator(Decision):
    """Update ``return_to_curator`` (P8): not competent; the reason is mandatory."""

    reason: str = Field(min_length=3, max_length=2000)


class DraftKind(StrEnum):
    final = "final"
    intermediate = "intermediate"
    clarification = "clarification"  # уточняющий вопрос автору (P7), согласуется с куратором
    contribution = "contribution"  # часть информации для совместного ответа (P11)


DRAFT_KIND_TITLES: dict[DraftKind, str] = {
    DraftKind.final: "окончательный ответ",
    DraftKind.intermediate: "промежуточный ответ",
    DraftKind.clarification: "уточняющий вопрос",
    DraftKind.contribution: "информация для совместного ответа",
}


class DraftSubmission(Decision):
    """Update ``submit_draft`` (P9–P13)."""

    kind: DraftKind
    text: str = Field(min_length=1, max_length=10000)
    attachments: list[Attachment] = Field(default_factory=list)
    promised_date: date | None = Field(default=None, description="Intermediate answer: the date of the final one (P10)")
    measures_taken: str | None = Field(default=None, max_length=5000, description="Repeat message: what was done (P12)")

    @model_validator(mode="after")
    def _promised_only_for_intermediate(self) -> DraftSubmission:
        if self.promised_date is not None and self.kind not in (DraftKind.intermediate, DraftKind.clarification):
            raise ValueError("срок окончательного ответа указывается только в промежуточном ответе или в запросе "
                             "уточнения у автора")
        return self


class ChecklistItem(StrEnum):
    """P7 (and P13) requirements to an answer: what the curator ticks or names when returning."""

    complete = "complete"
    informal = "informal"
    concise = "concise"
    solution = "solution"
    network_format = "network_format"


CHECKLIST_TITLES: dict[ChecklistItem, str] = {
    ChecklistItem.complete: "ответ полный",
    ChecklistItem.informal: "неформальный, «живой» язык",
    ChecklistItem.concise: "кратко, только факты",
    ChecklistItem.solution: "показано решение или сроки решения",
    ChecklistItem.network_format: "соответствует формату соцсети, с фото/видео при наличии (п. 13)",
}


class Approval(Decision):
    """Update ``approve`` (P7 checklist, P9). For a joint answer, ``text`` is the answer the curator composed."""

    complete: bool
    informal: bool
    concise: bool
    solution: bool
    network_format: bool
    text: str | None = Field(default=None, max_length=10000)
    comment: str = Field(default="", max_length=2000)

    def unticked(self) -> list[ChecklistItem]:
        return [item for item in ChecklistItem if not getattr(self, item.value)]


class DraftReturn(Decision):
    """Update ``return_draft`` (P9): reasons from the checklist and/or free text.

    ``body``: for a joint answer, whose contribution goes back (required then).
    """

    reasons: list[ChecklistItem] = Field(default_factory=list)
    comment: str = Field(default="", max_length=2000)
    body: str | None = None

    @model_validator(mode="after")
    def _some_reason(self) -> DraftReturn:
        if not self.reasons and not self.comment.strip():
            raise ValueError("укажите причины возврата")
        return self


class PublicationConfirmation(Decision):
    """Update ``confirm_published`` (P9): the link to the published answer and when it went out."""

    url: str = Field(min_length=8, max_length=1000)
    published_at: datetime | None = None

    _aware_times = field_validator("published_at")(_aware)


class IllegalGround(StrEnum):
    harm = "harm"  # намерение причинить вред
    obscene = "obscene"  # нецензурная, оскорбительная лексика
    threat = "threat"  # угрозы должностному лицу или его семье
    illegal = "illegal"  # иное противоправное содержание


ILLEGAL_GROUND_TITLES: dict[IllegalGround, str] = {
    IllegalGround.harm: "намерение причинить вред",
    IllegalGround.obscene: "нецензурные либо оскорбительные выражения",
    IllegalGround.threat: "угрозы жизни, здоровью и имуществу должностного лица и членов его семьи",
    IllegalGround.illegal: "противоправное содержание",
}


class IllegalFlag(Decision):
    """Update ``flag_illegal`` (P14): not processed, not answered; a written notice to law enforcement."""

    reason: str = Field(min_length=3, max_length=2000)
    agency: str = Field(min_length=2, max_length=300, description="The law-enforcement agency notified")
    ground: IllegalGround = IllegalGround.illegal


class Dismissal(Decision):
    """Update ``dismiss``: no reaction needed."""

    reason: str = Field(min_length=3, max_length=2000)


class SignificanceMark(Decision):
    """Update ``mark_significant`` (P17): leadership is told at once."""

    reason: str = Field(min_length=3, max_length=2000)


class AuthorReplied(BaseModel):
    """Signal ``author_replied``: a fact from the network, deduplicated by ``event_id``."""

    event_id: str = Field(min_length=1, max_length=200)
    text: str = Field(default="", max_length=20000)
    at: datetime

    _aware_times = field_validator("at")(_aware)


# --- Who may do what, where ---------------------------------------------------------------------

CURATOR: frozenset[str] = frozenset({"curator"})
BODY_STAFF: frozenset[str] = frozenset({"executor", "responsible"})

ACTION_TITLES: dict[str, str] = {
    "classify": "классифицировать сообщение",
    "route": "направить сообщение в орган",
    "accept": "принять сообщение в работу",
    "return_to_curator": "вернуть сообщение куратору",
    "submit_draft": "направить проект ответа",
    "approve": "согласовать ответ",
    "return_draft": "вернуть проект на доработку",
    "confirm_published": "подтвердить публикацию",
    "flag_illegal": "отметить противоправное содержание",
    "dismiss": "закрыть без реакции",
    "mark_significant": "отметить как общественно значимое",
    "reroute": "перенаправить сообщение",
}

ACTION_STATES: dict[str, frozenset[MessageState]] = {
    "classify": OPEN_STATES,
    "route": frozenset({MessageState.new, MessageState.returned}),
    "accept": frozenset({MessageState.assigned, MessageState.collecting}),
    "return_to_curator": frozenset({MessageState.assigned, MessageState.in_progress, MessageState.collecting}),
    "submit_draft": frozenset({MessageState.in_progress, MessageState.rework, MessageState.awaiting_final,
                               MessageState.collecting}),
    "approve": frozenset({MessageState.on_review}),
    "return_draft": frozenset({MessageState.on_review}),
    "confirm_published": frozenset({MessageState.approved}),
    "flag_illegal": OPEN_STATES,
    # Also from ``approved``: the post may be deleted before the answer goes out (nothing left to answer).
    "dismiss": OPEN_STATES,
    "mark_significant": OPEN_STATES,
    "reroute": frozenset({MessageState.returned, MessageState.assigned, MessageState.in_progress,
                          MessageState.collecting, MessageState.on_review, MessageState.rework}),
}

ACTION_ROLES: dict[str, frozenset[str]] = {
    "classify": CURATOR,
    "route": CURATOR,
    "accept": BODY_STAFF,
    "return_to_curator": BODY_STAFF,
    "submit_draft": BODY_STAFF,
    "approve": CURATOR,
    "return_draft": CURATOR,
    "confirm_published": BODY_STAFF,
    "flag_illegal": CURATOR,
    "dismiss": CURATOR,
    "mark_significant": CURATOR,
    "reroute": CURATOR | {"responsible"},
}

ROLE_TITLES: dict[str, str] = {
    "curator": "куратор ЦУР",
    "executor": "исполнитель органа",
    "responsible": "ответственное должностное лицо органа",
    "leadership": "руководство",
    "admin": "администратор",
    "integration": "система мониторинга (интеграция)",
    "system": "система",
}


class ActionRejected(ValueError):
    """An action the state, the role or the body does not allow; the message is Russian, for the person."""


def check_action(action: str, state: MessageState, actor: Actor) -> None:
    """Raise ``ActionRejected`` unless ``actor`` may perform ``action`` in ``state`` (body checks are the caller's)."""
    if state in CLOSED_STATES:
        raise ActionRejected(f"Работа с сообщением завершена ({STATE_TITLES[state]}): нельзя {ACTION_TITLES[action]}.")
    if state not in ACTION_STATES[action]:
        raise ActionRejected(
            f"Нельзя {ACTION_TITLES[action]}: сообщение в состоянии «{STATE_TITLES[state]}»."
        )
    roles = ACTION_ROLES[action]
    if actor.role not in roles:
        who = " или ".join(ROLE_TITLES[r] for r in sorted(roles))
        raise ActionRejected(
            f"{ACTION_TITLES[action].capitalize()} может только {who}, а не {ROLE_TITLES[actor.role]}."
        )
    if roles == BODY_STAFF and not actor.body:
        raise ActionRejected("Не указан орган исполнителя.")


# --- What the workflow shows -----------------------------------------------------------------


class BodyStatus(StrEnum):
    waiting = "waiting"  # sequential order: not its turn yet
    assigned = "assigned"
    accepted = "accepted"
    contributed = "contributed"
    returned = "returned"  # not competent (P8)
    published = "published"
    removed = "removed"  # re-routed away


class BodyView(BaseModel):
    code: str
    status: BodyStatus
    received_at: datetime | None = None
    accepted_at: datetime | None = None
    contributed_at: datetime | None = None
    published_at: datetime | None = None
    published_url: str | None = None
    return_reason: str | None = None


class DraftStatus(StrEnum):
    on_review = "on_review"
    returned = "returned"
    approved = "approved"
    published = "published"
    superseded = "superseded"


class DraftView(BaseModel):
    id: str
    version: int
    kind: DraftKind
    body: str | None
    text: str
    attachments: list[Attachment] = Field(default_factory=list)
    promised_date: date | None = None
    measures_taken: str | None = None
    status: DraftStatus
    submitted_at: datetime
    submitted_by: Actor
    reviewed_at: datetime | None = None
    reviewed_by: Actor | None = None
    return_reasons: list[ChecklistItem] = Field(default_factory=list)
    return_comment: str | None = None
    published_at: datetime | None = None
    published_url: str | None = None


class DeadlineStatus(StrEnum):
    open = "open"
    closed = "closed"
    cancelled = "cancelled"  # the step no longer applies (re-routed, closed, illegal)


class DeadlineView(BaseModel):
    """One running or finished clock. ``met``: closed by its due (None while open or cancelled);
    ``breached``: the due passed before the step was done (recorded when it happened).
    Working minutes are counted by the message's calendar as of ``MessageView.as_of``.
    """

    id: str
    step: StepKey
    title: str
    rule: str
    body: str | None = None
    window: bool = False  # a right with a time limit (P8), not an obligation: no timer breach
    opened_at: datetime
    due: datetime
    closed_at: datetime | None = None
    status: DeadlineStatus = DeadlineStatus.open
    met: bool | None = None
    breached: bool = False
    remaining_minutes: int | None = None
    used_minutes: int | None = None
    overrun_minutes: int | None = None
    escalated_to: list[str] = Field(default_factory=list)


class Breach(BaseModel):
    deadline_id: str
    step: StepKey
    title: str
    body: str | None = None
    due: datetime
    recorded_at: datetime
    actual: datetime | None = None  # when the step was finally done
    overrun_minutes: int = 0  # working minutes past due (until actual, or as of the view)


class Outcome(StrEnum):
    answered = "answered"
    rejected_illegal = "rejected_illegal"
    dismissed = "dismissed"


class RouteView(BaseModel):
    order: RouteOrder
    publisher: Publisher
    publishing_body: str | None
    routed_at: datetime
    routed_by: Actor


class MessageView(BaseModel):
    """The ``view`` query: everything a person needs to see about a message now."""

    workflow_id: str
    network: Network
    external_id: str
    url: str
    author: Author
    text: str
    source: Source
    posted_at: datetime | None
    detected_at: datetime
    state: MessageState
    state_title: str
    classification: ClassificationFields | None = None
    route: RouteView | None = None
    bodies: list[BodyView] = Field(default_factory=list)
    drafts: list[DraftView] = Field(default_factory=list)
    deadlines: list[DeadlineView] = Field(default_factory=list)
    breaches: list[Breach] = Field(default_factory=list)
    next_deadline: datetime | None = None
    answer_due: datetime | None = None
    events_count: int = 0
    significant: bool = False
    significance_reason: str | None = None
    repeat_of: str | None = None
    author_replies: int = 0
    answer_url: str | None = None
    outcome: Outcome | None = None
    outcome_reason: str | None = None
    closed_at: datetime | None = None
    as_of: datetime

    @property
    def breached(self) -> bool:
        return bool(self.breaches)

    def deadline(self, step: StepKey, body: str | None = None) -> DeadlineView:
        """The latest clock of ``step`` (for ``body``, when given)."""
        found = [d for d in self.deadlines if d.step == step and (body is None or d.body == body)]
        if not found:
            raise KeyError(f"no deadline {step} for {body}")
        return found[-1]

    def body(self, code: str) -> BodyView:
        return next(b for b in self.bodies if b.code == code)


class StepSummary(BaseModel):
    step: StepKey
    body: str | None
    opened_at: datetime
    due: datetime
    closed_at: datetime | None
    met: bool | None
    used_minutes: int | None
    overrun_minutes: int | None


class MessageSummary(BaseModel):
    """The workflow's result."""

    workflow_id: str
    outcome: Outcome
    detected_at: datetime
    closed_at: datetime
    answer_url: str | None = None
    steps: list[StepSummary] = Field(default_factory=list)
    breaches: list[Breach] = Field(default_factory=list)
    events_count: int = 0
    significant: bool = False


# --- What the workflow hands to its activities -----------------------------------------------


class EventRecord(BaseModel):
    """One transition; the read model keeps one row per (workflow_id, seq)."""

    seq: int
    at: datetime
    kind: str
    state: MessageState
    actor: Actor | None = None
    body: str | None = None
    text: str
    data: dict[str, Any] = Field(default_factory=dict)


#: Who a notification is for: the escalation audiences of the SLA policy plus the everyday ones
#: (a body's executors, the ЦУР curators). ``body`` names the body for the ``body_*`` audiences.
Audience = Literal["body_responsible", "body_executors", "tsur_duty", "tsur_head", "tsur_curators", "leadership"]


class Notification(BaseModel):
    """An outbox entry. ``key`` is unique: a retried activity never sends twice."""

    key: str
    workflow_id: str
    audience: Audience
    body: str | None = None
    subject: str
    text: str
    created_at: datetime


class NotificationBatch(BaseModel):
    notifications: list[Notification]


class MessageProjection(BaseModel):
    """The read model of one message after a transition: the row, the new events, drafts, deadlines."""

    view: MessageView
    topic: str | None = None
    location: str | None = None
    importance: Importance | None = None
    post_id: str | None = None
    comment_id: str | None = None
    events: list[EventRecord] = Field(default_factory=list)


class PoliceNoticeRequest(BaseModel):
    """P14: what the written notice to law enforcement is made of."""

    workflow_id: str
    message: MessageInput
    flag: IllegalFlag
    flagged_at: datetime
    state_before: MessageState


class PoliceNoticeResult(BaseModel):
    notice_id: int
    number: str
    sha256: str


class PublishRequest(BaseModel):
    workflow_id: str
    network: Network
    body: str
    draft_id: str
    text: str
    attachments: list[Attachment] = Field(default_factory=list)
    reply_to_url: str


class PublishResult(BaseModel):
    """``manual``: the body has no account connected for automatic publication; ``not_connected``: it has
    one flagged ``auto_publish``, but Otklik has no network integration yet. In both cases nothing was
    published, and the workflow waits for the executor's ``confirm_published``. ``published``: the answer
    was posted through the network's API and read back (``url``, ``published_at``, ``verified``).
    """

    status: Literal["manual", "not_connected", "published"]
    detail: str
    # ``published`` (activities.networks.publish): the answer is in the network, read back from it.
    url: str | None = None
    published_at: datetime | None = Field(default=None, description="The network's own time of the comment")
    verified: bool = False
