"""Every kind renders in Russian with registry names (never codes); channel limits and webhook signatures."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from activities.delivery.max import MAX_TEXT, max_text
from activities.delivery.render import Names, Rendered, duration, msk, render_event
from activities.delivery.webhook import signature, verify_signature
from domain.notifications import NotificationEvent, NotificationKind

NAMES = Names(bodies={"minzdrav": "Министерство здравоохранения РСО-Алания", "tsur": "ЦУР РСО-Алания"},
              topics={"polyclinics": "Работа поликлиник"}, locations={"mozdok": "Моздокский район"})
DATA = {"bodies": ["minzdrav"], "held_by": "minzdrav", "step_title": "Публикация ответа", "rule": "P9",
        "due": "2026-12-02T06:00:00+00:00", "overrun_minutes": 95, "topic": "polyclinics", "location": "mozdok",
        "to_body": "minzdrav", "missing": ["minzdrav"], "escalated_to": ["body_responsible", "leadership"],
        "ground": "threat", "importance": "important", "order": "parallel", "count": 9, "baseline": 1.0, "window_minutes": 120}


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_every_kind_renders_with_names_not_codes(kind: NotificationKind) -> None:
    e = NotificationEvent(key="k", kind=kind, audience="body_responsible", body="minzdrav", workflow_id="msg-vk-1",
                          data=DATA, created_at=datetime(2026, 12, 2, 6, 0, tzinfo=UTC))
    r = render_event(e, NAMES, links={"message": "https://otklik.example.invalid/messages/msg-vk-1"})
    assert r.subject and r.text and "<html" in r.html
    for code in ("minzdrav", "polyclinics", "mozdok", "body_responsible", "P9", "important", "parallel"):
        assert code not in r.subject and code not in r.text.replace("msg-vk-1", "")
    # With no data at all a template still renders (a missing key never stops a delivery).
    assert render_event(e.model_copy(update={"data": {}}), NAMES).subject


def test_breach_text_says_step_due_overrun_in_working_time_and_holder() -> None:
    e = NotificationEvent(key="k", kind="breach", audience="body_responsible", body="minzdrav", data=DATA,
                          created_at=datetime(2026, 12, 2, 6, 0, tzinfo=UTC))
    text = render_event(e, NAMES).text
    assert "Срок: 02.12.2026 09:00 МСК" in text and "Просрочка: 1 ч 35 мин рабочего времени" in text
    assert "Сообщение находилось у: Министерство здравоохранения РСО-Алания" in text
    assert "п. 9 Положения" in text


def test_rating_text_names_the_zone_in_russian() -> None:
    e = NotificationEvent(key="k", kind="rating", audience="body_responsible", body="minzdrav",
                          data={"quarter": "IV квартал 2026", "score": 87, "zone": "yellow"},
                          created_at=datetime(2026, 12, 2, 6, 0, tzinfo=UTC))
    assert "Балл: 87 (жёлтая зона)" in render_event(e, NAMES).text


def test_moscow_time_and_durations_in_russian() -> None:
    assert msk("2026-12-31T21:30:00Z") == "01.01.2027 00:30 МСК"
    assert duration(0) == "0 мин" and duration(60) == "1 ч" and duration(61) == "1 ч 1 мин"


def test_max_text_is_cut_to_4000_characters_with_a_link() -> None:
    text = max_text(Rendered("Тема", "а" * 10_000, ""), "https://otklik.example.invalid/messages/x")
    assert len(text) == MAX_TEXT and text.endswith("Полностью: https://otklik.example.invalid/messages/x")


def test_webhook_signature_covers_timestamp_and_body_within_the_replay_window() -> None:
    body = b'{"id": "k"}'
    sig = signature("secret", "1000", body)
    assert verify_signature("secret", "1000", body, sig, now=1200)
    assert not verify_signature("secret", "1000", body, sig, now=1301)  # replayed after 5 minutes
    assert not verify_signature("secret", "1001", body, sig, now=1001)  # another timestamp
    assert not verify_signature("secret", "1000", b'{"id": "x"}', sig, now=1000)
    assert not verify_signature("other", "1000", body, sig, now=1000)
