"""Codes a decision names must exist in the registry: a message routed to a body nobody works in, or
classified under a topic no report knows, would be lost. The workflow cannot look (no I/O), so the API
checks before the update and answers 422 in Russian."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.errors import Unprocessable
from models.registry import Body, Location, Topic, TopicGroup


def body_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """Registry names of active bodies for the texts people read: the short name, else the full one."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    rows = session.exec(select(Body).where(Body.code.in_(wanted), Body.is_active)).all()  # type: ignore[attr-defined]
    return {b.code: b.short_name or b.name for b in rows}


def registry_problems(session: Session, *, topic: str | None = None, location: str | None = None,
                      bodies: Iterable[str] = ()) -> list[str]:
    problems: list[str] = []
    if topic is not None:
        known = session.exec(select(Topic.id).where(Topic.code == topic)).first() is not None or \
            session.exec(select(TopicGroup.id).where(TopicGroup.code == topic)).first() is not None
        if not known:
            problems.append(f"тема «{topic}» (нет ни темы, ни группы тем с таким кодом)")
    if location is not None and session.exec(select(Location.id).where(Location.code == location)).first() is None:
        problems.append(f"территория «{location}»")
    active = body_names(session, bodies)
    problems += [f"орган «{code}» (нет в реестре или не действует)" for code in sorted(set(bodies))
                 if code not in active]
    return problems


def _check(engine: Engine, topic: str | None, location: str | None, bodies: list[str]) -> dict[str, str]:
    with Session(engine) as session:
        problems = registry_problems(session, topic=topic, location=location, bodies=bodies)
        names = body_names(session, bodies)
    if problems:
        raise Unprocessable("Нет в реестре: " + "; ".join(problems) + ". Проверьте коды в /api/v1/topics, "
                            "/api/v1/locations и /api/v1/bodies", code="unknown_code")
    return names


async def check_decision(engine: Engine, action: str, data: dict[str, Any]) -> dict[str, str]:
    """422 unless every topic, location and body the decision names is in the registry; the bodies' names."""
    classification = data if action == "classify" else data.get("classification")
    bodies = list(data.get("bodies") or [])
    if data.get("publishing_body"):
        bodies.append(data["publishing_body"])
    if action == "change_publisher" and data.get("body"):
        bodies.append(data["body"])
    topic = classification.get("topic") if classification else None
    location = classification.get("location") if classification else None
    if topic or location or bodies:
        return await asyncio.to_thread(_check, engine, topic, location, bodies)
    return {}


def check_classification(engine: Engine, classification: dict[str, Any] | None) -> None:
    """The same check for a classification given at intake (sync: intake builds its input in a thread)."""
    if classification:
        _check(engine, classification.get("topic"), classification.get("location"), [])
