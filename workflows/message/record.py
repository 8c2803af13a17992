"""The whole mutable state of one message's workflow, as one model: what continue-as-new carries."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.messages import (
        BodyView,
        Breach,
        ClassificationFields,
        DeadlineView,
        DraftView,
        MessageState,
        Outcome,
        PublicationRecord,
        RouteView,
    )


class MessageRecord(BaseModel):
    state: MessageState = MessageState.new
    classification: ClassificationFields | None = None
    route: RouteView | None = None
    joint: bool = False
    publishing: dict[str, list[str]] = Field(default_factory=dict)  # body -> approved drafts it publishes
    bodies: list[BodyView] = Field(default_factory=list)
    drafts: list[DraftView] = Field(default_factory=list)
    deadlines: list[DeadlineView] = Field(default_factory=list)
    rungs_fired: dict[str, int] = Field(default_factory=dict)
    breaches: list[Breach] = Field(default_factory=list)
    events_count: int = 0
    significant: bool = False
    significance_reason: str | None = None
    replies_seen: list[str] = Field(default_factory=list)
    outcome: Outcome | None = None
    outcome_reason: str | None = None
    closed_at: datetime | None = None
    answer_url: str | None = None
    body_names: dict[str, str] = Field(default_factory=dict)
    dismissed_after_routing: bool = False
    suggested_bodies: list[str] = Field(default_factory=list)
    # Publications the network's API has to confirm before a breach may be withdrawn (P9, issue 8 item 5).
    verifications: list[PublicationRecord] = Field(default_factory=list)
    runs: int = 1  # how many runs this message has had (continue-as-new)

    def for_next_run(self) -> MessageRecord:
        """The state to carry, bounded: texts of drafts nobody will act on again stay in the read model."""
        carried = self.model_copy(deep=True)
        for d in carried.drafts:
            if d.status.value in ("returned", "superseded"):
                d.text = ""
        carried.runs += 1
        return carried
