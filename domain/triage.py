"""Triage of candidates: ЦУР's internal target, not a Regulation deadline (P7).

A candidate has no Regulation clock; the P7 and P9 clocks start when a Curator takes it. ЦУР still wants
its inbox read: a candidate left new past ``target`` from its arrival (working time on the production
calendar by default) goes into one reminder to the ЦУР duty officer — never to a body or to leadership.

Pure: the policy comes from ``config/triage.yaml``; ``now`` always arrives as an argument.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from domain.notifications import NotificationEvent, NotificationKind
from domain.sla import Clock
from domain.worktime import WorkCalendar
from domain.worktime_report import parse_duration

TRIAGE_PATH = Path(__file__).resolve().parent.parent / "config" / "triage.yaml"
MAX_IDS = 200  # candidate ids listed in one reminder (the count is always the full number)


class TriagePolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    target: timedelta = timedelta(hours=1)
    clock: Clock = Clock.working
    check_every: timedelta = timedelta(minutes=5)

    @field_validator("target", "check_every", mode="before")
    @classmethod
    def _parse(cls, v: Any) -> Any:
        if isinstance(v, str) and not v.strip().startswith("P"):
            return parse_duration(v)
        return v

    @field_validator("target")
    @classmethod
    def _positive_target(cls, v: timedelta) -> timedelta:
        if v <= timedelta(0) or v > timedelta(days=30):
            raise ValueError("target: от 1 минуты до 30 дней")
        return v

    @field_validator("check_every")
    @classmethod
    def _sane_interval(cls, v: timedelta) -> timedelta:
        if v < timedelta(minutes=1) or v > timedelta(days=1):
            raise ValueError("check_every: от 1 минуты до 1 дня")
        return v

    @classmethod
    def load(cls, path: Path = TRIAGE_PATH) -> TriagePolicy:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            return cls.model_validate(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "файл"
            raise ValueError(f"{path.name}: {where}: {err['msg']}") from None

    @classmethod
    @lru_cache(maxsize=1)
    def default(cls) -> TriagePolicy:
        return cls.load()

    def due(self, arrived_at: datetime, calendar: WorkCalendar) -> datetime:
        """When a candidate that arrived at ``arrived_at`` passes the target."""
        if self.clock == Clock.calendar:
            return arrived_at + self.target
        return calendar.add(arrived_at, self.target)

    def overdue(self, arrived_at: datetime, now: datetime, calendar: WorkCalendar) -> bool:
        return self.due(arrived_at, calendar) <= now


def reminder(candidate_ids: Sequence[int], oldest_arrived_at: datetime, now: datetime) -> NotificationEvent:
    """The one reminder to the ЦУР duty officer for the candidates past the target.

    The key is a digest of the ids: a retried activity records the same event once.
    """
    ids = sorted(candidate_ids)
    digest = hashlib.sha256(",".join(map(str, ids)).encode()).hexdigest()[:20]
    return NotificationEvent(
        key=f"triage:{digest}", kind=NotificationKind.triage, audience="tsur_duty", created_at=now,
        data={"count": len(ids), "candidate_ids": [str(i) for i in ids[:MAX_IDS]],
              "oldest_arrived_at": oldest_arrived_at.isoformat()},
    )


class TriageResult(BaseModel):
    """What one triage check did: how many candidates went into the reminder (0: none recorded)."""

    count: int = 0
    key: str | None = None
