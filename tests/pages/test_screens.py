"""Every page at a 1280 px desktop and a 390 px phone: no horizontal scrolling, the parts people need are
there (countdown colours, the deadline's "why", the dashboard's numbers, the inbox), screenshots taken.

``OTKLIK_SCREENSHOTS=docs`` writes them to ``docs/screenshots/`` (as shown in the README); otherwise to a
temporary folder."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from tests.api.conftest import World, eventually, message_payload
from tests.pages.conftest import add_candidate, signed_in

pytestmark = [pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[2]
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


async def seed(live_url: str, world: World, db: Engine) -> dict[str, str]:
    """Candidates waiting, a routed message, a late one (detected days ago: its clock is breached)."""
    add_candidate(db, "На ул. Маркова третий день не вывозят мусор, контейнеры переполнены.", "Алана Т.")
    add_candidate(db, "Спасибо врачам детской больницы, всё быстро и внимательно!", "Заур Б.")
    add_candidate(db, "Яма на Кирова у школы №5, уже две машины пробили колёса.", "Олег Д.")
    out: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as http:
        cur = world.auth("curator")
        cls = {"topic": "clinics", "location": "vladikavkaz", "importance": "important"}
        r = await http.post("/api/v1/messages", headers=cur, json=message_payload(
            source="manual", text="В поликлинике №1 невозможно записаться к терапевту уже две недели.",
            classification=cls))
        out["routed"] = wid = r.json()["workflow_id"]
        r = await http.post(f"/api/v1/messages/{wid}/route", headers=cur, json={"bodies": ["minzdrav"]})
        assert r.status_code == 200, r.text
        late = (datetime.now(UTC) - timedelta(days=14)).isoformat()  # overdue even after the New Year holidays
        r = await http.post("/api/v1/messages", headers=cur, json=message_payload(
            source="manual", text="Третий день нет воды в Алагире, никто ничего не объясняет.", detected_at=late,
            author={"id": "77", "name": "Сослан Г."}))
        out["late"] = late_id = r.json()["workflow_id"]
        r = await http.post(f"/api/v1/messages/{late_id}/significant", headers=cur,
                            json={"reason": "массовое отключение воды"})
        assert r.status_code == 200, r.text

        async def breached() -> bool:
            r = await http.get("/api/v1/messages", headers=cur, params={"breached": "true"})
            return r.json()["total"] >= 1

        await eventually(breached, 20)
    return out


async def shoot(page: Any, name: str, width: int) -> None:
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{name}: {overflow}px of horizontal scrolling at {width}px"
    folder = ROOT / "docs" / "screenshots" if os.environ.get("OTKLIK_SCREENSHOTS") == "docs" \
        else Path(os.environ.get("TMPDIR", "/tmp")) / "otklik-screens"
    folder.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=width < 1000)


async def test_pages_at_desktop_and_phone(browser: Any, live_url: str, world: World, db: Engine,
                                          worker: None) -> None:
    ids = await seed(live_url, world, db)
    for _, (w, h) in WIDTHS.items():
        cur = await signed_in(browser, live_url, world.tokens["curator"], width=w, height=h)
        await cur.goto("/triage")
        assert await cur.locator("article.candidate").count() == 3
        await shoot(cur, "triage", w)
        await cur.goto("/queue?held_by=tsur")  # the filter «у ЦУР»: only the late, unrouted one
        assert [await r.get_attribute("data-id") for r in await cur.locator("tr.queue-item").all()] == [ids["late"]]
        await cur.goto("/queue?breached=no&body=minzdrav")
        assert [await r.get_attribute("data-id") for r in await cur.locator("tr.queue-item").all()] == [ids["routed"]]
        await cur.goto("/queue")
        assert await cur.locator(".cd.red").count() >= 1  # the late message: red
        await shoot(cur, "queue", w)
        await cur.goto(f"/m/{ids['late']}")
        assert "нарушен" in (await cur.inner_text("aside")).lower()
        await cur.goto(f"/m/{ids['routed']}")
        await cur.locator(".deadline details summary").first.click()
        assert "Как считали" in await cur.locator("pre.why").first.inner_text()
        await shoot(cur, "card", w)
        await cur.goto("/plan")  # the Order, items 3, 4, 7: the schedule and its form
        assert await cur.locator("#plan-form").count() == 1
        await shoot(cur, "plan", w)
        await cur.goto("/moderation")  # item 9: the form and the trail
        assert await cur.locator("#moderation-form").count() == 1
        await shoot(cur, "moderation", w)
        await cur.context.close()
        boss = await signed_in(browser, live_url, world.tokens["leadership"], width=w, height=h)
        assert boss.url.endswith("/dashboard")
        text = await boss.inner_text("main")
        assert "Сегодня" in text and "С начала недели" in text and "Сослан Г." in text  # significant listed
        await shoot(boss, "dashboard", w)
        await boss.context.close()

    # The inbox: the executor of the body a message was routed to has its notification, unread first.
    ex = await signed_in(browser, live_url, world.tokens["exec_minzdrav"])
    for _ in range(100):  # delivered into the in-app inbox by its DeliveryWorkflow
        await ex.goto("/inbox")
        if await ex.locator("#inbox-unread li").count():
            break
        await asyncio.sleep(0.2)
    assert "Поступило сообщение" in await ex.inner_text("#inbox-unread")
    await ex.goto("/inbox")
    assert await ex.locator("#inbox-unread li").count() == 0  # seen now
    assert not ex.console_errors, ex.console_errors
    await ex.context.close()
