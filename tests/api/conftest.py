"""API test fixtures: the app on the real database and the real Temporal dev server, with a real Worker
(``worker.build_worker``) on a task queue of its own, and a small registry with one person per role."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from models.registry import (
    Body,
    BodyKind,
    Location,
    Person,
    RoutingRule,
    SocialAccount,
    Topic,
    TopicGroup,
)
from models.settings import Settings
from models.tokens import issue_token, revoke_tokens

VK_SECRET = "vk-secret-Ab3"
VK_CONFIRMATION = "c0nf1rm"
VK_GROUP = 218_000_111  # a monitored community: https://vk.com/club218000111 (minzdrav's account)

T = TypeVar("T")


@pytest.fixture(scope="module")
def api_settings(db_url: str, dev_env: WorkflowEnvironment) -> Settings:
    return Settings(
        database_url=db_url,
        temporal_address=dev_env.client.service_client.config.target_host,
        task_queue=f"api-test-{uuid.uuid4().hex[:8]}",
        vk_secret=VK_SECRET,
        vk_confirmation_code=VK_CONFIRMATION,
        search_attributes=True,
        # Functional and contract tests send many requests without a token from one address; the rate
        # limit itself is tested with its own app (tests/api/test_hostile.py).
        auth_failures_per_minute=10_000,
    )


@pytest.fixture(scope="module")
async def worker(dev_env: WorkflowEnvironment, api_settings: Settings) -> AsyncIterator[None]:
    from worker import build_worker

    with ThreadPoolExecutor(max_workers=32, thread_name_prefix="test-activity") as executor:
        async with build_worker(dev_env.client, api_settings, executor):
            yield


@pytest.fixture(scope="module")
async def app(api_settings: Settings, dev_env: WorkflowEnvironment) -> AsyncIterator[Any]:
    application = create_app(api_settings, temporal_client=dev_env.client)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def http(app: Any, db: Engine, dev_env: WorkflowEnvironment, api_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=60) as client:
        yield client
    await _terminate_running(dev_env, api_settings.task_queue)


async def _terminate_running(env: WorkflowEnvironment, task_queue: str) -> None:
    """Stop this module's open workflows before the database is emptied (no late projections)."""
    query = f'TaskQueue = "{task_queue}" AND ExecutionStatus = "Running"'
    async for wf in env.client.list_workflows(query):
        try:
            await env.client.get_workflow_handle(wf.id, run_id=wf.run_id).terminate("test finished")
        except Exception:
            pass


async def eventually(check: Callable[[], Awaitable[T] | T], timeout: float = 15.0) -> T:
    """Poll ``check`` until it returns a truthy value (the read model is written asynchronously)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result  # type: ignore[return-value]
        if loop.time() > end:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


# --- the registry: bodies, topics, rules, one person per role --------------------------------------


@dataclass
class World:
    tokens: dict[str, str] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


PEOPLE = {
    # key: (name, roles, body)
    "curator": ("Гаглоева Залина Таймуразовна", ["curator"], "tsur"),
    "exec_minzdrav": ("Дзуцев Алан Русланович", ["executor"], "minzdrav"),
    "exec_rkb": ("Кокаева Мадина Олеговна", ["executor"], "rkb"),
    "exec_mintrans": ("Цаллагов Георгий Ахсарбекович", ["executor"], "mintrans"),
    "resp_minzdrav": ("Бигаева Фатима Казбековна", ["responsible"], "minzdrav"),
    "resp_rkb": ("Газзаев Тамерлан Маирбекович", ["responsible"], "rkb"),
    "resp_mintrans": ("Хетагуров Сослан Таймуразович", ["responsible"], "mintrans"),
    "leadership": ("Тедеев Аслан Батразович", ["leadership"], None),
    "admin": ("Плиев Руслан Эдуардович", ["admin"], "tsur"),
    "revoked": ("Уволенный Куратор", ["curator"], "tsur"),
    "feed": ("Лента мониторинга «Инцидент Менеджмент»", ["integration"], None),
}


def build_world(engine: Engine) -> World:
    world = World()
    with Session(engine) as s:
        tsur = Body(code="tsur", name="Центр управления регионом РСО-Алания", kind=BodyKind.tsur)
        minzdrav = Body(code="minzdrav", name="Министерство здравоохранения РСО-Алания")
        mintrans = Body(code="mintrans", name="Министерство транспорта и дорожного хозяйства РСО-Алания")
        gkh = Body(code="gkh", name="Министерство ЖКХ, топлива и энергетики РСО-Алания")
        s.add_all([tsur, minzdrav, mintrans, gkh])
        s.flush()
        rkb = Body(code="rkb", name="Республиканская клиническая больница", kind=BodyKind.subordinate,
                   parent_id=minzdrav.id)
        s.add(rkb)
        health = TopicGroup(code="health", name="Здравоохранение")
        roads = TopicGroup(code="roads", name="Дороги")
        s.add_all([health, roads])
        s.flush()
        clinics = Topic(code="clinics", name="Работа поликлиник", group_id=health.id)
        potholes = Topic(code="road_potholes", name="Ямы на дорогах", group_id=roads.id)
        vladikavkaz = Location(code="vladikavkaz", name="г. Владикавказ", kind="city")
        alagir = Location(code="alagir", name="Алагирский район", kind="district")
        s.add_all([clinics, potholes, vladikavkaz, alagir])
        s.flush()
        s.add_all([
            RoutingRule(topic_id=clinics.id, body_id=minzdrav.id, priority=100),
            RoutingRule(topic_id=potholes.id, body_id=mintrans.id, priority=100),
            RoutingRule(topic_id=potholes.id, location_id=vladikavkaz.id, body_id=gkh.id, priority=50),
            SocialAccount(network="vk", url=f"https://vk.com/club{VK_GROUP}", name="Минздрав РСО-Алания",
                          body_id=minzdrav.id),
        ])
        codes = {b.code: b.id for b in (tsur, minzdrav, mintrans, gkh, rkb)}
        for key, (name, roles, body) in PEOPLE.items():
            person = Person(full_name=name, roles=roles, body_id=codes[body] if body else None)
            s.add(person)
            s.flush()
            world.tokens[key] = issue_token(s, person)
            world.people[key] = person.id  # type: ignore[assignment]
        revoke_tokens(s, world.people["revoked"])
        s.commit()
    return world


@pytest.fixture
def world(db: Engine) -> World:
    return build_world(db)


def message_payload(external_id: str | None = None, **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "network": "vk",
        "external_id": external_id or f"wall-1_{uuid.uuid4().int % 10**9}",
        "url": "https://vk.com/wall-1_100",
        "author": {"id": "555", "name": "Иван Петров", "profile_url": "https://vk.com/id555"},
        "text": "В поликлинике №1 невозможно записаться к терапевту уже две недели.",
        "source": "monitoring",
    }
    body.update(over)
    return body
