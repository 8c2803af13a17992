"""Sign-in with a personal token, sign-out, and the start page (each role lands on its own queue)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from api.errors import Forbidden
from api.pages.common import checked_form, page_session, see_other
from api.pages.present import TITLES
from api.pages.session import (
    PageSession,
    check_pre_csrf,
    end_session,
    pre_session,
    set_pre_cookie,
    start_session,
    token_row,
)
from api.pages.web import render

router = APIRouter(include_in_schema=False)


def _signin_form(request: Request, error: str | None = None, status: int = 200) -> HTMLResponse:
    nonce, csrf = pre_session(request)
    response = render(request, "signin.html", {"me": None, "nav": [], "T": TITLES, "error": error,
                                               "csrf": csrf}, status)
    set_pre_cookie(request, response, nonce)
    return response


@router.get("/signin")
def signin_page(request: Request) -> HTMLResponse:
    return _signin_form(request)


@router.post("/signin")
async def signin(request: Request) -> Response:
    form = await request.form()
    try:
        check_pre_csrf(request, form.get("csrf"))
    except Forbidden as exc:
        return _signin_form(request, exc.detail, 403)
    token = form.get("token")
    found = await asyncio.to_thread(token_row, request.app.state.engine, token.strip() if isinstance(token, str) else "")
    if found is None:
        return _signin_form(request, "Токен недействителен или отозван. Токен выдаёт администратор командой "
                            "«otklik user add».", 401)
    response = see_other("/")
    start_session(request, response, *found)
    return response


@router.post("/signout")
async def signout(request: Request, sess: PageSession = Depends(page_session)) -> Response:
    await checked_form(request, sess)
    response = see_other("/signin")
    end_session(response)
    return response


@router.get("/")
def start(sess: PageSession = Depends(page_session)) -> Response:
    p = sess.principal
    if p.has("curator"):
        return see_other("/triage")
    if p.has("leadership"):
        return see_other("/dashboard")
    return see_other("/queue")
