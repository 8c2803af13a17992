"""A change of structure carried by `otklik seed`: the 2026 registry over a database seeded with the old file.

The transport and road committee (`mintrans`) was split in April 2025 (registry check 2026-12): it is
retired, never deleted; its rules move to the road and transport committees; an open message it holds
stays with it, is listed for the ЦУР curators and notified once; its history keeps the name it had.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, col, select

from activities.messages import MessageActivities
from api.queries import MessageFilters, list_messages
from domain.messages import (
    Actor,
    Author,
    BodyStatus,
    BodyView,
    EventRecord,
    MessageProjection,
    MessageRow,
    MessageState,
    Network,
    Source,
)
from models.outbox import NotificationEventRow
from models.readmodel import MessageEvent
from models.registry import Body, Location, RoutingRule, Topic
from models.retire import held_messages
from models.seed import SeedError, load_seed, seed
from tests.unit.test_seed import dump, minimal, write

OLD_SEED = Path(__file__).with_name("seed_before_2026_12.yaml")
CURATOR = Actor(person_id=7, name="Гаглоева Залина Таймуразовна", role="curator", body="tsur")
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def project_message(engine, external_id: str, state: MessageState, bodies: dict[str, BodyStatus],
                    names: dict[str, str], topic: str = "road_potholes", location: str = "iraf") -> str:
    """A message as the workflow's projection activity writes it: row, bodies, events (intake, routed)."""
    wid = f"msg-vk-{external_id}"
    active = [c for c, s in bodies.items() if s not in (BodyStatus.removed, BodyStatus.returned)]
    row = MessageRow(
        workflow_id=wid, network=Network.vk, external_id=external_id, url=f"https://vk.com/wall-1_{external_id}",
        author=Author(id="555", name="Иван Петров"), text="Яма на дороге Чикола — Дигора, не проехать",
        source=Source.monitoring, posted_at=T0, detected_at=T0, state=state, topic=topic, location=location,
        bodies=active, events_count=2)
    routed = ", ".join(f"«{names[c]}»" for c in bodies)
    events = [
        EventRecord(seq=1, at=T0, kind="intake", state=MessageState.new, text="Сообщение выявлено (ВКонтакте, мониторинг)"),
        EventRecord(seq=2, at=T0 + timedelta(minutes=5), kind="routed", state=MessageState.assigned, actor=CURATOR,
                    text=f"Направлено в орган: {routed}", data={"bodies": list(bodies)}),
    ]
    MessageActivities(engine)._project(MessageProjection(
        row=row, bodies=[BodyView(code=c, status=s, received_at=T0) for c, s in bodies.items()], events=events))
    return wid


def rules_by(engine) -> set[tuple[str, str | None, str]]:
    with Session(engine) as s:
        topics = {t.id: t.code for t in s.exec(select(Topic))}
        bodies = {b.id: b.code for b in s.exec(select(Body))}
        locations = {loc.id: loc.code for loc in s.exec(select(Location))}
        return {(topics[r.topic_id], locations.get(r.location_id), bodies[r.body_id]) for r in s.exec(select(RoutingRule))}


def no_rule_routes_to_a_retired_body(engine) -> None:
    with engine.connect() as conn:
        bad = conn.execute(text("SELECT r.id FROM routing_rule r JOIN body b ON b.id = r.body_id "
                                "WHERE b.retired_at IS NOT NULL OR NOT b.is_active")).all()
    assert bad == []


def test_the_2026_seed_on_an_empty_database_twice(db):
    first = seed(db)
    assert first.created > 0
    with Session(db) as s:
        mintrans = s.exec(select(Body).where(Body.code == "mintrans")).one()
    assert not mintrans.is_active and mintrans.retired_at == date(2025, 4, 18)
    assert mintrans.successors == ["komdor", "komtrans"]
    no_rule_routes_to_a_retired_body(db)
    rows = dump(db)
    second = seed(db)
    assert second.created == 0 and second.updated == 0, str(second)
    assert dump(db) == rows
    assert "упразднён «mintrans» (18.04.2025) → komdor, komtrans" in str(second)
    with Session(db) as s:  # no open message was held: nobody to notify
        assert s.exec(select(NotificationEventRow)).all() == []


def test_the_2026_seed_over_the_old_one_retires_mintrans_and_keeps_its_messages(db):
    seed(db, OLD_SEED)
    old = rules_by(db)
    assert ("road_potholes", None, "mintrans") in old and ("emergencies", None, "administration") in old
    names = {"mintrans": "Минтранс РСО-Алания", "gkh": "МинЖКХ РСО-Алания"}
    held = project_message(db, "1_10", MessageState.in_progress, {"mintrans": BodyStatus.accepted}, names)
    joint = project_message(db, "1_11", MessageState.collecting,
                            {"gkh": BodyStatus.contributed, "mintrans": BodyStatus.assigned}, names)
    project_message(db, "1_12", MessageState.answered, {"mintrans": BodyStatus.published}, names)  # closed
    project_message(db, "1_13", MessageState.assigned, {"mintrans": BodyStatus.removed, "gkh": BodyStatus.assigned},
                    names)  # re-routed away from mintrans already
    project_message(db, "1_14", MessageState.returned, {"mintrans": BodyStatus.returned}, names)  # back at ЦУР

    report = seed(db)
    assert [p.body for p in report.retired] == ["mintrans"]
    assert report.counts["routing_rules"].updated >= 9  # 9 mintrans rules + the replaced ones
    assert "список для кураторов ЦУР" in str(report)

    with Session(db) as s:
        mintrans = s.exec(select(Body).where(Body.code == "mintrans")).one()
        assert not mintrans.is_active and mintrans.successors == ["komdor", "komtrans"]
        # renamed (code kept): the registry now says what the body was really called
        assert mintrans.name == "Комитет Республики Северная Осетия-Алания по транспорту и дорожному хозяйству"
    no_rule_routes_to_a_retired_body(db)
    new = rules_by(db)
    defaults = {(t, b) for t, loc, b in new if loc is None}
    assert ("road_potholes", "komdor") in defaults and ("transit_routes", "komtrans") in defaults
    assert ("suburban_transport", "komtrans") in defaults
    # competences that moved without a retirement: old rule moved, not left beside the new one
    assert {b for t, b in defaults if t == "emergencies"} == {"komgochs"}
    assert {b for t, b in defaults if t == "jobs"} == {"komzan"}
    assert {b for t, b in defaults if t == "ambulance"} == {"ssmp"}
    assert {b for t, b in defaults if t == "stray_dogs"} == {"vetupr"}
    assert ("road_potholes", "vladikavkaz", "vladikavkaz") in new

    # the open messages held by mintrans stay with it and are listed; others are not
    with Session(db) as s:
        assert [m.workflow_id for m in held_messages(s, "mintrans")] == [held, joint]
        page = list_messages(s, MessageFilters(held_by_retired=True), None)
        assert [m.workflow_id for m in page.items] == [held, joint] and page.total == 2
        assert set(page.items[1].bodies) == {"gkh", "mintrans"}
        assert list_messages(s, MessageFilters(held_by_retired=False), None).total == 3
        events = s.exec(select(MessageEvent).where(MessageEvent.workflow_id == held)
                        .order_by(col(MessageEvent.seq))).all()
        # history keeps the name as it was when the message was routed
        assert events[-1].text == "Направлено в орган: «Минтранс РСО-Алания»"
        notices = s.exec(select(NotificationEventRow)).all()
    assert len(notices) == 1
    n = notices[0]
    assert (n.key, n.kind, n.audience, n.body) == ("retired:mintrans:2025-04-18", "retired_body", "tsur_curators",
                                                  "mintrans")
    assert n.data == {"body": "mintrans", "successors": ["komdor", "komtrans"], "workflow_ids": [held, joint]}

    # a second run changes nothing and notifies nobody again
    rows = dump(db)
    again = seed(db)
    assert again.created == 0 and again.updated == 0, str(again)
    assert dump(db) == rows
    with Session(db) as s:
        assert len(s.exec(select(NotificationEventRow)).all()) == 1


def test_suggestions_after_the_change(db):
    """What `routing-rules/suggest` reads: the rules of a territory win over the topic's default."""
    seed(db, OLD_SEED)
    seed(db)
    new = rules_by(db)
    assert {b for t, loc, b in new if t == "road_potholes" and loc == "vladikavkaz"} == {"vladikavkaz"}
    assert {b for t, loc, b in new if t == "road_potholes" and loc == "iraf"} == set()  # the default applies
    assert {b for t, loc, b in new if t == "road_potholes" and loc is None} == {"komdor"}
    assert {b for t, loc, b in new if t == "heating_outage" and loc == "vladikavkaz"} == {"vladikavkaz", "rpvv"}
    assert {b for t, loc, b in new if t == "kindergartens" and loc == "vladikavkaz"} == {"vladikavkaz"}
    assert {b for t, loc, b in new if t == "utility_bills" and loc is None} == {"gkh", "tarif"}


def test_the_shipped_file_states_its_date_and_sources():
    head = Path(load_seed.__globals__["DEFAULT_SEED"]).read_text(encoding="utf-8").split("version: 1")[0]
    assert "REFLECTS: the structure of the Government as of December 2026" in head
    assert "registry-check-2026-12.md" in head and "vladikavkaz-news.ru/other/2025/04/18/6270" in head
    body = Path(load_seed.__globals__["DEFAULT_SEED"]).read_text(encoding="utf-8")
    for code in ("mincifry", "kommol", "komturizm", "kompechat", "mintrans", "regoperator"):
        line = next(x for x in body.splitlines() if x.strip().startswith(f"- code: {code}"))
        assert "# verify" in line, code


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["bodies"][1].update(retired={"date": "2025-04-18", "successors": ["minfin"]}),
         "bodies[1] (ardon).retired.successors: unknown body 'minfin'"),
        (lambda d: d["bodies"][1].update(retired={"date": "2025-04-18", "successors": ["ardon"]}),
         "retired.successors: itself body 'ardon'"),
        (lambda d: d["bodies"][1].update(retired={"date": "2025-04-18", "successors": []}),
         "bodies[1] (ardon).retired.successors: List should have at least 1 item"),
        (lambda d: d["bodies"][1].update(retired={"date": "2025-04-18", "successors": ["minzdrav"]}),
         "routing_rules[1]: body 'ardon' is retired; route to its successor"),
        (lambda d: d["routing_rules"][0].update(replaces=["minfin"]), "routing_rules[0].replaces: unknown body 'minfin'"),
        (lambda d: d["routing_rules"].append({"topic": "polyclinics", "body": "ardon", "priority": 100}),
         "routing_rules[2]: topic 'polyclinics' is already routed to 'minzdrav'"),
    ],
)
def test_an_invalid_retirement_or_replacement_names_the_entry(tmp_path, change, expected):
    data = minimal()
    change(data)
    with pytest.raises(SeedError) as err:
        load_seed(write(tmp_path, data))
    assert expected in str(err.value)


def test_two_bodies_for_one_route_need_distinct_priorities(tmp_path, db):
    data = minimal()
    data["routing_rules"][0]["priority"] = 100
    data["routing_rules"].append({"topic": "polyclinics", "body": "ardon", "priority": 110})
    seed(db, write(tmp_path, data))
    assert {b for t, loc, b in rules_by(db) if loc is None} == {"minzdrav", "ardon"}


def test_a_retirement_the_database_contradicts_is_refused(tmp_path, db):
    data = minimal()
    data["bodies"].append({"code": "minzdrav2", "name": "Министерство здравоохранения (новое)"})
    data["bodies"].append({"code": "minzdrav3", "name": "Министерство здравоохранения (другое)"})
    data["routing_rules"][0]["body"] = "minzdrav2"
    data["bodies"][0]["retired"] = {"date": "2026-01-01", "successors": ["minzdrav2"]}
    seed(db, write(tmp_path, data))
    data["bodies"][0]["retired"] = {"date": "2026-01-01", "successors": ["minzdrav3"]}
    with pytest.raises(SeedError, match="уже упразднён"):
        seed(db, write(tmp_path, data))


def test_a_repeat_of_a_message_answered_by_a_retired_body_goes_to_the_competent_successor(db):
    """P12 sends a repeat to the body that answered before; a retired one is replaced, never used."""
    from api.queries import repeat_link

    seed(db, OLD_SEED)
    names = {"mintrans": "Минтранс РСО-Алания"}
    road = project_message(db, "4_10", MessageState.answered, {"mintrans": BodyStatus.published}, names)
    bus = project_message(db, "4_11", MessageState.answered, {"mintrans": BodyStatus.published}, names,
                          topic="transit_routes", location="iraf")
    other = project_message(db, "4_12", MessageState.answered, {"mintrans": BodyStatus.published}, names,
                            topic="emergencies", location="iraf")
    seed(db)
    with Session(db) as s:
        link = repeat_link(s, road)
        assert link is not None and link.bodies == ["komdor"]
        assert link.body_names == {"komdor": "Комитет дорожного хозяйства РСО-Алания"}
        assert repeat_link(s, bus).bodies == ["komtrans"]  # type: ignore[union-attr]
        assert repeat_link(s, other).bodies == []  # no successor is competent: the curator routes it
