"""P16: the ЦУР's weekly analytic notes (``/reports/weekly``).

* ``GET /reports/weekly`` — the stored notes, newest first;
* ``GET /reports/weekly/{week}`` — one note as JSON (``2026-W48``): the whole note and each deputy chairman's
  part; ``?part=<recipient key>`` only that part;
* ``GET /reports/weekly/{week}.pdf`` / ``.xlsx`` — the document (``?part=`` likewise);
* ``POST /reports/weekly/{week}/generate`` — a curator (re)builds the week now: the API starts
  ``WeeklyNoteWorkflow`` for that week (one Temporal call, id ``otklik-weekly-note-<week>-build|send``: a second click
  while one runs joins it; the worker reads the read model and stores the note, replacing the stored one) and
  answers with it. ``?notify=true`` also sends it — to whoever has not
  got that week's note yet (notification keys are per week).

Read: ЦУР curators, leadership (the Head, the Chairman and the deputy chairmen all have the leadership
role, which reads everything), administrators. Unknown week: 404; a week that is not ``ГГГГ-Wнн``: 422.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Response
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client, WorkflowFailureError
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from api.auth import require_curator, require_roles
from api.deps import get_engine, get_session, get_settings, get_temporal
from api.errors import NotFound, ServiceUnavailable, Unprocessable, error_responses
from domain.weekly_note import (
    BadWeek,
    WeeklyNote,
    WeeklyNoteInput,
    WeeklyNoteResult,
    WeeklyReport,
    WeekPeriod,
)
from models.registry import utcnow
from models.settings import Settings
from models.weekly_notes import WeeklyNoteRow, find_report, list_reports

router = APIRouter(prefix="/api/v1/reports/weekly", tags=["отчёты: еженедельная записка (П16)"],
                   responses=error_responses(401, 403, 404, 422))
READ = [Depends(require_roles("curator", "leadership", "admin"))]
Week = Annotated[str, Path(description="ISO-неделя, например 2026-W48", max_length=20)]
Part = Annotated[str | None, Query(description="Часть записки для заместителя Председателя Правительства "
                                               "(ключ получателя из parts[].deputy)", max_length=40)]
GENERATE_TIMEOUT = 120


class WeeklyNoteOut(BaseModel):
    week: str
    period_start: datetime
    period_end: datetime
    generated_at: datetime
    summary: str
    pdf: str
    xlsx: str

    @classmethod
    def of(cls, row: WeeklyNoteRow) -> WeeklyNoteOut:
        base = f"/api/v1/reports/weekly/{row.week}"
        return cls(week=row.week, period_start=row.period_start, period_end=row.period_end,
                   generated_at=row.generated_at, summary=row.summary, pdf=f"{base}.pdf", xlsx=f"{base}.xlsx")


def _period(week: str) -> WeekPeriod:
    try:
        return WeekPeriod.of_week(week)
    except BadWeek as exc:
        raise Unprocessable(str(exc), code="week_invalid") from exc


def _report(session: Session, week: str) -> WeeklyReport:
    _period(week)
    row = find_report(session, week)
    if row is None:
        raise NotFound(f"Записка за неделю {week} не сформирована", code="weekly_note_not_found")
    return row.report()


def _note(report: WeeklyReport, part: str | None) -> WeeklyNote:
    if not part:
        return report.note
    found = report.part(part)
    if found is None:
        raise NotFound(f"В записке за неделю {report.note.week} нет части «{part}»", code="weekly_note_part_not_found")
    return found.note


def _file(data: bytes, media: str, week: str, ext: str, part: str | None) -> Response:
    name = quote(f"analiticheskaya-zapiska-{week}{'-' + part if part else ''}.{ext}")
    return Response(data, media_type=media,
                    headers={"Content-Disposition": f"inline; filename=\"weekly-{week}.{ext}\"; filename*=UTF-8''{name}"})


@router.get("", summary="Еженедельные аналитические записки ЦУР", dependencies=READ)
def list_notes(session: Session = Depends(get_session),
               limit: Annotated[int, Query(ge=1, le=520)] = 100) -> list[WeeklyNoteOut]:
    return [WeeklyNoteOut.of(r) for r in list_reports(session, limit)]


@router.get("/{week}.pdf", summary="Записка за неделю (PDF)", dependencies=READ, response_class=Response,
            responses={200: {"content": {"application/pdf": {}}}})
async def note_pdf(week: Week, part: Part = None, session: Session = Depends(get_session)) -> Response:
    from activities.weekly_render import render_pdf  # WeasyPrint is loaded only where documents are made

    note = _note(_report(session, week), part)
    return _file(await asyncio.to_thread(render_pdf, note), "application/pdf", week, "pdf", part)


@router.get("/{week}.xlsx", summary="Записка за неделю (XLSX, лист на раздел)", dependencies=READ,
            response_class=Response,
            responses={200: {"content": {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}})
def note_xlsx(week: Week, part: Part = None, session: Session = Depends(get_session)) -> Response:
    from activities.weekly_render import render_xlsx

    note = _note(_report(session, week), part)
    return _file(render_xlsx(note), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", week,
                 "xlsx", part)


@router.get("/{week}", summary="Записка за неделю (JSON)", dependencies=READ)
def note_json(week: Week, part: Part = None, session: Session = Depends(get_session)) -> Any:
    report = _report(session, week)
    if part:
        return report.part(part) or _note(report, part)
    return report


@router.post("/{week}/generate", summary="Сформировать записку за неделю заново (ЦУР)",
             dependencies=[Depends(require_curator)], responses=error_responses(503))
async def generate(week: Week, notify: Annotated[bool, Query(description="Разослать адресатам, ещё не "
                                                                         "получившим записку за эту неделю")] = False,
                   client: Client = Depends(get_temporal), settings: Settings = Depends(get_settings),
                   engine: Engine = Depends(get_engine)) -> WeeklyNoteOut:
    period = _period(week)
    if period.start > utcnow():
        raise Unprocessable(f"Неделя {week} ещё не началась", code="week_in_future")
    try:
        handle = await client.start_workflow(
            "WeeklyNoteWorkflow", WeeklyNoteInput(week=week, notify=notify), id=f"otklik-weekly-note-{week}-{'send' if notify else 'build'}",
            task_queue=settings.task_queue, result_type=WeeklyNoteResult,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE)
        await asyncio.wait_for(handle.result(), timeout=GENERATE_TIMEOUT)
    except TimeoutError as exc:
        raise ServiceUnavailable("Обработчик (worker Temporal) не сформировал записку вовремя; повторите запрос",
                                 code="weekly_note_timeout") from exc
    except WorkflowFailureError as exc:
        raise ServiceUnavailable(f"Записка не сформирована: {exc.cause or exc}", code="weekly_note_failed") from exc
    with Session(engine) as session:
        row = find_report(session, week)
    if row is None:  # the workflow succeeded, so the row is there; a concurrent delete is the only way here
        raise NotFound(f"Записка за неделю {week} не сформирована", code="weekly_note_not_found")
    return WeeklyNoteOut.of(row)
