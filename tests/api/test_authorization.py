"""The authorisation matrix: every role × every action × own / other body, table-driven.

One message is routed to ``rkb`` (a subordinate organisation of ``minzdrav``), accepted there, a draft
``d1`` submitted, and then closed by the curator. On a closed message every action the API lets through
is refused by the workflow's validator (409) and changes nothing, so the whole table runs on one
message: "allow" means the API did not refuse (200 for reads, 409 from the workflow for decisions),
"deny" means 403 before Temporal was asked.
"""

from __future__ import annotations

import pytest

from domain.messages import Actor, Dismissal
from tests.api.conftest import message_payload
from workflows.client import Rejected, message_update

pytestmark = pytest.mark.db

V1 = "/api/v1/messages"
CHECKLIST = {"complete": True, "informal": True, "concise": True, "solution": True, "network_format": True}

# action: (method, path suffix, body)
ACTIONS = {
    "read": ("GET", "", None),
    "events": ("GET", "/events", None),
    "classify": ("POST", "/classify", {"topic": "clinics", "location": "vladikavkaz"}),
    "route": ("POST", "/route", {"bodies": ["rkb"]}),
    "accept": ("POST", "/accept", {}),
    "return": ("POST", "/return", {"reason": "Не наша компетенция"}),
    "submit_draft": ("POST", "/drafts", {"kind": "final", "text": "Ответ"}),
    "approve": ("POST", "/drafts/d1/approve", CHECKLIST),
    "return_draft": ("POST", "/drafts/d1/return", {"reasons": ["concise"]}),
    "published": ("POST", "/drafts/d1/published", {"url": "https://vk.com/wall-1_1?reply=2"}),
    "illegal": ("POST", "/illegal", {"reason": "Угрозы", "agency": "МВД по РСО-Алания"}),
    "dismiss": ("POST", "/dismiss", {"reason": "Не требует реакции"}),
    "significant": ("POST", "/significant", {"reason": "Резонанс"}),
    "reroute": ("POST", "/reroute", {"bodies": ["rkb"], "reason": "Уточнение"}),
}

READ = {"read", "events"}
CURATOR = {"classify", "route", "approve", "return_draft", "illegal", "dismiss", "significant", "reroute"}
BODY_STAFF = {"accept", "return", "submit_draft", "published"}

# who: (relation to the message routed to rkb, actions allowed)
MATRIX = {
    "curator": ("ЦУР", READ | CURATOR),
    "exec_rkb": ("own body", READ | BODY_STAFF),
    "resp_rkb": ("own body (may re-route within its tree)", READ | BODY_STAFF | {"reroute"}),
    "exec_minzdrav": ("parent body (executor sees only its own)", set()),
    "resp_minzdrav": ("parent body (reads and re-routes within its tree)", READ | {"reroute"}),
    "exec_mintrans": ("other body", set()),
    "resp_mintrans": ("other body", set()),
    "leadership": ("reads everything", READ),
    "admin": ("registry only", set()),
}

CASES = [(who, action) for who in MATRIX for action in ACTIONS]


@pytest.fixture
async def closed_message(http, world, worker):
    curator = world.auth("curator")
    res = await http.post(V1, headers=curator, json=message_payload())
    wid = res.json()["workflow_id"]
    steps = [
        (curator, "/route", {"bodies": ["rkb"], "classification": {"topic": "clinics", "location": "vladikavkaz"}}),
        (world.auth("exec_rkb"), "/accept", {}),
        (world.auth("exec_rkb"), "/drafts", {"kind": "final", "text": "Проект ответа"}),
        (curator, "/dismiss", {"reason": "Автор удалил запись"}),
    ]
    for headers, path, body in steps:
        res = await http.post(f"{V1}/{wid}{path}", headers=headers, json=body)
        assert res.status_code == 200, res.text
    assert res.json()["state"] == "dismissed" and res.json()["drafts"][0]["id"] == "d1"
    return wid


async def test_authorisation_matrix(http, world, closed_message):
    wid = closed_message
    failures = []
    for who, action in CASES:
        relation, allowed = MATRIX[who]
        method, suffix, body = ACTIONS[action]
        res = await http.request(method, f"{V1}/{wid}{suffix}", headers=world.auth(who), json=body)
        if action in allowed:
            # P14 is still decided on a closed message (here: dismissed); everything else is refused (409)
            expected = {200} if action in READ or (who, action) == ("curator", "illegal") else {409}
        else:
            expected = {403}
        if res.status_code not in expected:
            failures.append(f"{who} ({relation}) × {action}: {res.status_code} {res.text[:200]}")
        elif res.status_code == 403:
            assert res.json()["code"] in {"role_forbidden", "body_forbidden"}
            assert not res.json()["detail"].isascii()
    assert not failures, "\n".join(failures)


async def test_the_workflow_validator_refuses_a_wrong_body_too(http, world, dev_env, worker):
    """Defence in depth: an actor the API would stop is refused by the workflow itself."""
    curator = world.auth("curator")
    wid = (await http.post(V1, headers=curator, json=message_payload())).json()["workflow_id"]
    await http.post(f"{V1}/{wid}/route", headers=curator,
                    json={"bodies": ["rkb"], "classification": {"topic": "clinics", "location": "vladikavkaz"}})
    from domain.messages import Acceptance

    stranger = Actor(person_id=world.people["exec_mintrans"], name="Цаллагов Г. А.", role="executor", body="mintrans")
    with pytest.raises(Rejected, match="не в ваш орган"):
        await message_update(dev_env.client, wid, "accept", Acceptance(actor=stranger))
    leader = Actor(person_id=world.people["leadership"], name="Тедеев А. Б.", role="leadership")
    with pytest.raises(Rejected):
        await message_update(dev_env.client, wid, "dismiss", Dismissal(actor=leader, reason="Не нужно"))


# --- candidates (P7): only curators triage; intake is for curators and feeds -----------------------------

C1 = "/api/v1/candidates"
CANDIDATE_ACTIONS = {
    "list": ("GET", "", None),
    "read": ("GET", "/{id}", None),
    "take": ("POST", "/{id}/take", {}),
    "skip": ("POST", "/{id}/skip", {"reason": "Не требует реакции"}),
    "bulk_skip": ("POST", "/skip", {"ids": ["{id}"], "reason": "Не требует реакции"}),
}
TRIAGE = set(CANDIDATE_ACTIONS)
CANDIDATE_MATRIX = {who: (TRIAGE if who == "curator" else set()) for who in MATRIX} | {"feed": set()}
INTAKE = {"curator", "feed"}


async def test_candidates_authorisation_matrix(http, world, worker):
    """On a candidate already skipped, what a curator may do is refused by its state (409) and changes
    nothing; everyone else is refused by role (403) before anything is read."""
    curator = world.auth("curator")
    feed_body = message_payload()
    feed_body.pop("source")
    cid = (await http.post(V1, headers=world.auth("feed"), json=feed_body)).json()["candidate_id"]
    assert (await http.post(f"{C1}/{cid}/skip", headers=curator, json={"reason": "Спам"})).status_code == 200
    failures = []
    for who, allowed in CANDIDATE_MATRIX.items():
        for action, (method, suffix, body) in CANDIDATE_ACTIONS.items():
            if body and "ids" in body:
                body = {**body, "ids": [cid]}
            res = await http.request(method, C1 + suffix.format(id=cid), headers=world.auth(who), json=body)
            expected = ({200} if method == "GET" else {409}) if action in allowed else {403}
            if res.status_code not in expected:
                failures.append(f"{who} × candidates.{action}: {res.status_code} {res.text[:200]}")
            elif res.status_code == 403:
                assert res.json()["code"] == "role_forbidden" and not res.json()["detail"].isascii()
        res = await http.post(V1, headers=world.auth(who), json={"network": "vk"})  # intake: role before body
        expected = {422} if who in INTAKE else {403}
        if res.status_code not in expected:
            failures.append(f"{who} × intake: {res.status_code} {res.text[:200]}")
    assert not failures, "\n".join(failures)
