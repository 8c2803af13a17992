"""Who may act on a body's official account (moderation, A9; the publication schedule, items 3, 4, 7): ЦУР's
curators and administrators on any account; an executor on their body's; a responsible official on their
body's and its subordinate organisations' (A10)."""

from __future__ import annotations

from sqlmodel import Session

from api.auth import Principal
from api.errors import Forbidden, NotFound
from models.registry import Body, SocialAccount

STAFF = ("executor", "responsible")
ALL = ("curator", "admin")


def may_manage_account(principal: Principal, body_code: str) -> bool:
    if principal.has(*ALL):
        return True
    if principal.has("executor") and principal.body_code == body_code:
        return True
    return principal.has("responsible") and body_code in principal.tree


def managed_account(session: Session, principal: Principal, account_id: int, *, who_may: str,
                    others: str) -> tuple[SocialAccount, Body | None]:
    """The account, if ``principal`` may act on it; else 403 (``who_may``: who may do this at all; ``others``:
    who may on another body's account) or 404."""
    if not principal.has(*ALL, *STAFF):
        raise Forbidden(who_may, code="role_forbidden")
    account = session.get(SocialAccount, account_id)
    if account is None:
        raise NotFound(f"Аккаунт №{account_id} не найден", code="account_not_found")
    body = session.get(Body, account.body_id)
    if not may_manage_account(principal, body.code if body else ""):
        raise Forbidden(f"Аккаунт принадлежит другому органу: {others}", code="body_forbidden")
    return account, body
