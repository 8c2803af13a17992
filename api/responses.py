"""One datetime form in every JSON response: ISO 8601 with the Moscow offset, ``2025-10-31T16:30:00+03:00``.

The read model stores UTC (``…Z``/``+00:00``) and the workflow's view speaks Moscow time; a client should not
see both. ``MoscowJSONResponse`` (the app's default response class) rewrites every string that is a complete
ISO date-time with an offset to the same instant at +03:00 — the Regulation's clock. Dates without a time,
naive times and any other text are left alone.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import JSONResponse

MSK = ZoneInfo("Europe/Moscow")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$")


def moscow(value: Any) -> Any:
    if isinstance(value, str):
        if len(value) < 40 and _ISO.match(value):
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(MSK).isoformat()
            except (ValueError, OverflowError):
                return value
        return value
    if isinstance(value, list):
        return [moscow(v) for v in value]
    if isinstance(value, dict):
        return {k: moscow(v) for k, v in value.items()}
    return value


class MoscowJSONResponse(JSONResponse):
    def render(self, content: Any) -> bytes:
        return super().render(moscow(content))
