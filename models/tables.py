"""Imports every table module so SQLModel.metadata knows them all (Alembic, tests)."""

from models import (  # noqa: F401  (registers every table)
    account_checks,
    candidates,
    contacts,
    delivery,
    guards,
    integrations,
    networks,
    outbox,
    publication_plan,
    rating,
    readmodel,
    registry,
    surges,
    weekly_notes,
)
