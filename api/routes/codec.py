"""The codec endpoint of the Temporal Web UI: ``POST /codec/decode`` and ``/codec/encode``.

The protocol is Temporal's remote codec (samples-python ``encryption/codec_server.py``, temporalio/ui
``src/lib/services/data-encoder.ts``): the UI posts ``{"payloads": [...]}`` (protobuf JSON of
``temporal.api.common.v1.Payloads``) to ``{endpoint}/decode?preserveStorageRefs=true`` with the headers
``Content-Type: application/json`` and ``X-Namespace``, and shows what comes back.

Only operators (role ``operator``) decode. The UI can authenticate in two ways, both supported here:

* **Include cross-origin credentials** (UI setting / ``TEMPORAL_CODEC_INCLUDE_CREDENTIALS=true``): the
  browser sends cookies with the request (``credentials: "include"``). The operator opens
  ``/codec/session`` on the API once, enters an Otklik token of role ``operator``, and gets an HttpOnly
  cookie (``SameSite=Strict``; the UI and the API must be on the same site — e.g. ``localhost`` with two
  ports, or two hosts of one domain — and ``Secure`` over HTTPS).
* **Pass the user access token** (``TEMPORAL_CODEC_PASS_ACCESS_TOKEN=true``; the UI does this only over
  HTTPS): ``Authorization: Bearer <token>``. The UI sends its own OIDC access token there, so this works
  when the organisation's SSO proxy in front of the API exchanges it, or with an Otklik token when the
  endpoint is called by scripts.

CORS answers only the configured origins (``OTKLIK_CODEC_CORS_ORIGINS``; default: the dev server's UI).
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from google.protobuf import json_format
from google.protobuf.json_format import ParseError
from temporalio.api.common.v1 import Payloads

from api.auth import Principal, load_principal
from api.errors import ErrorBody
from models.registry import Role
from models.settings import Settings
from workflows.codec import CodecKeyUnknown, EncryptionCodec, keyring_for

log = logging.getLogger("otklik.codec")
router = APIRouter(prefix="/codec", tags=["оператор Temporal"])

COOKIE = "otklik_operator"
COOKIE_MAX_AGE = 8 * 3600  # one working day
ALLOWED_HEADERS = "content-type,x-namespace,authorization,authorization-extras"
_ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorBody, "description": "Нет токена оператора"},
           403: {"model": ErrorBody, "description": "Токен не оператора"},
           413: {"model": ErrorBody, "description": "Слишком большой запрос"},
           422: {"model": ErrorBody, "description": "Тело — не Payloads в JSON"}}


def _cors(request: Request, settings: Settings) -> dict[str, str]:
    origin = request.headers.get("origin", "").rstrip("/")
    if origin and origin in settings.codec_origins:
        return {"Access-Control-Allow-Origin": origin, "Access-Control-Allow-Credentials": "true",
                "Vary": "Origin"}
    return {}


def _error(status: int, code: str, detail: str, cors: dict[str, str]) -> JSONResponse:
    headers = dict(cors)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(status_code=status, content={"detail": detail, "code": code}, headers=headers)


def _token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE) or None


async def _operator(request: Request, token: str | None) -> tuple[Principal | None, int, str, str]:
    if not token:
        return None, 401, "token_missing", ("Требуется вход оператора: откройте /codec/session и введите токен "
                                            "оператора, затем включите в Temporal UI «Include cross-origin "
                                            "credentials»")
    principal = await asyncio.to_thread(load_principal, request.app.state.engine, token) if len(token) <= 200 else None
    if principal is None:
        return None, 401, "token_invalid", "Токен недействителен или отозван"
    if not principal.has(Role.operator):
        return None, 403, "role_forbidden", "Расшифровка данных Temporal доступна только роли «оператор Temporal»"
    return principal, 200, "", ""


def _codec(request: Request) -> EncryptionCodec:
    codec = getattr(request.app.state, "codec", None)
    if codec is None:
        codec = EncryptionCodec(keyring_for(request.app.state.settings))
        request.app.state.codec = codec
    return codec


async def _apply(request: Request, kind: str) -> Response:
    settings: Settings = request.app.state.settings
    cors = _cors(request, settings)
    principal, status, code, detail = await _operator(request, _token(request))
    if principal is None:
        return _error(status, code, detail, cors)
    try:
        payloads = json_format.Parse(await request.body(), Payloads())
    except (ParseError, UnicodeDecodeError, ValueError):
        return _error(422, "validation_error", "Тело запроса должно быть JSON вида {\"payloads\": [...]} "
                      "(temporal.api.common.v1.Payloads)", cors)
    codec = _codec(request)
    try:
        if kind == "decode":
            result = await codec.decode(list(payloads.payloads))
        else:
            result = await codec.encode(list(payloads.payloads))
    except CodecKeyUnknown as exc:
        return _error(422, "codec_key_unknown", "Данные зашифрованы ключом, которого нет в OTKLIK_CODEC_KEYS "
                      f"({exc}); добавьте старый ключ в конец списка", cors)
    log.info("codec %s: %d payload(s) for operator #%s, namespace %s", kind, len(result),
             principal.person_id, request.headers.get("x-namespace", "?"))
    body = json_format.MessageToJson(Payloads(payloads=result))
    return Response(content=body, media_type="application/json", headers=cors)


def _preflight(request: Request) -> Response:
    cors = _cors(request, request.app.state.settings)
    if cors:
        cors |= {"Access-Control-Allow-Methods": "POST, OPTIONS", "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                 "Access-Control-Max-Age": "600"}
    return Response(status_code=204, headers=cors)


@router.post("/decode", summary="Расшифровать данные для Temporal UI (оператор)", responses=_ERRORS)
async def decode(request: Request) -> Response:
    return await _apply(request, "decode")


@router.post("/encode", summary="Зашифровать данные для Temporal UI (оператор)", responses=_ERRORS)
async def encode(request: Request) -> Response:
    return await _apply(request, "encode")


@router.options("/decode", include_in_schema=False)
async def decode_preflight(request: Request) -> Response:
    return _preflight(request)


@router.options("/encode", include_in_schema=False)
async def encode_preflight(request: Request) -> Response:
    return _preflight(request)


_FORM = """<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Вход оператора Temporal</title></head>
<body><h1>Вход оператора Temporal</h1>
<p>Temporal UI расшифровывает данные сообщений через «Отклик». Введите токен с ролью «оператор Temporal»
(<code>otklik user add --role operator</code>); затем в Temporal UI в настройках Codec Server включите
«Include cross-origin credentials».</p>
<p>{note}</p>
<form method="post" action="session"><label>Токен: <input name="token" type="password" autocomplete="off"
 size="60"></label> <button type="submit">Войти</button></form></body></html>"""


def _page(note: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(_FORM.format(note=html.escape(note)), status_code=status)


@router.get("/session", summary="Страница входа оператора (cookie для Temporal UI)",
            response_class=HTMLResponse)
async def session_form() -> HTMLResponse:
    return _page("")


@router.post("/session", summary="Вход оператора: токен → cookie для Temporal UI", response_class=HTMLResponse,
             responses={401: {"description": "Токен недействителен"}, 403: {"description": "Не оператор"}})
async def session_login(request: Request) -> Response:
    raw = await request.body()
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            token = str(json.loads(raw).get("token", ""))
        except (ValueError, AttributeError):
            token = ""
    else:
        token = parse_qs(raw.decode(errors="replace")).get("token", [""])[0]
    principal, status, _, detail = await _operator(request, token.strip() or None)
    if principal is None:
        return _page(detail, status)
    response = _page(f"Вход выполнен: {principal.name}. Вернитесь в Temporal UI.")
    response.set_cookie(COOKIE, token.strip(), max_age=COOKIE_MAX_AGE, path="/codec", httponly=True,
                        samesite="strict", secure=request.url.scheme == "https")
    log.info("codec session opened for operator #%s", principal.person_id)
    return response


@router.delete("/session", summary="Выход оператора", status_code=204)
async def session_logout() -> Response:
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/codec")
    return response
