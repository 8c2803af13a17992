"""The message card: the citizen's text, the live view (``api.actions.detail``), the timeline, every deadline
with its "why", who holds it, the Temporal UI link, and the forms of exactly the actions this person may take
now (``present.offered``). A form posts to ``/m/{id}/do/{action}`` → ``api.actions.act``, as the JSON routes;
a refusal (403, 409 from the workflow's validator, 422) is shown on the card with its status."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from sqlmodel import Session

from api import actions
from api.errors import ApiError
from api.pages.common import calendar, checked_form, context, error_page, names, now, page_session, see_other
from api.pages.forms import SCHEMAS, action_payload
from api.pages.present import countdown, days_off, draft_actions, holder, offered, temporal_ui_url, why
from api.pages.session import PageSession
from api.pages.web import refusal, render
from api.queries import events
from api.routes.routing_rules import suggest_route
from api.schemas import WORKFLOW_ID_PATTERN
from domain.decisions import ChecklistItem, DraftKind, IllegalGround
from domain.marks import MARK_TITLES
from domain.vocabulary import Importance
from models.page_queries import Names, candidate_for_message

router = APIRouter(include_in_schema=False)
MessageId = Path(max_length=300, pattern=WORKFLOW_ID_PATTERN)


def _extras(request: Request, wid: str, topic: str | None, location: str | None) -> tuple[list[Any], Any, list[str]]:
    """The timeline, the candidate the message came from, and the bodies the routing rules suggest for its
    classification (the same function as ``GET /api/v1/routing-rules/suggest``)."""
    with Session(request.app.state.engine) as session:
        timeline = events(session, wid)
        cand = candidate_for_message(session, wid)
        if cand is not None:
            session.expunge(cand)
        by_rules: list[str] = []
        if topic:
            try:
                by_rules = [s.body_code for s in suggest_route(topic=topic, location=location, session=session)]
            except ApiError:  # a topic no longer in the registry: no suggestion
                by_rules = []
        return timeline, cand, by_rules


async def _card(request: Request, sess: PageSession, reg: Names, wid: str, *, error: str | None = None,
                status: int = 200) -> Response:
    client = await request.app.state.temporal.client()
    detail = await actions.detail(client, request.app.state.engine, sess.principal, wid)
    view = detail.view
    classification = view.classification if view else None
    timeline, cand, by_rules = await asyncio.to_thread(
        _extras, request, wid, classification.topic if classification else None,
        classification.location if classification else None)
    cal, t = calendar(request), now()
    allowed = offered(view, sess.principal) if view is not None else []
    settings = request.app.state.settings
    ui_base = settings.temporal_ui_url or f"http://localhost:{settings.temporal_ui_port}"
    deadlines = [(d, countdown(cal, d.due, t, d.breached) if d.status == "open" else None,
                  why(cal, d.opened_at, d.due), days_off(cal, d.opened_at, d.due))
                 for d in (view.deadlines if view else [])]
    suggested = list(view.suggested_bodies) if view else []
    for code in [cand.suggested_body if cand is not None else None, *by_rules]:
        if code and code not in suggested:
            suggested.append(code)
    ctx = context(
        request, sess, reg, d=detail, v=view, rec=detail.record, timeline=timeline, cand=cand, allowed=allowed,
        draft_acts=draft_actions(view, sess.principal, allowed) if view else {}, deadlines=deadlines,
        held=holder(reg.body(view.held_by), view.held_by) if view else "—",
        countdown=countdown(cal, view.next_deadline, t, view.breached) if view else None,
        temporal_url=temporal_ui_url(ui_base, settings.temporal_namespace, wid),
        suggested=suggested, marks=MARK_TITLES,
        topic=classification.topic if classification else (cand.suggested_topic if cand else None),
        location=classification.location if classification else (cand.suggested_location if cand else None),
        importances=list(Importance), kinds=list(DraftKind), checklist=list(ChecklistItem),
        grounds=list(IllegalGround), error=error, done=request.query_params.get("done"),
    )
    return render(request, "card.html", ctx, status=status)


@router.get("/m/{wid}")
async def card(request: Request, wid: str = MessageId, sess: PageSession = Depends(page_session)) -> Response:
    reg = await names(request)
    try:
        return await _card(request, sess, reg, wid)
    except Exception as exc:
        found = refusal(exc)
        if found is None:
            raise
        return error_page(request, sess, reg, *found)


@router.post("/m/{wid}/do/{action}")
async def act(request: Request, action: str, wid: str = MessageId, sess: PageSession = Depends(page_session)
              ) -> Response:
    reg = await names(request)
    if action not in SCHEMAS:
        return error_page(request, sess, reg, 404, "Нет такого действия")
    try:
        form = await checked_form(request, sess)
        payload = action_payload(action, form)
        draft = form.get("draft") if action in ("approve", "return_draft", "confirm_published") else None
        idem = form.get("idem")
        client = await request.app.state.temporal.client()
        await actions.act(client, request.app.state.engine, sess.principal, wid, action, payload,
                          idem if isinstance(idem, str) and idem else None,
                          draft=draft if isinstance(draft, str) else None)
    except Exception as exc:
        found = refusal(exc)
        if found is None:
            raise
        status, text = found
        if status == 403 and getattr(exc, "code", "") == "csrf_failed":
            return error_page(request, sess, reg, status, text)
        try:
            return await _card(request, sess, reg, wid, error=text, status=status)
        except Exception as again:
            if refusal(again) is None:
                raise
            return error_page(request, sess, reg, status, text)
    return see_other(f"/m/{wid}?done={action}")
