"""Retiring a body over HTTP (an administrator): dry run, then the real retire; the curators' list of
open messages held by retired bodies; suggestions of the 2026 registry for Vladikavkaz and Ирафский район."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from domain.messages import BodyStatus, MessageState
from models.outbox import NotificationEventRow
from models.registry import Person
from models.seed import seed
from models.tokens import issue_token
from tests.unit.test_seed_retire import OLD_SEED, project_message

pytestmark = pytest.mark.db

V1 = "/api/v1"
NAMES = {"mintrans": "Министерство транспорта и дорожного хозяйства РСО-Алания", "gkh": "МинЖКХ"}


async def _add_successors(http, admin) -> None:
    for code, name in (("komdor", "Комитет дорожного хозяйства РСО-Алания"),
                       ("komtrans", "Комитет РСО-Алания по транспорту")):
        res = await http.post(f"{V1}/bodies", headers=admin, json={"code": code, "name": name})
        assert res.status_code == 201, res.text


async def test_dry_run_shows_what_retiring_affects_and_changes_nothing(http, world, db):
    admin = world.auth("admin")
    await _add_successors(http, admin)
    held = project_message(db, "2_10", MessageState.assigned, {"mintrans": BodyStatus.assigned}, NAMES)
    project_message(db, "2_11", MessageState.dismissed, {"mintrans": BodyStatus.assigned}, NAMES)  # closed

    res = await http.post(f"{V1}/bodies/mintrans/retire?dry_run=true", headers=admin,
                          json={"successors": ["komdor", "komtrans"], "retired_at": "2025-04-18"})
    assert res.status_code == 200, res.text
    plan = res.json()
    assert plan["dry_run"] is True and plan["already_retired"] is False and plan["notified"] is False
    assert plan["body"] == {"code": "mintrans", "name": NAMES["mintrans"]}
    assert [s["code"] for s in plan["successors"]] == ["komdor", "komtrans"]
    assert [(m["topic"]["code"], m["location"], m["to_body"]["code"], m["merged"]) for m in plan["rules_moved"]] == [
        ("road_potholes", None, "komdor", False)]
    assert plan["rules_moved"][0]["topic"]["name"] == "Ямы на дорогах"
    assert [m["workflow_id"] for m in plan["held_messages"]] == [held]
    assert plan["held_messages"][0]["state_title"] == "направлено в орган"
    assert plan["people"] == 2  # its executor and responsible official keep their roles

    body = (await http.get(f"{V1}/bodies/mintrans", headers=admin)).json()
    assert body["is_active"] is True and body["retired_at"] is None
    suggested = (await http.get(f"{V1}/routing-rules/suggest?topic=road_potholes", headers=admin)).json()
    assert [s["body_code"] for s in suggested] == ["mintrans"]
    with Session(db) as s:
        assert s.exec(select(NotificationEventRow)).all() == []


async def test_retire_moves_rules_lists_messages_notifies_once_and_keeps_history(http, world, db):
    admin, curator = world.auth("admin"), world.auth("curator")
    await _add_successors(http, admin)
    held = project_message(db, "3_10", MessageState.in_progress, {"mintrans": BodyStatus.accepted}, NAMES)
    other = project_message(db, "3_11", MessageState.assigned, {"gkh": BodyStatus.assigned}, NAMES)

    res = await http.post(f"{V1}/bodies/mintrans/retire", headers=admin,
                          json={"successors": ["komdor", "komtrans"], "retired_at": "2025-04-18",
                                "routes": {"roads": "komdor"}})
    assert res.status_code == 200, res.text
    assert res.json()["notified"] is True and res.json()["dry_run"] is False

    body = (await http.get(f"{V1}/bodies/mintrans", headers=admin)).json()
    assert body["is_active"] is False and body["retired_at"] == "2025-04-18"
    assert body["successors"] == ["komdor", "komtrans"] and body["name"] == NAMES["mintrans"]
    # no longer offered; its rule went to the successor
    suggested = (await http.get(f"{V1}/routing-rules/suggest?topic=road_potholes", headers=admin)).json()
    assert [s["body_code"] for s in suggested] == ["komdor"]
    assert (await http.get(f"{V1}/routing-rules?body=mintrans", headers=admin)).json() == []

    # the open message stays with mintrans and is listed for the curators
    page = (await http.get(f"{V1}/messages?held_by_retired=true", headers=curator)).json()
    assert [m["workflow_id"] for m in page["items"]] == [held] and page["items"][0]["bodies"] == ["mintrans"]
    rest = (await http.get(f"{V1}/messages?held_by_retired=false", headers=curator)).json()
    assert [m["workflow_id"] for m in rest["items"]] == [other]
    # its history still names the body as it was when routed
    events = (await http.get(f"{V1}/messages/{held}/events", headers=curator)).json()
    assert events[-1]["text"] == f"Направлено в орган: «{NAMES['mintrans']}»"
    # the executor of the retired body still sees the message it holds
    mine = (await http.get(f"{V1}/messages", headers=world.auth("exec_mintrans"))).json()
    assert [m["workflow_id"] for m in mine["items"]] == [held]

    # once: the same retirement again changes nothing and notifies nobody
    again = await http.post(f"{V1}/bodies/mintrans/retire", headers=admin,
                            json={"successors": ["komdor", "komtrans"], "retired_at": "2025-04-18"})
    assert again.status_code == 200 and again.json()["already_retired"] is True
    assert again.json()["notified"] is False and again.json()["rules_moved"] == []
    with Session(db) as s:
        rows = s.exec(select(NotificationEventRow)).all()
    assert [(r.key, r.kind, r.audience) for r in rows] == [("retired:mintrans:2025-04-18", "retired_body",
                                                            "tsur_curators")]
    assert rows[0].data == {"body": "mintrans", "successors": ["komdor", "komtrans"], "workflow_ids": [held]}

    # nothing routes to it again, and it is not made active again
    res = await http.post(f"{V1}/routing-rules", headers=admin, json={"topic_code": "clinics", "body_code": "mintrans"})
    assert res.status_code == 409 and res.json()["code"] == "body_retired", res.text
    assert "упразднён" in res.json()["detail"]
    rule = (await http.get(f"{V1}/routing-rules?body=komdor", headers=admin)).json()[0]
    res = await http.patch(f"{V1}/routing-rules/{rule['id']}", headers=admin, json={"body_code": "mintrans"})
    assert res.status_code == 409 and res.json()["code"] == "body_retired"
    res = await http.patch(f"{V1}/bodies/mintrans", headers=admin, json={"is_active": True})
    assert res.status_code == 409 and res.json()["code"] == "body_retired"

    # other successors for an already retired body: refused
    res = await http.post(f"{V1}/bodies/mintrans/retire", headers=admin, json={"successors": ["komtrans"]})
    assert res.status_code == 409 and res.json()["code"] == "already_retired"
    assert "уже упразднён" in res.json()["detail"]


@pytest.mark.parametrize(
    ("code", "payload", "status", "error"),
    [
        ("mintrans", {"successors": ["nosuch"]}, 404, "body_not_found"),
        ("nosuch", {"successors": ["gkh"]}, 404, "body_not_found"),
        ("mintrans", {"successors": ["mintrans"]}, 422, "bad_successor"),
        ("mintrans", {"successors": []}, 422, "validation_error"),
        ("mintrans", {"successors": ["gkh"], "routes": {"roads": "minzdrav"}}, 422, "bad_successor"),
        ("mintrans", {"successors": ["gkh"], "routes": {"nosuch": "gkh"}}, 404, "topic_not_found"),
        ("tsur", {"successors": ["gkh"]}, 409, "body_required"),
        ("mintrans", {"successors": ["gkh"], "extra": 1}, 422, "validation_error"),
    ],
)
async def test_bad_retirements_are_clear_russian_errors(http, world, code, payload, status, error):
    res = await http.post(f"{V1}/bodies/{code}/retire", headers=world.auth("admin"), json=payload)
    assert res.status_code == status, res.text
    assert res.json()["code"] == error and any("а" <= ch <= "я" for ch in res.json()["detail"].lower())


async def test_only_an_administrator_retires(http, world):
    res = await http.post(f"{V1}/bodies/mintrans/retire?dry_run=true", headers=world.auth("curator"),
                          json={"successors": ["gkh"]})
    assert res.status_code == 403


async def test_suggest_after_seeding_2026_over_the_old_registry(http, db):
    seed(db, OLD_SEED)
    seed(db)
    with Session(db) as s:
        person = Person(full_name="Гаглоева Залина Таймуразовна", roles=["curator"])
        s.add(person)
        s.flush()
        token = issue_token(s, person)
        s.commit()
    auth = {"Authorization": f"Bearer {token}"}

    async def suggest(topic: str, location: str | None = None) -> list[str]:
        url = f"{V1}/routing-rules/suggest?topic={topic}" + (f"&location={location}" if location else "")
        res = await http.get(url, headers=auth)
        assert res.status_code == 200, res.text
        return [s["body_code"] for s in res.json()]

    assert await suggest("road_potholes", "vladikavkaz") == ["vladikavkaz"]  # a city street
    assert await suggest("road_potholes", "iraf") == ["komdor"]  # a republican road in Ирафский район
    assert await suggest("road_potholes") == ["komdor"]
    assert await suggest("transit_routes", "vladikavkaz") == ["vladikavkaz"]
    assert await suggest("suburban_transport", "vladikavkaz") == ["komtrans"]
    assert await suggest("heating_outage", "vladikavkaz") == ["vladikavkaz", "rpvv"]
    assert await suggest("kindergartens", "vladikavkaz") == ["vladikavkaz"]
    assert await suggest("emergencies", "digora") == ["komgochs"]
    assert await suggest("jobs") == ["komzan"]
    assert await suggest("ambulance", "mozdok") == ["ssmp"]
    assert await suggest("utility_bills") == ["gkh", "tarif"]
    body = (await http.get(f"{V1}/routing-rules/suggest?topic=road_potholes&location=iraf", headers=auth)).json()[0]
    assert body["body_name"] == "Комитет дорожного хозяйства Республики Северная Осетия-Алания"
