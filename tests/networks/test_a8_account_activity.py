"""A8 «не менее трёх публикаций в неделю»: the weekly check against the loopback VK and OK fakes, through the
real workflow, the real delivery (inbox) and the real API; the Schedule on the dev server."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.account_activity import account_activity_activities
from activities.delivery import delivery_activities
from api.main import create_app
from domain.accounts import MSK, ActivityRequest, ActivityRun, previous_week, week_bounds
from models.account_checks import AccountWeek
from models.contacts import Contact
from models.delivery import InboxItem
from models.registry import Body, Person, SocialAccount
from models.secrets import encrypt_token
from models.settings import Settings
from models.tokens import issue_token
from tests.fakes.ok import RunningFakeOk
from tests.fakes.vk import RunningFakeVk
from tests.workflows.helpers import export_workflow_history
from workflows.account_activity import AccountActivityWorkflow
from workflows.delivery import DeliveryWorkflow, DigestWorkflow

KEY = "a8-test-secret-key-0123456"
SERVICE = "vk-service-key-a8"
WEEK = "2026-W48"  # Mon 23.11.2026 – Sun 29.11.2026
MON = datetime(2026, 11, 23, tzinfo=MSK)
GID_A, GID_B, GID_C = 71_000_001, 71_000_002, 71_000_003
OK_GID, OK_TOKEN = "70000000000048", "ok-group-token-a8"


def ts(t: datetime) -> int:
    return int(t.timestamp())


@dataclass
class Setup:
    settings: Settings
    accounts: dict[str, int]
    people: dict[str, int]
    admin_token: str


def seed(engine: Engine, db_url: str, vk: RunningFakeVk, ok: RunningFakeOk) -> Setup:
    f = vk.vk
    f.add_token(SERVICE, "service")
    for gid, name in ((GID_A, "minzdrav_rso"), (GID_B, "mintrans_rso"), (GID_C, "gkh_rso")):
        f.add_group(gid, name, token=f"vk1.a.{name}")
    # A (Минздрав): 2 own posts and 5 citizens' posts in the week, a postponed own post, then 105 citizens'
    # posts the week after (wall.get pages by offset past them).
    a = -GID_A
    f.add_post(a, a, "Неделей раньше", date=ts(MON - timedelta(days=2)))
    f.add_post(a, a, "Диспансеризация", date=ts(MON + timedelta(days=1, hours=10)))
    for i in range(5):
        f.add_post(a, 900 + i, f"Жалоба жителя {i}", date=ts(MON + timedelta(days=2, hours=i)))
    f.add_post(a, a, "Отложенная запись", date=ts(MON + timedelta(days=4)), post_type="postpone")
    f.add_post(a, a, "Прививочная кампания", date=ts(MON + timedelta(days=5, hours=9)))
    for i in range(105):
        f.add_post(a, 1000 + i, f"Вопрос {i}", date=ts(MON + timedelta(days=8, minutes=i)))
    # B (Минтранс): the week's edges on both sides — Sun 23:59:59 before (no), Mon 00:00 (yes),
    # Sun 23:59 at its end (yes), the next Mon 00:00 (no).
    b = -GID_B
    f.add_post(b, b, "Воскресенье прошлой недели", date=ts(MON - timedelta(seconds=1)))
    f.add_post(b, b, "Понедельник 00:00", date=ts(MON))
    f.add_post(b, b, "Среда", date=ts(MON + timedelta(days=2, hours=12)))
    f.add_post(b, b, "Воскресенье 23:59", date=ts(MON + timedelta(days=6, hours=23, minutes=59)))
    f.add_post(b, b, "Понедельник следующей недели 00:00", date=ts(MON + timedelta(days=7)))
    # C (Минстрой ЖКХ): a closed community the service key may not read.
    f.add_post(-GID_C, -GID_C, "Для участников", date=ts(MON + timedelta(days=1)))
    f.close_group(GID_C)
    # D: an OK group with 3 own topics and 2 citizens' in the week; E: an OK group with no token.
    o = ok.ok
    o.add_group(OK_GID, "Минсоц РСО-Алания в ОК", token=OK_TOKEN)
    o.add_topic(OK_GID, "", "До недели", created_ms=ts(MON - timedelta(hours=1)) * 1000, as_group=True)
    for d in (0, 3, 6):
        o.add_topic(OK_GID, "", f"Новость {d}", created_ms=ts(MON + timedelta(days=d, hours=11)) * 1000, as_group=True)
        o.add_topic(OK_GID, "5551", f"Вопрос {d}", created_ms=ts(MON + timedelta(days=d, hours=12)) * 1000)
    o.add_topic(OK_GID, "", "После недели", created_ms=ts(MON + timedelta(days=7, hours=1)) * 1000, as_group=True)
    with Session(engine) as s:
        bodies = {c: Body(code=c, name=n) for c, n in (
            ("tsur", "Центр управления регионом РСО-Алания"), ("minzdrav", "Министерство здравоохранения РСО-Алания"),
            ("mintrans", "Комитет по транспорту РСО-Алания"), ("gkh", "Министерство ЖКХ РСО-Алания"),
            ("minsoc", "Министерство труда и социального развития РСО-Алания"),
            ("minnac", "Министерство по делам национальностей РСО-Алания"))}
        bodies["minnac"].is_active = False  # retired: its accounts are no longer checked
        s.add_all(bodies.values())
        s.flush()
        people = {k: Person(full_name=n, roles=["responsible"], body_id=bodies[c].id) for k, n, c in (
            ("minzdrav", "Ответственный Минздрава", "minzdrav"), ("mintrans", "Ответственный Минтранса", "mintrans"))}
        admin = Person(full_name="Администратор ЦУР", roles=["admin"], body_id=bodies["tsur"].id)
        s.add_all([*people.values(), admin])
        s.add(Contact(code="tsur-head", position="tsur_head", title="Руководитель ЦУР", email="head@tsur.otklik.local"))
        rows = {
            "A": SocialAccount(network="vk", url="https://vk.com/minzdrav_rso", body_id=bodies["minzdrav"].id,
                               network_id=str(GID_A)),
            "B": SocialAccount(network="vk", url="https://vk.com/mintrans_rso", body_id=bodies["mintrans"].id,
                               network_id=str(GID_B)),
            "C": SocialAccount(network="vk", url="https://vk.com/gkh_rso", body_id=bodies["gkh"].id,
                               network_id=str(GID_C)),
            "D": SocialAccount(network="ok", url=f"https://ok.ru/group/{OK_GID}", body_id=bodies["minsoc"].id,
                               network_id=OK_GID),
            "E": SocialAccount(network="ok", url="https://ok.ru/group/70000000000049", body_id=bodies["minsoc"].id,
                               network_id="70000000000049"),
            "F": SocialAccount(network="vk", url="https://vk.com/minsoc_rso", body_id=bodies["minsoc"].id),
            "retired": SocialAccount(network="vk", url="https://vk.com/minnac_rso", body_id=bodies["minnac"].id,
                                     network_id="71000011"),
            "unofficial": SocialAccount(network="vk", url="https://vk.com/fan_club", body_id=bodies["gkh"].id,
                                        network_id="71000009", is_official=False),
            "telegram": SocialAccount(network="telegram", url="https://t.me/minzdrav", body_id=bodies["minzdrav"].id,
                                      network_id="1"),
        }
        s.add_all(rows.values())
        s.flush()
        rows["D"].token_cipher = encrypt_token(OK_TOKEN, KEY, rows["D"].id or 0)
        token = issue_token(s, admin)
        s.commit()
        accounts = {k: v.id or 0 for k, v in rows.items()}
        ids = {k: p.id or 0 for k, p in people.items()}
    settings = Settings(database_url=db_url,
                        task_queue=f"a8-{uuid.uuid4().hex[:8]}", vk_api_url=vk.base_url, vk_service_token=SERVICE,
                        ok_api_url=ok.base_url, ok_application_key=ok.app_key, ok_application_secret_key=ok.app_secret,
                        secret_key=KEY, search_attributes=False, public_url="https://otklik.example.invalid")
    return Setup(settings, accounts, ids, token)


@pytest.fixture
async def world(db: Engine, db_url: str, ts_env: WorkflowEnvironment, fake_vk: RunningFakeVk,
                fake_ok: RunningFakeOk) -> AsyncIterator[Setup]:
    setup = seed(db, db_url, fake_vk, fake_ok)
    client: Client = ts_env.client
    worker = Worker(client, task_queue=setup.settings.task_queue,
                    workflows=[AccountActivityWorkflow, DeliveryWorkflow, DigestWorkflow],
                    activities=[*delivery_activities(db, client, setup.settings),
                                *account_activity_activities(db, client, setup.settings)],
                    workflow_failure_exception_types=[Exception])
    async with worker:
        yield setup


async def run_check(env: WorkflowEnvironment, setup: Setup, week: str | None = WEEK,
                    export: str | None = None) -> ActivityRun:
    wid = f"a8-{uuid.uuid4().hex[:8]}"
    run = await asyncio.wait_for(env.client.execute_workflow(
        AccountActivityWorkflow.run, ActivityRequest(week=week), id=wid, task_queue=setup.settings.task_queue), 60)
    if export:
        await export_workflow_history(env.client, wid, export)
    return run


async def inbox(engine: Engine, key: str, timeout: float = 20.0) -> list[InboxItem]:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while True:
        with Session(engine) as s:
            found = list(s.exec(select(InboxItem).where(InboxItem.event_key == key)).all())
        if found or loop.time() > end:
            return found
        await asyncio.sleep(0.1)


async def test_a8_own_posts_are_counted_per_week_and_the_bodies_below_three_are_notified(
        world: Setup, db: Engine, ts_env: WorkflowEnvironment) -> None:
    setup, acc = world, world.accounts
    run = await run_check(ts_env, setup, export="a8_accounts_counted_and_reported")
    assert (run.week, run.checked, run.below, run.refused) == (WEEK, 6, 1, 3)
    with Session(db) as s:
        rows = {r.account_id: r for r in s.exec(select(AccountWeek)).all()}
    assert set(rows) == {acc[k] for k in "ABCDEF"}  # not the unofficial, the retired body's, Telegram
    # A: 2 own posts; the 5 citizens' posts, the postponed one and the other weeks' are not the account's.
    assert (rows[acc["A"]].posts, rows[acc["A"]].meets, rows[acc["A"]].error) == (2, False, None)
    # B: Mon 00:00 and Sun 23:59 count, Sun 23:59:59 before and the next Mon 00:00 do not.
    assert (rows[acc["B"]].posts, rows[acc["B"]].meets) == (3, True)
    assert rows[acc["C"]].posts is None and "доступ запрещён" in (rows[acc["C"]].error or "")
    assert (rows[acc["D"]].posts, rows[acc["D"]].meets) == (3, True)
    assert "не подключена" in (rows[acc["E"]].error or "")
    assert rows[acc["F"]].posts is None and "id сообщества не определён" in (rows[acc["F"]].error or "")
    assert all(r.week_start == MON.date() for r in rows.values())

    # The responsible official of the body below the threshold is notified; the body that met it is not.
    mail = await inbox(db, f"account_inactive:{WEEK}:{acc['A']}")
    assert [i.person_id for i in mail] == [setup.people["minzdrav"]]
    assert "Министерство здравоохранения РСО-Алания" in mail[0].subject and "minzdrav" not in mail[0].text.replace("vk.com/minzdrav_rso", "")
    assert "собственных публикаций сообщества: 2 при норме не менее 3" in mail[0].text and "23.11.2026 — 29.11.2026" in mail[0].text
    assert await inbox(db, f"account_inactive:{WEEK}:{acc['B']}", timeout=1) == []
    summary = (await inbox(db, f"account_activity:{WEEK}"))[0]
    assert summary.recipient.startswith("c") and "Ниже нормы (1)" in summary.text
    assert "Министерство здравоохранения РСО-Алания, ВКонтакте: 2 публ." in summary.text
    assert "Не удалось проверить (3)" in summary.text and "Министерство ЖКХ РСО-Алания" in summary.text
    assert "Комитет по транспорту" not in summary.text

    # Idempotent per week: a second run of the same week stores the same rows and notifies no one again.
    again = await run_check(ts_env, setup)
    assert again.notified == 0
    with Session(db) as s:
        assert len(s.exec(select(AccountWeek)).all()) == 6
        assert len(s.exec(select(InboxItem).where(InboxItem.event_key.startswith("account_inactive"))).all()) == 1  # type: ignore[attr-defined]

    # The API: the week, per account; one account's weeks.
    app = create_app(setup.settings)
    auth = {"Authorization": f"Bearer {setup.admin_token}"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        res = await http.get("/api/v1/accounts/activity", params={"week": WEEK}, headers=auth)
        assert res.status_code == 200, res.text
        out = res.json()
        assert (out["week_start"], out["week_end"]) == ("2026-11-23", "2026-11-29")
        by_url = {a["url"]: a for a in out["accounts"]}
        assert {"body_name": "Министерство здравоохранения РСО-Алания", "network": "vk", "posts": 2, "meets": False,
                "error": None}.items() <= by_url["https://vk.com/minzdrav_rso"].items()
        assert by_url["https://vk.com/gkh_rso"]["posts"] is None and by_url["https://vk.com/gkh_rso"]["error"]
        res = await http.get(f"/api/v1/accounts/{acc['B']}/activity", headers=auth)
        assert res.status_code == 200 and [(w["week"], w["posts"], w["meets"]) for w in res.json()] == [(WEEK, 3, True)]
        res = await http.get("/api/v1/accounts/activity", params={"week": "2026-48"}, headers=auth)
        assert res.status_code == 422 and "2026-W48" in res.json()["detail"]
        res = await http.get("/api/v1/accounts/999999/activity", headers=auth)
        assert res.status_code == 404


def test_a8_the_week_is_monday_to_sunday_in_moscow_time_and_monday_checks_the_week_before() -> None:
    start, end = week_bounds(WEEK)
    assert start == MON and end == MON + timedelta(days=7)
    assert previous_week(datetime(2026, 11, 30, 8, 0, tzinfo=MSK)) == WEEK  # Monday's 08:00 run
    assert previous_week(datetime(2026, 11, 30, 0, 30, tzinfo=MSK)) == WEEK  # 21:30 UTC Sunday is Monday in Moscow
    assert previous_week(datetime(2027, 1, 4, 8, 0, tzinfo=MSK)) == "2026-W53"


async def test_a8_the_weekly_schedule_is_created_once_mondays_at_0800_moscow(dev_env: WorkflowEnvironment) -> None:
    from workflows.account_schedule import ACCOUNT_ACTIVITY_SCHEDULE_ID, ensure_account_activity_schedule

    settings = Settings(task_queue="a8-schedule-test")
    handle = dev_env.client.get_schedule_handle(ACCOUNT_ACTIVITY_SCHEDULE_ID)
    with contextlib.suppress(RPCError):
        await handle.delete()
    assert await ensure_account_activity_schedule(dev_env.client, settings) is True
    assert await ensure_account_activity_schedule(dev_env.client, settings) is False
    ids = [s.id async for s in await dev_env.client.list_schedules()]
    assert ids.count(ACCOUNT_ACTIVITY_SCHEDULE_ID) == 1
    spec = (await handle.describe()).schedule.spec
    cal = spec.calendars[0]
    assert spec.time_zone_name == "Europe/Moscow"
    assert [r.start for r in cal.day_of_week] == [1] and cal.hour[0].start == 8 and cal.minute[0].start == 0
    await handle.delete()


async def test_a8_vk_not_answering_is_retried_then_recorded_and_the_other_accounts_are_still_counted(
        world: Setup, db: Engine, ts_env: WorkflowEnvironment, fake_vk: RunningFakeVk) -> None:
    fake_vk.vk.fail_next("wall.get", 10, times=1000)  # VK's internal error on every attempt
    run = await run_check(ts_env, world, export="a8_every_attempt_failed_fault_recorded")
    assert (run.checked, run.refused) == (6, 5)  # F: its id was never resolved
    with Session(db) as s:
        rows = {r.account_id: r for r in s.exec(select(AccountWeek)).all()}
    for key in "ABC":
        assert rows[world.accounts[key]].posts is None
        assert "ВКонтакте: внутренняя ошибка сервера" in (rows[world.accounts[key]].error or "")
    assert (rows[world.accounts["D"]].posts, rows[world.accounts["D"]].error) == (3, None)
    assert sum(1 for n, _ in fake_vk.vk.calls if n == "wall.get") == 3 * 5  # five attempts per community


async def test_a8_a_run_with_no_week_counts_the_week_before_its_own_time(world: Setup, ts_env: WorkflowEnvironment) -> None:
    """Started by hand with no week (the Schedule's input): the week before the run's time — a Schedule's run
    would read its nominal time instead (``workflows/scheduled_time.py``; tests/reports/test_weekly_schedule.py)."""
    now = await ts_env.get_current_time()
    run = await run_check(ts_env, world, week=None, export="a8_accounts_counted_nominal_time")
    assert run.week == previous_week(now) and run.checked == 6
