"""Two small guards of the front door and the read model (issue 14).

* ``IdempotencyRecord`` — the hash of the request an ``Idempotency-Key`` was first used with, per (workflow,
  update id); the update id already names the action, the draft, the person and the body. The same key with a
  different body is refused (422) instead of silently answering the first outcome.
* ``ProjectionFailure`` — a message whose read-model row could not be written for a permanent (data) reason:
  the workflow's clocks keep running, ``/readyz`` reports «модель чтения отстаёт». A later successful
  projection of the same message removes the row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, delete, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, col, select

from models.registry import utcnow


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"

    workflow_id: str = Field(max_length=300, primary_key=True)
    update_id: str = Field(max_length=600, primary_key=True)
    request_sha256: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, index=True)


class ProjectionFailure(SQLModel, table=True):
    __tablename__ = "projection_failure"

    workflow_id: str = Field(max_length=300, primary_key=True)
    events_count: int = 0
    error: str = Field(sa_column=Column(Text, nullable=False))
    failed_at: datetime = Field(default_factory=utcnow, index=True)


def _insert(session_or_engine_dialect: str):
    return pg_insert if session_or_engine_dialect == "postgresql" else sqlite_insert


def remember_request(engine: Engine, workflow_id: str, update_id: str, sha256: str) -> str:
    """Store the request's hash for this key unless one is there; returns the hash the key was first used with."""
    with Session(engine) as session:
        insert = _insert(engine.dialect.name)
        stmt = insert(IdempotencyRecord.__table__).values(  # type: ignore[attr-defined]
            workflow_id=workflow_id, update_id=update_id, request_sha256=sha256, created_at=utcnow())
        session.exec(stmt.on_conflict_do_nothing(index_elements=["workflow_id", "update_id"]))
        first = session.exec(select(IdempotencyRecord.request_sha256).where(
            IdempotencyRecord.workflow_id == workflow_id, IdempotencyRecord.update_id == update_id)).one()
        session.commit()
        return str(first)


def record_projection_failure(engine: Engine, workflow_id: str, events_count: int, error: str) -> None:
    with Session(engine) as session:
        insert = _insert(engine.dialect.name)
        stmt = insert(ProjectionFailure.__table__).values(  # type: ignore[attr-defined]
            workflow_id=workflow_id, events_count=events_count, error=error[:2000], failed_at=utcnow())
        session.exec(stmt.on_conflict_do_update(
            index_elements=["workflow_id"], set_={"events_count": stmt.excluded.events_count,
                                                  "error": stmt.excluded.error, "failed_at": stmt.excluded.failed_at}))
        session.commit()


def clear_projection_failure(engine: Engine, workflow_id: str) -> None:
    with Session(engine) as session:
        session.exec(delete(ProjectionFailure).where(col(ProjectionFailure.workflow_id) == workflow_id))
        session.commit()


def projection_failures(engine: Engine) -> tuple[int, list[str]]:
    """How many messages the read model is behind on, and the first few of them."""
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(ProjectionFailure)).one()
        first = session.exec(select(ProjectionFailure.workflow_id).order_by(
            col(ProjectionFailure.failed_at)).limit(5)).all()
        return int(count), [str(w) for w in first]
