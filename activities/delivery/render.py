"""Russian texts of notifications, rendered at delivery from ``config/templates/notifications/<kind>.txt.j2``.

The templates name bodies, topics and districts through filters that look the codes up in the registry
snapshot given (``Names``), so a text never shows a code. Times are Moscow time, «01.12.2026 15:30 МСК».
The HTML part is the text laid out in paragraphs (``_layout.html.j2``), links made clickable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import jinja2
from markupsafe import Markup, escape

from domain.messages import DRAFT_KIND_TITLES, ILLEGAL_GROUND_TITLES, IMPORTANCE_TITLES
from domain.notifications import AUDIENCE_TITLES, NotificationEvent
from models.settings import CONFIG_DIR

TEMPLATES = CONFIG_DIR / "templates" / "notifications"
MSK = ZoneInfo("Europe/Moscow")
ORDER_TITLES = {"parallel": "параллельно", "sequential": "последовательно"}
ZONE_TITLES = {"green": "зелёная зона", "yellow": "жёлтая зона", "red": "красная зона"}
_URL = re.compile(r"https?://[^\s<>«»\"]+")


@dataclass
class Names:
    """Registry names by code (bodies, topics, locations), read from the database at delivery."""

    bodies: dict[str, str] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)
    locations: dict[str, str] = field(default_factory=dict)


@dataclass
class Rendered:
    subject: str
    text: str
    html: str


def as_time(v: Any) -> datetime | None:
    if isinstance(v, datetime):
        return v
    if isinstance(v, str) and v:
        try:
            return datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def msk(v: Any) -> str:
    t = as_time(v)
    if t is None:
        return "не указано"
    if t.tzinfo is None:
        t = t.replace(tzinfo=ZoneInfo("UTC"))
    return t.astimezone(MSK).strftime("%d.%m.%Y %H:%M МСК")


def msk_date(v: Any) -> str:
    t = as_time(v)
    return t.astimezone(MSK).strftime("%d.%m.%Y") if t else str(v or "")


def duration(v: Any) -> str:
    if isinstance(v, jinja2.Undefined):
        return "не указано"
    try:
        minutes = round(float(v))
    except (TypeError, ValueError):
        return "не указано"
    h, m = divmod(abs(minutes), 60)
    parts = ([f"{h} ч"] if h else []) + ([f"{m} мин"] if m or not h else [])
    return " ".join(parts)


def _names(ctx: Any) -> Names:
    return ctx.get("_names") or Names()


@jinja2.pass_context
def body_name(ctx: Any, code: Any) -> str:
    if not code:
        return "не указан"
    return _names(ctx).bodies.get(str(code), "орган, исключённый из реестра")


@jinja2.pass_context
def bodies_names(ctx: Any, codes: Any) -> str:
    codes = [codes] if isinstance(codes, str) else list(codes or [])
    return ", ".join(body_name(ctx, c) for c in codes if c) or "не указан"


@jinja2.pass_context
def holder(ctx: Any, code: Any) -> str:
    if code in ("tsur", "ЦУР"):
        return "ЦУР (" + _names(ctx).bodies.get("tsur", "Центр управления регионом") + ")"
    return body_name(ctx, code)


@jinja2.pass_context
def topic_name(ctx: Any, code: Any) -> str:
    return _names(ctx).topics.get(str(code), "тема вне реестра") if code else "не указана"


@jinja2.pass_context
def location_name(ctx: Any, code: Any) -> str:
    return _names(ctx).locations.get(str(code), "территория вне реестра") if code else "не указана"


def rule_title(v: Any) -> str:
    """"P9" → «п. 9 Положения», "A11" → «п. 11 Порядка»."""
    m = re.fullmatch(r"([PA])(\d+)", str(v or ""))
    if not m:
        return str(v or "")
    return f"п. {m.group(2)} " + ("Положения" if m.group(1) == "P" else "Порядка")


def audiences(v: Any) -> str:
    items = [v] if isinstance(v, str) else list(v or [])
    return ", ".join(AUDIENCE_TITLES.get(str(a), str(a)) for a in items)


def linkify(line: str) -> Markup:
    out, pos = [], 0
    for m in _URL.finditer(line):
        out.append(escape(line[pos:m.start()]))
        out.append(Markup('<a href="{0}">{0}</a>').format(m.group(0)))
        pos = m.end()
    out.append(escape(line[pos:]))
    return Markup("").join(out)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=False,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
    env.filters.update(
        msk=msk, date=msk_date, duration=duration, body=body_name, bodies=bodies_names, holder=holder,
        topic=topic_name, location=location_name, audiences=audiences, rule=rule_title, linkify=linkify,
        ground=lambda g: ILLEGAL_GROUND_TITLES.get(g, "противоправное содержание"),
        draft_kind=lambda k: DRAFT_KIND_TITLES.get(k, "проект ответа"),
        order=lambda o: ORDER_TITLES.get(o, ""),
        importance=lambda i: IMPORTANCE_TITLES.get(i, ""),
        zone=lambda z: ZONE_TITLES.get(z, ""),
    )
    return env


@lru_cache(maxsize=1)
def _html_env() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
    env.filters["linkify"] = linkify
    return env


def _tidy(text: str) -> str:
    """At most one blank line in a row, no trailing spaces."""
    lines = [ln.rstrip() for ln in text.strip().splitlines()]
    out: list[str] = []
    for ln in lines:
        if ln or (out and out[-1]):
            out.append(ln)
    return "\n".join(out)


def to_html(subject: str, text: str) -> str:
    paragraphs = [p.splitlines() for p in text.split("\n\n") if p.strip()]
    return _html_env().get_template("_layout.html.j2").render(subject=subject, paragraphs=paragraphs)


def render_event(event: NotificationEvent, names: Names, *, message: dict[str, Any] | None = None,
                 links: dict[str, str] | None = None, extra: dict[str, Any] | None = None) -> Rendered:
    """The subject, text and HTML of one event."""
    env = environment()
    tmpl = env.get_template(f"{event.kind.value}.txt.j2")
    ctx: dict[str, Any] = {**event.data, **(extra or {}), "data": event.data, "body": event.body,
                           "workflow_id": event.workflow_id, "event": event, "message": message,
                           "links": links or {}, "_names": names}
    context = tmpl.new_context(ctx)
    subject = " ".join("".join(tmpl.blocks["subject"](context)).split())
    text = _tidy(tmpl.render(ctx))
    return Rendered(subject=subject, text=text, html=to_html(subject, text))


def render_digest(items: list[Rendered], since: datetime | None = None) -> Rendered:
    """Several events for one person in one text (one item: that item itself)."""
    if len(items) == 1:
        return items[0]
    text = _tidy(environment().get_template("_digest.txt.j2").render(items=items, since=since))
    subject = f"Сводка уведомлений «Отклика»: {len(items)}"
    return Rendered(subject=subject, text=text, html=to_html(subject, text))
