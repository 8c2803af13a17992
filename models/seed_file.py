"""The seed file's shape and its validation: ``load_seed(path)`` reads a YAML file into :class:`SeedData`.

Every problem is named by its entry (``bodies[3] (minzdrav).name: ...``) and by the file; references
between entries (parents, routes, successors of a retired body, accounts) are checked before anything
is written. Writing is ``models.seed.seed``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator
from sqlmodel import Field

from models.registry import (
    BodyCreate,
    LocationBase,
    SocialAccountCreate,
    TopicBase,
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


class RetiredSeed(BaseModel):
    """``retired: {date: 2025-04-18, successors: [komdor, komtrans]}`` — the body no longer exists."""

    model_config = _STRICT

    date: date
    successors: list[str] = Field(min_length=1)

    @field_validator("successors")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        return [_check_code(c) for c in v]


class BodySeed(BodyCreate):
    model_config = _STRICT  # type: ignore[assignment]

    retired: RetiredSeed | None = None

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

    kind: Literal["city", "district", "republic"]

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
    # Bodies this route used to go to: an existing rule for the same topic and location to one of
    # them is moved to ``body`` (a changed competence, not a retirement).
    replaces: list[str] = []

    @model_validator(mode="after")
    def _one_form(self) -> RoutingRuleSeed:
        if (self.topic is None) == (not self.topics):
            raise ValueError("give exactly one of 'topic' or 'topics'")
        if self.body in self.replaces:
            raise ValueError("a rule cannot replace its own body")
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

    retired = {b.code: b.retired for b in data.bodies if b.retired is not None}
    for i, b in enumerate(data.bodies):
        if b.retired is None:
            continue
        if b.is_active and "is_active" in b.model_fields_set:
            problems.append(f"bodies[{i}] ({b.code}).is_active: a retired body is not active")
        for s in b.retired.successors:
            if s == b.code or s not in body_codes or s in retired:
                why = "itself" if s == b.code else "retired" if s in retired else "unknown"
                problems.append(f"bodies[{i}] ({b.code}).retired.successors: {why} body {s!r}")

    # One body per (topic, location); a second one only when both entries give distinct priorities
    # (an ordered list of competent bodies, e.g. utility bills: the ministry, then the tariff service).
    routed: dict[tuple[str, str | None], list[tuple[str, int | None]]] = {}
    for i, topic, loc, body, priority in data.routes():
        where = f"routing_rules[{i}]"
        if topic not in topic_codes:
            problems.append(f"{where}: unknown topic {topic!r}")
        if loc is not None and loc not in location_codes:
            problems.append(f"{where}: unknown location {loc!r}")
        if body not in body_codes:
            problems.append(f"{where}: unknown body {body!r}")
        elif body in retired:
            problems.append(f"{where}: body {body!r} is retired; route to its successor")
        problems += [f"{where}.replaces: unknown body {r!r}" for r in data.routing_rules[i].replaces
                     if r not in body_codes]
        key = (topic, loc)
        earlier = routed.setdefault(key, [])
        ordered = priority is not None and all(p is not None and p != priority for _, p in earlier)
        if earlier and (not ordered or body in {b for b, _ in earlier}):
            problems.append(
                f"{where}: topic {topic!r}{' in ' + repr(loc) if loc else ''} is already routed to {earlier[0][0]!r}"
            )
        earlier.append((body, priority))

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
