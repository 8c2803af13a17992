"""A monitoring feed's token (role ``integration``) brings candidates in and can do nothing else (P7).

It gets back only the candidate's id and whether it was new; it may not claim a source or a detection time
(those are the Curator's: the message is identified when a Curator takes it)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from models.candidates import Candidate
from models.readmodel import Message
from tests.api.conftest import message_payload

pytestmark = pytest.mark.db

V1 = "/api/v1/messages"


def feed_payload(**over):
    body = message_payload(**over)
    body.pop("source")
    return body


async def test_p7_feed_item_is_a_candidate_and_the_feed_reads_nothing_back(http, world, worker, db):
    feed = world.auth("feed")
    payload = feed_payload(external_id="wall-1_777_reply5", url="https://vk.com/wall-1_777?reply=5")
    res = await http.post(V1, headers=feed, json=payload)
    assert res.status_code == 201, res.text
    assert set(res.json()) == {"candidate_id", "created"} and res.json()["created"] is True
    cid = res.json()["candidate_id"]
    again = await http.post(V1, headers=feed, json={**payload, "text": "Другой текст"})
    assert again.status_code == 200 and again.json() == {"candidate_id": cid, "created": False}
    with Session(db) as s:
        cand = s.get(Candidate, cid)
        assert cand is not None and cand.source == "integration" and cand.status == "new"
        assert (cand.kind, cand.community_id) == ("comment", "1")
        assert cand.text == payload["text"]  # the first arrival is kept
        assert s.exec(select(Message)).all() == []  # no workflow, no clock


@pytest.mark.parametrize("field,value", [
    ("source", "manual"), ("source", "monitoring"), ("detected_at", "2023-02-17T10:00:00+03:00"),
    ("classification", {"topic": "clinics", "location": "vladikavkaz"}),
])
async def test_a_feed_may_not_claim_source_or_detection_time(http, world, worker, db, field, value):
    res = await http.post(V1, headers=world.auth("feed"), json={**feed_payload(), field: value})
    assert res.status_code == 422, res.text
    assert res.json()["code"] == "feed_field_forbidden" and field in res.json()["detail"]
    assert "куратор" in res.json()["detail"]
    with Session(db) as s:
        assert s.exec(select(Candidate)).all() == []


async def test_feed_token_can_only_take_in(http, world, worker):
    feed = world.auth("feed")
    cid = (await http.post(V1, headers=feed, json=feed_payload())).json()["candidate_id"]
    wid = (await http.post(V1, headers=world.auth("curator"), json=message_payload())).json()["workflow_id"]
    for method, path, body in [
        ("GET", V1, None),
        ("GET", f"{V1}/{wid}", None),
        ("POST", f"{V1}/{wid}/classify", {"topic": "clinics", "location": "vladikavkaz"}),
        ("POST", f"{V1}/{wid}/dismiss", {"reason": "Не требует реакции"}),
        ("POST", "/api/v1/bodies", {"code": "x", "name": "Орган Х"}),
        ("GET", "/api/v1/candidates", None),
        ("GET", f"/api/v1/candidates/{cid}", None),
        ("POST", f"/api/v1/candidates/{cid}/take", {}),
        ("POST", f"/api/v1/candidates/{cid}/skip", {"reason": "Не требует реакции"}),
        ("POST", "/api/v1/candidates/skip", {"ids": [cid], "reason": "Не требует реакции"}),
    ]:
        res = await http.request(method, path, headers=feed, json=body)
        assert res.status_code == 403, (method, path, res.text)
        assert not res.json()["detail"].isascii()
