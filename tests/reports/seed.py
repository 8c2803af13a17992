"""A week of the read model for P16 tests (2026-W48, Moscow time), written as the projections write it.

* ``msg-vk-w48-1`` — minzdrav, answered in time (Tue);
* ``msg-vk-w48-2`` — minzdrav, answered, but the 9-hour answer due passed while ЦУР reviewed the draft:
  the breach is held by ЦУР (P15), not the ministry;
* ``msg-ok-w48-3`` — gkh, accepted and still open on Friday: its answer breach is held by gkh;
* ``msg-vk-w47-1`` — minzdrav, the week before (the dynamics).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain.weekly_note import MSK
from models.readmodel import Deadline, Draft, Message, MessageBody
from models.registry import Body, Location, Topic, TopicGroup

SOCIAL = "Заместитель Председателя Правительства Республики Северная Осетия-Алания (социальный блок)"
BUILDING = "Заместитель Председателя Правительства Республики Северная Осетия-Алания (строительство, ЖКХ, транспорт)"
MINZDRAV = "Министерство здравоохранения Республики Северная Осетия-Алания"
GKH = "Министерство жилищно-коммунального хозяйства, топлива и энергетики Республики Северная Осетия-Алания"
OPEN_WID = "msg-ok-w48-3"


def t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=MSK)


def ensure_registry(engine: Engine) -> None:
    """The bodies, topics and districts the week's messages use (created when missing, portfolios set)."""
    with Session(engine) as s:
        def body(code: str, name: str, portfolio: str, kind: str = "ministry") -> None:
            if s.exec(select(Body).where(Body.code == code)).first() is None:  # an existing body keeps its portfolio
                s.add(Body(code=code, name=name, kind=kind, portfolio=portfolio))

        body("tsur", "Центр управления регионом Республики Северная Осетия-Алания", "", "tsur")
        body("minzdrav", MINZDRAV, SOCIAL)
        body("gkh", GKH, BUILDING)
        s.flush()
        for code, name, topic, tname in (("health", "Здравоохранение", "w48_clinics", "Работа поликлиник"),
                                         ("utilities", "ЖКХ", "w48_heating", "Отопление")):
            g = s.exec(select(TopicGroup).where(TopicGroup.code == code)).first() or TopicGroup(code=code, name=name)
            s.add(g)
            s.flush()
            if s.exec(select(Topic).where(Topic.code == topic)).first() is None:
                s.add(Topic(code=topic, name=tname, group_id=g.id))
        for code, name in (("vladikavkaz", "г. Владикавказ"),
                           ("mozdok", "Моздокский район Республики Северная Осетия-Алания")):
            if s.exec(select(Location).where(Location.code == code)).first() is None:
                s.add(Location(code=code, name=name, kind="district"))
        s.commit()


def _message(s: Session, wid: str, network: str, detected: datetime, state: str, topic: str, location: str,
             body: str, *, held_by: str | None, closed: datetime | None) -> None:
    s.add(Message(workflow_id=wid, network=network, external_id=wid, url=f"https://vk.com/{wid}", author_id="1",
                  author_name="Житель", text="Жалоба жителя", source="monitoring", state=state, topic=topic,
                  location=location, bodies=[body], detected_at=detected, answer_due=detected + timedelta(hours=24),
                  held_by=held_by, closed_at=closed, outcome="answered" if closed else None, events_count=5))


def _deadline(s: Session, wid: str, did: str, step: str, opened: datetime, due: datetime, *,
              closed: datetime | None, held_by: str | None = None, body: str | None = None) -> None:
    breached = held_by is not None
    s.add(Deadline(workflow_id=wid, deadline_id=did, step=step, title=step, rule="P9", body=body, opened_at=opened,
                   due=due, closed_at=closed, status="closed" if closed else "open",
                   met=None if closed is None else not breached, breached=breached, held_by=held_by,
                   overrun_minutes=60 if breached else None))


def seed_week(engine: Engine) -> None:
    ensure_registry(engine)
    with Session(engine) as s:
        w1, w2, w3, w0 = "msg-vk-w48-1", "msg-vk-w48-2", OPEN_WID, "msg-vk-w47-1"
        _message(s, w1, "vk", t(24, 9, 30), "answered", "w48_clinics", "vladikavkaz", "minzdrav",
                 held_by=None, closed=t(24, 15))
        s.add(MessageBody(workflow_id=w1, body="minzdrav", status="published", received_at=t(24, 10),
                          accepted_at=t(24, 10, 5), published_at=t(24, 15)))
        _deadline(s, w1, "routing-1", "routing", t(24, 9, 30), t(24, 11, 30), closed=t(24, 10))
        _deadline(s, w1, "answer-1", "answer", t(24, 9, 30), t(25, 9, 30), closed=t(24, 15))
        s.add(Draft(workflow_id=w1, draft_id="d1", version=1, kind="final", body="minzdrav", text="Ответ",
                    status="published", submitted_at=t(24, 12), submitted_by_id=1, submitted_by_name="Исполнитель",
                    published_at=t(24, 15)))

        _message(s, w2, "vk", t(25, 9, 0), "answered", "w48_clinics", "mozdok", "minzdrav", held_by=None,
                 closed=t(26, 12))
        s.add(MessageBody(workflow_id=w2, body="minzdrav", status="published", received_at=t(25, 9, 30),
                          published_at=t(26, 12)))
        _deadline(s, w2, "review-1", "review", t(25, 16), t(26, 9, 0), closed=t(26, 11), held_by="tsur")
        _deadline(s, w2, "answer-1", "answer", t(25, 9, 0), t(26, 9, 0), closed=t(26, 12), held_by="tsur")
        s.add(Draft(workflow_id=w2, draft_id="d1", version=1, kind="final", body="minzdrav", text="Проект",
                    status="returned", submitted_at=t(25, 15), submitted_by_id=1, submitted_by_name="Исполнитель",
                    return_reasons=["tone"]))

        _message(s, w3, "ok", t(27, 9, 0), "in_progress", "w48_heating", "mozdok", "gkh", held_by="gkh", closed=None)
        s.add(MessageBody(workflow_id=w3, body="gkh", status="accepted", received_at=t(27, 9, 30),
                          accepted_at=t(27, 10)))
        _deadline(s, w3, "answer-1", "answer", t(27, 9, 0), t(27, 18, 0), closed=None, held_by="gkh", body="gkh")

        _message(s, w0, "vk", datetime(2026, 11, 18, 10, tzinfo=MSK), "answered", "w48_clinics", "vladikavkaz",
                 "minzdrav", held_by=None, closed=datetime(2026, 11, 18, 15, tzinfo=MSK))
        s.add(MessageBody(workflow_id=w0, body="minzdrav", status="published",
                          received_at=datetime(2026, 11, 18, 10, 30, tzinfo=MSK),
                          published_at=datetime(2026, 11, 18, 15, tzinfo=MSK)))
        s.commit()
