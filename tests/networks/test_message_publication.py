"""P9 end to end: a MessageWorkflow whose publishing body's community is connected publishes the approved answer
itself — a reply in the message's thread, read back — and the publication clock closes at the network's time."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities import build_activities
from domain.messages import Acceptance, MessageState, Outcome
from domain.sla import StepKey
from tests.fakes.vk import RunningFakeVk
from tests.networks.test_publish import CITIZEN, GID, connect, settings_for, vk  # noqa: F401  (fixture)
from tests.workflows.helpers import CURATOR, QUICK_CLOSE, approval, draft, executor, make_input, route_to
from workflows import ALL_WORKFLOWS
from workflows.client import message_act, message_view, start_message


async def test_p9_an_approved_answer_is_published_by_itself_and_its_clock_closes_at_the_networks_time(
        db: Engine, db_url: str, vk: RunningFakeVk, dev_env: WorkflowEnvironment) -> None:  # noqa: F811
    connect(db)
    post = vk.vk.add_post(-GID, CITIZEN, "Две недели не могу записаться к терапевту")
    comment = vk.vk.add_comment(-GID, post, CITIZEN, "Когда откроют запись?")
    queue = f"msg-pub-{uuid.uuid4().hex[:8]}"
    inp = make_input(datetime.now(UTC), external_id=f"wall-{GID}_{post}_reply{comment}", post_id=str(post),
                     comment_id=str(comment), url=f"https://vk.com/wall-{GID}_{post}?reply={comment}",
                     policy=QUICK_CLOSE)
    wid = inp.workflow_id
    c = dev_env.client
    async with Worker(c, task_queue=queue, workflows=ALL_WORKFLOWS,
                      activities=build_activities(db, None, settings_for(db_url, vk))):
        await start_message(c, inp, queue)
        await message_act(c, wid, "route", route_to("minzdrav"))
        await message_act(c, wid, "accept", Acceptance(actor=executor("minzdrav")))
        await message_act(c, wid, "submit_draft", draft("minzdrav", text="Запись откроется в понедельник в 8:00."))
        await message_act(c, wid, "approve", approval())
        for _ in range(100):
            view = await message_view(c, wid)
            if view.state == MessageState.answered:
                break
            await asyncio.sleep(0.1)
    assert view.outcome == Outcome.answered and view.breaches == []
    replies = [x for x in vk.vk.wall_comments(-GID, post) if x.get("from_id") == -GID]
    assert len(replies) == 1 and replies[0]["text"].startswith("Запись откроется")
    assert replies[0].get("reply_to_comment") == comment  # an answer to the citizen's comment, in its thread
    publication = view.deadline(StepKey.publication, "minzdrav")
    assert publication.met is True
    assert view.body("minzdrav").published_at == datetime.fromtimestamp(replies[0]["date"], UTC)  # the network's time
    assert view.answer_url and f"wall-{GID}_{post}" in view.answer_url
    assert CURATOR.role == "curator"


async def test_p9_a_message_in_a_discussion_topic_is_answered_there_by_itself(
        db: Engine, db_url: str, vk: RunningFakeVk, dev_env: WorkflowEnvironment) -> None:  # noqa: F811
    from tests.networks.test_publish_board import ADMIN, ADMIN_TOKEN, connect_admin

    connect(db)
    connect_admin(db)
    vk.vk.add_user(ADMIN, "Залина", token=ADMIN_TOKEN)
    vk.vk.make_manager(GID, ADMIN, level=3)
    vk.vk.add_user(CITIZEN, "Аслан")
    topic = vk.vk.add_topic(GID, "Вопросы о поликлиниках", -GID, "Задавайте вопросы")
    asked = vk.vk.add_board_comment(GID, topic, CITIZEN, "Нет талонов к эндокринологу в Беслане")
    queue = f"msg-board-{uuid.uuid4().hex[:8]}"
    inp = make_input(datetime.now(UTC), external_id=f"topic-{GID}_{topic}_post{asked}", post_id=str(topic),
                     comment_id=str(asked), url=f"https://vk.com/topic-{GID}_{topic}?post={asked}", policy=QUICK_CLOSE)
    c = dev_env.client
    async with Worker(c, task_queue=queue, workflows=ALL_WORKFLOWS,
                      activities=build_activities(db, None, settings_for(db_url, vk))):
        await start_message(c, inp, queue)
        await message_act(c, inp.workflow_id, "route", route_to("minzdrav"))
        await message_act(c, inp.workflow_id, "accept", Acceptance(actor=executor("minzdrav")))
        await message_act(c, inp.workflow_id, "submit_draft", draft("minzdrav", text="Талоны будут в среду."))
        await message_act(c, inp.workflow_id, "approve", approval())
        for _ in range(100):
            view = await message_view(c, inp.workflow_id)
            if view.state == MessageState.answered:
                break
            await asyncio.sleep(0.1)
    assert view.outcome == Outcome.answered and view.breaches == []
    [answer] = [x for x in vk.vk.board_comments(GID, topic) if x["from_id"] == -GID and x["id"] != 1]
    assert answer["text"] == f"[id{CITIZEN}:bp-{GID}_{asked}|Аслан], Талоны будут в среду."
    assert view.deadline(StepKey.publication, "minzdrav").met is True
    assert view.body("minzdrav").published_at == datetime.fromtimestamp(answer["date"], UTC)
    assert view.answer_url == f"https://vk.com/topic-{GID}_{topic}?post={answer['id']}"
