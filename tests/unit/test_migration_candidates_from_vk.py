"""Migration 0009: the VK inbox becomes the candidates' source. Pending events become new candidates (no
clock), started ones taken candidates with their workflow, unreadable ones invalid; down and up again."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import text

from models.db import make_engine
from models.migrate import downgrade, upgrade

GROUP = 218_000_111


def payload(kind: str, obj: dict) -> str:
    return json.dumps({"type": kind, "group_id": GROUP, "event_id": "x", "v": "5.199", "object": obj},
                      ensure_ascii=False)


POST = payload("wall_post_new", {"id": 5, "owner_id": -GROUP, "from_id": 11, "date": 1_764_400_000,
                                 "text": "Спасибо!"})
COMMENT = payload("wall_reply_new", {"id": 7, "from_id": 12, "date": 1_764_400_100, "text": "Нет воды третий день",
                                     "post_id": 5, "owner_id": -GROUP})
BROKEN = payload("wall_post_new", {"id": "not-a-number"})


def test_vk_events_become_candidates_and_back(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    upgrade(url, "0005_outbox")
    engine = make_engine(url)
    received = datetime(2026, 11, 30, 20, 15, tzinfo=UTC)
    with engine.begin() as conn:
        for i, (status, body, wid) in enumerate([("pending", POST, None),
                                                 ("started", COMMENT, f"msg-vk-wall-{GROUP}_5_reply7"),
                                                 ("pending", BROKEN, None), ("invalid", BROKEN, None)]):
            conn.execute(text(
                "INSERT INTO vk_event (event_id, group_id, type, payload, status, workflow_id, attempts, received_at, "
                "started_at) VALUES (:e, :g, 'wall_post_new', :p, :s, :w, 1, :r, :st)"),
                dict(e=f"ev{i}", g=GROUP, p=body, s=status, w=wid, r=received, st=received if wid else None))
    engine.dispose()

    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        cands = {r.external_id: r for r in conn.execute(text("SELECT * FROM candidate"))}
        events = {r.event_id: r for r in conn.execute(text("SELECT * FROM vk_event"))}
    engine.dispose()
    post = cands[f"wall-{GROUP}_5"]
    comment = cands[f"wall-{GROUP}_5_reply7"]
    assert (post.status, post.workflow_id, post.kind, post.source) == ("new", None, "post", "vk_callback")
    assert post.text == "Спасибо!" and post.community_id == str(GROUP) and post.raw_payload == POST
    assert str(post.arrived_at).startswith("2026-11-30 20:15")  # arrived when VK delivered it
    assert (comment.status, comment.workflow_id, comment.kind) == ("taken", f"msg-vk-wall-{GROUP}_5_reply7", "comment")
    assert len(cands) == 2
    assert (events["ev0"].status, events["ev0"].candidate_id) == ("recorded", post.id)
    assert (events["ev1"].status, events["ev1"].candidate_id) == ("recorded", comment.id)
    assert events["ev2"].status == "invalid" and "при переносе" in events["ev2"].last_error
    assert events["ev3"].status == "invalid"

    downgrade(url, "0005_outbox")
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM candidate")).scalar_one() == 0
        statuses = dict(conn.execute(text("SELECT event_id, status FROM vk_event")).all())
    engine.dispose()
    assert statuses == {"ev0": "pending", "ev1": "started", "ev2": "invalid", "ev3": "invalid"}
    upgrade(url)
