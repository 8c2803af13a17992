"""Surges (P17 «повышенная социальная активность»): one row per surge of a topic in a location."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel


class Surge(SQLModel, table=True):
    __tablename__ = "surge"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True)  # topic|location|start (ISO): the event keys derive from it
    topic: str = Field(max_length=60, index=True)
    location: str = Field(max_length=40, index=True)
    status: str = Field(default="active", max_length=20, index=True)  # active | subsided
    started_at: datetime = Field(index=True)
    ended_at: datetime | None = None
    last_count: int = 0
    peak_count: int = 0
    baseline: float = 0.0
    workflow_ids: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    candidate_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    checked_at: datetime
