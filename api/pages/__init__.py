"""Web pages for curators, executors and leadership on the same functions as the JSON API.

``install_pages(app)`` adds the routes, the static files (htmx vendored, the page script, the style sheet)
and the sign-in redirect. Templates live in ``templates/``; no rule lives in a template or a page route.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from api.pages import card, moderation, overview, plan, queue, signin, triage
from api.pages.session import SignedOut
from api.pages.web import STATIC


def install_pages(app: FastAPI) -> None:
    async def signed_out(request: Request, exc: Exception) -> Response:
        return RedirectResponse("/signin", status_code=303)

    app.add_exception_handler(SignedOut, signed_out)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (signin, triage, queue, card, overview, plan, moderation):
        app.include_router(module.router)
