"""A8 «не менее трёх публикаций в неделю»: count each official account's own publications of a week, store
them (``account_week``), notify the bodies below the threshold and the head of ЦУР.

Run by ``AccountActivityWorkflow`` (Schedule ``otklik-account-activity``, Mondays 08:00 Moscow time, for the
week before). Per account:

* VK — ``wall.get`` with the app's service key (OTKLIK_VK_SERVICE_TOKEN: VK answers error 27 to a community
  token), newest first, 100 a page, by ``offset`` until a page reaches posts older than the week; counted are
  the community's own posts (``from_id == owner_id``), not postponed ones;
* OK — ``mediatopic.getTopics`` with the group's token, by ``anchor`` likewise; counted are topics with
  ``author_ref == "group:<gid>"``.

A refusal of the network (closed community, revoked token, no key) is the account's row with its Russian
reason, never a failed run; a fault worth retrying is raised for Temporal to retry. Idempotent per week: the
row is an upsert by (account, week), the notifications are keyed by week and account.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.account_profile import fetch_profile
from activities.networks.ok import OkClient
from activities.networks.vk import VkClient
from domain.account_profile import Profile
from domain.accounts import (
    AccountTarget,
    AccountTargets,
    WeekCount,
    ok_own_posts,
    older_than,
    own_in_week,
    vk_own_posts,
    week_bounds,
)
from domain.notifications import NotificationEvent, NotificationEventBatch, NotificationKind
from domain.publication_plan import OwnPost, PlanStatus, judge, tally, window_start
from models.account_checks import upsert_week, weeks_of
from models.publication_plan import PlanItem, due_for_check, week_plan
from models.registry import Body, SocialAccount
from models.secrets import decrypt_token
from models.settings import Settings

PAGE = 100
MAX_PAGES = 50  # 5,000 posts a week is far beyond any community; a bound against a misbehaving API


class Refused(Exception):
    """The account cannot be counted this week: a Russian reason for its row."""


async def count_vk(settings: Settings, gid: int, start: datetime, end: datetime,
                   until: datetime) -> tuple[int, list[OwnPost]]:
    """The count of the community's own posts of [start, end), and its own posts from the start of the day before
    ``start`` (a plan of Monday may be met on Sunday: ``domain.publication_plan``) up to ``until``."""
    service = settings.vk_service_token.get_secret_value()
    if not service:
        raise Refused("не задан сервисный ключ приложения ВКонтакте (OTKLIK_VK_SERVICE_TOKEN): стену сообщества "
                      "читать нечем")
    owner, own, since, until = -gid, [], window_start(start), max(until, end)
    seen: set[int] = set()
    async with VkClient(service, base_url=settings.vk_api_url, token_kind="service") as vk:
        offset = 0
        for _ in range(MAX_PAGES):
            page = await vk.wall_get(owner, count=PAGE, offset=offset)
            fresh = [p for p in page.items if int(p.get("id") or 0) not in seen]
            seen.update(int(p.get("id") or 0) for p in fresh)
            own += vk_own_posts(fresh, owner, since, until)
            offset += len(page.items)
            if not page.items or offset >= page.count or older_than(page.items, since):
                break
    return own_in_week(own, start, end), own


async def count_ok(settings: Settings, token: str, gid: str, start: datetime, end: datetime,
                   until: datetime) -> tuple[int, list[OwnPost]]:
    anchor, own, since, until = None, [], window_start(start), max(until, end)
    seen: set[str] = set()
    async with OkClient(token, application_key=settings.ok_application_key, base_url=settings.ok_api_url,
                        application_secret_key=settings.ok_application_secret_key.get_secret_value()) as ok:
        for _ in range(MAX_PAGES):
            page = await ok.group_topics(gid, count=PAGE, anchor=anchor)
            fresh = [t for t in page.items if str(t.get("id")) not in seen]
            seen.update(str(t.get("id")) for t in fresh)
            own += ok_own_posts(fresh, gid, since, until)
            anchor = page.anchor
            if not page.has_more or not page.items or older_than(page.items, since, ms=True):
                break
    return own_in_week(own, start, end), own


class AccountActivity:
    def __init__(self, engine: Engine, settings: Settings,
                 notify: Callable[[NotificationEventBatch], Awaitable[int]] | None = None) -> None:
        self._engine = engine
        self._settings = settings
        self._notify = notify

    # ------------------------------------------------------------------ database (in threads)

    def _targets(self, week: str) -> AccountTargets:
        with Session(self._engine) as s:
            # Official accounts of bodies still at work (a retired body's accounts are its successor's affair);
            # an account whose community id is not resolved is listed with that reason, not skipped.
            codes = {b.id: b.code for b in s.exec(select(Body).where(col(Body.is_active))).all()}
            rows = [a for a in s.exec(select(SocialAccount).where(col(SocialAccount.is_official),
                                                                  col(SocialAccount.network).in_(["vk", "ok"]))
                                      .order_by(col(SocialAccount.id))).all() if a.body_id in codes]
            return AccountTargets(week=week, targets=[
                AccountTarget(account_id=a.id or 0, body=codes.get(a.body_id, ""), network=a.network, url=a.url,
                              network_id=a.network_id) for a in rows])

    def _token(self, account_id: int) -> str | None:
        with Session(self._engine) as s:
            a = s.get(SocialAccount, account_id)
            if a is None or not a.token_cipher:
                return None
            try:
                return decrypt_token(a.token_cipher, self._settings.secret_key.get_secret_value(), account_id)
            except Exception:
                raise Refused("сохранённый ключ группы не расшифровывается текущим OTKLIK_SECRET_KEY: подключите "
                              "группу заново") from None

    def _site_url(self, account_id: int) -> str:
        with Session(self._engine) as s:
            a = s.get(SocialAccount, account_id)
            body = s.get(Body, a.body_id) if a is not None else None
            return body.site_url if body is not None else ""

    def _store(self, target: AccountTarget, week: str, posts: int | None, error: str | None,
               at: datetime, profile: Profile | None = None) -> WeekCount:
        start, _ = week_bounds(week)
        threshold = self._settings.account_min_posts_per_week
        with Session(self._engine) as s:
            account = s.get(SocialAccount, target.account_id)
            if account is None:
                return WeekCount(account_id=target.account_id, week=week, error="аккаунт удалён из реестра")
            row = upsert_week(s, account_id=target.account_id, body_id=account.body_id, week=week,
                              week_start=start.date(), posts=posts, threshold=threshold, error=error, at=at,
                              profile=profile)
            return WeekCount(account_id=target.account_id, week=week, posts=row.posts, meets=row.meets,
                             error=row.error or "")

    def _judge_plan(self, target: AccountTarget, week: str, own: list[OwnPost], at: datetime) -> None:
        """The week's planned publications of the account: published (the post's link and time) or missed."""
        start, end = week_bounds(week)
        with Session(self._engine) as s:
            items = due_for_check(s, target.account_id, start, end)
            verdicts = {v.id: v for v in judge([i.slot() for i in items], own, at=at)}
            for item in items:
                v = verdicts.get(item.id or 0)
                if v is None:
                    continue
                item.checked_at = item.updated_at = at
                if v.status == PlanStatus.published and v.post is not None:
                    item.status, item.post_url, item.published_at, item.late = (
                        PlanStatus.published, v.post.url, v.post.published_at, v.late)
                else:
                    item.status = PlanStatus.missed
                s.add(item)
            s.commit()

    def _events(self, week: str, at: datetime) -> list[NotificationEvent]:
        start, end = week_bounds(week)
        data = {"week": week, "week_start": start.isoformat(), "week_last": (end - timedelta(days=1)).isoformat(),
                "threshold": self._settings.account_min_posts_per_week}
        with Session(self._engine) as s:
            bodies = list(s.exec(select(Body)).all())
            accounts = {a.id: a for a in s.exec(select(SocialAccount)).all()}
            rows = weeks_of(s, week)
            plans = week_plan(s, start, end)
        codes = {b.id: b.code for b in bodies}
        sites = {b.id: b.site_url for b in bodies}
        events: list[NotificationEvent] = []
        unkempt: list[dict[str, Any]] = []
        plan_total = {"planned": 0, "published": 0, "late": 0, "missed": 0}
        plan_missed: list[dict[str, Any]] = []
        below: list[dict[str, Any]] = []
        refused: list[dict[str, Any]] = []
        for r in rows:
            a = accounts.get(r.account_id)
            if a is None:
                continue
            item = {"body": codes.get(r.body_id, ""), "network": a.network, "url": a.url, "posts": r.posts,
                    "error": r.error or ""}
            missing = Profile(description=r.has_description, photo=r.has_photo, on_site=r.on_site).missing()
            if missing:
                unkempt.append({**item, "absent": missing})
                events.append(NotificationEvent(
                    key=f"account_profile:{week}:{r.account_id}", kind=NotificationKind.account_profile,
                    audience="body_responsible", body=item["body"] or None, created_at=at,
                    data={**data, "account_id": r.account_id, "network": a.network, "url": a.url,
                          "absent": missing, "site_url": sites.get(r.body_id, "")}))
            if r.error:
                refused.append(item)
                continue
            missed = self._plan_events(week, r.body_id, a, plans.get(r.account_id, []), codes, data, at, events,
                                       plan_total)
            plan_missed += [{**item, **m} for m in missed]
            if r.meets:
                continue
            below.append(item)
            events.append(NotificationEvent(
                key=f"account_inactive:{week}:{r.account_id}", kind=NotificationKind.account_inactive,
                audience="body_responsible", body=item["body"] or None, created_at=at,
                data={**data, "account_id": r.account_id, "network": a.network, "url": a.url, "posts": r.posts}))
        events.append(NotificationEvent(
            key=f"account_activity:{week}", kind=NotificationKind.account_activity, audience="tsur_head",
            created_at=at, data={**data, "checked": len(rows), "below": below[:200], "refused": refused[:200],
                                 "plan": plan_total, "plan_missed": plan_missed[:200], "unkempt": unkempt[:200]}))
        return events

    @staticmethod
    def _plan_events(week: str, body_id: int, a: SocialAccount, items: list[PlanItem], codes: dict[Any, str],
                     data: dict[str, Any], at: datetime, events: list[NotificationEvent],
                     total: dict[str, int]) -> list[dict[str, Any]]:
        """The account's schedule of the week: counted into ``total``; a notice to the body when some of it did
        not come out. Returns the missed ones."""
        missed = [{"title": i.title, "planned_at": i.planned_at.isoformat()} for i in items
                  if i.status == PlanStatus.missed]
        t = tally([(i.status, i.late) for i in items])
        for k in total:
            total[k] += getattr(t, k)
        if missed:
            events.append(NotificationEvent(
                key=f"plan_missed:{week}:{a.id}", kind=NotificationKind.plan_missed, audience="body_responsible",
                body=codes.get(body_id) or None, created_at=at,
                data={**data, "account_id": a.id, "network": a.network, "url": a.url, "planned": t.planned,
                      "published": t.published, "late": t.late, "missed": missed[:50]}))
        return missed

    # ------------------------------------------------------------------ activities

    @activity.defn(name="list_official_accounts")
    async def list_official_accounts(self, week: str) -> AccountTargets:
        return await asyncio.to_thread(self._targets, week)

    @activity.defn(name="count_account_week")
    async def count_account_week(self, target: AccountTarget, week: str, at: datetime) -> WeekCount:
        """Count one account's own publications of ``week`` and store the row; a refusal is stored too."""
        start, end = week_bounds(week)
        posts: int | None = None
        own: list[OwnPost] = []
        error: str | None = None
        try:
            if not target.network_id:
                raise Refused("числовой id сообщества не определён: удалите аккаунт из реестра и добавьте заново "
                              "по адресу сообщества")
            if target.network == "vk":
                posts, own = await count_vk(self._settings, int(target.network_id or 0), start, end, at)
            else:
                token = await asyncio.to_thread(self._token, target.account_id)
                if not token:
                    raise Refused("группа не подключена: нет ключа доступа группы (PUT /api/v1/accounts/{id}/token)")
                posts, own = await count_ok(self._settings, token, str(target.network_id), start, end, at)
        except Refused as exc:
            error = str(exc)
        except ApplicationError as exc:
            if not exc.non_retryable:
                raise  # Temporal retries; the workflow records the last fault if every attempt fails
            error = exc.message
        profile = None
        if target.network_id:  # item 8: the description, the main photo, the link on the body's site
            try:
                token = await asyncio.to_thread(self._token, target.account_id) if target.network == "ok" else None
            except Refused:
                token = None  # the count above has already said why
            site = await asyncio.to_thread(self._site_url, target.account_id)
            profile = await fetch_profile(self._settings, target, site, token)
        count = await asyncio.to_thread(self._store, target, week, posts, error, at, profile)
        if error is None:  # the posts were read: judge the week's planned publications against them
            await asyncio.to_thread(self._judge_plan, target, week, own, at)
        return count

    @activity.defn(name="record_account_fault")
    async def record_account_fault(self, target: AccountTarget, week: str, at: datetime, reason: str) -> WeekCount:
        """Every attempt failed (the network did not answer): the row says so."""
        return await asyncio.to_thread(self._store, target, week, None, reason[:2000], at)

    @activity.defn(name="report_account_week")
    async def report_account_week(self, week: str, at: datetime) -> int:
        """The body notices (below the threshold) and the ЦУР summary; returns how many events were new."""
        events = await asyncio.to_thread(self._events, week, at)
        if self._notify is None:
            raise ApplicationError("Уведомления недоступны: воркер запущен без клиента Temporal",
                                   type="NoNotifier", non_retryable=True)
        return await self._notify(NotificationEventBatch(events=events))


def account_activity_activities(engine: Engine, client: Any, settings: Settings) -> list[Any]:
    from activities.delivery import DeliveryActivities

    checks = AccountActivity(engine, settings, DeliveryActivities(engine, client, settings).notify_events)
    return [checks.list_official_accounts, checks.count_account_week, checks.record_account_fault,
            checks.report_account_week]
