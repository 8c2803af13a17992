"""Triage reminder (P7, ЦУР's internal target): new candidates past the target, not yet reminded, go into
ONE notification event for the ЦУР duty officer, and are stamped ``triage_reminded_at`` in the same
transaction. Idempotent: a retry finds the same candidates (or none, once stamped), and the event key is a
digest of their ids, so the outbox holds the reminder once."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity

from domain.triage import TriagePolicy, TriageResult, reminder
from domain.worktime import WorkCalendar
from models.candidate_queries import awaiting_triage, mark_reminded
from models.outbox import record_events

CALENDAR_TTL = 300.0  # seconds: a calendar edit reaches the check within five minutes


class TriageActivities:
    def __init__(self, engine: Engine, policy: TriagePolicy | None = None) -> None:
        self._engine = engine
        self._policy = policy
        self._calendar: tuple[float, WorkCalendar] | None = None

    def calendar(self) -> WorkCalendar:
        now = time.monotonic()
        if self._calendar is None or now - self._calendar[0] > CALENDAR_TTL:
            self._calendar = (now, WorkCalendar.default(fallback=True))
        return self._calendar[1]

    @activity.defn(name="remind_triage")
    async def remind_triage(self, now: datetime) -> TriageResult:
        return await asyncio.to_thread(self.remind, now)

    def remind(self, now: datetime) -> TriageResult:
        policy = self._policy or TriagePolicy.default()
        calendar = self.calendar()
        with Session(self._engine) as session:
            # Working time is never shorter than calendar time: arrived later than now − target is not due yet.
            rows = [r for r in awaiting_triage(session, now - policy.target)
                    if policy.overdue(_aware(r.arrived_at), now, calendar)]
            if not rows:
                return TriageResult()
            ids = [r.id for r in rows if r.id is not None]
            event = reminder(ids, min(_aware(r.arrived_at) for r in rows), now)
            mark_reminded(session, ids, now)
            record_events(session, [event])  # commits the stamps and the event together
        return TriageResult(count=len(ids), key=event.key)


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def triage_activities(engine: Engine) -> list[object]:
    acts = TriageActivities(engine)
    return [acts.remind_triage]
