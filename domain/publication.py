"""Publication checks (P9): the idempotency key of an automatic answer, and what an executor's link proves.

Pure. ``publish_guid`` is the same for every attempt of one draft's publication, so VK's ``guid`` (and
OK's ``uuid``) turn a retried ``wall.createComment`` into the comment already made. ``compare_links``
checks an executor's link against the message: the same network, the same post or discussion topic,
and that it names a comment (the answer) — before ``verify_publication`` reads the comment through the
API, which is what makes a publication time *verified* (a breach is withdrawn only on a verified time).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from pydantic import BaseModel, Field

from domain.messages import Network
from domain.networks import parse_vk_thread
from domain.ok import parse_ok_url


def publish_guid(workflow_id: str, draft_id: str) -> str:
    """Stable per (workflow, draft): ``otk`` + 29 hex characters of SHA-256 (VK's guid is a short string)."""
    return "otk" + hashlib.sha256(f"{workflow_id}:{draft_id}".encode()).hexdigest()[:29]


@dataclass(frozen=True)
class Thread:
    """A post (VK wall post, VK board topic, OK group topic) and, when the address names one, a comment."""

    network: Network
    kind: str  # wall | topic | ok_topic
    owner: str  # VK owner id ("-123") or OK gid
    post: str
    comment: str | None

    def in_community(self, network: str, network_id: str | None) -> bool:
        """Whether it is in the community ``network_id`` of ``network`` (a VK community's wall is ``-<id>``)."""
        if network_id is None or self.network.value != network:
            return False
        return self.owner == (f"-{network_id}" if network == Network.vk.value else str(network_id))


def thread_of(url: str) -> Thread | None:
    vk = parse_vk_thread(url)
    if vk is not None:
        return Thread(Network.vk, vk.kind, str(vk.owner_id), str(vk.post_id),
                      str(vk.comment_id) if vk.comment_id is not None else None)
    ok = parse_ok_url(url)
    if ok is not None:
        return Thread(Network.ok, "ok_topic", ok.gid, ok.topic_id, ok.comment_id)
    return None


class VerifyRequest(BaseModel):
    """``verify_publication``: an executor's link to a published answer, against the message it answers."""

    workflow_id: str = Field(min_length=1, max_length=300)
    network: Network
    body: str = Field(min_length=1, max_length=40, description="The publishing body (its account is used)")
    message_url: str = Field(min_length=1, max_length=1000)
    published_url: str = Field(min_length=1, max_length=1000)
    not_before: datetime | None = Field(default=None, description="The answer cannot predate the message")


class VerifyResult(BaseModel):
    same_network: bool
    same_thread: bool
    checked_via_api: bool = False  # the publishing body's account is connected and was asked
    exists: bool | None = None
    from_community: bool | None = None
    published_at: datetime | None = Field(default=None, description="The network's own time of the comment")
    verified: bool = False  # same thread, read through the API, exists: ``published_at`` can be trusted
    reason: str = ""  # Russian, for people, when not verified


@dataclass(frozen=True)
class LinkCheck:
    same_network: bool
    same_thread: bool
    published: Thread | None
    reason: str


def compare_links(network: Network, message_url: str, published_url: str) -> LinkCheck:
    message, published = thread_of(message_url), thread_of(published_url)
    if published is None:
        return LinkCheck(False, False, None, "Ссылка не ведёт на запись или комментарий ВКонтакте или Одноклассников")
    if published.network != network:
        return LinkCheck(False, False, published, "Ответ опубликован в другой соцсети, чем сообщение")
    if message is None:
        return LinkCheck(True, False, published, "Адрес самого сообщения не распознан: сверить ветку нельзя")
    same = (message.kind, message.owner, message.post) == (published.kind, published.owner, published.post)
    if not same:
        return LinkCheck(True, False, published, "Ответ опубликован не под той записью, где сообщение гражданина")
    if published.comment is None or published.comment == message.comment:
        return LinkCheck(True, True, published, "Ссылка ведёт на саму запись, а не на комментарий с ответом")
    return LinkCheck(True, True, published, "")


def link_problem(network: Network | str, message_url: str, published_url: str) -> str | None:
    """Why an executor's link cannot be the answer to this message (another network, another post), or None.
    The update validator refuses such a link at once; whether the comment exists is the network's to say."""
    check = compare_links(Network(network), message_url, published_url)
    if check.published is not None and not check.same_network:
        return check.reason
    if check.published is not None and check.same_network and thread_of(message_url) is not None \
            and not check.same_thread:
        return check.reason
    if check.published is None and thread_of(message_url) is not None:
        return check.reason
    return None
