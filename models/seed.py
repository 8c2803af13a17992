"""The seed registry: bodies, topics, locations, routing rules and accounts from a YAML file.

``load_seed(path)`` (``models.seed_file``) reads and validates the file (pydantic, every problem named by
its entry); ``seed(engine, path)`` upserts it by natural keys and reports what it created, updated or left
as it was.

Idempotent by construction:

* every row is found by its natural key (``code``; a routing rule by (topic, location, body); an account
  by ``url``), so a second run creates nothing;
* an existing row is updated only in the fields the YAML entry *states*: a field the file leaves out
  (``head_name``, ``responsible_name`` ...) keeps whatever an administrator put there;
* nothing is ever deleted — rows an administrator added, and seeded rows later removed from the file,
  stay (deactivate a body with ``is_active: false`` instead).

A change of structure is carried to an existing database: a body entry with ``retired:`` is retired
(``models.retire``: its rules move to its successors, its open messages are listed for ЦУР and the
curators notified once); a rule entry with ``replaces:`` moves the rule of the same topic and territory
from the body that used to be competent. Renames keep the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from models.registry import Body, Location, RoutingRule, SocialAccount, Topic, TopicGroup, utcnow
from models.retire import RetireError, RetirePlan, apply_retirement, plan_retirement
from models.seed_file import DEFAULT_SEED, SeedData, SeedError, load_seed

__all__ = ["DEFAULT_SEED", "SeedData", "SeedError", "SeedReport", "load_seed", "seed"]

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
    retired: list[RetirePlan] = field(default_factory=list)  # retirements stated in the file, done now or before

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
        for p in self.retired:
            lines.append(
                f"  упразднён «{p.body}» ({p.retired_at:%d.%m.%Y}) → {', '.join(p.successors)}: "
                f"перенесено правил {len(p.rules)}, открытых сообщений у него {len(p.held)}"
                + (" — список для кураторов ЦУР: GET /api/v1/messages?held_by_retired=true" if p.held else "")
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
                session, bodies, b.code, Body, b.model_dump(mode="json", exclude={"parent_code", "retired"}),
                _stated(b, drop={"code", "parent_code", "retired"}), n["bodies"],
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
        for i, topic, where, body, priority in data.routes():
            key = (topics[topic].id, locations[where].id if where else None, bodies[body].id)
            moved = [_replace(session, rules, (key[0], key[1], bodies[old].id), key)
                     for old in data.routing_rules[i].replaces]
            stated = {} if priority is None else {"priority": priority}
            create = {"topic_id": key[0], "location_id": key[1], "body_id": key[2]} | stated
            _, what = _upsert(session, rules, key, RoutingRule, create, stated, n["routing_rules"])
            if any(moved) and what == "unchanged":  # moved from the body that used to be competent
                n["routing_rules"].unchanged -= 1
                n["routing_rules"].updated += 1

        accounts = {r.url: r for r in session.exec(select(SocialAccount))}
        for a in data.accounts:
            body_id = bodies[a.body_code].id
            _upsert(session, accounts, a.url, SocialAccount,
                    a.model_dump(mode="json", exclude={"body_code"}) | {"body_id": body_id},
                    _stated(a, drop={"url", "body_code"}) | {"body_id": body_id}, n["accounts"])
        session.flush()

        for b in data.bodies:  # every retirement is checked before any is made
            if b.retired is None:
                continue
            try:
                report.retired.append(plan_retirement(session, b.code, b.retired.successors, b.retired.date))
            except RetireError as exc:
                raise SeedError(f"seed file {path}: bodies ({b.code}).retired: {exc.detail}") from None
        for plan in report.retired:
            apply_retirement(session, plan, utcnow())
            n["routing_rules"].updated += len(plan.rules)
        session.commit()
    return report


def _replace(session: Session, rules: dict[Any, RoutingRule], old: tuple[Any, ...], new: tuple[Any, ...]) -> bool:
    """The route (topic, location) that went to another body now goes to this one: move the old rule
    (or drop it when the new one is already there). True if there was one."""
    row = rules.pop(old, None)
    if row is None:
        return False
    if new in rules:
        session.delete(row)
    else:
        row.body_id = new[2]
        session.add(row)
        rules[new] = row
    session.flush()
    return True
