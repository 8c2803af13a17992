"""Triage suggestions (P7) and first P14 marks: domain.suggest, domain.marks, models.screening."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select

from domain import lemmas
from domain.candidates import CandidateIn, CandidateSource, CandidateStatus
from domain.messages import Author, Network
from domain.suggest import KnownCodes, RouteRule, load_lexicon, route_body, screen_candidate, seed_codes
from models.candidates import Candidate, record_candidate
from models.registry import Body
from models.screening import apply_screening
from models.seed import seed

# --- locations in every case form -------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "В Моздоке опять нет воды",
    "Моздокский район, дорога разбита",
    "Жители Моздокского района жалуются на мусор",
    "моздокчане, кто знает когда дадут свет?",
])
def test_mozdok_in_its_case_forms(text):
    assert screen_candidate(text).location == "mozdok"


@pytest.mark.parametrize("text", [
    "Беслан, мусор не вывозят",
    "В Беслане нет воды",
    "Маршрутка из Беслана не пришла",
    "Правобережный район: яма на дороге",
    "Ольгинское, газа нет с утра",
])
def test_beslan_and_its_villages_are_the_pravoberezhny_district(text):
    assert screen_candidate(text).location == "pravoberezhny"


@pytest.mark.parametrize(("text", "code"), [
    ("в Чиколе свет отключили", "iraf"),             # predicted, not a dictionary word
    ("Дорогу в Стур-Дигору размыло", "iraf"),
    ("в Эльхотово собаки стаями", "kirovsky"),
    ("Затеречный район без горячей воды", "vladikavkaz"),
    ("во Владике фонари не горят", "vladikavkaz"),
    ("На Гагкаева яма", "vladikavkaz"),               # a street of the city
    ("Дигорское ущелье: сель сошёл", "iraf"),         # the gorge is the Iraf district, not Digora
    ("Река Ардон у Бирагзанга размыла берег", "alagir"),  # the river is not the town
])
def test_settlements_streets_and_lookalike_names(text, code):
    assert screen_candidate(text).location == code


def test_a_destination_weighs_less_than_where_the_post_comes_from():
    s = screen_candidate("Алагирская ЦРБ не работает, всех отправляют во Владикавказ")
    assert s.location == "alagir"


def test_the_republic_only_when_no_city_or_district_is_named():
    assert screen_candidate("По всей республике нет инсулина").location == "republic"
    assert screen_candidate("В РСО-Алания, в Ардоне, нет инсулина").location == "ardon"


# --- topics and the routing rule they lead to -------------------------------------------------


def test_topic_location_and_the_body_of_the_seed_rules():
    s = screen_candidate("В Моздоке нет воды третий день")
    assert (s.topic_group, s.topic, s.location, s.body) == ("water", "water_outage", "mozdok", "gkh")
    assert "нет воды" in s.topic_words and "Моздоке" in s.location_words
    assert s.topic_score > 0 and s.location_score > 0


def test_a_local_matter_goes_to_the_district_administration():
    s = screen_candidate("В Беслане стаи бездомных собак кидаются на детей")
    assert (s.topic, s.location, s.body) == ("stray_dogs", "pravoberezhny", "pravoberezhny")


def test_a_place_name_is_not_a_topic_word():
    s = screen_candidate("Пригородный район, мусор не вывозят")  # «пригородный» is also «пригородный автобус»
    assert s.topic_group == "waste"


def test_a_neutral_thank_you_gets_nothing():
    s = screen_candidate("Спасибо!")
    assert (s.topic_group, s.topic, s.location, s.body, s.marks) == (None, None, None, None, [])


def test_empty_text():
    assert screen_candidate("").marks == [] and screen_candidate("").location is None


RULES = [
    RouteRule(topic="stray_dogs", body="minselhoz"),
    RouteRule(topic="stray_dogs", body="mozdok", location="mozdok"),
    RouteRule(topic="water_outage", body="gkh", priority=100),
    RouteRule(topic="water_outage", body="aaa_backup", priority=200),
    RouteRule(topic="water_outage", body="closed", priority=1, body_active=False),
]


def test_route_body_location_rules_win_then_priority_and_inactive_bodies_never():
    assert route_body("stray_dogs", "mozdok", RULES) == "mozdok"
    assert route_body("stray_dogs", "ardon", RULES) == "minselhoz"  # no rule for Ardon: the topic's default
    assert route_body("stray_dogs", None, RULES) == "minselhoz"
    assert route_body("water_outage", "mozdok", RULES) == "gkh"  # priority 100 before 200; priority 1 is closed
    assert route_body("road_repair", "mozdok", RULES) is None
    assert route_body(None, "mozdok", RULES) is None


def test_screen_candidate_takes_the_rules_as_data():
    s = screen_candidate("В Моздоке собаки покусали ребенка", rules=RULES)
    assert s.body == "mozdok"
    assert screen_candidate("В Моздоке собаки покусали ребенка", rules=[]).body is None


# --- keyword lists against a registry that lacks some codes -----------------------------------


def test_codes_missing_in_the_registry_are_skipped():
    full = seed_codes()
    without = KnownCodes(groups=full.groups - {"water"}, topics=full.topics - {"stray_dogs"},
                         locations=full.locations - {"mozdok"})
    s = screen_candidate("В Моздоке нет воды", known=without)
    assert s.location is None and s.topic_group != "water"
    s = screen_candidate("В Ардоне собаки покусали ребенка", known=without)
    assert s.location == "ardon" and s.topic != "stray_dogs"


def test_lists_with_codes_the_registry_does_not_know_load(tmp_path: Path):
    topics = tmp_path / "topics.yaml"
    topics.write_text("groups:\n  nowhere: {words: [ничто]}\n  water:\n    default: gone_topic\n"
                      "    words: [вода]\n    topics:\n      gone_topic: [кран]\n      water_leaks: [порыв]\n",
                      encoding="utf-8")
    locations = tmp_path / "locations.yaml"
    locations.write_text("locations:\n  atlantis: {names: [Атлантида]}\n  digora: {names: [Дигора]}\n",
                         encoding="utf-8")
    lex = load_lexicon(seed_codes(), topics, locations)
    assert lex.defaults == {"water": "water_leaks"}  # the unknown default falls back to a known topic
    assert "атлантида" not in lex.location_index and "дигора" in lex.location_index


def test_a_bad_entry_names_the_file(tmp_path: Path):
    topics = tmp_path / "topics.yaml"
    topics.write_text("groups:\n  water:\n    words: [[вода, кран]]\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"topics\.yaml"):
        load_lexicon(seed_codes(), topics)


def test_the_analyzer_is_built_once():
    assert lemmas.morph() is lemmas.morph()


# --- P14 marks --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "х*й вам а не ремонт",
    "бл@ть, опять нет воды",
    "Бл*дь, сколько можно",
    "пиздeц а не дороги",        # Latin «e»
    "xyйня какая-то",            # Latin «x», «y»
    "пи3дец полный",             # digit for a letter
    "х у й вам",                 # spaced letters
    "е.б.а.т.ь, автобус не пришёл",
    "ёбаные собаки",
    "нахуй такая власть",
    "ну что за х*рня",
])
def test_obscenity_including_masked_forms(text):
    assert "obscene" in screen_candidate(text).marks


def test_an_obscene_name_for_a_person_is_also_an_insult():
    s = screen_candidate("Глава района — вор и ху*ло")
    assert s.marks == ["obscene", "insult"]
    assert s.mark_titles == ["нецензурная брань", "оскорбление"]


@pytest.mark.parametrize("text", [
    "Спасибо большое за ремонт дороги!",
    "Хлебать эту воду невозможно, употреблять нельзя",
    "С корабля на бал: застрахуйте машину, хулиганы разбили стекло",
    "Небо чистое, ребёнок пошёл в школу с новым учебником",
    "Мудрое решение, сукно для штор, мандарины на рынке",
    "Дороги убитые, фонари надо повесить заново",
    "Крысы бегают у мусорки, собаки лают",
    "Пишите на почту vlad@mail.ru или звоните 8-800",
])
def test_neutral_and_critical_texts_get_no_marks(text):
    assert screen_candidate(text).marks == []


def test_insults():
    assert screen_candidate("Дебилы в мэрии снег убрать не могут").marks == ["insult"]
    assert screen_candidate("Врачи — твари и козлы").marks == ["insult"]


@pytest.mark.parametrize("text", [
    "Я знаю где живёт глава района, встретим его вечером",
    "Пусть министр помнит, где живут его дети",
    "Главу администрации надо повесить за такие дороги",
    "Если не дадут газ, приедем и спалим эту администрацию",
    "Отключите ещё раз отопление — пожалеете",
    "Убью этого чиновника, если встречу",
    "Пусть глава приедет, мало не покажется",
])
def test_threats_to_officials_or_their_families(text):
    assert "threat" in screen_candidate(text).marks


# --- applied to a candidate row against the live registry ------------------------------------


def _candidate(external_id: str, text: str) -> CandidateIn:
    return CandidateIn(network=Network.vk, external_id=external_id, source=CandidateSource.vk_poll,
                       url=f"https://vk.com/wall-1_{external_id}", author=Author(id="1", name="Житель"), text=text)


def test_apply_screening_fills_the_candidate_from_the_registry(db):
    seed(db)
    with Session(db) as session:
        row, new = record_candidate(session, _candidate("10", "В Беслане собаки кидаются на детей, уроды!"))
        assert new
        s = apply_screening(session, row)
        stored = session.exec(select(Candidate).where(Candidate.id == row.id)).one()
        assert (stored.suggested_topic, stored.suggested_location, stored.suggested_body) == (
            "stray_dogs", "pravoberezhny", "pravoberezhny")
        assert stored.marks == ["insult"] and s.location_words == ["Беслане"]

        # A body closed in the registry is not suggested: the topic's default rule is used instead.
        body = session.exec(select(Body).where(Body.code == "pravoberezhny")).one()
        body.is_active = False
        session.add(body)
        session.commit()
        row2, _ = record_candidate(session, _candidate("11", "В Беслане собаки кидаются на детей"))
        apply_screening(session, row2)
        assert row2.suggested_body == "vetupr"  # the seed of 2026: stray animals are the veterinary directorate's


def test_a_decided_candidate_keeps_its_columns(db):
    seed(db)
    with Session(db) as session:
        row, _ = record_candidate(session, _candidate("12", "В Моздоке нет воды"))
        row.status = CandidateStatus.skipped.value
        row.suggested_topic, row.suggested_location, row.suggested_body, row.marks = None, None, None, []
        session.add(row)
        session.commit()
        apply_screening(session, row)
        assert row.suggested_topic is None and row.marks == []
