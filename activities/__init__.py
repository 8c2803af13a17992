"""Every side effect of Otklik's workflows; ``build_activities`` lists them for the Worker."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine


def build_activities(engine: Engine) -> list[Any]:
    """Every activity callable, bound to the database engine (the Worker registers them all)."""
    from activities.messages import message_activities
    from activities.retention import retention_activities

    return [*message_activities(engine), *retention_activities(engine)]
