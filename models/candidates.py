"""Candidates table: every feed item once (``network`` + ``external_id``), with its triage decision.

``record_candidate`` is the one entry point for every source (VK callback, polling, an integration's
POST): it inserts a new row or finds the existing one, never overwriting a decision already taken.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from domain.candidates import CandidateIn, CandidateStatus
from models.registry import utcnow

log = logging.getLogger(__name__)


class Candidate(SQLModel, table=True):
    __tablename__ = "candidate"
    __table_args__ = (
        UniqueConstraint("network", "external_id", name="uq_candidate_network_external_id"),
        Index("ix_candidate_status_arrived", "status", "arrived_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    network: str = Field(max_length=20)
    external_id: str = Field(max_length=200)
    kind: str = Field(max_length=20)
    source: str = Field(max_length=20)
    url: str = Field(max_length=1000)
    post_id: str | None = Field(default=None, max_length=100)
    comment_id: str | None = Field(default=None, max_length=100)
    community_id: str | None = Field(default=None, max_length=100, index=True)
    author_id: str = Field(max_length=100)
    author_name: str = Field(default="", max_length=300)
    author_url: str | None = Field(default=None, max_length=500)
    text: str = Field(default="", sa_type=Text)
    attachments: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    posted_at: datetime | None = None
    arrived_at: datetime = Field(default_factory=utcnow, index=True)
    raw_payload: str | None = Field(default=None, sa_type=Text)
    # Screening (domain.suggest): the suggested classification and P14 marks, for the curator to confirm.
    suggested_topic: str | None = Field(default=None, max_length=60)
    suggested_location: str | None = Field(default=None, max_length=40)
    suggested_body: str | None = Field(default=None, max_length=40)
    marks: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # Triage.
    status: str = Field(default=CandidateStatus.new.value, max_length=20)
    skip_reason: str | None = Field(default=None, sa_type=Text)
    decided_by: int | None = None
    decided_at: datetime | None = None
    workflow_id: str | None = Field(default=None, max_length=300, index=True)
    triage_reminded_at: datetime | None = None


def record_candidate(session: Session, cand: CandidateIn) -> tuple[Candidate, bool]:
    """Insert ``cand`` or return the row already there; ``True`` when it is new. Commits."""
    existing = session.exec(select(Candidate).where(Candidate.network == cand.network.value,
                                                    Candidate.external_id == cand.external_id)).first()
    if existing is not None:
        return existing, False
    row = Candidate(
        network=cand.network.value, external_id=cand.external_id, kind=cand.kind.value, source=cand.source.value,
        url=cand.url, post_id=cand.post_id, comment_id=cand.comment_id, community_id=cand.community_id,
        author_id=cand.author.id, author_name=cand.author.name, author_url=cand.author.profile_url,
        text=cand.text, attachments=[a.model_dump() for a in cand.attachments], posted_at=cand.posted_at,
        raw_payload=cand.raw_payload,
    )
    session.add(row)
    try:
        session.commit()
    except IntegrityError:  # a concurrent source recorded it first
        session.rollback()
        found = session.exec(select(Candidate).where(Candidate.network == cand.network.value,
                                                     Candidate.external_id == cand.external_id)).one()
        return found, False
    session.refresh(row)
    screen(session, row)
    return row, True


def screen(session: Session, row: Candidate) -> None:
    """Fill the suggestion for triage (topic, district, body, P14 marks). A failure here never loses the
    candidate: it stays, unscreened, and is logged."""
    from models.screening import apply_screening  # screening reads the registry and this table

    try:
        apply_screening(session, row)
    except Exception:
        session.rollback()
        log.exception("screening of candidate %s failed", row.id)
