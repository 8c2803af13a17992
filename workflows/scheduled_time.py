"""The moment a Schedule meant a run for. Temporal stamps a run a Schedule starts with the search attribute
``TemporalScheduledStartTime``: the nominal time, not the start. A run that starts late — caught up after an
outage of the server or the workers, or backfilled by an operator (``temporal schedule backfill``) — still
reports the week or quarter it was meant for, not the one it happens to start in. A run started by hand has
no such stamp and reads ``workflow.now()``."""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow
from temporalio.common import SearchAttributeKey

SCHEDULED_START = SearchAttributeKey.for_datetime("TemporalScheduledStartTime")
PATCH = "scheduled-start-time"  # workflow.patched: runs recorded before read workflow.now() on replay


def nominal_now() -> datetime:
    """The Schedule's nominal time of this run, else ``workflow.now()``; runs recorded before the patch keep
    reading ``workflow.now()`` on replay."""
    if workflow.patched(PATCH):
        stamped = workflow.info().typed_search_attributes.get(SCHEDULED_START)
        if stamped is not None:
            return stamped
    return workflow.now()
