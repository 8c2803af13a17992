"""What a monitoring pass hands between the workflow and its activities (no I/O)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from domain.messages import Network


class MonitorTarget(BaseModel):
    account_id: int
    network: Network
    url: str


class MonitorTargets(BaseModel):
    targets: list[MonitorTarget] = Field(default_factory=list)


class PollResult(BaseModel):
    account_id: int
    posts: int = 0  # new candidates from posts / topics
    comments: int = 0  # new candidates from comments
    seen: int = 0  # items read
    warning: str = ""  # Russian: a part of the community that could not be read this time (its boards)


class MonitorPass(BaseModel):
    polled: list[PollResult] = Field(default_factory=list)
    failed: dict[int, str] = Field(default_factory=dict)  # account id → Russian reason
