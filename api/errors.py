"""One error body for every failure: ``{"detail": <текст по-русски>, "code": <машинный код>}``.

422 adds ``errors`` (one entry per bad field). Every exception the API can meet is mapped here:
HTTP errors, validation, Temporal unavailable (503), an update refused by the workflow's validator
(409 with its reason), an unknown message (404), database integrity (409) and availability (503);
anything else is logged and answered 500 in the same shape — bad input never reaches that branch.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.service import RPCError, RPCStatusCode

from api.temporal import TemporalUnavailable

log = logging.getLogger("otklik.api")


# --- the body -----------------------------------------------------------------------------------


class FieldError(BaseModel):
    field: str = Field(description="Где ошибка: body.text, query.limit, path.message_id…")
    message: str = Field(description="Что не так, по-русски")
    type: str = Field(description="Машинный тип ошибки (pydantic)")


class ErrorBody(BaseModel):
    """Тело любого ответа с ошибкой."""

    detail: str = Field(description="Описание ошибки по-русски")
    code: str = Field(description="Машинный код ошибки")
    errors: list[FieldError] | None = Field(default=None, description="Ошибки по полям (только для 422)")


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries so every documented error shows the one body."""
    texts = {
        400: "Некорректный запрос",
        401: "Нет или недействителен токен доступа",
        403: "Недостаточно прав",
        404: "Не найдено",
        409: "Конфликт с текущим состоянием",
        413: "Тело запроса больше допустимого",
        422: "Ошибка в данных запроса",
        429: "Слишком много неудачных попыток входа",
        503: "Temporal или база данных недоступны",
    }
    return {s: {"model": ErrorBody, "description": texts.get(s, "Ошибка")} for s in statuses}


# --- exceptions the API raises --------------------------------------------------------------------


class ApiError(Exception):
    """An error with its HTTP status, machine code and Russian text."""

    status = 400
    code = "bad_request"

    def __init__(self, detail: str, *, code: str | None = None, status: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        if status:
            self.status = status
        self.headers = headers


class Unauthorized(ApiError):
    status = 401
    code = "unauthorized"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail, code=code, headers={"WWW-Authenticate": "Bearer"})


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class NotFound(ApiError):
    status = 404
    code = "not_found"


class Conflict(ApiError):
    status = 409
    code = "conflict"


class Unprocessable(ApiError):
    status = 422
    code = "validation_error"


class ServiceUnavailable(ApiError):
    status = 503
    code = "unavailable"


# --- Russian texts --------------------------------------------------------------------------------

_HTTP_TEXTS = {
    400: ("bad_request", "Некорректный запрос"),
    401: ("unauthorized", "Требуется авторизация"),
    403: ("forbidden", "Недостаточно прав"),
    404: ("not_found", "Ресурс не найден"),
    405: ("method_not_allowed", "Метод не поддерживается для этого адреса"),
    406: ("not_acceptable", "Запрошенный формат ответа не поддерживается"),
    409: ("conflict", "Конфликт с текущим состоянием"),
    413: ("payload_too_large", "Слишком большой запрос"),
    415: ("unsupported_media_type", "Неподдерживаемый тип содержимого"),
    422: ("validation_error", "Ошибка в данных запроса"),
    429: ("too_many_requests", "Слишком много запросов"),
    503: ("unavailable", "Сервис временно недоступен"),
}

_PYDANTIC_TEXTS = {
    "missing": "обязательное поле не заполнено",
    "extra_forbidden": "лишнее поле",
    "string_type": "ожидается строка",
    "string_too_short": "слишком короткая строка (минимум {min_length})",
    "string_too_long": "слишком длинная строка (максимум {max_length})",
    "string_pattern_mismatch": "значение не соответствует формату {pattern}",
    "int_type": "ожидается целое число",
    "int_parsing": "ожидается целое число",
    "int_from_float": "ожидается целое число",
    "float_type": "ожидается число",
    "float_parsing": "ожидается число",
    "bool_type": "ожидается логическое значение (true/false)",
    "bool_parsing": "ожидается логическое значение (true/false)",
    "greater_than": "значение должно быть больше {gt}",
    "greater_than_equal": "значение должно быть не меньше {ge}",
    "less_than": "значение должно быть меньше {lt}",
    "less_than_equal": "значение должно быть не больше {le}",
    "enum": "допустимые значения: {expected}",
    "literal_error": "допустимые значения: {expected}",
    "list_type": "ожидается список",
    "dict_type": "ожидается объект",
    "model_type": "ожидается объект",
    "model_attributes_type": "ожидается объект",
    "too_short": "слишком мало элементов (минимум {min_length})",
    "too_long": "слишком много элементов (максимум {max_length})",
    "datetime_type": "ожидается дата и время (ISO 8601)",
    "datetime_parsing": "ожидается дата и время (ISO 8601)",
    "datetime_from_date_parsing": "ожидается дата и время (ISO 8601)",
    "timezone_aware": "дата и время должны содержать часовой пояс",
    "date_type": "ожидается дата (ГГГГ-ММ-ДД)",
    "date_parsing": "ожидается дата (ГГГГ-ММ-ДД)",
    "date_from_datetime_parsing": "ожидается дата (ГГГГ-ММ-ДД)",
    "url_parsing": "ожидается адрес URL",
    "url_type": "ожидается адрес URL",
    "url_scheme": "адрес должен начинаться с http:// или https://",
    "url_too_long": "слишком длинный адрес",
    "json_invalid": "тело запроса — не корректный JSON",
    "json_type": "ожидается JSON",
    "uuid_parsing": "ожидается UUID",
    "value_error": "недопустимое значение",
    "assertion_error": "недопустимое значение",
    "union_tag_invalid": "неизвестный вариант: {tag}",
    "union_tag_not_found": "не указан вариант ({discriminator})",
    "set_type": "ожидается список без повторов",
    "frozen_set_type": "ожидается список без повторов",
    "finite_number": "ожидается конечное число",
    "decimal_parsing": "ожидается число",
    "string_unicode": "строка содержит недопустимые символы",
}


def _value_titles() -> dict[str, str]:
    """Russian titles of enumerated values, for «ожидается одно из: ВКонтакте (vk), …»."""
    from domain import messages as m

    titles: dict[str, str] = {}
    for name in dir(m):
        table = getattr(m, name)
        if name.endswith("_TITLES") and isinstance(table, dict):
            for k, v in table.items():
                if isinstance(v, str):
                    titles.setdefault(str(getattr(k, "value", k)), v)
    return titles


_TITLES: dict[str, str] | None = None


def _expected(ctx: dict[str, Any]) -> str:
    global _TITLES
    if _TITLES is None:
        _TITLES = _value_titles()
    values = re.findall(r"'((?:[^'\\]|\\.)*)'", str(ctx.get("expected", "")))
    if not values:
        return "ожидается одно из допустимых значений"
    return "ожидается одно из: " + ", ".join(f"{_TITLES[v]} ({v})" if v in _TITLES else v for v in values)


def _json_position(doc: str, pos: int) -> str:
    line = doc.count("\n", 0, pos) + 1
    column = pos - (doc.rfind("\n", 0, pos) + 1) + 1
    return f"тело запроса — не корректный JSON: строка {line}, позиция {column}"


def _field_error(err: dict[str, Any], body: str | None = None) -> FieldError:
    loc = [str(p) for p in err.get("loc", ())]
    kind = str(err.get("type", "value_error"))
    template = _PYDANTIC_TEXTS.get(kind)
    ctx = err.get("ctx") or {}
    if kind in ("enum", "literal_error"):
        message = _expected(ctx)
    elif kind == "json_invalid":
        pos = int(loc[1]) if len(loc) > 1 and loc[1].isdigit() else 0
        return FieldError(field="body", message=_json_position(body or "", pos), type=kind)
    elif kind == "value_error" and ctx.get("error") is not None:
        # Validators in our models raise ValueError with a Russian text: keep it.
        message = str(ctx["error"])
    elif template is None:
        message = "недопустимое значение"
    else:
        try:
            message = template.format(**{k: str(v) for k, v in ctx.items()})
        except (KeyError, IndexError, ValueError):
            message = template.split(" (")[0]
    return FieldError(field=".".join(loc) or "body", message=message, type=kind)


def _json(status: int, code: str, detail: str, *, headers: dict[str, str] | None = None,
          errors: list[FieldError] | None = None) -> JSONResponse:
    body = ErrorBody(detail=detail, code=code, errors=errors)
    return JSONResponse(status_code=status, content=jsonable_encoder(body, exclude_none=True), headers=headers)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]


# --- handlers ---------------------------------------------------------------------------------------


async def _api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return _json(exc.status, exc.code, exc.detail, headers=exc.headers)


def _allowed(request: Request) -> str | None:
    """Every method the API offers at this path, as its OpenAPI document states (Starlette's 405 names only
    the first matching route's methods)."""
    table = getattr(request.app.state, "allowed_methods", None)
    if table is None:
        table = []
        for path, ops in request.app.openapi().get("paths", {}).items():
            pattern = re.compile("^" + re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(path)) + "$")
            table.append((pattern, {m.upper() for m in ops if m in ("get", "post", "put", "patch", "delete")},
                          "{" not in path))
        request.app.state.allowed_methods = table
    methods: set[str] = set()
    for pattern, offered, literal in table:
        if pattern.match(request.url.path):
            if literal:  # /routing-rules/suggest is that route, not /routing-rules/{rule_id}
                return ", ".join(sorted(offered))
            methods |= offered
    return ", ".join(sorted(methods)) if methods else None


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code, default = _HTTP_TEXTS.get(exc.status_code, ("http_error", "Ошибка запроса"))
    detail = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else default
    headers = dict(exc.headers) if exc.headers else None
    if exc.status_code == 405 and (allow := _allowed(request)):
        headers = {**(headers or {}), "Allow": allow}
    if exc.status_code == 401:
        headers = {**(headers or {}), "WWW-Authenticate": "Bearer"}
    return _json(exc.status_code, code, detail, headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    allow = _allowed(request)
    if allow is not None and request.method not in allow.split(", "):
        # A literal path matched a templated route of another method (PATCH /routing-rules/suggest): 405.
        return _json(405, "method_not_allowed", "Метод не поддерживается для этого адреса; допустимы: " + allow,
                     headers={"Allow": allow})
    body = None
    if any(e.get("type") == "json_invalid" for e in exc.errors()):
        try:
            body = (await request.body()).decode("utf-8", errors="replace")
        except Exception:  # the stream was consumed elsewhere: the position is then counted from the start
            body = None
    errors = [_field_error(e, body) for e in exc.errors()]
    summary = "; ".join(f"{e.field}: {e.message}" for e in errors[:5])
    if len(errors) > 5:
        summary += f" и ещё {len(errors) - 5}"
    return _json(422, "validation_error", f"Ошибка в данных запроса: {summary}", errors=errors)


async def _temporal_unavailable(_: Request, exc: Exception) -> JSONResponse:
    log.warning("Temporal unavailable: %s", _first_line(exc))
    return _json(503, "temporal_unavailable",
                 "Сервер Temporal недоступен, повторите запрос позже", headers={"Retry-After": "5"})


async def _rpc_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RPCError)
    if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED,
                      RPCStatusCode.RESOURCE_EXHAUSTED, RPCStatusCode.CANCELLED):
        return await _temporal_unavailable(request, exc)
    if exc.status == RPCStatusCode.NOT_FOUND:
        return _json(404, "message_not_found", "Сообщение не найдено")
    if exc.status == RPCStatusCode.FAILED_PRECONDITION:  # e.g. an update to a workflow whose task is failing
        return await _workflow_stuck(exc)
    return await _unexpected(request, exc)


async def _update_timeout(_: Request, exc: Exception) -> JSONResponse:
    # The worker did not take the update within the RPC deadline (frozen, restarting, overloaded). It may
    # still be applied later: the same Idempotency-Key makes the retry safe.
    log.warning("update not confirmed in time: %s", _first_line(exc))
    return _json(503, "update_timeout", "Обработчик сообщений не подтвердил действие вовремя; повторите запрос "
                 "с тем же Idempotency-Key — действие не выполнится дважды", headers={"Retry-After": "5"})


async def _workflow_stuck(exc: Exception) -> JSONResponse:
    log.warning("workflow task failing, update refused: %s", _first_line(exc))
    return _json(503, "workflow_stuck", "Процесс обработки сообщения остановлен из-за ошибки и ждёт исправления "
                 "оператором; повторите действие позже", headers={"Retry-After": "60"})


async def _integrity_error(_: Request, exc: Exception) -> JSONResponse:
    log.info("integrity error: %s", _first_line(exc))
    return _json(409, "conflict", "Запись противоречит существующим данным (повтор уникального значения "
                 "или ссылка на несуществующую запись)")


async def _data_error(_: Request, exc: Exception) -> JSONResponse:
    # Last line of defence: request schemas bound lengths and refuse NUL characters already.
    log.info("data error: %s", _first_line(exc))
    return _json(422, "validation_error", "Данные не помещаются в поле базы данных или содержат "
                 "недопустимые символы")


async def _db_error(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated):
        log.warning("database unavailable: %s", _first_line(exc))
        return _json(503, "database_unavailable", "База данных недоступна, повторите запрос позже",
                     headers={"Retry-After": "5"})
    return await _unexpected(request, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _json(500, "internal_error", "Внутренняя ошибка сервера; она записана в журнал")


def install_error_handlers(app: FastAPI) -> None:
    """Register every handler; more specific classes first (Starlette walks the MRO anyway)."""
    from temporalio.client import RPCTimeoutOrCancelledError, WorkflowUpdateRPCTimeoutOrCancelledError

    from workflows.client import MessageNotFound, Rejected

    async def _rejected(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Rejected)
        return _json(409, "rejected", exc.message_ru or "Действие невозможно в текущем состоянии сообщения")

    async def _unknown_message(_: Request, exc: Exception) -> JSONResponse:
        return _json(404, "message_not_found", "Сообщение не найдено")

    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(TemporalUnavailable, _temporal_unavailable)
    app.add_exception_handler(Rejected, _rejected)
    app.add_exception_handler(MessageNotFound, _unknown_message)
    app.add_exception_handler(RPCError, _rpc_error)
    app.add_exception_handler(WorkflowUpdateRPCTimeoutOrCancelledError, _update_timeout)
    app.add_exception_handler(RPCTimeoutOrCancelledError, _temporal_unavailable)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(DBAPIError, _db_error)
    app.add_exception_handler(Exception, _unexpected)
