"""Notifications API: delivery status, the in-app inbox, the registry of recipients, surges, the P14 PDF."""

from __future__ import annotations

import hashlib
import io
from datetime import UTC, datetime, timedelta

import httpx
from pypdf import PdfReader
from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.delivery import Delivery, InboxItem
from models.readmodel import Message, PoliceNotice
from models.surges import Surge
from tests.api.conftest import World

T = datetime(2026, 11, 17, 7, 0, tzinfo=UTC)


def _rows(engine: Engine, world: World) -> None:
    with Session(engine) as s:
        for who, kind in (("exec_minzdrav", "routed"), ("exec_minzdrav", "approved"), ("curator", "returned")):
            pid = world.people[who]
            s.add(InboxItem(recipient=f"p{pid}:x", person_id=pid, event_key=f"{kind}-{who}", kind=kind,
                            workflow_id="msg-vk-1", subject=f"Тема {kind}", text="Текст"))
            s.add(Delivery(event_key=f"{kind}-{who}", kind=kind, workflow_id="msg-vk-1", recipient=f"p{pid}:x",
                           recipient_title="исполнитель", person_id=pid, channel="email", address="a@b.local",
                           status="failed" if kind == "approved" else "sent", error="email: адрес отклонён"))
        s.commit()


async def test_inbox_shows_ones_own_items_counts_unread_and_marks_read(http: httpx.AsyncClient, world: World,
                                                                      db: Engine) -> None:
    _rows(db, world)
    me = world.auth("exec_minzdrav")
    items = (await http.get("/api/v1/inbox", headers=me)).json()
    assert sorted(i["kind"] for i in items) == ["approved", "routed"]
    assert (await http.get("/api/v1/inbox/unread-count", headers=me)).json() == {"unread": 2}
    r = await http.post(f"/api/v1/inbox/{items[0]['id']}/read", headers=me)
    assert r.status_code == 200 and r.json()["read_at"]
    assert (await http.get("/api/v1/inbox/unread-count", headers=me)).json() == {"unread": 1}
    assert len((await http.get("/api/v1/inbox?unread=true", headers=me)).json()) == 1
    theirs = (await http.get("/api/v1/inbox", headers=world.auth("curator"))).json()[0]["id"]
    r = await http.post(f"/api/v1/inbox/{theirs}/read", headers=me)
    assert r.status_code == 404 and r.json()["code"] == "inbox_item_not_found"
    assert (await http.post("/api/v1/inbox/read-all", headers=me)).json() == {"marked": 1}


async def test_notifications_list_filters_by_message_person_status_and_scopes_to_the_reader(
        http: httpx.AsyncClient, world: World, db: Engine) -> None:
    _rows(db, world)
    cur = world.auth("curator")
    assert len((await http.get("/api/v1/notifications?message=msg-vk-1", headers=cur)).json()) == 3
    failed = (await http.get("/api/v1/notifications?status=failed", headers=cur)).json()
    assert [(d["kind"], d["status_title"], d["channel_title"]) for d in failed] == [
        ("approved", "не доставлено", "электронная почта")]
    person = world.people["curator"]
    assert [d["kind"] for d in (await http.get(f"/api/v1/notifications?person={person}", headers=cur)).json()] == ["returned"]
    mine = (await http.get("/api/v1/notifications", headers=world.auth("exec_minzdrav"))).json()
    assert {d["kind"] for d in mine} == {"routed", "approved"}
    bad = await http.get("/api/v1/notifications?status=lost", headers=cur)
    assert bad.status_code == 422


async def test_contacts_registry_admin_writes_others_read(http: httpx.AsyncClient, world: World) -> None:
    admin = world.auth("admin")
    body = {"code": "mvd", "position": "police", "title": "Дежурная часть МВД по РСО-Алания",
            "grounds": ["threat", "harm"], "email": "duty@mvd.otklik.local", "webhook_url": "https://mvd.local/hook",
            "webhook_secret": "s3cret", "preferences": {"illegal": ["email", "webhook"]}}
    assert (await http.post("/api/v1/contacts", json=body, headers=world.auth("curator"))).status_code == 403
    r = await http.post("/api/v1/contacts", json=body, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["has_webhook_secret"] is True and "webhook_secret" not in r.json()
    assert (await http.post("/api/v1/contacts", json=body, headers=admin)).json()["code"] == "contact_exists"
    bad = await http.post("/api/v1/contacts", json={**body, "code": "x", "grounds": ["spam"]}, headers=admin)
    assert bad.status_code == 422 and "основания П14" in bad.json()["detail"]
    bad = await http.post("/api/v1/contacts", json={**body, "code": "y", "preferences": {"*": ["pigeon"]}},
                          headers=admin)
    assert bad.status_code == 422
    bad = await http.post("/api/v1/contacts", json={"code": "z", "position": "body_head", "title": "Министр"},
                          headers=admin)
    assert bad.json()["code"] == "contact_body_required"
    r = await http.patch("/api/v1/contacts/mvd", json={"telegram_chat_id": "-100200"}, headers=admin)
    assert r.json()["telegram_chat_id"] == "-100200" and r.json()["grounds"] == ["threat", "harm"]
    got = await http.get("/api/v1/contacts?position=police", headers=world.auth("leadership"))
    assert [c["code"] for c in got.json()] == ["mvd"]
    assert (await http.get("/api/v1/contacts", headers=world.auth("exec_minzdrav"))).status_code == 403


async def test_surges_are_listed_with_registry_names(http: httpx.AsyncClient, world: World, db: Engine) -> None:
    with Session(db) as s:
        s.add(Surge(key="clinics|alagir|t", topic="clinics", location="alagir", started_at=T, checked_at=T,
                    last_count=7, peak_count=9, baseline=1.0, workflow_ids=["msg-vk-1"]))
        s.commit()
    got = (await http.get("/api/v1/surges?status=active", headers=world.auth("leadership"))).json()
    assert [(g["topic_name"], g["location_name"], g["peak_count"]) for g in got] == [
        ("Работа поликлиник", "Алагирский район", 9)]
    assert (await http.get("/api/v1/surges", headers=world.auth("exec_minzdrav"))).status_code == 403


async def test_p14_police_notice_pdf_for_printing(http: httpx.AsyncClient, world: World, db: Engine) -> None:
    cur = world.auth("curator")
    r = await http.get("/api/v1/messages/msg-vk-nothing/police-notice.pdf", headers=cur)
    assert r.status_code == 404 and r.json()["code"] == "notice_not_found"
    raw = '{"object": {"text": "угроза"}}'
    with Session(db) as s:
        s.add(Message(workflow_id="msg-vk-9", network="vk", external_id="9", url="https://vk.com/wall-1_9",
                      author_id="5", author_name="Автор", text="Угроза", source="manual", state="closed",
                      detected_at=T - timedelta(minutes=3)))
        s.add(PoliceNotice(workflow_id="msg-vk-9", number="ЦУР-П14-20261117-AAAA0001", agency="МВД", ground="threat",
                           reason="Угроза", curator_id=1, curator_name="Куратор", message_url="https://vk.com/wall-1_9",
                           document="-", raw_payload=raw, sha256=hashlib.sha256(raw.encode()).hexdigest(),
                           flagged_at=T))
        s.commit()
    r = await http.get("/api/v1/messages/msg-vk-9/police-notice.pdf", headers=cur)
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "ЦУР-П14-20261117-AAAA0001" in text and "https://vk.com/wall-1_9" in text
    assert (await http.get("/api/v1/messages/msg-vk-9/police-notice.pdf",
                           headers=world.auth("exec_minzdrav"))).status_code == 403


async def test_the_message_timeline_shows_how_each_notification_was_delivered(
        http: httpx.AsyncClient, world: World, worker: None) -> None:
    """Issue 9: delivery status on the message's timeline — a real message, routed; its delivery lands there."""
    import asyncio

    from tests.api.conftest import message_payload

    cur = world.auth("curator")
    wid = (await http.post("/api/v1/messages", headers=cur, json=message_payload())).json()["workflow_id"]
    r = await http.post(f"/api/v1/messages/{wid}/route", headers=cur, json={
        "bodies": ["rkb"], "classification": {"topic": "clinics", "location": "vladikavkaz"}})
    assert r.status_code == 200, r.text
    for _ in range(100):
        timeline = (await http.get(f"/api/v1/messages/{wid}/events", headers=cur)).json()
        deliveries = [e for e in timeline if e["kind"] == "delivery"]
        if deliveries:
            break
        await asyncio.sleep(0.2)
    assert deliveries and all(e["seq"] is None and "Уведомление «направлено в орган»" in e["text"] for e in deliveries)
    kinds = [e["kind"] for e in timeline]
    assert kinds.index("routed") < kinds.index("delivery")  # in time order with the transitions
