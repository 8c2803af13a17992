"""What MessageWorkflow shows (the ``view`` query, small update results) and hands to its activities.

Pure pydantic; identifiers English, texts people read Russian.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from domain.decisions import ChecklistItem, DraftKind, IllegalFlag, Publisher, RouteOrder
from domain.notifications import NotificationEvent
from domain.sla import StepKey
from domain.vocabulary import (
    Actor,
    Attachment,
    Author,
    ClassificationFields,
    Importance,
    MessageInput,
    MessageState,
    Network,
    Source,
)


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
    warning: bool = False  # a warning clock (P9 intermediate): passing it notifies, never breaches
    warned: bool = False  # the warning was given
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
    # Who held the message when the due passed: a body code, or ``"tsur"`` (P15: blame follows the holder).
    held_by: str
    cause: str | None = None  # e.g. "no_intermediate": the 4-hour mark passed without an intermediate draft
    due: datetime
    recorded_at: datetime
    actual: datetime | None = None  # when the step was finally done
    # A publication confirmed by hand with an earlier, unverified time: kept as declared, the breach stays.
    declared_at: datetime | None = None
    overrun_minutes: int = 0  # working minutes past due (until actual, or as of the view)


class Outcome(StrEnum):
    answered = "answered"
    not_processed = "not_processed"
    rejected_illegal = "rejected_illegal"
    dismissed = "dismissed"


class RouteView(BaseModel):
    bodies: list[str] = Field(default_factory=list)  # the route as decided (codes, in its order)
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
    repeat_reason: str | None = None
    suggested_bodies: list[str] = Field(default_factory=list)  # P12: every body that answered before
    held_by: str | None = None  # a body code, "tsur", or None when closed
    dismissed_after_routing: bool = False
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


class ActionResult(BaseModel):
    """What an update returns: small, so history grows with what happened, not with the view's size.
    The caller reads the view by query."""

    workflow_id: str
    state: MessageState
    version: int  # events so far: grows with every transition
    changed: list[str] = Field(default_factory=list)  # event kinds this action produced


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


class MessageRow(BaseModel):
    """The read model's message row: the flat part of the view, without drafts' texts."""

    workflow_id: str
    network: Network
    external_id: str
    post_id: str | None = None
    comment_id: str | None = None
    url: str
    author: Author
    text: str
    source: Source
    state: MessageState
    topic: str | None = None
    location: str | None = None
    importance: Importance | None = None
    bodies: list[str] = Field(default_factory=list)
    route_order: RouteOrder | None = None
    publisher: Publisher | None = None
    publishing_body: str | None = None
    posted_at: datetime | None = None
    detected_at: datetime
    next_deadline: datetime | None = None
    answer_due: datetime | None = None
    breaches_count: int = 0
    held_by: str | None = None
    significant: bool = False
    repeat_of: str | None = None
    outcome: Outcome | None = None
    outcome_reason: str | None = None
    dismissed_after_routing: bool = False
    answer_url: str | None = None
    closed_at: datetime | None = None
    events_count: int = 0


class MessageProjection(BaseModel):
    """The read model after a wake: the row, all bodies (small), and only the drafts, deadlines and breaches
    that changed, and the new events."""

    row: MessageRow
    bodies: list[BodyView] = Field(default_factory=list)
    drafts: list[DraftView] = Field(default_factory=list)
    deadlines: list[DeadlineView] = Field(default_factory=list)
    breaches: list[Breach] = Field(default_factory=list)
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
    post_id: str | None = None
    comment_id: str | None = None


class PublishResult(BaseModel):
    """``published``: the answer was posted through the network's API and read back (``url``, the network's own
    ``published_at``, ``verified``). ``manual``: the body has no account connected for automatic publication (or
    the network refused for good, ``detail`` says why); ``not_connected``: an account flagged ``auto_publish``
    without a working token. In those, the workflow waits for the executor's ``confirm_published``.
    """

    status: Literal["manual", "not_connected", "published"]
    detail: str = ""
    url: str | None = None
    published_at: datetime | None = Field(default=None, description="The network's own time of the comment")
    verified: bool = False
    refused: bool = False  # ``manual`` because the network refused for good (comments closed, no rights)


class TransitionOutputs(BaseModel):
    """One wake's writes in one local activity (one history marker): the read model and the notifications."""

    projection: MessageProjection | None = None
    notifications: list[NotificationEvent] = Field(default_factory=list)
