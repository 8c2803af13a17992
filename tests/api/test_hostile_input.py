"""Hostile and careless input at the front door (issue 14, second part): one test per item.

Real dev server, real worker, real database; the app over ASGI (``tests/api/conftest.py``).
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from models.candidates import Candidate
from tests.api.conftest import message_payload

pytestmark = pytest.mark.db

V1 = "/api/v1/messages"
CLASSIFICATION = {"topic": "clinics", "location": "alagir"}
ROOT = Path(__file__).resolve().parents[2]


async def _intake(http, world, **over) -> str:
    res = await http.post(V1, headers=world.auth("curator"), json=message_payload(**over))
    assert res.status_code == 201, res.text
    return res.json()["workflow_id"]


async def _routed(http, world) -> str:
    wid = await _intake(http, world)
    res = await http.post(f"{V1}/{wid}/route", headers=world.auth("curator"),
                          json={"bodies": ["minzdrav"], "classification": CLASSIFICATION})
    assert res.status_code == 200, res.text
    return wid


def _russian(res) -> str:
    body = res.json()
    assert set(body) >= {"detail", "code"}, body
    assert any("а" <= ch <= "я" for ch in body["detail"].lower()), body
    return body["detail"]


# --- 1. Idempotency-Key reused with a different body ------------------------------------------------


async def test_idempotency_key_reused_with_a_different_body_is_422(http, world, worker):
    wid = await _intake(http, world)
    curator = {**world.auth("curator"), "Idempotency-Key": "dismiss-" + uuid.uuid4().hex}
    first = await http.post(f"{V1}/{wid}/significant", headers=curator, json={"reason": "Резонанс в районе"})
    assert first.status_code == 200, first.text
    other = await http.post(f"{V1}/{wid}/significant", headers=curator, json={"reason": "Иная причина"})
    assert other.status_code == 422, other.text
    assert other.json()["code"] == "idempotency_key_reused"
    assert "другим телом" in _russian(other)
    again = await http.post(f"{V1}/{wid}/significant", headers=curator, json={"reason": "Резонанс в районе"})
    assert again.status_code == 200, again.text  # the same body: the first outcome (the live view)
    assert again.json()["workflow_id"] == wid
    # Another person's key of the same text is their own: no clash.
    admin_key = {**world.auth("admin"), "Idempotency-Key": curator["Idempotency-Key"]}
    res = await http.post(f"{V1}/{wid}/significant", headers=admin_key, json={"reason": "Иная причина"})
    assert res.status_code != 422 or res.json()["code"] != "idempotency_key_reused"


# --- 2. values that break a message, bounded where they enter ----------------------------------------

BAD_POSTED = ["0001-01-01T00:00:00+00:00", "9999-12-31T23:59:59+00:00"]


@pytest.mark.parametrize("posted", [*BAD_POSTED, "future"])
async def test_posted_at_of_year_1_9999_or_the_future_is_refused_at_intake(http, world, worker, posted):
    if posted == "future":
        posted = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    for who in ("curator", "feed"):
        body = message_payload(posted_at=posted)
        if who == "feed":
            body.pop("source")
        res = await http.post(V1, headers=world.auth(who), json=body)
        assert res.status_code == 422, (who, res.text)
        assert "posted_at" in res.text
        _russian(res)
    # A small clock skew is still accepted.
    ok = await http.post(V1, headers=world.auth("curator"),
                         json=message_payload(posted_at=(datetime.now(UTC) + timedelta(minutes=1)).isoformat()))
    assert ok.status_code == 201, ok.text


def test_candidate_from_a_feed_refuses_year_1_9999_and_non_http_links():
    from pydantic import ValidationError

    from domain.candidates import CandidateIn, CandidateSource
    from domain.messages import Author

    base = dict(network="vk", external_id="wall-1_5", source=CandidateSource.vk_poll, url="https://vk.com/wall-1_5",
                author=Author(id="1", profile_url="https://vk.com/id1"))
    assert CandidateIn(**base, posted_at=datetime(2025, 5, 1, tzinfo=UTC)).posted_at is not None
    for bad in (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, tzinfo=UTC)):
        with pytest.raises(ValidationError, match="2000–2100"):
            CandidateIn(**base, posted_at=bad)
    with pytest.raises(ValidationError, match="http"):
        CandidateIn(**{**base, "url": "javascript:alert(1)"})
    with pytest.raises(ValidationError, match="http"):
        CandidateIn(**{**base, "author": Author(id="1", profile_url="data:text/html,<b>x</b>")})


async def test_vk_callback_with_a_post_time_in_the_future_makes_no_candidate(http, world, db):
    from tests.api.conftest import VK_GROUP, VK_SECRET

    future = int((datetime.now(UTC) + timedelta(days=3)).timestamp())
    event = {"type": "wall_post_new", "group_id": VK_GROUP, "secret": VK_SECRET, "event_id": uuid.uuid4().hex,
             "object": {"id": 77, "owner_id": -VK_GROUP, "from_id": 555, "date": future, "text": "Жалоба"}}
    res = await http.post("/api/v1/integrations/vk/callback", json=event)
    assert res.status_code == 200 and res.text == "ok", res.text
    from models.integrations import VkEvent

    with Session(db) as s:
        assert s.exec(select(Candidate)).all() == []
        stored = s.exec(select(VkEvent)).one()
        assert "в будущем" in (stored.last_error or "")  # kept as evidence, with the reason


async def test_take_of_a_candidate_with_a_stored_year_1_post_time_is_422_not_a_stuck_workflow(http, world, worker, db):
    with Session(db) as s:
        row = Candidate(network="vk", external_id=f"wall-1_{uuid.uuid4().int % 10**6}", kind="post",
                        source="integration", url="https://vk.com/wall-1_1", author_id="5", text="Жалоба",
                        posted_at=datetime(1, 1, 1, tzinfo=UTC))
        s.add(row)
        s.commit()
        cid = row.id
    res = await http.post(f"/api/v1/candidates/{cid}/take", headers=world.auth("curator"), json={})
    assert res.status_code == 422, res.text
    assert "2000–2100" in _russian(res)


@pytest.mark.parametrize("query", [
    "due_before=0001-01-01T00:00:00%2B14:00", "due_before=9999-12-31T23:59:59-14:00", "due_before=0.5",
    "per_page=0", "per_page=100000", "page=0", "q=%00", "body=%00", "topic=a%00b",
])
async def test_message_list_filters_are_bounded_422_not_500(http, world, query):
    res = await http.get(f"{V1}?{query}", headers=world.auth("curator"))
    assert res.status_code == 422, (query, res.text)
    _russian(res)


@pytest.mark.parametrize("query", ["arrived_from=0001-01-01T00:00:00%2B14:00", "arrived_to=9999-12-31T23:59:59Z",
                                   "q=%00", "community=%00", "per_page=201"])
async def test_candidate_list_filters_are_bounded_422_not_500(http, world, query):
    res = await http.get(f"/api/v1/candidates?{query}", headers=world.auth("curator"))
    assert res.status_code == 422, (query, res.text)
    _russian(res)


async def test_registry_list_limit_and_offset_are_bounded(http, world):
    for query in ("limit=0", "limit=1001", "offset=-1", "offset=1000001", "parent=%00"):
        res = await http.get(f"/api/v1/bodies?{query}", headers=world.auth("admin"))
        assert res.status_code == 422, (query, res.text)


@pytest.mark.parametrize("field,value", [
    ("url", "javascript:alert(1)"), ("url", "data:text/html,x"),
    ("author", {"id": "5", "name": "Иван", "profile_url": "javascript:alert(1)"}),
    ("author", {"id": "5", "name": "Иван", "profile_url": "ftp://vk.com/id5"}),
])
async def test_intake_url_and_author_profile_url_are_http_only(http, world, field, value):
    res = await http.post(V1, headers=world.auth("curator"), json=message_payload(**{field: value}))
    assert res.status_code == 422, res.text
    _russian(res)


@pytest.mark.parametrize("duration", ["9h99999999999999999999m", "99999999999999999999:00", "10001h"])
def test_cli_duration_out_of_bounds_is_one_russian_line_exit_2(duration):
    proc = subprocess.run([sys.executable, str(ROOT / "cli.py"), "deadline", "2025-10-31 16:30", duration],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "слишком велика" in lines[0], proc.stderr
