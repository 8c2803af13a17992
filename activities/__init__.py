"""Every side effect of Otklik's workflows; ``build_activities`` lists them for the Worker."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from models.settings import Settings


def build_activities(engine: Engine, settings: Settings | None = None) -> list[Any]:
    """Every activity callable, bound to the database engine and settings (the Worker registers them all)."""
    from activities.messages import message_activities
    from activities.networks import network_activities_all
    from activities.triage import triage_activities
    from models.settings import get_settings

    return [*message_activities(engine), *network_activities_all(engine, settings or get_settings()),
            *triage_activities(engine)]
