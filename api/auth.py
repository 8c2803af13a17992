"""Who is asking and what they may touch.

``Authorization: Bearer <token>`` → the person behind a live token (only hashes are stored,
``models/tokens.py``) → ``Principal``: person, roles, body and the body's subordinate organisations.

Roles:

* curator — every message, every curator action, intake;
* executor — only messages routed to its body; the body staff's actions there;
* responsible — messages of its body and of the body's subordinate organisations (read); the body staff's
  actions for its own body; re-routing within its body's tree;
* leadership — reads every message;
* admin — writes the registry (everyone authenticated reads it).

The workflow checks state, role and body again in its update validators: the API's 403 is the early,
explicit refusal, the validator's 409 the authoritative one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.deps import get_engine
from api.errors import Forbidden, Unauthorized
from domain.messages import ACTION_ROLES, ACTION_TITLES, ROLE_TITLES, Actor
from models.registry import Body, Person, Role
from models.tokens import person_for_token

bearer = HTTPBearer(auto_error=False, description="Токен доступа, выданный командой `otklik user add`")


@dataclass(frozen=True)
class Principal:
    person_id: int
    name: str
    roles: frozenset[str]
    body_code: str | None = None
    subordinate_codes: frozenset[str] = field(default_factory=frozenset)

    @property
    def tree(self) -> frozenset[str]:
        """The person's body and every organisation below it."""
        if self.body_code is None:
            return frozenset()
        return self.subordinate_codes | {self.body_code}

    def has(self, *roles: str) -> bool:
        return bool(self.roles & set(roles))

    def actor(self, role: str) -> Actor:
        scope = sorted(self.tree) if role == "responsible" and self.body_code else []
        return Actor(person_id=self.person_id, name=self.name, role=role, body=self.body_code,
                     scope=scope)


def subordinates(session: Session, body_id: int) -> frozenset[str]:
    """Codes of every organisation below ``body_id`` (transitively), not the body itself."""
    rows = session.exec(select(Body.id, Body.code, Body.parent_id)).all()
    children: dict[int | None, list[tuple[int, str]]] = {}
    for bid, code, parent in rows:
        children.setdefault(parent, []).append((bid, code))  # type: ignore[arg-type]
    found: set[str] = set()
    stack = [body_id]
    seen = {body_id}
    while stack:
        for child_id, code in children.get(stack.pop(), []):
            if child_id not in seen:
                seen.add(child_id)
                found.add(code)
                stack.append(child_id)
    return frozenset(found)


def principal_of(session: Session, person: Person) -> Principal:
    """The ``Principal`` of a person of the registry: roles, body, the body's subordinate organisations."""
    assert person.id is not None
    body_code = None
    subs: frozenset[str] = frozenset()
    if person.body_id is not None:
        body = session.get(Body, person.body_id)
        if body is not None:
            body_code = body.code
            subs = subordinates(session, person.body_id)
    return Principal(person_id=person.id, name=person.full_name, roles=frozenset(person.roles),
                     body_code=body_code, subordinate_codes=subs)


def load_principal(engine: Engine, token: str) -> Principal | None:
    """The principal behind a live token, or None. A short session of its own: an async route then awaits
    Temporal without holding a database connection."""
    with Session(engine) as session:
        person = person_for_token(session, token)
        if person is None or person.id is None:
            return None
        return principal_of(session, person)


def current_principal(
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    engine: Engine = Depends(get_engine),
) -> Principal:
    if credentials is None or not credentials.credentials:
        raise Unauthorized("Требуется токен доступа: заголовок Authorization: Bearer <токен>",
                           code="token_missing")
    token = credentials.credentials.strip()
    principal = load_principal(engine, token) if len(token) <= 200 else None
    if principal is None:
        raise Unauthorized("Токен недействителен или отозван", code="token_invalid")
    return principal


def _who(roles: Iterable[str]) -> str:
    return ", ".join(ROLE_TITLES.get(r, r) for r in sorted(roles))


def require_roles(*roles: str) -> Callable[..., Principal]:
    """A dependency: the principal, if it has one of ``roles``; else 403."""

    def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        if not principal.has(*roles):
            raise Forbidden(f"Действие доступно только ролям: {_who(roles)}", code="role_forbidden")
        return principal

    return dependency


require_admin = require_roles(Role.admin)
require_curator = require_roles(Role.curator)
require_intake = require_roles(Role.curator, Role.integration)


# --- messages -------------------------------------------------------------------------------------

READ_ALL = frozenset({"curator", "leadership"})


def can_read(principal: Principal, bodies: Iterable[str]) -> bool:
    """Curator and leadership read everything; executors their body's; responsible officials their tree."""
    if principal.has(*READ_ALL):
        return True
    routed = set(bodies)
    if principal.has("executor") and principal.body_code in routed:
        return True
    return principal.has("responsible") and bool(principal.tree & routed)


def ensure_read(principal: Principal, bodies: Iterable[str]) -> None:
    if not can_read(principal, bodies):
        raise Forbidden("Сообщение направлено не в ваш орган", code="body_forbidden")


def list_scope(principal: Principal) -> frozenset[str] | None:
    """None: every message; otherwise the body codes whose messages the principal may list."""
    if principal.has(*READ_ALL):
        return None
    scope: set[str] = set()
    if principal.has("executor") and principal.body_code:
        scope.add(principal.body_code)
    if principal.has("responsible"):
        scope |= principal.tree
    if not scope:
        raise Forbidden("Просмотр сообщений доступен куратору, руководству и сотрудникам органов",
                        code="role_forbidden")
    return frozenset(scope)


def authorize(principal: Principal, action: str, bodies: Iterable[str],
              targets: Iterable[str] = ()) -> Actor:
    """The ``Actor`` for ``action`` on a message routed to ``bodies``; 403 when role or body don't fit.

    Role sets come from ``domain.messages.ACTION_ROLES`` (what the workflow's validators accept).
    Body staff act only for their own body, and only on a message routed to it. Where the workflow lets
    a responsible official re-route, it may do so for a message of its tree and only to bodies of its
    tree (``targets``).
    """
    routed = set(bodies)
    allowed = ACTION_ROLES[action]
    title = ACTION_TITLES[action]
    if "curator" in allowed and principal.has("curator"):
        return principal.actor("curator")
    if action == "reroute" and "responsible" in allowed and principal.has("responsible"):
        if not (principal.tree & routed):
            raise Forbidden(f"Нельзя {title}: сообщение направлено не в ваш орган", code="body_forbidden")
        outside = sorted(set(targets) - principal.tree)
        if outside:
            raise Forbidden("Перенаправить можно только в пределах своего органа и подведомственных "
                            f"организаций; вне их: {', '.join(outside)}", code="body_forbidden")
        return principal.actor("responsible")
    staff = [r for r in ("executor", "responsible") if r in allowed and principal.has(r)]
    if staff:
        if principal.body_code is None or principal.body_code not in routed:
            raise Forbidden(f"Нельзя {title}: сообщение направлено не в ваш орган", code="body_forbidden")
        return principal.actor(staff[0])
    raise Forbidden(f"{title.capitalize()} может только: {_who(allowed)}", code="role_forbidden")
