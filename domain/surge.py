"""P17 surges («повышенная социальная активность») as statistics over counts. Pure.

A *cell* is (topic, location). ``decide`` compares each cell's count in the current window with its
baseline (the mean count in the same window of the previous weeks) and says which cells start a surge and
which active surges have subsided. Hysteresis: a surge starts above ``min_count`` and ``ratio`` × baseline,
and ends only when the window holds at most ``subside_count`` — so a count wavering at the threshold gives
one report, not one per run.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path

import yaml
from pydantic import BaseModel, Field, model_validator

Cell = tuple[str, str]


class SurgeConfig(BaseModel):
    every_minutes: int = Field(default=15, ge=1, le=1440)
    window_minutes: int = Field(default=120, ge=5, le=10080)
    baseline_weeks: int = Field(default=4, ge=1, le=52)
    min_count: int = Field(default=5, ge=2)
    ratio: float = Field(default=3.0, ge=1.0)
    baseline_floor: float = Field(default=1.0, ge=0.0)
    subside_count: int = Field(default=2, ge=0)

    @model_validator(mode="after")
    def _hysteresis(self) -> SurgeConfig:
        if self.subside_count >= self.min_count:
            raise ValueError("subside_count must be below min_count")
        return self

    @classmethod
    def load(cls, path: Path) -> SurgeConfig:
        return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})

    @property
    def window(self) -> timedelta:
        return timedelta(minutes=self.window_minutes)


def baseline_windows(at: datetime, cfg: SurgeConfig) -> list[tuple[datetime, datetime]]:
    """The same window (weekday, hours) in each of the previous weeks."""
    return [(at - timedelta(weeks=k) - cfg.window, at - timedelta(weeks=k)) for k in range(1, cfg.baseline_weeks + 1)]


def baseline(weekly_counts: Iterable[int], weeks: int) -> float:
    return sum(weekly_counts) / weeks if weeks else 0.0


def is_surge(count: int, base: float, cfg: SurgeConfig) -> bool:
    return count >= cfg.min_count and count >= cfg.ratio * max(base, cfg.baseline_floor)


def decide(current: Mapping[Cell, int], baselines: Mapping[Cell, float], active: Iterable[Cell],
           cfg: SurgeConfig) -> tuple[list[Cell], list[Cell]]:
    """(cells where a surge starts, active cells whose surge has subsided), each sorted."""
    active = set(active)
    started = sorted(c for c, n in current.items() if c not in active and is_surge(n, baselines.get(c, 0.0), cfg))
    ended = sorted(c for c in active if current.get(c, 0) <= cfg.subside_count)
    return started, ended
