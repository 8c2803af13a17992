"""Real servers on loopback standing in for an SMTP relay (aiosmtpd), MAX, Telegram and a webhook receiver.

``HttpFake`` is a real HTTP server (``http.server`` in a thread) that records every request and answers
from a script (``fail_next``) — the code under test talks to it over TCP like to the real APIs.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import socket
import ssl
import threading
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class HttpFake:
    requests: list[Received] = field(default_factory=list)
    script: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # answers before the normal one
    fail_paths: dict[str, int] = field(default_factory=dict)  # a path or body substring → status
    tls: ssl.SSLContext | None = None  # HTTPS with this server context (its certificate) when set

    def start(self) -> HttpFake:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, answer = 200, {"ok": True, "result": {"message_id": len(fake.requests) + 1},
                                       "message": {"body": {"mid": f"mid.{len(fake.requests) + 1}"}}}
                for part, code in fake.fail_paths.items():
                    if part in self.path or part.encode() in body:
                        status, answer = code, {"ok": False, "description": "Bad Request: chat not found"}
                if status == 200 and fake.script:
                    status, answer = fake.script.pop(0)
                if status < 300:
                    fake.requests.append(Received(self.path, dict(self.headers.items()), body))
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if self.tls is not None:
            self.server.socket = self.tls.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def shown(self, header: str = "X-Otklik-Idempotency-Key") -> list[Received]:
        """What a receiver that de-duplicates by ``header`` shows (all requests if it is absent)."""
        seen: set[str] = set()
        out = []
        for r in self.requests:
            key = r.headers.get(header)
            if key and key in seen:
                continue
            if key:
                seen.add(key)
            out.append(r)
        return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Handler:
    def __init__(self, sink: SmtpFake) -> None:
        self.sink = sink

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user"
        if address in self.sink.hold:
            self.sink.held.set()
            while not self.sink.release.is_set():  # a slow relay: the sender may die meanwhile
                await asyncio.sleep(0.05)
            self.sink.hold.discard(address)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.sink.fail_data:
            self.sink.fail_data -= 1
            return "451 4.3.0 Try again later"
        self.sink.messages.append((list(envelope.rcpt_tos), email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 Message accepted"


class SmtpFake:
    """aiosmtpd on a free loopback port; ``messages`` are (recipients, parsed message)."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []
        self.fail_data = 0
        self.hold: set[str] = set()  # RCPT of these addresses waits until ``release``
        self.held = threading.Event()
        self.release = threading.Event()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1", port=free_port())

    def start(self) -> SmtpFake:
        self.controller.start()
        return self

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def stop(self) -> None:
        self.controller.stop()

    def to(self, address: str) -> list[Message]:
        """Messages for ``address``, each Message-ID once (what a mail client shows)."""
        seen: set[str] = set()
        out = []
        for rcpts, m in self.messages:
            if address in rcpts and m["Message-ID"] not in seen:
                seen.add(m["Message-ID"])
                out.append(m)
        return out


def body_text(m: Message) -> str:
    for part in m.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""
