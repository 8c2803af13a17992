"""Whether a link is an answer in a message's own thread: the same network, the same post (pure)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

HOSTS = {"vk": ("vk.com", "m.vk.com", "vk.ru", "m.vk.ru"), "ok": ("ok.ru", "m.ok.ru")}
_VK_POST = re.compile(r"wall(-?\d+)_(\d+)")


def same_thread(network: str, message_url: str, answer_url: str) -> bool:
    """The answer's link is on the message's network and names the same post (VK ``wall{owner}_{post}``)."""
    host = (urlsplit(answer_url).hostname or "").lower()
    hosts = HOSTS.get(network)
    if hosts is not None and host not in hosts:
        return False
    if network == "vk":
        want, got = _VK_POST.search(message_url), _VK_POST.search(answer_url)
        return bool(want and got and want.groups() == got.groups())
    return True
