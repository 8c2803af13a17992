"""/accounts: the network id resolved from the typed address, tokens checked, encrypted, never returned."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.main import create_app
from models.networks import find_account_by_network_id
from models.registry import SocialAccount
from models.secrets import TokenUnreadable, decrypt_token
from models.settings import Settings
from tests.api.conftest import World, build_world
from tests.fakes.vk import RunningFakeVk

V1 = "/api/v1"
KEY = "test-secret-key-0123456789"
GID = 57_000_001
TOKEN = "vk1.a.community-token-for-minzdrav"


@pytest.fixture
async def setup(db: Engine, db_url: str, fake_vk: RunningFakeVk) -> AsyncIterator[tuple[httpx.AsyncClient, World]]:
    fake_vk.vk.add_group(GID, "minzdrav_rso", "Министерство здравоохранения РСО-Алания", token=TOKEN)
    fake_vk.vk.add_token("service-key", "service")
    settings = Settings(database_url=db_url, vk_api_url=fake_vk.base_url, secret_key=KEY,
                        vk_service_token="service-key")
    world = build_world(db)
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        yield http, world


async def test_short_name_is_resolved_to_the_group_id(setup: tuple[httpx.AsyncClient, World], db: Engine) -> None:
    http, world = setup
    res = await http.post(f"{V1}/accounts", headers=world.auth("admin"), json={
        "network": "vk", "url": "https://vk.com/minzdrav_rso", "body_code": "minzdrav"})
    assert res.status_code == 201, res.text
    out = res.json()
    assert out["network_id"] == str(GID) and out["name"] == "Министерство здравоохранения РСО-Алания"
    assert out["connected"] is False and out["monitored"] is False
    with Session(db) as s:
        found = find_account_by_network_id(s, "vk", GID)
        assert found is not None and found.url == "https://vk.com/minzdrav_rso"
        assert find_account_by_network_id(s, "vk", -GID) is not None  # an owner id works too
    # the same community under another address is a duplicate
    res = await http.post(f"{V1}/accounts", headers=world.auth("admin"), json={
        "network": "vk", "url": f"https://vk.com/public{GID}", "body_code": "minzdrav"})
    assert res.status_code == 409 and "уже есть" in res.json()["detail"]


async def test_unknown_short_name_and_bad_address_are_422(setup: tuple[httpx.AsyncClient, World]) -> None:
    http, world = setup
    res = await http.post(f"{V1}/accounts", headers=world.auth("admin"), json={
        "network": "vk", "url": "https://vk.com/no_such_group", "body_code": "minzdrav"})
    assert res.status_code == 422 and "нет сообщества" in res.json()["detail"]
    res = await http.post(f"{V1}/accounts", headers=world.auth("admin"), json={
        "network": "vk", "url": "https://vk.com/wall-1_2", "body_code": "minzdrav"})
    assert res.status_code == 422 and "не похоже" in res.json()["detail"]


async def test_token_is_checked_encrypted_and_never_shown(setup: tuple[httpx.AsyncClient, World], db: Engine,
                                                          fake_vk: RunningFakeVk) -> None:
    http, world = setup
    admin = world.auth("admin")
    acc = (await http.post(f"{V1}/accounts", headers=admin, json={
        "network": "vk", "url": f"https://vk.com/club{GID}", "body_code": "minzdrav"})).json()
    fake_vk.vk.add_group(999, "other", "Чужое сообщество", token="vk1.a.other-community-token")
    res = await http.put(f"{V1}/accounts/{acc['id']}/token", headers=admin, json={"token": "vk1.a.other-community-token"})
    assert res.status_code == 422 and "другому сообществу" in res.json()["detail"]
    res = await http.put(f"{V1}/accounts/{acc['id']}/token", headers=admin, json={"token": "vk1.a.revoked-token-x"})
    assert res.status_code == 422 and "недействителен" in res.json()["detail"]
    res = await http.put(f"{V1}/accounts/{acc['id']}/token", headers=admin, json={"token": TOKEN})
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["connected"] is True and "wall" in out["token_scopes"] and out["token_checked_at"]
    listed = (await http.get(f"{V1}/accounts", headers=world.auth("curator"))).text
    assert TOKEN not in res.text and TOKEN not in listed and "token_cipher" not in listed
    with Session(db) as s:
        row = s.exec(select(SocialAccount).where(SocialAccount.id == acc["id"])).one()
        assert row.token_cipher and TOKEN not in row.token_cipher
        assert decrypt_token(row.token_cipher, KEY, row.id or 0) == TOKEN
    assert (await http.post(f"{V1}/accounts/{acc['id']}/token/check", headers=admin)).status_code == 200
    res = await http.put(f"{V1}/accounts/{acc['id']}/token", headers=world.auth("curator"), json={"token": TOKEN})
    assert res.status_code == 403
    assert (await http.delete(f"{V1}/accounts/{acc['id']}/token", headers=admin)).status_code == 204
    assert (await http.get(f"{V1}/accounts/{acc['id']}", headers=admin)).json()["connected"] is False


async def test_an_administrators_token_connects_the_boards(setup: tuple[httpx.AsyncClient, World], db: Engine,
                                                           fake_vk: RunningFakeVk) -> None:
    http, world = setup
    admin = world.auth("admin")
    acc = (await http.post(f"{V1}/accounts", headers=admin, json={
        "network": "vk", "url": f"https://vk.com/club{GID}", "body_code": "minzdrav"})).json()
    assert acc["board_connected"] is False
    fake_vk.vk.add_user(801, "Залина", "Дзагоева", token="vk1.a.editor-user-token")
    fake_vk.vk.add_user(802, "Олег", "Цаллаев", token="vk1.a.moderator-user-token")
    fake_vk.vk.make_manager(GID, 801, level=2)
    fake_vk.vk.make_manager(GID, 802, level=1)
    url = f"{V1}/accounts/{acc['id']}/admin-token"
    res = await http.put(url, headers=admin, json={"token": TOKEN})  # the community's own key: VK refuses boards to it
    assert res.status_code == 422 and "ключ сообщества" in res.json()["detail"]
    res = await http.put(url, headers=admin, json={"token": "vk1.a.moderator-user-token"})
    assert res.status_code == 422 and "Олег Цаллаев" in res.json()["detail"] and "не редактор" in res.json()["detail"]
    res = await http.put(url, headers=admin, json={"token": "vk1.a.editor-user-token"})
    assert res.status_code == 200, res.text
    out = res.json()
    assert out["board_connected"] is True and out["admin_user_id"] == 801 and out["connected"] is False
    assert set(out["admin_token_scopes"]) == {"groups", "offline", "photos", "wall"} and out["admin_token_checked_at"]
    listed = (await http.get(f"{V1}/accounts", headers=world.auth("curator"))).text
    assert "editor-user-token" not in listed and "admin_token_cipher" not in listed
    with Session(db) as s:
        row = s.exec(select(SocialAccount).where(SocialAccount.id == acc["id"])).one()
        assert row.admin_token_cipher and decrypt_token(row.admin_token_cipher, KEY, row.id or 0, "admin") \
            == "vk1.a.editor-user-token"
        with pytest.raises(TokenUnreadable):  # bound to its purpose: it does not open as the community token
            decrypt_token(row.admin_token_cipher, KEY, row.id or 0)
    fake_vk.vk.make_manager(GID, 801, level=0)  # removed from the community's managers
    res = await http.post(f"{url}/check", headers=admin)
    assert res.status_code == 422 and "не редактор" in res.json()["detail"]
    assert (await http.put(url, headers=world.auth("curator"), json={"token": "vk1.a.editor-user-token"})).status_code == 403
    assert (await http.delete(url, headers=admin)).status_code == 204
    assert (await http.get(f"{V1}/accounts/{acc['id']}", headers=admin)).json()["board_connected"] is False
    assert (await http.post(f"{url}/check", headers=admin)).status_code == 409
