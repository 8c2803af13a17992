"""A11–A13 end to end on the time-skipping server: ``RatingWorkflow`` rates a quarter from the read model,
each body's head gets its own result by e-mail (real SMTP, aiosmtpd) — the parent body with its subordinate
organisation's (A10) — and the head of ЦУР, the Chairman and the Administration the summary with the
nomination list (A12); a second run sends nothing again. The Schedule (dev server): quarterly, 10:00 Moscow."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import Session, select
from temporalio.client import WorkflowFailureError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.rating import RatingActivities
from domain.rating import Quarter, RatingRun
from models.contacts import Contact
from models.rating import BodyRating
from models.settings import Settings
from tests.delivery.conftest import World, until
from tests.fakes.servers import body_text
from tests.rating_seed import Q3, Seed
from tests.workflows.helpers import CAL, at, clean_week, export_workflow_history
from workflows.rating import RatingRequest, RatingWorkflow, quarter_workflow_id

MZ_HEAD, RKB_HEAD = "head@minzdrav.otklik.local", "head@rkb.otklik.local"


@pytest.fixture(scope="module")
async def rating_queue(world: World) -> AsyncIterator[str]:
    with Session(world.engine) as s:
        s.add_all([Contact(code="mz-head", position="body_head", title="Министр здравоохранения", body_code="minzdrav",
                           email=MZ_HEAD),
                   Contact(code="rkb-head", position="body_head", title="Главный врач РКБ", body_code="rkb",
                           email=RKB_HEAD)])
        s.commit()
    seed = Seed(world.engine)
    seed.clean("minzdrav", 5)
    seed.clean("rkb", 4)
    seed.message(["rkb"], at=Q3, deadlines=[{"step": "answer", "breached": True, "held_by": "rkb",
                                             "escalated_to": ["body_responsible", "tsur_head", "leadership"]}],
                 drafts=[{"body": "rkb", "status": "published"}])
    queue = f"rating-{uuid.uuid4().hex[:6]}"
    worker = Worker(world.env.client, task_queue=queue, workflows=[RatingWorkflow],
                    activities=[RatingActivities(world.engine, world.env.client, world.settings).rate_quarter],
                    workflow_failure_exception_types=[Exception])
    async with worker:
        yield queue


async def run(w: World, queue: str, quarter: str | None, wid: str, export: str | None = None) -> RatingRun | None:
    # The clock stands still meanwhile: the quarter is read from workflow.now() at the start.
    try:
        with w.env.auto_time_skipping_disabled():
            return await asyncio.wait_for(w.env.client.execute_workflow(
                RatingWorkflow.run, RatingRequest(quarter=quarter), id=wid, task_queue=queue, result_type=RatingRun),
                60)
    finally:
        if export:
            await export_workflow_history(w.env.client, wid, export)


async def test_a13_each_head_gets_only_their_own_result_and_leadership_the_summary(world: World,
                                                                                  rating_queue: str) -> None:
    w = world
    await w.goto(at(clean_week(await w.now()), 10))
    result = await run(w, rating_queue, "2026-Q3", quarter_workflow_id("2026-Q3"), export="a11_rating_of_a_quarter")
    assert result is not None and (result.bodies, result.rated, result.published) == (2, 2, True)
    assert result.notified == 5  # two heads + ЦУР head, Chairman, Administration
    await w.goto(await w.now() + timedelta(minutes=30))  # past the digest window of the working day
    mz = await until(lambda: w.smtp.to(MZ_HEAD))
    rkb = await until(lambda: w.smtp.to(RKB_HEAD))
    assert len(mz) == len(rkb) == 1
    mz_text, rkb_text = body_text(mz[0]), body_text(rkb[0])
    assert "Министерство здравоохранения Республики Северная Осетия-Алания" in mz_text
    assert "Балл: 5,0 (зелёная зона)" in mz_text and "Своевременность ответов (п. 9): 5,0" in mz_text
    assert "Подведомственные организации" in mz_text and "Республиканская клиническая больница: 3,6" in mz_text
    assert "Балл: 3,6 (жёлтая зона)" in rkb_text and "Своевременность ответов (п. 9): 3,5" in rkb_text
    assert "Нарушения, дошедшие до руководства (п. 15): 0,0" in rkb_text
    assert "Министерство здравоохранения" not in rkb_text and "Балл: 5,0" not in rkb_text  # only its own result
    assert "minzdrav" not in mz_text and "rkb" not in rkb_text  # registry names, never codes
    for addr in ("head@tsur.otklik.local", "chairman@gov.otklik.local", "admin@gov.otklik.local"):
        mails = await until(lambda a=addr: w.smtp.to(a))
        text = body_text(mails[-1])
        assert "Зелёная зона: 1; жёлтая: 1; красная: 0" in text
        assert "зелёной зоне 12 месяцев подряд, нет" in text  # A12: no four-quarter run yet
    # The quarter is published: a second run (another id) sends nothing again and keeps the rows.
    again = await run(w, rating_queue, "2026-Q3", f"rating-again-{uuid.uuid4().hex[:4]}")
    assert again is not None and again.notified == 0
    await asyncio.sleep(1)
    assert len(w.smtp.to(MZ_HEAD)) == 1
    with Session(w.engine) as s:
        rows = s.exec(select(BodyRating).where(BodyRating.quarter == "2026-Q3")).all()
    assert len(rows) == 2 and all(r.published_at is not None for r in rows)


async def test_a11_the_scheduled_run_rates_the_quarter_just_ended_once(world: World, rating_queue: str) -> None:
    w = world
    sched = "otklik-quarterly-rating-run-"
    # Whatever day the suite runs: the scheduled run of the quarter in progress' next quarter (at 10:00 of its first
    # working day) rates the quarter just ended, no seeded message in it.
    ended = Quarter.of(await w.now())
    await w.goto(CAL.next_working_start(ended.end()) + timedelta(hours=1))
    first = await run(w, rating_queue, None, sched + uuid.uuid4().hex[:4], export="a11_rating_scheduled_child_nominal_time")
    assert first is not None and first.quarter == str(ended) and (first.bodies, first.rated) == (2, 0)
    desc = await w.env.client.get_workflow_handle(quarter_workflow_id(str(ended))).describe()
    assert desc.status is not None and desc.status.name == "COMPLETED"
    # The schedule firing again for the same quarter (a retry, a restarted worker): the child id is taken.
    assert await run(w, rating_queue, None, sched + uuid.uuid4().hex[:4], export="a11_rating_already_rated_nominal_time") is None
    # A quarter that has not ended is refused, in Russian, without retries.
    now = ended.next()
    with pytest.raises(WorkflowFailureError) as err:
        await run(w, rating_queue, str(now), f"rating-early-{uuid.uuid4().hex[:4]}",
                  export="a11_rating_quarter_not_ended")
    assert f"{now.title} ещё не закончился" in str(err.value.cause.cause)


async def test_a11_the_schedule_is_created_once_quarterly_at_1000_moscow(dev_env: WorkflowEnvironment) -> None:
    from workflows.rating import SCHEDULE_ID
    from workflows.rating_schedule import ensure_rating_schedule

    settings = Settings(task_queue=f"rating-sched-{uuid.uuid4().hex[:6]}")
    with contextlib.suppress(RPCError):  # another test's worker on this shared server may have made it
        await dev_env.client.get_schedule_handle(SCHEDULE_ID).delete()
    assert await ensure_rating_schedule(dev_env.client, settings) == "created"
    assert await ensure_rating_schedule(dev_env.client, settings) == "updated"  # a second worker start
    handle = dev_env.client.get_schedule_handle(SCHEDULE_ID)
    desc = await handle.describe()
    assert desc.schedule.spec.time_zone_name == "Europe/Moscow"
    cal = desc.schedule.spec.calendars[0]
    assert [r.start for r in cal.month] == [1, 4, 7, 10] and cal.day_of_month[0].start == 1
    assert cal.hour[0].start == 10 and cal.minute[0].start == 0
    from zoneinfo import ZoneInfo

    nxt = desc.info.next_action_times[0].astimezone(ZoneInfo("Europe/Moscow"))
    assert (nxt.day, nxt.month in (1, 4, 7, 10), nxt.hour, nxt.minute) == (1, True, 10, 0)
    await handle.delete()
