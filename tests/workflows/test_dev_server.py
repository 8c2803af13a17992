"""On the real Temporal dev server: search attributes are upserted on every transition, a refused action
leaves the history exactly as it was, and a worker stopped mid-flow is replaced by a new one that
continues the same workflow."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import pytest

from domain.messages import (
    Acceptance,
    Classification,
    Dismissal,
    DraftReturn,
    IllegalFlag,
    MessageState,
    Outcome,
    Reroute,
    ReturnToCurator,
    SignificanceMark,
)
from tests.workflows.helpers import (
    CLASSIFIED,
    CURATOR,
    LEADER,
    QUICK_CLOSE,
    approval,
    draft,
    executor,
    export_history,
    make_input,
    make_worker,
    published,
    responsible,
    route_to,
)
from workflows.client import Rejected, start_message

BODY = "minzdrav"


async def _visible(client, query: str, wid: str) -> bool:
    for _ in range(100):
        if wid in [w.id async for w in client.list_workflows(query)]:
            return True
        await asyncio.sleep(0.1)
    return False


async def test_search_attributes_upserted_on_every_transition(dev_harness):
    h = dev_harness
    inp = make_input(datetime.now(UTC), search_attributes=True, policy=QUICK_CLOSE)
    wid = inp.workflow_id
    handle = await h.start(inp)
    q = f'WorkflowId = "{wid}"'
    assert await _visible(h.client, f'{q} AND OtklikState = "new" AND OtklikNetwork = "vk"', wid)
    await h.update(wid, "route", route_to(BODY))
    assert await _visible(h.client, f'{q} AND OtklikState = "assigned" AND OtklikBody = "{BODY}" '
                                    f'AND OtklikTopic = "{CLASSIFIED.topic}" AND OtklikBreached = false', wid)
    await h.update(wid, "accept", Acceptance(actor=executor(BODY)))
    await h.update(wid, "submit_draft", draft(BODY))
    await h.update(wid, "approve", approval())
    await h.update(wid, "confirm_published", published(BODY))
    await h.result(handle)
    assert await _visible(h.client, 'OtklikState = "answered"', wid)
    count = await h.history_len(wid)
    print(f"\nhappy path history events with search attribute upserts (dev server): {count}")
    assert count <= 60
    await export_history(h, wid, "happy_path_with_search_attributes")


async def test_every_invalid_action_is_rejected_by_its_validator_and_history_is_unchanged(dev_harness):
    h = dev_harness
    inp = make_input(datetime.now(UTC), policy=QUICK_CLOSE)
    wid = inp.workflow_id
    await h.start(inp)

    async def refused(name, arg, match):
        await h.settled(wid)
        before = await h.history_len(wid)
        state = (await h.view(wid)).state
        with pytest.raises(Rejected, match=match) as info:
            await h.update(wid, name, arg)
        assert any("а" <= ch <= "я" for ch in info.value.message_ru.lower())  # Russian, for the person
        assert await h.history_len(wid) == before, f"{name} left a trace in the history"
        assert (await h.view(wid)).state == state

    other = executor("minfin")
    # state: in "new" only the curator's classify, route, flag_illegal, dismiss, mark_significant
    await refused("accept", Acceptance(actor=executor(BODY)), "«новое»")
    await refused("return_to_curator", ReturnToCurator(actor=executor(BODY), reason="не наше"), "«новое»")
    await refused("submit_draft", draft(BODY), "«новое»")
    await refused("approve", approval(), "«новое»")
    await refused("return_draft", DraftReturn(actor=CURATOR, comment="нет"), "«новое»")
    await refused("confirm_published", published(BODY), "«новое»")
    await refused("reroute", Reroute(actor=CURATOR, bodies=[BODY], reason="иначе"), "«новое»")
    # role: curator's decisions are not the executor's or leadership's
    await refused("route", _route_by(executor(BODY)), "куратор")
    await refused("route", _route_by(LEADER), "куратор")
    await refused("classify", Classification(actor=executor(BODY), **CLASSIFIED.model_dump()), "куратор")
    await refused("flag_illegal", IllegalFlag(actor=executor(BODY), reason="угрозы", agency="МВД"), "куратор")
    await refused("dismiss", Dismissal(actor=executor(BODY), reason="не нужно"), "куратор")
    await refused("mark_significant", SignificanceMark(actor=responsible(BODY), reason="важно"), "куратор")

    await h.update(wid, "route", route_to(BODY))
    await refused("route", route_to("minfin"), "«направлено в орган»")
    await refused("accept", Acceptance(actor=CURATOR), "исполнитель")
    await refused("accept", Acceptance(actor=other), "не в ваш орган")
    await refused("return_to_curator", ReturnToCurator(actor=other, reason="не наше"), "не в ваш орган")
    await refused("submit_draft", draft(BODY), "«направлено в орган»")
    await refused("approve", approval(), "«направлено в орган»")

    await h.update(wid, "accept", Acceptance(actor=executor(BODY)))
    await refused("accept", Acceptance(actor=executor(BODY)), "«в работе у исполнителя»")
    await refused("submit_draft", draft("minfin"), "не в ваш орган")
    await refused("submit_draft", draft(BODY, "contribution"), "нескольких органов")

    await h.update(wid, "submit_draft", draft(BODY))
    await refused("approve", approval(informal=False, solution=False), "требованиям п. 7")
    await refused("approve", _approve_by(executor(BODY)), "куратор")
    await refused("return_draft", DraftReturn(actor=executor(BODY), comment="сам себе"), "куратор")
    await refused("submit_draft", draft(BODY), "«на согласовании»")

    await h.update(wid, "approve", approval())
    await refused("confirm_published", published("minfin"), "не в ваш орган")
    await refused("confirm_published", published(BODY, at=datetime(2020, 1, 1, tzinfo=UTC)), "раньше согласования")
    await refused("dismiss", Dismissal(actor=executor(BODY), reason="не буду публиковать"), "куратор")
    await refused("reroute", Reroute(actor=CURATOR, bodies=["minfin"], reason="иначе"), "«согласовано")

    view = await h.update(wid, "confirm_published", published(BODY))
    assert view.outcome == Outcome.answered
    await h.result(h.client.get_workflow_handle(wid))
    with pytest.raises(Rejected, match="завершена"):
        await h.update(wid, "mark_significant", SignificanceMark(actor=CURATOR, reason="поздно"))


def _route_by(actor):
    return route_to(BODY).model_copy(update={"actor": actor})


def _approve_by(actor):
    return approval().model_copy(update={"actor": actor})


async def test_worker_stopped_mid_flow_and_a_new_worker_continues(dev_env, dev_harness):
    h = dev_harness
    task_queue = f"otklik-restart-{uuid.uuid4().hex[:8]}"
    inp = make_input(datetime.now(UTC), policy=QUICK_CLOSE)
    wid = inp.workflow_id
    first = make_worker(dev_env.client, h.engine, task_queue)
    async with first:
        handle, created = await start_message(dev_env.client, inp, task_queue)
        assert created
        await h.update(wid, "route", route_to(BODY))
        await h.update(wid, "accept", Acceptance(actor=executor(BODY)))
    # the first worker is gone (its cached workflow with it); a new one picks the workflow up from history
    second = make_worker(dev_env.client, h.engine, task_queue)
    async with second:
        view = await h.update(wid, "submit_draft", draft(BODY))
        assert view.state == MessageState.on_review and view.events_count == 4
        await h.update(wid, "approve", approval())
        await h.update(wid, "confirm_published", published(BODY))
        summary = await h.result(handle)
    assert summary.outcome == Outcome.answered and summary.events_count == 7
