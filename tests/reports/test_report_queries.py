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


def test_p16_the_query_reads_the_weeks_account_checks_with_their_schedule(db: Engine) -> None:
    """The Order, items 4, 7, 8 in the note: the week's A8 rows, each with its schedule of the week by outcome
    (a cancelled item and another week's are not counted)."""
    from datetime import timedelta

    from models.account_checks import upsert_week
    from models.publication_plan import PlanItem
    from models.registry import Body, Person, SocialAccount
    from models.report_queries import account_rows

    seed_week(db)
    with Session(db) as s:
        gkh = s.exec(select(Body).where(Body.code == "gkh")).one()
        person = Person(full_name="Исполнитель", roles=["executor"], body_id=gkh.id)
        acc = SocialAccount(network="vk", url="https://vk.com/gkh_rso", body_id=gkh.id or 0, network_id="5")
        s.add_all([person, acc])
        s.flush()
        upsert_week(s, account_id=acc.id or 0, body_id=gkh.id or 0, week="2026-W48", week_start=W48.start.date(),
                    posts=2, threshold=3, error=None, at=AS_OF)
        upsert_week(s, account_id=acc.id or 0, body_id=gkh.id or 0, week="2026-W47",
                    week_start=(W48.start - timedelta(days=7)).date(), posts=5, threshold=3, error=None, at=AS_OF)
        for day, status, late in ((0, "published", False), (1, "published", True), (2, "missed", False),
                                  (3, "cancelled", False), (8, "planned", False)):
            s.add(PlanItem(account_id=acc.id or 0, body_id=gkh.id or 0, planned_at=W48.start + timedelta(days=day),
                           title=f"День {day}", status=status, late=late, person_id=person.id or 0))
        s.commit()
        rows = account_rows(s, W48)
    assert [(r.body, r.url, r.posts, r.meets, r.planned, r.published, r.late, r.missed) for r in rows] == [
        ("gkh", "https://vk.com/gkh_rso", 2, False, 3, 2, 1, 1)]
