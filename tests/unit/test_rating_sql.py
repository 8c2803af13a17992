"""A11 on a seeded read model (PostgreSQL and SQLite): the SQL's tallies per body, blame following the
holder, justified vs. wrongful returns, the minimum-data rule, subordinate organisations rated themselves;
a quarter computed twice is replaced, a published one is final; the XLSX read back; A12 nominations."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from activities.rating import compute_quarter, nominations, publish_events
from activities.rating_docs import render_xlsx
from domain.rating import Criterion, Quarter, RatingConfig
from models.rating import BodyRating
from models.rating_queries import QuarterPublished, mark_published, quarter_facts, quarter_rows
from models.registry import Body, BodyKind
from tests.rating_seed import seed_quarter

pytestmark = pytest.mark.db
CFG = RatingConfig.load()
Q = Quarter.parse("2026-Q3")
AT = datetime(2026, 10, 1, 7, 0, tzinfo=UTC)


def registry(engine: Engine) -> dict[str, int]:
    with Session(engine) as s:
        tsur = Body(code="tsur", name="Центр управления регионом", kind=BodyKind.tsur)
        mz = Body(code="minzdrav", name="Министерство здравоохранения РСО-Алания")
        mt = Body(code="mintrans", name="Министерство транспорта РСО-Алания")
        gkh = Body(code="gkh", name="Министерство ЖКХ РСО-Алания")
        city = Body(code="vladikavkaz", name="АМС г. Владикавказа", kind=BodyKind.municipal)
        s.add_all([tsur, mz, mt, gkh, city])
        s.flush()
        s.add(Body(code="rkb", name="Республиканская клиническая больница", kind=BodyKind.subordinate,
                   parent_id=mz.id))
        s.commit()
        return {b.code: b.id for b in s.exec(select(Body)).all()}  # type: ignore[misc]


def test_a11_tallies_follow_the_holder_and_judge_returns(db: Engine) -> None:
    registry(db)
    seed_quarter(db)
    with Session(db) as s:
        f = quarter_facts(s, Q)
    mz = {k.value: (t.good, t.total) for k, t in f["minzdrav"].tallies.items()}
    assert f["minzdrav"].messages == 10
    # Two answers late while ЦУР held them: not the body's; one late while minzdrav held it.
    assert mz["timeliness"] == (9, 10)
    # The justified return (accepted, sent to mintrans) is not bad; the wrongful and the late one are.
    assert mz["returns"] == (8, 10)
    assert mz["quality"] == (8, 10)
    assert mz["final_answer"] == (1, 2)
    assert mz["escalations"] == (9, 10)  # only its own breach reached leadership
    assert f["mintrans"].messages == 5  # the returned message counts for the body it was sent to
    assert f["mintrans"].tallies["timeliness"].good == 5  # Q2's breach is not in Q3
    assert f["rkb"].messages == 5 and "tsur" not in f


def test_a11_a10_compute_rates_every_covered_body_subordinates_themselves(db: Engine) -> None:
    ids = registry(db)
    seed_quarter(db)
    rows = compute_quarter(db, CFG, Q, AT)
    by = {r.body_code: r for r in rows}
    assert set(by) == {"minzdrav", "mintrans", "gkh", "rkb"}  # not ЦУР, not the municipality
    assert (by["minzdrav"].score, by["minzdrav"].zone) == (3.5, "yellow")
    assert (by["mintrans"].score, by["mintrans"].zone) == (5.0, "green")
    assert (by["rkb"].score, by["rkb"].zone) == (5.0, "green")  # rated itself, not folded into minzdrav
    assert (by["gkh"].score, by["gkh"].zone, by["gkh"].messages) == (None, None, 2)
    assert by["minzdrav"].criteria["timeliness"] == {"good": 9, "total": 10, "share": 0.9, "points": 4.5}
    # The parent sees its subordinate organisation in its own notification.
    events = {e.body or e.audience: e for e in publish_events(db, CFG, Q, AT)}
    assert events["minzdrav"].data["subordinates"] == [{"body": "rkb", "score": 5.0, "zone": "green"}]
    assert events["rkb"].data["score"] == 5.0 and events["rkb"].data["subordinates"] == []
    assert events["gkh"].data["score"] is None
    assert {"tsur_head", "chairman", "administration"} <= set(events)
    assert ids["minzdrav"] == by["minzdrav"].body_id


def test_a11_computing_again_replaces_the_quarter_until_it_is_published(db: Engine) -> None:
    registry(db)
    s = seed_quarter(db)
    compute_quarter(db, CFG, Q, AT)
    s.clean("gkh", 3)  # gkh now has 5 messages: it gets a score
    rows = compute_quarter(db, CFG, Q, AT)
    with Session(db) as session:
        stored = session.exec(select(BodyRating).where(BodyRating.quarter == "2026-Q3")).all()
    assert len(stored) == len(rows) == 4
    assert next(r for r in stored if r.body_code == "gkh").zone == "green"
    assert mark_published(db, "2026-Q3", AT) == 4
    with pytest.raises(QuarterPublished):
        compute_quarter(db, CFG, Q, AT)


def test_a11_xlsx_has_numbers_and_zone_fills(db: Engine) -> None:
    registry(db)
    seed_quarter(db)
    compute_quarter(db, CFG, Q, AT)
    with Session(db) as s:
        rows = quarter_rows(s, "2026-Q3")
        parents = {b.id: b.name for b in s.exec(select(Body)).all() if b.id is not None}
    wb = load_workbook(io.BytesIO(render_xlsx(Q, rows, CFG, parents)))
    ws = wb["Рейтинг"]
    header = [c.value for c in ws[2]]
    assert header[0] == "Орган / организация" and header[-2:] == ["Балл", "Зона"]
    table = {r[0].value: r for r in ws.iter_rows(min_row=3)}
    mz = table["Министерство здравоохранения РСО-Алания"]
    assert mz[-2].value == 3.5 and mz[-1].value == "жёлтая" and mz[2].value == 10
    assert mz[-1].fill.start_color.rgb == "FFFFFF00"
    assert mz[3].value == 4.5  # timeliness points, a number
    rkb = table["Республиканская клиническая больница"]
    assert rkb[1].value == "Министерство здравоохранения РСО-Алания"  # its parent
    assert rkb[-2].value == 5.0 and rkb[-1].fill.start_color.rgb == "FF92D050"
    gkh = table["Министерство ЖКХ РСО-Алания"]
    assert gkh[-2].value == "недостаточно данных" and gkh[-1].fill.fill_type is None
    assert list(table) == ["Министерство транспорта РСО-Алания", "Республиканская клиническая больница",
                           "Министерство здравоохранения РСО-Алания", "Министерство ЖКХ РСО-Алания"]  # best first
    formula = wb["Формула"]
    text = "\n".join(str(c.value) for row in formula.iter_rows() for c in row if c.value is not None)
    assert "от 3 до 3,9" in text and "Своевременность ответов (п. 9)" in text


def _zones(engine: Engine, ids: dict[str, int], body: str, zones: dict[str, str | None]) -> None:
    with Session(engine) as s:
        for quarter, zone in zones.items():
            s.add(BodyRating(quarter=quarter, body_id=ids[body], body_code=body, formula_version="1",
                             score={"green": 4.5, "yellow": 3.5, None: None}[zone], zone=zone))
        s.commit()


def test_a12_nominations_need_four_green_quarters_in_a_row(db: Engine) -> None:
    ids = registry(db)
    four = ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    _zones(db, ids, "mintrans", dict.fromkeys(four, "green"))
    _zones(db, ids, "minzdrav", {**dict.fromkeys(four[:3], "green"), "2026-Q3": "yellow"})
    _zones(db, ids, "gkh", {"2025-Q4": "green", "2026-Q1": None, "2026-Q2": "green", "2026-Q3": "green"})
    _zones(db, ids, "rkb", dict.fromkeys(four[1:], "green"))  # only three quarters rated
    with Session(db) as s:
        got = nominations(s, Q)
    assert got == [{"body": "mintrans", "name": "Министерство транспорта РСО-Алания", "quarters": four}]


def test_p15_a11_holder_is_read_from_the_breach_event_when_the_row_lost_it(db: Engine) -> None:
    """Deadline rows projected before the projection kept ``held_by`` through later rungs have it empty: the
    immutable ``breach`` event still says who held the message."""
    registry(db)
    s = seed_quarter(db)
    s.message(["mintrans"], deadlines=[{"step": "answer", "breached": True, "escalated_to": ["leadership"]}],
              events=[{"kind": "breach", "data": {"deadline_id": "answer-0", "held_by": "mintrans"}}])
    s.message(["mintrans"], deadlines=[{"step": "answer", "breached": True}],
              events=[{"kind": "breach", "data": {"deadline_id": "answer-0", "held_by": "tsur"}}])
    with Session(db) as session:
        mt = quarter_facts(session, Q)["mintrans"]
    assert mt.messages == 7
    assert (mt.tallies[Criterion.timeliness].good, mt.tallies[Criterion.escalations].good) == (6, 6)


def test_a11_a8_checked_weeks_of_the_bodys_accounts_are_a_criterion(db: Engine) -> None:
    from datetime import date

    from models.account_checks import AccountWeek
    from models.registry import SocialAccount

    ids = registry(db)
    seed_quarter(db)
    with Session(db) as s:
        acc = SocialAccount(network="vk", url="https://vk.com/minzdrav_rso", body_id=ids["minzdrav"], network_id="1")
        s.add(acc)
        s.flush()
        weeks = [("2026-W27", date(2026, 6, 29), 2),   # its Monday is in Q2: not this quarter
                 ("2026-W28", date(2026, 7, 6), 3), ("2026-W29", date(2026, 7, 13), 5),
                 ("2026-W30", date(2026, 7, 20), 1), ("2026-W31", date(2026, 7, 27), None),  # VK refused: not counted
                 ("2026-W40", date(2026, 9, 28), 4), ("2026-W41", date(2026, 10, 5), 0)]  # W41: Q4
        for week, monday, posts in weeks:
            s.add(AccountWeek(account_id=acc.id or 0, body_id=ids["minzdrav"], week=week, week_start=monday,
                              posts=posts, meets=(posts or 0) >= 3, error=None if posts is not None else "доступ запрещён"))
        gkh = SocialAccount(network="vk", url="https://vk.com/gkh_rso", body_id=ids["gkh"], network_id="2")
        s.add(gkh)
        s.flush()
        s.add(AccountWeek(account_id=gkh.id or 0, body_id=ids["gkh"], week="2026-W28", week_start=date(2026, 7, 6),
                          posts=4, meets=True))
        s.commit()
        f = quarter_facts(s, Q)
    assert (f["minzdrav"].tallies[Criterion.accounts].good, f["minzdrav"].tallies[Criterion.accounts].total) == (3, 4)
    assert (f["gkh"].tallies[Criterion.accounts].good, f["gkh"].tallies[Criterion.accounts].total) == (1, 1)
    assert f["mintrans"].tallies[Criterion.accounts].total == 0  # no account checked: left out of its mean
