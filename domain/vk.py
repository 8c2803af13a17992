"""VK Callback API: the shapes Otklik reads (VKCOM/vk-api-schema) and how an event becomes a message.

Pure: no network, no database, no clock (the receive time comes in as an argument).

Events taken in (from monitored communities only — that check is the caller's):

* ``wall_post_new`` — a post on the community wall (``wall_wallpost_full``: ``id, owner_id, from_id, date,
  text, post_type, attachments``). Posts of the community itself and scheduled (``postpone``) posts are
  not messages from citizens and are skipped.
* ``wall_reply_new`` — a comment (``wall_wall_comment``: ``id, from_id, date, text, post_id, owner_id,
  attachments``). Comments written on behalf of the community (an official answer) are skipped.
* ``board_post_new`` — a comment in a discussion (``board_topic_comment`` plus ``topic_id,
  topic_owner_id``). Comments on behalf of the community are skipped.

External ids are canonical, so the same post reaching Otklik through the callback and through a
monitoring feed is one message: ``wall{owner}_{post}`` for a post, ``wall{owner}_{post}_reply{comment}``
for a comment, ``topic{owner}_{topic}_post{comment}`` for a discussion comment (VK's own owner ids:
negative for communities).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.candidates import CandidateIn, CandidateKind, CandidateSource
from domain.messages import Attachment, Author, Network

ACCEPTED_TYPES = frozenset({"wall_post_new", "wall_reply_new", "board_post_new"})
MAX_TEXT = 20000


class VkCallback(BaseModel):
    """The envelope of every Callback API request (``callback_base``)."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(min_length=1, max_length=60, description="Тип события (callback_type)")
    group_id: int = Field(ge=0, le=2**53, description="id сообщества")
    event_id: str | None = Field(default=None, min_length=1, max_length=100,
                                 description="Уникальный id события; повтор игнорируется")
    v: str | None = Field(default=None, max_length=20, description="Версия API объекта")
    secret: str | None = Field(default=None, max_length=200, description="Секретный ключ Callback API")
    object: dict[str, Any] | None = Field(default=None, description="Объект события")


class _VkObject(BaseModel):
    model_config = ConfigDict(extra="allow")

    attachments: list[dict[str, Any]] = Field(default_factory=list)


class VkWallPost(_VkObject):
    """``wall_post_new``: ``wall_wallpost_full``."""

    id: int = Field(ge=0)
    owner_id: int
    from_id: int
    date: int = Field(ge=0)
    text: str = ""
    post_type: str | None = None
    signer_id: int | None = None


class VkWallComment(_VkObject):
    """``wall_reply_new``: ``wall_wall_comment``."""

    id: int = Field(ge=0)
    from_id: int
    date: int = Field(ge=0)
    text: str = ""
    post_id: int = Field(ge=0)
    owner_id: int
    reply_to_user: int | None = None
    reply_to_comment: int | None = None


class VkBoardComment(_VkObject):
    """``board_post_new``: ``board_topic_comment`` with the topic's ids."""

    id: int = Field(ge=1)
    from_id: int
    date: int = Field(ge=0)
    text: str = ""
    topic_id: int = Field(ge=0)
    topic_owner_id: int


# --- canonical ids and addresses ----------------------------------------------------------------


def post_external_id(owner_id: int, post_id: int) -> str:
    return f"wall{owner_id}_{post_id}"


def comment_external_id(owner_id: int, post_id: int, comment_id: int) -> str:
    return f"wall{owner_id}_{post_id}_reply{comment_id}"


def board_external_id(owner_id: int, topic_id: int, comment_id: int) -> str:
    return f"topic{owner_id}_{topic_id}_post{comment_id}"


def community_owner_id(owner_id: int) -> int:
    """A community's owner id is negative; the board schema sometimes gives it as a positive number."""
    return owner_id if owner_id < 0 else -owner_id


def group_urls(group_id: int) -> list[str]:
    """The addresses under which a community with this numeric id is registered as an account."""
    return [f"https://vk.com/{kind}{group_id}" for kind in ("club", "public", "event")]


def profile_url(from_id: int) -> str:
    return f"https://vk.com/id{from_id}" if from_id > 0 else f"https://vk.com/club{-from_id}"


def _author(from_id: int) -> Author:
    return Author(id=str(from_id), name="", profile_url=profile_url(from_id))


def _at(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def _largest_photo(photo: dict[str, Any]) -> str | None:
    orig = photo.get("orig_photo")
    if isinstance(orig, dict) and isinstance(orig.get("url"), str):
        return orig["url"]
    sizes = [s for s in photo.get("sizes") or [] if isinstance(s, dict) and isinstance(s.get("url"), str)]
    if sizes:
        best = max(sizes, key=lambda s: (s.get("width") or 0) * (s.get("height") or 0))
        return best["url"]
    if "owner_id" in photo and "id" in photo:
        return f"https://vk.com/photo{photo['owner_id']}_{photo['id']}"
    return None


def attachments(items: list[dict[str, Any]]) -> list[Attachment]:
    """Photos, videos, documents and links as references (the bytes stay in VK)."""
    found: list[Attachment] = []
    for item in items:
        kind = item.get("type")
        obj = item.get(kind) if isinstance(kind, str) else None
        if not isinstance(obj, dict):
            continue
        url: str | None = None
        title = str(obj.get("title") or "")[:300]
        if kind == "photo":
            url, title = _largest_photo(obj), str(obj.get("text") or "")[:300]
            out_kind = "photo"
        elif kind == "video":
            url = f"https://vk.com/video{obj.get('owner_id')}_{obj.get('id')}" if "id" in obj else None
            out_kind = "video"
        elif kind == "doc":
            url = obj.get("url") if isinstance(obj.get("url"), str) else None
            out_kind = "document"
        elif kind == "link":
            url = obj.get("url") if isinstance(obj.get("url"), str) else None
            out_kind = "link"
        else:
            continue
        if url and len(url) <= 1000:
            found.append(Attachment(kind=out_kind, url=url, title=title))
    return found


# --- event → message ------------------------------------------------------------------------------


class Skip(Exception):
    """The event is valid but is not a citizen's message (the community's own post or answer)."""


def message_fields(callback: VkCallback) -> dict[str, Any]:
    """The ``MessageInput`` fields an accepted event carries; ``Skip`` for the community's own writing.

    Raises ``pydantic.ValidationError`` when the object does not match VK's schema.
    """
    own = -callback.group_id
    obj = callback.object or {}
    if callback.type == "wall_post_new":
        post = VkWallPost.model_validate(obj)
        if post.from_id == own or post.post_type == "postpone":
            raise Skip("запись сообщества")
        return dict(
            external_id=post_external_id(post.owner_id, post.id), post_id=str(post.id), comment_id=None,
            url=f"https://vk.com/wall{post.owner_id}_{post.id}", author=_author(post.from_id),
            text=post.text[:MAX_TEXT], attachments=attachments(post.attachments), posted_at=_at(post.date),
        )
    if callback.type == "wall_reply_new":
        comment = VkWallComment.model_validate(obj)
        if comment.from_id == own:
            raise Skip("комментарий от имени сообщества")
        return dict(
            external_id=comment_external_id(comment.owner_id, comment.post_id, comment.id),
            post_id=str(comment.post_id), comment_id=str(comment.id),
            url=f"https://vk.com/wall{comment.owner_id}_{comment.post_id}?reply={comment.id}",
            author=_author(comment.from_id), text=comment.text[:MAX_TEXT],
            attachments=attachments(comment.attachments), posted_at=_at(comment.date),
        )
    if callback.type == "board_post_new":
        board = VkBoardComment.model_validate(obj)
        if board.from_id == own:
            raise Skip("комментарий от имени сообщества")
        owner = community_owner_id(board.topic_owner_id)
        return dict(
            external_id=board_external_id(owner, board.topic_id, board.id),
            post_id=str(board.topic_id), comment_id=str(board.id),
            url=f"https://vk.com/topic{owner}_{board.topic_id}?post={board.id}",
            author=_author(board.from_id), text=board.text[:MAX_TEXT],
            attachments=attachments(board.attachments), posted_at=_at(board.date),
        )
    raise Skip(f"событие {callback.type} не принимается")


# --- event → candidate ----------------------------------------------------------------------------

_KINDS = {"wall_post_new": CandidateKind.post, "wall_reply_new": CandidateKind.comment,
          "board_post_new": CandidateKind.topic_comment}
_CANONICAL = re.compile(r"^(wall|topic)(-?\d+)_\d+(_reply\d+|_post\d+)?$")


def candidate_in(callback: VkCallback, raw: str, source: CandidateSource = CandidateSource.vk_callback) -> CandidateIn:
    """The candidate an accepted event brings (P7: not yet a message); ``Skip`` / ``ValidationError`` as
    ``message_fields``. ``community_id`` is the community's numeric id, as in ``group_id``."""
    fields = message_fields(callback)
    return CandidateIn(network=Network.vk, kind=_KINDS[callback.type], source=source,
                       community_id=str(callback.group_id), raw_payload=raw, **fields)


def canonical_kind(external_id: str) -> tuple[CandidateKind, str] | None:
    """For a canonical VK id (``wall-1_2``, ``wall-1_2_reply3``, ``topic-1_2_post3``): the kind and the
    community's numeric id (positive; a user's wall gives the user's id). None for anything else."""
    m = _CANONICAL.match(external_id)
    if m is None:
        return None
    if m[1] == "topic":
        kind = CandidateKind.topic_comment
    else:
        kind = CandidateKind.comment if m[3] else CandidateKind.post
    return kind, m[2].lstrip("-")
