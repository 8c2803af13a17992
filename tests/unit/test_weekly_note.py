"""P16: the weekly analytic note computed from plain read-model rows (pure: no database, no clock).

Week 2026-W48 is Monday 23.11.2026 00:00 – Sunday 29.11.2026 24:00 Moscow time; the note is judged as of
Monday 30.11 09:00 (when the Schedule runs)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from domain.notifications import NotificationEvent
from domain.recipients import BodyInfo, Position, Recipient, RegistrySnapshot, audience_recipients
from domain.weekly_aggregate import build_note, build_report, portfolios
from domain.weekly_note import (
    MSK,
    BadWeek,
    BodyRow,
    DeadlineRow,
    DraftRow,
    MessageRow,
    ReportNames,
    ReportRows,
    WeekPeriod,
    plural,
)
from domain.worktime import WorkCalendar

CAL = WorkCalendar.default(fallback=True)
W48 = WeekPeriod.of_week("2026-W48")
AS_OF = datetime(2026, 11, 30, 9, 0, tzinfo=MSK)
BASE = "https://otklik.example"
SOCIAL = "Заместитель Председателя Правительства (социальный блок)"
BUILDING = "Заместитель Председателя Правительства (строительство, ЖКХ, транспорт)"
NAMES = ReportNames(
    bodies={"minzdrav": "Министерство здравоохранения Республики Северная Осетия-Алания",
            "gkh": "Министерство ЖКХ, топлива и энергетики Республики Северная Осетия-Алания",
            "mintrans": "Комитет дорожного хозяйства Республики Северная Осетия-Алания",
            "tsur": "Центр управления регионом Республики Северная Осетия-Алания"},
    topic_groups={"clinics": "health", "heating": "utilities", "potholes": "roads"},
    groups={"health": "Здравоохранение", "utilities": "ЖКХ", "roads": "Дороги"},
    topics={"clinics": "Работа поликлиник", "heating": "Отопление", "potholes": "Ямы на дорогах"},
    locations={"vladikavkaz": "г. Владикавказ", "mozdok": "Моздокский район Республики Северная Осетия-Алания"})


def t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=MSK)


def msg(wid: str, detected: datetime, *, state: str = "answered", topic: str = "clinics", location: str = "vladikavkaz",
        network: str = "vk", held_by: str | None = None, due: datetime | None = None,
        closed: datetime | None = None) -> MessageRow:
    return MessageRow(workflow_id=wid, network=network, topic=topic, location=location, state=state,
                      detected_at=detected, answer_due=due or CAL.add(detected, timedelta(hours=9)),
                      held_by=held_by, closed_at=closed)


def body(wid: str, code: str, received: datetime, status: str = "published",
         published: datetime | None = None) -> BodyRow:
    return BodyRow(workflow_id=wid, body=code, status=status, received_at=received, published_at=published)


def breach(wid: str, step: str, held_by: str, body_code: str | None = None) -> DeadlineRow:
    return DeadlineRow(workflow_id=wid, step=step, body=body_code, due=t(23, 18), status="closed", met=False,
                       breached=True, held_by=held_by, overrun_minutes=30)


def met(wid: str, step: str) -> DeadlineRow:
    return DeadlineRow(workflow_id=wid, step=step, due=t(23, 18), closed_at=t(23, 12), status="closed", met=True)


def week_rows() -> ReportRows:
    return ReportRows(
        messages=[
            msg("m1", t(23, 10), closed=t(24, 10)),
            # On review (ЦУР) when the 9 working hours passed: ЦУР's delay, not the ministry's (P15).
            msg("m2", t(24, 10), closed=t(25, 11, 30)),
            msg("m3", t(25, 10), topic="heating", location="mozdok", closed=t(26, 12)),
            msg("m4", t(26, 10), state="in_progress", topic="heating", location="mozdok", held_by="gkh"),
            msg("m5", t(27, 10), state="returned", topic="potholes", network="ok", held_by="tsur"),
            msg("m0", t(17, 10), network="ok", closed=t(17, 15)),  # the week before
        ],
        bodies=[
            body("m1", "minzdrav", t(23, 10, 30), published=t(24, 10)),
            body("m2", "minzdrav", t(24, 10, 30), published=t(25, 11, 30)),
            body("m3", "gkh", t(25, 10, 30), published=t(26, 12)),
            body("m4", "gkh", t(26, 10, 30), status="accepted"),
            body("m5", "mintrans", t(27, 10, 30), status="returned"),
            body("m0", "minzdrav", t(17, 10, 30), published=t(17, 15)),
        ],
        deadlines=[
            met("m1", "routing"), met("m1", "answer"),
            breach("m2", "review", "tsur"), breach("m2", "answer", "tsur"),
            breach("m3", "answer", "gkh", "gkh"),
            breach("m4", "answer", "gkh", "gkh"),
        ],
        drafts=[
            DraftRow(workflow_id="m1", body="minzdrav", kind="intermediate", status="published",
                     published_at=t(23, 12)),
            DraftRow(workflow_id="m3", body="gkh", kind="final", status="returned"),
            DraftRow(workflow_id="m3", body="gkh", kind="final", status="published", published_at=t(26, 12)),
        ])


def line(note: Any, code: str) -> Any:
    return next(b for b in note.bodies if b.code == code)


def test_p16_the_period_is_the_previous_iso_week_in_moscow_time() -> None:
    assert W48.start == t(23, 0) and W48.end == datetime(2026, 11, 30, tzinfo=MSK)
    assert WeekPeriod.previous(AS_OF).week == "2026-W48"
    # Sunday 23:30 MSK is still W48 although it is the same instant as Sunday 20:30 UTC.
    assert WeekPeriod.containing(t(29, 23, 30)).week == "2026-W48"
    assert WeekPeriod.containing(datetime(2026, 11, 29, 21, 30, tzinfo=MSK.__class__("UTC"))).week == "2026-W49"
    for bad in ("2026-48", "2026-W54", "неделя", ""):
        with pytest.raises(BadWeek):
            WeekPeriod.of_week(bad)


def test_p16_incoming_dynamics_this_week_against_the_previous_by_network_group_district_and_day() -> None:
    note = build_note(week_rows(), W48, AS_OF, CAL, NAMES, BASE)
    inc = note.incoming
    assert (inc.total, inc.previous, inc.change) == (5, 1, 4)
    assert {x.name: (x.count, x.previous) for x in inc.by_network} == {"ВКонтакте": (4, 0), "Одноклассники": (1, 1)}
    assert {x.name: x.count for x in inc.by_topic_group} == {"Здравоохранение": 2, "ЖКХ": 2, "Дороги": 1, }
    assert {x.name: x.count for x in inc.by_district}["Моздокский район Республики Северная Осетия-Алания"] == 2
    assert [d.count for d in inc.by_day] == [1, 1, 1, 1, 1, 0, 0]
    assert inc.by_day[0].title == "пн 23.11"


def test_p16_p9_answered_in_time_and_late_on_both_sides_of_the_deadline() -> None:
    note = build_note(week_rows(), W48, AS_OF, CAL, NAMES, BASE)
    gkh = line(note, "gkh")
    # m3: answered after a breach the ministry held → late; m4: open and overdue while it holds it.
    assert (gkh.received, gkh.answered, gkh.on_time, gkh.late, gkh.open, gkh.overdue_open) == (2, 1, 0, 1, 1, 1)
    assert gkh.rework == 1  # a draft returned by the curator (quality)
    mz = line(note, "minzdrav")
    assert (mz.received, mz.answered, mz.intermediate) == (2, 2, 1)


def test_p15_p16_a_delay_while_tsur_held_the_message_is_tsurs_line_not_the_bodys() -> None:
    note = build_note(week_rows(), W48, AS_OF, CAL, NAMES, BASE)
    mz = line(note, "minzdrav")
    assert (mz.on_time, mz.late) == (2, 0)  # m2's 9-hour breach was held by ЦУР (review)
    assert note.tsur.breaches == 2
    assert note.tsur.by_step == {"ответ в 9 рабочих часов (П9)": 1, "согласование проекта (П9)": 1}
    assert (note.tsur.identified, note.tsur.routed, note.tsur.routed_on_time) == (5, 5, 5)


def test_p16_p8_returned_as_not_competent_is_counted_for_the_body() -> None:
    note = build_note(week_rows(), W48, AS_OF, CAL, NAMES, BASE)
    tr = line(note, "mintrans")
    assert (tr.received, tr.returned, tr.answered, tr.open) == (1, 1, 0, 0)


def test_p16_median_time_to_answer_is_in_working_hours() -> None:
    note = build_note(week_rows(), W48, AS_OF, CAL, NAMES, BASE)
    # m1: Monday 23.11.2026 is Dzheorguyba, the republic's day off: received 10:30, answered Tue 10:00 = 1 wh;
    # m2: Tue 10:30 → Wed 11:30 = 6.5 (lunch 13–14) + 2.5 = 9 wh.
    assert line(note, "minzdrav").median_hours == 5.0
    assert note.tsur.median_routing_hours == 0.5


def test_p16_the_most_overdue_open_messages_with_links_and_registry_names() -> None:
    note = build_note(week_rows(), W48, AS_OF, CAL, NAMES, BASE)
    assert [o.workflow_id for o in note.overdue] == ["m4"]
    o = note.overdue[0]
    assert o.link == f"{BASE}/messages/m4"
    assert o.holder == NAMES.bodies["gkh"] and o.topic == "Отопление" and o.bodies == NAMES.bodies["gkh"]
    assert o.overdue_hours > 0


def test_p16_the_summary_is_russian_with_the_counts() -> None:
    note = build_note(week_rows(), W48, AS_OF, CAL, NAMES, BASE)
    assert note.summary.startswith("За неделю 23.11–29.11.2026 выявлено 5 сообщений (+4 к прошлой неделе)")
    assert "органы получили 5, ответили на 3, в срок — 2 из 3" in note.summary
    assert "нарушений сроков по вине ЦУР — 2" in note.summary
    assert "gkh" not in note.summary and "minzdrav" not in note.summary
    assert [plural(n, "сообщение", "сообщения", "сообщений") for n in (1, 3, 5, 11, 21, 112)] == [
        "сообщение", "сообщения", "сообщений", "сообщений", "сообщение", "сообщений"]


def snapshot() -> RegistrySnapshot:
    return RegistrySnapshot(
        recipients=[
            Recipient(key="c1", title="Глава Республики", position=Position.head),
            Recipient(key="c2", title=SOCIAL, position=Position.deputy_chairman, portfolio_title=SOCIAL),
            Recipient(key="c3", title=BUILDING, position=Position.deputy_chairman, portfolio_title=BUILDING),
        ],
        bodies={"minzdrav": BodyInfo(code="minzdrav", name=NAMES.bodies["minzdrav"], portfolio_title=SOCIAL),
                "rkb": BodyInfo(code="rkb", name="Республиканская клиническая больница", parent="minzdrav"),
                "gkh": BodyInfo(code="gkh", name=NAMES.bodies["gkh"], portfolio_title=BUILDING),
                "mintrans": BodyInfo(code="mintrans", name=NAMES.bodies["mintrans"], portfolio_title=BUILDING)})


def test_p16_each_deputy_chairman_gets_only_the_bodies_of_their_portfolio() -> None:
    snap = snapshot()
    assert portfolios(snap) == [("c2", SOCIAL, ["minzdrav", "rkb"]), ("c3", BUILDING, ["gkh", "mintrans"])]
    report = build_report(week_rows(), W48, AS_OF, CAL, NAMES, BASE, snap)
    social = report.part("c2")
    assert social is not None
    assert [b.code for b in social.note.bodies] == ["minzdrav"]
    assert social.note.incoming.total == 2 and social.note.overdue == [] and social.note.scope == SOCIAL
    building = report.part("c3")
    assert building is not None
    assert sorted(b.code for b in building.note.bodies) == ["gkh", "mintrans"]
    assert [o.workflow_id for o in building.note.overdue] == ["m4"]
    assert len(report.note.bodies) == 3


def test_p16_a_portfolio_event_naming_a_deputy_reaches_only_that_deputy() -> None:
    snap = snapshot()
    snap.recipients.append(Recipient(key="c4", title="Второй куратор здравоохранения",
                                     position=Position.deputy_chairman, portfolio_bodies=["minzdrav"]))
    e = NotificationEvent(key="k", kind="weekly_note", audience="portfolio_deputy", body="minzdrav",
                          created_at=AS_OF, data={"deputy": "c2"})
    assert [r.key for r in audience_recipients(e, snap)] == ["c2"]
    e2 = e.model_copy(update={"data": {}})
    assert [r.key for r in audience_recipients(e2, snap)] == ["c2", "c4"]


def test_p16_p15_the_five_most_overdue_of_all_open_ones_and_tsur_held_ones_are_not_the_bodys() -> None:
    rows = ReportRows()
    for i in range(7):  # identified Mon–Fri of W48 … the earliest is the most overdue
        wid = f"o{i}"
        detected = t(24 + i % 3, 9 + i)
        holder = "tsur" if i == 0 else "gkh"  # o0: back with ЦУР (returned by the body, waiting for re-routing)
        rows.messages.append(msg(wid, detected, state="returned" if i == 0 else "in_progress", topic="heating",
                                 held_by=holder))
        rows.bodies.append(body(wid, "gkh", detected + timedelta(minutes=30),
                                status="returned" if i == 0 else "accepted"))
    note = build_note(rows, W48, AS_OF, CAL, NAMES, BASE)
    assert note.overdue_total == 7 and len(note.overdue) == 5
    hours = [o.overdue_hours for o in note.overdue]
    assert hours == sorted(hours, reverse=True)
    assert "без ответа после истечения срока — 7" in note.summary
    tsur_held = [o for o in note.overdue if o.workflow_id == "o0"]
    assert tsur_held and tsur_held[0].holder == "ЦУР"
    gkh = line(note, "gkh")
    assert (gkh.open, gkh.overdue_open, gkh.returned) == (6, 6, 1)  # o0 is not the ministry's overdue
