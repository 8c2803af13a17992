"""P9 automatic publication through the fake VK: one comment however often it is retried; link checks."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Worker

from activities.networks.publish import NetworkPublisher, network_activities
from domain.messages import Attachment, Network, PublishRequest
from domain.publication import VerifyRequest
from models.registry import Body, SocialAccount
from models.secrets import encrypt_token
from models.settings import Settings
from tests.fakes.vk import RunningFakeVk
from tests.networks.publish_workflow import PublishOnce

KEY = "publish-test-secret-key-01"
GID = 61_000_002
TOKEN = "vk1.a.minzdrav-community-token"
CITIZEN = 700_001
REPO = Path(__file__).resolve().parents[2]


def connect(engine: Engine, *, token: str | None = TOKEN, auto: bool = True) -> None:
    with Session(engine) as s:
        body = Body(code="minzdrav", name="Министерство здравоохранения РСО-Алания")
        s.add(body)
        s.flush()
        acc = SocialAccount(network="vk", url=f"https://vk.com/club{GID}", name="Минздрав РСО-Алания",
                            body_id=body.id, network_id=str(GID), auto_publish=auto)  # type: ignore[arg-type]
        s.add(acc)
        s.flush()
        if token:
            acc.token_cipher = encrypt_token(token, KEY, acc.id or 0)
        s.commit()


def settings_for(db_url: str, fake: RunningFakeVk) -> Settings:
    return Settings(database_url=db_url, vk_api_url=fake.base_url, secret_key=KEY)


def request(url: str, text: str = "Запись к терапевту открыта, приносим извинения.", **over: object) -> PublishRequest:
    data: dict[str, object] = dict(workflow_id=f"msg-vk-{uuid.uuid4().hex[:8]}", network=Network.vk, body="minzdrav",
                                   draft_id="d1", text=text, reply_to_url=url)
    data.update(over)
    return PublishRequest.model_validate(data)


@pytest.fixture
def vk(fake_vk: RunningFakeVk) -> RunningFakeVk:
    fake_vk.vk.add_group(GID, "minzdrav_rso", "Минздрав РСО-Алания", token=TOKEN)
    return fake_vk


async def test_reply_to_a_comment_from_the_community_with_a_photo(db: Engine, db_url: str, vk: RunningFakeVk,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    connect(db)
    post = vk.vk.add_post(-GID, CITIZEN, "Новости министерства")
    asked = vk.vk.add_comment(-GID, post, CITIZEN, "Две недели не могу записаться к терапевту")
    vk.vk.files["answer.jpg"] = b"\xff\xd8 photo of the schedule"
    req = request(f"https://vk.com/wall-{GID}_{post}?reply={asked}",
                  attachments=[Attachment(kind="photo", url=f"{vk.vk.url}/files/answer.jpg")])
    pub = NetworkPublisher(db, settings_for(db_url, vk))
    result = await ActivityEnvironment().run(pub.publish_answer, req)
    assert result.status == "published" and result.verified
    [answer] = [c for c in vk.vk.wall_comments(-GID, post) if c["from_id"] == -GID]
    assert answer["reply_to_comment"] == asked and answer["attachments"][0]["type"] == "photo"
    assert result.url == f"https://vk.com/wall-{GID}_{post}?reply={answer['id']}&thread={asked}"
    assert result.published_at == datetime.fromtimestamp(answer["date"], UTC)
    assert ("wall.getComment", {"owner_id": str(-GID), "comment_id": str(answer["id"]), "v": "5.199"}) in vk.vk.calls
    assert caplog.records and TOKEN not in caplog.text  # the token is never logged, even at DEBUG


async def test_a_retried_attempt_adopts_the_comment_already_there(db: Engine, db_url: str, vk: RunningFakeVk) -> None:
    connect(db)
    post = vk.vk.add_post(-GID, CITIZEN, "Нет воды на ул. Кирова")
    req = request(f"https://vk.com/wall-{GID}_{post}", text="Аварийная бригада выехала.")
    vk.vk.add_comment(-GID, post, -GID, "Аварийная бригада выехала.")  # attempt 1 stored it, then crashed
    env = ActivityEnvironment()
    env.info = env.info.__class__(**{**env.info.__dict__, "attempt": 2})
    result = await env.run(NetworkPublisher(db, settings_for(db_url, vk)).publish_answer, req)
    assert result.status == "published"
    assert len(vk.vk.wall_comments(-GID, post)) == 1
    assert not [c for c in vk.vk.calls if c[0] == "wall.createComment"]


async def test_closed_comments_fall_back_to_the_executor(db: Engine, db_url: str, vk: RunningFakeVk) -> None:
    connect(db)
    post = vk.vk.add_post(-GID, CITIZEN, "Вопрос")
    vk.vk.close_comments(-GID, post)
    result = await ActivityEnvironment().run(NetworkPublisher(db, settings_for(db_url, vk)).publish_answer,
                                             request(f"https://vk.com/wall-{GID}_{post}"))
    assert result.status == "manual" and "закрыты" in result.detail and "исполнитель" in result.detail


async def test_a_refused_read_back_still_reports_the_comment_as_published(db: Engine, db_url: str,
                                                                         vk: RunningFakeVk) -> None:
    connect(db)
    post = vk.vk.add_post(-GID, CITIZEN, "Вопрос")
    vk.vk.fail_next("wall.getComment", 15)  # e.g. a token without read rights: no service key to fall back to
    result = await ActivityEnvironment().run(NetworkPublisher(db, settings_for(db_url, vk)).publish_answer,
                                             request(f"https://vk.com/wall-{GID}_{post}"))
    assert result.status == "published" and not result.verified and result.published_at is None
    assert len(vk.vk.wall_comments(-GID, post)) == 1  # never "manual" once it is posted: no second answer


async def test_no_account_is_manual_and_no_token_is_not_connected(db: Engine, db_url: str, vk: RunningFakeVk) -> None:
    pub = NetworkPublisher(db, settings_for(db_url, vk))
    post = vk.vk.add_post(-GID, CITIZEN, "Вопрос")
    assert (await ActivityEnvironment().run(pub.publish_answer, request(f"https://vk.com/wall-{GID}_{post}"))
            ).status == "manual"
    connect(db, token=None)
    assert (await ActivityEnvironment().run(pub.publish_answer, request(f"https://vk.com/wall-{GID}_{post}"))
            ).status == "not_connected"


async def test_a_call_that_timed_out_after_vk_stored_the_comment_leaves_one_comment(
        db: Engine, db_url: str, vk: RunningFakeVk, dev_env: WorkflowEnvironment) -> None:
    connect(db)
    post = vk.vk.add_post(-GID, CITIZEN, "Яма на Коста")
    vk.vk.stall_after_store("wall.createComment", 6.0)  # stored, then no answer before the 3 s timeout
    queue = f"publish-{uuid.uuid4().hex[:8]}"
    async with Worker(dev_env.client, task_queue=queue, workflows=[PublishOnce],
                      activities=network_activities(db, settings_for(db_url, vk))):
        result = await asyncio.wait_for(dev_env.client.execute_workflow(
            PublishOnce.run, request(f"https://vk.com/wall-{GID}_{post}"), id=f"pub-{queue}", task_queue=queue), 40)
    assert result.status == "published"
    assert any(c[0] == "wall.getComments" for c in vk.vk.calls)  # a second attempt ran (and looked first)
    assert len(vk.vk.wall_comments(-GID, post)) == 1


def _worker_process(dev_env: WorkflowEnvironment, queue: str, db_url: str, vk: RunningFakeVk) -> subprocess.Popen[str]:
    env = {**os.environ, "OTKLIK_DATABASE_URL": db_url, "OTKLIK_VK_API_URL": vk.base_url, "OTKLIK_SECRET_KEY": KEY}
    proc = subprocess.Popen([sys.executable, "-m", "tests.networks.publish_workflow",
                             dev_env.client.service_client.config.target_host, queue],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert proc.stdout is not None
    assert "worker ready" in proc.stdout.readline()
    return proc


@pytest.mark.slow
async def test_a_worker_killed_mid_publication_leaves_one_comment(
        db: Engine, db_url: str, vk: RunningFakeVk, dev_env: WorkflowEnvironment) -> None:
    connect(db)
    post = vk.vk.add_post(-GID, CITIZEN, "Не вывозят мусор")
    vk.vk.stall_after_store("wall.createComment", 10.0)
    queue = f"publish-kill-{uuid.uuid4().hex[:8]}"
    first = await asyncio.to_thread(_worker_process, dev_env, queue, db_url, vk)
    client: Client = dev_env.client
    handle = await client.start_workflow(PublishOnce.run, request(f"https://vk.com/wall-{GID}_{post}"),
                                         id=f"pub-{queue}", task_queue=queue)
    deadline = asyncio.get_running_loop().time() + 20
    while not vk.vk.wall_comments(-GID, post):  # VK has stored the comment; the worker waits for the answer
        assert asyncio.get_running_loop().time() < deadline, "the first worker never published"
        await asyncio.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    second = await asyncio.to_thread(_worker_process, dev_env, queue, db_url, vk)
    try:
        result = await asyncio.wait_for(handle.result(), 40)
    finally:
        second.send_signal(signal.SIGKILL)
        second.wait(10)
    assert result.status == "published"
    assert any(c[0] == "wall.getComments" for c in vk.vk.calls)  # the second worker's attempt
    assert len(vk.vk.wall_comments(-GID, post)) == 1


async def test_verify_publication(db: Engine, db_url: str, vk: RunningFakeVk) -> None:
    pub = NetworkPublisher(db, settings_for(db_url, vk))
    post = vk.vk.add_post(-GID, CITIZEN, "Вопрос")
    other = vk.vk.add_post(-GID, CITIZEN, "Другой вопрос")
    asked = vk.vk.add_comment(-GID, post, CITIZEN, "Когда?")
    answer = vk.vk.add_comment(-GID, post, -GID, "Завтра", reply_to_comment=asked)
    message = f"https://vk.com/wall-{GID}_{post}?reply={asked}"

    def req(link: str, **over: object) -> VerifyRequest:
        return VerifyRequest.model_validate({"workflow_id": "msg-vk-1", "network": "vk", "body": "minzdrav",
                                             "message_url": message, "published_url": link, **over})

    env = ActivityEnvironment()
    r = await env.run(pub.verify_publication, req("https://ok.ru/group/1/topic/2?comment=3"))
    assert not r.same_network and not r.verified
    r = await env.run(pub.verify_publication, req(f"https://vk.com/wall-{GID}_{other}?reply={answer}"))
    assert r.same_network and not r.same_thread and "не под той записью" in r.reason
    link = f"https://vk.com/wall-{GID}_{post}?reply={answer}&thread={asked}"
    r = await env.run(pub.verify_publication, req(link))
    assert r.same_thread and not r.checked_via_api and not r.verified  # no connected account: not read
    connect(db)
    r = await env.run(pub.verify_publication, req(link))
    assert r.verified and r.exists and r.from_community and r.published_at is not None
    r = await env.run(pub.verify_publication, req(f"https://vk.com/wall-{GID}_{post}?reply=9999"))
    assert r.checked_via_api and r.exists is False and not r.verified
    r = await env.run(pub.verify_publication, req(link, not_before=datetime.now(UTC) + timedelta(hours=1)))
    assert not r.verified and "раньше" in r.reason
