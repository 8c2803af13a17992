"""Addresses people paste, the publication guid, link comparison, token encryption."""

from __future__ import annotations

import pytest

from domain.messages import Network
from domain.networks import parse_vk_community, parse_vk_thread
from domain.ok import comment_external_id, parse_ok_url, topic_external_id
from domain.publication import compare_links, publish_guid
from models.secrets import SecretKeyMissing, TokenUnreadable, decrypt_token, encrypt_token


@pytest.mark.parametrize(("typed", "gid", "name"), [
    ("https://vk.com/minzdrav_rso", None, "minzdrav_rso"), ("club123", 123, None), ("public123", 123, None),
    ("vk.com/event55", 55, None), ("https://m.vk.com/club77/", 77, None), ("https://vk.com/id5", None, None),
    ("https://vk.com/wall-1_2", None, None), ("https://ok.ru/group/1", None, None)])
def test_vk_community_addresses(typed: str, gid: int | None, name: str | None) -> None:
    found = parse_vk_community(typed)
    if gid is None and name is None:
        assert found is None
    else:
        assert found is not None and (found.group_id, found.screen_name) == (gid, name)


def test_vk_thread_addresses() -> None:
    t = parse_vk_thread("https://vk.com/minzdrav_rso?w=wall-1_2_r7")
    assert t is not None and (t.kind, t.owner_id, t.post_id, t.comment_id) == ("wall", -1, 2, 7)
    t = parse_vk_thread("https://vk.com/wall-1_2?reply=5&thread=3")
    assert t is not None and t.comment_id == 5
    t = parse_vk_thread("https://vk.com/topic-1_8?post=9")
    assert t is not None and (t.kind, t.post_id, t.comment_id) == ("topic", 8, 9)
    assert parse_vk_thread("https://evil.example/wall-1_2") is None


def test_ok_ids_and_addresses() -> None:
    assert topic_external_id("700", "155") == "okgroup700_topic155"
    assert comment_external_id("700", "155", "c9") == "okgroup700_topic155_commentc9"
    ref = parse_ok_url("https://ok.ru/group/700/topic/155?comment=c9")
    assert ref is not None and (ref.gid, ref.topic_id, ref.comment_id) == ("700", "155", "c9")


def test_guid_is_stable_per_draft() -> None:
    assert publish_guid("msg-vk-wall-1_2", "d1") == publish_guid("msg-vk-wall-1_2", "d1")
    assert publish_guid("msg-vk-wall-1_2", "d1") != publish_guid("msg-vk-wall-1_2", "d2")
    assert len(publish_guid("x", "y")) == 32


def test_compare_links() -> None:
    msg = "https://vk.com/wall-1_2?reply=5"
    assert compare_links(Network.vk, msg, "https://vk.com/wall-1_2?reply=9").reason == ""
    assert not compare_links(Network.vk, msg, "https://vk.com/wall-1_3?reply=9").same_thread
    assert not compare_links(Network.vk, msg, "https://ok.ru/group/1/topic/2?comment=3").same_network
    assert "саму запись" in compare_links(Network.vk, msg, "https://vk.com/wall-1_2").reason
    assert "саму запись" in compare_links(Network.vk, msg, msg).reason  # the citizen's own comment is no answer


def test_tokens_are_bound_to_key_and_account() -> None:
    sealed = encrypt_token("vk1.a.secret", "k" * 20, 7)
    assert "secret" not in sealed and decrypt_token(sealed, "k" * 20, 7) == "vk1.a.secret"
    with pytest.raises(TokenUnreadable):
        decrypt_token(sealed, "other-key-of-20-chars", 7)
    with pytest.raises(TokenUnreadable):
        decrypt_token(sealed, "k" * 20, 8)  # copied onto another account
    with pytest.raises(SecretKeyMissing):
        encrypt_token("x", "", 1)
