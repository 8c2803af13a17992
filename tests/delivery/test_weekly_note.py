"""P16 end to end on the time-skipping server: ``WeeklyNoteWorkflow`` builds the note of 2026-W48 from the read
model and sends it — the whole note (PDF attached) to the Head, the Chairman and the head of ЦУР, and each
deputy chairman only their portfolio's part; a second run of the same week sends nothing again."""

from __future__ import annotations

import asyncio
import io
import uuid
from datetime import timedelta
from email.message import Message as Mail

import pytest
from pypdf import PdfReader
from sqlmodel import Session, select
from temporalio.worker import Worker

from activities.weekly_note import weekly_note_activities
from domain.weekly_note import WeeklyNoteInput, WeeklyNoteResult
from models.contacts import Contact
from models.weekly_notes import WeeklyNoteRow
from tests.delivery.conftest import World, until
from tests.fakes.servers import body_text
from tests.reports.seed import BUILDING, seed_week
from tests.workflows.helpers import CAL, at, clean_week, export_workflow_history
from workflows.weekly_note import WeeklyNoteWorkflow

HEAD, CHAIRMAN, TSUR_HEAD = "head@gov.otklik.local", "chairman@gov.otklik.local", "head@tsur.otklik.local"
SOCIAL_DEPUTY, BUILDING_DEPUTY = "deputy-social@gov.otklik.local", "deputy-building@gov.otklik.local"
MINZDRAV_WORDS = "Министерство здравоохранения"
GKH_WORDS = "Министерство жилищно-коммунального хозяйства"


def pdf_text(mail: Mail) -> str:
    files = [p.get_payload(decode=True) for p in mail.walk() if (p.get_filename() or "").endswith(".pdf")]
    assert len(files) == 1, "the note's PDF is attached"
    text = " ".join(" ".join(pg.extract_text() or "" for pg in PdfReader(io.BytesIO(files[0])).pages).split())
    return text.replace("- ", "-")


async def run_week(w: World, queue: str, notify: bool = True, export: str | None = None) -> WeeklyNoteResult:
    # The deputies' parts are not urgent: outside working hours they wait for the morning. Send in working hours
    # (Monday 10:00 of a clean week when the next hour is not all working time), whatever the hour the suite runs at.
    now = await w.now()
    if CAL.between(now, now + timedelta(hours=1)) < timedelta(hours=1):
        await w.goto(at(clean_week(now), 10))
    wid = f"weekly-{uuid.uuid4().hex[:6]}"
    result = await asyncio.wait_for(w.env.client.execute_workflow(
        WeeklyNoteWorkflow.run, WeeklyNoteInput(week="2026-W48", notify=notify), id=wid,
        task_queue=queue, result_type=WeeklyNoteResult), 60)
    if export:
        await export_workflow_history(w.env.client, wid, export)
    return result


@pytest.fixture(scope="module")
async def weekly_queue(world: World):  # type: ignore[no-untyped-def]
    seed_week(world.engine)
    with Session(world.engine) as s:
        s.add(Contact(code="deputy-building", position="deputy_chairman", title=BUILDING, portfolio_title=BUILDING,
                      email=BUILDING_DEPUTY))
        s.commit()
    queue = f"weekly-{uuid.uuid4().hex[:6]}"
    # Its own queue; the activities start delivery on the world's queue (world.settings.task_queue).
    async with Worker(world.env.client, task_queue=queue, workflows=[WeeklyNoteWorkflow],
                      activities=weekly_note_activities(world.engine, world.env.client, world.settings),
                      workflow_failure_exception_types=[Exception]):
        yield queue


async def test_p16_the_head_gets_the_whole_note_and_each_deputy_only_their_bodies(world: World,
                                                                                  weekly_queue: str) -> None:
    w = world
    result = await run_week(w, weekly_queue, export="p16_weekly_note_built_and_sent")
    assert result.week == "2026-W48" and result.events == 5  # head, chairman, ЦУР head, two deputies
    head = (await until(lambda: w.smtp.to(HEAD)))[0]
    assert "Еженедельная аналитическая записка ЦУР за 23.11.2026 — 29.11.2026" in str(head["Subject"])
    text = body_text(head)
    assert result.summary in text and "выявлено 3 сообщения (+2 к прошлой неделе)" in text
    assert "https://otklik.example.invalid/api/v1/reports/weekly/2026-W48.pdf" in text
    whole = pdf_text(head)
    assert MINZDRAV_WORDS in whole and GKH_WORDS in whole
    await until(lambda: w.smtp.to(CHAIRMAN))
    await w.goto(await w.now() + timedelta(minutes=20))  # the digests of the others
    social = (await until(lambda: w.smtp.to(SOCIAL_DEPUTY)))[0]
    part = pdf_text(social)
    assert MINZDRAV_WORDS in part and GKH_WORDS not in part
    assert "Часть записки об органах, которые Вы курируете" in body_text(social)
    assert "?part=c" in body_text(social)
    building = pdf_text((await until(lambda: w.smtp.to(BUILDING_DEPUTY)))[0])
    assert GKH_WORDS in building and MINZDRAV_WORDS not in building
    assert await until(lambda: w.smtp.to(TSUR_HEAD))


async def test_p16_a_second_run_of_the_week_replaces_the_note_and_sends_nothing_again(world: World,
                                                                                      weekly_queue: str) -> None:
    w = world
    await run_week(w, weekly_queue)
    await w.goto(await w.now() + timedelta(minutes=20))
    sent = {a: len(w.smtp.to(a)) for a in (HEAD, CHAIRMAN, SOCIAL_DEPUTY, BUILDING_DEPUTY)}
    assert all(sent.values())
    await run_week(w, weekly_queue)
    rebuilt = await run_week(w, weekly_queue, notify=False, export="p16_weekly_note_rebuilt_only")
    assert rebuilt.events == 0 and rebuilt.week == "2026-W48"
    await w.goto(await w.now() + timedelta(minutes=20))
    await asyncio.sleep(1.0)
    assert {a: len(w.smtp.to(a)) for a in sent} == sent
    with Session(w.engine) as s:
        assert len(s.exec(select(WeeklyNoteRow)).all()) == 1
