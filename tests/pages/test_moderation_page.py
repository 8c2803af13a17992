"""The moderation page in a real browser (the Order, item 9) against the loopback VK: a body's executor
deletes an insulting comment in their community and bans its author for 30 days; the trail shows the
evidence; a comment of another community is refused in Russian on the page and nothing is deleted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.main import create_app
from models.registry import SocialAccount
from models.secrets import encrypt_token
from models.settings import Settings
from tests.api.conftest import VK_GROUP, World
from tests.fakes.vk import RunningFakeVk
from tests.pages.conftest import serve, signed_in

pytestmark = [pytest.mark.slow]
KEY = "moderation-page-secret-key-0123"
TOKEN = "vk1.a.minzdrav-page-token"
CITIZEN = 5150


@pytest.fixture
def vk() -> Iterator[RunningFakeVk]:
    with RunningFakeVk() as running:
        yield running


@pytest.fixture
def site(vk: RunningFakeVk, db: Engine, db_url: str, world: World) -> Iterator[str]:
    vk.vk.add_group(VK_GROUP, "minzdrav_rso", "Минздрав РСО-Алания", token=TOKEN)
    with Session(db) as s:
        account = s.exec(select(SocialAccount)).one()
        account.network_id = str(VK_GROUP)
        account.token_cipher = encrypt_token(TOKEN, KEY, account.id or 0)
        s.add(account)
        s.commit()
    settings = Settings(database_url=db_url, vk_api_url=vk.base_url, secret_key=KEY, auth_failures_per_minute=10_000)
    with serve(create_app(settings)) as url:
        yield url


async def test_an_executor_deletes_an_insult_and_bans_its_author_from_the_page(
        browser: Any, site: str, world: World, vk: RunningFakeVk) -> None:
    f = vk.vk
    post = f.add_post(-VK_GROUP, -VK_GROUP, "Открыта запись на вакцинацию")
    bad = f.add_comment(-VK_GROUP, post, CITIZEN, "Вы там все ... (оскорбление)")
    page = await signed_in(browser, site, world.tokens["exec_minzdrav"])
    await page.goto("/moderation")
    assert await page.locator("nav a[href='/moderation']").inner_text() == "Модерация"
    form = page.locator("#moderation-form")

    # Another community's comment: refused in Russian on the page, nothing called to delete.
    await form.locator("input[name=comment_url]").fill(f"https://vk.com/wall-1_{post}?reply={bad}")
    await form.locator("button[type=submit]").click()
    await page.wait_for_load_state()
    assert "не в сообществе этого аккаунта" in await page.inner_text("#error")
    assert f.wall_comments(-VK_GROUP, post) and not [n for n, _ in f.calls if n == "wall.deleteComment"]

    form = page.locator("#moderation-form")
    await form.locator("input[name=comment_url]").fill(f"https://vk.com/wall-{VK_GROUP}_{post}?reply={bad}")
    await form.locator("select[name=reason]").select_option("insult")
    await form.locator("select[name=ban]").select_option("days")
    await form.locator("input[name=ban_days]").fill("30")
    await form.locator("input[name=note]").fill("повторное оскорбление")
    await form.locator("button[type=submit]").click()
    await page.wait_for_url("**/moderation?done=*")
    assert "комментарий удалён" in await page.inner_text("#done")
    assert f.wall_comments(-VK_GROUP, post) == [] and (VK_GROUP, CITIZEN) in f.bans
    row = page.locator("#trail tbody tr").first
    text = await row.inner_text()
    assert "Вы там все ... (оскорбление)" in text and "оскорбления" in text and "удалён" in text
    assert "ограничен до" in text and str(CITIZEN) in text and "Дзуцев Алан Русланович" in text

    other = await signed_in(browser, site, world.tokens["exec_mintrans"])
    await other.goto("/moderation")
    assert await other.locator("#moderation-form").count() == 0  # no account of its body
    assert "Решений пока нет" in await other.inner_text("main")  # another body's trail is not shown
