"""Every side effect of Otklik's workflows; ``build_activities`` lists them for the Worker."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from models.settings import Settings

def build_activities(engine: Engine, client: Any = None, settings: Settings | None = None) -> list[Any]:
    """Every activity callable, bound to the database engine and settings (the Worker registers them all). With
    a Temporal client, the delivery and surge activities too (they start delivery workflows)."""
    from activities.messages import message_activities
    from activities.networks import network_activities_all
    from activities.retention import retention_activities
    from activities.triage import triage_activities
    from models.settings import get_settings

    settings = settings or get_settings()
    extra: list[Any] = []
    notifier = None
    if client is not None:
        from activities.account_activity import account_activity_activities
        from activities.delivery import DeliveryActivities, delivery_activities
        from activities.rating import rating_activities
        from activities.surge import surge_activities
        from activities.weekly_note import weekly_note_activities

        notifier = DeliveryActivities(engine, client, settings).notify_events  # record, then start delivery
        extra = [*delivery_activities(engine, client, settings), *surge_activities(engine, client, settings),
                 *account_activity_activities(engine, client, settings),
                 *weekly_note_activities(engine, client, settings),
                 *rating_activities(engine, client, settings)]
    return [*message_activities(engine, notifier), *network_activities_all(engine, settings),
            *triage_activities(engine), *retention_activities(engine), *extra]
