"""P9 in VK discussion boards: the answer from the community in the citizen's topic, once, read back; links checked.

Through the fake VK on loopback, which refuses ``board.createComment`` to community tokens (as VK does) and
deduplicates by ``guid``.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment
from temporalio.worker import Worker

from activities.networks.publish import NetworkPublisher, network_activities
from domain.messages import Attachment
from domain.publication import VerifyRequest
from models.registry import SocialAccount
from models.secrets import encrypt_token
from tests.fakes.vk import RunningFakeVk
from tests.networks.publish_workflow import PublishOnce
from tests.networks.test_publish import CITIZEN, GID, KEY, TOKEN, connect, request, settings_for

ADMIN = 800_001
ADMIN_TOKEN = "vk1.a.press-secretary-user-token"


def connect_admin(engine: Engine, token: str = ADMIN_TOKEN) -> None:
    with Session(engine) as s:
        acc = s.exec(select(SocialAccount)).one()
        acc.admin_token_cipher = encrypt_token(token, KEY, acc.id or 0, "admin")
        s.add(acc)
        s.commit()


@pytest.fixture
def vk(fake_vk: RunningFakeVk) -> RunningFakeVk:
    fake_vk.vk.add_group(GID, "minzdrav_rso", "Минздрав РСО-Алания", token=TOKEN)
    fake_vk.vk.add_user(ADMIN, "Залина", "Пресс-секретарь", token=ADMIN_TOKEN)
    fake_vk.vk.make_manager(GID, ADMIN, level=2)
    fake_vk.vk.add_user(CITIZEN, "Аслан", "Гагиев")
    return fake_vk


def topic_with_question(vk: RunningFakeVk) -> tuple[int, int]:
    tid = vk.vk.add_topic(GID, "Вопросы о поликлиниках", -GID, "Задавайте вопросы о работе поликлиник")
    asked = vk.vk.add_board_comment(GID, tid, CITIZEN, "В поликлинике №1 Владикавказа нет талонов к эндокринологу")
    return tid, asked


async def test_answer_in_a_topic_from_the_community_addressed_to_the_citizen(db: Engine, db_url: str,
                                                                             vk: RunningFakeVk) -> None:
    connect(db)
    connect_admin(db)
    tid, asked = topic_with_question(vk)
    vk.vk.files["schedule.jpg"] = b"\xff\xd8 the endocrinologist's schedule"
    req = request(f"https://vk.com/topic-{GID}_{tid}?post={asked}", text="Запись открыта с понедельника.",
                  attachments=[Attachment(kind="photo", url=f"{vk.vk.url}/files/schedule.jpg")])
    result = await ActivityEnvironment().run(NetworkPublisher(db, settings_for(db_url, vk)).publish_answer, req)
    assert result.status == "published" and result.verified, result
    answer = vk.vk.board_comments(GID, tid)[-1]
    assert answer["from_id"] == -GID  # VK shows the community, not the press secretary
    assert answer["text"] == f"[id{CITIZEN}:bp-{GID}_{asked}|Аслан], Запись открыта с понедельника."
    assert answer["attachments"][0]["type"] == "photo"
    assert result.url == f"https://vk.com/topic-{GID}_{tid}?post={answer['id']}"
    assert result.published_at == datetime.fromtimestamp(answer["date"], UTC)
    created = [c for c in vk.vk.calls if c[0] == "board.createComment"]
    assert created and created[0][1]["from_group"] == "1" and created[0][1]["guid"].startswith("otk")


async def test_without_an_administrators_token_a_topic_is_not_connected(db: Engine, db_url: str,
                                                                        vk: RunningFakeVk) -> None:
    connect(db)  # the community token only: VK refuses board.createComment to it
    tid, asked = topic_with_question(vk)
    pub = NetworkPublisher(db, settings_for(db_url, vk))
    result = await ActivityEnvironment().run(pub.publish_answer,
                                             request(f"https://vk.com/topic-{GID}_{tid}?post={asked}"))
    assert result.status == "not_connected" and "ключ администратора" in result.detail
    assert len(vk.vk.board_comments(GID, tid)) == 2 and not [c for c in vk.vk.calls if c[0] == "board.createComment"]


async def test_a_topic_of_another_community_is_left_to_the_executor(db: Engine, db_url: str,
                                                                     vk: RunningFakeVk) -> None:
    connect(db)
    connect_admin(db)
    vk.vk.add_group(GID + 1, "rso_official", "Глава РСО-Алания")
    tid = vk.vk.add_topic(GID + 1, "Обращения", -(GID + 1), "Пишите")
    asked = vk.vk.add_board_comment(GID + 1, tid, CITIZEN, "Нет талонов")
    result = await ActivityEnvironment().run(NetworkPublisher(db, settings_for(db_url, vk)).publish_answer,
                                             request(f"https://vk.com/topic-{GID + 1}_{tid}?post={asked}"))
    assert result.status == "not_connected" and "другому сообществу" in result.detail


async def test_a_closed_topic_or_a_demoted_administrator_falls_back_to_the_executor(db: Engine, db_url: str,
                                                                                     vk: RunningFakeVk) -> None:
    connect(db)
    connect_admin(db)
    tid, asked = topic_with_question(vk)
    vk.vk.close_topic(GID, tid)
    pub = NetworkPublisher(db, settings_for(db_url, vk))
    result = await ActivityEnvironment().run(pub.publish_answer, request(f"https://vk.com/topic-{GID}_{tid}?post={asked}"))
    assert result.status == "manual" and result.refused and "исполнитель" in result.detail
    tid2, asked2 = topic_with_question(vk)
    vk.vk.make_manager(GID, ADMIN, level=1)  # a moderator may not write on the community's behalf
    result = await ActivityEnvironment().run(pub.publish_answer, request(f"https://vk.com/topic-{GID}_{tid2}?post={asked2}"))
    assert result.status == "manual" and "доступ запрещён" in result.detail
    assert len(vk.vk.board_comments(GID, tid2)) == 2


async def test_a_retried_attempt_adopts_the_topic_comment_already_there(db: Engine, db_url: str,
                                                                        vk: RunningFakeVk) -> None:
    connect(db)
    connect_admin(db)
    tid, asked = topic_with_question(vk)
    text = "Талоны появятся в среду."
    vk.vk.add_board_comment(GID, tid, -GID, f"[id{CITIZEN}:bp-{GID}_{asked}|Аслан], {text}")  # attempt 1 stored it
    env = ActivityEnvironment()
    env.info = env.info.__class__(**{**env.info.__dict__, "attempt": 2})
    result = await env.run(NetworkPublisher(db, settings_for(db_url, vk)).publish_answer,
                           request(f"https://vk.com/topic-{GID}_{tid}?post={asked}", text=text))
    assert result.status == "published" and result.verified
    assert len(vk.vk.board_comments(GID, tid)) == 3
    assert not [c for c in vk.vk.calls if c[0] == "board.createComment"]


async def test_a_topic_answer_that_timed_out_after_vk_stored_it_is_posted_once(
        db: Engine, db_url: str, vk: RunningFakeVk, dev_env: WorkflowEnvironment) -> None:
    connect(db)
    connect_admin(db)
    tid, asked = topic_with_question(vk)
    vk.vk.stall_after_store("board.createComment", 6.0)  # stored, then no answer before the 3 s timeout
    queue = f"publish-board-{uuid.uuid4().hex[:8]}"
    async with Worker(dev_env.client, task_queue=queue, workflows=[PublishOnce],
                      activities=network_activities(db, settings_for(db_url, vk))):
        result = await asyncio.wait_for(dev_env.client.execute_workflow(
            PublishOnce.run, request(f"https://vk.com/topic-{GID}_{tid}?post={asked}"), id=f"pub-{queue}",
            task_queue=queue), 40)
    assert result.status == "published"
    assert len([c for c in vk.vk.board_comments(GID, tid) if c["from_id"] == -GID]) == 2  # the opening post + one


async def test_verify_an_executors_link_to_a_topic_comment(db: Engine, db_url: str, vk: RunningFakeVk) -> None:
    pub = NetworkPublisher(db, settings_for(db_url, vk))
    tid, asked = topic_with_question(vk)
    other = vk.vk.add_topic(GID, "Другая тема", -GID, "…")
    answer = vk.vk.add_board_comment(GID, tid, -GID, "Аслан, запись открыта")
    message = f"https://vk.com/topic-{GID}_{tid}?post={asked}"

    def req(link: str) -> VerifyRequest:
        return VerifyRequest.model_validate({"workflow_id": "msg-vk-1", "network": "vk", "body": "minzdrav",
                                             "message_url": message, "published_url": link})

    env = ActivityEnvironment()
    r = await env.run(pub.verify_publication, req(f"https://vk.com/topic-{GID}_{other}?post={answer}"))
    assert r.same_network and not r.same_thread and not r.verified
    connect(db)  # a community token cannot read boards; no administrator's token, no service key yet
    r = await env.run(pub.verify_publication, req(f"https://vk.com/topic-{GID}_{tid}?post={answer}"))
    assert r.same_thread and not r.checked_via_api and not r.verified
    connect_admin(db)
    r = await env.run(pub.verify_publication, req(f"https://vk.com/topic-{GID}_{tid}?post={answer}"))
    assert r.verified and r.exists and r.from_community and r.published_at is not None
    r = await env.run(pub.verify_publication, req(f"https://vk.com/topic-{GID}_{tid}?post={asked}"))
    assert not r.verified  # the citizen's own comment is not an answer
    r = await env.run(pub.verify_publication, req(f"https://vk.com/topic-{GID}_{tid}?post=9999"))
    assert r.checked_via_api and r.exists is False and not r.verified
