"""A9 moderation: comments breaking the law, spam, insults, obscenity are deleted and their authors restricted,
each decision in the audit trail first — against the loopback VK and OK fakes, through the real API."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.main import create_app
from domain.accounts import OK_NO_DELETE
from models.account_checks import INTERRUPTED, MODERATION_LEASE, ModerationAction
from models.registry import Body, SocialAccount
from models.secrets import encrypt_token
from models.settings import Settings
from tests.api.conftest import World, build_world
from tests.fakes.ok import RunningFakeOk
from tests.fakes.vk import RunningFakeVk

V1 = "/api/v1"
KEY = "a9-test-secret-key-0123456"
GID = 73_000_001
OTHER = 73_000_999
TOKEN = "vk1.a.minzdrav-community-token"
SERVICE = "vk-service-key-a9"
OK_GID, OK_TOKEN = "70000000000073", "ok-group-token-a9"
CITIZEN = 4242


@dataclass
class Ctx:
    http: httpx.AsyncClient
    world: World
    vk: RunningFakeVk
    ok: RunningFakeOk
    vk_account: int
    ok_account: int
    post: int


def add_account(engine: Engine, body: str, network: str, url: str, network_id: str, token: str) -> int:
    with Session(engine) as s:
        b = s.exec(select(Body).where(Body.code == body)).one()
        acc = SocialAccount(network=network, url=url, body_id=b.id or 0, network_id=network_id)
        s.add(acc)
        s.flush()
        acc.token_cipher = encrypt_token(token, KEY, acc.id or 0)
        s.commit()
        return acc.id or 0


@pytest.fixture
async def ctx(db: Engine, db_url: str, fake_vk: RunningFakeVk, fake_ok: RunningFakeOk) -> AsyncIterator[Ctx]:
    f = fake_vk.vk
    f.add_group(GID, "minzdrav_rso", "Минздрав РСО-Алания", token=TOKEN)
    f.add_group(OTHER, "someone_else", "Чужое сообщество", token="vk1.a.other")
    f.add_token(SERVICE, "service")
    post = f.add_post(-GID, -GID, "Открыта запись на вакцинацию")
    fake_ok.ok.add_group(OK_GID, "Минздрав РСО-Алания в ОК", token=OK_TOKEN)
    world = build_world(db)
    vk_account = add_account(db, "minzdrav", "vk", "https://vk.com/minzdrav_rso", str(GID), TOKEN)
    ok_account = add_account(db, "minzdrav", "ok", f"https://ok.ru/group/{OK_GID}", OK_GID, OK_TOKEN)
    settings = Settings(database_url=db_url, vk_api_url=fake_vk.base_url, vk_service_token=SERVICE, secret_key=KEY,
                        ok_api_url=fake_ok.base_url, ok_application_key=fake_ok.app_key,
                        ok_application_secret_key=fake_ok.app_secret)
    app = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        yield Ctx(http, world, fake_vk, fake_ok, vk_account, ok_account, post)


def trail(engine: Engine) -> list[ModerationAction]:
    with Session(engine) as s:
        return list(s.exec(select(ModerationAction).order_by(ModerationAction.id)).all())  # type: ignore[arg-type]


async def moderate(c: Ctx, who: str, url: str, account: int | None = None, **body: object) -> httpx.Response:
    return await c.http.post(f"{V1}/accounts/{account or c.vk_account}/moderation", headers=c.world.auth(who),
                             json={"comment_url": url, "reason": "insult", **body})


async def test_a9_an_insult_is_deleted_and_its_author_banned_with_vks_parameters_and_an_audit_row(
        ctx: Ctx, db: Engine) -> None:
    f = ctx.vk.vk
    cid = f.add_comment(-GID, ctx.post, CITIZEN, "Вы все там ... (оскорбление)")
    url = f"https://vk.com/wall-{GID}_{ctx.post}?reply={cid}"
    before = int(time.time())
    res = await moderate(ctx, "curator", url, ban={"days": 30}, note="повторное оскорбление")
    assert res.status_code == 201, res.text
    out = res.json()
    assert (out["status"], out["deleted"], out["banned"], out["author_id"]) == ("done", True, True, str(CITIZEN))
    assert out["text_snapshot"] == "Вы все там ... (оскорбление)" and out["reason_title"] == "оскорбления"
    assert f.wall_comments(-GID, ctx.post) == []  # deleted in the network
    ban = f.bans[(GID, CITIZEN)]
    assert ban["reason"] == "2" and ban["comment_visible"] == "1" and "оскорбления" in (ban["comment"] or "")
    assert before + 30 * 86400 - 5 <= int(ban["end_date"] or 0) <= int(time.time()) + 30 * 86400 + 5
    names = [n for n, _ in f.calls]
    assert names.index("wall.getComment") < names.index("wall.deleteComment") < names.index("groups.ban")
    ban_call = next(p for n, p in f.calls if n == "groups.ban")
    assert (ban_call["group_id"], ban_call["owner_id"]) == (str(GID), str(CITIZEN))
    [row] = trail(db)
    assert (row.status, row.reason, row.author_id, row.note, row.person_id) == (
        "done", "insult", str(CITIZEN), "повторное оскорбление", ctx.world.people["curator"])
    assert row.ban_until is not None and row.finished_at is not None and row.error is None
    # The same comment again: already done — 409, no second row.
    again = await moderate(ctx, "curator", url, ban={"days": 30})
    assert again.status_code == 409 and f"№{row.id}" in again.json()["detail"]
    other_form = await moderate(ctx, "curator", f"https://vk.com/minzdrav_rso?w=wall-{GID}_{ctx.post}_r{cid}")
    assert other_form.status_code == 409 and len(trail(db)) == 1
    # Spam, forever: no end date; VK's reason 1.
    spam = f.add_comment(-GID, ctx.post, 5151, "Заработок без вложений! Пиши в личку")
    res = await moderate(ctx, "admin", f"https://vk.com/wall-{GID}_{ctx.post}?reply={spam}", reason="spam",
                         ban={"forever": True})
    assert res.status_code == 201 and res.json()["ban_forever"] is True and res.json()["ban_until"] is None
    assert f.bans[(GID, 5151)]["end_date"] is None and f.bans[(GID, 5151)]["reason"] == "1"
    # Obscenity in a discussion topic, no ban: board.deleteComment.
    tid = f.add_topic(GID, "Вопросы о вакцинации", -GID, "Задавайте вопросы")
    bad = f.add_board_comment(GID, tid, 6161, "нецензурная брань")
    res = await moderate(ctx, "curator", f"https://vk.com/topic-{GID}_{tid}?post={bad}", reason="obscenity")
    assert res.status_code == 201, res.text
    assert res.json()["banned"] is False and res.json()["text_snapshot"] == "нецензурная брань"
    assert [c["id"] for c in f.board_comments(GID, tid) if c["id"] == bad] == []
    # The trail: newest first, filtered by account and time.
    listed = await ctx.http.get(f"{V1}/moderation", params={"account": ctx.vk_account}, headers=ctx.world.auth("curator"))
    assert listed.status_code == 200 and [r["reason"] for r in listed.json()] == ["obscenity", "spam", "insult"]
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert (await ctx.http.get(f"{V1}/moderation", params={"since": later}, headers=ctx.world.auth("curator"))).json() == []


async def test_a9_a_comment_of_another_community_is_422_and_nothing_is_called(ctx: Ctx, db: Engine) -> None:
    f = ctx.vk.vk
    foreign_post = f.add_post(-OTHER, -OTHER, "Чужая запись")
    foreign = f.add_comment(-OTHER, foreign_post, CITIZEN, "спам")
    res = await moderate(ctx, "curator", f"https://vk.com/wall-{OTHER}_{foreign_post}?reply={foreign}", reason="spam")
    assert res.status_code == 422 and "не в сообществе этого аккаунта" in res.json()["detail"]
    res = await moderate(ctx, "curator", f"https://vk.com/wall-{GID}_{ctx.post}")  # the post, not a comment
    assert res.status_code == 422 and "не на комментарий" in res.json()["detail"]
    res = await moderate(ctx, "curator", f"https://ok.ru/group/{OK_GID}/topic/1?comment=c1")  # another network
    assert res.status_code == 422 and "другой соцсети" in res.json()["detail"]
    res = await moderate(ctx, "curator", f"https://vk.com/wall-{GID}_{ctx.post}?reply=1", ban={"days": 400})
    assert res.status_code == 422
    res = await moderate(ctx, "curator", f"https://vk.com/wall-{GID}_{ctx.post}?reply=1", reason="rude")
    assert res.status_code == 422
    assert trail(db) == [] and not [n for n, _ in f.calls if n.startswith(("wall.", "groups."))
                                    and n != "wall.get"]


async def test_a9_the_network_refusing_is_recorded_as_refused_and_answered_422_in_russian(ctx: Ctx, db: Engine) -> None:
    f = ctx.vk.vk
    cid = f.add_comment(-GID, ctx.post, CITIZEN, "призыв к нарушению закона")
    url = f"https://vk.com/wall-{GID}_{ctx.post}?reply={cid}"
    f.fail_next("wall.deleteComment", 15)
    res = await moderate(ctx, "curator", url, reason="law", ban={"days": 7})
    assert res.status_code == 422
    detail = res.json()["detail"]
    assert "ВКонтакте: доступ запрещён" in detail and "журнал модерации №" in detail
    [row] = trail(db)
    assert (row.status, row.deleted, row.banned) == ("refused", False, False)
    assert row.text_snapshot == "призыв к нарушению закона" and "доступ запрещён" in (row.error or "")
    assert (GID, CITIZEN) not in f.bans
    # VK not answering (internal error): 503, recorded; a retry of the same decision then goes through.
    f.fail_next("wall.deleteComment", 10)
    res = await moderate(ctx, "curator", url, reason="law")
    assert res.status_code == 503 and "внутренняя ошибка" in res.json()["detail"]
    assert trail(db)[-1].status == "refused"
    res = await moderate(ctx, "curator", url, reason="law")
    assert res.status_code == 201 and res.json()["deleted"] is True
    # Deleted, but the ban refused (the token lacks «manage»): the row says exactly that.
    f.tokens[TOKEN].scopes = ["wall", "photos"]
    other = f.add_comment(-GID, ctx.post, 777, "мат")
    res = await moderate(ctx, "curator", f"https://vk.com/wall-{GID}_{ctx.post}?reply={other}", reason="obscenity",
                         ban={"days": 1})
    assert res.status_code == 422 and "Комментарий удалён, но ограничить автора не удалось" in res.json()["detail"]
    last = trail(db)[-1]
    assert (last.status, last.deleted, last.banned) == ("refused", True, False)
    # A comment VK no longer has: 422, recorded.
    res = await moderate(ctx, "curator", f"https://vk.com/wall-{GID}_{ctx.post}?reply=9999")
    assert res.status_code == 422 and "не найден" in res.json()["detail"]


async def test_a9_only_curators_admins_and_the_accounts_body_may_moderate(ctx: Ctx, db: Engine) -> None:
    f = ctx.vk.vk
    cid = f.add_comment(-GID, ctx.post, CITIZEN, "оскорбление")
    url = f"https://vk.com/wall-{GID}_{ctx.post}?reply={cid}"
    for who in ("leadership", "exec_mintrans", "resp_mintrans", "feed"):
        res = await moderate(ctx, who, url)
        assert res.status_code == 403, who
    assert trail(db) == [] and f.wall_comments(-GID, ctx.post)
    res = await moderate(ctx, "exec_minzdrav", url)  # the account's own body
    assert res.status_code == 201 and res.json()["person_name"] == "Дзуцев Алан Русланович"
    mine = await ctx.http.get(f"{V1}/moderation", headers=ctx.world.auth("exec_minzdrav"))
    theirs = await ctx.http.get(f"{V1}/moderation", headers=ctx.world.auth("exec_mintrans"))
    assert len(mine.json()) == 1 and theirs.json() == []


async def test_a9_odnoklassniki_answers_422_delete_by_hand_and_the_decision_is_recorded(ctx: Ctx, db: Engine) -> None:
    o = ctx.ok.ok
    tid = o.add_topic(OK_GID, "", "Новости министерства", as_group=True)
    cid = o.add_comment(tid, "5551", "оскорбление в Одноклассниках")
    url = f"https://ok.ru/group/{OK_GID}/topic/{tid}?comment={cid}"
    res = await moderate(ctx, "curator", url, account=ctx.ok_account, ban={"days": 3})
    assert res.status_code == 422 and res.json()["detail"].startswith(OK_NO_DELETE)
    [row] = trail(db)
    assert (row.status, row.error, row.author_id) == ("refused", OK_NO_DELETE, "5551")
    assert row.text_snapshot == "оскорбление в Одноклассниках" and row.account_id == ctx.ok_account
    listed = await ctx.http.get(f"{V1}/moderation", params={"account": ctx.ok_account}, headers=ctx.world.auth("admin"))
    assert [r["status"] for r in listed.json()] == ["refused"]


async def test_a9_ok_a_comment_ok_no_longer_shows_is_recorded_with_why_there_is_no_evidence(
        ctx: Ctx, db: Engine) -> None:
    tid = ctx.ok.ok.add_topic(OK_GID, "5550", "Тема")
    url = f"https://ok.ru/group/{OK_GID}/topic/{tid}?comment=c999999"
    res = await moderate(ctx, "curator", url, account=ctx.ok_account)
    assert res.status_code == 422 and res.json()["detail"].startswith(OK_NO_DELETE)
    [row] = trail(db)
    assert row.status == "refused" and row.text_snapshot is None
    assert (row.error or "").startswith(OK_NO_DELETE) and "текст комментария не сохранён" in (row.error or "")


def left_pending(engine: Engine, c: Ctx, url: str, age: timedelta, deleted: bool = False) -> int:
    """A decision as a process that stopped half-way leaves it: recorded, never finished."""
    from api.routes.moderation import comment_key
    from domain.publication import thread_of

    thread = thread_of(url)
    assert thread is not None
    with Session(engine) as s:
        row = ModerationAction(account_id=c.vk_account, person_id=c.world.people["curator"], person_name="Куратор",
                               created_at=datetime.now(UTC) - age, comment_url=url, comment_id=comment_key(thread),
                               reason="insult", deleted=deleted)
        s.add(row)
        s.commit()
        return row.id or 0


async def test_a9_a_decision_a_stopped_process_left_pending_is_settled_as_interrupted_and_can_be_made_again(
        ctx: Ctx, db: Engine) -> None:
    f = ctx.vk.vk
    cid = f.add_comment(-GID, ctx.post, CITIZEN, "оскорбление")
    url = f"https://vk.com/wall-{GID}_{ctx.post}?reply={cid}"
    running = left_pending(db, ctx, url, timedelta(minutes=1))  # still within the lease: someone is at it
    res = await moderate(ctx, "curator", url)
    assert res.status_code == 409 and res.json()["code"] == "moderation_in_progress"
    assert f"№{running}" in res.json()["detail"] and f.wall_comments(-GID, ctx.post)
    with Session(db) as s:
        row = s.get(ModerationAction, running)
        assert row is not None
        row.created_at = datetime.now(UTC) - MODERATION_LEASE - timedelta(seconds=1)  # the lease has passed
        s.add(row)
        s.commit()
    res = await moderate(ctx, "curator", url)
    assert res.status_code == 201 and res.json()["status"] == "done" and f.wall_comments(-GID, ctx.post) == []
    first, second = trail(db)
    assert (first.status, first.error, first.finished_at is not None) == ("refused", INTERRUPTED, True)
    assert second.status == "done"
    # One that had deleted the comment before it stopped: the trail settles it, and the comment is not
    # moderated twice.
    gone = f.add_comment(-GID, ctx.post, 5150, "спам")
    gone_url = f"https://vk.com/wall-{GID}_{ctx.post}?reply={gone}"
    stale = left_pending(db, ctx, gone_url, MODERATION_LEASE + timedelta(minutes=1), deleted=True)
    listed = await ctx.http.get(f"{V1}/moderation", headers=ctx.world.auth("leadership"))
    settled = next(r for r in listed.json() if r["id"] == stale)
    assert (settled["status"], settled["error"], settled["deleted"]) == ("refused", INTERRUPTED, True)
    res = await moderate(ctx, "curator", gone_url)
    assert res.status_code == 409 and res.json()["code"] == "already_moderated" and f"№{stale}" in res.json()["detail"]


async def test_a9_two_requests_for_one_comment_in_the_same_instant_one_is_409(
        ctx: Ctx, db: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Both passed the check before either wrote its row (``earlier_action`` is made blind to stand in for
    that instant): the database's partial unique index lets one pending decision per comment in."""
    import api.routes.moderation as route

    f = ctx.vk.vk
    cid = f.add_comment(-GID, ctx.post, CITIZEN, "оскорбление")
    url = f"https://vk.com/wall-{GID}_{ctx.post}?reply={cid}"
    first = left_pending(db, ctx, url, timedelta(seconds=1))  # the other request, a moment ahead
    monkeypatch.setattr(route, "earlier_action", lambda *a, **k: None)
    res = await moderate(ctx, "curator", url)
    assert res.status_code == 409 and res.json()["code"] == "moderation_in_progress"
    assert [r.id for r in trail(db)] == [first] and f.wall_comments(-GID, ctx.post)
