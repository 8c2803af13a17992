"""Monitoring into candidates: every new post and comment exactly once — overlapping runs, a worker restart."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import Client, ScheduleIntervalSpec
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Worker

from activities.networks.monitor import NetworkMonitor, monitor_activities
from domain.monitoring import MonitorTarget
from models.candidates import Candidate
from models.registry import Body, SocialAccount
from models.secrets import encrypt_token
from models.settings import Settings
from tests.fakes.ok import RunningFakeOk
from tests.fakes.vk import RunningFakeVk
from workflows.monitor import NetworkMonitorWorkflow
from workflows.network_schedules import MONITOR_SCHEDULE_ID, ensure_network_schedules

KEY = "monitor-test-secret-key-01"
GID = 62_000_003
OK_GID = "70000009876543"
TOKEN = "vk1.a.mozdok-community-token"
OK_TOKEN = "ok-mozdok-group-token"
SERVICE = "vk-app-service-key"


def add_account(engine: Engine, network: str, url: str, network_id: str | None, token: str | None) -> int:
    with Session(engine) as s:
        body = s.exec(select(Body).where(Body.code == "mozdok_adm")).first()
        if body is None:
            body = Body(code="mozdok_adm", name="Администрация местного самоуправления Моздокского района")
            s.add(body)
            s.flush()
        acc = SocialAccount(network=network, url=url, body_id=body.id, network_id=network_id,  # type: ignore[arg-type]
                            monitored=True)
        s.add(acc)
        s.flush()
        if token:
            acc.token_cipher = encrypt_token(token, KEY, acc.id or 0)
        s.commit()
        return acc.id or 0


def candidates(engine: Engine) -> list[tuple[str, str, str]]:
    with Session(engine) as s:
        return sorted((c.external_id, c.kind, c.text) for c in s.exec(select(Candidate)).all())


@pytest.fixture
def vk(fake_vk: RunningFakeVk) -> RunningFakeVk:
    fake_vk.vk.add_group(GID, "mozdok_adm", "АМС Моздокского района", token=TOKEN)
    fake_vk.vk.add_token(SERVICE, "service")
    return fake_vk


async def test_vk_posts_comments_and_replies_once_across_overlapping_runs(
        db: Engine, db_url: str, vk: RunningFakeVk) -> None:
    account = add_account(db, "vk", "https://vk.com/mozdok_adm", None, TOKEN)  # the id is resolved by the poll
    f = vk.vk
    own = f.add_post(-GID, -GID, "График отключения воды")  # the community's own post: not a candidate
    p1 = f.add_post(-GID, 801, "На ул. Кирова в Моздоке третий день нет света")
    c1 = f.add_comment(-GID, own, 802, "А когда дадут воду на Садовой?")
    f.add_comment(-GID, own, -GID, "Завтра к 18:00")  # the community's answer: skipped
    f.add_comment(-GID, own, 803, "Спасибо", reply_to_comment=c1)
    settings = Settings(database_url=db_url, vk_api_url=vk.base_url, secret_key=KEY, monitor_recent_posts=10,
                        vk_service_token=SERVICE)
    target = MonitorTarget(account_id=account, network="vk", url="https://vk.com/mozdok_adm")  # type: ignore[arg-type]
    env = ActivityEnvironment()
    a, b = await asyncio.gather(env.run(NetworkMonitor(db, settings).poll_community, target),
                                env.run(NetworkMonitor(db, settings).poll_community, target))
    assert a.posts + b.posts == 1 and a.comments + b.comments == 2  # two overlapping runs: each item once
    first = candidates(db)
    assert [x[0] for x in first] == sorted([f"wall-{GID}_{p1}", f"wall-{GID}_{own}_reply{c1}",
                                            f"wall-{GID}_{own}_reply{c1 + 2}"])
    with Session(db) as s:
        assert s.get(SocialAccount, account).network_id == str(GID)  # type: ignore[union-attr]
    # more arrives; a thread reply to an old comment too
    p2 = f.add_post(-GID, 804, "Яма на въезде в Моздок со стороны Прохладного")
    c3 = f.add_comment(-GID, p1, 805, "У нас тоже")
    f.add_comment(-GID, own, 806, "И на Садовой нет воды", reply_to_comment=c1)
    again = await env.run(NetworkMonitor(db, settings).poll_community, target)
    assert (again.posts, again.comments) == (1, 2)
    ids = {x[0] for x in candidates(db)}
    assert {f"wall-{GID}_{p2}", f"wall-{GID}_{p1}_reply{c3}"} <= ids and len(ids) == 6
    quiet = await env.run(NetworkMonitor(db, settings).poll_community, target)
    assert (quiet.posts, quiet.comments) == (0, 0) and len(candidates(db)) == 6


async def test_without_a_service_key_the_poll_fails_for_good_with_a_reason(
        db: Engine, db_url: str, vk: RunningFakeVk) -> None:
    account = add_account(db, "vk", f"https://vk.com/club{GID}", str(GID), TOKEN)
    settings = Settings(database_url=db_url, vk_api_url=vk.base_url, secret_key=KEY)
    target = MonitorTarget(account_id=account, network="vk", url=f"https://vk.com/club{GID}")  # type: ignore[arg-type]
    with pytest.raises(ApplicationError) as err:
        await ActivityEnvironment().run(NetworkMonitor(db, settings).poll_community, target)
    assert err.value.non_retryable and "OTKLIK_VK_SERVICE_TOKEN" in err.value.message


async def test_a_worker_restart_between_passes_records_nothing_twice(
        db: Engine, db_url: str, vk: RunningFakeVk, dev_env: WorkflowEnvironment) -> None:
    add_account(db, "vk", f"https://vk.com/club{GID}", str(GID), TOKEN)
    vk.vk.add_post(-GID, 901, "Не работает светофор на Кирова")
    settings = Settings(database_url=db_url, vk_api_url=vk.base_url, secret_key=KEY, vk_service_token=SERVICE)
    queue = f"monitor-{uuid.uuid4().hex[:8]}"
    client: Client = dev_env.client

    async def one_pass(n: int) -> None:
        async with Worker(client, task_queue=queue, workflows=[NetworkMonitorWorkflow],
                          activities=monitor_activities(db, settings)):  # a fresh worker each time
            await asyncio.wait_for(client.execute_workflow(NetworkMonitorWorkflow.run, id=f"mon-{queue}-{n}",
                                                           task_queue=queue), 30)

    await one_pass(1)
    assert len(candidates(db)) == 1
    post = vk.vk.add_post(-GID, 902, "Сломана скамейка в парке")
    vk.vk.add_comment(-GID, post, 903, "Давно уже")
    await one_pass(2)
    await one_pass(3)
    assert len(candidates(db)) == 3 and len({x[0] for x in candidates(db)}) == 3


async def test_ok_topics_and_comments_once(db: Engine, db_url: str, fake_ok: RunningFakeOk) -> None:
    f = fake_ok.ok
    f.add_group(OK_GID, "АМС Моздокского района", token=OK_TOKEN)
    account = add_account(db, "ok", f"https://ok.ru/group/{OK_GID}", OK_GID, OK_TOKEN)
    topic = f.add_topic(OK_GID, "5001", "В Луковской нет газа")
    f.add_comment(topic, "5002", "С утра нет")
    settings = Settings(database_url=db_url, secret_key=KEY, ok_api_url=fake_ok.base_url,
                        ok_application_key=fake_ok.app_key, ok_application_secret_key=fake_ok.app_secret)
    target = MonitorTarget(account_id=account, network="ok", url=f"https://ok.ru/group/{OK_GID}")  # type: ignore[arg-type]
    env = ActivityEnvironment()
    await asyncio.gather(env.run(NetworkMonitor(db, settings).poll_community, target),
                         env.run(NetworkMonitor(db, settings).poll_community, target))
    assert [x[1] for x in candidates(db)] == ["post", "topic_comment"]
    f.add_comment(topic, "5003", "Уже дали")
    again = await env.run(NetworkMonitor(db, settings).poll_community, target)
    assert (again.posts, again.comments) == (0, 1) and len(candidates(db)) == 3
    assert all(x[0].startswith(f"okgroup{OK_GID}_topic{topic}") for x in candidates(db))
    assert f.bad_signatures == 0


async def test_the_schedule_is_created_once_every_five_minutes(dev_env: WorkflowEnvironment) -> None:
    settings = Settings(task_queue=f"otklik-sched-{uuid.uuid4().hex[:6]}")
    await ensure_network_schedules(dev_env.client, settings)
    await ensure_network_schedules(dev_env.client, settings)  # a second worker start: no error
    handle = dev_env.client.get_schedule_handle(MONITOR_SCHEDULE_ID)
    desc = await handle.describe()
    interval: ScheduleIntervalSpec = desc.schedule.spec.intervals[0]
    assert interval.every.total_seconds() == 300
    await handle.delete()
