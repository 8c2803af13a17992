"""The quarterly rating (Order, items 11–13): one ``body_rating`` row per (quarter, body).

Written only by ``models.rating_queries.store_quarter`` (a quarter's rows are replaced in one transaction
until it is published; a published quarter is final — its heads have been told).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from models.registry import utcnow


class BodyRating(SQLModel, table=True):
    __tablename__ = "body_rating"
    __table_args__ = (UniqueConstraint("quarter", "body_id", name="uq_body_rating"),)

    id: int | None = Field(default=None, primary_key=True)
    quarter: str = Field(max_length=7, index=True)  # "2026-Q3"
    body_id: int = Field(foreign_key="body.id", index=True)
    body_code: str = Field(max_length=40)
    messages: int = 0
    score: float | None = None  # None: «недостаточно данных»
    zone: str | None = Field(default=None, max_length=10)  # green | yellow | red
    criteria: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    formula_version: str = Field(max_length=20)
    computed_at: datetime = Field(default_factory=utcnow)
    published_at: datetime | None = None
