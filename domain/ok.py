"""Odnoklassniki: Otklik's canonical ids and addresses of group topics and their comments. Pure.

OK has no id scheme of its own that names a comment together with its group and topic, so Otklik uses
one analogous to VK's (``domain.vk``):

* a topic (a group's post, «тема»): external id ``okgroup{gid}_topic{topic_id}``,
  address ``https://ok.ru/group/{gid}/topic/{topic_id}`` (the address OK shows for it);
* a comment in a topic's discussion: ``okgroup{gid}_topic{topic_id}_comment{comment_id}``,
  address ``https://ok.ru/group/{gid}/topic/{topic_id}?comment={comment_id}`` (OK comment ids are
  opaque strings; the query names the comment for people and for ``domain.publication``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

_TOPIC_PATH = re.compile(r"^/group/(\d+)/topic/(\d+)/?$")
_GROUP_PATH = re.compile(r"^/group/(\d+)/?$")


def topic_external_id(gid: str, topic_id: str) -> str:
    return f"okgroup{gid}_topic{topic_id}"


def comment_external_id(gid: str, topic_id: str, comment_id: str) -> str:
    return f"okgroup{gid}_topic{topic_id}_comment{comment_id}"


def topic_url(gid: str, topic_id: str) -> str:
    return f"https://ok.ru/group/{gid}/topic/{topic_id}"


def comment_url(gid: str, topic_id: str, comment_id: str) -> str:
    return f"{topic_url(gid, topic_id)}?comment={comment_id}"


@dataclass(frozen=True)
class OkRef:
    gid: str
    topic_id: str
    comment_id: str | None = None


def parse_ok_url(url: str) -> OkRef | None:
    """A topic or comment address on ok.ru (``m.ok.ru`` too), or ``None``."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or parts.hostname not in ("ok.ru", "www.ok.ru", "m.ok.ru"):
        return None
    m = _TOPIC_PATH.match(parts.path)
    if not m:
        return None
    comment = next(iter(parse_qs(parts.query).get("comment") or []), None)
    return OkRef(gid=m.group(1), topic_id=m.group(2), comment_id=comment or None)


def group_id_from_url(url: str) -> str | None:
    """``https://ok.ru/group/70000001234567`` → ``"70000001234567"``; a short name needs the API."""
    parts = urlsplit(url.strip())
    if parts.hostname not in ("ok.ru", "www.ok.ru", "m.ok.ru"):
        return None
    m = _GROUP_PATH.match(parts.path) or _TOPIC_PATH.match(parts.path)
    return m.group(1) if m else None
