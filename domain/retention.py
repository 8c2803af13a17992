"""Retention of citizens' personal data: the request and result of ``remove_personal_data``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class RetentionRequest(BaseModel):
    days: int = Field(ge=1, le=36500, description="Messages closed this many days ago or more")
    batch: int = Field(default=500, ge=1, le=10_000)


class RetentionResult(BaseModel):
    messages: int = 0
    candidates: int = 0
    moderation: int = 0  # moderation records whose comment text and author id were removed
    cutoff: datetime
