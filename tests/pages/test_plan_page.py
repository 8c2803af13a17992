"""The publication schedule page in a real browser (the Order, items 3, 4, 7): a body's executor plans a
publication, confirms it with the post's link (another community's link is refused in Russian on the page),
cancels another with a reason; the past is refused; another body's executor sees none of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.registry import SocialAccount
from tests.api.conftest import VK_GROUP, World
from tests.pages.conftest import signed_in

pytestmark = [pytest.mark.slow]
MSK = ZoneInfo("Europe/Moscow")


def local(t: datetime) -> str:
    return t.astimezone(MSK).strftime("%Y-%m-%dT%H:%M")


async def plan(page: Any, when: datetime, title: str) -> None:
    form = page.locator("#plan-form")
    await form.locator("input[name=planned_at]").fill(local(when))
    await form.locator("input[name=title]").fill(title)
    await form.locator("textarea[name=material]").fill("Фото с приёма, тезисы министра")
    await form.locator("button[type=submit]").click()
    await page.wait_for_load_state()


async def test_an_executor_plans_confirms_and_cancels_publications_on_the_page(
        browser: Any, live_url: str, world: World, db: Engine) -> None:
    with Session(db) as s:
        account = s.exec(select(SocialAccount)).one()
        account.network_id = str(VK_GROUP)
        s.add(account)
        s.commit()
    page = await signed_in(browser, live_url, world.tokens["exec_minzdrav"])
    await page.goto("/plan")
    assert await page.locator("nav a[href='/plan']").inner_text() == "График"
    assert "В графике пока нет публикаций" in await page.inner_text("main")
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).astimezone(MSK).replace(hour=10, minute=0)
    await plan(page, tomorrow, "День открытых дверей в поликлиниках")
    assert page.url.endswith("/plan?done=plan") and "добавлена в график" in await page.inner_text("#done")
    row = page.locator("#plan tbody tr", has_text="День открытых дверей")
    assert "запланирована" in await row.inner_text() and "график органа" in await row.inner_text()
    assert tomorrow.strftime("%d.%m.%Y 10:00") in await row.inner_text()

    # Another community's post: refused, in Russian, on the page; the item stays planned.
    await row.locator("input[name=post_url]").fill("https://vk.com/wall-1_5")
    await row.locator("button", has_text="Вышла").click()
    await page.wait_for_load_state()
    assert "не в сообществе этого аккаунта" in await page.inner_text("#error")
    row = page.locator("#plan tbody tr", has_text="День открытых дверей")
    assert "запланирована" in await row.inner_text()
    await row.locator("input[name=post_url]").fill(f"https://vk.com/wall-{VK_GROUP}_42")
    await row.locator("button", has_text="Вышла").click()
    await page.wait_for_url("**/plan?done=published")
    row = page.locator("#plan tbody tr", has_text="День открытых дверей")
    assert "вышла" in await row.inner_text()
    assert await row.locator("a", has_text="публикация").get_attribute("href") == f"https://vk.com/wall-{VK_GROUP}_42"

    await plan(page, tomorrow + timedelta(days=1), "Итоги диспансеризации")
    row = page.locator("#plan tbody tr", has_text="Итоги диспансеризации")
    await row.locator("input[name=reason]").fill("перенесено на январь")
    await row.locator("button", has_text="Отменить").click()
    await page.wait_for_url("**/plan?done=cancel")
    row = page.locator("#plan tbody tr", has_text="Итоги диспансеризации")
    assert "отменена" in await row.inner_text() and "перенесено на январь" in await row.inner_text()
    assert await row.locator("button").count() == 0

    await plan(page, datetime.now(UTC) - timedelta(days=1), "Вчерашняя новость")
    assert "Время публикации уже прошло" in await page.inner_text("#error")
    assert await page.locator("#plan tbody tr", has_text="Вчерашняя новость").count() == 0
    assert all("status of 422" in e for e in page.console_errors)  # the two refusals answer 422; no script error

    other = await signed_in(browser, live_url, world.tokens["exec_mintrans"])
    await other.goto("/plan")
    assert "В графике пока нет публикаций" in await other.inner_text("main")
    assert await other.locator("#plan-form").count() == 0  # no account of its body to plan for
