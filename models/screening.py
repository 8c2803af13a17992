"""Screening a candidate against the live registry: fills its suggested topic, location, body and P14 marks.

The candidate intake calls ``apply_screening(session, row)`` right after ``record_candidate`` returned a
new row. The registry's codes limit what may be suggested (keyword lists for codes it lacks are skipped)
and its routing rules give the body, exactly as ``GET /routing-rules/suggest`` would.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from domain.candidates import CandidateStatus
from domain.suggest import KnownCodes, RouteRule, Screening, screen_candidate
from models.candidates import Candidate
from models.registry import Body, Location, RoutingRule, Topic, TopicGroup


def registry_codes(session: Session) -> KnownCodes:
    return KnownCodes(
        groups=frozenset(session.exec(select(TopicGroup.code)).all()),
        topics=frozenset(session.exec(select(Topic.code)).all()),
        locations=frozenset(session.exec(select(Location.code)).all()),
    )


def registry_rules(session: Session) -> list[RouteRule]:
    """Every routing rule of the registry, by codes."""
    locations = {loc.id: loc.code for loc in session.exec(select(Location)).all()}
    rows = session.exec(
        select(RoutingRule, Topic.code, Body.code, Body.is_active)
        .join(Topic, col(Topic.id) == RoutingRule.topic_id)
        .join(Body, col(Body.id) == RoutingRule.body_id)
    ).all()
    return [RouteRule(topic=topic, body=body, location=locations.get(rule.location_id) if rule.location_id else None,
                      priority=rule.priority, body_active=active)
            for rule, topic, body, active in rows]


def apply_screening(session: Session, row: Candidate) -> Screening:
    """Set ``row``'s suggested_topic / suggested_location / suggested_body / marks from its text and commit.

    A candidate already decided (taken or skipped) keeps its columns: the suggestion is for triage only.
    Returns the screening (with the matched words, for a caller that shows them)."""
    screening = screen_candidate(row.text, rules=registry_rules(session), known=registry_codes(session))
    if row.status != CandidateStatus.new.value:
        return screening
    row.suggested_topic = screening.topic
    row.suggested_location = screening.location
    row.suggested_body = screening.body
    row.marks = list(screening.marks)
    session.add(row)
    session.commit()
    session.refresh(row)
    return screening
