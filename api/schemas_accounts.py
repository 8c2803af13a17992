"""Request and response bodies of ``/accounts``: a body's social account and the tokens that connect it."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, StringConstraints

from api.schemas import Code40, Strict, text
from domain.bounds import HTTP_URL
from models.registry import Network, SocialAccountCreate, SocialAccountPublic, SocialAccountUpdate


class AccountIn(Strict, SocialAccountCreate):
    network: Network
    url: Annotated[str, StringConstraints(min_length=8, max_length=300, pattern=HTTP_URL)]
    name: text(300) = ""  # type: ignore[valid-type]
    description: text(2000) = ""  # type: ignore[valid-type]
    body_code: Code40


class AccountPatch(Strict, SocialAccountUpdate):
    name: text(300) | None = None  # type: ignore[valid-type]
    description: text(2000) | None = None  # type: ignore[valid-type]


class AccountOut(SocialAccountPublic):
    body_code: str


class AccountTokenIn(Strict, BaseModel):
    """Ключ доступа сообщества (ВКонтакте: Управление → Работа с API; Одноклассники: ключ группы)."""

    token: text(400, 10)  # type: ignore[valid-type]


class AdminTokenIn(Strict, BaseModel):
    """Ключ доступа пользователя — редактора или администратора сообщества ВКонтакте (для ответов в обсуждениях)."""

    token: text(400, 10)  # type: ignore[valid-type]
