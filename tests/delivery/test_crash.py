"""A worker killed in the middle of a delivery and replaced delivers each item exactly once to each
recipient (the real dev server; the first worker is a separate process killed with SIGKILL)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid

import pytest
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.delivery import delivery_activities
from domain.notifications import NotificationEvent, NotificationEventBatch
from models.db import make_engine
from models.delivery import Delivery, InboxItem
from models.migrate import upgrade
from models.registry import utcnow
from models.settings import REPO_ROOT, Settings
from tests.delivery.conftest import seed_registry, until
from tests.fakes.emit import EmitWorkflow
from tests.fakes.servers import HttpFake, SmtpFake
from workflows.delivery import DeliveryWorkflow, DigestWorkflow

LEADERS = ("head@gov.otklik.local", "chairman@gov.otklik.local", "deputy-social@gov.otklik.local")


@pytest.mark.slow
async def test_a_worker_killed_mid_delivery_delivers_each_item_exactly_once(
        dev_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory) -> None:
    url = f"sqlite:///{tmp_path_factory.mktemp('crash') / 'otklik.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed_registry(engine)
    smtp, bots = SmtpFake().start(), HttpFake().start()
    smtp.hold.add("chairman@gov.otklik.local")
    cfg = {"database_url": url, "task_queue": f"crash-{uuid.uuid4().hex[:8]}", "smtp_host": "127.0.0.1",
           "smtp_port": smtp.port, "smtp_security": "none", "max_api_url": bots.url + "/max", "max_token": "t",
           "delivery_timeout_seconds": 2}
    address = dev_env.client.service_client.config.target_host
    proc = subprocess.Popen([sys.executable, "-m", "tests.fakes.worker_proc", json.dumps(cfg), address],
                            cwd=REPO_ROOT, stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)})
    try:
        assert proc.stdout is not None
        assert (await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 30)).strip() == b"ready"
        event = NotificationEvent(key=f"rung-{uuid.uuid4().hex[:6]}", kind="rung", audience="leadership",
                                  body="minzdrav", workflow_id="msg-vk-crash", urgent=True, created_at=utcnow(),
                                  data={"step_title": "Публикация ответа", "held_by": "minzdrav", "rung": 2})
        await dev_env.client.execute_workflow(EmitWorkflow.run, NotificationEventBatch(events=[event]),
                                              id=f"emit-{event.key}", task_queue=cfg["task_queue"])
        # Everything but the Chairman's mail is out and recorded; his is stuck at the relay: kill the worker now.
        def others_done() -> bool:
            with Session(engine) as s:
                rows = s.exec(select(Delivery).where(Delivery.event_key == event.key)).all()
            rest = [d for d in rows if not (d.address == "chairman@gov.otklik.local" and d.channel == "email")]
            return smtp.held.is_set() and len(rows) == 7 and all(d.status == "sent" for d in rest)

        await until(others_done, timeout=30)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        smtp.release.set()
    finally:
        if proc.poll() is None:
            proc.kill()
    settings = Settings(**cfg)
    async with Worker(dev_env.client, task_queue=settings.task_queue,
                      workflows=[DeliveryWorkflow, DigestWorkflow, EmitWorkflow],
                      activities=delivery_activities(engine, dev_env.client, settings)):
        handle = dev_env.client.get_workflow_handle(f"notify-{event.key}")
        result = await asyncio.wait_for(handle.result(), 60)
    assert result["failed"] == 0
    for addr in LEADERS:  # raw count, not de-duplicated by Message-ID
        assert sum(addr in rcpts for rcpts, _ in smtp.messages) == 1, addr
    assert len([r for r in bots.requests if "user_id=2001" in r.path]) == 1  # the Head's MAX
    with Session(engine) as s:
        rows = s.exec(select(Delivery).where(Delivery.event_key == event.key)).all()
        assert rows and {d.status for d in rows} == {"sent"}
        assert len(s.exec(select(InboxItem).where(InboxItem.event_key == event.key)).all()) == 3
    smtp.stop()
    bots.stop()
    engine.dispose()
