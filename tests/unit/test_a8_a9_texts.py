"""A8/A9 in words: the weekly summary names bodies and networks (never codes), the ban's terms and VK's codes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from activities.delivery.render import Names, render_event
from domain.accounts import VK_BAN_REASON, Ban, ban_comment, week_bounds
from domain.notifications import NotificationEvent

NAMES = Names(bodies={"minzdrav": "Министерство здравоохранения РСО-Алания", "gkh": "Министерство ЖКХ РСО-Алания"})
WEEK = {"week": "2026-W48", "week_start": "2026-11-22T21:00:00+00:00", "week_last": "2026-11-28T21:00:00+00:00",
        "threshold": 3}


def test_a8_the_summary_for_the_head_of_tsur_lists_the_accounts_below_the_norm_and_the_unchecked() -> None:
    e = NotificationEvent(key="k", kind="account_activity", audience="tsur_head", created_at=datetime.now(UTC), data={
        **WEEK, "checked": 4,
        "below": [{"body": "minzdrav", "network": "vk", "url": "https://vk.com/club1", "posts": 2, "error": ""}],
        "refused": [{"body": "gkh", "network": "ok", "url": "https://ok.ru/group/7", "posts": None,
                     "error": "Одноклассники: нет прав на это действие"}]})
    r = render_event(e, NAMES)
    assert r.subject == "Публикации официальных аккаунтов за 23.11.2026 — 29.11.2026: ниже нормы — 1"
    assert "— Министерство здравоохранения РСО-Алания, ВКонтакте: 2 публ. (https://vk.com/club1)" in r.text
    assert "— Министерство ЖКХ РСО-Алания, Одноклассники (https://ok.ru/group/7): Одноклассники: нет прав" in r.text
    assert "minzdrav" not in r.text and "gkh" not in r.text and "Проверено аккаунтов: 4." in r.text
    calm = render_event(e.model_copy(update={"data": {**WEEK, "checked": 4, "below": [], "refused": []}}), NAMES)
    assert "Все проверенные аккаунты выполнили норму." in calm.text and "ниже нормы" not in calm.subject


def test_a8_the_body_notice_names_the_body_the_count_and_the_norm() -> None:
    e = NotificationEvent(key="k", kind="account_inactive", audience="body_responsible", body="minzdrav",
                          created_at=datetime.now(UTC),
                          data={**WEEK, "network": "vk", "url": "https://vk.com/club1", "posts": 0})
    text = render_event(e, NAMES).text
    assert "органа «Министерство здравоохранения РСО-Алания» во ВКонтакте за неделю 23.11.2026 — 29.11.2026" in text
    assert "собственных публикаций сообщества: 0 при норме не менее 3 в неделю" in text


def test_a8_a_week_label_must_be_an_iso_week() -> None:
    for bad in ("2026-48", "2026-W54", "W48", "2026-W00"):
        with pytest.raises(ValueError):
            week_bounds(bad)
    assert week_bounds("2026-W53")[0].date().isoformat() == "2026-12-28"


def test_a9_a_ban_is_days_1_to_365_or_forever_and_vks_reason_codes() -> None:
    ban: TypeAdapter[Ban] = TypeAdapter(Ban)
    assert ban.validate_python({"days": 30}).until(datetime(2026, 12, 1, tzinfo=UTC)) == datetime(2026, 12, 31, tzinfo=UTC)
    assert ban.validate_python({"forever": True}).until(datetime(2026, 12, 1, tzinfo=UTC)) is None
    for bad in ({}, {"days": 0}, {"days": 366}, {"days": 3, "forever": True}, {"forever": False}):
        with pytest.raises(ValidationError):
            ban.validate_python(bad)
    assert VK_BAN_REASON == {"law": 0, "spam": 1, "insult": 2, "obscenity": 3}
    assert ban_comment("spam", None).startswith("Ваш комментарий удалён: спам-рассылка. Доступ к сообществу "
                                                "ограничен бессрочно")
    assert "до 31.12.2026 03:00 (МСК)" in ban_comment("insult", datetime(2026, 12, 31, tzinfo=UTC))


def test_a8_a_bad_week_is_echoed_without_control_characters() -> None:
    import pytest

    from domain.accounts import WeekError, week_bounds

    with pytest.raises(WeekError) as err:
        week_bounds("¨\x1c1\x0f\x00")
    assert "\x00" not in str(err.value) and "\x1c" not in str(err.value) and "2026-W48" in str(err.value)
