"""Migrations run up, down and up again, and leave no difference to the models, on both backends."""

from __future__ import annotations

import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

import models.tables  # noqa: F401
from models.db import make_engine
from models.migrate import current_heads, downgrade, upgrade
from tests.conftest import _pg_admin_url, _pg_reachable


@pytest.fixture(params=["sqlite", "postgres"])
def scratch_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    admin = _pg_admin_url()
    if not _pg_reachable(admin):
        pytest.skip("PostgreSQL is not reachable")
    import psycopg

    u = make_url(admin)
    name = f"otklik_mig_{uuid.uuid4().hex[:8]}"
    info = dict(host=u.host, port=u.port or 5432, user=u.username, dbname=u.database)
    with psycopg.connect(**info, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield u.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(**info, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_migrations_up_down_up_match_models(scratch_url):
    upgrade(scratch_url)
    downgrade(scratch_url, "base")
    engine = make_engine(scratch_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(scratch_url)
    assert len(current_heads(scratch_url)) == 1
    engine = make_engine(scratch_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
