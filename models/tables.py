"""Imports every table module so SQLModel.metadata knows them all (Alembic, tests)."""

from models import candidates, integrations, outbox, readmodel, registry  # noqa: F401
from models import contacts, delivery, surges  # noqa: F401
