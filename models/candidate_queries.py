"""SQL over the candidates: the triage list, the one-decision-only transitions (take, skip) and the rows
the triage reminder looks for. Every transition is one conditional UPDATE (``WHERE status = 'new'``), so
two curators deciding at once leave exactly one decision, on PostgreSQL and SQLite alike."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from domain.candidates import CandidateStatus
from models.candidates import Candidate
from models.registry import Person

NEW = CandidateStatus.new.value


@dataclass(frozen=True)
class CandidateFilters:
    status: tuple[str, ...] = ()
    network: str | None = None
    source: tuple[str, ...] = ()
    community: str | None = None
    q: str | None = None
    arrived_from: datetime | None = None
    arrived_to: datetime | None = None
    sort: Literal["newest", "oldest"] = "newest"
    page: int = 1
    per_page: int = 50


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_candidates(session: Session, f: CandidateFilters) -> tuple[list[Candidate], int]:
    """Filtered, sorted by arrival (newest first by default), paginated; (rows, total)."""
    query = select(Candidate)
    if f.status:
        query = query.where(col(Candidate.status).in_(f.status))
    if f.network is not None:
        query = query.where(Candidate.network == f.network)
    if f.source:
        query = query.where(col(Candidate.source).in_(f.source))
    if f.community is not None:
        query = query.where(Candidate.community_id == f.community)
    if f.q:
        pattern = _like(f.q)
        query = query.where(col(Candidate.text).ilike(pattern, escape="\\")
                            | col(Candidate.author_name).ilike(pattern, escape="\\"))
    if f.arrived_from is not None:
        query = query.where(col(Candidate.arrived_at) >= f.arrived_from)
    if f.arrived_to is not None:
        query = query.where(col(Candidate.arrived_at) < f.arrived_to)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    if f.sort == "oldest":
        query = query.order_by(col(Candidate.arrived_at).asc(), col(Candidate.id).asc())
    else:
        query = query.order_by(col(Candidate.arrived_at).desc(), col(Candidate.id).desc())
    rows = session.exec(query.offset((f.page - 1) * f.per_page).limit(f.per_page)).all()
    return list(rows), total


def person_names(session: Session, ids: Sequence[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    rows = session.exec(select(Person.id, Person.full_name).where(col(Person.id).in_(wanted))).all()
    return {pid: name for pid, name in rows if pid is not None}


def claim_take(session: Session, candidate_id: int, person_id: int, workflow_id: str, now: datetime) -> bool:
    """Mark a new candidate taken by ``person_id``; False when someone decided it first. Commits."""
    result = session.execute(
        update(Candidate).where(col(Candidate.id) == candidate_id, col(Candidate.status) == NEW)
        .values(status=CandidateStatus.taken.value, decided_by=person_id, decided_at=now, workflow_id=workflow_id))
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]


def release_take(session: Session, candidate_id: int, person_id: int, workflow_id: str) -> None:
    """Undo ``claim_take`` when the workflow could not be started (the candidate waits for triage again)."""
    session.execute(
        update(Candidate).where(col(Candidate.id) == candidate_id,
                                col(Candidate.status) == CandidateStatus.taken.value,
                                col(Candidate.decided_by) == person_id, col(Candidate.workflow_id) == workflow_id)
        .values(status=NEW, decided_by=None, decided_at=None, workflow_id=None))
    session.commit()


@dataclass(frozen=True)
class SkipOutcome:
    skipped: list[int]
    unknown: list[int]
    decided: list[Candidate]  # already taken or skipped (by someone, or in a race just now)

    @property
    def ok(self) -> bool:
        return not self.unknown and not self.decided


def skip(session: Session, ids: Sequence[int], reason: str, person_id: int, now: datetime) -> SkipOutcome:
    """Skip every candidate of ``ids`` or none: unknown or already decided ones refuse the whole batch."""
    wanted = sorted(set(ids))
    rows = {r.id: r for r in session.exec(select(Candidate).where(col(Candidate.id).in_(wanted))).all()}
    unknown = [i for i in wanted if i not in rows]
    decided = [rows[i] for i in wanted if i in rows and rows[i].status != NEW]
    if unknown or decided:
        return SkipOutcome([], unknown, decided)
    result = session.execute(
        update(Candidate).where(col(Candidate.id).in_(wanted), col(Candidate.status) == NEW)
        .values(status=CandidateStatus.skipped.value, skip_reason=reason, decided_by=person_id, decided_at=now))
    if result.rowcount != len(wanted):  # type: ignore[attr-defined]
        session.rollback()  # another curator decided one of them meanwhile: nothing changes
        session.expire_all()
        fresh = session.exec(select(Candidate).where(col(Candidate.id).in_(wanted))).all()
        return SkipOutcome([], [], [r for r in fresh if r.status != NEW])
    session.commit()
    return SkipOutcome(wanted, [], [])


def awaiting_triage(session: Session, arrived_before: datetime, limit: int = 5000) -> list[Candidate]:
    """New candidates not yet in a reminder that arrived before ``arrived_before``, oldest first."""
    rows = session.exec(select(Candidate).where(
        col(Candidate.status) == NEW, col(Candidate.triage_reminded_at).is_(None),
        col(Candidate.arrived_at) <= arrived_before).order_by(col(Candidate.arrived_at), col(Candidate.id))
        .limit(limit)).all()
    return list(rows)


def mark_reminded(session: Session, ids: Sequence[int], now: datetime) -> None:
    """Stamp the candidates of a reminder (no commit: the caller commits it with the outbox event)."""
    if ids:
        session.execute(update(Candidate).where(col(Candidate.id).in_(list(ids)),
                                                col(Candidate.triage_reminded_at).is_(None))
                        .values(triage_reminded_at=now))


def link_to_message(session: Session, network: str, external_id: str, workflow_id: str, person_id: int | None,
                    now: datetime) -> bool:
    """A new candidate whose message already runs (a curator entered it by hand) is taken by that message:
    ``person_id`` the curator, None when the system noticed it. Commits; True when it changed a row."""
    result = session.execute(
        update(Candidate).where(col(Candidate.network) == network, col(Candidate.external_id) == external_id,
                                col(Candidate.status) == NEW)
        .values(status=CandidateStatus.taken.value, decided_by=person_id, decided_at=now, workflow_id=workflow_id))
    session.commit()
    return result.rowcount == 1  # type: ignore[attr-defined]
