"""One JSON POST with the failure classified: shared by the MAX, Telegram and webhook channels."""

from __future__ import annotations

import httpx

from activities.delivery.errors import ChannelError, http_error


async def post_json(channel: str, url: str, *, json_body: bytes, headers: dict[str, str],
                    timeout: float) -> httpx.Response:
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            resp = await client.post(url, content=json_body, headers={"Content-Type": "application/json",
                                                                      **headers})
    except httpx.HTTPError as exc:
        raise ChannelError(f"{channel}: сервер недоступен: {exc!s}") from exc
    if resp.status_code >= 300:
        raise http_error(channel, resp.status_code, resp.text[:300])
    return resp
