"""Odnoklassniki REST API client for activities (``httpx``), signed as OK documents it.

Transport and signature — apiok.ru/dev/methods («Список REST-методов», «Расчет подписи запроса»): every
method is served at ``{api_server}fb.do?method=<name>`` (default ``https://api.ok.ru/``); common
parameters ``application_key``, ``format=json``, ``access_token``, ``sig``. For a call in a session:
``secret = md5(access_token + application_secret_key)`` in lower case; drop ``access_token`` (and
``session_key``) from the parameters; sort the rest by key; join as ``key=value`` with no separator;
``sig = md5(joined + secret)`` in lower case. Errors come as ``{"error_code", "error_msg"}``.

Methods used (names as OK lists them; apiok.ru/dev/methods/rest/<group>/<name>):

* ``url.getInfo`` (apiok.ru/en/dev/methods/rest/url/url.getInfo) — a group's numeric id from its address;
* ``group.getInfo`` (``uids``, ``fields``) — the group's name;
* ``mediatopic.getTopics`` (``gid``, ``count``, ``anchor``) — a group's topics, newest first; the answer
  ``media_topics[]`` carries ``id``, ``created_ms``, ``author_ref`` and ``media[]`` (``type: text``);
  ``mediatopic.getByIds`` (``topic_ids``, ``fields``) reads given topics;
* ``discussions.getComments`` (apiok.ru/dev/methods/rest/discussions/discussions.getComments;
  ``discussionId``, ``discussionType=GROUP_TOPIC``, ``count``, ``anchor``, ``direction``) — comments of a
  topic's discussion, ``comments[]`` with ``id``, ``text``, ``author_id``, ``date`` («yyyy-MM-dd HH:mm:ss»,
  Moscow time), ``reply_to_comment_id``;
* ``discussions.getComment`` (``discussionId``, ``discussionType``, ``commentId``) — one comment (verification);
* replying in a discussion: ``discussions.comment`` (``discussionId``, ``discussionType``, ``text``,
  ``as_admin``, ``reply_to_comment_id``, ``uuid``) → ``{"comment_id"}``. The stored OK documentation
  available while writing this lists the read methods above but not a comment-writing page: the name
  and parameters of this one call must be confirmed against apiok.ru before the first production use.
  Until then it is a setting (``OTKLIK_OK_REPLY_METHOD``), and nothing is lost when it is wrong: OK answers
  3 METHOD (or 100 PARAM), which is not retried — the executor publishes and confirms with a link — and a
  retried attempt looks for the group's comment with the same text before writing, so a ``uuid`` OK
  might ignore cannot make a second answer.

Error classes: 1 UNKNOWN, 2 SERVICE, 8 FLOOD_BLOCKED, 11 LIMIT_REACHED — retryable; 3 METHOD, 10 PERMISSION_DENIED,
100 PARAM, 102 PARAM_SESSION_EXPIRED, 103 PARAM_SESSION_KEY, 104 PARAM_SIGNATURE, 300 NOT_FOUND and the
rest — not retryable, each with a Russian reason.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from temporalio.exceptions import ApplicationError

from activities.networks.ratelimit import OK_RPS, window_for

DEFAULT_BASE_URL = "https://api.ok.ru/"
REPLY_METHOD = "discussions.comment"
GROUP_TOPIC = "GROUP_TOPIC"
MSK = ZoneInfo("Europe/Moscow")
RETRYABLE_CODES = frozenset({1, 2, 8, 11})
OK_ERROR_REASONS: dict[int, str] = {
    1: "Одноклассники: неизвестная ошибка, запрос будет повторён",
    2: "Одноклассники: сервис временно недоступен, запрос будет повторён",
    3: "Одноклассники: такого метода нет — проверьте название метода ответа (OTKLIK_OK_REPLY_METHOD)",
    8: "Одноклассники: слишком частые запросы, запрос будет повторён",
    10: "Одноклассники: нет прав на это действие — проверьте права приложения и ключа группы",
    11: "Одноклассники: исчерпан лимит запросов, запрос будет повторён",
    100: "Одноклассники: неверный параметр запроса",
    102: "Одноклассники: срок действия ключа доступа истёк — подключите группу заново",
    103: "Одноклассники: ключ доступа недействителен — подключите группу заново",
    104: "Одноклассники: неверная подпись запроса (проверьте секретный ключ приложения)",
    300: "Одноклассники: объект не найден",
}


def signature(params: dict[str, str], access_token: str, application_secret_key: str) -> str:
    """OK's ``sig`` for a call in a session (see the module docstring)."""
    secret = hashlib.md5((access_token + application_secret_key).encode()).hexdigest().lower()
    joined = "".join(f"{k}={params[k]}" for k in sorted(params) if k not in ("access_token", "session_key", "sig"))
    return hashlib.md5((joined + secret).encode()).hexdigest().lower()


class OkApiError(ApplicationError):
    def __init__(self, code: int, method: str, message: str = "") -> None:
        reason = OK_ERROR_REASONS.get(code, f"Одноклассники: ошибка {code}")
        super().__init__(f"{reason} ({method})", {"code": code, "method": method, "ok_message": message[:300]},
                         type=f"OkApiError{code}", non_retryable=code not in RETRYABLE_CODES)
        self.code = code


class OkUnavailable(ApplicationError):
    def __init__(self, method: str, what: str) -> None:
        super().__init__(f"Одноклассники не ответили ({method}): {what}", type="OkUnavailable", non_retryable=False)


@dataclass(frozen=True)
class OkPage:
    items: list[dict[str, Any]]
    anchor: str | None
    has_more: bool


def ok_time(value: str) -> datetime:
    """OK's «yyyy-MM-dd HH:mm:ss» (Moscow time) as an aware datetime."""
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=MSK)


class OkClient:
    def __init__(self, access_token: str, *, application_key: str, application_secret_key: str,
                 base_url: str = DEFAULT_BASE_URL, timeout: float = 15.0, http: httpx.AsyncClient | None = None,
                 reply_method: str = REPLY_METHOD) -> None:
        self._token = access_token
        self._reply_method = reply_method
        self._app_key = application_key
        self._app_secret = application_secret_key
        self._base = base_url if base_url.endswith("/") else base_url + "/"
        self._window = window_for(access_token, OK_RPS)
        self._http = http or httpx.AsyncClient(timeout=timeout)
        self._owns_http = http is None

    def __repr__(self) -> str:
        return f"<OkClient {self._base}>"

    async def __aenter__(self) -> OkClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def call(self, method: str, **params: Any) -> Any:
        data = {k: (("true" if v else "false") if isinstance(v, bool) else str(v))
                for k, v in params.items() if v is not None}
        data.update(method=method, application_key=self._app_key, format="json")
        data["sig"] = signature(data, self._token, self._app_secret)
        data["access_token"] = self._token
        await self._window.acquire()
        try:
            resp = await self._http.post(self._base + "fb.do", data=data)
        except httpx.TimeoutException:
            raise OkUnavailable(method, "истекло время ожидания") from None
        except httpx.TransportError as exc:
            raise OkUnavailable(method, type(exc).__name__) from None
        if resp.status_code >= 500:
            raise OkUnavailable(method, f"HTTP {resp.status_code}")
        try:
            body = resp.json()
        except ValueError:
            raise OkUnavailable(method, f"ответ не JSON (HTTP {resp.status_code})") from None
        if isinstance(body, dict) and "error_code" in body:
            raise OkApiError(int(body["error_code"]), method, str(body.get("error_msg") or ""))
        return body

    async def resolve_group(self, url: str) -> str | None:
        r = await self.call("url.getInfo", url=url)
        return str(r["objectId"]) if isinstance(r, dict) and r.get("type") == "GROUP" else None

    async def group_info(self, gid: str, fields: str = "uid,name,shortname") -> dict[str, Any] | None:
        r = await self.call("group.getInfo", uids=gid, fields=fields)
        groups = r if isinstance(r, list) else (r.get("groups") or [])
        return dict(groups[0]) if groups else None

    async def group_topics(self, gid: str, *, count: int = 20, anchor: str | None = None) -> OkPage:
        r = await self.call("mediatopic.getTopics", gid=gid, count=count, anchor=anchor)
        return OkPage(list(r.get("media_topics") or []), r.get("anchor"), bool(r.get("has_more")))

    async def topic_comments(self, topic_id: str, *, count: int = 100, anchor: str | None = None) -> OkPage:
        r = await self.call("discussions.getComments", discussionId=topic_id, discussionType=GROUP_TOPIC,
                            count=count, anchor=anchor, direction="FORWARD" if anchor else None)
        return OkPage(list(r.get("comments") or []), r.get("anchor"), bool(r.get("has_more")))

    async def topic_comment(self, topic_id: str, comment_id: str) -> dict[str, Any] | None:
        try:
            r = await self.call("discussions.getComment", discussionId=topic_id, discussionType=GROUP_TOPIC,
                                commentId=comment_id)
        except OkApiError as exc:
            if exc.code == 300:
                return None
            raise
        return dict(r) if isinstance(r, dict) and r.get("id") else None

    async def reply(self, topic_id: str, text: str, *, reply_to_comment_id: str | None = None,
                    uuid: str | None = None) -> str:
        """Reply in the topic's discussion on behalf of the group (``as_admin``); the new comment's id."""
        r = await self.call(self._reply_method, discussionId=topic_id, discussionType=GROUP_TOPIC, text=text,
                            as_admin=True, reply_to_comment_id=reply_to_comment_id, uuid=uuid)
        return str(r["comment_id"])


def topic_text(topic: dict[str, Any]) -> str:
    return "\n".join(str(m.get("text") or "") for m in topic.get("media") or [] if m.get("type") == "text").strip()
