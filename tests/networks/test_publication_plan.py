"""The publication schedule of official accounts (the Order, items 3, 4, 7): planned through the API, judged by
the weekly check of the accounts against the community's own posts on the loopback VK, reported to the body
and to ЦУР; confirmed or cancelled by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from models.publication_plan import PlanItem
from models.registry import Person
from models.tokens import issue_token
from tests.fakes.vk import RunningFakeVk
from tests.networks.test_a8_account_activity import GID_A, GID_B, MON, WEEK, Setup, inbox, run_check, ts
from tests.networks.test_a8_account_activity import world as world  # the A8 world: fixture re-used

V1 = "/api/v1"


def planned(engine: Engine, setup: Setup, account: str, at: datetime, title: str, status: str = "planned") -> int:
    """A publication planned earlier (the API plans only ahead; the week under check is past)."""
    with Session(engine) as s:
        admin = s.exec(select(Person).where(Person.full_name == "Администратор ЦУР")).one()
        from models.registry import SocialAccount

        acc = s.get(SocialAccount, setup.accounts[account])
        assert acc is not None and admin.id is not None
        row = PlanItem(account_id=acc.id or 0, body_id=acc.body_id, planned_at=at, title=title, status=status,
                       person_id=admin.id, person_name=admin.full_name)
        s.add(row)
        s.commit()
        return row.id or 0


def item(engine: Engine, item_id: int) -> PlanItem:
    with Session(engine) as s:
        row = s.get(PlanItem, item_id)
        assert row is not None
        return row


async def test_the_weekly_check_judges_the_schedule_against_own_posts_and_tells_the_body_what_did_not_come_out(
        world: Setup, db: Engine, ts_env: WorkflowEnvironment, fake_vk: RunningFakeVk) -> None:
    setup = world
    a = -GID_A
    flu = fake_vk.vk.add_post(a, a, "Стартовала прививочная кампания против гриппа: приглашаем в поликлиники",
                              date=ts(MON + timedelta(days=2, hours=15, minutes=30)))
    on_time = planned(db, setup, "A", MON + timedelta(days=1, hours=10), "Диспансеризация")  # the Tuesday post
    late = planned(db, setup, "A", MON + timedelta(days=2, hours=11), "Прививочная кампания против гриппа")
    missed = planned(db, setup, "A", MON + timedelta(days=3, hours=10), "Итоги диспансеризации за ноябрь")
    dropped = planned(db, setup, "A", MON + timedelta(days=4, hours=12), "Приём граждан министром", "cancelled")
    ahead = planned(db, setup, "A", MON + timedelta(days=9), "Следующая неделя")

    run = await run_check(ts_env, setup)
    assert run.week == WEEK
    got = {i: item(db, i) for i in (on_time, late, missed, dropped, ahead)}
    assert (got[on_time].status, got[on_time].late) == ("published", False)
    assert got[on_time].post_url is not None and got[on_time].post_url.startswith(f"https://vk.com/wall{a}_")
    # Out at 15:30 for 11:00: more than four hours after the planned time.
    assert (got[late].status, got[late].late, got[late].post_url) == ("published", True, f"https://vk.com/wall{a}_{flu}")
    assert got[missed].status == "missed" and got[missed].post_url is None and got[missed].checked_at is not None
    assert got[dropped].status == "cancelled" and got[ahead].status == "planned" and got[ahead].checked_at is None

    notice = await inbox(db, f"plan_missed:{WEEK}:{setup.accounts['A']}")
    assert [n.person_id for n in notice] == [setup.people["minzdrav"]]
    text = notice[0].text
    assert "Министерство здравоохранения РСО-Алания" in notice[0].subject
    assert "запланировано 3, вышло 2 (из них позже срока — 1), не вышло 1" in text
    assert "26.11.2026 10:00 МСК: Итоги диспансеризации за ноябрь" in text and "Приём граждан" not in text
    summary = (await inbox(db, f"account_activity:{WEEK}"))[0]
    assert "График выхода публикаций (пп. 4, 7 Порядка): запланировано 3, вышло 2 (позже срока — 1), не вышло 1" \
        in summary.text
    assert "Министерство здравоохранения РСО-Алания, ВКонтакте, 26.11.2026 10:00 МСК: Итоги диспансеризации" in summary.text

    # The body confirms the missed one with its post's link: published, late; another community's post is refused.
    app = create_app(setup.settings)
    auth = {"Authorization": f"Bearer {setup.admin_token}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        res = await http.post(f"{V1}/publication-plan/{missed}/published", headers=auth,
                              json={"post_url": f"https://vk.com/wall-{GID_B}_5"})
        assert res.status_code == 422 and "не в сообществе этого аккаунта" in res.json()["detail"]
        future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        res = await http.post(f"{V1}/publication-plan/{missed}/published", headers=auth,
                              json={"post_url": f"https://vk.com/wall{a}_777", "published_at": future})
        assert res.status_code == 422 and res.json()["code"] == "published_in_future"
        assert "не может быть в будущем" in res.json()["detail"]
        res = await http.post(f"{V1}/publication-plan/{missed}/published", headers=auth,
                              json={"post_url": f"https://vk.com/wall{a}_777"})
        assert res.status_code == 200, res.text
        assert (res.json()["status"], res.json()["status_title"], res.json()["late"]) == ("published", "вышла", True)
        res = await http.post(f"{V1}/publication-plan/{missed}/cancel", headers=auth, json={"reason": "передумали"})
        assert res.status_code == 409 and "уже вышла" in res.json()["detail"]
    # A second check of the week: nothing judged twice, no second notice.
    again = await run_check(ts_env, setup)
    assert again.notified == 0 and item(db, missed).post_url == f"https://vk.com/wall{a}_777"


async def test_planning_through_the_api_follows_the_accounts_body_and_refuses_the_past_in_russian(
        world: Setup, db: Engine) -> None:
    setup = world
    with Session(db) as s:
        resp = s.exec(select(Person).where(Person.full_name == "Ответственный Минздрава")).one()
        token = issue_token(s, resp)
        s.commit()
    mine = {"Authorization": f"Bearer {token}"}
    admin = {"Authorization": f"Bearer {setup.admin_token}"}
    soon = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    body = {"planned_at": soon.isoformat(), "title": "Неделя здорового питания", "material": "Тезисы и фото"}
    app = create_app(setup.settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        res = await http.post(f"{V1}/accounts/{setup.accounts['A']}/plan", headers=mine, json=body)
        assert res.status_code == 201, res.text
        out = res.json()
        assert (out["status"], out["source"], out["source_title"]) == ("planned", "body", "график органа")
        assert out["body_name"] == "Министерство здравоохранения РСО-Алания" and out["person_name"] == "Ответственный Минздрава"
        own_id = out["id"]
        # Another body's account: 403; the past: 422; junk: 422 in Russian; an unknown account: 404.
        res = await http.post(f"{V1}/accounts/{setup.accounts['B']}/plan", headers=mine, json=body)
        assert res.status_code == 403 and "другому органу" in res.json()["detail"]
        past = {**body, "planned_at": (datetime.now(UTC) - timedelta(hours=2)).isoformat()}
        res = await http.post(f"{V1}/accounts/{setup.accounts['A']}/plan", headers=mine, json=past)
        assert res.status_code == 422 and res.json()["code"] == "plan_in_past"
        for bad in ({**body, "title": ""}, {**body, "extra": 1}, {**body, "planned_at": "2026-12-10T10:00"},
                    {**body, "title": "a\u0000b"}):
            res = await http.post(f"{V1}/accounts/{setup.accounts['A']}/plan", headers=mine, json=bad)
            assert res.status_code == 422, bad
        res = await http.post(f"{V1}/accounts/999999/plan", headers=admin, json=body)
        assert res.status_code == 404
        res = await http.post(f"{V1}/accounts/{setup.accounts['B']}/plan", headers=admin, json=body)
        assert res.status_code == 201
        # The schedule: the body's staff see their bodies' accounts; ЦУР sees all.
        res = await http.get(f"{V1}/publication-plan", headers=mine)
        assert [r["id"] for r in res.json()] == [own_id]
        res = await http.get(f"{V1}/publication-plan", headers=admin, params={"status": "planned"})
        assert len(res.json()) == 2
        res = await http.get(f"{V1}/publication-plan", headers=admin, params={"body": "mintrans"})
        assert [r["body_name"] for r in res.json()] == ["Комитет по транспорту РСО-Алания"]
        assert (await http.get(f"{V1}/publication-plan", headers=admin, params={"status": "done"})).status_code == 422
        assert (await http.get(f"{V1}/publication-plan", headers=admin,
                               params={"since": "2026-12-01T00:00"})).status_code == 422  # no time zone
        # Cancel with a reason; twice is 409; an unknown item 404.
        res = await http.post(f"{V1}/publication-plan/{own_id}/cancel", headers=mine, json={"reason": "перенос"})
        assert res.status_code == 200 and res.json()["status_title"] == "отменена"
        res = await http.post(f"{V1}/publication-plan/{own_id}/cancel", headers=mine, json={"reason": "перенос"})
        assert res.status_code == 409
        assert (await http.post(f"{V1}/publication-plan/999999/cancel", headers=mine,
                                json={"reason": "перенос"})).status_code == 404
