"""Imports every table module so SQLModel.metadata knows them all (Alembic, tests)."""

from models import candidates, contacts, delivery, integrations, outbox, readmodel, registry, surges  # noqa: F401  # noqa: F401
