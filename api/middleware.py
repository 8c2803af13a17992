"""The front door: what every request meets before a route (a pure ASGI middleware, outermost).

* **Body size** — limited per route while the body is read, before authentication or parsing: the
  VK callback (unauthenticated) gets a small limit, ``/codec`` a large one (whole histories), everything
  else ``OTKLIK_MAX_BODY_BYTES``. A declared ``Content-Length`` over the limit is refused without reading;
  a chunked body is read only up to the limit. Answer: 413 with a Russian text.
* **Failed authentication** — every 401 is counted per client address (the address uvicorn reports;
  behind a proxy it takes ``X-Forwarded-For`` from ``--forwarded-allow-ips``). More than
  ``OTKLIK_AUTH_FAILURES_PER_MINUTE`` failures in a minute block the address until the oldest one is a
  minute old: 429 with ``Retry-After``. Each failure and each block is logged (``otklik.security``).
* **Headers** on every response: ``Cache-Control: no-store``, ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: no-referrer``.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import FastAPI

from models.settings import Settings

log = logging.getLogger("otklik.security")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SECURITY_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
]
VK_CALLBACK = "/api/v1/integrations/vk/callback"
CODEC_PREFIX = "/codec/"
CODEC_MAX_BODY = 8 * 1_048_576  # a page of a long history, base64
WINDOW = 60.0  # seconds over which failed authentications are counted
UNLIMITED_PATHS = ("/healthz", "/readyz")
MAX_TRACKED = 10_000  # client addresses remembered at most (oldest forgotten first)


def body_limit(settings: Settings, path: str) -> int:
    if path == VK_CALLBACK or path == VK_CALLBACK + "/":
        return settings.vk_callback_max_body_bytes
    if path.startswith(CODEC_PREFIX):
        return max(CODEC_MAX_BODY, settings.max_body_bytes)
    return settings.max_body_bytes


def _size_text(n: int) -> str:
    return f"{n // 1024} КБ" if n < 1_048_576 else f"{n / 1_048_576:g} МБ"


class AuthFailures:
    """Failed authentications per client address over the last ``WINDOW`` seconds."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self._clock = clock
        self._seen: dict[str, deque[float]] = {}

    def _recent(self, address: str) -> deque[float] | None:
        q = self._seen.get(address)
        if q is None:
            return None
        edge = self._clock() - WINDOW
        while q and q[0] <= edge:
            q.popleft()
        if not q:
            del self._seen[address]
            return None
        return q

    def retry_after(self, address: str) -> int | None:
        """Seconds until ``address`` may try again, or None when it is not blocked."""
        q = self._recent(address)
        if q is None or len(q) < self.limit:
            return None
        return max(1, math.ceil(q[-self.limit] + WINDOW - self._clock()))

    def record(self, address: str) -> bool:
        """Count one failure; True when this one blocks the address."""
        q = self._recent(address)
        if q is None:
            if len(self._seen) >= MAX_TRACKED:
                self._seen.pop(next(iter(self._seen)))
            q = self._seen[address] = deque(maxlen=self.limit)
        q.append(self._clock())
        return len(q) >= self.limit


class FrontDoor:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.failures = AuthFailures(settings.auth_failures_per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        client = scope.get("client")
        address = client[0] if client else "unknown"

        async def send_secure(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in
                           {h for h, _ in SECURITY_HEADERS}]
                message["headers"] = headers + SECURITY_HEADERS
                if message["status"] == 401 and path not in UNLIMITED_PATHS:
                    self._failed(address, scope)
            await send(message)

        if path not in UNLIMITED_PATHS:
            wait = self.failures.retry_after(address)
            if wait is not None:
                await _reply(send_secure, 429, "too_many_auth_failures",
                             f"Слишком много неудачных попыток входа с адреса {address}: повторите через "
                             f"{wait} с", {"retry-after": str(wait)})
                return

        limit = body_limit(self.settings, path)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _too_large(send_secure, limit)
            return
        if scope.get("method") in ("POST", "PUT", "PATCH", "DELETE"):
            body, ok = await _read_body(receive, limit)
            if not ok:
                log.info("request body over %d bytes refused: %s %s from %s", limit, scope.get("method"), path,
                         address)
                await _too_large(send_secure, limit)
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send_secure)

    def _failed(self, address: str, scope: Scope) -> None:
        blocked = self.failures.record(address)
        log.warning("authentication failed: %s %s from %s", scope.get("method"), scope.get("path"), address)
        if blocked:
            log.warning("address %s blocked for up to %.0f s after %d failed authentications in %.0f s",
                        address, WINDOW, self.failures.limit, WINDOW)


def _content_length(scope: Scope) -> int | None:
    for k, v in scope.get("headers", []):
        if k == b"content-length":
            try:
                return int(v)
            except ValueError:
                return None
    return None


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return b"", False
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks), True


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect

    return replay


async def _too_large(send: Send, limit: int) -> None:
    await _reply(send, 413, "payload_too_large",
                 f"Тело запроса больше допустимого ({_size_text(limit)} для этого адреса): сократите его",
                 {"connection": "close"})


async def _reply(send: Send, status: int, code: str, detail: str, extra: dict[str, str]) -> None:
    body = json.dumps({"detail": detail, "code": code}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.encode(), v.encode()) for k, v in extra.items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def install_front_door(app: FastAPI, settings: Settings) -> None:
    """Wrap the whole ASGI stack, Starlette's own error middleware included, so even a 500 carries the
    headers and nothing is read before the limits apply."""
    build = app.build_middleware_stack

    def build_with_front_door() -> ASGIApp:
        return FrontDoor(build(), settings)

    app.build_middleware_stack = build_with_front_door  # type: ignore[method-assign]
