"""A monitoring feed's token (role ``integration``) takes messages in and can do nothing else."""

from __future__ import annotations

import pytest

from tests.api.conftest import message_payload

pytestmark = pytest.mark.db

V1 = "/api/v1/messages"


async def test_feed_token_takes_messages_in_but_reads_and_decides_nothing(http, world, worker):
    feed = world.auth("feed")
    payload = message_payload()
    res = await http.post(V1, headers=feed, json=payload)
    assert res.status_code == 201, res.text
    wid = res.json()["workflow_id"]
    again = await http.post(V1, headers=feed, json=payload)
    assert again.status_code == 200 and again.json()["workflow_id"] == wid

    for method, path, body in [
        ("GET", V1, None),
        ("GET", f"{V1}/{wid}", None),
        ("POST", f"{V1}/{wid}/classify", {"topic": "clinics", "location": "vladikavkaz"}),
        ("POST", f"{V1}/{wid}/dismiss", {"reason": "Не требует реакции"}),
        ("POST", "/api/v1/bodies", {"code": "x", "name": "Орган Х"}),
    ]:
        res = await http.request(method, path, headers=feed, json=body)
        assert res.status_code == 403, (method, path, res.text)
        assert not res.json()["detail"].isascii()
