"""VK Callback API: confirmation, secret, duplicates, each accepted event type (payloads shaped as in
VKCOM/vk-api-schema: ``callback_base`` + ``wall_wallpost_full`` / ``wall_wall_comment`` /
``board_topic_comment`` with ``topic_id, topic_owner_id``), and durability when Temporal is down."""

from __future__ import annotations

import json
import socket
import time
import uuid

import httpx
import pytest
from sqlmodel import Session, select

from api.main import create_app
from models.integrations import VkEvent
from tests.api.conftest import VK_CONFIRMATION, VK_GROUP, VK_SECRET, eventually
from workflows.client import message_view

pytestmark = pytest.mark.db

URL = "/api/v1/integrations/vk/callback"
GROUP_OWNER = -VK_GROUP


def envelope(kind: str, obj: dict | None = None, *, secret: str = VK_SECRET, group_id: int = VK_GROUP,
             event_id: str | None = None) -> dict:
    body = {"type": kind, "group_id": group_id, "event_id": event_id or uuid.uuid4().hex[:40], "v": "5.199",
            "secret": secret}
    if obj is not None:
        body["object"] = obj
    return body


def wall_post(post_id: int, from_id: int = 377_123, **over) -> dict:
    return {"id": post_id, "owner_id": GROUP_OWNER, "from_id": from_id, "created_by": 0, "date": 1_764_400_000,
            "text": "Когда отремонтируют дорогу на ул. Кирова?", "post_type": "suggest", "marked_as_ads": 0,
            "attachments": [{"type": "photo", "photo": {
                "id": 457239017, "owner_id": from_id, "album_id": -7, "date": 1_764_399_990, "text": "",
                "sizes": [{"type": "s", "width": 75, "height": 56, "url": "https://sun9-1.userapi.com/s.jpg"},
                          {"type": "x", "width": 604, "height": 453, "url": "https://sun9-1.userapi.com/x.jpg"}]}}],
            "comments": {"count": 0}, "is_favorite": False, **over}


def wall_comment(comment_id: int, post_id: int, from_id: int = 377_124) -> dict:
    return {"id": comment_id, "from_id": from_id, "date": 1_764_400_100, "text": "В больнице нет врачей!",
            "post_id": post_id, "owner_id": GROUP_OWNER, "parents_stack": [], "likes": {"count": 0},
            "reply_to_user": None, "reply_to_comment": None, "thread": {"count": 0, "items": []}}


def board_comment(comment_id: int, topic_id: int, from_id: int = 377_125) -> dict:
    return {"id": comment_id, "from_id": from_id, "date": 1_764_400_200, "text": "Запишите к кардиологу",
            "attachments": [{"type": "link", "link": {"url": "https://example.org/p", "title": "Письмо"}}],
            "likes": {"count": 0}, "topic_id": topic_id, "topic_owner_id": GROUP_OWNER}


def stored(db) -> list[VkEvent]:
    with Session(db) as s:
        return list(s.exec(select(VkEvent)).all())


async def test_confirmation_returns_the_configured_code(http, world):
    res = await http.post(URL, json={"type": "confirmation", "group_id": VK_GROUP, "secret": VK_SECRET})
    assert res.status_code == 200 and res.text == VK_CONFIRMATION
    res = await http.post(URL, json={"type": "confirmation", "group_id": 5, "secret": VK_SECRET})
    assert res.status_code == 403 and res.json()["code"] == "vk_unknown_group"


async def test_bad_secret_is_403_and_nothing_is_stored(http, world, db):
    for secret in ("wrong", ""):
        res = await http.post(URL, json=envelope("wall_post_new", wall_post(1), secret=secret))
        assert res.status_code == 403
        assert res.json() == {"detail": "Неверный секретный ключ Callback API", "code": "vk_bad_secret"}
    res = await http.post(URL, json={"type": "confirmation", "group_id": VK_GROUP, "secret": "wrong"})
    assert res.status_code == 403
    assert stored(db) == []


async def test_wall_post_new_becomes_a_message(http, world, worker, db, dev_env):
    res = await http.post(URL, json=envelope("wall_post_new", wall_post(8801)))
    assert res.status_code == 200 and res.text == "ok"
    wid = f"msg-vk-wall{GROUP_OWNER}_8801"
    [event] = stored(db)
    assert event.status == "started" and event.workflow_id == wid
    view = await message_view(dev_env.client, wid)
    assert view.url == f"https://vk.com/wall{GROUP_OWNER}_8801" and view.source == "vk_callback"
    assert view.author.profile_url == "https://vk.com/id377123" and view.text.startswith("Когда отремонтируют")
    assert view.state == "new"


async def test_wall_reply_new_becomes_a_message(http, world, worker, db, dev_env):
    res = await http.post(URL, json=envelope("wall_reply_new", wall_comment(9102, post_id=8801)))
    assert res.text == "ok"
    wid = f"msg-vk-wall{GROUP_OWNER}_8801_reply9102"
    view = await message_view(dev_env.client, wid)
    assert view.url == f"https://vk.com/wall{GROUP_OWNER}_8801?reply=9102" and view.text == "В больнице нет врачей!"


async def test_board_post_new_becomes_a_message(http, world, worker, db, dev_env):
    res = await http.post(URL, json=envelope("board_post_new", board_comment(31, topic_id=4001)))
    assert res.text == "ok"
    wid = f"msg-vk-topic{GROUP_OWNER}_4001_post31"
    view = await message_view(dev_env.client, wid)
    assert view.url == f"https://vk.com/topic{GROUP_OWNER}_4001?post=31"
    curator = world.auth("curator")
    detail = (await http.get(f"/api/v1/messages/{wid}", headers=curator)).json()
    assert detail["view"]["workflow_id"] == wid


async def test_duplicate_event_id_is_ignored(http, world, worker, db, dev_env):
    body = envelope("wall_reply_new", wall_comment(9200, post_id=8801), event_id="dup-event-1")
    for _ in range(3):
        res = await http.post(URL, json=body)
        assert res.status_code == 200 and res.text == "ok"
    assert len(stored(db)) == 1
    wid = f"msg-vk-wall{GROUP_OWNER}_8801_reply9200"
    assert await dev_env.client.count_workflows(f'WorkflowId = "{wid}"') is not None
    assert (await dev_env.client.count_workflows(f'WorkflowId = "{wid}"')).count == 1


async def test_the_community_own_writing_and_other_groups_are_not_messages(http, world, worker, db):
    own = envelope("wall_reply_new", wall_comment(9300, post_id=8801, from_id=GROUP_OWNER))  # an official answer
    assert (await http.post(URL, json=own)).text == "ok"
    postponed = envelope("wall_post_new", wall_post(8802, from_id=GROUP_OWNER, post_type="postpone"))
    assert (await http.post(URL, json=postponed)).text == "ok"
    unmonitored = envelope("wall_post_new", wall_post(8803), group_id=999)
    assert (await http.post(URL, json=unmonitored)).text == "ok"
    other_type = envelope("group_join", {"user_id": 1, "join_type": "join"})
    assert (await http.post(URL, json=other_type)).text == "ok"
    assert stored(db) == []


async def test_an_object_off_schema_is_kept_as_invalid(http, world, worker, db):
    res = await http.post(URL, json=envelope("wall_post_new", {"id": "not-a-number"}))
    assert res.text == "ok"
    [event] = stored(db)
    assert event.status == "invalid" and event.last_error


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_temporal_down_still_ok_and_the_event_starts_later(dev_env, api_settings, world, worker, db):
    dead = api_settings.model_copy(update={"temporal_address": f"127.0.0.1:{_free_port()}"})
    down = create_app(dead)
    async with down.router.lifespan_context(down):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=down), base_url="http://t") as client:
            started = time.monotonic()
            res = await client.post(URL, content=json.dumps(envelope("wall_post_new", wall_post(8900))),
                                    headers={"Content-Type": "application/json"})
            assert res.status_code == 200 and res.text == "ok"
            assert time.monotonic() - started < 5
    [event] = stored(db)
    assert event.status == "pending" and event.attempts == 1 and event.last_error
    assert json.loads(event.payload)["object"]["id"] == 8900  # the payload exactly as received

    up = create_app(api_settings, temporal_client=dev_env.client)
    async with up.router.lifespan_context(up):  # start-up retries what is pending
        def started_now():
            return [e for e in stored(db) if e.status == "started"]

        [event] = await eventually(started_now)
    view = await message_view(dev_env.client, f"msg-vk-wall{GROUP_OWNER}_8900")
    assert view.detected_at == event.received_at  # detected when VK delivered it, not when it was retried
