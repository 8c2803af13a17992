"""Bounds for values where they enter (issue 14): no accepted date or duration can later fail a workflow task.

Pure: the clock is the caller's (``not_in_future`` takes ``now``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

YEAR_MIN = 2000
YEAR_MAX = 2100
CLOCK_SKEW = timedelta(minutes=5)  # a stated time this far "in the future" is still accepted (clocks differ)
# Dates as JSON Schema states them: the year 2000–2100 with an explicit offset (Z or ±hh:mm).
DATETIME_PATTERN = r"^(20[0-9]{2}|2100)-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})$"
NO_NUL = r"^[^\x00]*$"
# No whitespace and no NUL (``\S`` alone lets NUL through, which every string then refuses).
NO_SPACE = r"^[^\s\x00]+$"
HTTP_URL = r"^https?://[^\s\x00]+$"
YEAR_TEXT = f"дата должна быть в пределах {YEAR_MIN}–{YEAR_MAX} годов"


def check_year(v: datetime | None) -> datetime | None:
    if v is not None and not YEAR_MIN <= v.year <= YEAR_MAX:
        raise ValueError(YEAR_TEXT)
    return v


def not_in_future(v: datetime | None, now: datetime, what: str) -> str | None:
    """The Russian reason ``v`` is refused (beyond the clock skew after ``now``), or None."""
    if v is not None and v > now + CLOCK_SKEW:
        return f"{what} не может быть в будущем"
    return None


BoundedDatetime = Annotated[
    AwareDatetime, AfterValidator(check_year),
    Field(json_schema_extra={"pattern": DATETIME_PATTERN,
                             "description": f"Дата и время ISO 8601 с часовым поясом, {YEAR_MIN}–{YEAR_MAX} гг."}),
]

# For query parameters (FastAPI's ``Query`` carries the schema there): ``Query(json_schema_extra=DATETIME_QUERY)``.
QueryDatetime = Annotated[AwareDatetime, AfterValidator(check_year)]
DATETIME_QUERY = {"pattern": DATETIME_PATTERN}


def echoable(text: str, limit: int = 40) -> str:
    """What a person typed, as it may be echoed back in an error: printable characters only, at most ``limit``."""
    return "".join(ch for ch in text if ch.isprintable())[:limit]
