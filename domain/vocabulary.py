"""The vocabulary of a message from an open source (the Regulation, P7–P17): states, networks, actors,
and what comes in (``MessageInput``).

Pure pydantic. No clock reads: every time arrives as an argument (``detected_at`` is set by the
caller — a ``default_factory=datetime.now`` here would hang a workflow that builds the model).
Identifiers are English; everything a person reads is Russian.

Decisions people take are in ``domain.decisions``, the action table in ``domain.actions``, what the
workflow shows in ``domain.views``; the names are re-exported here for the callers that read them all.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from domain.sla import SlaPolicy
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
    not_processed = "not_processed"  # не подлежит обработке и ответу (P14: брань, оскорбления, угрозы)
    rejected_illegal = "rejected_illegal"  # противоправное содержание, уведомлены правоохранители (P14)
    dismissed = "dismissed"  # реакция не требуется


CLOSED_STATES = frozenset({MessageState.answered, MessageState.not_processed, MessageState.rejected_illegal,
                           MessageState.dismissed})
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
    MessageState.not_processed: "не подлежит обработке и ответу",
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

Role = Literal["curator", "executor", "responsible", "leadership", "admin", "operator", "system"]


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


def check_http_url(v: str | None) -> str | None:
    """Only ``http(s)`` links enter (no ``javascript:``, ``data:``, ``file:``)."""
    if v is None:
        return v
    low = v.strip().lower()
    if not (low.startswith("https://") or low.startswith("http://")) or len(low) < 10 or any(c.isspace() for c in v.strip()):
        raise ValueError("ссылка должна начинаться с http:// или https:// и не содержать пробелов")
    return v.strip()


class Attachment(BaseModel):
    """A reference to stored media (the workflow carries references, never the bytes)."""

    kind: Literal["photo", "video", "document", "link"] = "photo"
    url: str = Field(min_length=1, max_length=1000)
    title: str = Field(default="", max_length=300)

    _http = field_validator("url")(check_http_url)


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
    """P12: a likely earlier message on the same issue, found at intake, and every body that answered it
    (all bodies of a joint answer) — the route suggested to the curator."""

    workflow_id: str = Field(min_length=1, max_length=300)
    bodies: list[str] = Field(default_factory=list, max_length=20)
    classification: ClassificationFields | None = None
    # Why it is a likely repeat: the same post or thread, or the same author, topic and location.
    reason: Literal["same_thread", "same_author_topic", "curator"] = "curator"
    # Registry names of ``bodies`` for the texts people read (code → «Минздрав РСО-Алания»).
    body_names: dict[str, str] = Field(default_factory=dict, max_length=40)


class MessageInput(BaseModel):
    """Everything the workflow needs, fixed at intake: the post, the calendar and the SLA policy."""

    network: Network
    external_id: str = Field(min_length=1, max_length=200, description="The message's id in the network")
    post_id: str | None = Field(default=None, max_length=100)
    comment_id: str | None = Field(default=None, max_length=100)
    url: str = Field(min_length=1, max_length=1000)
    author: Author
    text: str = Field(max_length=20000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)
    posted_at: datetime | None = None
    detected_at: datetime = Field(description="Identification time (P7, P9): when a curator took it")
    source: Source = Source.monitoring
    raw_payload: str | None = Field(default=None, max_length=100_000,
                                    description="The payload exactly as received (P14 evidence)")
    classification: ClassificationFields | None = None
    repeat_of: RepeatLink | None = None
    calendar: CalendarSnapshot
    policy: SlaPolicy
    search_attributes: bool = True
    # Continue-as-new: the state of the run before (``workflows.message.record.MessageRecord`` as JSON data).
    carry: dict[str, Any] | None = None
    # A run continues as new once its history passes this many events (a long life stays bounded).
    history_event_limit: int = Field(default=2000, ge=50, le=40000)

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
