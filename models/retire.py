"""Retiring a body when the structure of the Government changes: never deleting it.

A retired body (``Body.retired_at``, ``Body.successors``, ``is_active = False``):

* is no longer offered for routing (``routing-rules/suggest`` and the decision checks take active bodies only);
* its routing rules move to a successor — the one the caller names for the topic (or its group), else the
  successor that already has a rule for the same topic and territory (the rule merges into it), else the
  one that has the topic's default rule, else the first successor;
* open messages it holds stay where they are (their workflows and deadlines are untouched): they are listed
  for the ЦУР curators to re-route (:func:`held_by_retired`, ``GET /messages?held_by_retired=true``) and
  the curators are notified once (:data:`NotificationKind.retired_body`, key ``retired:{code}:{date}``);
* its code and name stay in the registry, and each message's history keeps the names it was given then.

``plan_retirement`` only reads (the dry run); ``apply_retirement`` writes. Used by ``otklik seed``
(a ``retired:`` entry of the seed file) and by ``POST /api/v1/bodies/{code}/retire``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_
from sqlmodel import Session, col, select

from domain.messages import OPEN_STATES
from domain.notifications import NotificationEvent, NotificationKind
from models.outbox import record_events
from models.readmodel import Message, MessageBody
from models.registry import Body, Location, Person, RoutingRule, SocialAccount, Topic, TopicGroup

#: Body statuses in which a body still holds an open message (not re-routed away, not returned to ЦУР).
HELD_STATUSES = ("waiting", "assigned", "accepted", "contributed", "published")
_OPEN = sorted(s.value for s in OPEN_STATES)


class RetireError(ValueError):
    """A retirement that cannot be made; ``detail`` is Russian, ``status`` 404 / 409 / 422."""

    def __init__(self, detail: str, code: str, status: int = 422) -> None:
        super().__init__(detail)
        self.detail, self.code, self.status = detail, code, status


@dataclass
class RuleMove:
    rule_id: int
    topic: str
    location: str | None
    to_body: str
    merged: bool  # the successor already has this rule: the retired body's one is removed


@dataclass
class HeldMessage:
    workflow_id: str
    state: str
    url: str
    topic: str | None
    location: str | None
    body_status: str


@dataclass
class RetirePlan:
    body: str
    retired_at: date
    successors: list[str]
    already_retired: bool
    rules: list[RuleMove] = field(default_factory=list)
    held: list[HeldMessage] = field(default_factory=list)
    people: int = 0  # active people still attached to the body
    subordinates: list[str] = field(default_factory=list)  # active bodies whose parent it is
    accounts: int = 0  # social accounts registered to it

    @property
    def notification_key(self) -> str:
        return f"retired:{self.body}:{self.retired_at.isoformat()}"


def held_by_retired() -> ColumnElement[bool]:
    """Messages still open and held by a retired body (a WHERE clause on ``Message``)."""
    retired = select(Body.code).where(col(Body.retired_at).is_not(None))
    holders = select(MessageBody.workflow_id).where(col(MessageBody.body).in_(retired),
                                                    col(MessageBody.status).in_(HELD_STATUSES))
    return and_(col(Message.state).in_(_OPEN), col(Message.workflow_id).in_(holders))


def held_messages(session: Session, code: str) -> list[HeldMessage]:
    rows = session.exec(
        select(Message, MessageBody.status).join(MessageBody, MessageBody.workflow_id == Message.workflow_id)  # type: ignore[arg-type]
        .where(MessageBody.body == code, col(MessageBody.status).in_(HELD_STATUSES), col(Message.state).in_(_OPEN))
        .order_by(col(Message.detected_at), col(Message.id))).all()
    return [HeldMessage(workflow_id=m.workflow_id, state=m.state, url=m.url, topic=m.topic, location=m.location,
                        body_status=status) for m, status in rows]


def current_bodies(session: Session, codes: Sequence[str], topic: str | None, location: str | None) -> list[str]:
    """``codes`` with every retired body replaced by its successor competent for ``topic`` (the one a routing
    rule names, a rule of ``location`` first), else dropped — so a repeat message (P12) never goes to a body
    that no longer exists; with none left, the curator routes it."""
    rows = {b.code: b for b in session.exec(select(Body).where(col(Body.code).in_(list(codes))))}
    if not any(b.retired_at is not None for b in rows.values()):
        return list(codes)
    ruled: list[tuple[str | None, str]] = []
    if topic:
        ruled = list(session.exec(
            select(Location.code, Body.code).select_from(RoutingRule)
            .join(Topic, Topic.id == RoutingRule.topic_id).join(Body, Body.id == RoutingRule.body_id)  # type: ignore[arg-type]
            .join(Location, Location.id == RoutingRule.location_id, isouter=True)  # type: ignore[arg-type]
            .where(Topic.code == topic, Body.is_active).order_by(col(RoutingRule.priority))).all())
    out: list[str] = []
    for code in codes:
        body = rows.get(code)
        if body is None or body.retired_at is None:
            out.append(code)
            continue
        competent = [b for loc, b in ruled if b in body.successors and loc == location] or \
            [b for loc, b in ruled if b in body.successors and loc is None]
        out += competent[:1]
    return list(dict.fromkeys(out))


def _successor_for(rule: RoutingRule, successors: dict[int, str], explicit: dict[int, str],
                   rules: Sequence[RoutingRule]) -> tuple[str, bool]:
    if rule.topic_id in explicit:
        target = explicit[rule.topic_id]
        same = any(r.body_id in successors and successors[r.body_id] == target and r.location_id == rule.location_id
                   and r.topic_id == rule.topic_id for r in rules)
        return target, same
    for r in rules:  # the successor that already has the same route
        if r.topic_id == rule.topic_id and r.location_id == rule.location_id and r.body_id in successors:
            return successors[r.body_id], True
    for r in rules:  # the successor that has the topic's default route
        if r.topic_id == rule.topic_id and r.location_id is None and r.body_id in successors:
            return successors[r.body_id], False
    return next(iter(successors.values())), False


def plan_retirement(session: Session, code: str, successors: Sequence[str], retired_at: date,
                    routes: Mapping[str, str] | None = None) -> RetirePlan:
    """What retiring ``code`` in favour of ``successors`` does; reads only. ``routes``: topic or topic
    group code → the successor its rules go to."""
    body = session.exec(select(Body).where(Body.code == code)).first()
    if body is None:
        raise RetireError(f"Орган с кодом «{code}» не найден", "body_not_found", 404)
    wanted = list(dict.fromkeys(successors))
    if not wanted:
        raise RetireError("Укажите хотя бы один орган-правопреемник", "no_successor")
    if code in wanted:
        raise RetireError("Орган не может быть правопреемником самого себя", "bad_successor")
    found = {b.code: b for b in session.exec(select(Body).where(col(Body.code).in_(wanted)))}
    unknown = [c for c in wanted if c not in found]
    if unknown:
        raise RetireError("Нет в реестре органов-правопреемников: " + ", ".join(f"«{c}»" for c in unknown),
                          "body_not_found", 404)
    inactive = [found[c].name for c in wanted if found[c].retired_at is not None or not found[c].is_active]
    if inactive:
        raise RetireError("Правопреемник упразднён или не действует: " + "; ".join(f"«{n}»" for n in inactive),
                          "bad_successor")
    if body.retired_at is not None and list(body.successors) != wanted:
        raise RetireError(f"Орган «{body.name}» уже упразднён {body.retired_at:%d.%m.%Y}, правопреемники: "
                          + ", ".join(f"«{c}»" for c in body.successors), "already_retired", 409)
    if body.kind in ("tsur", "administration"):
        raise RetireError(f"«{body.name}» нельзя упразднить: без него не работает порядок Указа № 40",
                          "body_required", 409)

    ids = {found[c].id: c for c in wanted}
    explicit: dict[int, str] = {}
    topics = {t.code: t for t in session.exec(select(Topic))}
    groups = {g.code: g.id for g in session.exec(select(TopicGroup))}
    for key, target in (routes or {}).items():
        if target not in wanted:
            raise RetireError(f"«{target}» для темы «{key}» не указан среди правопреемников", "bad_successor")
        if key in topics:
            explicit[topics[key].id] = target  # type: ignore[index]
        elif key in groups:
            for t in topics.values():
                if t.group_id == groups[key]:
                    explicit.setdefault(t.id, target)  # type: ignore[arg-type]
        else:
            raise RetireError(f"Нет темы или группы тем с кодом «{key}»", "topic_not_found", 404)

    rules = session.exec(select(RoutingRule).order_by(col(RoutingRule.id))).all()
    topic_codes = {t.id: c for c, t in topics.items()}
    locations = {loc.id: loc.code for loc in session.exec(select(Location))}
    plan = RetirePlan(body=code, retired_at=body.retired_at or retired_at, successors=wanted,
                      already_retired=body.retired_at is not None)
    for rule in rules:
        if rule.body_id != body.id:
            continue
        target, merged = _successor_for(rule, ids, explicit, rules)  # type: ignore[arg-type]
        plan.rules.append(RuleMove(rule_id=rule.id, topic=topic_codes[rule.topic_id],  # type: ignore[arg-type]
                                   location=locations.get(rule.location_id) if rule.location_id else None,
                                   to_body=target, merged=merged))
    plan.held = held_messages(session, code)
    plan.people = len([p for p in session.exec(select(Person).where(Person.body_id == body.id)) if p.is_active])
    plan.subordinates = list(session.exec(select(Body.code).where(Body.parent_id == body.id, Body.is_active)
                                          .order_by(col(Body.code))))
    plan.accounts = len(session.exec(select(SocialAccount.id).where(SocialAccount.body_id == body.id)).all())
    return plan


def apply_retirement(session: Session, plan: RetirePlan, now: datetime) -> bool:
    """Carry the plan out and commit; True if the ЦУР curators were notified now (not before)."""
    body = session.exec(select(Body).where(Body.code == plan.body)).one()
    targets = {b.code: b.id for b in session.exec(select(Body).where(col(Body.code).in_(plan.successors)))}
    body.is_active = False
    body.retired_at = plan.retired_at
    body.successors = list(plan.successors)
    session.add(body)
    for move in plan.rules:
        rule = session.get(RoutingRule, move.rule_id)
        if rule is None:
            continue
        if move.merged:
            session.delete(rule)
        else:
            rule.body_id = targets[move.to_body]  # type: ignore[assignment]
            session.add(rule)
    session.flush()
    if not plan.held:
        session.commit()
        return False
    event = NotificationEvent(
        key=plan.notification_key, kind=NotificationKind.retired_body, audience="tsur_curators", body=plan.body,
        data={"body": plan.body, "successors": list(plan.successors),
              "workflow_ids": [m.workflow_id for m in plan.held]},
        created_at=now)
    return bool(record_events(session, [event]))  # commits
