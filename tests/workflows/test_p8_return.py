"""P8: an executor who is not competent returns the message to the curator within 30 minutes, with
reasons; the curator re-routes it with a fresh routing clock."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.messages import (
    Acceptance,
    Actor,
    BodyStatus,
    Classification,
    MessageState,
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
    at,
    clean_week,
    executor,
    make_input,
    near,
    route_to,
)


async def test_p8_return_within_thirty_minutes_met_and_one_minute_late_breached(harness):
    mon = clean_week(await harness.now())
    t0 = at(mon, 12, 50)
    await harness.goto(t0)
    met, late = make_input(t0), make_input(t0)
    for inp in (met, late):
        await harness.start(inp)
        view = await harness.update(inp.workflow_id, "route", route_to("minstroy"))
    window = view.deadline(StepKey.return_window, "minstroy")
    # Routed at t0 plus the seconds the server's clock ran meanwhile: 10 working minutes before lunch, 20 after.
    assert window.window and t0 <= window.opened_at < t0 + MIN
    assert window.due == CAL.add(window.opened_at, 30 * MIN) and near(window.due, at(mon, 14, 20))

    reason = ReturnToCurator(actor=executor("minstroy"), reason="Водоснабжение — не наша компетенция, это МУП")
    await harness.goto(CAL.subtract(window.due, MIN))
    view = await harness.update(met.workflow_id, "return_to_curator", reason)
    assert view.state == MessageState.returned
    assert view.deadline(StepKey.return_window, "minstroy").met is True
    assert view.body("minstroy").status == BodyStatus.returned
    assert view.body("minstroy").return_reason == reason.reason
    assert not view.breaches

    await harness.goto(CAL.add(window.due, MIN))
    view = await harness.view(late.workflow_id)
    assert not view.breaches  # a window, not an obligation: nothing is breached until a late return
    view = await harness.update(late.workflow_id, "return_to_curator", reason)
    ret = view.deadline(StepKey.return_window, "minstroy")
    assert ret.met is False and ret.breached and ret.overrun_minutes == 1
    assert [b.step for b in view.breaches] == [StepKey.return_window]


async def test_p8_return_needs_a_reason_and_rerouting_gets_a_fresh_routing_clock(harness):
    with pytest.raises(ValidationError):
        ReturnToCurator(actor=executor("minstroy"), reason="")
    mon = clean_week(await harness.now())
    t0 = at(mon, 9)
    await harness.goto(t0)
    inp = make_input(t0)
    await harness.start(inp)
    await harness.update(inp.workflow_id, "route", route_to("minstroy"))
    await harness.goto(at(mon, 9, 20))
    view = await harness.update(inp.workflow_id, "return_to_curator",
                                ReturnToCurator(actor=executor("minstroy"), reason="Не наша компетенция"))
    routing = view.deadline(StepKey.routing)
    assert routing.status == "open" and routing.opened_at >= at(mon, 9, 20)
    assert routing.due == CAL.add(routing.opened_at, 2 * H)

    await harness.goto(at(mon, 10))
    view = await harness.update(inp.workflow_id, "reroute", Reroute(
        actor=CURATOR, bodies=["minzhkh"], reason="Компетенция МинЖКХ", classification=CLASSIFIED))
    assert view.state == MessageState.assigned
    assert view.deadline(StepKey.routing).met is True
    assert view.body("minzhkh").status == BodyStatus.assigned
    assert view.body("minstroy").status == BodyStatus.returned
    assert near(view.deadline(StepKey.return_window, "minzhkh").due, at(mon, 10, 30))


async def test_p6_responsible_official_reroutes_within_its_own_tree_only(harness):
    """A body's responsible official may reassign a message held by its body to a subordinate
    organisation; a message of another body, or a target outside the tree, stays the curator's."""
    from workflows.client import Rejected

    mon = clean_week(await harness.now())
    t0 = at(mon, 10)
    await harness.goto(t0)
    mine, joint = make_input(t0), make_input(t0)
    for inp, bodies in ((mine, ("minzdrav",)), (joint, ("minzdrav", "mintrans"))):
        await harness.start(inp)
        await harness.update(inp.workflow_id, "classify", Classification(actor=CURATOR, **CLASSIFIED.model_dump()))
        await harness.update(inp.workflow_id, "route", route_to(*bodies))
    head = Actor(person_id=300, name="Зам. министра здравоохранения", role="responsible", body="minzdrav",
                 scope=["minzdrav", "rkb", "rdkb"])

    before = await harness.update_events(mine.workflow_id)
    with pytest.raises(Rejected, match="вне их: «mintrans»"):
        await harness.update(mine.workflow_id, "reroute", Reroute(actor=head, bodies=["mintrans"], reason="Не наше"))
    with pytest.raises(Rejected, match="куратор ЦУР"):
        await harness.update(joint.workflow_id, "reroute", Reroute(actor=head, bodies=["rkb"], reason="В РКБ"))
    assert await harness.update_events(mine.workflow_id) == before

    view = await harness.update(mine.workflow_id, "reroute",
                                Reroute(actor=head, bodies=["rkb"], reason="Вопрос больницы: передаём в РКБ"))
    assert view.state == MessageState.assigned
    assert view.body("rkb").status == BodyStatus.assigned
    assert view.body("minzdrav").status == BodyStatus.removed


async def test_p8_return_after_accepting_is_late_past_thirty_minutes_too(harness):
    """Accepting first does not move the P8 limit: a return 2 hours after receipt is a late return."""
    mon = clean_week(await harness.now())
    t0 = at(mon, 9)
    await harness.goto(t0)
    early, late = make_input(t0), make_input(t0)
    for inp in (early, late):
        await harness.start(inp)
        await harness.update(inp.workflow_id, "route", route_to("minstroy"))
    await harness.goto(at(mon, 9, 5))
    for inp in (early, late):
        view = await harness.update(inp.workflow_id, "accept", Acceptance(actor=executor("minstroy")))
    assert view.deadline(StepKey.return_window, "minstroy").met is True  # accepted: the right is not used
    reason = ReturnToCurator(actor=executor("minstroy"), reason="Разобрались: это вопрос МУП, не министерства")

    await harness.goto(at(mon, 9, 20))
    view = await harness.update(early.workflow_id, "return_to_curator", reason)
    assert view.deadline(StepKey.return_window, "minstroy").met is True and not view.breaches

    await harness.goto(at(mon, 11))
    view = await harness.update(late.workflow_id, "return_to_curator", reason)
    assert view.state == MessageState.returned
    window = view.deadline(StepKey.return_window, "minstroy")
    assert window.met is False and window.breached and window.overrun_minutes == 90
    assert [b.step for b in view.breaches] == [StepKey.return_window]
