"""What the pages refuse: a role without rights sees no action and gets 403 when it posts anyway; a form
without its CSRF token is refused; a citizen's ``<script>`` is text; only http(s) links are links; a
Content-Security-Policy forbids inline scripts; a forged or missing session sends to the sign-in form."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from tests.api.conftest import World, message_payload
from tests.pages.conftest import add_candidate, signed_in

pytestmark = [pytest.mark.slow]

XSS = '<script>window.__xss = 1</script><img src="x" onerror="window.__xss = 2"> Дорога разбита'


async def manual_message(live_url: str, world: World, **over: Any) -> str:
    """A message a curator entered by hand, through the JSON API."""
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as http:
        r = await http.post("/api/v1/messages", json=message_payload(source="manual", **over),
                            headers=world.auth("curator"))
        assert r.status_code == 201, r.text
        return r.json()["workflow_id"]


async def csrf_of(page: Any) -> str:
    return await page.locator("form[action='/signout'] input[name=csrf]").get_attribute("value")


async def test_no_rights_no_buttons_and_403(browser: Any, live_url: str, world: World, worker: None) -> None:
    wid = await manual_message(live_url, world)
    boss = await signed_in(browser, live_url, world.tokens["leadership"])
    await boss.goto(f"/m/{wid}")
    assert "новое" in await boss.inner_text("#state")
    assert await boss.locator("details.action").count() == 0  # leadership reads, never acts
    token = await csrf_of(boss)
    r = await boss.request.post(f"/m/{wid}/do/dismiss", form={"csrf": token, "reason": "не нужно"})
    assert r.status == 403
    assert "куратор" in await r.text()
    # An executor of another body: neither sees the card nor acts.
    other = await signed_in(browser, live_url, world.tokens["exec_mintrans"])
    r = await other.request.get(f"/m/{wid}")
    assert r.status == 403
    r = await other.request.post(f"/m/{wid}/do/accept", form={"csrf": await csrf_of(other)})
    assert r.status == 403
    # The curator sees exactly the actions of the table for a new message.
    cur = await signed_in(browser, live_url, world.tokens["curator"])
    await cur.goto(f"/m/{wid}")
    shown = {(await d.get_attribute("id")).removeprefix("act-") for d in await cur.locator("details.action").all()}
    from domain.actions import ACTIONS
    expected = {n for n, a in ACTIONS.items() if "new" in a.states and "curator" in a.roles
                and n not in ("approve", "return_draft", "confirm_published")}
    assert shown == expected
    link = await cur.locator("a", has_text="Процесс в Temporal UI").get_attribute("href")
    assert link.endswith(f"/namespaces/default/workflows/{wid}")
    for p in (boss, other, cur):
        await p.context.close()


async def test_csrf_required(browser: Any, live_url: str, world: World, worker: None) -> None:
    wid = await manual_message(live_url, world)
    cur = await signed_in(browser, live_url, world.tokens["curator"])
    r = await cur.request.post(f"/m/{wid}/do/dismiss", form={"reason": "реакция не нужна"})
    assert r.status == 403
    assert "CSRF" in await r.text()
    r = await cur.request.post(f"/m/{wid}/do/dismiss", form={"reason": "реакция не нужна", "csrf": "0" * 40})
    assert r.status == 403
    r = await cur.request.post("/triage/skip", form={"ids": "1", "reason": "спам"})
    assert r.status == 403
    r = await cur.request.post("/signout", form={})
    assert r.status == 403
    await cur.goto(f"/m/{wid}")
    assert "новое" in await cur.inner_text("#state")  # nothing happened
    # The sign-in form needs its own token too.
    async with httpx.AsyncClient(base_url=live_url) as http:
        r = await http.post("/signin", data={"token": world.tokens["curator"]})
        assert r.status_code == 403
    await cur.context.close()


async def test_script_in_a_post_is_text(browser: Any, live_url: str, world: World, db: Engine,
                                        worker: None) -> None:
    cid = add_candidate(db, XSS, author='<b onmouseover="x()">Автор</b>')
    wid = await manual_message(live_url, world, text=XSS, url="https://vk.com/wall-1_5")
    cur = await signed_in(browser, live_url, world.tokens["curator"])
    await cur.goto("/triage")
    text = await cur.inner_text(f"#cand-{cid}")
    assert "<script>window.__xss = 1</script>" in text
    assert '<b onmouseover="x()">Автор</b>' in text
    await cur.goto(f"/m/{wid}")
    assert "<script>" in await cur.inner_text("#citizen-text")
    assert await cur.evaluate("window.__xss") is None
    assert await cur.locator("#citizen-text img, #citizen-text script").count() == 0
    r = await cur.request.get(f"/m/{wid}")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert not re.search(r"<script(?![^>]*\bsrc=)", await r.text())  # no inline script on our pages
    await cur.context.close()


def test_only_http_links_are_links() -> None:
    from api.pages.web import safe_link

    assert str(safe_link("https://vk.com/wall-1_1", "открыть")).startswith('<a href="https://vk.com/wall-1_1"')
    assert "<a" not in str(safe_link("javascript:alert(1)"))
    assert "&lt;" in str(safe_link("data:text/html,<script>"))
    assert 'href="https://x.ru/?a=1&amp;b=&#34;' in str(safe_link('https://x.ru/?a=1&b="'))


async def test_signed_out(live_url: str, world: World) -> None:
    async with httpx.AsyncClient(base_url=live_url) as http:
        r = await http.get("/queue")
        assert r.status_code == 303 and r.headers["location"] == "/signin"
        r = await http.get("/queue", cookies={"otklik_session": "1.1.9999999999.deadbeef"})
        assert r.status_code == 303
        r = await http.get("/signin")
        assert r.status_code == 200 and "Личный токен" in r.text
        assert "content-security-policy" in r.headers


async def test_session_cookie_and_revocation(live_url: str, world: World, db: Engine) -> None:
    from sqlmodel import Session

    from models.tokens import revoke_tokens

    async with httpx.AsyncClient(base_url=live_url) as http:
        form = await http.get("/signin")
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]
        r = await http.post("/signin", data={"token": "otk_wrong", "csrf": csrf})
        assert r.status_code == 401 and "недействителен" in r.text
        r = await http.post("/signin", data={"token": world.tokens["exec_minzdrav"], "csrf": csrf})
        assert r.status_code == 303
        cookie = r.headers["set-cookie"]
        assert "otklik_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert world.tokens["exec_minzdrav"] not in cookie  # the token is exchanged, never stored in the cookie
        r = await http.get("/queue")
        assert r.status_code == 200 and "Министерство здравоохранения" in r.text
        r = await http.get("/triage")
        assert r.status_code == 403  # triage is the curators'
        with Session(db) as s:
            revoke_tokens(s, world.people["exec_minzdrav"])
            s.commit()
        r = await http.get("/queue")
        assert r.status_code == 303  # a revoked token ends its sessions
