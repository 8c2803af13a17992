"""Every side effect of Otklik's workflows; ``build_activities`` lists them for the Worker."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine


def build_activities(engine: Engine, client: Any = None, settings: Any = None) -> list[Any]:
    """Every activity callable, bound to the database engine (the Worker registers them all). With a
    Temporal client and settings, the delivery activities too (they start delivery workflows)."""
    from activities.messages import message_activities

    extra: list[Any] = []
    if client is not None and settings is not None:
        from activities.delivery import delivery_activities
        from activities.surge import surge_activities

        extra = [*delivery_activities(engine, client, settings), *surge_activities(engine, client, settings)]
    return [*message_activities(engine), *extra]
