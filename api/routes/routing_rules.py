"""The registry's routing rules: topic [+ location] → body, and the suggestion a curator sees (P7).

Everyone with a token reads; only an administrator writes (the lookups are the registry's, ``api.routes.registry``).
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, Depends, Query, status
from sqlalchemy import func
from sqlmodel import Session, col, select

from api.deps import get_session
from api.errors import Conflict, NotFound, error_responses
from api.routes.registry import (
    READ,
    WRITE,
    as_out,
    code_map,
    find_body,
    find_location,
    find_topic,
    id_path,
    limit_query,
    offset_query,
    patch_values,
    routable_body,
    save_row,
)
from api.schemas import CODE_PATTERN, RouteSuggestion, RoutingRuleIn, RoutingRuleOut, RoutingRulePatch
from models.registry import Body, Location, RoutingRule, Topic

router = APIRouter(prefix="/api/v1", responses=error_responses(401, 422, 503))

# --- routing rules ----------------------------------------------------------------------------------


def _rule_out(rule: RoutingRule, topics: dict[int, str], locations: dict[int, str],
              bodies: dict[int, str]) -> RoutingRuleOut:
    return as_out(RoutingRuleOut, rule, topic_code=topics[rule.topic_id],
                          location_code=locations.get(rule.location_id) if rule.location_id else None,
                          body_code=bodies[rule.body_id])


def _rule_maps(session: Session) -> tuple[dict[int, str], dict[int, str], dict[int, str]]:
    return code_map(session, Topic), code_map(session, Location), code_map(session, Body)


@router.get("/routing-rules/suggest", response_model=list[RouteSuggestion], dependencies=READ,
            tags=["реестр: маршрутизация"], summary="Компетентные органы для темы и территории",
            description="Правила для указанной территории имеют приоритет над общими правилами темы: если "
            "они есть, возвращаются только они. Органы упорядочены по приоритету правила (меньше — выше); "
            "упразднённые органы не предлагаются.", responses=error_responses(404))
def suggest_route(
    topic: str = Query(description="Код темы", pattern=CODE_PATTERN, max_length=60),
    location: str | None = Query(None, description="Код территории", pattern=CODE_PATTERN, max_length=40),
    session: Session = Depends(get_session),
) -> list[RouteSuggestion]:
    topic_row = find_topic(session, topic)
    location_row = find_location(session, location) if location else None
    query = (select(RoutingRule, Body).join(Body, Body.id == RoutingRule.body_id)  # type: ignore[arg-type]
             .where(RoutingRule.topic_id == topic_row.id, Body.is_active == True)  # noqa: E712
             .order_by(col(RoutingRule.priority), col(Body.code)))
    rows: Sequence[tuple[RoutingRule, Body]] = []
    if location_row is not None:
        rows = session.exec(query.where(RoutingRule.location_id == location_row.id)).all()
    if not rows:
        rows = session.exec(query.where(RoutingRule.location_id.is_(None))).all()  # type: ignore[union-attr]
    return [RouteSuggestion(body_code=b.code, body_name=b.name, priority=r.priority, rule_id=r.id,  # type: ignore[arg-type]
                            by_location=r.location_id is not None) for r, b in rows]


@router.get("/routing-rules", response_model=list[RoutingRuleOut], dependencies=READ,
            tags=["реестр: маршрутизация"], summary="Правила маршрутизации: тема [+ территория] → орган")
def list_routing_rules(
    topic: str | None = Query(None, description="Код темы", max_length=60, pattern=CODE_PATTERN),
    body: str | None = Query(None, description="Код органа", max_length=40, pattern=CODE_PATTERN),
    limit: int = limit_query(),
    offset: int = offset_query(),
    session: Session = Depends(get_session),
) -> list[RoutingRuleOut]:
    query = select(RoutingRule).order_by(col(RoutingRule.id))
    if topic is not None:
        query = query.where(RoutingRule.topic_id == find_topic(session, topic).id)
    if body is not None:
        query = query.where(RoutingRule.body_id == find_body(session, body).id)
    maps = _rule_maps(session)
    return [_rule_out(r, *maps) for r in session.exec(query.offset(offset).limit(limit)).all()]


def _rule(session: Session, rule_id: int) -> RoutingRule:
    rule = session.get(RoutingRule, rule_id)
    if rule is None:
        raise NotFound(f"Правило маршрутизации №{rule_id} не найдено", code="routing_rule_not_found")
    return rule


@router.get("/routing-rules/{rule_id}", response_model=RoutingRuleOut, dependencies=READ,
            tags=["реестр: маршрутизация"], summary="Правило маршрутизации", responses=error_responses(404))
def get_routing_rule(rule_id: int = id_path("Номер правила"),
                     session: Session = Depends(get_session)) -> RoutingRuleOut:
    return _rule_out(_rule(session, rule_id), *_rule_maps(session))


@router.post("/routing-rules", response_model=RoutingRuleOut, status_code=status.HTTP_201_CREATED,
             dependencies=WRITE, tags=["реестр: маршрутизация"], summary="Добавить правило маршрутизации",
             responses=error_responses(403, 404, 409))
def create_routing_rule(data: RoutingRuleIn, session: Session = Depends(get_session)) -> RoutingRuleOut:
    topic = find_topic(session, data.topic_code)
    location = find_location(session, data.location_code) if data.location_code else None
    body = routable_body(session, data.body_code)
    location_id = location.id if location else None
    same = select(func.count()).select_from(RoutingRule).where(
        RoutingRule.topic_id == topic.id, RoutingRule.body_id == body.id,
        RoutingRule.location_id == location_id if location_id else RoutingRule.location_id.is_(None))  # type: ignore[union-attr]
    if session.exec(same).one():
        raise Conflict("Такое правило уже есть (тема, территория и орган совпадают)", code="duplicate")
    rule = RoutingRule(topic_id=topic.id, location_id=location_id, body_id=body.id,  # type: ignore[arg-type]
                       priority=data.priority)
    return _rule_out(save_row(session, rule), *_rule_maps(session))


@router.patch("/routing-rules/{rule_id}", response_model=RoutingRuleOut, dependencies=WRITE,
              tags=["реестр: маршрутизация"], summary="Изменить правило маршрутизации",
              responses=error_responses(403, 404, 409))
def update_routing_rule(data: RoutingRulePatch, rule_id: int = id_path("Номер правила"),
                        session: Session = Depends(get_session)) -> RoutingRuleOut:
    rule = _rule(session, rule_id)
    values = patch_values(data)
    if "body_code" in values:
        body = routable_body(session, values.pop("body_code"))
        clash = session.exec(select(RoutingRule).where(
            RoutingRule.topic_id == rule.topic_id, RoutingRule.body_id == body.id, RoutingRule.id != rule.id,
            RoutingRule.location_id == rule.location_id if rule.location_id
            else RoutingRule.location_id.is_(None))).first()  # type: ignore[union-attr]
        if clash is not None:
            raise Conflict("Такое правило уже есть (тема, территория и орган совпадают)", code="duplicate")
        rule.body_id = body.id  # type: ignore[assignment]
    for key, value in values.items():
        setattr(rule, key, value)
    return _rule_out(save_row(session, rule), *_rule_maps(session))
