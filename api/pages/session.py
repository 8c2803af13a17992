"""Sign-in for the pages: a personal token (``otklik user add``) is exchanged for a session cookie.

The cookie holds ``person.token.issued.signature`` — never the token: the HMAC (key from
``OTKLIK_SECRET_KEY``, else a random key per process, so sessions end with a restart) binds the person to
the token's row; every request checks that row is still live and the person active, so revoking the token
ends the session. HttpOnly, SameSite=Lax, Secure when the request came over HTTPS. Every form carries a
CSRF token derived from the session (sign-in: from a pre-session cookie); a POST without it is 403.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.auth import Principal, principal_of
from api.errors import Forbidden
from models.registry import ApiToken, Person
from models.tokens import hash_token

COOKIE = "otklik_session"
PRE_COOKIE = "otklik_pre"
LIFETIME = 12 * 3600  # seconds: one working day and then some


class SignedOut(Exception):
    """No valid session: the page redirects to the sign-in form."""


@dataclass(frozen=True)
class PageSession:
    principal: Principal
    csrf: str


def signing_key(request: Request) -> bytes:
    state = request.app.state
    key: bytes | None = getattr(state, "page_key", None)
    if key is None:
        secret = state.settings.secret_key.get_secret_value()
        key = hashlib.sha256(b"otklik-pages:" + secret.encode()).digest() if secret else secrets.token_bytes(32)
        state.page_key = key
    return key


def _sign(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


def token_row(engine: Engine, token: str) -> tuple[int, int] | None:
    """(person id, token id) of a live token of an active person, or None."""
    if not token or len(token) > 200:
        return None
    with Session(engine) as session:
        row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_token(token),
                                                  ApiToken.revoked_at.is_(None))).first()  # type: ignore[union-attr]
        if row is None or row.id is None:
            return None
        person = session.get(Person, row.person_id)
        if person is None or not person.is_active:
            return None
        return row.person_id, row.id


def _principal(engine: Engine, person_id: int, token_id: int) -> Principal | None:
    with Session(engine) as session:
        row = session.get(ApiToken, token_id)
        if row is None or row.revoked_at is not None or row.person_id != person_id:
            return None
        person = session.get(Person, person_id)
        if person is None or not person.is_active:
            return None
        return principal_of(session, person)


def start_session(request: Request, response: Response, person_id: int, token_id: int) -> None:
    payload = f"{person_id}.{token_id}.{int(time.time())}"
    value = f"{payload}.{_sign(signing_key(request), payload)}"
    response.set_cookie(COOKIE, value, max_age=LIFETIME, httponly=True, samesite="lax", secure=_secure(request),
                        path="/")
    response.delete_cookie(PRE_COOKIE, path="/")


def end_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")


def current_session(request: Request) -> PageSession:
    """The signed-in person; ``SignedOut`` when the cookie is missing, forged, expired or its token revoked."""
    value = request.cookies.get(COOKIE, "")
    parts = value.split(".")
    if len(parts) != 4 or not all(p.isdigit() for p in parts[:3]):
        raise SignedOut()
    key = signing_key(request)
    payload = ".".join(parts[:3])
    if not hmac.compare_digest(_sign(key, payload), parts[3]):
        raise SignedOut()
    if time.time() - int(parts[2]) > LIFETIME:
        raise SignedOut()
    principal = _principal(request.app.state.engine, int(parts[0]), int(parts[1]))
    if principal is None:
        raise SignedOut()
    return PageSession(principal=principal, csrf=_sign(key, "csrf:" + value)[:40])


def check_csrf(request: Request, session: PageSession, form_value: object) -> None:
    if not isinstance(form_value, str) or not hmac.compare_digest(form_value, session.csrf):
        raise Forbidden("Форма устарела или пришла не со страницы «Отклика» (нет проверочного кода CSRF); "
                        "обновите страницу и повторите", code="csrf_failed")


# --- the sign-in form's own CSRF (before there is a session) -----------------------------------------


def pre_session(request: Request) -> tuple[str, str]:
    """(nonce for the pre-session cookie, the sign-in form's CSRF value bound to it)."""
    nonce = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
    return nonce, _sign(signing_key(request), "signin:" + nonce)[:40]


def set_pre_cookie(request: Request, response: Response, nonce: str) -> None:
    response.set_cookie(PRE_COOKIE, nonce, max_age=3600, httponly=True, samesite="lax", secure=_secure(request),
                        path="/")


def check_pre_csrf(request: Request, form_value: object) -> None:
    nonce = request.cookies.get(PRE_COOKIE, "")
    expected = _sign(signing_key(request), "signin:" + nonce)[:40]
    if not nonce or not isinstance(form_value, str) or not hmac.compare_digest(form_value, expected):
        raise Forbidden("Форма входа устарела (нет проверочного кода CSRF); обновите страницу",
                        code="csrf_failed")
