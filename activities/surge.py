"""P17 surges: count messages and feed candidates per topic × location, record surges, report them.

``detect(engine, cfg, at)`` does the counting and the bookkeeping (a ``surge`` row per surge) and returns
the ``surge`` / ``surge_subsided`` events to send; the ``detect_surges`` activity (run by ``SurgeWorkflow``
from the schedule ``otklik-surge``) records them in the outbox and starts their delivery.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity
from temporalio.client import Client

from domain.notifications import NotificationEvent, NotificationEventBatch, NotificationKind
from domain.surge import Cell, SurgeConfig, baseline, baseline_windows, decide
from models.candidates import Candidate
from models.readmodel import Message
from models.settings import CONFIG_DIR, Settings
from models.surges import Surge


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _counts(session: Session, start: datetime, end: datetime) -> tuple[Counter[Cell], dict[Cell, list[str]], dict[Cell, list[int]]]:
    counts: Counter[Cell] = Counter()
    wids: dict[Cell, list[str]] = {}
    cids: dict[Cell, list[int]] = {}
    for wid, topic, loc in session.exec(select(Message.workflow_id, Message.topic, Message.location).where(
            Message.detected_at >= start, Message.detected_at < end, col(Message.topic).is_not(None),
            col(Message.location).is_not(None))).all():
        counts[(topic, loc)] += 1  # type: ignore[index]
        wids.setdefault((topic, loc), []).append(wid)  # type: ignore[arg-type]
    # Candidates not (yet) taken as messages: a taken one is counted as its message.
    for cid, topic, loc in session.exec(select(Candidate.id, Candidate.suggested_topic, Candidate.suggested_location)
                                        .where(Candidate.arrived_at >= start, Candidate.arrived_at < end,
                                               col(Candidate.workflow_id).is_(None),
                                               col(Candidate.suggested_topic).is_not(None),
                                               col(Candidate.suggested_location).is_not(None))).all():
        counts[(topic, loc)] += 1  # type: ignore[index]
        cids.setdefault((topic, loc), []).append(cid)  # type: ignore[arg-type]
    return counts, wids, cids


def detect(engine: Engine, cfg: SurgeConfig, at: datetime) -> list[NotificationEvent]:
    at = _aware(at)
    with Session(engine) as session:
        current, wids, cids = _counts(session, at - cfg.window, at)
        weeks = [_counts(session, a, b)[0] for a, b in baseline_windows(at, cfg)]
        base = {c: baseline((w.get(c, 0) for w in weeks), cfg.baseline_weeks) for c in current}
        active = {(s.topic, s.location): s for s in session.exec(select(Surge).where(Surge.status == "active")).all()}
        started, ended = decide(current, base, active, cfg)
        events: list[NotificationEvent] = []
        for cell in started:
            s = Surge(key=f"{cell[0]}|{cell[1]}|{at.isoformat()}", topic=cell[0], location=cell[1],
                      started_at=at, last_count=current[cell], peak_count=current[cell], baseline=base[cell],
                      workflow_ids=wids.get(cell, []), candidate_ids=cids.get(cell, []), checked_at=at)
            session.add(s)
            events.append(_event(NotificationKind.surge, s, cfg, at, count=current[cell], baseline=round(base[cell], 1)))
        for cell, s in active.items():
            n = current.get(cell, 0)
            s.last_count, s.peak_count, s.checked_at = n, max(s.peak_count, n), at
            s.workflow_ids = sorted(set(s.workflow_ids) | set(wids.get(cell, [])))
            s.candidate_ids = sorted(set(s.candidate_ids) | set(cids.get(cell, [])))
            if cell in ended:
                s.status, s.ended_at = "subsided", at
                events.append(_event(NotificationKind.surge_subsided, s, cfg, at,
                                     total=len(s.workflow_ids) + len(s.candidate_ids),
                                     ended_at=at.isoformat()))
            session.add(s)
        session.commit()
    return events


def _event(kind: NotificationKind, s: Surge, cfg: SurgeConfig, at: datetime, **data: Any) -> NotificationEvent:
    return NotificationEvent(
        key=f"{kind.value}:{s.key}", kind=kind, audience="leadership", created_at=at,
        data={"topic": s.topic, "location": s.location, "window_minutes": cfg.window_minutes,
              "started_at": _aware(s.started_at).isoformat(), "workflow_ids": list(s.workflow_ids)[:100],
              "candidate_count": len(s.candidate_ids), **data})


def load_config(settings: Settings) -> SurgeConfig:
    return SurgeConfig.load(settings.surge_config or CONFIG_DIR / "surge.yaml")


class SurgeActivities:
    def __init__(self, engine: Engine, client: Client, settings: Settings) -> None:
        from activities.delivery import DeliveryActivities

        self._engine = engine
        self._settings = settings
        self._delivery = DeliveryActivities(engine, client, settings)

    @activity.defn(name="detect_surges")
    async def detect_surges(self, at: datetime) -> int:
        """Detect at ``at`` (the schedule's time); returns how many reports were sent."""
        events = await asyncio.to_thread(detect, self._engine, load_config(self._settings), at)
        if events:
            await self._delivery.notify_events(NotificationEventBatch(events=events))
        return len(events)


def surge_activities(engine: Engine, client: Client, settings: Settings) -> list[Any]:
    return [SurgeActivities(engine, client, settings).detect_surges]
