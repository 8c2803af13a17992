"""P9 automatic publication and link verification through the networks' APIs.

* ``publish_answer(PublishRequest) -> PublishResult`` — when the publishing body's account in the
  message's network is flagged ``auto_publish`` and connected (a stored community token), the approved
  answer is posted as a reply in the message's own thread — to the comment when the message is a comment —
  on behalf of the community, with its photos (uploaded through ``photos.getWallUploadServer`` /
  ``photos.saveWallPhoto``), then read back with ``wall.getComment``: ``published`` with the comment's
  link and VK's own ``date``. Never twice: the ``guid`` is derived from workflow id + draft id
  (``domain.publication.publish_guid``), and a retried attempt first looks for the community's comment
  with the same text in that thread and adopts it. Network faults (6, 9, 10, timeouts) are raised as
  retryable ``ApplicationError`` (Temporal retries); a refusal that no retry can fix (comments closed
  212/213, token revoked 5, no rights 15, bad parameter 100) becomes ``manual`` with its Russian reason —
  the executor publishes and confirms as without a connected account. No account → ``manual``; flagged
  but without a token → ``not_connected``. A VK discussion topic is answered with the community
  administrator's user token (``activities.networks.board``); without one → ``not_connected``.
* ``verify_publication(VerifyRequest) -> VerifyResult`` — an executor's link: same network, same post or
  topic, names a comment; when the body's account is connected, the comment is read through the API
  (existence, author, the network's time): only then ``verified``.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.networks.board import not_here, publish_to_topic, read_topic_comment
from activities.networks.ok import OkApiError, OkClient, ok_time
from activities.networks.vk import VkApiError, VkClient, VkUnavailable
from domain.messages import NETWORK_TITLES, Network, PublishRequest, PublishResult
from domain.ok import comment_url as ok_comment_url
from domain.publication import Thread, VerifyRequest, VerifyResult, compare_links, publish_guid, thread_of
from models.networks import publishing_account
from models.registry import SocialAccount
from models.secrets import decrypt_token
from models.settings import Settings

SCAN_COUNT = 100
OK_SCAN_PAGES = 20  # a retried OK attempt reads at most 2,000 comments of the topic looking for its own


def vk_comment_url(owner_id: int, post_id: int, comment_id: int, thread: int | None = None) -> str:
    base = f"https://vk.com/wall{owner_id}_{post_id}?reply={comment_id}"
    return base + (f"&thread={thread}" if thread else "")


class NetworkPublisher:
    def __init__(self, engine: Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings

    # ------------------------------------------------------------------ accounts

    def _account(self, body: str, network: Network) -> tuple[SocialAccount | None, str | None, str | None]:
        """The body's publishing account, its community token and its administrator's user token (VK boards)."""
        key = self._settings.secret_key.get_secret_value()
        with Session(self._engine) as session:
            account = publishing_account(session, body, network.value)
            if account is None:
                return None, None, None
            token = decrypt_token(account.token_cipher, key, account.id or 0) if account.token_cipher else None
            admin = decrypt_token(account.admin_token_cipher, key, account.id or 0, "admin") \
                if account.admin_token_cipher else None
            session.expunge(account)
            return account, token, admin

    async def _photos(self, vk: VkClient, group_id: int, req: PublishRequest) -> list[str]:
        out: list[str] = []
        photos = [a for a in req.attachments if a.kind == "photo"]
        if not photos:
            return out
        async with httpx.AsyncClient(timeout=30, follow_redirects=True) as http:
            for a in photos:
                try:
                    resp = await http.get(a.url)
                except httpx.HTTPError as exc:
                    raise ApplicationError(f"Фото ответа недоступно ({a.url}): {type(exc).__name__}",
                                           type="AttachmentUnavailable") from None
                if resp.status_code != 200:
                    raise ApplicationError(f"Фото ответа недоступно ({a.url}): HTTP {resp.status_code}",
                                           type="AttachmentUnavailable", non_retryable=resp.status_code == 404)
                out.append(await vk.upload_wall_photo(group_id, resp.content, a.url.rsplit("/", 1)[-1] or "photo.jpg"))
        return out

    # ------------------------------------------------------------------ VK

    async def _already_posted(self, vk: VkClient, owner: int, post: int, from_id: int, text: str,
                              reply_to: int | None) -> dict[str, Any] | None:
        """A retried attempt: the community's comment with this text already in the thread (guid aside)."""
        pages = [await vk.wall_get_comments(owner, post, count=SCAN_COUNT, sort="desc", thread_items_count=0)]
        if reply_to is not None:
            pages.append(await vk.wall_get_comments(owner, post, comment_id=reply_to, count=SCAN_COUNT, sort="desc"))
        for page in pages:
            for c in page.items:
                if c.get("from_id") == from_id and (c.get("text") or "") == text:
                    return c
        return None

    def _readers(self, token: str | None, kind: str = "community") -> list[tuple[str, str]]:
        """Tokens to read with: the account's own, then the app's service key (some reads refuse group auth)."""
        service = self._settings.vk_service_token.get_secret_value()
        return [*([(token, kind)] if token else []), *([(service, "service")] if service else [])]

    async def _read(self, token: str | None, read: Any, kind: str = "community") -> Any:
        """``read(client)`` with the first token VK accepts for it; a refusal after them all is re-raised."""
        last: VkApiError | None = None
        for key, key_kind in self._readers(token, kind):
            async with VkClient(key, base_url=self._settings.vk_api_url, token_kind=key_kind) as vk:  # type: ignore[arg-type]
                try:
                    return await read(vk)
                except VkApiError as exc:
                    if not exc.non_retryable:
                        raise
                    last = exc
        if last is None:  # neither the account's own token nor the app's service key
            raise VkApiError(15, "read", "no token to read with")
        raise last

    async def _publish_vk(self, req: PublishRequest, account: SocialAccount, token: str) -> PublishResult:
        thread = thread_of(req.reply_to_url)
        if thread is None or thread.kind != "wall":
            return PublishResult(status="not_connected", detail="Адрес сообщения ВКонтакте не распознан: "
                                 "исполнитель публикует ответ сам и подтверждает ссылкой.")
        owner, post = int(thread.owner), int(thread.post)
        reply_to = int(thread.comment) if thread.comment else None
        group_id = int(account.network_id or 0)
        found = None
        if activity.info().attempt > 1:
            try:
                found = await self._read(token, lambda vk: self._already_posted(
                    vk, owner, post, -group_id, req.text, reply_to))
            except VkApiError as exc:
                if exc.code not in (15, 27):  # cannot read the thread: the guid alone prevents a double
                    raise
        if found is None:
            async with VkClient(token, base_url=self._settings.vk_api_url) as vk:
                attachments = await self._photos(vk, group_id, req)
                comment_id = await vk.wall_create_comment(owner, post, req.text, from_group=group_id,
                                                          reply_to_comment=reply_to, attachments=attachments,
                                                          guid=publish_guid(req.workflow_id, req.draft_id))
        else:
            comment_id = int(found["id"])
        # From here on the answer IS published: a refusal to read it back never turns into "manual".
        try:
            stored = await self._read(token, lambda vk: vk.wall_get_comment(owner, comment_id))
        except VkApiError as exc:
            if not exc.non_retryable:
                raise
            return PublishResult(status="published", url=vk_comment_url(owner, post, comment_id, reply_to),
                                 verified=False, detail=f"Ответ опубликован, но прочитать его не удалось: {exc.message}")
        if stored is None:
            raise ApplicationError("ВКонтакте не показывает только что опубликованный комментарий; проверка "
                                   "будет повторена", type="VkNotVisible")
        parent = (stored.get("parents_stack") or [None])[0]
        return PublishResult(status="published", url=vk_comment_url(owner, post, comment_id, parent),
                             published_at=datetime.fromtimestamp(int(stored["date"]), UTC),
                             verified=stored.get("from_id") == -group_id,
                             detail=f"Ответ опубликован от имени сообщества {account.name or account.url}")

    # ------------------------------------------------------------------ OK

    def _ok(self, token: str) -> OkClient:
        s = self._settings
        return OkClient(token, application_key=s.ok_application_key, reply_method=s.ok_reply_method,
                        application_secret_key=s.ok_application_secret_key.get_secret_value(), base_url=s.ok_api_url)

    @staticmethod
    async def _ok_already_posted(ok: OkClient, topic: str, text: str, reply_to: str | None) -> str | None:
        """A retried attempt: the group's comment with this text already in the discussion (uuid aside)."""
        anchor: str | None = None
        for _ in range(OK_SCAN_PAGES):
            page = await ok.topic_comments(topic, count=SCAN_COUNT, anchor=anchor)
            for c in page.items:
                if c.get("author_type") == "GROUP" and (c.get("text") or "") == text \
                        and (reply_to is None or str(c.get("reply_to_comment_id") or "") == reply_to):
                    return str(c["id"])
            if not page.has_more:
                break
            anchor = page.anchor
        return None

    async def _publish_ok(self, req: PublishRequest, account: SocialAccount, token: str) -> PublishResult:
        thread = thread_of(req.reply_to_url)
        if thread is None or thread.kind != "ok_topic":
            return PublishResult(status="not_connected", detail="Адрес сообщения в Одноклассниках не распознан: "
                                 "исполнитель публикует ответ сам и подтверждает ссылкой.")
        async with self._ok(token) as ok:
            found = await self._ok_already_posted(ok, thread.post, req.text, thread.comment) \
                if activity.info().attempt > 1 else None
            cid = found or await ok.reply(thread.post, req.text, reply_to_comment_id=thread.comment,
                                          uuid=publish_guid(req.workflow_id, req.draft_id))
            stored = await ok.topic_comment(thread.post, cid)
        if stored is None:
            raise ApplicationError("Одноклассники не показывают опубликованный комментарий; проверка будет "
                                   "повторена", type="OkNotVisible")
        return PublishResult(status="published", url=ok_comment_url(thread.owner, thread.post, cid),
                             published_at=ok_time(str(stored["date"])), verified=stored.get("author_type") == "GROUP",
                             detail=f"Ответ опубликован от имени группы {account.name or account.url}")

    # ------------------------------------------------------------------ activities

    @activity.defn(name="publish_answer")
    async def publish_answer(self, req: PublishRequest) -> PublishResult:
        network = NETWORK_TITLES[req.network]
        account, token, admin = await asyncio.to_thread(self._account, req.body, req.network)
        if account is None:
            return PublishResult(status="manual", detail=f"Аккаунт органа {req.body} в сети «{network}» не подключён "
                                 "к автоматической публикации: исполнитель публикует ответ сам и подтверждает ссылкой.")
        thread = thread_of(req.reply_to_url) if req.network == Network.vk else None
        if thread is not None and thread.kind == "topic":
            return await self._publish_vk_topic(req, account, admin, thread)
        if token is None or req.network not in (Network.vk, Network.ok):
            return PublishResult(status="not_connected", detail=f"Аккаунт {account.url} отмечен для автоматической "
                                 "публикации, но ключ доступа сообщества не подключён: ответ автоматически НЕ "
                                 "опубликован. Исполнитель публикует его сам и подтверждает ссылкой.")
        try:
            if req.network == Network.vk:
                return await self._publish_vk(req, account, token)
            return await self._publish_ok(req, account, token)
        except (VkApiError, OkApiError) as exc:
            return _refused(exc)

    async def _publish_vk_topic(self, req: PublishRequest, account: SocialAccount, admin: str | None,
                                thread: Thread) -> PublishResult:
        if admin is None:
            return PublishResult(status="not_connected", detail=f"Для ответов в обсуждениях ВКонтакте у аккаунта "
                                 f"{account.url} не подключён ключ администратора сообщества: ответ автоматически НЕ "
                                 "опубликован. Исполнитель публикует его сам и подтверждает ссылкой.")
        elsewhere = not_here(thread, account)
        if elsewhere is not None:
            return elsewhere
        try:
            async with VkClient(admin, base_url=self._settings.vk_api_url, token_kind="user") as vk:
                return await publish_to_topic(req, account, thread, vk, self._photos)
        except VkApiError as exc:
            return _refused(exc)

    @activity.defn(name="verify_publication")
    async def verify_publication(self, req: VerifyRequest) -> VerifyResult:
        link = compare_links(req.network, req.message_url, req.published_url)
        result = VerifyResult(same_network=link.same_network, same_thread=link.same_thread, reason=link.reason)
        if link.reason or link.published is None or link.published.comment is None:
            return result
        account, token, admin = await asyncio.to_thread(self._account, req.body, req.network)
        pub = link.published
        if pub.kind == "topic":
            token = admin or self._settings.vk_service_token.get_secret_value() or None
        if token is None or account is None:
            result.reason = "Аккаунт органа не подключён: время публикации по ссылке не проверено через API"
            return result
        try:
            if pub.kind == "topic":
                stored = await self._read(admin, lambda vk: read_topic_comment(
                    vk, int(pub.owner), int(pub.post), int(pub.comment or 0)), kind="user")
                at = datetime.fromtimestamp(int(stored["date"]), UTC) if stored else None
                own = stored.get("from_id") == int(pub.owner) if stored else None
            elif req.network == Network.vk:
                stored = await self._read(token, lambda vk: vk.wall_get_comment(
                    int(pub.owner), int(pub.comment or 0)))
                if stored is not None and int(stored.get("post_id") or 0) != int(pub.post):
                    stored = None
                at = datetime.fromtimestamp(int(stored["date"]), UTC) if stored else None
                own = stored.get("from_id") == -int(account.network_id or 0) if stored else None
            else:
                async with self._ok(token) as ok:
                    stored = await ok.topic_comment(pub.post, pub.comment or "")
                at = ok_time(str(stored["date"])) if stored else None
                own = stored.get("author_type") == "GROUP" if stored else None
        except (VkApiError, OkApiError, VkUnavailable) as exc:
            if not exc.non_retryable:
                raise
            result.reason = f"{exc.message}: комментарий по ссылке не прочитан"
            return result
        result.checked_via_api, result.exists, result.from_community, result.published_at = True, stored is not None, own, at
        if stored is None:
            result.reason = "Комментария по этой ссылке нет (удалён или не опубликован)"
        elif req.not_before is not None and at is not None and at < req.not_before:
            result.reason = "Комментарий по ссылке написан раньше самого сообщения: это не ответ на него"
        else:
            result.verified = True
        return result


def _refused(exc: VkApiError | OkApiError) -> PublishResult:
    """A refusal no retry can fix becomes the executor's publication; a fault is retried by Temporal."""
    if not exc.non_retryable:
        raise exc
    return PublishResult(status="manual", refused=True, detail=f"{exc.message}. Ответ автоматически не опубликован: "
                         "исполнитель публикует его сам и подтверждает ссылкой.")


def network_activities(engine: Engine, settings: Settings) -> list[Any]:
    """``publish_answer`` and ``verify_publication`` (register instead of activities.messages' publish_answer)."""
    pub = NetworkPublisher(engine, settings)
    return [pub.publish_answer, pub.verify_publication]
