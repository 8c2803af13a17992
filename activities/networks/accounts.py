"""Connecting a body's community: the network id from a typed address, and checking a community token.

Used by the ``/accounts`` routes (and by monitoring for accounts whose id is not resolved yet). VK:
``club123``/``public123``/``event123`` carry the id; a short name is resolved with
``utils.resolveScreenName`` (OTKLIK_VK_SERVICE_TOKEN, or the account's own token) and confirmed with
``groups.getById``. A community token is checked with ``groups.getById`` without an id (it answers the
token's own community, which must be this account's) and ``groups.getTokenPermissions`` (its scopes).
An administrator's user token (VK boards answer only user tokens) is checked with ``users.get`` (whose it
is), ``groups.getById`` with ``is_admin,admin_level`` (an editor or an administrator of this community:
only they write on its behalf) and ``account.getAppPermissions``.
OK: ``/group/{gid}`` carries the id; other addresses go through ``url.getInfo``.
"""

from __future__ import annotations

from dataclasses import dataclass

from activities.networks.ok import OkClient
from activities.networks.vk import VkApiError, VkClient
from domain.networks import parse_vk_community
from domain.ok import group_id_from_url
from models.settings import Settings

VK_NEEDED_SCOPES = ("wall",)


class AccountProblem(Exception):
    """A Russian sentence for the administrator (422)."""


@dataclass(frozen=True)
class Resolved:
    network_id: str
    name: str


@dataclass(frozen=True)
class TokenCheck:
    scopes: list[str]
    name: str
    user_id: int | None = None


def _vk(settings: Settings, token: str, kind: str = "community") -> VkClient:
    return VkClient(token, base_url=settings.vk_api_url, token_kind=kind)  # type: ignore[arg-type]


def _ok(settings: Settings, token: str) -> OkClient:
    return OkClient(token, application_key=settings.ok_application_key,
                    application_secret_key=settings.ok_application_secret_key.get_secret_value(),
                    base_url=settings.ok_api_url)


async def resolve_vk(settings: Settings, typed: str, token: str | None = None) -> Resolved:
    found = parse_vk_community(typed)
    if found is None:
        raise AccountProblem(f"«{typed}» не похоже на адрес сообщества ВКонтакте (например, https://vk.com/club123 "
                             "или https://vk.com/minzdrav_rso)")
    key = token or settings.vk_service_token.get_secret_value()
    if found.group_id is not None and not key:
        return Resolved(str(found.group_id), "")
    if not key:
        raise AccountProblem(f"Чтобы узнать числовой id сообщества «{found.screen_name}», нужен сервисный ключ "
                             "приложения (OTKLIK_VK_SERVICE_TOKEN); или укажите адрес вида https://vk.com/club123")
    async with _vk(settings, key, "service" if not token else "community") as vk:
        if found.group_id is None:
            assert found.screen_name is not None
            kind_id = await vk.utils_resolve_screen_name(found.screen_name)
            if kind_id is None or kind_id[0] not in ("group", "page", "event"):
                raise AccountProblem(f"Во ВКонтакте нет сообщества с адресом «{found.screen_name}»")
            group_id = kind_id[1]
        else:
            group_id = found.group_id
        try:
            groups = await vk.groups_get_by_id(group_id)
        except VkApiError as exc:
            if exc.code == 100:
                raise AccountProblem(f"Во ВКонтакте нет сообщества с id {group_id}") from None
            raise
    return Resolved(str(group_id), str(groups[0].get("name") or "") if groups else "")


async def check_vk_token(settings: Settings, token: str, group_id: str) -> TokenCheck:
    async with _vk(settings, token) as vk:
        own = await vk.groups_get_by_id()
        if not own or str(own[0].get("id")) != group_id:
            raise AccountProblem("Ключ доступа выдан другому сообществу: нужен ключ сообщества этого аккаунта "
                                 "(Управление → Работа с API → Ключи доступа)")
        scopes = await vk.groups_get_token_permissions()
    missing = [s for s in VK_NEEDED_SCOPES if s not in scopes]
    if missing:
        raise AccountProblem("У ключа сообщества нет прав: " + ", ".join(missing) +
                             " (нужен доступ к стене, чтобы публиковать ответы)")
    return TokenCheck(scopes=scopes, name=str(own[0].get("name") or ""))


async def check_vk_admin_token(settings: Settings, token: str, group_id: str) -> TokenCheck:
    async with _vk(settings, token, "user") as vk:
        try:
            user = await vk.users_get()
        except VkApiError as exc:
            if exc.code == 27:
                raise AccountProblem("Это ключ сообщества, а нужен ключ пользователя — редактора или администратора "
                                     "сообщества (ответы в обсуждениях ВКонтакте публикуются только им)") from None
            raise
        level = await vk.groups_admin_level(int(group_id))
        scopes = await vk.account_get_app_permissions()
    who = f"{user.get('first_name', '')} {user.get('last_name', '')}".strip() or f"id{user.get('id')}"
    if level < 2:
        raise AccountProblem(f"Пользователь {who} не редактор и не администратор сообщества {group_id}: от имени "
                             "сообщества в обсуждениях пишут только они")
    return TokenCheck(scopes=scopes, name=who, user_id=int(user["id"]))


async def resolve_ok(settings: Settings, typed: str, token: str | None = None) -> Resolved:
    gid = group_id_from_url(typed)
    if gid is not None:
        return Resolved(gid, "")
    if not token or not settings.ok_application_key:
        raise AccountProblem("Укажите адрес группы Одноклассников вида https://ok.ru/group/70000001234567 "
                             "(короткий адрес узнаётся через API только с ключом приложения)")
    async with _ok(settings, token) as ok:
        found = await ok.resolve_group(typed)
    if found is None:
        raise AccountProblem(f"По адресу {typed} в Одноклассниках нет группы")
    return Resolved(found, "")


async def check_ok_token(settings: Settings, token: str, gid: str) -> TokenCheck:
    if not settings.ok_application_key or not settings.ok_application_secret_key.get_secret_value():
        raise AccountProblem("Не заданы ключи приложения Одноклассников (OTKLIK_OK_APPLICATION_KEY, "
                             "OTKLIK_OK_APPLICATION_SECRET_KEY)")
    async with _ok(settings, token) as ok:
        info = await ok.group_info(gid)
        await ok.group_topics(gid, count=1)
    if info is None:
        raise AccountProblem(f"Ключ не даёт доступа к группе {gid}")
    return TokenCheck(scopes=["GROUP_CONTENT", "VALUABLE_ACCESS"], name=str(info.get("name") or ""))
