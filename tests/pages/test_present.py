"""The pages' presentation rules, without a browser: countdown colours, the short and the full "why" of a
deadline, which actions a card offers (read from ``domain.actions.ACTIONS`` and ``api.auth.authorize``), and
forms turned into the API's own request bodies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.exceptions import RequestValidationError
from starlette.datastructures import FormData

from api.auth import Principal
from api.pages.forms import action_payload, take_payload
from api.pages.present import countdown, days_off, offered, why
from domain.actions import ACTIONS
from domain.worktime import WorkCalendar

MSK = ZoneInfo("Europe/Moscow")
CAL = WorkCalendar.default()


def test_countdown_in_working_time_amber_under_an_hour_red_when_late() -> None:
    start = datetime(2025, 10, 31, 16, 30, tzinfo=MSK)  # Friday before the November holidays
    due = CAL.add(start, timedelta(hours=9))
    assert countdown(CAL, due, start).text == "осталось 9 ч рабочего времени"
    assert countdown(CAL, due, start).level == "ok"
    near = CAL.add(start, timedelta(minutes=50))
    assert (countdown(CAL, near, start).text, countdown(CAL, near, start).level) == \
        ("осталось 50 мин рабочего времени", "amber")
    late = countdown(CAL, start, due)
    assert late.level == "red" and late.text == "просрочено на 9 ч рабочего времени"
    assert countdown(CAL, due, start, breached=True).level == "red"
    assert countdown(CAL, None, start).level == "none"


def test_p9_deadline_why_names_the_transfer_and_the_holiday() -> None:
    start = datetime(2025, 10, 31, 16, 30, tzinfo=MSK)
    due = CAL.add(start, timedelta(hours=9))
    assert due == datetime(2025, 11, 5, 9, 30, tzinfo=MSK)
    short = days_off(CAL, start, due)
    assert "03.11 выходной (перенос" in short and "04.11 праздник" in short
    assert "Как считали" in why(CAL, start, due)


def _view(state: str, bodies: list[str]) -> object:
    from domain.messages import MessageView

    return MessageView.model_validate({
        "workflow_id": "msg-vk-1", "network": "vk", "external_id": "1", "url": "https://vk.com/wall-1_1",
        "author": {"id": "1"}, "text": "т", "source": "manual", "posted_at": None,
        "detected_at": datetime.now(UTC), "state": state, "state_title": state, "as_of": datetime.now(UTC),
        "bodies": [{"code": b, "status": "assigned"} for b in bodies]})


@pytest.mark.parametrize("state", ["new", "assigned", "on_review", "approved", "answered"])
def test_card_offers_exactly_what_the_table_and_the_role_allow(state: str) -> None:
    view = _view(state, ["minzdrav"] if state != "new" else [])
    curator = Principal(1, "К", frozenset({"curator"}), "tsur")
    executor = Principal(2, "И", frozenset({"executor"}), "minzdrav")
    stranger = Principal(3, "Ч", frozenset({"executor"}), "mintrans")
    boss = Principal(4, "Р", frozenset({"leadership"}))
    assert set(offered(view, curator)) == {n for n, a in ACTIONS.items() if state in a.states and "curator" in a.roles}  # type: ignore[arg-type]
    assert set(offered(view, executor)) == {n for n, a in ACTIONS.items()  # type: ignore[arg-type]
                                            if state in a.states and "executor" in a.roles}
    assert offered(view, stranger) == [] and offered(view, boss) == []  # type: ignore[arg-type]


def test_forms_become_the_api_bodies() -> None:
    seq = action_payload("route", FormData([("bodies", "minzdrav"), ("bodies", "rkb"), ("pos_rkb", "1"),
                                            ("pos_minzdrav", "2"), ("order", "sequential")]))
    assert seq.model_dump()["bodies"] == ["rkb", "minzdrav"]
    p = action_payload("route", FormData([("bodies", "minzdrav"), ("bodies", "rkb"), ("order", "sequential"),
                                          ("topic", "clinics"), ("location", "vladikavkaz"), ("publisher", "each")]))
    data = p.model_dump()
    assert data["bodies"] == ["minzdrav", "rkb"] and data["order"] == "sequential"
    assert data["classification"]["topic"] == "clinics"
    d = action_payload("submit_draft", FormData([("kind", "intermediate"), ("text", "Проверяем"),
                                                 ("promised_date", "2026-12-10"),
                                                 ("attachments", "https://x.ru/1.jpg\n\nhttps://x.ru/2.jpg")]))
    assert d.model_dump()["promised_date"].isoformat() == "2026-12-10"
    assert [a["url"] for a in d.model_dump()["attachments"]] == ["https://x.ru/1.jpg", "https://x.ru/2.jpg"]
    a = action_payload("approve", FormData([("complete", "on"), ("informal", "on")]))
    assert a.model_dump()["complete"] is True and a.model_dump()["solution"] is False
    with pytest.raises(RequestValidationError):
        action_payload("return_to_curator", FormData([("reason", "")]))
    with pytest.raises(RequestValidationError):
        action_payload("submit_draft", FormData([("kind", "final"), ("text", "x"),
                                                 ("attachments", "javascript:alert(1)")]))
    t = take_payload(FormData([("topic", "clinics"), ("location", "alagir")]))
    assert t.route is None and t.classification is not None
