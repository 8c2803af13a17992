"""P16: the SQL of the weekly note on a seeded read model (PostgreSQL and SQLite), and storing the note once
per week."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from activities.weekly_note import generate
from domain.weekly_note import MSK, WeekPeriod
from models.report_queries import report_names, report_rows
from models.settings import Settings
from models.weekly_notes import WeeklyNoteRow
from tests.reports.seed import GKH, MINZDRAV, OPEN_WID, seed_week

W48 = WeekPeriod.of_week("2026-W48")
AS_OF = datetime(2026, 11, 30, 9, 0, tzinfo=MSK)


def test_p16_the_query_reads_the_week_the_week_before_and_every_body_deadline_and_draft(db: Engine) -> None:
    seed_week(db)
    with Session(db) as s:
        rows = report_rows(s, W48, AS_OF)
        names = report_names(s)
    assert sorted(m.workflow_id for m in rows.messages) == ["msg-ok-w48-3", "msg-vk-w47-1", "msg-vk-w48-1",
                                                            "msg-vk-w48-2"]
    assert all(m.detected_at.tzinfo is not None for m in rows.messages)
    held = {(d.workflow_id, d.step): d.held_by for d in rows.deadlines if d.breached}
    assert held == {("msg-vk-w48-2", "review"): "tsur", ("msg-vk-w48-2", "answer"): "tsur",
                    (OPEN_WID, "answer"): "gkh"}
    assert [d.status for d in rows.drafts if d.workflow_id == "msg-vk-w48-2"] == ["returned"]
    assert names.topic_groups["w48_heating"] == "utilities" and names.bodies["gkh"] == GKH


def test_p16_an_old_open_overdue_message_is_read_with_a_later_week(db: Engine) -> None:
    seed_week(db)
    w50 = WeekPeriod.of_week("2026-W50")
    with Session(db) as s:
        rows = report_rows(s, w50, datetime(2026, 12, 14, 9, tzinfo=MSK))
    assert [m.workflow_id for m in rows.messages] == [OPEN_WID]


def test_p16_generating_a_week_twice_replaces_its_one_stored_note(db: Engine) -> None:
    seed_week(db)
    settings = Settings(public_url="https://otklik.example")
    first = generate(db, settings, "2026-W48", AS_OF)
    note = first.note
    assert (note.incoming.total, note.incoming.previous) == (3, 1)
    bodies = {b.name: b for b in note.bodies}
    assert (bodies[MINZDRAV].received, bodies[MINZDRAV].on_time, bodies[MINZDRAV].late) == (2, 2, 0)
    assert bodies[MINZDRAV].rework == 1
    assert (bodies[GKH].open, bodies[GKH].overdue_open) == (1, 1)
    assert note.tsur.breaches == 2
    assert [o.link for o in note.overdue] == [f"https://otklik.example/messages/{OPEN_WID}"]
    later = datetime(2026, 11, 30, 12, 0, tzinfo=MSK)
    generate(db, settings, "2026-W48", later)
    with Session(db) as s:
        stored = s.exec(select(WeeklyNoteRow)).all()
    assert len(stored) == 1 and stored[0].week == "2026-W48"
    assert stored[0].generated_at == later
    assert stored[0].report().note.overdue[0].overdue_hours > note.overdue[0].overdue_hours
