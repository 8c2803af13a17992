"""VK and Odnoklassniki: API clients, connecting accounts, monitoring into candidates, automatic publication.

``network_activities_all(engine, settings)`` is every activity of this package for the Worker:
``publish_answer`` and ``verify_publication`` (``publish``), ``list_monitored_accounts`` and
``poll_community`` (``monitor``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from models.settings import Settings


def network_activities_all(engine: Engine, settings: Settings) -> list[Any]:
    from activities.networks.monitor import monitor_activities
    from activities.networks.publish import network_activities

    return [*network_activities(engine, settings), *monitor_activities(engine, settings)]
