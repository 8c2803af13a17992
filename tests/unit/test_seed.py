"""`otklik seed`: the registry of North Ossetia-Alania, loaded idempotently from config/seed/north-ossetia.yaml."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text
from sqlmodel import Session, select

from models.registry import Body, BodyKind, Location, RoutingRule, Topic, TopicGroup
from models.seed import DEFAULT_SEED, SeedError, load_seed, seed

REGISTRY_TABLES = ("location", "body", "topic_group", "topic", "routing_rule", "social_account")
DISTRICTS = {"alagir", "ardon", "digora", "iraf", "kirovsky", "mozdok", "pravoberezhny", "prigorodny"}
CYRILLIC = re.compile(r"[А-Яа-яЁё]")
LATIN = re.compile(r"[A-Za-z]")


def dump(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f'SELECT * FROM "{t}" ORDER BY id'))] for t in REGISTRY_TABLES}


def body_ids(engine) -> dict[str, int]:
    with Session(engine) as s:
        return {b.code: b.id for b in s.exec(select(Body))}


def write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "seed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def minimal() -> dict:
    return {
        "version": 1,
        "locations": [{"code": "ardon", "kind": "district", "name": "Ардонский район"}],
        "bodies": [
            {"code": "minzdrav", "name": "Министерство здравоохранения Республики Северная Осетия-Алания"},
            {"code": "ardon", "kind": "municipal", "name": "Администрация местного самоуправления Ардонского района"},
        ],
        "topic_groups": [{"code": "health", "name": "Здравоохранение",
                          "topics": [{"code": "polyclinics", "name": "Работа поликлиник"}]}],
        "routing_rules": [{"topic": "polyclinics", "body": "minzdrav"},
                          {"topic": "polyclinics", "location": "ardon", "body": "ardon"}],
    }


def test_seed_twice_gives_the_same_rows_and_creates_nothing_the_second_time(db):
    first = seed(db)
    assert first.created > 0 and first.updated == 0
    rows = dump(db)
    second = seed(db)
    assert second.created == 0 and second.updated == 0, str(second)
    assert all(c.unchanged > 0 for kind, c in second.counts.items() if kind != "accounts")
    assert dump(db) == rows
    # the report is what `otklik seed` prints
    assert "создано 0" in str(second) and "органы и организации" in str(second)


def test_reseed_keeps_what_an_administrator_added_or_filled_in(db):
    seed(db)
    with Session(db) as s:
        minzdrav = s.exec(select(Body).where(Body.code == "minzdrav")).one()
        minzdrav.head_name = "Фамилия Имя Отчество"  # entered by the administrator, not in the file
        extra = Body(code="gbuz-test", name="ГБУЗ «Тестовая поликлиника»", kind="subordinate", parent_id=minzdrav.id)
        s.add_all([minzdrav, extra])
        s.flush()
        topic = s.exec(select(Topic).where(Topic.code == "polyclinics")).one()
        s.add(RoutingRule(topic_id=topic.id, location_id=None, body_id=extra.id, priority=5))
        s.commit()
    rows = dump(db)
    report = seed(db)
    assert report.created == 0 and report.updated == 0
    assert dump(db) == rows
    with Session(db) as s:
        assert s.exec(select(Body).where(Body.code == "minzdrav")).one().head_name == "Фамилия Имя Отчество"
        assert s.exec(select(Body).where(Body.code == "gbuz-test")).one() is not None


def test_a_changed_entry_is_updated_in_place(db, tmp_path):
    data = minimal()
    seed(db, write(tmp_path, data))
    ids = body_ids(db)
    data["bodies"][0]["short_name"] = "Минздрав РСО-Алания"
    data["topic_groups"][0]["topics"][0]["name"] = "Работа поликлиник и амбулаторий"
    report = seed(db, write(tmp_path, data))
    assert report.created == 0
    assert report.counts["bodies"].updated == 1 and report.counts["bodies"].unchanged == 1
    assert report.counts["topics"].updated == 1
    assert body_ids(db) == ids  # updated in place, not re-created
    with Session(db) as s:
        assert s.exec(select(Body).where(Body.code == "minzdrav")).one().short_name == "Минздрав РСО-Алания"


def test_every_routing_rule_references_existing_codes(db):
    data = load_seed()
    bodies = {b.code for b in data.bodies}
    topics = {t.code for _, t in data.topics}
    locations = {loc.code for loc in data.locations}
    for _, topic, loc, body, _ in data.routes():
        assert topic in topics and body in bodies and (loc is None or loc in locations)
    seed(db)
    with db.connect() as conn:
        orphans = conn.execute(text(
            "SELECT r.id FROM routing_rule r LEFT JOIN topic t ON t.id = r.topic_id "
            "LEFT JOIN body b ON b.id = r.body_id LEFT JOIN location l ON l.id = r.location_id "
            "WHERE t.id IS NULL OR b.id IS NULL OR (r.location_id IS NOT NULL AND l.id IS NULL)"
        )).all()
    assert orphans == []


def test_every_topic_has_a_default_route_and_local_matters_go_to_the_local_administration(db):
    seed(db)
    with Session(db) as s:
        topics = {t.id: t.code for t in s.exec(select(Topic))}
        bodies = {b.id: b for b in s.exec(select(Body))}
        locations = {loc.id: loc.code for loc in s.exec(select(Location))}
        rules = s.exec(select(RoutingRule)).all()
    defaults = {topics[r.topic_id] for r in rules if r.location_id is None}
    assert defaults == set(topics.values())
    local = {(topics[r.topic_id], locations[r.location_id]): bodies[r.body_id] for r in rules if r.location_id}
    for place in DISTRICTS | {"vladikavkaz"}:
        body = local[("yards", place)]
        assert body.code == place and body.kind == BodyKind.municipal


def test_vladikavkaz_and_the_eight_districts_are_present(db):
    seed(db)
    with Session(db) as s:
        locations = {loc.code: loc for loc in s.exec(select(Location))}
        municipal = {b.code for b in s.exec(select(Body).where(Body.kind == BodyKind.municipal))}
        kinds = {b.code: b.kind for b in s.exec(select(Body))}
        rkb = s.exec(select(Body).where(Body.code == "rkb")).one()
        minzdrav = s.exec(select(Body).where(Body.code == "minzdrav")).one()
    assert {c for c, loc in locations.items() if loc.kind == "district"} == DISTRICTS
    assert locations["vladikavkaz"].kind == "city" and locations["republic"].kind == "republic"
    assert municipal == DISTRICTS | {"vladikavkaz"}
    assert kinds["administration"] == BodyKind.administration and kinds["tsur"] == BodyKind.tsur
    assert rkb.kind == BodyKind.subordinate and rkb.parent_id == minzdrav.id


def test_names_are_cyrillic_and_free_of_latin_lookalikes(db):
    seed(db)
    with Session(db) as s:
        names = [b.name for b in s.exec(select(Body))] + [b.short_name for b in s.exec(select(Body))]
        names += [t.name for t in s.exec(select(Topic))] + [g.name for g in s.exec(select(TopicGroup))]
        names += [loc.name for loc in s.exec(select(Location))]
        portfolios = {b.portfolio for b in s.exec(select(Body)) if b.portfolio}
    for name in names + sorted(portfolios):
        assert CYRILLIC.search(name), name
        assert not LATIN.search(name), f"Latin letters in {name!r}"


def test_the_shipped_file_names_no_people():
    for b in load_seed().bodies:
        assert b.head_name == "" and b.responsible_name == "", b.code


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["routing_rules"].append({"topic": "polyclinic", "body": "minzdrav"}),
         "routing_rules[2]: unknown topic 'polyclinic'"),
        (lambda d: d["routing_rules"].append({"topic": "polyclinics", "location": "ardon", "body": "minzdrav"}),
         "routing_rules[2]: topic 'polyclinics' in 'ardon' is already routed to 'ardon'"),
        (lambda d: d["bodies"][1].update(code="Ardon Adm"), "bodies[1] (Ardon Adm).code"),
        (lambda d: d["bodies"][0].update(portfoilo="x"), "bodies[0] (minzdrav).portfoilo: Extra inputs"),
        (lambda d: d["bodies"][0].update(parent="minfin"), "bodies[0] (minzdrav).parent: unknown body 'minfin'"),
        (lambda d: d["bodies"][0].pop("name"), "bodies[0] (minzdrav).name: Field required"),
        (lambda d: d["locations"][0].update(kind="village"), "locations[0] (ardon).kind"),
        (lambda d: d["topic_groups"][0]["topics"].append({"code": "polyclinics", "name": "Ещё раз"}),
         "duplicate topic code 'polyclinics'"),
    ],
)
def test_an_invalid_seed_file_names_the_bad_entry(tmp_path, change, expected):
    data = minimal()
    load_seed(write(tmp_path, data))  # the minimal file itself is valid
    change(data)
    with pytest.raises(SeedError) as err:
        load_seed(write(tmp_path, data))
    assert expected in str(err.value)
    assert str(tmp_path / "seed.yaml") in str(err.value)


def test_a_broken_or_missing_file_is_a_clear_error(tmp_path, db):
    bad = tmp_path / "bad.yaml"
    bad.write_text("bodies: [\n", encoding="utf-8")
    with pytest.raises(SeedError, match="not valid YAML"):
        load_seed(bad)
    with pytest.raises(SeedError, match="not found"):
        seed(db, tmp_path / "missing.yaml")
    assert dump(db) == {t: [] for t in REGISTRY_TABLES}  # nothing written


def test_default_path_is_the_shipped_file():
    assert DEFAULT_SEED.name == "north-ossetia.yaml" and DEFAULT_SEED.exists()
