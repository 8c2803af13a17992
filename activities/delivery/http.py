"""One JSON POST with the failure classified: shared by the MAX, Telegram and webhook channels (their TLS
trust: ``activities.delivery.trust``)."""

from __future__ import annotations

import httpx

from activities.delivery import trust
from activities.delivery.errors import ChannelError, ChannelMisconfigured, http_error
from models.settings import Settings


async def post_json(channel: str, url: str, *, json_body: bytes, headers: dict[str, str],
                    settings: Settings) -> httpx.Response:
    try:
        async with httpx.AsyncClient(timeout=settings.delivery_timeout_seconds,
                                     verify=trust.verify(settings, channel)) as client:
            resp = await client.post(url, content=json_body, headers={"Content-Type": "application/json",
                                                                      **headers})
    except httpx.HTTPError as exc:
        if trust.untrusted(exc):
            raise ChannelMisconfigured(trust.untrusted_text(channel, settings)) from exc
        raise ChannelError(f"{channel}: сервер недоступен: {exc!s}") from exc
    if resp.status_code >= 300:
        raise http_error(channel, resp.status_code, resp.text[:300])
    return resp
