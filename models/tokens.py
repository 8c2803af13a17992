"""API tokens: generated once, shown once, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

from sqlmodel import Session, select

from models.registry import ApiToken, Person

TOKEN_PREFIX = "otk_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(session: Session, person: Person) -> str:
    """Create a token for ``person``; return the plain token (never stored)."""
    assert person.id is not None
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(person_id=person.id, token_hash=hash_token(token), prefix=token[:12]))
    session.flush()
    return token


def person_for_token(session: Session, token: str) -> Person | None:
    """The active person a non-revoked token belongs to, or None."""
    row = session.exec(
        select(Person)
        .join(ApiToken, ApiToken.person_id == Person.id)  # type: ignore[arg-type]
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))  # type: ignore[union-attr]
    ).first()
    if row is None or not row.is_active:
        return None
    return row


def revoke_tokens(session: Session, person_id: int) -> int:
    """Revoke every live token of a person; returns how many."""
    rows = session.exec(
        select(ApiToken).where(ApiToken.person_id == person_id, ApiToken.revoked_at.is_(None))  # type: ignore[union-attr]
    ).all()
    now = datetime.now(UTC)
    for row in rows:
        row.revoked_at = now
        session.add(row)
    return len(rows)
