"""Addresses of communities and of posts/comments in VK and OK, as people paste them. Pure.

``parse_vk_community`` reads what an administrator types for a community (``https://vk.com/minzdrav_rso``,
``club123``, ``public123``, ``vk.com/event123``); ``parse_vk_thread`` reads a post or comment address
(``https://vk.com/wall-123_45``, ``…?reply=67``, ``…?w=wall-123_45_r67``, ``https://vk.com/minzdrav?w=wall-123_45``,
``https://vk.com/topic-123_8?post=9``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qs, urlsplit

VK_HOSTS = ("vk.com", "www.vk.com", "m.vk.com", "vk.ru", "www.vk.ru", "m.vk.ru")
_NUMERIC = re.compile(r"^(?:club|public|event)(\d{1,12})$")
_SCREEN = re.compile(r"^[A-Za-z0-9_.]{2,64}$")
_WALL = re.compile(r"^wall(-?\d+)_(\d+)(?:_r(\d+))?$")
_TOPIC = re.compile(r"^topic(-?\d+)_(\d+)$")


@dataclass(frozen=True)
class VkCommunity:
    group_id: int | None  # known from the address itself
    screen_name: str | None  # needs utils.resolveScreenName


def parse_vk_community(text: str) -> VkCommunity | None:
    raw = text.strip()
    if "://" not in raw and "/" not in raw:
        path = raw
    else:
        parts = urlsplit(raw if "://" in raw else "https://" + raw)
        if (parts.hostname or "").lower() not in VK_HOSTS:
            return None
        path = parts.path.strip("/")
    if "/" in path or not path:
        return None
    m = _NUMERIC.match(path)
    if m:
        return VkCommunity(group_id=int(m.group(1)), screen_name=None)
    if not _SCREEN.match(path) or _WALL.match(path) or _TOPIC.match(path) or re.match(r"^id\d+$", path):
        return None  # a post's or a person's address is not a community
    return VkCommunity(group_id=None, screen_name=path)


@dataclass(frozen=True)
class VkThread:
    kind: Literal["wall", "topic"]
    owner_id: int  # negative for a community
    post_id: int  # the post, or the board topic
    comment_id: int | None = None


def parse_vk_thread(url: str) -> VkThread | None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in VK_HOSTS:
        return None
    query = parse_qs(parts.query)
    path = parts.path.strip("/")
    w = next(iter(query.get("w") or []), None)
    candidate = w if w and (w.startswith("wall") or w.startswith("topic")) else path

    def _int(key: str) -> int | None:
        v = next(iter(query.get(key) or []), None)
        return int(v) if v and v.isdigit() else None

    m = _WALL.match(candidate)
    if m:
        comment = int(m.group(3)) if m.group(3) else _int("reply")
        return VkThread("wall", int(m.group(1)), int(m.group(2)), comment)
    m = _TOPIC.match(candidate)
    if m:
        return VkThread("topic", int(m.group(1)), int(m.group(2)), _int("post"))
    return None
