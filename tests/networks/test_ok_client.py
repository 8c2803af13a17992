"""The OK client against the fake OK: the documented signature, topics, comments, replies, errors."""

from __future__ import annotations

import hashlib

import pytest

from activities.networks.ok import OkApiError, OkClient, signature
from tests.fakes.ok import RunningFakeOk

GID = "70000001234567"
TOKEN = "ok-group-token-1"


def client(fake: RunningFakeOk, secret: str | None = None, token: str = TOKEN) -> OkClient:
    return OkClient(token, application_key=fake.app_key, application_secret_key=secret or fake.app_secret,
                    base_url=fake.base_url)


def test_signature_is_the_documented_md5() -> None:
    params = {"application_key": "ABCDEFGHIGKLMNOPK", "format": "json", "method": "events.get",
              "access_token": "-s-84W-s3egarWUsbkq-IWTucuedzTKT8VUXIA.s4Xx8IW7"}
    secret = hashlib.md5((params["access_token"] + "ABC123DEF456GHI789JKL123").encode()).hexdigest()
    expected = hashlib.md5(("application_key=ABCDEFGHIGKLMNOPKformat=jsonmethod=events.get" + secret).encode())
    assert signature(params, params["access_token"], "ABC123DEF456GHI789JKL123") == expected.hexdigest()


async def test_topics_comments_reply_verify(fake_ok: RunningFakeOk) -> None:
    fake_ok.ok.add_group(GID, "Администрация Моздокского района", token=TOKEN, shortname="mozdok_adm")
    topic = fake_ok.ok.add_topic(GID, "5001", "Во дворе на Кирова нет света третий день")
    first = fake_ok.ok.add_comment(topic, "5002", "И у нас на Мира")
    async with client(fake_ok) as c:
        assert await c.resolve_group("https://ok.ru/mozdok_adm") == GID
        assert (await c.group_info(GID))["name"].startswith("Администрация")
        topics = await c.group_topics(GID)
        assert [t["id"] for t in topics.items] == [topic]
        comments = await c.topic_comments(topic)
        assert [x["id"] for x in comments.items] == [first]
        a = await c.reply(topic, "Бригада выехала", reply_to_comment_id=first, uuid="wf:d1")
        b = await c.reply(topic, "Бригада выехала", reply_to_comment_id=first, uuid="wf:d1")
        assert a == b
        stored = await c.topic_comment(topic, a)
        assert stored is not None and stored["author_type"] == "GROUP" and stored["reply_to_comment_id"] == first
    assert fake_ok.ok.bad_signatures == 0


async def test_wrong_secret_is_a_signature_error_not_retried(fake_ok: RunningFakeOk) -> None:
    fake_ok.ok.add_group(GID, "Группа", token=TOKEN)
    async with client(fake_ok, secret="not-the-secret") as c:
        with pytest.raises(OkApiError) as err:
            await c.group_topics(GID)
    assert err.value.code == 104 and err.value.non_retryable and fake_ok.ok.bad_signatures == 1


async def test_service_errors_are_retryable(fake_ok: RunningFakeOk) -> None:
    fake_ok.ok.add_group(GID, "Группа", token=TOKEN)
    fake_ok.ok.fail_next("mediatopic.getTopics", 2)
    async with client(fake_ok) as c:
        with pytest.raises(OkApiError) as err:
            await c.group_topics(GID)
    assert err.value.code == 2 and not err.value.non_retryable
