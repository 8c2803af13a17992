"""The quarterly rating (Order, items 11–13): compute and store a quarter, publish it to the heads.

``compute_quarter(engine, cfg, quarter, at)`` reads the read model (``models.rating_queries``), rates every
body the Order covers (``domain.rating.rate``) and replaces the quarter's ``body_rating`` rows in one
transaction — refused once the quarter is published. ``publish_events(...)`` builds the notifications:
each body's head gets its own result (and its subordinate organisations', A10), the head of ЦУР, the
Chairman and the Administration the summary with the nomination list (A12). The ``rate_quarter``
activity (``RatingWorkflow``) does both and delivers through ``DeliveryActivities.notify_events``; event
keys carry the quarter, so a second run sends nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from domain.notifications import NotificationEvent, NotificationEventBatch, NotificationKind
from domain.rating import (
    STREAK,
    BodyFacts,
    BodyResult,
    Quarter,
    RatingConfig,
    RatingRun,
    RatingTask,
    nominated,
    rate,
)
from models.rating import BodyRating
from models.rating_queries import (
    QuarterPublished,
    is_published,
    mark_published,
    quarter_facts,
    quarter_rows,
    rated_bodies,
    store_quarter,
    zones_by_body,
)
from models.registry import Body
from models.settings import CONFIG_DIR, Settings


def load_config(settings: Settings | None = None) -> RatingConfig:
    path = (settings.rating_config if settings else None) or CONFIG_DIR / "rating.yaml"
    return RatingConfig.load(path)


def compute_quarter(engine: Engine, cfg: RatingConfig, q: Quarter, at: datetime) -> list[BodyRating]:
    """Rate quarter ``q`` and replace its rows; ``QuarterPublished`` when it is final."""
    with Session(engine) as session:
        if is_published(session, str(q)):
            raise QuarterPublished(str(q))
        facts = quarter_facts(session, q)
        bodies = rated_bodies(session, cfg, set(facts))
        results: dict[int, BodyResult] = {
            b.id: rate(cfg, facts.get(b.code) or BodyFacts(body=b.code, messages=0))
            for b in bodies if b.id is not None}
    return store_quarter(engine, q, results, cfg, at)


def nominations(session: Session, q: Quarter) -> list[dict[str, Any]]:
    """A12: the bodies green in ``q`` and the three quarters before it (a quarter with no score breaks it)."""
    quarters = [str(x) for x in q.last(STREAK)]
    zones = zones_by_body(session, quarters)
    ids = [i for i, z in zones.items() if nominated([z.get(x) for x in quarters])]
    bodies = session.exec(select(Body).where(col(Body.id).in_(ids)).order_by(col(Body.name))).all() if ids else []
    return [{"body": b.code, "name": b.name, "quarters": quarters} for b in bodies]


def _points(r: BodyRating) -> dict[str, float | None]:
    return {k: v.get("points") for k, v in r.criteria.items()}


def publish_events(engine: Engine, cfg: RatingConfig, q: Quarter, at: datetime) -> list[NotificationEvent]:
    quarter = str(q)
    with Session(engine) as session:
        rows = quarter_rows(session, quarter)
        noms = nominations(session, q)
    titles = {k.value: c.title for k, c in cfg.criteria.items()}
    children: dict[int, list[dict[str, Any]]] = {}
    for r, b in rows:
        if b.parent_id is not None:
            children.setdefault(b.parent_id, []).append({"body": b.code, "score": r.score, "zone": r.zone})
    events = []
    for r, b in rows:
        events.append(NotificationEvent(
            key=f"rating:{quarter}:{b.code}", kind=NotificationKind.rating, audience="body_head", body=b.code,
            created_at=at, data={"quarter": quarter, "quarter_title": q.title, "score": r.score, "zone": r.zone,
                                 "messages": r.messages, "min_messages": cfg.min_messages,
                                 "criteria": [{"title": titles.get(k, k), "points": p}
                                              for k, p in _points(r).items()],
                                 "subordinates": children.get(b.id or -1, [])}))
    summary = {"quarter": quarter, "quarter_title": q.title, "summary": True,
               "zones": {z: sum(1 for r, _ in rows if r.zone == z) for z in ("green", "yellow", "red")},
               "no_score": sum(1 for r, _ in rows if r.zone is None),
               "table": [{"body": b.code, "score": r.score, "zone": r.zone} for r, b in rows],
               "nominations": [n["body"] for n in noms]}
    for audience in ("tsur_head", "chairman", "administration"):
        events.append(NotificationEvent(key=f"rating:{quarter}:summary:{audience}", kind=NotificationKind.rating,
                                        audience=audience, created_at=at, data=summary))
    return events


class RatingActivities:
    def __init__(self, engine: Engine, client: Client, settings: Settings) -> None:
        from activities.delivery import DeliveryActivities

        self._engine = engine
        self._settings = settings
        self._delivery = DeliveryActivities(engine, client, settings)

    @activity.defn(name="rate_quarter")
    async def rate_quarter(self, task: RatingTask) -> RatingRun:
        """Compute (unless already published), publish and notify at ``task.at`` (the workflow's time); safe to
        run twice. A quarter not yet ended at ``task.at`` is refused (non-retryable)."""
        try:
            q = Quarter.parse(task.quarter)
        except ValueError as e:
            raise ApplicationError(str(e), type="BadQuarter", non_retryable=True) from e
        at = task.at if task.at.tzinfo else task.at.replace(tzinfo=UTC)
        if q.end() > at:
            raise ApplicationError(f"{q.title} ещё не закончился: рейтинг считается по итогам квартала",
                                   type="BadQuarter", non_retryable=True)
        cfg = load_config(self._settings)
        # A published quarter is final: its stored rows are sent again under the same keys, so no one gets
        # them twice; an unpublished one is computed (again) first.
        with contextlib.suppress(QuarterPublished):
            await asyncio.to_thread(compute_quarter, self._engine, cfg, q, at)
        events = await asyncio.to_thread(publish_events, self._engine, cfg, q, at)
        notified = await self._delivery.notify_events(NotificationEventBatch(events=events)) if events else 0
        await asyncio.to_thread(mark_published, self._engine, str(q), at)
        rated = sum(1 for e in events if e.audience == "body_head" and e.data.get("score") is not None)
        return RatingRun(quarter=str(q), bodies=sum(1 for e in events if e.audience == "body_head"), rated=rated,
                         published=True, notified=notified)


def rating_activities(engine: Engine, client: Client, settings: Settings) -> list[Any]:
    return [RatingActivities(engine, client, settings).rate_quarter]
