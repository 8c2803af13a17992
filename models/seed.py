"""The seed registry: bodies, topics, locations, routing rules and accounts from a YAML file.

``load_seed(path)`` reads and validates the file (pydantic, every problem named by its entry);
``seed(engine, path)`` upserts it by natural keys and reports what it created, updated or left as it was.

Idempotent by construction:

* every row is found by its natural key (``code``; a routing rule by (topic, location, body); an account
  by ``url``), so a second run creates nothing;
* an existing row is updated only in the fields the YAML entry *states*: a field the file leaves out
  (``head_name``, ``responsible_name`` ...) keeps whatever an administrator put there;
* nothing is ever deleted — rows an administrator added, and seeded rows later removed from the file,
  stay (deactivate a body with ``is_active: false`` instead).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from sqlalchemy.engine import Engine
from sqlmodel import Field, Session, SQLModel, select

from models.registry import (
    Body,
    BodyCreate,
    Location,
    LocationBase,
    RoutingRule,
    SocialAccount,
    SocialAccountCreate,
    Topic,
    TopicBase,
    TopicGroup,
    TopicGroupBase,
)
from models.settings import CONFIG_DIR

DEFAULT_SEED = CONFIG_DIR / "seed" / "north-ossetia.yaml"
_CODE = re.compile(r"^[a-z0-9_\-]+$")


class SeedError(ValueError):
    """The seed file is missing, not YAML, or invalid; the message names the file and the entry."""


def _check_code(v: str) -> str:
    if not _CODE.fullmatch(v):
        raise ValueError(f"code {v!r} must be lowercase ASCII letters, digits, '_' or '-'")
    return v


# --- the file's shape -------------------------------------------------------------------------
# The entries reuse the registry's Create/Base models (same lengths and defaults as the tables) and
# forbid unknown keys, so a misspelt field is an error rather than silently ignored.

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BodySeed(BodyCreate):
    model_config = _STRICT  # type: ignore[assignment]

    @model_validator(mode="before")
    @classmethod
    def _parent_alias(cls, data: Any) -> Any:
        # In the file the parent body is written `parent: minzdrav`.
        if isinstance(data, dict) and "parent" in data:
            data = dict(data)
            if "parent_code" in data:
                raise ValueError("give either 'parent' or 'parent_code', not both")
            data["parent_code"] = data.pop("parent")
        return data

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        return _check_code(v)

    @field_validator("parent_code")
    @classmethod
    def _parent_code(cls, v: str | None) -> str | None:
        return None if v is None else _check_code(v)


class TopicSeed(TopicBase):
    model_config = _STRICT  # type: ignore[assignment]

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        return _check_code(v)


class TopicGroupSeed(TopicGroupBase):
    model_config = _STRICT  # type: ignore[assignment]

    topics: list[TopicSeed] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        return _check_code(v)


class LocationSeed(LocationBase):
    model_config = _STRICT  # type: ignore[assignment]

    kind: Literal["city", "district", "republic"]  # type: ignore[assignment]

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        return _check_code(v)


class RoutingRuleSeed(BaseModel):
    """One body for one or more topics, optionally in one or more locations (expanded to rows)."""

    model_config = _STRICT

    topic: str | None = None
    topics: list[str] = []
    location: str | None = None
    locations: list[str] = []
    body: str
    priority: int | None = None

    @model_validator(mode="after")
    def _one_form(self) -> RoutingRuleSeed:
        if (self.topic is None) == (not self.topics):
            raise ValueError("give exactly one of 'topic' or 'topics'")
        if self.location is not None and self.locations:
            raise ValueError("give 'location' or 'locations', not both")
        if self.priority is not None and not 0 <= self.priority <= 10000:
            raise ValueError("priority must be within 0..10000")
        return self

    def expand(self) -> list[tuple[str, str | None]]:
        """(topic, location) pairs this entry stands for; location None = the default route."""
        topics = [self.topic] if self.topic is not None else self.topics
        locations: list[str | None] = (
            [self.location] if self.location is not None else list(self.locations) or [None]
        )
        return [(t, loc) for t in topics for loc in locations]


class AccountSeed(SocialAccountCreate):
    model_config = _STRICT  # type: ignore[assignment]


class SeedData(BaseModel):
    model_config = _STRICT

    version: Literal[1] = 1
    region: str = ""
    locations: list[LocationSeed] = []
    bodies: list[BodySeed] = []
    topic_groups: list[TopicGroupSeed] = []
    routing_rules: list[RoutingRuleSeed] = []
    accounts: list[AccountSeed] = []

    @model_validator(mode="before")
    @classmethod
    def _drop_extensions(cls, data: Any) -> Any:
        # Top-level keys starting with "x-" hold YAML anchors (as in docker-compose); not data.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not str(k).startswith("x-")}
        return data

    @property
    def topics(self) -> list[tuple[TopicGroupSeed, TopicSeed]]:
        return [(g, t) for g in self.topic_groups for t in g.topics]

    def routes(self) -> list[tuple[int, str, str | None, str, int | None]]:
        """(entry index, topic, location, body, priority) for every row the rules stand for."""
        return [
            (i, topic, loc, r.body, r.priority)
            for i, r in enumerate(self.routing_rules)
            for topic, loc in r.expand()
        ]


# --- loading ----------------------------------------------------------------------------------


def _label(raw: Any, loc: tuple[Any, ...]) -> str:
    """`bodies[3] (minzdrav).name` — the path of a pydantic error, with the entry's code where known."""
    parts: list[str] = []
    node = raw
    for step in loc:
        if isinstance(step, int):
            parts.append(f"[{step}]")
            node = node[step] if isinstance(node, list) and step < len(node) else None
            if isinstance(node, dict):
                key = node.get("code") or node.get("url") or node.get("topic") or node.get("body")
                if isinstance(key, str):
                    parts.append(f" ({key})")
        else:
            parts.append(("." if parts else "") + str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return "".join(parts) or "(file)"


def _dupes(values: Iterable[str]) -> list[str]:
    return sorted(v for v, n in Counter(values).items() if n > 1)


def _cross_check(data: SeedData) -> list[str]:
    """References between entries: every code a rule, a parent or an account names must exist."""
    problems: list[str] = []
    body_codes = {b.code for b in data.bodies}
    topic_codes = {t.code for _, t in data.topics}
    location_codes = {loc.code for loc in data.locations}

    for what, codes in (
        ("body code", [b.code for b in data.bodies]),
        ("topic group code", [g.code for g in data.topic_groups]),
        ("topic code", [t.code for _, t in data.topics]),
        ("location code", [loc.code for loc in data.locations]),
        ("account url", [a.url for a in data.accounts]),
    ):
        problems += [f"duplicate {what} {c!r}" for c in _dupes(codes)]

    parents = {b.code: b.parent_code for b in data.bodies}
    for i, b in enumerate(data.bodies):
        if b.parent_code is None:
            continue
        if b.parent_code not in body_codes:
            problems.append(f"bodies[{i}] ({b.code}).parent: unknown body {b.parent_code!r}")
            continue
        seen: set[str] = {b.code}
        cur: str | None = b.parent_code
        while cur is not None:
            if cur in seen:
                problems.append(f"bodies[{i}] ({b.code}).parent: cycle through {cur!r}")
                break
            seen.add(cur)
            cur = parents.get(cur)

    routed: dict[tuple[str, str | None], str] = {}
    for i, topic, loc, body, _ in data.routes():
        where = f"routing_rules[{i}]"
        if topic not in topic_codes:
            problems.append(f"{where}: unknown topic {topic!r}")
        if loc is not None and loc not in location_codes:
            problems.append(f"{where}: unknown location {loc!r}")
        if body not in body_codes:
            problems.append(f"{where}: unknown body {body!r}")
        key = (topic, loc)
        if key in routed:
            problems.append(
                f"{where}: topic {topic!r}{' in ' + repr(loc) if loc else ''} is already routed to {routed[key]!r}"
            )
        routed.setdefault(key, body)

    for i, a in enumerate(data.accounts):
        if a.body_code not in body_codes:
            problems.append(f"accounts[{i}] ({a.url}).body_code: unknown body {a.body_code!r}")
    return problems


def load_seed(path: Path | None = None) -> SeedData:
    """Read and validate a seed file; raise :class:`SeedError` naming the file and the bad entries."""
    path = Path(path) if path is not None else DEFAULT_SEED
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SeedError(f"seed file {path}: not found") from None
    except yaml.YAMLError as exc:
        raise SeedError(f"seed file {path}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise SeedError(f"seed file {path}: expected a mapping at the top (bodies, topic_groups, ...)")
    try:
        data = SeedData.model_validate(raw)
    except ValidationError as exc:
        lines = [f"{_label(raw, tuple(e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise SeedError(_message(path, lines)) from None
    problems = _cross_check(data)
    if problems:
        raise SeedError(_message(path, problems))
    return data


def _message(path: Path, problems: list[str], limit: int = 20) -> str:
    shown = problems[:limit]
    more = f"\n  ... and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"seed file {path}: {len(problems)} problem(s):\n  " + "\n  ".join(shown) + more


# --- writing ----------------------------------------------------------------------------------

KINDS = ("locations", "bodies", "topic_groups", "topics", "routing_rules", "accounts")
_KIND_RU = {
    "locations": "территории",
    "bodies": "органы и организации",
    "topic_groups": "группы тем",
    "topics": "темы",
    "routing_rules": "правила маршрутизации",
    "accounts": "аккаунты",
}


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class SeedReport:
    source: Path
    counts: dict[str, Counts] = field(default_factory=lambda: {k: Counts() for k in KINDS})

    @property
    def created(self) -> int:
        return sum(c.created for c in self.counts.values())

    @property
    def updated(self) -> int:
        return sum(c.updated for c in self.counts.values())

    def __str__(self) -> str:
        lines = [f"Реестр загружен из {self.source}:"]
        for kind in KINDS:
            c = self.counts[kind]
            lines.append(
                f"  {_KIND_RU[kind]}: создано {c.created}, обновлено {c.updated}, без изменений {c.unchanged}"
            )
        return "\n".join(lines)


def _upsert(
    session: Session,
    existing: dict[Any, Any],
    key: Any,
    model: type[SQLModel],
    create: dict[str, Any],
    update: dict[str, Any],
    counts: Counts,
) -> tuple[Any, str]:
    """Create the row for `key` from `create`, or set the fields in `update` that differ.

    Returns the row and what happened to it: "created", "updated" or "unchanged".
    """
    row = existing.get(key)
    if row is None:
        row = model(**create)
        session.add(row)
        existing[key] = row
        counts.created += 1
        return row, "created"
    changed = False
    for name, value in update.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed:
        session.add(row)
        counts.updated += 1
        return row, "updated"
    counts.unchanged += 1
    return row, "unchanged"


def _stated(entry: BaseModel, *, drop: set[str]) -> dict[str, Any]:
    """The fields the YAML entry states (plain JSON values: enums become strings)."""
    return entry.model_dump(mode="json", include=entry.model_fields_set - drop)


def seed(engine: Engine, path: Path | None = None) -> SeedReport:
    """Upsert the seed file into the registry in one transaction; see the module docstring."""
    path = Path(path) if path is not None else DEFAULT_SEED
    data = load_seed(path)
    report = SeedReport(source=path)
    n = report.counts
    with Session(engine) as session:
        locations = {r.code: r for r in session.exec(select(Location))}
        for loc in data.locations:
            values = loc.model_dump(mode="json")
            _upsert(session, locations, loc.code, Location, values, _stated(loc, drop={"code"}), n["locations"])

        bodies = {r.code: r for r in session.exec(select(Body))}
        status: dict[str, str] = {}
        for b in data.bodies:
            _, status[b.code] = _upsert(
                session, bodies, b.code, Body, b.model_dump(mode="json", exclude={"parent_code"}),
                _stated(b, drop={"code", "parent_code"}), n["bodies"],
            )
        session.flush()  # ids for the parents
        for b in data.bodies:
            row = bodies[b.code]
            if b.parent_code is None or row.parent_id == bodies[b.parent_code].id:
                continue
            row.parent_id = bodies[b.parent_code].id
            session.add(row)
            if status[b.code] == "unchanged":  # a new parent is an update of an existing row
                n["bodies"].unchanged -= 1
                n["bodies"].updated += 1
                status[b.code] = "updated"

        groups = {r.code: r for r in session.exec(select(TopicGroup))}
        for g in data.topic_groups:
            _upsert(session, groups, g.code, TopicGroup, g.model_dump(mode="json", exclude={"topics"}),
                    _stated(g, drop={"code", "topics"}), n["topic_groups"])
        session.flush()

        topics = {r.code: r for r in session.exec(select(Topic))}
        for g, t in data.topics:
            values = t.model_dump(mode="json") | {"group_id": groups[g.code].id}
            _upsert(session, topics, t.code, Topic, values,
                    _stated(t, drop={"code"}) | {"group_id": groups[g.code].id}, n["topics"])
        session.flush()

        rules = {(r.topic_id, r.location_id, r.body_id): r for r in session.exec(select(RoutingRule))}
        for _, topic, where, body, priority in data.routes():
            key = (topics[topic].id, locations[where].id if where else None, bodies[body].id)
            stated = {} if priority is None else {"priority": priority}
            create = {"topic_id": key[0], "location_id": key[1], "body_id": key[2]} | stated
            _upsert(session, rules, key, RoutingRule, create, stated, n["routing_rules"])

        accounts = {r.url: r for r in session.exec(select(SocialAccount))}
        for a in data.accounts:
            body_id = bodies[a.body_code].id
            _upsert(session, accounts, a.url, SocialAccount,
                    a.model_dump(mode="json", exclude={"body_code"}) | {"body_id": body_id},
                    _stated(a, drop={"url", "body_code"}) | {"body_id": body_id}, n["accounts"])
        session.commit()
    return report
