"""Delivery on the time-skipping server with real SMTP (aiosmtpd) and real loopback HTTP servers for MAX,
Telegram and a webhook receiver. Times are Moscow time on ordinary working weeks (``clean_week``)."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime, timedelta

from pypdf import PdfReader
from sqlmodel import Session, select

from activities.delivery.webhook import verify_signature
from models.delivery import PoliceLetter
from models.readmodel import Message, PoliceNotice
from tests.delivery.conftest import World, until
from tests.fakes.servers import body_text
from tests.workflows.helpers import at, clean_week

RESP = "responsible@minzdrav.otklik.local"


async def monday(w: World) -> datetime:
    return at(clean_week(await w.now()), 0)


def routed(w: World, t: datetime) -> object:
    return w.event("routed", "routed", "body_responsible", t, workflow_id="msg-vk-1", body="minzdrav",
                   data={"bodies": ["minzdrav"], "answer_due": (t + timedelta(hours=9)).isoformat()})


async def test_p17_significant_at_0300_goes_at_once_to_the_head_chairman_deputy_and_administration(world: World) -> None:
    w = world
    night = (await monday(w)) + timedelta(hours=3)
    await w.goto(night)
    e = w.event("sig", "significant", "leadership", night, workflow_id="msg-vk-sig", body="rkb",
                data={"reason": "Массовые жалобы на отсутствие врачей"})
    assert await w.emit(e) == 1
    for addr in ("head@gov.otklik.local", "chairman@gov.otklik.local", "deputy-social@gov.otklik.local",
                 "admin@gov.otklik.local"):
        mails = await until(lambda a=addr: w.smtp.to(a))
        assert len(mails) == 1
        assert "Срочно: социально значимое сообщение" in mails[0]["Subject"]
    text = body_text(w.smtp.to("head@gov.otklik.local")[0])
    assert "Массовые жалобы" in text and "rkb" not in text and "Республиканская клиническая больница" in text
    maxed = await until(lambda: [r for r in w.bots.requests if "user_id=2001" in r.path])
    assert maxed[0].headers["Authorization"] == "max-token" and len(maxed[0].json()["text"]) <= 4000
    # Sent at 03:00, not held for the working day; the inbox has it for everyone as well.
    assert await w.now() < night + timedelta(minutes=5)
    assert {i.recipient for i in w.inbox() if i.event_key == e.key} >= {"c2", "c3", "c4", "c5"}
    # Emitting the same batch again (a retried activity) delivers nothing twice.
    assert await w.emit(e) == 0
    await asyncio.sleep(1)
    assert len(w.smtp.to("head@gov.otklik.local")) == 1


async def test_p14_letter_at_0300_goes_at_once_with_pdf_citation_link_and_hash(world: World) -> None:
    w = world
    night = (await monday(w)) + timedelta(hours=3, minutes=10)
    await w.goto(night)
    raw = '{"type": "wall_reply_new", "object": {"text": "угроза"}}'
    import hashlib

    sha = hashlib.sha256(raw.encode()).hexdigest()
    with Session(w.engine) as s:
        s.add(Message(workflow_id="msg-vk-p14", network="vk", external_id="-1_2_3", url="https://vk.com/wall-1_2?reply=3",
                      author_id="77", author_name="Пользователь ВКонтакте", text="Текст с угрозой должностному лицу",
                      source="vk_callback", state="closed", detected_at=night - timedelta(minutes=5)))
        notice = PoliceNotice(workflow_id="msg-vk-p14", number="ЦУР-П14-TEST-0001", agency="МВД", ground="threat",
                              reason="Угроза жизни должностному лицу", curator_id=1, curator_name="Куратор ЦУР",
                              message_url="https://vk.com/wall-1_2?reply=3", document="-", raw_payload=raw,
                              sha256=sha, flagged_at=night)
        s.add(notice)
        s.commit()
        nid = notice.id
    await w.emit(w.event("p14", "illegal", "police", night, workflow_id="msg-vk-p14",
                         data={"notice_id": nid, "ground": "threat", "number": "ЦУР-П14-TEST-0001",
                               "reason": "Угроза жизни должностному лицу"}))
    mail = (await until(lambda: w.smtp.to("duty@mvd.otklik.local")))[0]
    assert await w.now() < night + timedelta(minutes=5)
    files = {p.get_filename(): p.get_payload(decode=True) for p in mail.walk() if p.get_filename()}
    pdf_name = "uvedomlenie-ЦУР-П14-TEST-0001.pdf"
    assert set(files) == {pdf_name, "evidence-ЦУР-П14-TEST-0001.json"}
    text = " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(files[pdf_name])).pages).split())
    assert "Указом Главы Республики Северная Осетия-Алания от 17 февраля 2023 г. № 40" in text
    assert "https://vk.com/wall-1_2?reply=3" in text
    assert sha in text.replace(" ", "")
    assert files["evidence-ЦУР-П14-TEST-0001.json"].decode() == raw
    with Session(w.engine) as s:
        letter = (await until(lambda: s.exec(select(PoliceLetter)).all()))[0]
        assert letter.email == "duty@mvd.otklik.local" and letter.message_id == mail["Message-ID"]


async def test_non_urgent_waits_for_0900_then_goes_on_every_channel_once(world: World) -> None:
    w = world
    night = (await monday(w)) + timedelta(days=1, hours=3)
    await w.goto(night)
    before_mail, before_bots, before_hooks = len(w.smtp.to(RESP)), len(w.bots.requests), len(w.hooks.requests)
    e = routed(w, night)
    await w.emit(e)
    # The inbox has it at once; nothing else at night.
    await until(lambda: [i for i in w.inbox() if i.event_key == e.key])
    await asyncio.sleep(1.5)
    await w.goto(night + timedelta(hours=5, minutes=59))  # 08:59
    await asyncio.sleep(1)
    assert len(w.smtp.to(RESP)) == before_mail and len(w.hooks.requests) == before_hooks
    await w.goto(night + timedelta(hours=6, seconds=30))  # 09:00:30
    mails = await until(lambda: w.smtp.to(RESP)[before_mail:])
    assert len(mails) == 1 and "Поступило сообщение: Министерство здравоохранения" in mails[0]["Subject"]
    hooks = await until(lambda: w.hooks.requests[before_hooks:])
    h = hooks[0]
    assert verify_signature("s3cret", h.headers["X-Otklik-Timestamp"], h.body, h.headers["X-Otklik-Signature"],
                            float(h.headers["X-Otklik-Timestamp"]))
    assert h.json()["events"][0]["key"] == e.key
    await until(lambda: len(w.bots.requests) >= before_bots + 2)  # MAX and Telegram
    tg = [r for r in w.bots.requests[before_bots:] if "/tg/bottg-token/sendMessage" in r.path]
    assert len(tg) == 1 and tg[0].json()["chat_id"] == "3002"
    assert {d.status for d in w.deliveries(event_key=e.key)} == {"sent"}


async def test_a_digest_merges_five_events_into_one_mail(world: World) -> None:
    w = world
    ten = (await monday(w)) + timedelta(days=2, hours=10)
    await w.goto(ten)
    before = len(w.smtp.to(RESP))
    events = []
    for i in range(5):
        await w.goto(ten + timedelta(minutes=i))
        events.append(routed(w, ten + timedelta(minutes=i)))
        await w.emit(events[-1])
    await asyncio.sleep(1)
    assert len(w.smtp.to(RESP)) == before  # still collecting
    await w.goto(ten + timedelta(minutes=16))
    mails = await until(lambda: w.smtp.to(RESP)[before:])
    await asyncio.sleep(1)
    assert len(w.smtp.to(RESP)) == before + 1
    assert mails[0]["Subject"] == "Сводка уведомлений «Отклика»: 5"
    assert body_text(mails[0]).count("Поступило сообщение: Министерство здравоохранения") == 5
    for e in events:
        assert [d.status for d in w.deliveries(event_key=e.key, channel="email")] == ["sent"]


async def test_a_failing_channel_is_retried_a_wrong_address_is_not_and_no_one_waits(world: World) -> None:
    w = world
    t = (await monday(w)) + timedelta(days=3, hours=4)
    await w.goto(t)
    w.smtp.fail_data = 1  # the relay greylists the first attempt (451): retried
    w.hooks.script.append((503, {"error": "maintenance"}))
    with Session(w.engine) as s:  # the ЦУР head's Telegram chat is wrong: 400 chat not found
        from models.contacts import Contact

        c = s.exec(select(Contact).where(Contact.code == "tsur-head")).one()
        c.telegram_chat_id = "999"
        s.add(c)
        s.commit()
    w.bots.fail_paths['"chat_id": "999"'] = 400
    e = w.event("breach", "breach", "tsur_head", t, workflow_id="msg-vk-b", urgent=True,
                data={"step": "routing", "step_title": "Направление сообщения", "rule": "P7",
                      "due": t.isoformat(), "overrun_minutes": 30, "held_by": "tsur", "rung": 1})
    e2 = w.event("rung", "rung", "body_responsible", t, workflow_id="msg-vk-b", body="minzdrav", urgent=True,
                 data={"step": "answer", "step_title": "Публикация ответа", "held_by": "minzdrav", "rung": 2})
    await w.emit(e, e2)
    tg = await until(lambda: [d for d in w.deliveries(event_key=e.key, channel="telegram") if d.status == "failed"])
    assert "chat not found" in (tg[0].error or "") and tg[0].attempts == 1  # not retried
    await w.goto(t + timedelta(minutes=2))
    mail = await until(lambda: w.smtp.to("head@tsur.otklik.local")[-1:])
    assert "Нарушен срок: Направление сообщения — ЦУР" in mail[0]["Subject"]
    emails = await until(lambda: [d for k in (e.key, e2.key) for d in w.deliveries(event_key=k, channel="email")
                                  if d.status == "sent"] if len(w.smtp.messages) else [])
    await until(lambda: len([d for k in (e.key, e2.key) for d in w.deliveries(event_key=k, channel="email")
                             if d.status == "sent"]) == 2)
    emails = [d for k in (e.key, e2.key) for d in w.deliveries(event_key=k, channel="email")]
    assert sorted(d.attempts for d in emails) == [1, 2]  # the greylisted one went on its second attempt
    assert [i for i in w.inbox() if i.event_key == e.key and i.recipient == "c1"]
    # The other recipient's webhook failed once (503), then went through; its MAX went at once.
    hooks = await until(lambda: [r for r in w.hooks.requests if r.json()["events"][0]["key"] == e2.key])
    assert len(hooks) == 1
    await until(lambda: {d.status for d in w.deliveries(event_key=e2.key)} == {"sent"})
    w.bots.fail_paths.clear()


async def test_a_breach_walks_its_ladder_with_the_right_people_at_the_right_times(world: World) -> None:
    """Rung 1 (P15: the body's responsible official, non-urgent) waits for working time; rung 2 reaches
    leadership (the Head, the Chairman and the deputy whose portfolio holds the body) at once, at night."""
    w = world
    mon = await monday(w)
    evening = mon + timedelta(days=4, hours=18, minutes=30)  # Friday 18:30, after hours
    await w.goto(evening)
    before = len(w.smtp.to(RESP))
    d1 = {"step": "answer", "step_title": "Публикация ответа", "rule": "P9", "due": evening.isoformat(),
          "actual": evening.isoformat(), "overrun_minutes": 0, "held_by": "minzdrav", "rung": 1,
          "escalated_to": ["body_responsible"]}
    await w.emit(w.event("b1", "breach", "body_responsible", evening, workflow_id="msg-vk-l", body="minzdrav", data=d1))
    night = evening + timedelta(hours=8)  # Saturday 02:30
    await w.goto(night)
    assert len(w.smtp.to(RESP)) == before
    leaders = ("head@gov.otklik.local", "chairman@gov.otklik.local", "deputy-social@gov.otklik.local")
    counts = {a: len(w.smtp.to(a)) for a in leaders}
    r2 = w.event("b2", "rung", "leadership", night, workflow_id="msg-vk-l", body="minzdrav",
                 data={**d1, "rung": 2, "overrun_minutes": 480, "escalated_to": ["body_responsible", "leadership"]})
    await w.emit(r2)
    for addr in leaders:
        await until(lambda a=addr: len(w.smtp.to(a)) == counts[a] + 1)
    mail = w.smtp.to("head@gov.otklik.local")[-1]
    assert "Эскалация (уровень 2)" in mail["Subject"]
    assert "Просрочка: 8 ч рабочего времени" in body_text(mail)
    assert not w.deliveries(event_key=r2.key, recipient="c6")  # the police never see a breach
    # The responsible official's rung 1 arrives on Monday at 09:00.
    await w.goto(mon + timedelta(days=7, hours=9, minutes=1))
    mails = await until(lambda: w.smtp.to(RESP)[before:])
    assert "Нарушен срок: Публикация ответа" in mails[0]["Subject"]
