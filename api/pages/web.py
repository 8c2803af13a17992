"""Rendering for the pages: the Jinja2 environment (autoescape on), filters people read, the CSP header,
and how a refusal from the shared action code becomes a message on the page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from api.errors import ApiError, _field_error
from domain.worktime import WEEKDAYS_SHORT
from domain.worktime_report import format_duration
from workflows.client import MessageNotFound, Rejected

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"

#: No inline scripts or styles, nothing from another origin; htmx and the page script are served from here.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                  trim_blocks=True, lstrip_blocks=True)


def safe_link(url: str | None, text: str | None = None) -> Markup:
    """A link only for ``http(s)`` addresses; anything else is shown as escaped text."""
    if not url:
        return Markup("—")
    label = text or url
    low = url.strip().lower()
    if (low.startswith("http://") or low.startswith("https://")) and not any(c.isspace() for c in url.strip()):
        return Markup('<a href="{}" rel="noopener noreferrer nofollow" target="_blank">{}</a>').format(
            url.strip(), label)
    return Markup("{}").format(label if text else url)


def local(t: datetime | None, zone: str = "Europe/Moscow", fmt: str = "%d.%m.%Y %H:%M") -> str:
    if t is None:
        return "—"
    t = t if t.tzinfo else t.replace(tzinfo=UTC)
    return t.astimezone(ZoneInfo(zone)).strftime(fmt)


def weekday(t: datetime | None, zone: str = "Europe/Moscow") -> str:
    """«ср 05.11 09:30» in the working day's zone."""
    if t is None:
        return "—"
    lt = (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(ZoneInfo(zone))
    return f"{WEEKDAYS_SHORT[lt.weekday()]} {lt:%d.%m %H:%M}"


def minutes_text(minutes: int) -> str:
    return format_duration(timedelta(minutes=max(0, minutes)))


def multiline(text: str | None) -> Markup:
    return Markup("<br>").join(escape(line) for line in (text or "").splitlines())


env.filters["link"] = safe_link
env.filters["local"] = local
env.filters["weekday"] = weekday
env.filters["minutes"] = minutes_text
env.filters["multiline"] = multiline


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    html = env.get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


FIELD_TITLES = {
    "bodies": "органы-исполнители", "reason": "причина", "text": "текст", "url": "ссылка", "topic": "тема",
    "location": "район", "importance": "важность", "kind": "вид ответа", "promised_date": "срок окончательного ответа",
    "attachments": "фото и видео", "agency": "правоохранительный орган", "comment": "комментарий",
    "classification": "классификация", "route": "направление", "publishing_body": "публикующий орган",
    "measures_taken": "принятые меры", "reasons": "причины возврата", "ground": "основание", "body": "орган",
}


def _field(path: str) -> str:
    """«body.route.bodies» → «органы-исполнители»; the whole body → «форма»."""
    parts = [p for p in path.removeprefix("body").strip(".").split(".") if p and not p.isdigit()]
    return FIELD_TITLES.get(parts[-1], parts[-1]) if parts else "форма"


def refusal(exc: Exception) -> tuple[int, str] | None:
    """(status, Russian text) for a refusal the shared code raises; None for anything else."""
    if isinstance(exc, ApiError):
        return exc.status, exc.detail
    if isinstance(exc, Rejected):
        return 409, exc.message_ru or "Действие невозможно в текущем состоянии сообщения"
    if isinstance(exc, MessageNotFound):
        return 404, "Сообщение не найдено"
    if isinstance(exc, RequestValidationError):
        errors = [_field_error(e) for e in exc.errors()]
        return 422, "Проверьте форму: " + "; ".join(f"{_field(e.field)} — {e.message}" for e in errors[:5])
    return None
