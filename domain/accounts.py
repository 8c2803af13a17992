"""Official accounts of bodies (the Order, A8 and A9): the weekly publication count and comment moderation. Pure.

A8 — «не менее трёх публикаций в неделю»: a week is an ISO week, Monday 00:00 to the next Monday 00:00 in
Moscow time (``week_bounds``); the check on a Monday counts the week before (``previous_week``). Only the
community's own publications count: a VK post whose author is the community (``from_id == owner_id``), not a
postponed one; an OK topic with ``author_ref == "group:<gid>"``. Citizens' posts on the wall are not the
account's publications.

A9 — comments that break the law, spam, insults, obscenity are deleted and their authors restricted «в
порядке, определённом правилами использования соответствующей социальной сети»: for VK, ``groups.ban`` with
VK's reason codes (0 other, 1 spam, 2 verbal abuse, 3 strong language, 4 irrelevant messages).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field

from domain.bounds import echoable
from domain.publication_plan import OwnPost

MSK = ZoneInfo("Europe/Moscow")
MIN_POSTS_PER_WEEK = 3  # п. 8 Порядка
_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


# --- A8: the week ------------------------------------------------------------------------------------


class WeekError(ValueError):
    """A week label that is not «YYYY-Www» (Russian message)."""


def week_label(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_bounds(label: str) -> tuple[datetime, datetime]:
    """``"2026-W48"`` → (Monday 00:00 MSK, the next Monday 00:00 MSK); the end is excluded."""
    m = _WEEK.match(label.strip())
    if not m:
        raise WeekError(f"Неделя «{echoable(label)}» указана неверно: нужен вид 2026-W48 (год и номер недели по ISO)")
    try:
        monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise WeekError(f"Недели «{label}» нет в календаре") from None
    start = datetime.combine(monday, time(0), tzinfo=MSK)
    return start, start + timedelta(days=7)


def week_of(at: datetime) -> str:
    """The ISO week (Moscow time) that ``at`` falls into."""
    return week_label(at.astimezone(MSK).date())


def previous_week(at: datetime) -> str:
    """The week before the one ``at`` falls into (Moscow time): what Monday's check counts."""
    return week_label(at.astimezone(MSK).date() - timedelta(days=7))


def in_week(moment: datetime, start: datetime, end: datetime) -> bool:
    return start <= moment < end


def own_in_week(posts: Iterable[OwnPost], start: datetime, end: datetime) -> int:
    """How many of the community's own publications came out inside [start, end) — A8's count."""
    return sum(1 for p in posts if in_week(p.published_at, start, end))


def vk_own_posts(items: Iterable[dict[str, Any]], owner_id: int, start: datetime, until: datetime) -> list[OwnPost]:
    """The community's own published VK posts inside [start, until]: not a postponed one, not a citizen's."""
    out = []
    for p in items:
        if p.get("post_type") == "postpone" or int(p.get("from_id") or 0) != owner_id:
            continue
        at = datetime.fromtimestamp(int(p.get("date") or 0), MSK)
        if start <= at <= until:
            out.append(OwnPost(f"https://vk.com/wall{owner_id}_{p.get('id')}", at, str(p.get("text") or "")))
    return out


def ok_own_posts(items: Iterable[dict[str, Any]], gid: str, start: datetime, until: datetime) -> list[OwnPost]:
    """The group's own OK topics inside [start, until] (their text: the topic's text media)."""
    own, out = f"group:{gid}", []
    for t in items:
        at = datetime.fromtimestamp(int(t.get("created_ms") or 0) / 1000, MSK)
        if t.get("author_ref") == own and start <= at <= until:
            text = "\n".join(str(m.get("text") or "") for m in t.get("media") or [] if m.get("type") == "text")
            out.append(OwnPost(f"https://ok.ru/group/{gid}/topic/{t.get('id')}", at, text.strip()))
    return out


def older_than(items: list[dict[str, Any]], start: datetime, *, ms: bool = False) -> bool:
    """Whether a newest-first page reached items older than ``start`` (paging can stop). A pinned post
    (``is_pinned``) comes first out of order and does not end the paging."""
    for p in items:
        if p.get("is_pinned"):
            continue
        stamp = int(p.get("created_ms") or 0) / 1000 if ms else int(p.get("date") or 0)
        if datetime.fromtimestamp(stamp, MSK) < start:
            return True
    return False


class AccountTarget(BaseModel):
    """One official account to count (workflow ↔ activities)."""

    account_id: int
    body: str
    network: str
    url: str
    network_id: str | None = None


class AccountTargets(BaseModel):
    week: str
    targets: list[AccountTarget] = Field(default_factory=list)


class WeekCount(BaseModel):
    account_id: int
    week: str
    posts: int | None = None
    meets: bool = False
    error: str = ""  # Russian: why the network did not let us count


class ActivityRun(BaseModel):
    week: str
    checked: int = 0
    below: int = 0
    refused: int = 0
    notified: int = 0


class ActivityRequest(BaseModel):
    """The schedule starts the check with no week (the previous one); an operator may name a week."""

    week: str | None = Field(default=None, pattern=r"^\d{4}-W\d{2}$")


# --- A9: moderation ----------------------------------------------------------------------------------


class ModerationReason(StrEnum):
    law = "law"              # нарушает нормативные правовые акты РФ и РСО-Алания
    spam = "spam"            # спам-рассылка
    insult = "insult"        # оскорбления
    obscenity = "obscenity"  # нецензурные выражения


REASON_TITLES: dict[str, str] = {
    "law": "нарушение законодательства Российской Федерации и Республики Северная Осетия-Алания",
    "spam": "спам-рассылка",
    "insult": "оскорбления",
    "obscenity": "нецензурные выражения",
}

#: VK ``groups.ban`` reason codes (dev.vk.com/ru/method/groups.ban): 0 other, 1 spam, 2 verbal abuse,
#: 3 strong language, 4 irrelevant messages.
VK_BAN_REASON: dict[str, int] = {"law": 0, "spam": 1, "insult": 2, "obscenity": 3}

OK_NO_DELETE = ("в Одноклассниках удаление комментария через API не поддерживается: удалите его вручную")


class BanDays(BaseModel):
    """A restriction for a term."""

    model_config = ConfigDict(extra="forbid")

    days: int = Field(ge=1, le=365, description="Срок ограничения, дней (1–365)")
    forever: Literal[False] = False

    def until(self, now: datetime) -> datetime | None:
        return now + timedelta(days=self.days)


class BanForever(BaseModel):
    """A restriction with no end."""

    model_config = ConfigDict(extra="forbid")

    forever: Literal[True] = Field(description="Навсегда")

    def until(self, now: datetime) -> datetime | None:
        return None


#: ``{"days": 1…365}`` or ``{"forever": true}``: the schema says it, so no valid-looking body is refused later.
Ban = BanDays | BanForever


def ban_comment(reason: str, until: datetime | None) -> str:
    """The text VK shows the restricted user (``groups.ban`` ``comment``, ``comment_visible=1``)."""
    term = "бессрочно" if until is None else f"до {until.astimezone(MSK):%d.%m.%Y %H:%M} (МСК)"
    return (f"Ваш комментарий удалён: {REASON_TITLES.get(reason, 'нарушение правил')}. Доступ к сообществу "
            f"ограничен {term} по правилам сообщества и Порядку ведения официальных аккаунтов.")
