"""Delivery test harness: the time-skipping server, a worker with the delivery workflows and activities,
a scratch database with a small registry of recipients, and real loopback servers for every channel."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.delivery import delivery_activities
from domain.notifications import NotificationEvent, NotificationEventBatch
from models.contacts import Contact
from models.db import make_engine
from models.delivery import Delivery, InboxItem
from models.migrate import upgrade
from models.registry import Body, Location, Person, Topic, TopicGroup
from models.settings import Settings
from tests.fakes.emit import EmitWorkflow
from tests.fakes.servers import HttpFake, SmtpFake
from workflows.delivery import DeliveryWorkflow, DigestWorkflow

SOCIAL = "Заместитель Председателя Правительства (социальный блок)"


def seed_registry(engine: Engine) -> None:
    with Session(engine) as s:
        tsur = Body(code="tsur", name="Центр управления регионом Республики Северная Осетия-Алания", kind="tsur")
        mz = Body(code="minzdrav", name="Министерство здравоохранения Республики Северная Осетия-Алания",
                  portfolio=SOCIAL)
        s.add_all([tsur, mz])
        s.flush()
        s.add(Body(code="rkb", name="Республиканская клиническая больница", kind="subordinate", parent_id=mz.id))
        g = TopicGroup(code="health", name="Здравоохранение")
        s.add(g)
        s.flush()
        s.add(Topic(code="polyclinic", name="Работа поликлиник", group_id=g.id))
        s.add(Location(code="vladikavkaz", name="г. Владикавказ", kind="city"))
        s.add(Location(code="mozdok", name="Моздокский район"))
        ex = Person(full_name="Исполнитель Минздрава", position="консультант", email="executor@minzdrav.otklik.local",
                    roles=["executor"], body_id=mz.id)
        resp = Person(full_name="Ответственный Минздрава", position="заместитель министра", roles=["responsible"],
                      body_id=mz.id)
        s.add_all([ex, resp])
        s.flush()
        s.add_all([
            Contact(code="tsur-head", position="tsur_head", title="Руководитель ЦУР",
                    email="head@tsur.otklik.local", telegram_chat_id="1001"),
            Contact(code="head", position="head", title="Глава Республики", email="head@gov.otklik.local",
                    max_user_id="2001"),
            Contact(code="chairman", position="chairman", title="Председатель Правительства",
                    email="chairman@gov.otklik.local"),
            Contact(code="deputy-social", position="deputy_chairman", title=SOCIAL, portfolio_title=SOCIAL,
                    email="deputy-social@gov.otklik.local"),
            Contact(code="administration", position="administration", title="Администрация Главы и Правительства",
                    email="admin@gov.otklik.local"),
            Contact(code="mvd", position="police", title="Дежурная часть МВД по РСО-Алания",
                    grounds=["harm", "threat", "illegal"], email="duty@mvd.otklik.local"),
            Contact(code="mz-responsible", position="body_responsible", title="Заместитель министра здравоохранения",
                    body_code="minzdrav", person_id=resp.id, email="responsible@minzdrav.otklik.local",
                    max_user_id="3001", telegram_chat_id="3002", webhook_url="PLACEHOLDER",
                    webhook_secret="s3cret"),
        ])
        s.commit()


@dataclass
class World:
    env: WorkflowEnvironment
    engine: Engine
    settings: Settings
    smtp: SmtpFake
    bots: HttpFake
    hooks: HttpFake
    task_queue: str

    async def now(self) -> datetime:
        return await self.env.get_current_time()

    async def goto(self, t: datetime) -> None:
        delta = t - await self.env.get_current_time()
        if delta > timedelta(0):
            await asyncio.wait_for(self.env.sleep(delta), 60)

    def event(self, key: str, kind: str, audience: str, created_at: datetime, **kw: Any) -> NotificationEvent:
        return NotificationEvent(key=f"{key}-{uuid.uuid4().hex[:6]}", kind=kind, audience=audience,  # type: ignore[arg-type]
                                 created_at=created_at, **kw)

    async def emit(self, *events: NotificationEvent) -> int:
        return await asyncio.wait_for(self.env.client.execute_workflow(
            EmitWorkflow.run, NotificationEventBatch(events=list(events)), id=f"emit-{uuid.uuid4().hex[:8]}",
            task_queue=self.task_queue), 30)

    def deliveries(self, **where: Any) -> list[Delivery]:
        with Session(self.engine) as s:
            q = select(Delivery)
            for k, v in where.items():
                q = q.where(getattr(Delivery, k) == v)
            return list(s.exec(q).all())

    def inbox(self) -> list[InboxItem]:
        with Session(self.engine) as s:
            return list(s.exec(select(InboxItem)).all())


async def until(check: Callable[[], Any], timeout: float = 15.0) -> Any:
    """Poll in real time (the test server's clock does not move meanwhile)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        got = check()
        if got:
            return got
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


@pytest.fixture(scope="module")
async def world(ts_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    url = f"sqlite:///{tmp_path_factory.mktemp('delivery') / 'otklik.db'}"
    upgrade(url)
    engine = make_engine(url)
    seed_registry(engine)
    smtp, bots, hooks = SmtpFake().start(), HttpFake().start(), HttpFake().start()
    with Session(engine) as s:
        c = s.exec(select(Contact).where(Contact.code == "mz-responsible")).one()
        c.webhook_url = hooks.url + "/otklik"
        s.add(c)
        s.commit()
    task_queue = f"delivery-{uuid.uuid4().hex[:8]}"
    settings = Settings(database_url=url, task_queue=task_queue, smtp_host="127.0.0.1", smtp_port=smtp.port,
                        smtp_security="none", max_api_url=bots.url + "/max", max_token="max-token",
                        telegram_api_url=bots.url + "/tg", telegram_token="tg-token",
                        public_url="https://otklik.example.invalid", delivery_timeout_seconds=5,
                        notify_digest_minutes=15)
    worker = Worker(ts_env.client, task_queue=task_queue, workflows=[DeliveryWorkflow, DigestWorkflow, EmitWorkflow],
                    activities=delivery_activities(engine, ts_env.client, settings),
                    workflow_failure_exception_types=[Exception])
    async with worker:
        yield World(ts_env, engine, settings, smtp, bots, hooks, task_queue)
    smtp.stop()
    bots.stop()
    hooks.stop()
    engine.dispose()
