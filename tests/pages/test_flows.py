"""The workday through clicks in a real browser (issue 11 "Done when"): a curator takes a candidate and routes
it (P7); an executor returns one message as not competent (P8) and answers another (P9); the curator returns
the draft with the P7 checklist and approves the rework; the executor confirms publication with its link; the
executor's queue shows a routed message without a reload (server-sent events)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.engine import Engine

from tests.api.conftest import World
from tests.pages.conftest import add_candidate, signed_in

pytestmark = [pytest.mark.slow]


async def take_and_route(page: Any, candidate_id: int, body: str = "minzdrav") -> str:
    """On the triage page: open «Взять в работу», classify, tick the body, submit; returns the message id."""
    await page.goto("/triage")
    card = page.locator(f"#cand-{candidate_id}")
    await card.locator("details.take summary").click()
    await card.locator("select[name=topic]").select_option("clinics")
    await card.locator("select[name=location]").select_option("vladikavkaz")
    await card.locator(f"input[name=bodies][value={body}]").check()
    await card.locator("details.take button[type=submit]").click()
    await page.wait_for_url("**/m/msg-*")
    assert "Выполнено" in await page.inner_text("#done")
    return page.url.rsplit("/m/", 1)[1].split("?")[0]


async def untick(scope: Any) -> None:
    """Untick every body a form came with (the suggestions)."""
    ticked = scope.locator("input[name=bodies]:checked")
    while await ticked.count():
        await ticked.first.uncheck()


async def do(page: Any, action: str, fields: dict[str, str] | None = None, checks: list[str] = (),  # type: ignore[assignment]
             draft: str | None = None) -> None:
    """Open an action's form on the card, fill it, submit, and expect the «Выполнено» banner."""
    sel = f"#act-{action}" + (f"-{draft}" if draft else "")
    box = page.locator(sel)
    if await box.get_attribute("open") is None:
        await box.locator("summary").click()
    for name, value in (fields or {}).items():
        field = box.locator(f"[name={name}]")
        if await field.evaluate("e => e.tagName") == "SELECT":
            await field.select_option(value)
        else:
            await field.fill(value)
    for name in checks:  # a checkbox by name, or name=value for one of a group
        key, _, value = name.partition("=")
        await box.locator(f"input[name={key}]" + (f"[value={value}]" if value else "")).check()
    await box.locator("button[type=submit]").click()
    await page.wait_for_load_state()
    text = await page.inner_text("main")
    assert "Выполнено" in text, text[:600]


async def test_workday_through_clicks(browser: Any, live_url: str, world: World, db: Engine, worker: None) -> None:
    first = add_candidate(db, "В поликлинике №1 невозможно записаться к терапевту уже две недели.")
    second = add_candidate(db, "В детской поликлинике на Гадиева нет педиатра, очередь с утра.", "Мадина К.")

    curator = await signed_in(browser, live_url, world.tokens["curator"])
    executor = await signed_in(browser, live_url, world.tokens["exec_minzdrav"])

    # The executor's queue is open before anything is routed: it fills in live, with no reload.
    await executor.goto("/queue")
    assert await executor.locator("tr.queue-item").count() == 0
    await executor.evaluate("window.__marker = 'same page'")

    # P7: the curator takes both candidates in and routes them to the Ministry of Health.
    wid_returned = await take_and_route(curator, first)
    assert "направлено в орган" in await curator.inner_text("#state")
    assert "Министерство здравоохранения" in await curator.inner_text("aside")
    wid_answered = await take_and_route(curator, second)

    await executor.locator(f"tr.queue-item[data-id='{wid_answered}']").wait_for(timeout=15000)
    await executor.locator(f"tr.queue-item[data-id='{wid_returned}']").wait_for(timeout=15000)
    assert await executor.evaluate("window.__marker") == "same page"  # updated in place, not reloaded
    assert "рабочего времени" in await executor.inner_text("#queue-rows")

    # P8: the executor returns the first message as not competent, with a reason.
    await executor.goto(f"/m/{wid_returned}")
    await do(executor, "return_to_curator", {"reason": "Вопрос частной клиники, не в ведении министерства"})
    assert "возвращено куратору" in await executor.inner_text("#state")

    # P9: accepts the second and sends a draft.
    await executor.goto(f"/m/{wid_answered}")
    await do(executor, "accept")
    await do(executor, "submit_draft", {"kind": "final", "text": "Педиатр принимает с понедельника."})
    assert "на согласовании" in await executor.inner_text("#state")

    # The curator returns the draft with checklist reasons, then approves the rework with every item ticked.
    await curator.goto(f"/m/{wid_answered}")
    await do(curator, "return_draft", {"comment": "Укажите часы приёма"}, ["reasons=solution"], draft="d1")
    assert "на доработке" in await curator.inner_text("#state")
    await executor.goto(f"/m/{wid_answered}")
    await do(executor, "submit_draft", {"kind": "final",
                                        "text": "Педиатр принимает с понедельника, с 8:00 до 14:00, каб. 12."})
    await curator.goto(f"/m/{wid_answered}")
    await do(curator, "approve", checks=["complete", "informal", "concise", "solution", "network_format"],
             draft="d2")
    assert "согласовано" in await curator.inner_text("#state")

    # P9: the executor confirms publication with the link; the message is answered.
    await executor.goto(f"/m/{wid_answered}")
    post = await executor.locator("a", has_text="открыть в соцсети").get_attribute("href")
    await do(executor, "confirm_published", {"url": f"{post}?reply=7"}, draft="d2")
    assert "ответ опубликован" in await executor.inner_text("#state")
    assert f"{post}?reply=7" in await executor.inner_text("aside")

    # The returned one is back with the curator: it may route it again (the card offers it).
    await curator.goto(f"/m/{wid_returned}")
    assert "ЦУР" in await curator.inner_text("#held")
    assert await curator.locator("#act-route").count() == 1
    assert not curator.console_errors and not executor.console_errors, curator.console_errors + executor.console_errors
    await curator.context.close()
    await executor.context.close()


async def test_skip_many_and_take_classified_only(browser: Any, live_url: str, world: World, db: Engine,
                                                  worker: None) -> None:
    spam = [add_candidate(db, f"Реклама: купите окна недорого, звоните {i}") for i in range(3)]
    keep = add_candidate(db, "В поликлинике №3 не работает лифт, пожилым не подняться.")
    curator = await signed_in(browser, live_url, world.tokens["curator"])
    await curator.goto("/triage")
    for cid in spam:
        await curator.locator(f"#cand-{cid} input[type=checkbox][name=ids]").check()
    await curator.fill("#bulk-reason", "реклама, не требует реагирования")
    await curator.click("#bulk-skip-button")
    await curator.wait_for_load_state()
    assert await curator.locator("article.candidate").count() == 1  # the three are decided, one waits
    # Without a body ticked: taken in and classified, and the message stays with ЦУР (P7).
    card = curator.locator(f"#cand-{keep}")
    await card.locator("details.take summary").click()
    await card.locator("select[name=topic]").select_option("clinics")
    await card.locator("select[name=location]").select_option("vladikavkaz")
    await untick(card)
    await card.locator("details.take button[type=submit]").click()
    await curator.wait_for_url("**/m/msg-*")
    assert "ЦУР" in await curator.inner_text("#held")
    assert "Работа поликлиник" in await curator.inner_text("aside")
    # A second take of a decided candidate is refused with who decided it (409 on the page).
    r = await curator.request.post(f"/triage/{spam[0]}/take", form={
        "csrf": await curator.locator("form[action='/signout'] input[name=csrf]").get_attribute("value")})
    assert r.status == 409 and "Гаглоева" in await r.text()
    await curator.context.close()


async def test_joint_route_and_refusals_shown_on_the_card(browser: Any, live_url: str, world: World, db: Engine,
                                                          worker: None) -> None:
    cid = add_candidate(db, "Возле поликлиники на Кирова яма на дороге, скорые не могут подъехать.")
    curator = await signed_in(browser, live_url, world.tokens["curator"])
    await curator.goto("/triage")
    card = curator.locator(f"#cand-{cid}")
    await card.locator("details.take summary").click()
    await card.locator("select[name=topic]").select_option("clinics")
    await card.locator("select[name=location]").select_option("vladikavkaz")
    await untick(card)
    await card.locator("details.take button[type=submit]").click()
    await curator.wait_for_url("**/m/msg-*")
    wid = curator.url.rsplit("/m/", 1)[1].split("?")[0]

    # A second tab keeps the old form open while the first routes the message (P11: two bodies, each publishes).
    stale = await curator.context.new_page()
    await stale.goto(f"/m/{wid}")
    await curator.goto(f"/m/{wid}")
    box = curator.locator("#act-route")
    if await box.get_attribute("open") is None:
        await box.locator("summary").click()
    await untick(box)  # the suggestions come ticked
    await box.locator("button[type=submit]").click()  # no body ticked: the API's own 422, on the page
    await curator.wait_for_load_state()
    assert "органы-исполнители — слишком мало элементов" in await curator.inner_text("#error")
    box = curator.locator("#act-route")
    if await box.get_attribute("open") is None:
        await box.locator("summary").click()
    await box.locator("input[name=bodies][value=minzdrav]").check()
    await box.locator("input[name=bodies][value=mintrans]").check()
    await box.locator("input[name=pos_mintrans]").fill("1")  # transport first, then health
    await box.locator("input[name=pos_minzdrav]").fill("2")
    await box.locator("select[name=order]").select_option("sequential")
    await box.locator("select[name=publisher]").select_option("each")
    await box.locator("button[type=submit]").click()
    await curator.wait_for_load_state()
    aside = await curator.inner_text("aside")
    transport, health = aside.index("Министерство транспорта"), aside.index("Министерство здравоохранения")
    assert transport < health and "ждёт очереди" in aside[health:]

    box = stale.locator("#act-route")
    if await box.get_attribute("open") is None:
        await box.locator("summary").click()
    await box.locator("input[name=bodies][value=gkh]").check()
    async with stale.expect_response(lambda r: "/do/route" in r.url) as info:
        await box.locator("button[type=submit]").click()
    response = await info.value
    assert response.status == 409  # the workflow's validator refused: the state moved on
    assert "Нельзя направить сообщение в орган" in await stale.inner_text("#error")
    await curator.context.close()
