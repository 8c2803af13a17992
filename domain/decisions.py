"""What people decide about a message: one typed argument per Workflow Update, each carrying its actor.

Bounds are part of the contract: every text, list and date has a limit here, so a value an update
validator lets through can never fail a workflow task later (history budget, issue 8 item 6).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from domain.vocabulary import Actor, Attachment, ClassificationFields, _aware, check_http_url

MAX_DRAFT_TEXT = 10000
MAX_ATTACHMENTS = 20


def _not_blank(v: str) -> str:
    if not v.strip():
        raise ValueError("текст не может состоять из одних пробелов")
    return v

class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

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
    text: str = Field(min_length=1, max_length=MAX_DRAFT_TEXT)
    attachments: list[Attachment] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
    promised_date: date | None = Field(default=None, description="Intermediate answer: the date of the final one (P10)")
    measures_taken: str | None = Field(default=None, max_length=5000, description="Repeat message: what was done (P12)")

    _text = field_validator("text")(_not_blank)

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
    """Update ``approve`` (P7 checklist, P9).

    For a joint answer published by one body, ``text`` is the answer the curator composed from the parts
    (P11); ``kind`` makes it an intermediate joint answer (with ``promised_date``, P10) when more time is
    needed; ``attachments`` are the curator's own, added to the parts' photos (P13).
    """

    complete: bool
    informal: bool
    concise: bool
    solution: bool
    network_format: bool
    text: str | None = Field(default=None, max_length=MAX_DRAFT_TEXT)
    kind: Literal["final", "intermediate"] = "final"
    promised_date: date | None = None
    attachments: list[Attachment] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
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
    published_at: datetime | None = Field(default=None, description="When it went out; ≥ approval, ≤ now")

    _aware_times = field_validator("published_at")(_aware)
    _http = field_validator("url")(check_http_url)


class PublicationRecord(BaseModel):
    """What ``publish_answer`` / ``verify_publication`` established: the link and the network's own time."""

    body: str = Field(min_length=1, max_length=40)
    url: str = Field(min_length=8, max_length=1000)
    published_at: datetime
    verified: bool = True
    draft_ids: list[str] = Field(default_factory=list, max_length=40)


class PublisherChange(Decision):
    """Update ``change_publisher`` (P9, P11): an approved answer goes out from another body's account."""

    body: str = Field(min_length=1, max_length=40)
    reason: str = Field(min_length=3, max_length=2000)
    body_names: dict[str, str] = Field(default_factory=dict, max_length=40)


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


class NotProcessedMark(Decision):
    """Update ``mark_not_processed`` (P14, first sentence): obscene, insulting or threatening content —
    «не подлежит обработке и ответу». Closed, no answer, no notice required."""

    reason: str = Field(min_length=3, max_length=2000)
    ground: IllegalGround = IllegalGround.obscene


class IllegalFlag(Decision):
    """Update ``flag_illegal`` (P14, second sentence): illegal content — closed, not answered, and a written
    notice to the competent law-enforcement body with the materials."""

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
    model_config = ConfigDict(extra="forbid")

    """Signal ``author_replied``: a fact from the network, deduplicated by ``event_id``."""

    event_id: str = Field(min_length=1, max_length=200)
    text: str = Field(default="", max_length=5000)
    at: datetime

    _aware_times = field_validator("at")(_aware)


