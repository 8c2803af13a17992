"""The seed registry of recipients: ``config/seed/contacts.yaml`` (positions, P14 agencies).

Upserts by ``code``: creates what is missing, updates the position, title, portfolio and grounds of seeded
rows, and never touches addresses, preferences, the linked person or the secret an administrator set.
Nothing is deleted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from domain.messages import IllegalGround
from domain.recipients import Position
from models.contacts import Contact, check_channels
from models.seed import SeedError
from models.settings import CONFIG_DIR

DEFAULT_CONTACTS = CONFIG_DIR / "seed" / "contacts.yaml"


class ContactSeed(BaseModel):
    code: str = Field(pattern=r"^[a-z0-9_\-]+$", max_length=60)
    position: Position
    title: str = Field(min_length=3, max_length=400)
    body_code: str | None = None
    portfolio_title: str = ""
    portfolio_bodies: list[str] = Field(default_factory=list)
    grounds: list[IllegalGround] = Field(default_factory=list)
    email: str = ""
    max_user_id: str = ""
    telegram_chat_id: str = ""
    webhook_url: str = ""
    preferences: dict[str, list[str]] = Field(default_factory=dict)


class ContactsFile(BaseModel):
    version: int = 1
    contacts: list[ContactSeed]


def load_contacts(path: Path | None = None) -> ContactsFile:
    path = path or DEFAULT_CONTACTS
    try:
        data = ContactsFile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        for c in data.contacts:
            check_channels(c.preferences)
    except FileNotFoundError:
        raise SeedError(f"seed file {path}: not found") from None
    except (yaml.YAMLError, ValidationError, ValueError) as exc:
        raise SeedError(f"seed file {path}: {exc}") from None
    codes = [c.code for c in data.contacts]
    if len(codes) != len(set(codes)):
        raise SeedError(f"seed file {path}: duplicate contact codes")
    return data


def seed_contacts(engine: Engine, path: Path | None = None) -> str:
    data = load_contacts(path)
    created = updated = 0
    with Session(engine) as session:
        for c in data.contacts:
            row = session.exec(select(Contact).where(Contact.code == c.code)).first()
            fixed: dict[str, Any] = {"position": c.position, "title": c.title, "body_code": c.body_code,
                     "portfolio_title": c.portfolio_title, "portfolio_bodies": c.portfolio_bodies,
                     "grounds": [g.value for g in c.grounds]}
            if row is None:
                session.add(Contact(code=c.code, email=c.email, max_user_id=c.max_user_id,
                                    telegram_chat_id=c.telegram_chat_id, webhook_url=c.webhook_url,
                                    preferences=c.preferences, **fixed))
                created += 1
            elif any(getattr(row, k) != v for k, v in fixed.items()):
                for k, v in fixed.items():
                    setattr(row, k, v)
                session.add(row)
                updated += 1
        session.commit()
    return f"получатели уведомлений: добавлено {created}, обновлено {updated}, всего в файле {len(data.contacts)}"
