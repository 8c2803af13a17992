"""VK API client (version 5.199) for activities: typed methods over ``httpx``, errors as Temporal errors.

Why not a library. ``vk-api`` (11.10.1) is synchronous (``requests``), hard-codes
``https://api.vk.ru/method/`` and spaces requests with a process-global ``time.sleep`` — it would block the
worker's event loop and cannot point at a test server. ``vkbottle`` (4.11.0) is async (aiohttp) and its
``API.API_URL`` can be overridden, but it retries on its own (``BlockingRequestRescheduler`` sleeps and
repeats until VK answers), which fights Temporal's retry policy and hides how long an activity really took,
logs request data at debug level, and pins ``aiofiles==24.1.0``, ``vbml``, ``colorama`` and a
``pydantic>=2.13.4`` floor for a handful of methods. So: ``httpx`` (already a dependency), one
``call`` that posts form data (the token travels in the body, never in a URL that a log line could
carry), a per-token rate limit (``ratelimit``: 3 requests/s with a user token, 20 with a community
token), and VK's error codes mapped to ``ApplicationError`` with ``non_retryable`` set:

* retryable: 1 unknown error, 6 too many requests, 9 flood control, 10 internal server error, HTTP 5xx,
  timeouts and connection errors — Temporal retries the activity with backoff;
* non-retryable: 5 authorization failed, 15 access denied, 100 bad parameter, 212 access to post comments
  denied, 213 no access to commenting (comments closed), 27 method unavailable with a community token, and
  every other code — each with a Russian reason.

Methods (dev.vk.com/ru/method/<name>; parameter shapes checked against VK's own schema as typed in
vk-io, negezor.github.io/vk-io/references/vk-io/interfaces/Params.WallCreateCommentParams.html):
``wall.get``, ``wall.getComments``, ``wall.getComment``, ``wall.createComment`` (``from_group``,
``reply_to_comment``, ``attachments``, ``guid`` — «unique identifier to avoid repeated comments"),
``wall.deleteComment``, ``groups.ban``, ``groups.getById`` (5.199 answers ``{"groups": [...],
"profiles": [...]}``), ``groups.getTokenPermissions``, ``utils.resolveScreenName`` and the photo upload
for comments: ``photos.getWallUploadServer`` → multipart POST of ``photo`` to ``upload_url`` →
``photos.saveWallPhoto`` → attachment ``photo{owner_id}_{id}``. Error codes: dev.vk.com/ru/reference/errors.

Discussion boards (VKCOM/vk-api-schema ``board/methods.json``): ``board.createComment`` (``group_id``,
``topic_id``, ``message``, ``attachments``, ``from_group`` 1/0, ``guid``; answers the new comment's id) is
open to **user** tokens only — a community token gets error 27 — so a body's board answers go out with the
token of one of the community's administrators or editors, ``from_group=1``; ``board.getComments``
(``group_id``, ``topic_id``, ``start_comment_id``, ``offset``, ``count`` ≤ 100, ``extended``, ``sort``) reads
with a user or a service token, as does ``board.getTopics`` (``group_id``, ``order``, ``offset``,
``count`` ≤ 100; monitoring); ``board.deleteComment`` (user or community token). Checking an
administrator's token: ``users.get`` (no ids: the token's own user), ``groups.getById`` with
``fields=is_admin,admin_level`` (2 editor, 3 administrator may write on behalf of the community) and
``account.getAppPermissions`` (the token's rights as a bit mask).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import httpx
from temporalio.exceptions import ApplicationError

from activities.networks.ratelimit import VK_COMMUNITY_RPS, VK_USER_RPS, window_for

API_VERSION = "5.199"
DEFAULT_BASE_URL = "https://api.vk.com/method/"
TokenKind = Literal["community", "user", "service"]

RETRYABLE_CODES = frozenset({1, 6, 9, 10})
VK_ERROR_REASONS: dict[int, str] = {
    1: "ВКонтакте: неизвестная ошибка, запрос будет повторён",
    5: "ВКонтакте: ключ доступа сообщества недействителен (авторизация не удалась) — подключите сообщество заново",
    6: "ВКонтакте: слишком много запросов в секунду, запрос будет повторён",
    9: "ВКонтакте: сработал контроль флуда, запрос будет повторён",
    10: "ВКонтакте: внутренняя ошибка сервера, запрос будет повторён",
    15: "ВКонтакте: доступ запрещён — у ключа нет нужных прав или сообщество закрыто",
    18: "ВКонтакте: страница удалена или заблокирована",
    27: "ВКонтакте: метод недоступен с ключом сообщества — нужен сервисный ключ приложения (OTKLIK_VK_SERVICE_TOKEN) "
        "или, для обсуждений, ключ администратора сообщества",
    100: "ВКонтакте: неверный параметр запроса",
    212: "ВКонтакте: доступ к комментариям записи запрещён",
    213: "ВКонтакте: комментарии к записи закрыты — ответ нужно опубликовать иначе",
}


class VkApiError(ApplicationError):
    """An ``error`` answer of the VK API. Raised inside activities as is: Temporal reads ``non_retryable``."""

    def __init__(self, code: int, method: str, message: str = "") -> None:
        reason = VK_ERROR_REASONS.get(code, f"ВКонтакте: ошибка {code}")
        super().__init__(f"{reason} ({method})", {"code": code, "method": method, "vk_message": message[:300]},
                         type=f"VkApiError{code}", non_retryable=code not in RETRYABLE_CODES)
        self.code = code
        self.method = method


class VkUnavailable(ApplicationError):
    """VK did not answer (timeout, connection, HTTP 5xx): retryable."""

    def __init__(self, method: str, what: str) -> None:
        super().__init__(f"ВКонтакте не ответил ({method}): {what}", type="VkUnavailable", non_retryable=False)
        self.method = method


@dataclass(frozen=True)
class Page:
    count: int
    items: list[dict[str, Any]]


@dataclass(frozen=True)
class BoardPage(Page):
    profiles: list[dict[str, Any]]


# dev.vk.com/ru/reference/access-rights: the user token's rights in ``account.getAppPermissions``' mask.
USER_SCOPE_BITS = {"photos": 4, "wall": 8192, "offline": 65536, "groups": 262144}


class VkClient:
    """One token's view of the VK API. ``base_url`` points at ``https://api.vk.com/method/`` or a test server."""

    def __init__(self, token: str, *, base_url: str = DEFAULT_BASE_URL, token_kind: TokenKind = "community",
                 timeout: float = 15.0, http: httpx.AsyncClient | None = None) -> None:
        self._token = token
        self._base = base_url if base_url.endswith("/") else base_url + "/"
        self._window = window_for(token, VK_USER_RPS if token_kind == "user" else VK_COMMUNITY_RPS)
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._owns_http = http is None

    def __repr__(self) -> str:  # never the token
        return f"<VkClient {self._base}>"

    async def __aenter__(self) -> VkClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    # ------------------------------------------------------------------ transport

    async def call(self, method: str, **params: Any) -> Any:
        data = {k: _wire(v) for k, v in params.items() if v is not None}
        data.update(access_token=self._token, v=API_VERSION)
        await self._window.acquire()
        try:
            resp = await self._http.post(self._base + method, data=data)
        except httpx.TimeoutException:
            raise VkUnavailable(method, "истекло время ожидания") from None
        except httpx.TransportError as exc:
            raise VkUnavailable(method, type(exc).__name__) from None
        if resp.status_code >= 500:
            raise VkUnavailable(method, f"HTTP {resp.status_code}")
        try:
            body = resp.json()
        except ValueError:
            raise VkUnavailable(method, f"ответ не JSON (HTTP {resp.status_code})") from None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            err = body["error"]
            raise VkApiError(int(err.get("error_code") or 0), method, str(err.get("error_msg") or ""))
        if not isinstance(body, dict) or "response" not in body:
            raise VkUnavailable(method, "ответ без поля response")
        return body["response"]

    # ------------------------------------------------------------------ wall

    async def wall_get(self, owner_id: int, *, count: int = 20, offset: int = 0) -> Page:
        r = await self.call("wall.get", owner_id=owner_id, count=count, offset=offset)
        return Page(count=int(r.get("count", 0)), items=list(r.get("items") or []))

    async def wall_get_comments(self, owner_id: int, post_id: int, *, count: int = 100, offset: int = 0,
                                comment_id: int | None = None, sort: str = "asc",
                                thread_items_count: int = 10) -> Page:
        r = await self.call("wall.getComments", owner_id=owner_id, post_id=post_id, count=count, offset=offset,
                            comment_id=comment_id, sort=sort,
                            thread_items_count=thread_items_count if comment_id is None else None)
        return Page(count=int(r.get("count", 0)), items=list(r.get("items") or []))

    async def wall_get_comment(self, owner_id: int, comment_id: int) -> dict[str, Any] | None:
        """The comment, or ``None`` when VK no longer has it (deleted)."""
        try:
            r = await self.call("wall.getComment", owner_id=owner_id, comment_id=comment_id)
        except VkApiError as exc:
            if exc.code in (100, 211):  # no such comment
                return None
            raise
        items = list(r.get("items") or [])
        if not items or items[0].get("deleted"):
            return None
        return dict(items[0])

    async def wall_create_comment(self, owner_id: int, post_id: int, message: str, *,
                                  from_group: int | None = None, reply_to_comment: int | None = None,
                                  attachments: list[str] | None = None, guid: str | None = None) -> int:
        r = await self.call("wall.createComment", owner_id=owner_id, post_id=post_id, message=message,
                            from_group=from_group, reply_to_comment=reply_to_comment,
                            attachments=",".join(attachments) if attachments else None, guid=guid)
        return int(r["comment_id"])

    async def wall_delete_comment(self, owner_id: int, comment_id: int) -> bool:
        return bool(await self.call("wall.deleteComment", owner_id=owner_id, comment_id=comment_id))

    # ------------------------------------------------------------------ discussion boards

    async def board_get_comments(self, group_id: int, topic_id: int, *, count: int = 100, offset: int = 0,
                                 start_comment_id: int | None = None, sort: str = "asc",
                                 extended: bool = False) -> BoardPage:
        r = await self.call("board.getComments", group_id=group_id, topic_id=topic_id, count=count, offset=offset,
                            start_comment_id=start_comment_id, sort=sort, extended=extended or None)
        return BoardPage(count=int(r.get("count", 0)), items=list(r.get("items") or []),
                         profiles=list(r.get("profiles") or []))

    async def board_get_topics(self, group_id: int, *, count: int = 40, offset: int = 0, order: int = 1) -> Page:
        """The community's topics; ``order=1`` — the recently updated first (where new comments are)."""
        r = await self.call("board.getTopics", group_id=group_id, count=count, offset=offset, order=order)
        return Page(count=int(r.get("count", 0)), items=list(r.get("items") or []))

    async def board_get_comment(self, group_id: int, topic_id: int, comment_id: int, *,
                                extended: bool = False) -> tuple[dict[str, Any] | None, BoardPage | None]:
        """One comment of a topic (``start_comment_id``, ``count=1``), or ``None`` when the topic has no such."""
        try:
            page = await self.board_get_comments(group_id, topic_id, count=1, start_comment_id=comment_id,
                                                 extended=extended)
        except VkApiError as exc:
            if exc.code == 100:  # no such topic
                return None, None
            raise
        found = next((dict(c) for c in page.items if int(c.get("id") or 0) == comment_id), None)
        return found, page

    async def board_create_comment(self, group_id: int, topic_id: int, message: str, *, from_group: bool = True,
                                   attachments: list[str] | None = None, guid: str | None = None) -> int:
        r = await self.call("board.createComment", group_id=group_id, topic_id=topic_id, message=message,
                            from_group=from_group, attachments=",".join(attachments) if attachments else None,
                            guid=guid)
        return int(r)

    async def board_delete_comment(self, group_id: int, topic_id: int, comment_id: int) -> bool:
        return bool(await self.call("board.deleteComment", group_id=group_id, topic_id=topic_id,
                                    comment_id=comment_id))

    # ------------------------------------------------------------------ users (an administrator's token)

    async def users_get(self) -> dict[str, Any]:
        """The token's own user (``users.get`` without ids)."""
        r = await self.call("users.get")
        if not isinstance(r, list) or not r:
            raise VkApiError(5, "users.get", "no user for this token")
        return dict(r[0])

    async def account_get_app_permissions(self) -> list[str]:
        """The user token's rights by name (``account.getAppPermissions``: a bit mask)."""
        mask = int(await self.call("account.getAppPermissions"))
        return sorted(name for name, bit in USER_SCOPE_BITS.items() if mask & bit)

    async def groups_admin_level(self, group_id: int) -> int:
        """0 — not a manager; 1 moderator, 2 editor, 3 administrator (``groups.getById`` with a user token)."""
        r = await self.call("groups.getById", group_id=group_id, fields="is_admin,admin_level")
        groups = r.get("groups") if isinstance(r, dict) else r
        g = (groups or [{}])[0]
        return int(g.get("admin_level") or 0) if g.get("is_admin") else 0

    # ------------------------------------------------------------------ groups, utils

    async def groups_ban(self, group_id: int, owner_id: int, *, end_date: int | None = None,
                         reason: int | None = None, comment: str | None = None,
                         comment_visible: bool | None = None) -> bool:
        return bool(await self.call("groups.ban", group_id=group_id, owner_id=owner_id, end_date=end_date,
                                    reason=reason, comment=comment, comment_visible=comment_visible))

    async def groups_get_by_id(self, group_id: int | str | None = None, *,
                               fields: str | None = None) -> list[dict[str, Any]]:
        """Communities by id or short name; with a community token and no id — the token's own community."""
        r = await self.call("groups.getById", group_id=group_id, fields=fields)
        groups = r.get("groups") if isinstance(r, dict) else r  # 5.199: {"groups": [...], "profiles": [...]}
        return list(groups or [])

    async def groups_get_token_permissions(self) -> list[str]:
        """The scopes of a community token (``groups.getTokenPermissions``)."""
        r = await self.call("groups.getTokenPermissions")
        return sorted(str(p.get("name")) for p in r.get("permissions") or [] if p.get("name"))

    async def utils_resolve_screen_name(self, screen_name: str) -> tuple[str, int] | None:
        """``("group", 123)`` / ``("user", 5)`` …, or ``None`` when the name is free."""
        r = await self.call("utils.resolveScreenName", screen_name=screen_name)
        if not isinstance(r, dict) or "object_id" not in r:
            return None
        return str(r.get("type")), int(r["object_id"])

    # ------------------------------------------------------------------ photos for comments

    async def upload_wall_photo(self, group_id: int, content: bytes, filename: str = "photo.jpg") -> str:
        """Upload one photo for a comment from the community; the attachment string ``photo{owner}_{id}``."""
        server = await self.call("photos.getWallUploadServer", group_id=group_id)
        try:
            resp = await self._http.post(str(server["upload_url"]), files={"photo": (filename, content)})
        except httpx.TimeoutException:
            raise VkUnavailable("photos.upload", "истекло время ожидания") from None
        except httpx.TransportError as exc:
            raise VkUnavailable("photos.upload", type(exc).__name__) from None
        if resp.status_code >= 500:
            raise VkUnavailable("photos.upload", f"HTTP {resp.status_code}")
        up = resp.json()
        if not up.get("photo") or up.get("photo") == "[]":
            raise VkApiError(100, "photos.upload", "фото не загружено")
        saved = await self.call("photos.saveWallPhoto", group_id=group_id, photo=up["photo"],
                                server=up["server"], hash=up["hash"])
        photo = saved[0]
        return f"photo{photo['owner_id']}_{photo['id']}"


def _wire(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)
