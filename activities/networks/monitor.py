"""Monitoring (P7): the communities ЦУР watches are read through the APIs; new posts and comments become candidates.

An account flagged ``monitored`` is polled by ``NetworkMonitorWorkflow`` (Temporal Schedule, every
``OTKLIK_MONITOR_INTERVAL_MINUTES``). Per community, the ``OTKLIK_MONITOR_RECENT_POSTS`` newest posts are
read (``wall.get`` / ``mediatopic.getTopics``) and the comments of each, threads included
(``wall.getComments`` with ``thread_items_count``, then ``comment_id`` for longer threads /
``discussions.getComments`` from the topic's anchor); a VK community's discussion boards too — the
recently updated topics (``board.getTopics``, ``order=1``) and their comments newest first
(``board.getComments``, ``sort=desc``) down to the topic's cursor. A board the service key may not read
(a closed community, boards switched off) is reported in ``PollResult.warning`` and does not fail the wall.
Every citizen's item goes through ``models.candidates.record_candidate`` with the canonical external id
(``domain.vk``, ``domain.ok``) — the community's own posts and answers are skipped — and only then does the
cursor move
(``models.networks``). Exactly once: a crash re-reads, an overlapping run records the same ids, and the
unique ``(network, external_id)`` makes both no-ops.

Token: VK — OTKLIK_VK_SERVICE_TOKEN, the app's service key (``wall.get`` answers error 27 to a community
token; a service key reads open communities' walls); OK — the group's own token. Faults are raised as the clients classify them: retryable ones are
retried by Temporal; a non-retryable one (token revoked, access denied) fails this community's poll
only — the workflow polls the others.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.networks.accounts import resolve_vk
from activities.networks.ok import OkClient, ok_time, topic_text
from activities.networks.vk import VkApiError, VkClient
from domain import ok as okid
from domain import vk as vkid
from domain.bounds import not_in_future
from domain.candidates import CandidateIn, CandidateKind, CandidateSource
from domain.messages import Author, Network
from domain.monitoring import MonitorTarget, MonitorTargets, PollResult
from models.candidates import record_candidate
from models.networks import advance_cursor, monitored_accounts, read_cursor
from models.registry import SocialAccount
from models.secrets import decrypt_token
from models.settings import Settings

log = logging.getLogger("otklik.monitor")

PAGE = 100


class NetworkMonitor:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings

    # ------------------------------------------------------------------ database (in threads)

    def _targets(self) -> MonitorTargets:
        with Session(self._engine) as s:
            return MonitorTargets(targets=[MonitorTarget(account_id=a.id or 0, network=Network(a.network), url=a.url)
                                           for a in monitored_accounts(s) if a.network in ("vk", "ok")])

    def _load(self, account_id: int) -> tuple[SocialAccount, str | None]:
        with Session(self._engine) as s:
            account = s.get(SocialAccount, account_id)
            if account is None:
                raise ApplicationError(f"Аккаунт №{account_id} удалён из реестра", type="AccountGone", non_retryable=True)
            token = (decrypt_token(account.token_cipher, self._settings.secret_key.get_secret_value(), account_id)
                     if account.token_cipher else None)
            s.expunge(account)
            return account, token

    def _set_network_id(self, account_id: int, network_id: str) -> None:
        with Session(self._engine) as s:
            account = s.get(SocialAccount, account_id)
            if account is not None and account.network_id is None:
                account.network_id = network_id
                s.add(account)
                s.commit()

    def _cursor(self, network: str, community: str, thread: str) -> tuple[int, str | None]:
        with Session(self._engine) as s:
            row = read_cursor(s, network, community, thread)
            return (row.last_id, row.anchor) if row else (0, None)

    def _record(self, items: list[CandidateIn], network: str, community: str, thread: str,
                last_id: int | None = None, anchor: str | None = None) -> int:
        """Record candidates, then move the cursor: the number that were new."""
        new = 0
        with Session(self._engine) as s:
            for item in items:
                _, created = record_candidate(s, item)
                new += int(created)
            if last_id is not None or anchor is not None:
                advance_cursor(s, network, community, thread, last_id=last_id, anchor=anchor)
        return new

    # ------------------------------------------------------------------ VK

    async def _vk_comments(self, vk: VkClient, owner: int, post: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = await vk.wall_get_comments(owner, post, count=PAGE, offset=offset, thread_items_count=10)
            for c in page.items:
                found.append(c)
                thread = c.get("thread") or {}
                replies = list(thread.get("items") or [])
                if int(thread.get("count") or 0) > len(replies):
                    replies, r_off = [], 0
                    while True:
                        sub = await vk.wall_get_comments(owner, post, comment_id=int(c["id"]), count=PAGE, offset=r_off)
                        replies.extend(sub.items)
                        r_off += len(sub.items)
                        if not sub.items or r_off >= sub.count:
                            break
                found.extend(replies)
            offset += len(page.items)
            if not page.items or offset >= page.count:
                return found

    async def _poll_vk(self, account: SocialAccount, token: str) -> PollResult:
        gid = int(account.network_id or 0)
        owner, community = -gid, str(gid)
        result = PollResult(account_id=account.id or 0)
        async with VkClient(token, base_url=self._settings.vk_api_url, token_kind="service") as vk:
            wall = await vk.wall_get(owner, count=self._settings.monitor_recent_posts)
            last, _ = await asyncio.to_thread(self._cursor, "vk", community, "wall")
            posts = [p for p in wall.items if p.get("post_type") != "postpone"]
            result.seen += len(posts)
            fresh = [x for p in posts if int(p["id"]) > last and p.get("from_id") != owner
                     and (x := _valid(self._vk_post, p, gid))]
            top = max([last, *(int(p["id"]) for p in posts)])
            result.posts = await asyncio.to_thread(self._record, fresh, "vk", community, "wall", last_id=top)
            for p in posts:
                if not int((p.get("comments") or {}).get("count") or 0):
                    continue
                thread = f"post:{p['id']}"
                c_last, _ = await asyncio.to_thread(self._cursor, "vk", community, thread)
                comments = [c for c in await self._vk_comments(vk, owner, int(p["id"])) if not c.get("deleted")]
                result.seen += len(comments)
                fresh = [x for c in comments if int(c["id"]) > c_last and c.get("from_id") != owner
                         and (x := _valid(self._vk_comment, c, owner, int(p["id"]), gid))]
                c_top = max([c_last, *(int(c["id"]) for c in comments)])
                result.comments += await asyncio.to_thread(self._record, fresh, "vk", community, thread, last_id=c_top)
            try:
                await self._poll_vk_boards(vk, gid, result)
            except VkApiError as exc:
                if not exc.non_retryable:
                    raise
                result.warning = f"Обсуждения сообщества {account.url} не прочитаны: {exc.message}"
                log.warning("monitoring: boards of %s skipped: %s", account.url, exc.message)
        return result

    async def _poll_vk_boards(self, vk: VkClient, gid: int, result: PollResult) -> None:
        owner, community = -gid, str(gid)
        topics = await vk.board_get_topics(gid, count=self._settings.monitor_recent_posts, order=1)
        for t in topics.items:
            tid, thread = int(t["id"]), f"topic:{t['id']}"
            last, _ = await asyncio.to_thread(self._cursor, "vk", community, thread)
            newer: list[dict[str, Any]] = []
            offset = 0
            while True:  # newest first, down to the cursor
                page = await vk.board_get_comments(gid, tid, count=PAGE, offset=offset, sort="desc")
                fresh_here = [c for c in page.items if int(c["id"]) > last]
                newer.extend(fresh_here)
                offset += len(page.items)
                if len(fresh_here) < len(page.items) or not page.items or offset >= page.count:
                    break
            result.seen += len(newer)
            fresh = [x for c in reversed(newer) if c.get("from_id") != owner
                     and (x := _valid(self._vk_board_comment, c, owner, tid, gid))]
            top = max([last, *(int(c["id"]) for c in newer)])
            result.comments += await asyncio.to_thread(self._record, fresh, "vk", community, thread, last_id=top)

    @staticmethod
    def _vk_board_comment(c: dict[str, Any], owner: int, topic: int, gid: int) -> CandidateIn:
        cid = int(c["id"])
        return _vk_reply(c, gid, external_id=vkid.board_external_id(owner, topic, cid), kind=CandidateKind.topic_comment,
                         url=f"https://vk.com/topic{owner}_{topic}?post={cid}", post=topic)

    @staticmethod
    def _vk_post(p: dict[str, Any], gid: int) -> CandidateIn:
        owner, pid = int(p["owner_id"]), int(p["id"])
        return CandidateIn(
            network=Network.vk, external_id=vkid.post_external_id(owner, pid), kind=CandidateKind.post,
            source=CandidateSource.vk_poll, url=f"https://vk.com/wall{owner}_{pid}", post_id=str(pid),
            community_id=str(gid), author=_vk_author(int(p["from_id"])), text=str(p.get("text") or "")[:20000],
            attachments=vkid.attachments(list(p.get("attachments") or [])),
            posted_at=datetime.fromtimestamp(int(p["date"]), UTC), raw_payload=json.dumps(p, ensure_ascii=False))

    @staticmethod
    def _vk_comment(c: dict[str, Any], owner: int, post: int, gid: int) -> CandidateIn:
        cid = int(c["id"])
        return _vk_reply(c, gid, external_id=vkid.comment_external_id(owner, post, cid), kind=CandidateKind.comment,
                         url=f"https://vk.com/wall{owner}_{post}?reply={cid}", post=post)

    # ------------------------------------------------------------------ OK

    async def _poll_ok(self, account: SocialAccount, token: str) -> PollResult:
        gid = str(account.network_id)
        s = self._settings
        result = PollResult(account_id=account.id or 0)
        async with OkClient(token, application_key=s.ok_application_key, base_url=s.ok_api_url,
                            application_secret_key=s.ok_application_secret_key.get_secret_value()) as ok:
            topics = (await ok.group_topics(gid, count=s.monitor_recent_posts)).items
            result.seen += len(topics)
            last, _ = await asyncio.to_thread(self._cursor, "ok", gid, "wall")
            own = f"group:{gid}"
            fresh = [x for t in topics if int(t["id"]) > last and t.get("author_ref") != own
                     and (x := _valid(self._ok_topic, t, gid))]
            top = max([last, *(int(t["id"]) for t in topics)])
            result.posts = await asyncio.to_thread(self._record, fresh, "ok", gid, "wall", last_id=top)
            for t in topics:
                thread = f"topic:{t['id']}"
                _, anchor = await asyncio.to_thread(self._cursor, "ok", gid, thread)
                while True:
                    page = await ok.topic_comments(str(t["id"]), count=PAGE, anchor=anchor)
                    result.seen += len(page.items)
                    fresh = [x for c in page.items
                             if c.get("author_type") != "GROUP" and (x := _valid(self._ok_comment, c, gid, str(t["id"])))]
                    anchor = page.anchor or anchor
                    result.comments += await asyncio.to_thread(self._record, fresh, "ok", gid, thread, anchor=anchor)
                    if not page.has_more or not page.items:
                        break
        return result

    @staticmethod
    def _ok_topic(t: dict[str, Any], gid: str) -> CandidateIn:
        tid = str(t["id"])
        author = str(t.get("author_ref") or "").removeprefix("user:")
        return CandidateIn(
            network=Network.ok, external_id=okid.topic_external_id(gid, tid), kind=CandidateKind.post,
            source=CandidateSource.ok_poll, url=okid.topic_url(gid, tid), post_id=tid, community_id=gid,
            author=Author(id=author or "unknown", name="", profile_url=f"https://ok.ru/profile/{author}" if author else None),
            text=topic_text(t)[:20000], posted_at=datetime.fromtimestamp(int(t["created_ms"]) / 1000, UTC),
            raw_payload=json.dumps(t, ensure_ascii=False))

    @staticmethod
    def _ok_comment(c: dict[str, Any], gid: str, tid: str) -> CandidateIn:
        cid, author = str(c["id"]), str(c.get("author_id") or "unknown")
        return CandidateIn(
            network=Network.ok, external_id=okid.comment_external_id(gid, tid, cid), kind=CandidateKind.topic_comment,
            source=CandidateSource.ok_poll, url=okid.comment_url(gid, tid, cid), post_id=tid, comment_id=cid,
            community_id=gid, author=Author(id=author, name="", profile_url=f"https://ok.ru/profile/{author}"),
            text=str(c.get("text") or "")[:20000], posted_at=ok_time(str(c["date"])) if c.get("date") else None,
            raw_payload=json.dumps(c, ensure_ascii=False))

    # ------------------------------------------------------------------ activities

    @activity.defn(name="list_monitored_accounts")
    async def list_monitored_accounts(self) -> MonitorTargets:
        return await asyncio.to_thread(self._targets)

    @activity.defn(name="poll_community")
    async def poll_community(self, target: MonitorTarget) -> PollResult:
        account, token = await asyncio.to_thread(self._load, target.account_id)
        if account.network == "vk":
            # wall.get is unavailable with a community token (VK error 27): read with the service key.
            service = self._settings.vk_service_token.get_secret_value()
            if not service:
                raise ApplicationError("Не задан сервисный ключ приложения ВКонтакте (OTKLIK_VK_SERVICE_TOKEN): "
                                       f"стену сообщества {account.url} читать нечем", type="NoToken",
                                       non_retryable=True)
            if account.network_id is None:
                resolved = await resolve_vk(self._settings, account.url)
                await asyncio.to_thread(self._set_network_id, target.account_id, resolved.network_id)
                account.network_id = resolved.network_id
            return await self._poll_vk(account, service)
        if not token or account.network_id is None:
            raise ApplicationError(f"Группа {account.url} не подключена (нет ключа или id группы)", type="NoToken",
                                   non_retryable=True)
        return await self._poll_ok(account, token)


def _valid(build: Callable[..., CandidateIn], *args: Any) -> CandidateIn | None:
    """One network item as a candidate, or None (logged) when it breaks the bounds (a year outside 2000–2100,
    a non-http link): one bad item never stalls the community's cursor. A publication time in the future
    (beyond the clock skew) is dropped from the candidate, which is kept."""
    try:
        cand = build(*args)
    except (ValidationError, ValueError, OverflowError, OSError, KeyError, TypeError) as exc:
        log.warning("monitoring: item %s refused: %s", str(args[0].get("id") if args and isinstance(args[0], dict)
                                                            else "?"), str(exc).splitlines()[0][:300])
        return None
    if not_in_future(cand.posted_at, datetime.now(UTC), "posted_at"):
        log.warning("monitoring: %s has a publication time in the future (%s): dropped", cand.external_id,
                    cand.posted_at)
        cand = cand.model_copy(update={"posted_at": None})
    return cand


def _vk_reply(c: dict[str, Any], gid: int, *, external_id: str, kind: CandidateKind, url: str,
              post: int) -> CandidateIn:
    """A comment under a wall post or in a board topic as a candidate (its reply thread is not kept)."""
    return CandidateIn(
        network=Network.vk, external_id=external_id, kind=kind, source=CandidateSource.vk_poll, url=url,
        post_id=str(post), comment_id=str(int(c["id"])), community_id=str(gid), author=_vk_author(int(c["from_id"])),
        text=str(c.get("text") or "")[:20000], attachments=vkid.attachments(list(c.get("attachments") or [])),
        posted_at=datetime.fromtimestamp(int(c["date"]), UTC),
        raw_payload=json.dumps({k: v for k, v in c.items() if k != "thread"}, ensure_ascii=False))


def _vk_author(from_id: int) -> Author:
    return Author(id=str(from_id), name="", profile_url=vkid.profile_url(from_id))


def monitor_activities(engine: Engine, settings: Settings) -> list[Any]:
    mon = NetworkMonitor(engine, settings)
    return [mon.list_monitored_accounts, mon.poll_community]
