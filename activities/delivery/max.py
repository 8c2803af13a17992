"""MAX (the national messenger) Bot API: ``POST {base}/messages?user_id=…`` with the bot token in the
``Authorization`` header; text at most 4,000 characters (longer texts are cut with a link to the rest)."""

from __future__ import annotations

import json

from activities.delivery.errors import ChannelMisconfigured, InvalidAddress
from activities.delivery.http import post_json
from activities.delivery.render import Rendered
from models.settings import Settings

MAX_TEXT = 4000


def fit(text: str, limit: int, tail: str = "") -> str:
    if len(text) <= limit:
        return text
    cut = "\n…\n" + tail if tail else "\n…"
    return text[: limit - len(cut)] + cut


def max_text(rendered: Rendered, link: str = "") -> str:
    return fit(f"{rendered.subject}\n\n{rendered.text}", MAX_TEXT, f"Полностью: {link}" if link else "")


async def send_max(settings: Settings, user_id: str, rendered: Rendered, idem: str, link: str = "") -> str:
    if not settings.max_token:
        raise ChannelMisconfigured("MAX: не задан токен бота (OTKLIK_MAX_TOKEN)")
    if not user_id.strip().lstrip("-").isdigit():
        raise InvalidAddress(f"MAX: неверный идентификатор пользователя {user_id!r}")
    body = json.dumps({"text": max_text(rendered, link), "notify": True}, ensure_ascii=False).encode()
    resp = await post_json("MAX", f"{settings.max_api_url.rstrip('/')}/messages?user_id={user_id.strip()}",
                           json_body=body, headers={"Authorization": settings.max_token},
                           settings=settings)
    try:
        return str(resp.json().get("message", {}).get("body", {}).get("mid", ""))
    except (ValueError, AttributeError):
        return ""
