"""Triage (curators, P7): candidates newest first with their suggestions and P14 marks; take (with the
classification and route in one form) or skip, one or many — through ``api.triage.Triage``, as the API."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from sqlmodel import Session

from api.auth import require_roles
from api.errors import Forbidden
from api.pages.common import checked_form, context, error_page, names, page_session, see_other
from api.pages.forms import take_payload
from api.pages.session import PageSession
from api.pages.web import refusal, render
from api.triage import Triage
from domain.marks import MARK_TITLES
from models.candidate_queries import CandidateFilters, list_candidates

router = APIRouter(include_in_schema=False)
curator_only = require_roles("curator")


def _ensure_curator(sess: PageSession) -> None:
    curator_only(sess.principal)  # the API's own role check: 403 for anyone else


def _rows(request: Request, page: int) -> tuple[list, int]:
    with Session(request.app.state.engine) as session:
        rows, total = list_candidates(session, CandidateFilters(status=("new",), page=page, per_page=50))
        for r in rows:
            session.expunge(r)
        return rows, total


@router.get("/triage")
async def triage_page(request: Request, page: int = 1, sess: PageSession = Depends(page_session)) -> Response:
    reg = await names(request)
    try:
        _ensure_curator(sess)
    except Forbidden as exc:
        return error_page(request, sess, reg, 403, exc.detail)
    rows, total = await asyncio.to_thread(_rows, request, max(1, min(page, 100000)))
    return render(request, "triage.html", context(request, sess, reg, rows=rows, total=total, marks=MARK_TITLES))


@router.post("/triage/{candidate_id}/take")
async def take(request: Request, candidate_id: int = Path(ge=1, le=2**62),
               sess: PageSession = Depends(page_session)) -> Response:
    reg = await names(request)
    try:
        form = await checked_form(request, sess)
        _ensure_curator(sess)
        data = take_payload(form)
        client = await request.app.state.temporal.client()
        out = await Triage(request.app.state.intake).take(client, sess.principal, candidate_id, data)
    except Exception as exc:
        found = refusal(exc)
        if found is None:
            raise
        return await _again(request, sess, reg, *found)
    return see_other(f"/m/{out.message.workflow_id}?done=take")


@router.post("/triage/skip")
async def skip(request: Request, sess: PageSession = Depends(page_session)) -> Response:
    reg = await names(request)
    try:
        form = await checked_form(request, sess)
        _ensure_curator(sess)
        ids = [int(i) for i in form.getlist("ids") if isinstance(i, str) and i.isdigit()]
        if not ids:
            return await _again(request, sess, reg, 422, "Отметьте хотя бы одного кандидата")
        reason = form.get("reason")
        triage = Triage(request.app.state.intake)
        await asyncio.to_thread(triage.skip, sess.principal, ids, reason if isinstance(reason, str) else "",
                                single=len(ids) == 1)
    except Exception as exc:
        found = refusal(exc)
        if found is None:
            raise
        return await _again(request, sess, reg, *found)
    return see_other("/triage")


async def _again(request: Request, sess: PageSession, reg, status: int, text: str) -> Response:
    if status == 403:
        return error_page(request, sess, reg, status, text)
    rows, total = await asyncio.to_thread(_rows, request, 1)
    return render(request, "triage.html", context(request, sess, reg, rows=rows, total=total, marks=MARK_TITLES,
                                                  error=text), status=status)
