"""P16: build, store and send the ЦУР's weekly analytic note.

``generate(engine, settings, week, as_of)`` reads the read model (``models.report_queries``), computes the note
and every deputy chairman's part (``domain.weekly_aggregate``) and stores it (``weekly_note``, one row per
week: a second generation replaces the first). ``note_events`` are the notifications: the whole note to the
Head, the Chairman and the head of ЦУР, and each deputy chairman their part — keyed by week, so a second run
of the same week sends nothing again. The activities ``generate_weekly_note`` / ``send_weekly_note`` are run
by ``WeeklyNoteWorkflow``; e-mail delivery attaches the PDF (``weekly_note_attachments``).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError

from activities.delivery.mail import Attachment
from activities.weekly_render import render_pdf
from domain.notifications import NotificationEvent, NotificationEventBatch, NotificationKind
from domain.weekly_aggregate import build_report
from domain.weekly_note import (
    BadWeek,
    NoteRequest,
    ReportsConfig,
    WeeklyNote,
    WeeklyNoteResult,
    WeeklyReport,
    WeekPeriod,
)
from domain.worktime import WorkCalendar
from models.contacts import load_registry
from models.report_queries import report_names, report_rows
from models.settings import CONFIG_DIR, Settings
from models.weekly_notes import find_report, store_report


@lru_cache(maxsize=1)
def _calendar() -> WorkCalendar:
    return WorkCalendar.default(fallback=True)


def load_config() -> ReportsConfig:
    return ReportsConfig.load(CONFIG_DIR / "reports.yaml")


def generate(engine: Engine, settings: Settings, week: str, as_of: datetime) -> WeeklyReport:
    cfg = load_config()
    period = WeekPeriod.of_week(week, cfg.zone())
    with Session(engine) as session:
        rows = report_rows(session, period, as_of)
        names = report_names(session)
        snap = load_registry(session)
        report = build_report(rows, period, as_of, _calendar(), names, settings.public_url, snap,
                              top=cfg.top_overdue)
        store_report(session, report)
    return report


def note_url(settings: Settings, week: str, deputy: str | None = None, ext: str = "pdf") -> str:
    url = f"{settings.public_url.rstrip('/')}/api/v1/reports/weekly/{week}.{ext}"
    return f"{url}?part={deputy}" if deputy else url


def _data(settings: Settings, note: WeeklyNote, deputy: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {"week": note.week, "period_start": note.period_start.isoformat(),
                            "period_end": note.period_end.isoformat(),
                            "period_last": (note.period_end - timedelta(days=1)).isoformat(),
                            "summary": note.summary, "scope": note.scope,
                            "note_url": note_url(settings, note.week, deputy),
                            "xlsx_url": note_url(settings, note.week, deputy, "xlsx")}
    if deputy:
        data["deputy"] = deputy
    return data


def note_events(settings: Settings, report: WeeklyReport, at: datetime) -> list[NotificationEvent]:
    note = report.note
    events = [NotificationEvent(key=f"weekly_note:{note.week}:{aud}", kind=NotificationKind.weekly_note,
                                audience=aud, created_at=at, data=_data(settings, note))
              for aud in ("head", "chairman", "tsur_head")]
    for part in report.parts:
        if not part.body_codes:
            continue  # a deputy chairman with no body in the registry: nothing of theirs to report
        events.append(NotificationEvent(
            key=f"weekly_note:{note.week}:deputy:{part.deputy}", kind=NotificationKind.weekly_note,
            audience="portfolio_deputy", body=part.body_codes[0], created_at=at,
            data=_data(settings, part.note, part.deputy)))
    return events


def weekly_note_attachments(engine: Engine, data: dict[str, Any]) -> list[Attachment]:
    """The PDF of a ``weekly_note`` event (the deputy's part when the event names one)."""
    week = str(data.get("week") or "")
    with Session(engine) as session:
        row = find_report(session, week)
        report = row.report() if row is not None else None
    if report is None:
        return []
    deputy = data.get("deputy")
    part = report.part(str(deputy)) if deputy else None
    note = part.note if part is not None else report.note
    return [Attachment(f"analiticheskaya-zapiska-{week}.pdf", "application/pdf", render_pdf(note))]


class WeeklyNoteActivities:
    def __init__(self, engine: Engine, client: Client, settings: Settings) -> None:
        from activities.delivery import DeliveryActivities

        self._engine = engine
        self._settings = settings
        self._delivery = DeliveryActivities(engine, client, settings)

    @activity.defn(name="generate_weekly_note")
    async def generate_weekly_note(self, req: NoteRequest) -> WeeklyNoteResult:
        """Build and store the week's note, open messages judged as of ``req.as_of`` (the workflow's now)."""
        week = req.week
        try:
            report = await asyncio.to_thread(generate, self._engine, self._settings, week, req.as_of)
        except BadWeek as exc:
            raise ApplicationError(str(exc), type="BadWeek", non_retryable=True) from exc
        return WeeklyNoteResult(week=week, summary=report.note.summary)

    @activity.defn(name="send_weekly_note")
    async def send_weekly_note(self, week: str) -> int:
        """Notify the Head, the Chairman, the head of ЦУР and each deputy chairman; returns the events sent."""
        def load() -> WeeklyReport | None:
            with Session(self._engine) as session:
                row = find_report(session, week)
                return row.report() if row is not None else None

        report = await asyncio.to_thread(load)
        if report is None:
            raise ApplicationError(f"Записка за неделю {week} не сформирована", type="NoteMissing",
                                   non_retryable=True)
        events = note_events(self._settings, report, report.note.generated_at)
        await self._delivery.notify_events(NotificationEventBatch(events=events))
        return len(events)


def weekly_note_activities(engine: Engine, client: Client, settings: Settings) -> list[Any]:
    a = WeeklyNoteActivities(engine, client, settings)
    return [a.generate_weekly_note, a.send_weekly_note]
