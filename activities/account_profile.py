"""Item 8 of the Order, beyond the count (``domain/account_profile.py``): what the network says of the community's
description and main photo, and whether the body's official site links to the account. Part of the weekly A8
check (``activities/account_activity.py``); nothing here fails the count — what could not be learned is noted.

VK — ``groups.getById`` with ``fields=description,has_photo`` (the service key); OK — ``group.getInfo`` with
``fields=description,pic_avatar`` (the group's token); the site — one ``GET`` of ``Body.site_url`` (redirects
followed, at most ``SITE_LIMIT`` bytes read), the page searched for a link to the account.
"""

from __future__ import annotations

from typing import Any

import httpx

from activities.networks.ok import OkClient
from activities.networks.vk import VkClient
from domain.account_profile import Profile, account_links, listed_on, ok_profile, vk_profile
from domain.accounts import AccountTarget
from models.settings import Settings

SITE_LIMIT = 3 * 1024 * 1024
SITE_TIMEOUT = 15.0


async def _network(settings: Settings, target: AccountTarget, token: str | None) -> tuple[Any, Any, str | None]:
    try:
        if target.network == "vk":
            service = settings.vk_service_token.get_secret_value()
            if not service:
                return None, None, "описание и фотографию сообщества читать нечем: не задан OTKLIK_VK_SERVICE_TOKEN"
            async with VkClient(service, base_url=settings.vk_api_url, token_kind="service") as vk:
                groups = await vk.groups_get_by_id(int(target.network_id or 0), fields="description,has_photo")
            return (*vk_profile(groups[0]), None) if groups else (None, None, "ВКонтакте не нашёл сообщество")
        if not token:
            return None, None, "описание и фотографию группы читать нечем: группа не подключена"
        async with OkClient(token, application_key=settings.ok_application_key, base_url=settings.ok_api_url,
                            application_secret_key=settings.ok_application_secret_key.get_secret_value()) as ok:
            group = await ok.group_info(str(target.network_id), fields="uid,name,description,pic_avatar")
        return (*ok_profile(group), None) if group else (None, None, "Одноклассники не нашли группу")
    except Exception as exc:  # the count goes on; the note says what was not learned
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        return None, None, f"соцсеть не сообщила описание и фотографию: {message}"


async def _site(site_url: str, target: AccountTarget) -> tuple[bool | None, str | None]:
    if not site_url.strip():
        return None, "адрес официального сайта органа не указан в реестре"
    try:
        async with httpx.AsyncClient(timeout=SITE_TIMEOUT, follow_redirects=True,
                                     headers={"User-Agent": "Otklik/1.0 (account check, item 8)"}) as http:
            async with http.stream("GET", site_url) as resp:
                if resp.status_code != 200:
                    return None, f"официальный сайт органа ответил {resp.status_code}"
                body = b""
                async for chunk in resp.aiter_bytes():
                    body += chunk
                    if len(body) >= SITE_LIMIT:
                        break
    except (httpx.HTTPError, httpx.InvalidURL, ValueError, UnicodeError) as exc:  # a bad address, a refusal
        return None, f"официальный сайт органа не открылся ({type(exc).__name__})"
    page = body.decode(resp.encoding or "utf-8", errors="replace")
    return listed_on(page, account_links(target.network, target.url, target.network_id)), None


async def fetch_profile(settings: Settings, target: AccountTarget, site_url: str, token: str | None) -> Profile:
    description, photo, note = await _network(settings, target, token)
    on_site, site_note = await _site(site_url, target)
    return Profile(description=description, photo=photo, on_site=on_site,
                   notes=[n for n in (note, site_note) if n])
