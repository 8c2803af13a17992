"""The registry: bodies, people, tokens, topics, locations, routing rules, social accounts.

Base / Create / Update / Public split as in the FastAPI full-stack template: ``XBase`` holds the
shared fields, ``X`` is the table, ``XCreate``/``XUpdate`` are request bodies, ``XPublic`` the response.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum

from sqlalchemy import JSON, BigInteger, Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

# Natural keys: lowercase ASCII codes (sqlmodel's `regex=` is ignored under pydantic 2; `pattern` works).
CODE_PATTERN = r"^[a-z0-9_\-]+$"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(StrEnum):
    curator = "curator"
    executor = "executor"
    responsible = "responsible"
    leadership = "leadership"
    admin = "admin"
    integration = "integration"  # a monitoring feed: may only take messages in (POST /messages)
    operator = "operator"  # Temporal operators: the codec endpoint (/codec) that decrypts payloads for the UI


class BodyKind(StrEnum):
    executive = "executive"  # орган исполнительной власти
    subordinate = "subordinate"  # подведомственная организация
    administration = "administration"  # Администрация Главы и Правительства
    tsur = "tsur"  # Центр управления регионом
    municipal = "municipal"  # администрация муниципального образования
    partner = "partner"  # организация, о которой часто пишут (ресурсоснабжающая, региональный оператор)


class Network(StrEnum):
    vk = "vk"
    ok = "ok"
    telegram = "telegram"
    other = "other"


# --- Body -------------------------------------------------------------------------------------


class BodyBase(SQLModel):
    code: str = Field(max_length=40, index=True, unique=True, schema_extra={"pattern": CODE_PATTERN})
    name: str = Field(max_length=400, min_length=3)
    short_name: str = Field(default="", max_length=120)
    kind: BodyKind = Field(default=BodyKind.executive, sa_type=String(20))
    head_name: str = Field(default="", max_length=200)
    head_position: str = Field(default="", max_length=300)
    responsible_name: str = Field(default="", max_length=200)
    responsible_position: str = Field(default="", max_length=300)
    site_url: str = Field(default="", max_length=300)
    portfolio: str = Field(default="", max_length=200, description="Deputy chairman overseeing the body (P16)")
    is_active: bool = True


class Body(BodyBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="body.id", index=True)
    # Retirement (models/retire.py): a body is never deleted; a retired one is inactive, names its
    # successors (codes) and keeps its code and name for the history of the messages it handled.
    retired_at: date | None = Field(default=None, index=True)
    successors: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))


class BodyCreate(BodyBase):
    parent_code: str | None = None


class BodyUpdate(SQLModel):
    name: str | None = Field(default=None, max_length=400, min_length=3)
    short_name: str | None = Field(default=None, max_length=120)
    kind: BodyKind | None = None
    head_name: str | None = None
    head_position: str | None = None
    responsible_name: str | None = None
    responsible_position: str | None = None
    site_url: str | None = None
    portfolio: str | None = None
    is_active: bool | None = None
    parent_code: str | None = None


class BodyPublic(BodyBase):
    id: int
    parent_id: int | None = None
    retired_at: date | None = None
    successors: list[str] = []


# --- Person and tokens ------------------------------------------------------------------------


class PersonBase(SQLModel):
    full_name: str = Field(max_length=200, min_length=2)
    position: str = Field(default="", max_length=300)
    email: str = Field(default="", max_length=200)
    is_active: bool = True


class Person(PersonBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    body_id: int | None = Field(default=None, foreign_key="body.id", index=True)
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)


class PersonCreate(PersonBase):
    roles: list[Role] = Field(min_length=1)
    body_code: str | None = None


class PersonUpdate(SQLModel):
    full_name: str | None = Field(default=None, max_length=200, min_length=2)
    position: str | None = None
    email: str | None = None
    is_active: bool | None = None
    roles: list[Role] | None = Field(default=None, min_length=1)
    body_code: str | None = None


class PersonPublic(PersonBase):
    id: int
    body_id: int | None = None
    roles: list[str]


class ApiToken(SQLModel, table=True):
    """Only the SHA-256 of a token is stored; the token itself is shown once."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(max_length=12)
    created_at: datetime = Field(default_factory=utcnow)
    revoked_at: datetime | None = None


# --- Topics and locations ---------------------------------------------------------------------


class TopicGroupBase(SQLModel):
    code: str = Field(max_length=40, index=True, unique=True, schema_extra={"pattern": CODE_PATTERN})
    name: str = Field(max_length=200, min_length=2)


class TopicGroup(TopicGroupBase, table=True):
    __tablename__ = "topic_group"
    id: int | None = Field(default=None, primary_key=True)


class TopicGroupPublic(TopicGroupBase):
    id: int


class TopicBase(SQLModel):
    code: str = Field(max_length=60, index=True, unique=True, schema_extra={"pattern": CODE_PATTERN})
    name: str = Field(max_length=200, min_length=2)


class Topic(TopicBase, table=True):
    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(foreign_key="topic_group.id", index=True)


class TopicCreate(TopicBase):
    group_code: str


class TopicUpdate(SQLModel):
    name: str | None = Field(default=None, max_length=200, min_length=2)
    group_code: str | None = None


class TopicPublic(TopicBase):
    id: int
    group_id: int


class LocationBase(SQLModel):
    code: str = Field(max_length=40, index=True, unique=True, schema_extra={"pattern": CODE_PATTERN})
    name: str = Field(max_length=200, min_length=2)
    kind: str = Field(default="district", max_length=20)  # city | district | republic


class Location(LocationBase, table=True):
    id: int | None = Field(default=None, primary_key=True)


class LocationCreate(LocationBase):
    pass


class LocationUpdate(SQLModel):
    name: str | None = Field(default=None, max_length=200, min_length=2)
    kind: str | None = None


class LocationPublic(LocationBase):
    id: int


# --- Routing ----------------------------------------------------------------------------------


class RoutingRule(SQLModel, table=True):
    """topic [+ location] -> body. A rule with a location wins over one without; among equals the
    lower ``priority`` number comes first."""

    __tablename__ = "routing_rule"
    __table_args__ = (UniqueConstraint("topic_id", "location_id", "body_id", name="uq_routing_rule"),)
    id: int | None = Field(default=None, primary_key=True)
    topic_id: int = Field(foreign_key="topic.id", index=True)
    location_id: int | None = Field(default=None, foreign_key="location.id", index=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    priority: int = 100


class RoutingRuleCreate(SQLModel):
    topic_code: str
    location_code: str | None = None
    body_code: str
    priority: int = Field(default=100, ge=0, le=10000)


class RoutingRuleUpdate(SQLModel):
    body_code: str | None = None
    priority: int | None = Field(default=None, ge=0, le=10000)


class RoutingRulePublic(SQLModel):
    id: int
    topic_id: int
    location_id: int | None
    body_id: int
    priority: int


# --- Social accounts (the Order, A2) ----------------------------------------------------------


class SocialAccountBase(SQLModel):
    network: Network = Field(sa_type=String(20))
    url: str = Field(max_length=300, min_length=8, unique=True, index=True)
    name: str = Field(default="", max_length=300)
    is_official: bool = True
    description: str = Field(default="", max_length=2000)
    auto_publish: bool = False  # connected for automatic publication of answers
    monitored: bool = False  # polled by the monitoring schedule (activities.networks.monitor)


class SocialAccount(SocialAccountBase, table=True):
    __tablename__ = "social_account"
    id: int | None = Field(default=None, primary_key=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    # The network's own id (VK group_id, OK gid), resolved from the address the admin typed.
    network_id: str | None = Field(default=None, max_length=40, index=True)
    # The community token, AES-GCM encrypted (models.secrets); never returned, never logged.
    token_cipher: str | None = Field(default=None, sa_type=Text)
    token_scopes: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list))
    token_checked_at: datetime | None = None
    # VK boards answer only a user token: one of the community's editors' or administrators' (encrypted too).
    admin_token_cipher: str | None = Field(default=None, sa_type=Text)
    admin_user_id: int | None = Field(default=None, sa_type=BigInteger)
    admin_token_scopes: list[str] = Field(default_factory=list,
                                          sa_column=Column(JSON, nullable=False, default=list))
    admin_token_checked_at: datetime | None = None


class SocialAccountCreate(SocialAccountBase):
    body_code: str


class SocialAccountUpdate(SQLModel):
    name: str | None = None
    is_official: bool | None = None
    description: str | None = None
    auto_publish: bool | None = None
    monitored: bool | None = None


class SocialAccountPublic(SocialAccountBase):
    id: int
    body_id: int
    network_id: str | None = None
    connected: bool = False
    token_scopes: list[str] = Field(default_factory=list)
    token_checked_at: datetime | None = None
    board_connected: bool = Field(default=False, description="Есть ключ администратора: ответы в обсуждениях ВКонтакте")
    admin_user_id: int | None = None
    admin_token_scopes: list[str] = Field(default_factory=list)
    admin_token_checked_at: datetime | None = None
