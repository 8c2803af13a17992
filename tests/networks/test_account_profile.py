"""Item 8 of the Order in the weekly check: the community's description and main photo as the loopback VK and
OK report them, and a link to the account on the body's official site (a real HTTP server on loopback); only a
«no» is reported to the body, a «not known» is noted with its reason."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from domain.account_profile import account_links, listed_on
from models.account_checks import AccountWeek
from models.registry import Body
from tests.fakes.ok import RunningFakeOk
from tests.fakes.vk import RunningFakeVk
from tests.networks.test_a8_account_activity import GID_A, GID_B, OK_GID, WEEK, Setup, inbox, run_check
from tests.networks.test_a8_account_activity import world as world  # the A8 world: fixture re-used

PAGES = {
    "/minzdrav": '<footer>Мы в соцсетях: <a href="https://vk.com/minzdrav_rso">ВКонтакте</a></footer>',
    "/mintrans": '<footer>Мы в соцсетях: <a href="https://vk.com/mintrans_rso_old">ВКонтакте</a></footer>',
    "/minsoc": f'<a href="https://ok.ru/group/{OK_GID}/">Одноклассники</a>',
}


@pytest.fixture
def sites() -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            page = PAGES.get(self.path)
            data = f"<html><body>{page}</body></html>".encode() if page else b"not found"
            self.send_response(200 if page else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


async def test_item_8_description_photo_and_the_link_on_the_site_are_checked_and_only_a_no_is_reported(
        world: Setup, db: Engine, ts_env: WorkflowEnvironment, fake_vk: RunningFakeVk, fake_ok: RunningFakeOk,
        sites: str) -> None:
    setup, acc = world, world.accounts
    fake_vk.vk.groups[GID_A].update(description="Официальное сообщество Минздрава РСО-Алания", has_photo=1)
    fake_vk.vk.groups[GID_B].update(description="", has_photo=0)
    fake_ok.ok.groups[OK_GID].update(description="Минсоц в Одноклассниках", pic_avatar="https://i.ok.ru/a.jpg")
    with Session(db) as s:
        for code in ("minzdrav", "mintrans", "minsoc"):
            body = s.exec(select(Body).where(Body.code == code)).one()
            body.site_url = f"{sites}/{code}"
            s.add(body)
        s.commit()
    await run_check(ts_env, setup)
    with Session(db) as s:
        rows = {r.account_id: r for r in s.exec(select(AccountWeek).where(AccountWeek.week == WEEK)).all()}
    a, b, d, e = (rows[acc[k]] for k in "ABDE")
    assert (a.has_description, a.has_photo, a.on_site, a.profile_note) == (True, True, True, None)
    assert (b.has_description, b.has_photo, b.on_site) == (False, False, False)  # «…_old» is another account
    assert (d.has_description, d.has_photo, d.on_site) == (True, True, True)
    # E: an OK group with no token — its description is not known, said why; the site still checked.
    assert e.has_description is None and "группа не подключена" in (e.profile_note or "") and e.on_site is False
    # C (a closed community, the gkh body with no site): not known, with the reason.
    c = rows[acc["C"]]
    assert c.on_site is None and "сайта органа не указан в реестре" in (c.profile_note or "")

    notice = await inbox(db, f"account_profile:{WEEK}:{acc['B']}")
    assert [n.person_id for n in notice] == [setup.people["mintrans"]]
    assert "Комитет по транспорту РСО-Алания" in notice[0].subject
    for missing in ("текстовое описание", "главная фотография (оформление)",
                    "ссылка на аккаунт на официальном сайте органа"):
        assert missing in notice[0].text
    assert await inbox(db, f"account_profile:{WEEK}:{acc['A']}", timeout=1) == []
    summary = (await inbox(db, f"account_activity:{WEEK}"))[0]
    assert "Оформление не отвечает п. 8 Порядка" in summary.text and "Комитет по транспорту РСО-Алания" in summary.text

    # The API shows the same per account.
    app = create_app(setup.settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        res = await http.get("/api/v1/accounts/activity", params={"week": WEEK},
                             headers={"Authorization": f"Bearer {setup.admin_token}"})
    by_url = {x["url"]: x for x in res.json()["accounts"]}
    assert {k: by_url["https://vk.com/mintrans_rso"][k] for k in ("has_description", "has_photo", "on_site")} == {
        "has_description": False, "has_photo": False, "on_site": False}
    assert "сайта органа не указан" in by_url["https://vk.com/gkh_rso"]["profile_note"]


def test_a_link_counts_in_any_of_its_forms_and_only_as_a_whole_address() -> None:
    links = account_links("vk", "https://vk.com/minzdrav_rso", "71000001")
    assert listed_on('<a href="https://www.vk.com/minzdrav_rso/">', links)
    assert listed_on('<a href="http://m.vk.com/club71000001">', links)
    assert listed_on('<a href="https://vk.ru/public71000001?w=wall">', links)
    assert not listed_on('<a href="https://vk.com/minzdrav_rso2">', links)
    assert not listed_on("<p>Наш аккаунт: minzdrav_rso</p>", links)
