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


# --- 3. a permanent activity failure is visible --------------------------------------------------------


async def test_readyz_reports_the_read_model_behind_after_a_permanent_projection_failure(http, db):
    from models.guards import clear_projection_failure, record_projection_failure

    res = await http.get("/readyz")
    assert res.json()["checks"]["read_model"] == "ok"
    record_projection_failure(db, "msg-vk-wall-1_9", 4, "IntegrityError: check constraint")
    res = await http.get("/readyz")
    body = res.json()
    assert res.status_code == 200 and body["checks"]["read_model"] == "behind"
    assert "Модель чтения отстаёт: 1" in body["detail"] and "msg-vk-wall-1_9" in body["detail"]
    clear_projection_failure(db, "msg-vk-wall-1_9")
    assert (await http.get("/readyz")).json()["checks"]["read_model"] == "ok"


# --- 4. clear answers -----------------------------------------------------------------------------------


async def test_enum_validation_error_is_entirely_russian(http, world):
    res = await http.post(V1, headers=world.auth("curator"), json=message_payload(network="telegram"))
    assert res.status_code == 422
    [err] = res.json()["errors"]
    assert err["message"] == "ожидается одно из: ВКонтакте (vk), Одноклассники (ok), иная платформа (other)"
    assert " or " not in res.json()["detail"]


async def test_malformed_json_names_the_line_and_column_not_a_character_offset(http, world):
    raw = '{\n  "network": "vk",\n  "text": ,\n}'
    res = await http.post(V1, headers={**world.auth("curator"), "Content-Type": "application/json"}, content=raw)
    assert res.status_code == 422
    assert "тело запроса — не корректный JSON: строка 3, позиция 11" in res.json()["detail"]
    assert "body.3" not in res.text and "body.32" not in res.text


async def test_raw_utf8_bytes_in_the_url_get_the_json_russian_error(api_settings, dev_env, world):
    import asyncio
    import json

    import uvicorn

    from api.main import create_app
    from api.server import http_protocol

    app = create_app(api_settings, temporal_client=dev_env.client)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", http=http_protocol(),
                                           lifespan="on"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        for target in ("/api/v1/messages/сообщение".encode(), "/api/v1/messages?q=привет".encode()):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(b"GET " + target + b" HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            await writer.drain()
            raw = await asyncio.wait_for(reader.read(), 10)
            writer.close()
            head, _, body = raw.partition(b"\r\n\r\n")
            assert head.startswith(b"HTTP/1.1 400") and b"application/json" in head, raw
            data = json.loads(body)
            assert data["code"] == "bad_request" and "ASCII" in data["detail"] and "закодируйте" in data["detail"]
        # Percent-encoded, the same address reaches the app: its JSON error (a malformed id → 422).
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /api/v1/messages/%D1%81%D0%BE HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer "
                     + world.tokens["curator"].encode() + b"\r\nConnection: close\r\n\r\n")
        await writer.drain()
        raw = await asyncio.wait_for(reader.read(), 10)
        assert raw.startswith(b"HTTP/1.1 422") and json.loads(raw.partition(b"\r\n\r\n")[2])["code"]
    finally:
        server.should_exit = True
        await task


async def test_one_datetime_form_everywhere_iso_with_the_moscow_offset(http, world, worker, db):
    import re

    from tests.api.conftest import eventually

    wid = await _intake(http, world, posted_at="2026-01-10T07:00:00Z")
    detail = (await http.get(f"{V1}/{wid}", headers=world.auth("curator"))).json()
    await eventually(lambda: _listed(http, world, wid))
    listed = (await http.get(V1, headers=world.auth("curator"))).json()
    iso = re.compile(r"^\d{4}-\d{2}-\d{2}T[\d:.]+([+-]\d{2}:\d{2}|Z)$")
    seen: list[str] = []

    def walk(v):
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str) and iso.match(v):
            seen.append(v)

    walk(detail)
    walk(listed)
    assert seen and all(v.endswith("+03:00") for v in seen), [v for v in seen if not v.endswith("+03:00")]
    assert detail["record"]["posted_at"] == detail["view"]["posted_at"] == "2026-01-10T10:00:00+03:00"


async def _listed(http, world, wid) -> bool:
    res = await http.get(f"{V1}/{wid}", headers=world.auth("curator"))
    return res.json().get("record") is not None


async def test_re_intake_with_a_different_text_is_409_naming_the_message(http, world, worker):
    body = message_payload()
    first = await http.post(V1, headers=world.auth("curator"), json=body)
    assert first.status_code == 201
    wid = first.json()["workflow_id"]
    same = await http.post(V1, headers=world.auth("curator"), json=body)
    assert same.status_code == 200 and same.json()["workflow_id"] == wid
    other = await http.post(V1, headers=world.auth("curator"), json={**body, "text": "Совсем другой текст жалобы."})
    assert other.status_code == 409, other.text
    assert other.json()["code"] == "message_exists"
    assert wid in other.json()["detail"] and "уже принято" in other.json()["detail"]


async def test_registry_404_says_what_to_do(http, world):
    res = await http.get("/api/v1/bodies/nosuchbody", headers=world.auth("admin"))
    assert res.status_code == 404
    assert res.json()["detail"] == "Орган с кодом «nosuchbody» не найден в реестре: проверьте код в /api/v1/bodies"
    res = await http.get("/api/v1/topics/nosuch", headers=world.auth("admin"))
    assert res.status_code == 404 and "проверьте код в /api/v1/topics" in res.json()["detail"]
    assert "(а)" not in res.json()["detail"]
