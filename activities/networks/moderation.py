"""A9 moderation in a body's own community: read the comment (evidence), delete it, restrict its author.

Called by ``POST /api/v1/accounts/{id}/moderation`` (like ``accounts.py`` for token checks); the route
writes the audit row first and records what each step did.

VK, a wall comment: ``wall.getComment`` (the community token; the service key when the community token may
not read it), ``wall.deleteComment`` (the community token). A discussion-board comment:
``board.getComments`` from ``start_comment_id`` (a user or service key — VK refuses it to community tokens),
``board.deleteComment`` (the community token). The author: ``groups.ban`` (``group_id``, ``owner_id`` — the
author, ``end_date`` — unix time, none for «forever», ``reason`` — VK's code, ``comment`` — shown to the
user, ``comment_visible=1``); the community token needs the *manage* right.

Odnoklassniki: the OK REST documentation available to this project lists no method that deletes a
comment in a group topic's discussion, so Otklik reads the comment for the record and answers that it must
be deleted by hand (``OkNoDelete``); the decision stays in the trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from activities.networks.ok import OkClient, ok_time
from activities.networks.vk import VkClient
from domain.accounts import OK_NO_DELETE, VK_BAN_REASON, ban_comment
from domain.publication import Thread
from models.settings import Settings


class CommentGone(Exception):
    """The network has no such comment (deleted already, or a wrong address): a Russian reason."""


class OkNoDelete(Exception):
    def __init__(self, also: str = "") -> None:
        super().__init__(OK_NO_DELETE + also)


@dataclass(frozen=True)
class Evidence:
    author_id: str
    text: str
    posted_at: datetime | None
    post_id: str | None = None


def _vk(settings: Settings, token: str, kind: str = "community") -> VkClient:
    return VkClient(token, base_url=settings.vk_api_url, token_kind=kind)  # type: ignore[arg-type]


async def read_vk(settings: Settings, token: str, thread: Thread) -> Evidence:
    """The comment as it is now (before deletion): author, text, time."""
    owner, cid = int(thread.owner), int(thread.comment or 0)
    if thread.kind == "topic":
        reader = settings.vk_service_token.get_secret_value()
        async with _vk(settings, reader or token, "service" if reader else "community") as vk:
            found, _ = await vk.board_get_comment(-owner, int(thread.post), cid)
    else:
        async with _vk(settings, token) as vk:
            found = await vk.wall_get_comment(owner, cid)
    if found is None:
        raise CommentGone("Комментарий не найден в сети: он уже удалён или адрес неверен")
    post = found.get("post_id")
    if thread.kind == "wall" and post is not None and str(post) != thread.post:
        raise CommentGone("Комментарий с этим номером относится к другой записи сообщества: проверьте адрес")
    date = found.get("date")
    return Evidence(author_id=str(found.get("from_id") or ""), text=str(found.get("text") or "")[:20000],
                    posted_at=datetime.fromtimestamp(int(date), UTC) if date else None,
                    post_id=str(post) if post is not None else None)


async def delete_vk(settings: Settings, token: str, thread: Thread) -> bool:
    owner, cid = int(thread.owner), int(thread.comment or 0)
    async with _vk(settings, token) as vk:
        if thread.kind == "topic":
            return await vk.board_delete_comment(-owner, int(thread.post), cid)
        return await vk.wall_delete_comment(owner, cid)


async def ban_vk(settings: Settings, token: str, group_id: int, author_id: int, reason: str,
                 until: datetime | None) -> bool:
    async with _vk(settings, token) as vk:
        return await vk.groups_ban(group_id, author_id, end_date=int(until.timestamp()) if until else None,
                                   reason=VK_BAN_REASON[reason], comment=ban_comment(reason, until),
                                   comment_visible=True)


def _ok(settings: Settings, token: str) -> OkClient:
    return OkClient(token, application_key=settings.ok_application_key, base_url=settings.ok_api_url,
                    application_secret_key=settings.ok_application_secret_key.get_secret_value())


async def read_ok(settings: Settings, token: str, thread: Thread) -> Evidence:
    async with _ok(settings, token) as ok:
        found = await ok.topic_comment(thread.post, str(thread.comment))
    if found is None:
        raise CommentGone("Комментарий не найден в Одноклассниках: он уже удалён или адрес неверен")
    date = found.get("date")
    return Evidence(author_id=str(found.get("author_id") or ""), text=str(found.get("text") or "")[:20000],
                    posted_at=ok_time(str(date)) if date else None, post_id=thread.post)
