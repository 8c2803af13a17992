"""Telegram Bot API ``sendMessage`` (base URL configurable, e.g. a local Bot API server). Plain text,
at most 4,096 characters."""

from __future__ import annotations

import json

from activities.delivery.errors import ChannelMisconfigured, InvalidAddress
from activities.delivery.http import post_json
from activities.delivery.max import fit
from activities.delivery.render import Rendered
from models.settings import Settings

TELEGRAM_TEXT = 4096


async def send_telegram(settings: Settings, chat_id: str, rendered: Rendered, idem: str, link: str = "") -> str:
    if not settings.telegram_token:
        raise ChannelMisconfigured("Telegram: не задан токен бота (OTKLIK_TELEGRAM_TOKEN)")
    chat = chat_id.strip()
    if not (chat.lstrip("-").isdigit() or (chat.startswith("@") and len(chat) > 1)):
        raise InvalidAddress(f"Telegram: неверный идентификатор чата {chat_id!r}")
    text = fit(f"{rendered.subject}\n\n{rendered.text}", TELEGRAM_TEXT, f"Полностью: {link}" if link else "")
    body = json.dumps({"chat_id": chat, "text": text, "disable_web_page_preview": True},
                      ensure_ascii=False).encode()
    resp = await post_json("Telegram", f"{settings.telegram_api_url.rstrip('/')}/bot{settings.telegram_token}"
                           "/sendMessage", json_body=body, headers={}, settings=settings)
    try:
        return str(resp.json().get("result", {}).get("message_id", ""))
    except (ValueError, AttributeError):
        return ""
