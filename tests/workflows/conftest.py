"""Workflow test fixtures: a harness per module (time-skipping server + worker + a scratch database).

The worker runs the real activities. Its database is a SQLite file migrated to head for the module,
so these tests do not carry the ``db`` marker (which re-runs a test on the second backend); the
read-model test uses the session's ``db`` fixture and runs on PostgreSQL and SQLite.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from models.db import make_engine
from models.migrate import upgrade
from tests.workflows.helpers import Harness, make_worker


@pytest.fixture(scope="module")
async def harness(ts_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    url = f"sqlite:///{tmp_path_factory.mktemp('wf') / 'otklik.db'}"
    upgrade(url)
    engine = make_engine(url)
    task_queue = f"otklik-test-{uuid.uuid4().hex[:8]}"
    async with make_worker(ts_env.client, engine, task_queue):
        yield Harness(ts_env, engine, task_queue)
    engine.dispose()


@pytest.fixture(scope="module")
async def dev_harness(dev_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Harness]:
    """The real dev server (search attributes, speculative update tasks), a worker and a scratch database."""
    url = f"sqlite:///{tmp_path_factory.mktemp('wf-dev') / 'otklik.db'}"
    upgrade(url)
    engine = make_engine(url)
    task_queue = f"otklik-dev-{uuid.uuid4().hex[:8]}"
    async with make_worker(dev_env.client, engine, task_queue):
        yield Harness(dev_env, engine, task_queue)
    engine.dispose()
