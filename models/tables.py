"""Imports every table module so SQLModel.metadata knows them all (Alembic, tests)."""

from models import candidates, integrations, outbox, readmodel, registry  # noqa: F401
