"""The HTTP server's own refusals in the one error body: a request line uvicorn cannot parse (raw UTF-8 bytes
in the path or query, a broken request line) is answered 400 ``{"detail": <по-русски>, "code"}`` in JSON,
not uvicorn's plain-text «Invalid HTTP request received.». ``otklik api`` passes ``http_protocol()`` to uvicorn.
"""

from __future__ import annotations

import asyncio
import json
import logging

from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger("otklik.api")

BAD_REQUEST = json.dumps({
    "detail": "Некорректный HTTP-запрос: в адресе допустимы только символы ASCII — закодируйте остальные "
              "(например, «привет» → %D0%BF%D1%80%D0%B8%D0%B2%D0%B5%D1%82)",
    "code": "bad_request",
}, ensure_ascii=False).encode("utf-8")
HEADERS = [(b"content-type", b"application/json"), (b"cache-control", b"no-store"),
           (b"x-content-type-options", b"nosniff"), (b"connection", b"close")]


def _response() -> bytes:
    lines = [b"HTTP/1.1 400 Bad Request\r\n"]
    lines += [name + b": " + value + b"\r\n" for name, value in HEADERS]
    lines += [b"content-length: " + str(len(BAD_REQUEST)).encode("ascii") + b"\r\n\r\n", BAD_REQUEST]
    return b"".join(lines)


class JsonH11Protocol(H11Protocol):
    def send_400_response(self, msg: str) -> None:
        log.info("unparsable HTTP request refused: %s", msg)
        self.transport.write(_response())
        self.transport.close()


def http_protocol() -> type[asyncio.Protocol]:
    """uvicorn's fastest parser where installed, with the JSON 400."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # httptools not installed
        return JsonH11Protocol

    class JsonHttpToolsProtocol(HttpToolsProtocol):
        def send_400_response(self, msg: str) -> None:
            log.info("unparsable HTTP request refused: %s", msg)
            self.transport.write(_response())
            self.transport.close()

    return JsonHttpToolsProtocol
