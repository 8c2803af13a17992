"""Issue 8: the workflow judges lateness as the Decree is written, and no path ends in a dead end.

Each test names the Regulation item it checks; deadlines are driven on the time-skipping server on both
sides. Histories of the shapes are exported for the replay test (``OTKLIK_EXPORT_HISTORIES=1``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.messages import (
    Acceptance,
    Attachment,
    BodyStatus,
    DraftKind,
    IllegalFlag,
    MessageState,
    NotProcessedMark,
    Outcome,
    PublisherChange,
    Reroute,
    ReturnToCurator,
)
from domain.sla import StepKey
from tests.workflows.helpers import (
    CAL,
    CLASSIFIED,
    CURATOR,
    MIN,
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
    responsible,
    route_to,
)
from workflows.client import Rejected

BODY = "minzhkh"
PHOTO = Attachment(kind="photo", url="https://vk.com/photo-1_77", title="Труба заменена")


def contribution(body: str, **kw):
    return draft(body, DraftKind.contribution, text=kw.pop("text", f"Информация органа {body}"), **kw)


async def _accepted(harness, t0, body=BODY):
    await harness.goto(t0)
    inp = make_input(t0)
    await harness.start(inp)
    await harness.update(inp.workflow_id, "route", route_to(body))
    await harness.update(inp.workflow_id, "accept", Acceptance(actor=executor(body)))
    return inp.workflow_id


# --- P15: blame follows the holder ----------------------------------------------------------------


async def test_p15_an_unreviewed_draft_escalates_within_tsur_only(harness):
    mon = clean_week(await harness.now())
    t0 = at(mon, 10)
    wid = await _accepted(harness, t0)
    await harness.goto(at(mon, 11))
    await harness.update(wid, "submit_draft", draft(BODY))
    review_due = CAL.add(at(mon, 11), 2 * H)
    await harness.goto(CAL.subtract(review_due, MIN))
    view = await harness.view(wid)
    assert view.breaches == [] and view.held_by == "tsur"
    await harness.goto(CAL.add(review_due, MIN))
    await harness.eventually(wid, lambda v: v.deadline(StepKey.review).breached, "review breach")
    answer_due = CAL.add(t0, 9 * H)
    await harness.goto(CAL.add(answer_due, 3 * H))  # the answer slips too, and every rung has come
    view = await harness.eventually(wid, lambda v: v.deadline(StepKey.answer).breached, "answer breach")
    assert sorted((b.step.value, b.held_by) for b in view.breaches) == [("answer", "tsur"), ("review", "tsur")]
    notes = [n for n in outbox(harness.engine, wid) if n.kind in ("breach", "rung")]
    assert notes and {n.audience for n in notes} <= {"tsur_duty", "tsur_head"}  # never the body, never leadership
    assert all(n.data["held_by"] == "tsur" for n in notes)
    await export_history(harness, wid, "review_and_answer_breached_held_by_tsur")


async def test_p15_a_body_late_with_its_answer_walks_the_bodys_ladder(harness):
    mon = clean_week(await harness.now())
    t0 = at(mon, 10)
    wid = await _accepted(harness, t0)
    await harness.goto(CAL.add(CAL.add(t0, 9 * H), 2 * H + MIN))
    view = await harness.eventually(wid, lambda v: len(v.deadline(StepKey.answer).escalated_to) == 3, "ladder")
    assert [(b.held_by, b.cause) for b in view.breaches] == [(BODY, "no_intermediate")]
    audiences = sorted(n.audience for n in outbox(harness.engine, wid) if n.kind in ("breach", "rung"))
    assert audiences == ["body_responsible", "leadership", "tsur_head"]


# --- P10 ---------------------------------------------------------------------------------------------


async def _intermediate_out(harness, wid, body=BODY, **kw):
    await harness.update(wid, "submit_draft", draft(body, DraftKind.intermediate, text="Изучаем вопрос.", **kw))
    await harness.update(wid, "approve", approval())
    return await harness.update(wid, "confirm_published", published(body))


async def test_p10_a_reroute_after_the_promised_date_gives_the_new_body_its_own_clock(harness):
    mon = clean_week(await harness.now())
    t0 = at(mon, 10)
    wid = await _accepted(harness, t0)
    view = await _intermediate_out(harness, wid)
    assert view.state == MessageState.awaiting_final
    p10 = view.deadline(StepKey.final_after_intermediate, BODY).due
    await harness.goto(CAL.add(p10, 30 * MIN))
    await harness.eventually(wid, lambda v: v.deadline(StepKey.final_after_intermediate).breached, "P10 breach")
    moved_at = await harness.now()
    view = await harness.update(wid, "reroute", Reroute(actor=CURATOR, bodies=["minstroy"],
                                                        reason="Сети в ведении Минстроя"))
    assert view.state == MessageState.assigned
    own = view.deadline(StepKey.reroute_final, "minstroy")
    assert own.status == "open" and own.due == CAL.add(moved_at.replace(microsecond=0), 9 * H)
    # the overdue stays with the body that missed it
    assert [(b.step, b.held_by) for b in view.breaches] == [(StepKey.final_after_intermediate, BODY)]
    await harness.update(wid, "accept", Acceptance(actor=executor("minstroy")))
    await harness.update(wid, "submit_draft", draft("minstroy"))
    view = await harness.view(wid)
    assert view.deadline(StepKey.reroute_final, "minstroy").met is True
    await export_history(harness, wid, "p10_rerouted_after_the_promised_date")


async def test_p10_a_reroute_to_several_bodies_keeps_the_promised_date(harness):
    mon = clean_week(await harness.now())
    t0 = at(mon, 10)
    wid = await _accepted(harness, t0)
    view = await _intermediate_out(harness, wid)
    p10 = view.deadline(StepKey.final_after_intermediate, BODY).due
    view = await harness.update(wid, "reroute", Reroute(actor=CURATOR, bodies=["minstroy", BODY],
                                                        reason="Нужен совместный ответ"))
    assert view.state == MessageState.collecting
    joint = [d for d in view.deadlines if d.step == StepKey.final_after_intermediate and d.status == "open"]
    assert [(d.body, d.due) for d in joint] == [(None, p10)]


# --- P11 ---------------------------------------------------------------------------------------------


async def test_p11_a_part_survives_another_bodys_return_and_the_curators_know_what_is_missing(harness):
    mon = clean_week(await harness.now())
    t0 = at(mon, 10)
    await harness.goto(t0)
    inp = make_input(t0)
    wid = inp.workflow_id
    await harness.start(inp)
    await harness.update(wid, "route", route_to("minzhkh", "minstroy", "ams"))
    await harness.update(wid, "submit_draft", contribution("minzhkh", attachments=[PHOTO]))
    view = await harness.update(wid, "return_to_curator", ReturnToCurator(actor=executor("ams"),
                                                                          reason="Не компетенция АМС"))
    assert view.body("minzhkh").status == BodyStatus.contributed and view.state == MessageState.collecting
    status = [n.data for n in outbox(harness.engine, wid) if n.kind == "parts_status"][-1]
    assert status["parts_in"] == ["minzhkh"] and set(status["missing"]) == {"minstroy", "ams"}

    # a re-route that keeps the body keeps its part
    view = await harness.update(wid, "reroute", Reroute(actor=CURATOR, bodies=["minzhkh", "minstroy"],
                                                        reason="Без АМС"))
    assert view.body("minzhkh").status == BodyStatus.contributed
    assert [d.status for d in view.drafts if d.body == "minzhkh"] == ["on_review"]

    await harness.goto(at(mon, 11))
    view = await harness.update(wid, "submit_draft", contribution("minstroy"))
    assert view.state == MessageState.on_review and view.held_by == "tsur"
    composition = view.deadline(StepKey.composition)
    assert composition.due == CAL.add(at(mon, 11), 2 * H)
    complete = [n.data for n in outbox(harness.engine, wid) if n.kind == "parts_status"][-1]
    assert complete["complete"] and complete["missing"] == []

    # the composition clock is ЦУР's: its breach escalates within ЦУР
    await harness.goto(CAL.add(composition.due, MIN))
    view = await harness.eventually(wid, lambda v: v.deadline(StepKey.composition).breached, "composition breach")
    assert [(b.step, b.held_by) for b in view.breaches] == [(StepKey.composition, "tsur")]

    # P13: the parts' photos go into the joint answer, with the curator's own
    own = Attachment(kind="photo", url="https://vk.com/photo-1_78", title="Схема ремонта")
    view = await harness.update(wid, "approve", approval(text="Совместный ответ Минжкх и Минстроя",
                                                         attachments=[own]))
    joint = view.drafts[-1]
    assert [a.url for a in joint.attachments] == [PHOTO.url, own.url]
    await export_history(harness, wid, "joint_part_survives_return_and_reroute")


async def test_p11_an_intermediate_joint_answer_then_the_final_one(harness):
    mon = clean_week(await harness.now())
    t0 = at(mon, 10)
    await harness.goto(t0)
    inp = make_input(t0)
    wid = inp.workflow_id
    await harness.start(inp)
    await harness.update(wid, "route", route_to("minzhkh", "minstroy"))
    await harness.update(wid, "submit_draft", contribution("minzhkh"))
    await harness.update(wid, "submit_draft", contribution("minstroy"))
    promised = mon + timedelta(days=9)
    view = await harness.update(wid, "approve", approval(text="Промежуточный совместный ответ", kind="intermediate",
                                                         promised_date=promised))
    assert view.drafts[-1].kind == DraftKind.intermediate
    view = await harness.update(wid, "confirm_published", published("minzhkh"))
    assert view.state == MessageState.awaiting_final
    p10 = [d for d in view.deadlines if d.step == StepKey.final_after_intermediate and d.status == "open"]
    assert len(p10) == 1 and p10[0].body is None and p10[0].due.date() == promised
    view = await harness.update(wid, "submit_draft", contribution("minzhkh", text="Окончательно: ремонт завершён"))
    assert view.state == MessageState.collecting
    view = await harness.update(wid, "submit_draft", contribution("minstroy", text="Окончательно: сети приняты"))
    assert view.state == MessageState.on_review
    await harness.update(wid, "approve", approval(text="Окончательный совместный ответ"))
    view = await harness.update(wid, "confirm_published", published("minzhkh"))
    assert view.outcome == Outcome.answered and view.breaches == []
    assert p10[0].id in [d.id for d in view.deadlines if d.met]
    await export_history(harness, wid, "joint_intermediate_then_final")


# --- No dead ends ---------------------------------------------------------------------------------------


async def test_no_dead_end_awaiting_final_can_be_returned_and_rerouted(harness):
    mon = clean_week(await harness.now())
    wid = await _accepted(harness, at(mon, 10))
    await _intermediate_out(harness, wid)
    view = await harness.update(wid, "return_to_curator", ReturnToCurator(actor=executor(BODY),
                                                                          reason="Вопрос оказался не наш"))
    assert view.state == MessageState.returned and view.held_by == "tsur"
    view = await harness.update(wid, "route", route_to("minstroy"))
    assert view.state == MessageState.assigned
    assert view.deadline(StepKey.final_after_intermediate, "minstroy").status == "open"  # the promised date
    await export_history(harness, wid, "awaiting_final_returned_and_routed")


async def test_no_dead_end_the_curator_changes_the_publishing_body_of_an_approved_answer(harness):
    mon = clean_week(await harness.now())
    wid = await _accepted(harness, at(mon, 10))
    await harness.update(wid, "submit_draft", draft(BODY))
    await harness.update(wid, "approve", approval())
    view = await harness.update(wid, "change_publisher", PublisherChange(
        actor=CURATOR, body="minstroy", reason="Аккаунт Минжкх заблокирован"))
    assert view.deadline(StepKey.publication, "minstroy").status == "open"
    assert view.deadline(StepKey.publication, BODY).status == "cancelled"
    with pytest.raises(Rejected, match="не публикует"):
        await harness.update(wid, "confirm_published", published(BODY))
    view = await harness.update(wid, "confirm_published", published("minstroy"))
    assert view.outcome == Outcome.answered
    await export_history(harness, wid, "publisher_changed")


async def test_p6_a_transfer_inside_the_body_is_worded_as_such_and_curators_are_told(harness):
    mon = clean_week(await harness.now())
    wid = await _accepted(harness, at(mon, 10), body="minzdrav")
    boss = responsible("minzdrav").model_copy(update={"scope": ["minzdrav", "rkb"]})
    view = await harness.update(wid, "reroute", Reroute(actor=boss, bodies=["rkb"], reason="Вопрос больницы"))
    assert view.state == MessageState.assigned
    told = [n for n in outbox(harness.engine, wid) if n.kind == "transferred"]
    assert [(n.audience, n.data["by"]) for n in told] == [("tsur_curators", boss.name)]


# --- Dismissal and P14 ------------------------------------------------------------------------------------


async def test_dismissal_after_routing_is_marked_and_a_due_breach_is_kept(harness):
    mon = clean_week(await harness.now())
    t0 = at(mon, 10)
    wid = await _accepted(harness, t0)
    await harness.goto(CAL.add(t0, 9 * H + MIN))
    await harness.eventually(wid, lambda v: bool(v.breaches), "answer breach")
    from domain.messages import Dismissal

    view = await harness.update(wid, "dismiss", Dismissal(actor=CURATOR, reason="Автор удалил запись"))
    assert view.state == MessageState.dismissed and view.dismissed_after_routing
    assert [b.step for b in view.breaches] == [StepKey.answer]
    assert any(n.kind == "closed" and n.body == BODY for n in outbox(harness.engine, wid))


async def test_p14_both_outcomes_are_open_on_a_closed_message(harness):
    mon = clean_week(await harness.now())
    wid = await _accepted(harness, at(mon, 10))
    await harness.update(wid, "submit_draft", draft(BODY))
    await harness.update(wid, "approve", approval())
    view = await harness.update(wid, "confirm_published", published(BODY))
    assert view.state == MessageState.answered
    # «не подлежит обработке и ответу»: closed, no notice
    view = await harness.update(wid, "mark_not_processed", NotProcessedMark(actor=CURATOR, reason="Мат в комментарии"))
    assert view.state == MessageState.not_processed and view.outcome == Outcome.not_processed
    assert not any(n.kind == "illegal" for n in outbox(harness.engine, wid))
    # then «противоправный контент»: the written notice to law enforcement
    view = await harness.update(wid, "flag_illegal", IllegalFlag(actor=CURATOR, reason="Угрозы главе района",
                                                                 agency="МВД по РСО-Алания"))
    assert view.state == MessageState.rejected_illegal
    await harness.settled(wid)
    assert {n.audience for n in outbox(harness.engine, wid) if n.kind == "illegal"} == {"police", "tsur_head"}
    with pytest.raises(Rejected, match="завершена"):
        await harness.update(wid, "flag_illegal", IllegalFlag(actor=CURATOR, reason="Ещё раз", agency="МВД"))
    await export_history(harness, wid, "p14_after_answer")


async def test_p14_not_processed_from_new_closes_without_a_notice(harness):
    mon = clean_week(await harness.now())
    t0 = at(mon, 10)
    await harness.goto(t0)
    inp = make_input(t0)
    handle = await harness.start(inp)
    view = await harness.update(inp.workflow_id, "mark_not_processed", NotProcessedMark(
        actor=CURATOR, reason="Оскорбления", ground="obscene"))
    assert view.state == MessageState.not_processed and all(d.status != "open" for d in view.deadlines)
    summary = await harness.result(handle)  # the P14 window passes, the workflow ends
    assert summary.outcome == Outcome.not_processed
    await export_history(harness, inp.workflow_id, "not_processed_from_new")


# --- History stays bounded ------------------------------------------------------------------------------


async def test_history_twenty_rework_rounds_of_ten_thousand_characters_stay_under_one_megabyte(harness):
    mon = clean_week(await harness.now())
    wid = await _accepted(harness, at(mon, 10))
    text = ("Уважаемый житель! " + "Подача воды будет восстановлена после замены участка трубы. " * 200)[:10000]
    from domain.messages import DraftReturn

    for i in range(20):
        await harness.update(wid, "submit_draft", draft(BODY, text=text))
        await harness.update(wid, "return_draft", DraftReturn(actor=CURATOR, comment=f"Круг {i + 1}: короче"))
    history = await harness.client.get_workflow_handle(wid).fetch_history()
    size = sum(len(e.SerializeToString()) for e in history.events)
    print(f"\n20 rework rounds of 10,000 characters: {len(history.events)} events, {size} bytes")
    assert size < 1_000_000


async def test_continue_as_new_carries_the_state_and_the_clocks(harness):
    mon = clean_week(await harness.now())
    t0 = at(mon, 10)
    await harness.goto(t0)
    inp = make_input(t0, history_event_limit=50)
    wid = inp.workflow_id
    await harness.start(inp)
    await harness.update(wid, "route", route_to(BODY))
    await harness.update(wid, "accept", Acceptance(actor=executor(BODY)))
    from domain.messages import DraftReturn

    for _ in range(6):
        await harness.update(wid, "submit_draft", draft(BODY))
        await harness.update(wid, "return_draft", DraftReturn(actor=CURATOR, comment="Уточните сроки"))
    await harness.settled(wid)
    history = await harness.client.get_workflow_handle(wid).fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    assert started.continued_execution_run_id  # this run continued an earlier one
    view = await harness.view(wid)
    assert view.state == MessageState.rework and len(view.drafts) == 6
    assert view.deadline(StepKey.answer).due == CAL.add(t0, 9 * H)
    # the clocks still run in the new run
    await harness.goto(CAL.add(t0, 9 * H + MIN))
    await harness.eventually(wid, lambda v: v.deadline(StepKey.answer).breached, "answer breach after continue")


async def test_validators_bound_what_enters(harness):
    mon = clean_week(await harness.now())
    wid = await _accepted(harness, at(mon, 10))
    with pytest.raises(Rejected, match="не позже чем через год"):
        await harness.update(wid, "submit_draft", draft(BODY, DraftKind.intermediate,
                                                         promised_date=mon + timedelta(days=800)))
    await harness.update(wid, "submit_draft", draft(BODY))
    await harness.update(wid, "approve", approval())
    with pytest.raises(Rejected, match="в будущем"):
        await harness.update(wid, "confirm_published", published(BODY, at=(await harness.now()) + timedelta(days=1)))
    with pytest.raises(Rejected, match="не под той записью"):
        await harness.update(wid, "confirm_published", published(BODY, url="https://vk.com/wall-1_999?reply=3"))
    assert CLASSIFIED.topic  # the same classification as every other test
