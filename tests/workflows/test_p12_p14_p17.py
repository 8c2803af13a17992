"""P12 (repeat message), P14 (illegal content: notice to law enforcement, never answered), P17 (socially
significant: leadership told at once)."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from domain.messages import (
    Acceptance,
    Attachment,
    DraftKind,
    IllegalFlag,
    MessageState,
    Outcome,
    RepeatLink,
    SignificanceMark,
)
from domain.sla import StepKey
from models.readmodel import PoliceNotice
from tests.workflows.helpers import (
    CAL,
    CLASSIFIED,
    CURATOR,
    H,
    approval,
    at,
    clean_week,
    draft,
    executor,
    export_history,
    make_input,
    outbox,
    published,
    route_to,
)
from workflows.client import Rejected, message_update

# --- P12 -------------------------------------------------------------------------------------


async def test_p12_repeat_is_linked_the_curator_routes_it_to_the_suggested_bodies_and_measures_are_required(harness):
    mon = clean_week(await harness.now())
    t0 = at(mon, 10)
    await harness.goto(t0)
    first = make_input(t0)
    await harness.start(first)
    await harness.update(first.workflow_id, "route", route_to("minzhkh"))
    await harness.update(first.workflow_id, "accept", Acceptance(actor=executor("minzhkh")))
    await harness.update(first.workflow_id, "submit_draft", draft("minzhkh"))
    await harness.update(first.workflow_id, "approve", approval())
    await harness.update(first.workflow_id, "confirm_published", published("minzhkh"))

    t1 = at(mon, 11)
    await harness.goto(t1)
    repeat = make_input(t1, text="Опять нет воды!", repeat_of=RepeatLink(
        workflow_id=first.workflow_id, bodies=["minzhkh", "rpvv"], classification=CLASSIFIED,
        reason="same_author_topic"))
    await harness.start(repeat)
    view = await harness.view(repeat.workflow_id)
    # P12: «Куратор направляет» — linked and suggested (every body that answered), not routed by the system
    assert view.repeat_of == first.workflow_id and view.repeat_reason == "same_author_topic"
    assert view.state == MessageState.new and view.suggested_bodies == ["minzhkh", "rpvv"]
    assert view.answer_due == CAL.add(t1, 9 * H)  # the same clocks as P9
    notes = outbox(harness.engine, repeat.workflow_id)
    assert [(n.kind, n.audience, n.data["suggested_bodies"]) for n in notes] == [
        ("repeat", "tsur_curators", ["minzhkh", "rpvv"])]
    view = await harness.update(repeat.workflow_id, "route", route_to("minzhkh"))
    assert view.state == MessageState.assigned and view.deadline(StepKey.routing).met is True
    assert any(n.kind == "repeat" and n.body == "minzhkh" for n in outbox(harness.engine, repeat.workflow_id))

    await harness.update(repeat.workflow_id, "accept", Acceptance(actor=executor("minzhkh")))
    before = await harness.update_events(repeat.workflow_id)
    with pytest.raises(Rejected, match="какие меры приняты"):
        await harness.update(repeat.workflow_id, "submit_draft", draft("minzhkh"))
    assert await harness.update_events(repeat.workflow_id) == before
    view = await harness.update(repeat.workflow_id, "submit_draft", draft(
        "minzhkh", measures_taken="Заменён участок трубы, подача восстановлена 12.03."))
    assert view.drafts[-1].measures_taken.startswith("Заменён")


# --- P14 -------------------------------------------------------------------------------------

FLAG = IllegalFlag(actor=CURATOR, reason="Угрозы главе района и его семье", agency="МВД по РСО-Алания",
                   ground="threat")


async def _assert_rejected_illegal(harness, inp, handle):
    summary = await harness.result(handle)
    assert summary.outcome == Outcome.rejected_illegal and summary.answer_url is None
    view = await harness.view(inp.workflow_id)
    assert view.state == MessageState.rejected_illegal
    assert all(d.status != "open" for d in view.deadlines)
    with harness.engine.connect() as conn:
        notice = conn.execute(select(PoliceNotice.__table__).where(
            PoliceNotice.__table__.c.workflow_id == inp.workflow_id)).one()
    assert notice.sha256 == hashlib.sha256(inp.raw_payload.encode()).hexdigest()
    assert notice.raw_payload == inp.raw_payload
    doc = notice.document
    for part in (inp.text, inp.url, inp.author.name, FLAG.agency, CURATOR.name, notice.sha256, "УВЕДОМЛЕНИЕ",
                 "пунктом 14"):
        assert part in doc
    if inp.attachments:  # the kind of each attachment in Russian, not the code
        assert "1. фото: https://vk.com/photo-1_2 (Скриншот)" in doc and "photo:" not in doc
    notes = outbox(harness.engine, inp.workflow_id)
    assert {n.audience for n in notes if n.kind == "illegal" and n.data["number"] == notice.number} == {
        "police", "tsur_head"}
    assert all(n.is_urgent() for n in notes if n.kind == "illegal")
    # never answered: nothing more can happen to it
    with pytest.raises(Rejected, match="завершена"):
        await message_update(harness.client, inp.workflow_id, "submit_draft", draft("minzhkh"))


async def test_p14_illegal_from_new(harness):
    t0 = at(clean_week(await harness.now()), 10)
    await harness.goto(t0)
    inp = make_input(t0, attachments=[Attachment(kind="photo", url="https://vk.com/photo-1_2", title="Скриншот")])
    handle = await harness.start(inp)
    view = await harness.update(inp.workflow_id, "flag_illegal", FLAG)
    assert view.state == MessageState.rejected_illegal
    await _assert_rejected_illegal(harness, inp, handle)
    await export_history(harness, inp.workflow_id, "illegal_from_new")


async def test_p14_illegal_from_in_progress(harness):
    t0 = at(clean_week(await harness.now()), 10)
    await harness.goto(t0)
    inp = make_input(t0)
    handle = await harness.start(inp)
    await harness.update(inp.workflow_id, "route", route_to("minzhkh"))
    await harness.update(inp.workflow_id, "accept", Acceptance(actor=executor("minzhkh")))
    await harness.update(inp.workflow_id, "flag_illegal", FLAG)
    await _assert_rejected_illegal(harness, inp, handle)


async def test_p14_illegal_from_on_review(harness):
    t0 = at(clean_week(await harness.now()), 10)
    await harness.goto(t0)
    inp = make_input(t0, raw_payload=None)  # manual intake: the evidence is the canonical JSON of the post
    handle = await harness.start(inp)
    await harness.update(inp.workflow_id, "route", route_to("minzhkh"))
    await harness.update(inp.workflow_id, "accept", Acceptance(actor=executor("minzhkh")))
    await harness.update(inp.workflow_id, "submit_draft", draft("minzhkh", DraftKind.intermediate))
    view = await harness.update(inp.workflow_id, "flag_illegal", FLAG)
    assert view.drafts[-1].status == "superseded"
    summary = await harness.result(handle)
    assert summary.outcome == Outcome.rejected_illegal
    with harness.engine.connect() as conn:
        notice = conn.execute(select(PoliceNotice.__table__).where(
            PoliceNotice.__table__.c.workflow_id == inp.workflow_id)).one()
    assert notice.sha256 == inp.evidence_sha256() and inp.text in notice.raw_payload


# --- P17 -------------------------------------------------------------------------------------


async def test_p17_significant_message_notifies_leadership_at_once(harness):
    t0 = at(clean_week(await harness.now()), 10)
    await harness.goto(t0)
    inp = make_input(t0)
    await harness.start(inp)
    view = await harness.update(inp.workflow_id, "mark_significant", SignificanceMark(
        actor=CURATOR, reason="Массовое отключение воды в трёх сёлах"))
    assert view.significant and view.significance_reason.startswith("Массовое")
    notes = [n for n in outbox(harness.engine, inp.workflow_id) if n.kind == "significant"]
    # P17: the Head, the Chairman AND the Administration, the portfolio's deputy, the head of ЦУР — at once
    assert sorted(n.audience for n in notes) == sorted(
        ["head", "chairman", "administration", "portfolio_deputy", "tsur_head"])
    assert all(n.is_urgent() and n.data["url"] == inp.url and n.created_at <= t0 + H for n in notes)
    before = await harness.update_events(inp.workflow_id)
    with pytest.raises(Rejected, match="уже отмечено"):
        await harness.update(inp.workflow_id, "mark_significant", SignificanceMark(actor=CURATOR, reason="ещё раз"))
    assert await harness.update_events(inp.workflow_id) == before
