"""P9 in VK discussion boards: an answer as a comment in the citizen's topic, from the community, never twice.

VK takes ``board.createComment`` from user tokens only, so a board answer goes out with the stored token of one
of the community's editors or administrators (``PUT /accounts/{id}/admin-token``) and ``from_group=1`` — VK then
shows the community as its author. That is possible only in the community's own board: a topic of another
community cannot be answered on the body's behalf (the executor publishes there and confirms with a link).

A topic has no reply threads; VK's own «Ответить» addresses a comment by a mention that links to it,
``[id{user}:bp-{group}_{comment}|{first name}], `` — the answer starts with it when the message is a
citizen's comment, as the answer to a wall comment is a reply to it. Never twice: the same ``guid`` for every
attempt of one draft (VK returns the comment already made), and a retried attempt first looks for the
community's comment with the same text in the topic and adopts it. Read back with
``board.getComments(start_comment_id)``: the comment's own ``date`` is the publication time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.networks.vk import VkApiError, VkClient
from domain.messages import PublishRequest, PublishResult
from domain.publication import Thread, publish_guid
from models.registry import SocialAccount

SCAN_COUNT = 100
PhotoUploader = Callable[[VkClient, int, PublishRequest], Awaitable[list[str]]]


def topic_comment_url(group_id: int, topic_id: int, comment_id: int) -> str:
    return f"https://vk.com/topic-{group_id}_{topic_id}?post={comment_id}"


def mention(asked: dict[str, Any], profiles: list[dict[str, Any]], group_id: int) -> str:
    """VK's reply address for a user's comment in a topic (empty for a community's comment)."""
    uid = int(asked.get("from_id") or 0)
    if uid <= 0:
        return ""
    who = next((p for p in profiles if int(p.get("id") or 0) == uid), {})
    name = str(who.get("first_name") or f"id{uid}").replace("]", "").replace("|", "")
    return f"[id{uid}:bp-{group_id}_{int(asked['id'])}|{name}], "


def not_here(thread: Thread, account: SocialAccount) -> PublishResult | None:
    """The topic belongs to another community: the body cannot answer in it on its own behalf."""
    gid = int(account.network_id or 0)
    if int(thread.owner) == -gid:
        return None
    return PublishResult(status="not_connected", detail=f"Обсуждение принадлежит другому сообществу, а не {account.name or account.url}: "
                         "от имени органа в нём ответить нельзя. Исполнитель публикует ответ сам и подтверждает ссылкой.")


async def _already_posted(vk: VkClient, gid: int, tid: int, text: str) -> dict[str, Any] | None:
    page = await vk.board_get_comments(gid, tid, count=SCAN_COUNT, sort="desc")
    return next((c for c in page.items if c.get("from_id") == -gid and (c.get("text") or "") == text), None)


async def publish_to_topic(req: PublishRequest, account: SocialAccount, thread: Thread, vk: VkClient,
                           photos: PhotoUploader) -> PublishResult:
    """``vk`` carries the administrator's user token. Faults propagate as the activity's errors (see publish)."""
    gid, tid = int(account.network_id or 0), int(thread.post)
    text = req.text
    if thread.comment:
        asked, page = await vk.board_get_comment(gid, tid, int(thread.comment), extended=True)
        if asked is not None and page is not None:
            text = mention(asked, page.profiles, gid) + text
    found = await _already_posted(vk, gid, tid, text) if activity.info().attempt > 1 else None
    if found is None:
        attachments = await photos(vk, gid, req)
        comment_id = await vk.board_create_comment(gid, tid, text, from_group=True, attachments=attachments,
                                                   guid=publish_guid(req.workflow_id, req.draft_id))
    else:
        comment_id = int(found["id"])
    url = topic_comment_url(gid, tid, comment_id)
    # From here on the answer IS published: a refusal to read it back never turns into "manual".
    try:
        stored, _ = await vk.board_get_comment(gid, tid, comment_id)
    except VkApiError as exc:
        if not exc.non_retryable:
            raise
        return PublishResult(status="published", url=url, verified=False,
                             detail=f"Ответ опубликован, но прочитать его не удалось: {exc.message}")
    if stored is None:
        raise ApplicationError("ВКонтакте не показывает только что опубликованный комментарий в обсуждении; "
                               "проверка будет повторена", type="VkNotVisible")
    return PublishResult(status="published", url=url, published_at=datetime.fromtimestamp(int(stored["date"]), UTC),
                         verified=stored.get("from_id") == -gid,
                         detail=f"Ответ опубликован в обсуждении от имени сообщества {account.name or account.url}")


async def read_topic_comment(vk: VkClient, owner: int, topic_id: int, comment_id: int) -> dict[str, Any] | None:
    """An executor's link to a topic comment, read through the API (a user or a service token)."""
    stored, _ = await vk.board_get_comment(-owner, topic_id, comment_id)
    return stored
