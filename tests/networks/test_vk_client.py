"""The VK client against the fake VK on loopback: shapes, guid, rate limits, error classification."""

from __future__ import annotations

import asyncio
import time

import pytest

from activities.networks.vk import VkApiError, VkClient, VkUnavailable
from tests.fakes.vk import RunningFakeVk

GID = 218_000_111
TOKEN = "community-token-1"


@pytest.fixture
def vk(fake_vk: RunningFakeVk) -> RunningFakeVk:
    fake_vk.vk.add_group(GID, "minzdrav_rso", "Минздрав РСО-Алания", token=TOKEN)
    return fake_vk


async def test_read_write_delete_ban_resolve(vk: RunningFakeVk) -> None:
    post = vk.vk.add_post(-GID, 501, "Когда починят дорогу в Моздоке?")
    first = vk.vk.add_comment(-GID, post, 502, "Поддерживаю")
    vk.vk.add_token("service-key", "service")
    async with VkClient("service-key", base_url=vk.base_url, token_kind="service") as reader:
        page = await reader.wall_get(-GID)
    assert page.count == 1 and page.items[0]["text"].startswith("Когда")
    async with VkClient(TOKEN, base_url=vk.base_url) as c:
        with pytest.raises(VkApiError) as group_auth:
            await c.wall_get(-GID)
        assert group_auth.value.code == 27 and group_auth.value.non_retryable
        cid = await c.wall_create_comment(-GID, post, "Ответ министерства", from_group=GID,
                                          reply_to_comment=first, guid="g1")
        stored = await c.wall_get_comment(-GID, cid)
        assert stored is not None and stored["from_id"] == -GID and stored["reply_to_comment"] == first
        comments = await c.wall_get_comments(-GID, post)
        assert [x["id"] for x in comments.items] == [first]
        assert [x["id"] for x in comments.items[0]["thread"]["items"]] == [cid]
        assert await c.wall_delete_comment(-GID, cid)
        assert await c.wall_get_comment(-GID, cid) is None
        assert await c.groups_ban(GID, 502, comment="оскорбления")
        assert vk.vk.bans[(GID, 502)]["comment"] == "оскорбления"
        assert await c.utils_resolve_screen_name("minzdrav_rso") == ("group", GID)
        assert await c.utils_resolve_screen_name("nobody_here") is None
        assert (await c.groups_get_by_id())[0]["id"] == GID
        assert "wall" in await c.groups_get_token_permissions()
    assert all("access_token" not in params for _, params in vk.vk.calls)


async def test_guid_makes_a_repeated_create_one_comment(vk: RunningFakeVk) -> None:
    post = vk.vk.add_post(-GID, 501, "Нет воды")
    async with VkClient(TOKEN, base_url=vk.base_url) as c:
        a = await c.wall_create_comment(-GID, post, "Ответ", from_group=GID, guid="wf-1:d1")
        b = await c.wall_create_comment(-GID, post, "Ответ", from_group=GID, guid="wf-1:d1")
    assert a == b and len(vk.vk.wall_comments(-GID, post)) == 1


async def test_photo_upload_flow(vk: RunningFakeVk) -> None:
    post = vk.vk.add_post(-GID, 501, "Яма")
    async with VkClient(TOKEN, base_url=vk.base_url) as c:
        att = await c.upload_wall_photo(GID, b"\xff\xd8jpeg-bytes")
        cid = await c.wall_create_comment(-GID, post, "Отремонтировано", from_group=GID, attachments=[att])
        stored = await c.wall_get_comment(-GID, cid)
    assert att.startswith(f"photo-{GID}_")
    assert stored is not None and stored["attachments"][0]["type"] == "photo"


@pytest.mark.parametrize(("code", "retryable"), [(6, True), (9, True), (10, True), (5, False), (15, False),
                                                 (100, False), (212, False), (213, False)])
async def test_error_codes_are_classified(vk: RunningFakeVk, code: int, retryable: bool) -> None:
    vk.vk.fail_next("wall.get", code)
    async with VkClient(TOKEN, base_url=vk.base_url) as c:
        with pytest.raises(VkApiError) as err:
            await c.wall_get(-GID)
    assert err.value.code == code and err.value.non_retryable is (not retryable)
    assert any("а" <= ch <= "я" for ch in err.value.message)  # a Russian reason


async def test_closed_comments_are_213_with_a_russian_reason(vk: RunningFakeVk) -> None:
    post = vk.vk.add_post(-GID, 501, "Текст")
    vk.vk.close_comments(-GID, post)
    async with VkClient(TOKEN, base_url=vk.base_url) as c:
        with pytest.raises(VkApiError) as err:
            await c.wall_create_comment(-GID, post, "Ответ", from_group=GID)
    assert err.value.code == 213 and err.value.non_retryable and "закрыты" in err.value.message


async def test_bad_token_is_5_and_timeouts_are_retryable(vk: RunningFakeVk) -> None:
    async with VkClient("wrong", base_url=vk.base_url) as c:
        with pytest.raises(VkApiError) as err:
            await c.wall_get(-GID)
    assert err.value.code == 5 and err.value.non_retryable
    vk.vk.stall_after_store("groups.getById", 2.0)
    async with VkClient(TOKEN, base_url=vk.base_url, timeout=0.3) as c:
        with pytest.raises(VkUnavailable) as slow:
            await c.groups_get_by_id()
    assert not slow.value.non_retryable
    assert "wrong" not in repr(VkClient("secret-token"))


async def test_user_token_is_held_to_three_requests_a_second(vk: RunningFakeVk) -> None:
    vk.vk.add_token("user-token-1", "user")
    async with VkClient("user-token-1", base_url=vk.base_url, token_kind="user") as c:
        started = time.monotonic()
        await asyncio.gather(*(c.wall_get(-GID) for _ in range(7)))  # the fake answers 6 above 3/s
        elapsed = time.monotonic() - started
    assert elapsed >= 2.0  # 7 requests at 3/s need two full windows


async def test_without_the_client_limit_the_fake_answers_6(vk: RunningFakeVk) -> None:
    vk.vk.add_token("user-token-2", "user")
    clients = [VkClient("user-token-2", base_url=vk.base_url, token_kind="community") for _ in range(1)]
    async with clients[0] as c:  # declared as a community token: 20/s locally, but VK holds it to 3/s
        results = await asyncio.gather(*(c.wall_get(-GID) for _ in range(5)), return_exceptions=True)
    errors = [r for r in results if isinstance(r, VkApiError)]
    assert errors and all(e.code == 6 and not e.non_retryable for e in errors)
