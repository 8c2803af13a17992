"""Imports every table module so SQLModel.metadata knows them all (Alembic, tests)."""

from models import candidates, integrations, networks, outbox, readmodel, registry  # noqa: F401
