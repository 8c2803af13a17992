"""Registry over HTTP: everyone reads, only an administrator writes; natural keys; Russian errors."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.db

V1 = "/api/v1"


async def test_admin_creates_and_patches_the_whole_registry(http, world):
    admin = world.auth("admin")
    res = await http.post(f"{V1}/bodies", headers=admin, json={
        "code": "minobr", "name": "Министерство образования и науки РСО-Алания", "portfolio": "Зампред по соцвопросам"})
    assert res.status_code == 201, res.text
    assert res.json()["code"] == "minobr" and res.json()["parent_code"] is None
    res = await http.post(f"{V1}/bodies", headers=admin, json={
        "code": "school-1", "name": "МБОУ СОШ №1 г. Владикавказа", "kind": "subordinate", "parent_code": "minobr"})
    assert res.status_code == 201 and res.json()["parent_code"] == "minobr"
    res = await http.patch(f"{V1}/bodies/minobr", headers=admin, json={"head_name": "Иванов И. И."})
    assert res.status_code == 200 and res.json()["head_name"] == "Иванов И. И."

    assert (await http.post(f"{V1}/topic-groups", headers=admin,
                            json={"code": "education", "name": "Образование"})).status_code == 201
    res = await http.post(f"{V1}/topics", headers=admin,
                          json={"code": "school_food", "name": "Питание в школах", "group_code": "education"})
    assert res.status_code == 201 and res.json()["group_code"] == "education"
    res = await http.patch(f"{V1}/topics/school_food", headers=admin, json={"name": "Школьное питание"})
    assert res.json()["name"] == "Школьное питание"
    res = await http.post(f"{V1}/locations", headers=admin, json={"code": "mozdok", "name": "Моздокский район"})
    assert res.status_code == 201 and res.json()["kind"] == "district"
    res = await http.post(f"{V1}/routing-rules", headers=admin,
                          json={"topic_code": "school_food", "body_code": "minobr", "priority": 10})
    assert res.status_code == 201, res.text
    rule = res.json()
    assert rule["topic_code"] == "school_food" and rule["location_code"] is None
    res = await http.patch(f"{V1}/routing-rules/{rule['id']}", headers=admin, json={"priority": 20})
    assert res.json()["priority"] == 20
    res = await http.post(f"{V1}/accounts", headers=admin, json={
        "network": "vk", "url": "https://vk.com/club1000001", "name": "Минобр", "body_code": "minobr"})
    assert res.status_code == 201 and res.json()["body_code"] == "minobr"
    res = await http.patch(f"{V1}/accounts/{res.json()['id']}", headers=admin, json={"auto_publish": True})
    assert res.json()["auto_publish"] is True
    res = await http.post(f"{V1}/people", headers=admin, json={
        "full_name": "Сидорова Анна", "roles": ["executor"], "body_code": "minobr"})
    assert res.status_code == 201 and res.json()["body_code"] == "minobr"
    person = res.json()["id"]
    res = await http.patch(f"{V1}/people/{person}", headers=admin, json={"roles": ["executor", "responsible"]})
    assert res.json()["roles"] == ["executor", "responsible"]

    # everyone with a token reads
    reader = world.auth("exec_mintrans")
    assert (await http.get(f"{V1}/bodies/school-1", headers=reader)).json()["parent_code"] == "minobr"
    assert [b["code"] for b in (await http.get(f"{V1}/bodies?parent=minobr", headers=reader)).json()] == ["school-1"]
    assert (await http.get(f"{V1}/topics?group=education", headers=reader)).json()[0]["code"] == "school_food"
    assert (await http.get(f"{V1}/topic-groups/education", headers=reader)).status_code == 200
    assert (await http.get(f"{V1}/locations/mozdok", headers=reader)).status_code == 200
    assert (await http.get(f"{V1}/routing-rules?body=minobr", headers=reader)).json()[0]["id"] == rule["id"]
    assert len((await http.get(f"{V1}/accounts?network=vk", headers=reader)).json()) == 2
    people = (await http.get(f"{V1}/people?role=responsible&body=minobr", headers=reader)).json()
    assert [p["id"] for p in people] == [person]


async def test_suggest_prefers_the_location_rule_and_orders_by_priority(http, world):
    reader = world.auth("curator")
    res = await http.get(f"{V1}/routing-rules/suggest", params={"topic": "road_potholes", "location": "vladikavkaz"},
                         headers=reader)
    assert res.status_code == 200
    assert [(s["body_code"], s["by_location"]) for s in res.json()] == [("gkh", True)]
    res = await http.get(f"{V1}/routing-rules/suggest", params={"topic": "road_potholes", "location": "alagir"},
                         headers=reader)
    assert [(s["body_code"], s["by_location"]) for s in res.json()] == [("mintrans", False)]
    await http.post(f"{V1}/routing-rules", headers=world.auth("admin"),
                    json={"topic_code": "road_potholes", "body_code": "minzdrav", "priority": 1})
    res = await http.get(f"{V1}/routing-rules/suggest", params={"topic": "road_potholes"}, headers=reader)
    assert [s["body_code"] for s in res.json()] == ["minzdrav", "mintrans"]
    res = await http.get(f"{V1}/routing-rules/suggest", params={"topic": "nope"}, headers=reader)
    assert res.status_code == 404 and res.json()["code"] == "topic_not_found"


async def test_non_admin_writes_are_403_in_russian(http, world):
    for who in ("curator", "exec_minzdrav", "resp_minzdrav", "leadership"):
        res = await http.post(f"{V1}/locations", headers=world.auth(who), json={"code": "x1", "name": "Икс"})
        assert res.status_code == 403, who
        assert res.json() == {"detail": "Действие доступно только ролям: администратор", "code": "role_forbidden"}
        res = await http.patch(f"{V1}/bodies/minzdrav", headers=world.auth(who), json={"head_name": "Кто-то"})
        assert res.status_code == 403


async def test_registry_needs_a_live_token(http, world):
    res = await http.get(f"{V1}/bodies")
    assert res.status_code == 401 and res.headers["www-authenticate"] == "Bearer"
    assert res.json()["code"] == "token_missing"
    for token in ("otk_nonsense", world.tokens["revoked"]):
        res = await http.get(f"{V1}/bodies", headers={"Authorization": f"Bearer {token}"})
        assert res.status_code == 401 and res.json()["code"] == "token_invalid"
        assert res.headers["www-authenticate"] == "Bearer"


async def test_registry_conflicts_and_unknown_codes(http, world):
    admin = world.auth("admin")
    res = await http.post(f"{V1}/bodies", headers=admin, json={"code": "minzdrav", "name": "Дубликат минздрава"})
    assert res.status_code == 409 and res.json()["code"] == "duplicate" and "minzdrav" in res.json()["detail"]
    res = await http.post(f"{V1}/bodies", headers=admin, json={"code": "new1", "name": "Новый орган", "parent_code": "nope"})
    assert res.status_code == 404 and res.json() == {"detail": "Орган с кодом «nope» не найден в реестре: проверьте код в /api/v1/bodies", "code": "body_not_found"}
    res = await http.patch(f"{V1}/bodies/minzdrav", headers=admin, json={"parent_code": "rkb"})
    assert res.status_code == 409 and res.json()["code"] == "body_cycle"
    res = await http.post(f"{V1}/routing-rules", headers=admin, json={"topic_code": "clinics", "body_code": "minzdrav"})
    assert res.status_code == 409
    res = await http.post(f"{V1}/accounts", headers=admin, json={
        "network": "vk", "url": "https://vk.com/club218000111", "body_code": "minzdrav"})
    assert res.status_code == 409
    assert (await http.get(f"{V1}/people/999999", headers=admin)).json()["code"] == "person_not_found"
    assert (await http.get(f"{V1}/routing-rules/999999", headers=admin)).status_code == 404
    assert (await http.get(f"{V1}/accounts/999999", headers=admin)).status_code == 404
    assert (await http.get(f"{V1}/topic-groups/none", headers=admin)).status_code == 404


async def test_registry_422_names_the_fields_in_russian(http, world):
    admin = world.auth("admin")
    res = await http.post(f"{V1}/bodies", headers=admin, json={"code": "Bad Code", "name": "аб"})
    assert res.status_code == 422
    body = res.json()
    assert body["code"] == "validation_error" and body["detail"].startswith("Ошибка в данных запроса")
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert "body.code" in fields and "не соответствует формату" in fields["body.code"]
    assert fields["body.name"] == "слишком короткая строка (минимум 3)"
    res = await http.post(f"{V1}/people", headers=admin, json={"full_name": "Без органа", "roles": ["executor"]})
    assert res.status_code == 422 and "body_code" in res.json()["detail"]
    res = await http.patch(f"{V1}/bodies/minzdrav", headers=admin, json={"name": None})
    assert res.status_code == 422 and "name" in res.json()["detail"]
    res = await http.patch(f"{V1}/bodies/minzdrav", headers=admin, json={"unknown_field": 1})
    assert res.status_code == 422 and res.json()["errors"][0]["message"] == "лишнее поле"
    res = await http.post(f"{V1}/locations", headers=admin, json={"code": "x\u0000", "name": "Нуль"})
    assert res.status_code == 422
    res = await http.get(f"{V1}/people/abc", headers=admin)
    assert res.status_code == 422 and res.json()["errors"][0]["field"] == "path.person_id"
