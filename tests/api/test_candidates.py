"""Candidates (P7, P9): feeds bring candidates, a Curator identifies a message by taking one (its clocks start
then) or skips it with a reason. Dedup by network + external id across the VK callback and a feed; the list
with filters and pages; take with and without classification and route; one decision per candidate (409s
naming who decided); 422s in Russian; only curators triage."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from sqlmodel import Session, select

from domain.candidates import CandidateIn, CandidateSource
from domain.messages import Author, Network
from models.candidates import Candidate, record_candidate
from models.registry import Body, Person
from models.tokens import issue_token
from tests.api.conftest import message_payload
from tests.api.test_vk import GROUP_OWNER, envelope, wall_comment
from workflows.client import MessageNotFound, message_view

pytestmark = pytest.mark.db

C1 = "/api/v1/candidates"
VK_URL = "/api/v1/integrations/vk/callback"
CLASSIFIED = {"topic": "clinics", "location": "vladikavkaz"}


def feed_payload(**over):
    body = message_payload(**over)
    body.pop("source")
    return body


async def feed(http, world, **over) -> int:
    res = await http.post("/api/v1/messages", headers=world.auth("feed"), json=feed_payload(**over))
    assert res.status_code in (200, 201), res.text
    return res.json()["candidate_id"]


def put(db, external_id: str, *, arrived_at: datetime | None = None, text: str = "Нет света на ул. Ленина",
        network: Network = Network.vk, source: CandidateSource = CandidateSource.integration,
        community: str | None = "1") -> int:
    with Session(db) as s:
        row, _ = record_candidate(s, CandidateIn(
            network=network, external_id=external_id, source=source, url=f"https://vk.com/{external_id}",
            community_id=community, author=Author(id="42", name="Сослан Дзагоев"), text=text))
        if arrived_at is not None:
            s.execute(update(Candidate).where(Candidate.id == row.id).values(arrived_at=arrived_at))
            s.commit()
        return row.id  # type: ignore[return-value]


def second_curator(db, name: str = "Бесолова Алина Сергеевна") -> dict[str, str]:
    with Session(db) as s:
        tsur = s.exec(select(Body).where(Body.code == "tsur")).one()
        person = Person(full_name=name, roles=["curator"], body_id=tsur.id)
        s.add(person)
        s.flush()
        token = issue_token(s, person)
        s.commit()
    return {"Authorization": f"Bearer {token}"}


async def test_p7_the_same_comment_from_the_callback_and_a_feed_is_one_candidate(http, world, worker, db):
    res = await http.post(VK_URL, json=envelope("wall_reply_new", wall_comment(7001, post_id=500)))
    assert res.text == "ok"
    [first] = (await http.get(C1, headers=world.auth("curator"))).json()["items"]
    ext = f"wall{GROUP_OWNER}_500_reply7001"
    assert first["external_id"] == ext and first["source"] == "vk_callback"
    res = await http.post("/api/v1/messages", headers=world.auth("feed"),
                          json=feed_payload(external_id=ext, url=f"https://vk.com/wall{GROUP_OWNER}_500?reply=7001"))
    assert res.status_code == 200 and res.json() == {"candidate_id": first["id"], "created": False}
    assert (await http.get(C1, headers=world.auth("curator"))).json()["total"] == 1


async def test_list_filters_search_sort_and_pages(http, world, worker, db):
    curator = world.auth("curator")
    t0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    ids = [put(db, f"wall-1_{i}", arrived_at=t0 + timedelta(hours=i), text=f"Запись {i}") for i in range(5)]
    ok = put(db, "ok-77", network=Network.ok, community="ok-group", arrived_at=t0 + timedelta(hours=10),
             text="Яма на дороге в Алагире")
    cb = put(db, "wall-2_9", source=CandidateSource.vk_callback, community="2", arrived_at=t0 + timedelta(hours=11))
    await http.post(f"{C1}/{ids[0]}/skip", headers=curator, json={"reason": "Благодарность, реакция не нужна"})

    async def listed(**params) -> list[int]:
        res = await http.get(C1, headers=curator, params=params)
        assert res.status_code == 200, res.text
        return [c["id"] for c in res.json()["items"]]

    assert await listed() == [cb, ok, *reversed(ids)]  # newest first by default
    assert await listed(sort="oldest") == [*ids, ok, cb]
    assert await listed(status="new") == [cb, ok, *reversed(ids[1:])]
    assert await listed(status="skipped") == [ids[0]]
    assert await listed(network="ok") == [ok]
    assert await listed(source="vk_callback") == [cb]
    assert await listed(community="ok-group") == [ok]
    assert await listed(q="алагир") == [ok]  # case-insensitive text search
    assert await listed(q="дзагоев", per_page=2) == [cb, ok]  # the author's name too
    assert await listed(arrived_from=(t0 + timedelta(hours=1)).isoformat(),
                        arrived_to=(t0 + timedelta(hours=3)).isoformat()) == [ids[2], ids[1]]
    page = (await http.get(C1, headers=curator, params={"per_page": 3, "page": 2})).json()
    assert page["total"] == 7 and [c["id"] for c in page["items"]] == [ids[3], ids[2], ids[1]]
    skipped = (await http.get(f"{C1}/{ids[0]}", headers=curator)).json()
    assert skipped["status_title"] == "не требует реагирования" and skipped["decided_by_name"] == "Гаглоева Залина Таймуразовна"
    assert skipped["source_title"] == "лента мониторинга" and "raw_payload" in skipped

    bad = await http.get(C1, headers=curator, params={"arrived_from": t0.isoformat(), "arrived_to": t0.isoformat()})
    assert bad.status_code == 422 and not bad.json()["detail"].isascii()
    bad = await http.get(C1, headers=curator, params={"status": "open"})
    assert bad.status_code == 422 and not bad.json()["detail"].isascii()
    assert (await http.get(f"{C1}/999999", headers=curator)).status_code == 404


async def test_p7_take_identifies_the_message_now(http, world, worker, db, dev_env):
    await http.post(VK_URL, json=envelope("wall_reply_new", wall_comment(7101, post_id=501)))
    [cand] = (await http.get(C1, headers=world.auth("curator"))).json()["items"]
    before = datetime.now(UTC)
    res = await http.post(f"{C1}/{cand['id']}/take", headers=world.auth("curator"), json={})
    assert res.status_code == 201, res.text
    out = res.json()
    wid = f"msg-vk-wall{GROUP_OWNER}_501_reply7101"
    assert out["created"] is True and out["candidate"]["status"] == "taken" and out["candidate"]["workflow_id"] == wid
    assert out["candidate"]["decided_by_name"] == "Гаглоева Залина Таймуразовна"
    view = await message_view(dev_env.client, wid)
    assert view.state == "new" and view.source == "vk_callback"
    assert before <= view.detected_at <= datetime.now(UTC)  # P9 counts from the curator's identification
    assert view.text == "В больнице нет врачей!" and view.author.profile_url == "https://vk.com/id377124"
    history = await dev_env.client.get_workflow_handle(wid).fetch_history()
    payload = history.events[0].workflow_execution_started_event_attributes.input.payloads[0]
    codec = dev_env.client.data_converter.payload_codec
    started = (await codec.decode([payload]))[0].data if codec is not None else payload.data  # encrypted at rest
    assert json.loads(json.loads(started)["raw_payload"])["object"]["id"] == 7101  # evidence as received (P14)


async def test_p7_take_with_classification_and_route_in_one_call(http, world, worker, db, dev_env):
    cid = await feed(http, world)
    res = await http.post(f"{C1}/{cid}/take", headers=world.auth("curator"),
                          json={"classification": {**CLASSIFIED, "importance": "important"},
                                "route": {"bodies": ["minzdrav"], "comment": "Срочно"}})
    assert res.status_code == 201, res.text
    wid = res.json()["candidate"]["workflow_id"]
    view = await message_view(dev_env.client, wid)
    assert view.state == "assigned" and [b.code for b in view.bodies] == ["minzdrav"]
    assert view.classification.importance == "important" and view.source == "monitoring"
    cid2 = await feed(http, world)
    res = await http.post(f"{C1}/{cid2}/take", headers=world.auth("curator"), json={"classification": CLASSIFIED})
    assert res.status_code == 201
    view = await message_view(dev_env.client, res.json()["candidate"]["workflow_id"])
    assert view.state == "new" and view.classification.topic == "clinics"


async def test_a_second_take_or_skip_is_409_naming_who_took_it(http, world, worker, db):
    cid = await feed(http, world)
    curator = world.auth("curator")
    assert (await http.post(f"{C1}/{cid}/take", headers=curator, json={})).status_code == 201
    other = second_curator(db)
    for path, body in ((f"{C1}/{cid}/take", {}), (f"{C1}/{cid}/skip", {"reason": "Не требует реакции"})):
        res = await http.post(path, headers=other, json=body)
        assert res.status_code == 409, res.text
        assert res.json()["code"] == "candidate_decided"
        assert "уже взят в работу: Гаглоева Залина Таймуразовна" in res.json()["detail"]


async def test_racing_takes_leave_one_workflow_and_one_taker(http, world, worker, db, dev_env):
    cid = await feed(http, world)
    curators = [world.auth("curator"), *(second_curator(db, f"Куратор Номер {i}") for i in range(3))]
    results = await asyncio.gather(*(http.post(f"{C1}/{cid}/take", headers=h, json={"classification": CLASSIFIED})
                                     for h in curators))
    codes = sorted(r.status_code for r in results)
    assert codes == [201, 409, 409, 409], [r.text for r in results]
    winner = next(r for r in results if r.status_code == 201).json()
    wid = winner["candidate"]["workflow_id"]
    count = await dev_env.client.count_workflows(f'WorkflowId = "{wid}"')
    assert count.count == 1


async def test_take_refuses_bad_input_in_russian_before_anything_starts(http, world, worker, db, dev_env):
    cid = await feed(http, world, external_id="wall-1_4242")
    curator = world.auth("curator")
    cases = [
        ({"route": {"bodies": ["minzdrav"]}}, "классификацию"),
        ({"classification": CLASSIFIED, "route": {"bodies": ["nobody"]}}, "Нет в реестре"),
        ({"classification": {"topic": "nothing", "location": "vladikavkaz"}}, "Нет в реестре"),
        ({"classification": CLASSIFIED, "route": {"bodies": ["minzdrav"], "publishing_body": "mintrans"}},
         "публикующий орган"),
        ({"classification": CLASSIFIED, "extra": 1}, "лишнее поле"),
        ({"repeat_of": "msg-vk-wall-1_0"}, "не найдено"),
    ]
    for body, words in cases:
        res = await http.post(f"{C1}/{cid}/take", headers=curator, json=body)
        assert res.status_code == 422, (body, res.text)
        assert words in res.json()["detail"], (body, res.json())
    with pytest.raises(MessageNotFound):
        await message_view(dev_env.client, "msg-vk-wall-1_4242")
    assert (await http.get(f"{C1}/{cid}", headers=curator)).json()["status"] == "new"
    assert (await http.post(f"{C1}/999999/take", headers=curator, json={})).status_code == 404


async def test_skip_needs_a_reason_and_is_decided_once(http, world, worker, db):
    cid = await feed(http, world)
    curator = world.auth("curator")
    for body in ({}, {"reason": "  "}, {"reason": "   ок   "[:4]}):
        res = await http.post(f"{C1}/{cid}/skip", headers=curator, json=body)
        assert res.status_code == 422, res.text
        assert not res.json()["detail"].isascii()
    res = await http.post(f"{C1}/{cid}/skip", headers=curator, json={"reason": "Спасибо — благодарность"})
    assert res.status_code == 200 and res.json()["status"] == "skipped"
    assert res.json()["skip_reason"] == "Спасибо — благодарность"
    again = await http.post(f"{C1}/{cid}/take", headers=curator, json={})
    assert again.status_code == 409 and "не требующий реагирования" in again.json()["detail"]
    assert "Спасибо — благодарность" in again.json()["detail"]
    assert (await http.post(f"{C1}/999999/skip", headers=curator, json={"reason": "Нет"})).status_code == 404


async def test_bulk_skip_is_all_or_nothing(http, world, worker, db):
    curator = world.auth("curator")
    ids = [put(db, f"wall-1_{900 + i}") for i in range(4)]
    await http.post(f"{C1}/{ids[3]}/skip", headers=curator, json={"reason": "Спам"})
    res = await http.post(f"{C1}/skip", headers=curator, json={"ids": [ids[0], ids[1], 999999], "reason": "Спам"})
    assert res.status_code == 409 and "не найдены: 999999" in res.json()["detail"]
    res = await http.post(f"{C1}/skip", headers=curator, json={"ids": [ids[0], ids[3]], "reason": "Спам"})
    assert res.status_code == 409 and f"{ids[3]} уже отмечен" in res.json()["detail"]
    assert "Гаглоева" in res.json()["detail"]
    statuses = {c["id"]: c["status"] for c in (await http.get(C1, headers=curator)).json()["items"]}
    assert [statuses[i] for i in ids] == ["new", "new", "new", "skipped"]  # nothing changed
    res = await http.post(f"{C1}/skip", headers=curator, json={"ids": ids[:3], "reason": "Реклама, спам"})
    assert res.status_code == 200 and res.json() == {"skipped": sorted(ids[:3])}
    res = await http.post(f"{C1}/skip", headers=curator, json={"ids": [], "reason": "Спам"})
    assert res.status_code == 422 and not res.json()["detail"].isascii()


async def test_only_curators_triage(http, world, worker, db):
    cid = put(db, "wall-1_31337")
    for who in ("exec_minzdrav", "resp_minzdrav", "leadership", "admin", "feed"):
        for method, path, body in (("GET", C1, None), ("GET", f"{C1}/{cid}", None),
                                   ("POST", f"{C1}/{cid}/take", {}),
                                   ("POST", f"{C1}/{cid}/skip", {"reason": "Не нужно"}),
                                   ("POST", f"{C1}/skip", {"ids": [cid], "reason": "Не нужно"})):
            res = await http.request(method, path, headers=world.auth(who), json=body)
            assert res.status_code == 403, (who, method, path, res.text)
            assert res.json()["code"] == "role_forbidden" and not res.json()["detail"].isascii()
    assert (await http.get(C1, headers={"Authorization": "Bearer nope"})).status_code == 401


async def test_p7_a_message_the_curator_enters_by_hand_is_identified_at_once(http, world, worker, db, dev_env):
    res = await http.post("/api/v1/messages", headers=world.auth("curator"), json=message_payload(source="manual"))
    assert res.status_code == 201 and res.json()["view"]["state"] == "new"
    with Session(db) as s:
        assert s.exec(select(Candidate)).all() == []


async def test_take_with_temporal_down_is_503_and_the_candidate_waits(api_settings, world, db):
    import httpx

    from api.main import create_app
    from tests.api.test_vk import _free_port

    cid = put(db, "wall-1_5030")
    dead = api_settings.model_copy(update={"temporal_address": f"127.0.0.1:{_free_port()}"})
    down = create_app(dead)
    async with down.router.lifespan_context(down):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=down), base_url="http://t") as client:
            res = await client.post(f"{C1}/{cid}/take", headers=world.auth("curator"), json={})
            assert res.status_code == 503 and not res.json()["detail"].isascii()
            listed = await client.get(C1, headers=world.auth("curator"))  # triage reads need no Temporal
            assert listed.status_code == 200 and listed.json()["items"][0]["status"] == "new"


async def test_an_interrupted_take_is_completed_by_its_curator_and_detected_when_claimed(http, world, worker, db,
                                                                                        dev_env):
    """The API stopped between the claim and the start: the claimant's retry starts the workflow (one, with
    the claim's time as detection); another curator is told who took it, and completes it once it is stale."""
    from models.candidate_queries import claim_take

    claimed = datetime.now(UTC) - timedelta(minutes=1)
    mine = put(db, "wall-1_6001")
    theirs = put(db, "wall-1_6002")
    with Session(db) as s:
        assert claim_take(s, mine, world.people["curator"], "msg-vk-wall-1_6001", claimed)
        assert claim_take(s, theirs, world.people["curator"], "msg-vk-wall-1_6002", claimed - timedelta(minutes=5))
    res = await http.post(f"{C1}/{mine}/take", headers=world.auth("curator"), json={"classification": CLASSIFIED})
    assert res.status_code == 201, res.text
    view = await message_view(dev_env.client, "msg-vk-wall-1_6001")
    assert abs(view.detected_at - claimed) < timedelta(milliseconds=1) and view.classification.topic == "clinics"
    again = await http.post(f"{C1}/{mine}/take", headers=world.auth("curator"), json={})
    assert again.status_code == 409  # complete now: a second take is refused, naming who took it
    assert "Гаглоева Залина Таймуразовна" in again.json()["detail"]

    res = await http.post(f"{C1}/{theirs}/take", headers=second_curator(db), json={})
    assert res.status_code == 409 and "Гаглоева" in res.json()["detail"]
    view = await message_view(dev_env.client, "msg-vk-wall-1_6002")  # stale: started on the way
    assert abs(view.detected_at - (claimed - timedelta(minutes=5))) < timedelta(milliseconds=1)


async def test_a_post_entered_by_hand_and_its_candidate_are_one_decision(http, world, worker, db):
    """Entered by hand while it waits as a candidate: the candidate is taken by that message. Arriving from a
    feed after it was entered by hand: the candidate is born taken, and nobody triages it again."""
    from tests.api.conftest import eventually

    curator = world.auth("curator")
    waiting = await feed(http, world, external_id="wall-1_7001")
    res = await http.post("/api/v1/messages", headers=curator, json=message_payload("wall-1_7001", source="manual"))
    assert res.status_code == 201
    cand = (await http.get(f"{C1}/{waiting}", headers=curator)).json()
    assert cand["status"] == "taken" and cand["workflow_id"] == "msg-vk-wall-1_7001"
    assert cand["decided_by_name"] == "Гаглоева Залина Таймуразовна"

    res = await http.post("/api/v1/messages", headers=curator, json=message_payload("wall-1_7002", source="manual"))
    wid = res.json()["workflow_id"]

    async def projected():
        return (await http.get(f"/api/v1/messages/{wid}", headers=curator)).json()["record"] is not None

    await eventually(projected)
    later = await feed(http, world, external_id="wall-1_7002")
    cand = (await http.get(f"{C1}/{later}", headers=curator)).json()
    assert cand["status"] == "taken" and cand["workflow_id"] == wid and cand["decided_by"] is None
    assert "Отклик (автоматически)" in (await http.post(f"{C1}/{later}/take", headers=curator, json={})).json()["detail"]
