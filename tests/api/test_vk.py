"""VK Callback API: confirmation, secret, duplicates, each accepted event type (payloads shaped as in
VKCOM/vk-api-schema: ``callback_base`` + ``wall_wallpost_full`` / ``wall_wall_comment`` /
``board_topic_comment`` with ``topic_id, topic_owner_id``). Every accepted event becomes a **candidate**
(P7): no workflow starts and no clock runs until a Curator takes it — so Temporal being down changes nothing."""

from __future__ import annotations

import json
import socket
import time
import uuid

import httpx
import pytest
from sqlmodel import Session, select

from api.main import create_app
from models.candidates import Candidate
from models.integrations import VkEvent, record_vk_event
from models.readmodel import Message
from tests.api.conftest import VK_CONFIRMATION, VK_GROUP, VK_SECRET
from workflows.client import MessageNotFound, message_view

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
        return list(s.exec(select(VkEvent).order_by(VkEvent.id)).all())


def candidates(db) -> list[Candidate]:
    with Session(db) as s:
        return list(s.exec(select(Candidate).order_by(Candidate.id)).all())


def messages(db) -> list[Message]:
    with Session(db) as s:
        return list(s.exec(select(Message)).all())


async def no_workflow(dev_env, wid: str) -> bool:
    try:
        await message_view(dev_env.client, wid)
    except MessageNotFound:
        return True
    return False


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
    assert stored(db) == [] and candidates(db) == []


async def test_p7_wall_post_new_becomes_a_candidate_not_a_message(http, world, worker, db, dev_env):
    res = await http.post(URL, json=envelope("wall_post_new", wall_post(8801)))
    assert res.status_code == 200 and res.text == "ok"
    [event] = stored(db)
    [cand] = candidates(db)
    assert event.status == "recorded" and event.candidate_id == cand.id and event.workflow_id is None
    assert cand.external_id == f"wall{GROUP_OWNER}_8801" and cand.kind == "post" and cand.source == "vk_callback"
    assert cand.status == "new" and cand.community_id == str(VK_GROUP)
    assert cand.url == f"https://vk.com/wall{GROUP_OWNER}_8801" and cand.text.startswith("Когда отремонтируют")
    assert cand.author_url == "https://vk.com/id377123"
    assert cand.attachments == [{"kind": "photo", "url": "https://sun9-1.userapi.com/x.jpg", "title": ""}]
    assert json.loads(cand.raw_payload)["object"]["id"] == 8801  # the body exactly as received (P14)
    assert await no_workflow(dev_env, f"msg-vk-wall{GROUP_OWNER}_8801")  # no clock runs (P7, P9)
    assert messages(db) == []


async def test_wall_reply_new_becomes_a_comment_candidate(http, world, worker, db, dev_env):
    res = await http.post(URL, json=envelope("wall_reply_new", wall_comment(9102, post_id=8801)))
    assert res.text == "ok"
    [cand] = candidates(db)
    assert cand.external_id == f"wall{GROUP_OWNER}_8801_reply9102" and cand.kind == "comment"
    assert cand.url == f"https://vk.com/wall{GROUP_OWNER}_8801?reply=9102" and cand.text == "В больнице нет врачей!"
    assert (cand.post_id, cand.comment_id) == ("8801", "9102")
    assert await no_workflow(dev_env, f"msg-vk-wall{GROUP_OWNER}_8801_reply9102")


async def test_board_post_new_becomes_a_topic_comment_candidate(http, world, worker, db):
    res = await http.post(URL, json=envelope("board_post_new", board_comment(31, topic_id=4001)))
    assert res.text == "ok"
    [cand] = candidates(db)
    assert cand.external_id == f"topic{GROUP_OWNER}_4001_post31" and cand.kind == "topic_comment"
    assert cand.url == f"https://vk.com/topic{GROUP_OWNER}_4001?post=31"
    listed = (await http.get("/api/v1/candidates", headers=world.auth("curator"))).json()
    assert [c["id"] for c in listed["items"]] == [cand.id]


async def test_duplicate_event_id_is_ignored(http, world, worker, db):
    body = envelope("wall_reply_new", wall_comment(9200, post_id=8801), event_id="dup-event-1")
    for _ in range(3):
        res = await http.post(URL, json=body)
        assert res.status_code == 200 and res.text == "ok"
    assert len(stored(db)) == 1 and len(candidates(db)) == 1


async def test_the_same_comment_in_two_events_is_one_candidate(http, world, worker, db):
    for event_id in ("ev-a", "ev-b"):  # VK's event ids differ; the comment is the same
        await http.post(URL, json=envelope("wall_reply_new", wall_comment(9201, post_id=8801), event_id=event_id))
    events = stored(db)
    [cand] = candidates(db)
    assert len(events) == 2 and {e.candidate_id for e in events} == {cand.id}


async def test_the_community_own_writing_and_other_groups_are_not_candidates(http, world, worker, db):
    own = envelope("wall_reply_new", wall_comment(9300, post_id=8801, from_id=GROUP_OWNER))  # an official answer
    assert (await http.post(URL, json=own)).text == "ok"
    postponed = envelope("wall_post_new", wall_post(8802, from_id=GROUP_OWNER, post_type="postpone"))
    assert (await http.post(URL, json=postponed)).text == "ok"
    unmonitored = envelope("wall_post_new", wall_post(8803), group_id=999)
    assert (await http.post(URL, json=unmonitored)).text == "ok"
    other_type = envelope("group_join", {"user_id": 1, "join_type": "join"})
    assert (await http.post(URL, json=other_type)).text == "ok"
    assert stored(db) == [] and candidates(db) == []


async def test_an_object_off_schema_is_kept_as_invalid_with_no_candidate(http, world, worker, db):
    res = await http.post(URL, json=envelope("wall_post_new", {"id": "not-a-number"}))
    assert res.text == "ok"
    [event] = stored(db)
    assert event.status == "invalid" and event.last_error and event.candidate_id is None
    assert candidates(db) == []


async def test_a_redelivered_event_whose_candidate_was_not_recorded_records_it(world, db):
    """The process stopped after storing the event: VK delivers it again and the candidate appears."""
    from domain.vk import VkCallback, candidate_in

    body = envelope("wall_post_new", wall_post(8850), event_id="half-done")
    raw = json.dumps(body)
    with Session(db) as s:
        s.add(VkEvent(event_id="half-done", group_id=VK_GROUP, type="wall_post_new", payload=raw, status="pending"))
        s.commit()
        cand = candidate_in(VkCallback.model_validate(body), raw)
        event, row, created = record_vk_event(s, "half-done", VK_GROUP, "wall_post_new", raw, cand)
        assert created and row is not None and event.status == "recorded" and event.candidate_id == row.id
        again = record_vk_event(s, "half-done", VK_GROUP, "wall_post_new", raw, cand)
        assert again[1] is None and again[2] is False
    assert len(candidates(db)) == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_temporal_down_changes_nothing_for_the_callback(api_settings, world, db):
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
    [cand] = candidates(db)
    assert event.status == "recorded" and cand.status == "new"
    assert json.loads(cand.raw_payload)["object"]["id"] == 8900
