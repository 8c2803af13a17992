"""Messages over HTTP against the real dev server, a real Worker and the real database."""

from __future__ import annotations

import socket
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import Session, select

from api.main import create_app
from models.readmodel import Message
from tests.api.conftest import eventually, message_payload

pytestmark = pytest.mark.db

V1 = "/api/v1/messages"
CHECKLIST = {"complete": True, "informal": True, "concise": True, "solution": True, "network_format": True}
CLASSIFICATION = {"topic": "clinics", "location": "vladikavkaz", "importance": "important"}


async def _intake(http, world, **over):
    res = await http.post(V1, headers=world.auth("curator"), json=message_payload(**over))
    assert res.status_code == 201, res.text
    return res.json()["workflow_id"]


async def _routed(http, world, body="minzdrav", **over) -> str:
    wid = await _intake(http, world, **over)
    res = await http.post(f"{V1}/{wid}/route", headers=world.auth("curator"),
                          json={"bodies": [body], "classification": CLASSIFICATION})
    assert res.status_code == 200, res.text
    return wid


async def _record(db, wid, **expect):
    def check():
        with Session(db) as s:
            row = s.exec(select(Message).where(Message.workflow_id == wid)).first()
            return row if row is not None and all(getattr(row, k) == v for k, v in expect.items()) else None

    return await eventually(check)


async def test_happy_path_from_intake_to_published_answer(http, world, worker, db):
    curator, executor = world.auth("curator"), world.auth("exec_minzdrav")
    payload = message_payload()
    res = await http.post(V1, headers=curator, json=payload)
    assert res.status_code == 201, res.text
    created = res.json()
    wid = created["workflow_id"]
    assert wid == f"msg-vk-{payload['external_id']}"
    assert created["live"] is True and created["view"]["state"] == "new"
    detected = datetime.fromisoformat(created["view"]["detected_at"])
    assert abs(detected - datetime.now(UTC)) < timedelta(seconds=30)

    again = await http.post(V1, headers=curator, json=payload)  # the same post again: no second workflow
    assert again.status_code == 200 and again.json()["workflow_id"] == wid

    res = await http.post(f"{V1}/{wid}/classify", headers=curator, json=CLASSIFICATION)
    assert res.status_code == 200 and res.json()["classification"]["topic"] == "clinics"
    res = await http.post(f"{V1}/{wid}/route", headers=curator, json={"bodies": ["minzdrav"]})
    assert res.status_code == 200 and res.json()["state"] == "assigned"
    res = await http.post(f"{V1}/{wid}/accept", headers=executor, json={})
    assert res.status_code == 200 and res.json()["state"] == "in_progress"
    res = await http.post(f"{V1}/{wid}/drafts", headers=executor, json={
        "kind": "final", "text": "Здравствуйте! Запись к терапевту открыта, звоните 122."})
    assert res.status_code == 200 and res.json()["state"] == "on_review"
    draft = res.json()["drafts"][-1]["id"]
    res = await http.post(f"{V1}/{wid}/drafts/{draft}/approve", headers=curator, json=CHECKLIST)
    assert res.status_code == 200 and res.json()["state"] == "approved"
    res = await http.post(f"{V1}/{wid}/drafts/{draft}/published", headers=executor,
                          json={"url": "https://vk.com/wall-1_100?reply=101"})
    assert res.status_code == 200, res.text
    assert res.json()["state"] == "answered" and res.json()["answer_url"] == "https://vk.com/wall-1_100?reply=101"

    row = await _record(db, wid, state="answered")
    assert row.bodies == ["minzdrav"] and row.topic == "clinics"
    res = await http.get(f"{V1}/{wid}", headers=executor)
    assert res.status_code == 200
    assert res.json()["record"]["state"] == "answered" and res.json()["view"]["state"] == "answered"

    async def timeline():
        r = await http.get(f"{V1}/{wid}/events", headers=curator)
        return r.json() if "answered" in [e["kind"] for e in r.json()] else None

    kinds = [e["kind"] for e in await eventually(timeline) if e["kind"] != "delivery"]  # transitions only
    assert kinds[-6:] == ["routed", "accepted", "draft_submitted", "approved", "published", "answered"]
    events = (await http.get(f"{V1}/{wid}/events", headers=curator)).json()
    accepted = next(e for e in events if e["kind"] == "accepted")
    assert accepted["actor_id"] == world.people["exec_minzdrav"] and accepted["actor_role"] == "executor"
    routed = next(e for e in events if e["kind"] == "routed")
    assert routed["text"] == "Направлено в орган: «Министерство здравоохранения РСО-Алания»"  # the registry's name

    listed = (await http.get(V1, headers=executor, params={"state": "answered"})).json()
    assert [m["workflow_id"] for m in listed["items"]] == [wid] and listed["total"] == 1
    assert (await http.get(V1, headers=world.auth("exec_mintrans"))).json()["total"] == 0


async def test_idempotency_key_returns_the_first_outcome(http, world, worker):
    wid = await _routed(http, world)
    executor = {**world.auth("exec_minzdrav"), "Idempotency-Key": "accept-" + uuid.uuid4().hex}
    first = await http.post(f"{V1}/{wid}/accept", headers=executor, json={})
    second = await http.post(f"{V1}/{wid}/accept", headers=executor, json={})
    assert first.status_code == second.status_code == 200
    assert {**first.json(), "as_of": None} == {**second.json(), "as_of": None}
    other = await http.post(f"{V1}/{wid}/accept", headers=world.auth("exec_minzdrav"), json={})
    assert other.status_code == 409  # a new key: the validator speaks


async def test_validator_refusal_is_409_with_the_russian_reason(http, world, worker):
    wid = await _intake(http, world)
    res = await http.post(f"{V1}/{wid}/route", headers=world.auth("curator"), json={"bodies": ["minzdrav"]})
    assert res.status_code == 409
    assert res.json() == {"code": "rejected",
                          "detail": "Сначала укажите тематику, территорию и категорию важности сообщения (п. 7) — их можно "
                                     "передать в этом же запросе (поле classification)."}
    res = await http.post(f"{V1}/{wid}/dismiss", headers=world.auth("curator"), json={"reason": "Спам"})
    assert res.status_code == 200 and res.json()["state"] == "dismissed"
    res = await http.post(f"{V1}/{wid}/significant", headers=world.auth("curator"), json={"reason": "Резонанс"})
    assert res.status_code == 409 and "завершена" in res.json()["detail"]


async def test_unknown_message_and_draft_are_404(http, world, worker):
    res = await http.get(f"{V1}/msg-vk-nothing_here", headers=world.auth("curator"))
    assert res.status_code == 404 and res.json() == {"detail": "Сообщение не найдено", "code": "message_not_found"}
    res = await http.post(f"{V1}/msg-vk-nothing_here/dismiss", headers=world.auth("curator"), json={"reason": "Нет"})
    assert res.status_code == 404
    assert (await http.get(f"{V1}/msg-vk-nothing_here/events", headers=world.auth("curator"))).status_code == 404
    wid = await _routed(http, world)
    res = await http.post(f"{V1}/{wid}/drafts/d7/approve", headers=world.auth("curator"), json=CHECKLIST)
    assert res.status_code == 404 and res.json()["code"] == "draft_not_found"


async def test_malformed_input_is_422(http, world, worker):
    curator = world.auth("curator")
    res = await http.post(V1, headers=curator, json={"network": "vk"})
    assert res.status_code == 422
    assert {e["field"] for e in res.json()["errors"]} >= {"body.external_id", "body.url", "body.author", "body.text"}
    res = await http.post(V1, headers=curator, json=message_payload(
        detected_at=(datetime.now(UTC) + timedelta(hours=3)).isoformat()))
    assert res.status_code == 422 and "будущем" in res.json()["detail"]
    res = await http.post(V1, headers=curator, json=message_payload(detected_at="2025-01-01T10:00:00"))
    assert res.status_code == 422 and res.json()["errors"][0]["message"] == "дата и время должны содержать часовой пояс"
    # found by schemathesis: a workflow that cannot count its deadlines must never be started
    res = await http.post(V1, headers=curator, json=message_payload(detected_at="0020-01-01T00:00:00+00:00"))
    assert res.status_code == 422 and "2000–2100" in res.json()["detail"]
    res = await http.post(V1, headers=curator, json=message_payload(
        posted_at=datetime.now(UTC).isoformat(), detected_at=(datetime.now(UTC) - timedelta(hours=1)).isoformat()))
    assert res.status_code == 422 and "раньше времени публикации" in res.json()["detail"]
    res = await http.post(V1, headers=curator, json=message_payload(repeat_of="msg-vk-never_seen"))
    assert res.status_code == 422 and res.json()["code"] == "repeat_of_not_found"
    wid = await _intake(http, world)
    res = await http.post(f"{V1}/{wid}/route", headers=curator, json={"bodies": []})
    assert res.status_code == 422
    res = await http.post(f"{V1}/{wid}/route", headers=curator, json={"bodies": ["minzdrav", "minzdrav"],
                                                                       "classification": CLASSIFICATION})
    assert res.status_code == 422 and "орган указан дважды" in res.json()["detail"]
    res = await http.post(f"{V1}/{wid}/return", headers=world.auth("exec_minzdrav"), json={"reason": ""})
    assert res.status_code == 422
    assert (await http.get(f"{V1}/not-a-message-id", headers=curator)).status_code == 422
    res = await http.post(f"{V1}/{wid}/dismiss", headers={**curator, "Idempotency-Key": "has space"},
                          json={"reason": "Спам"})
    assert res.status_code == 422


async def test_earlier_detection_time_stated_by_the_curator_is_kept(http, world, worker):
    earlier = datetime.now(UTC) - timedelta(hours=1)
    res = await http.post(V1, headers=world.auth("curator"), json=message_payload(detected_at=earlier.isoformat()))
    assert res.status_code == 201
    assert datetime.fromisoformat(res.json()["view"]["detected_at"]) == earlier


async def test_intake_is_for_curators(http, world, worker):
    for who in ("exec_minzdrav", "resp_minzdrav", "leadership", "admin"):
        res = await http.post(V1, headers=world.auth(who), json=message_payload())
        assert res.status_code == 403 and res.json()["code"] == "role_forbidden", who
    assert (await http.post(V1, json=message_payload())).status_code == 401


async def test_branches_return_reroute_illegal_and_significant(http, world, worker, db):
    curator = world.auth("curator")
    wid = await _routed(http, world, body="mintrans")
    res = await http.post(f"{V1}/{wid}/significant", headers=curator, json={"reason": "Массовые жалобы"})
    assert res.status_code == 200 and res.json()["significant"] is True
    res = await http.post(f"{V1}/{wid}/return", headers=world.auth("exec_mintrans"),
                          json={"reason": "Поликлиники — не наша компетенция"})
    assert res.status_code == 200 and res.json()["state"] == "returned"
    res = await http.post(f"{V1}/{wid}/reroute", headers=curator,
                          json={"bodies": ["minzdrav"], "reason": "Вопрос здравоохранения"})
    assert res.status_code == 200 and res.json()["state"] == "assigned"
    res = await http.post(f"{V1}/{wid}/accept", headers=world.auth("exec_minzdrav"), json={})
    assert res.status_code == 200
    res = await http.post(f"{V1}/{wid}/drafts", headers=world.auth("exec_minzdrav"),
                          json={"kind": "final", "text": "Ответ"})
    draft = res.json()["drafts"][-1]["id"]
    res = await http.post(f"{V1}/{wid}/drafts/{draft}/return", headers=curator,
                          json={"reasons": ["solution"], "comment": "Укажите сроки"})
    assert res.status_code == 200 and res.json()["state"] == "rework"
    res = await http.post(f"{V1}/{wid}/drafts/{draft}/approve", headers=curator, json=CHECKLIST)
    assert res.status_code == 409 and "не на согласовании" in res.json()["detail"]
    res = await http.post(f"{V1}/{wid}/illegal", headers=curator,
                          json={"reason": "Угрозы главврачу", "agency": "МВД по РСО-Алания", "ground": "threat"})
    assert res.status_code == 200 and res.json()["state"] == "rejected_illegal"
    await _record(db, wid, state="rejected_illegal")
    listed = (await http.get(V1, headers=curator, params={"significant": "true"})).json()
    assert wid in [m["workflow_id"] for m in listed["items"]]


async def test_list_filters_sort_and_pages(http, world, worker, db):
    curator = world.auth("curator")
    a = await _routed(http, world, body="minzdrav", text="Нет лекарств в аптеке")
    b = await _routed(http, world, body="rkb", text="Очередь в приёмном покое")
    c = await _intake(http, world, text="Яма на дороге", network="ok", url="https://ok.ru/group/1/topic/2")
    for wid in (a, b, c):
        await _record(db, wid)
    await _record(db, b, state="assigned")
    newest = (await http.get(V1, headers=curator, params={"sort": "newest"})).json()
    assert [m["workflow_id"] for m in newest["items"]][:3] == [c, b, a]
    assert (await http.get(V1, headers=curator, params={"network": "ok"})).json()["items"][0]["workflow_id"] == c
    assert [m["workflow_id"] for m in (await http.get(V1, headers=curator, params={"q": "приёмном"})).json()["items"]] == [b]
    # Case-insensitive for Cyrillic on both backends ("ОЧЕРЕДЬ" finds "Очередь").
    assert [m["workflow_id"] for m in (await http.get(V1, headers=curator, params={"q": "ОЧЕРЕДЬ"})).json()["items"]] == [b]
    by_body = (await http.get(V1, headers=curator, params={"body": "rkb"})).json()
    assert [m["workflow_id"] for m in by_body["items"]] == [b]
    page = (await http.get(V1, headers=curator, params={"per_page": 2, "page": 2, "sort": "newest"})).json()
    assert page["total"] == 3 and [m["workflow_id"] for m in page["items"]] == [a]
    nearest = (await http.get(V1, headers=curator)).json()["items"]
    deadlines = [m["next_deadline"] for m in nearest if m["next_deadline"]]
    assert deadlines == sorted(deadlines)
    # a responsible official sees its body and its subordinate organisation; an executor its body only
    resp = (await http.get(V1, headers=world.auth("resp_minzdrav"))).json()
    assert {m["workflow_id"] for m in resp["items"]} == {a, b}
    assert {m["workflow_id"] for m in (await http.get(V1, headers=world.auth("exec_rkb"))).json()["items"]} == {b}
    res = await http.get(V1, headers=world.auth("exec_rkb"), params={"body": "minzdrav"})
    assert res.status_code == 403
    assert (await http.get(V1, headers=world.auth("admin"))).status_code == 403
    assert (await http.get(V1, headers=world.auth("leadership"))).json()["total"] == 3


async def test_a_message_closed_long_ago_is_never_started_again(http, world, worker, db, dev_env):
    """The read model remembers closed messages beyond Temporal's retention: intake answers 200, starts nothing."""
    payload = message_payload()
    wid = f"msg-vk-{payload['external_id']}"
    now = datetime.now(UTC)
    with Session(db) as s:
        s.add(Message(workflow_id=wid, network="vk", external_id=payload["external_id"], url=payload["url"],
                      author_id="555", source="monitoring", state="answered", detected_at=now - timedelta(days=400),
                      closed_at=now - timedelta(days=399), outcome="answered"))
        s.commit()
    res = await http.post(V1, headers=world.auth("curator"), json=payload)
    assert res.status_code == 200, res.text
    assert res.json()["record"]["state"] == "answered" and res.json()["live"] is False
    assert (await dev_env.client.count_workflows(f'WorkflowId = "{wid}"')).count == 0


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_temporal_unreachable_is_503_never_500(api_settings, world):
    app = create_app(api_settings.model_copy(update={"temporal_address": f"127.0.0.1:{_dead_port()}"}))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            curator = world.auth("curator")
            for method, path, body in [("POST", V1, message_payload()),
                                       ("GET", f"{V1}/msg-vk-wall-1_1", None),
                                       ("POST", f"{V1}/msg-vk-wall-1_1/dismiss", {"reason": "Спам"})]:
                res = await client.request(method, path, headers=curator, json=body)
                assert res.status_code == 503, (path, res.text)
                assert res.json() == {"detail": "Сервер Temporal недоступен, повторите запрос позже",
                                      "code": "temporal_unavailable"}
            listed = await client.get(V1, headers=curator)  # lists come from the database: still served
            assert listed.status_code == 200


async def test_codes_outside_the_registry_are_422_and_change_nothing(http, world, worker):
    """A route to a body nobody works in would lose the message: topic, location and bodies must exist."""
    curator = world.auth("curator")
    wid = await _intake(http, world)
    cases = [
        ("/classify", {"topic": "nonexistent", "location": "vladikavkaz"}, "тема «nonexistent»"),
        ("/classify", {"topic": "clinics", "location": "mars"}, "территория «mars»"),
        ("/route", {"bodies": ["nobody"], "classification": {"topic": "clinics", "location": "vladikavkaz"}},
         "орган «nobody»"),
    ]
    for path, body, needle in cases:
        res = await http.post(f"{V1}/{wid}{path}", headers=curator, json=body)
        assert res.status_code == 422, res.text
        assert res.json()["code"] == "unknown_code" and needle in res.json()["detail"]
    res = await http.post(V1, headers=curator, json=message_payload(
        classification={"topic": "nope", "location": "vladikavkaz"}))
    assert res.status_code == 422 and "тема «nope»" in res.json()["detail"]
    view = (await http.get(f"{V1}/{wid}", headers=curator)).json()["view"]
    assert view["state"] == "new" and view["classification"] is None
    # A topic group is a valid classification too (P7: "topic or topic group").
    res = await http.post(f"{V1}/{wid}/classify", headers=curator, json={"topic": "health", "location": "vladikavkaz"})
    assert res.status_code == 200, res.text
