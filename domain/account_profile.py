"""Item 8 of the Order, beyond the count: «Сведения об аккаунтах … подлежат размещению на официальных сайтах
органов и организаций» and «Аккаунты имеют текстовое описание и соответствующее оформление». Pure.

The weekly check (A8) asks the network for the community's description and main photo and opens the body's
official site (``Body.site_url``) to find a link to the account. Each answer is yes, no, or not known — the
network did not return the field, the site did not open, the registry has no site — and only a «no» is
reported to the body; a «not known» says why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

DESCRIPTION = "текстовое описание"
PHOTO = "главная фотография (оформление)"
ON_SITE = "ссылка на аккаунт на официальном сайте органа"


@dataclass(frozen=True)
class Profile:
    description: bool | None = None  # None: not known (``notes`` says why)
    photo: bool | None = None
    on_site: bool | None = None
    notes: list[str] = field(default_factory=list)

    def missing(self) -> list[str]:
        """What item 8 asks for and the account lacks (Russian)."""
        return [name for name, ok in ((DESCRIPTION, self.description), (PHOTO, self.photo),
                                      (ON_SITE, self.on_site)) if ok is False]


def _flag(value: Any) -> bool:
    return str(value).strip() not in ("", "0", "None", "false", "False")


def vk_profile(group: dict[str, Any]) -> tuple[bool | None, bool | None]:
    """(has a description, has a main photo) from VK ``groups.getById`` with ``fields=description,has_photo``."""
    description = bool(str(group.get("description") or "").strip()) if "description" in group else None
    photo = _flag(group["has_photo"]) if "has_photo" in group else None
    return description, photo


def ok_profile(group: dict[str, Any]) -> tuple[bool | None, bool | None]:
    """The same from OK ``group.getInfo`` with ``fields=description,pic_avatar``."""
    description = bool(str(group.get("description") or "").strip()) if "description" in group else None
    photo = bool(str(group.get("pic_avatar") or "").strip()) if "pic_avatar" in group else None
    return description, photo


def _bare(url: str) -> str:
    u = url.strip().lower()
    u = re.sub(r"^[a-z]+://", "", u)
    u = re.sub(r"^(www\.|m\.)", "", u)
    return u.rstrip("/")


def account_links(network: str, url: str, network_id: str | None) -> list[str]:
    """The forms a link to the account takes on a web page, scheme and ``www.``/``m.`` dropped."""
    forms = {_bare(url)}
    if network == "vk":
        path = _bare(url).split("/", 1)[1] if "/" in _bare(url) else ""
        for host in ("vk.com", "vk.ru"):
            if path:
                forms.add(f"{host}/{path}")
            if network_id:
                forms |= {f"{host}/club{network_id}", f"{host}/public{network_id}"}
    elif network == "ok" and network_id:
        forms.add(f"ok.ru/group/{network_id}")
    return sorted(f for f in forms if "/" in f)


def listed_on(page: str, links: list[str]) -> bool:
    """Whether the page links to one of ``links`` (as a whole path: «vk.com/minzdrav» is not «vk.com/minzdrav2»)."""
    text = re.sub(r"(?i)\b[a-z]+://(www\.|m\.)?", "", page).lower()
    return any(re.search(re.escape(link) + r"(?![a-z0-9_.\-])", text) for link in links)
