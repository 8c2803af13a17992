"""Candidates (P7): what a feed brings in before a Curator identifies it as a message that needs a reaction.

A candidate costs no workflow and runs no Regulation clock. It is deduplicated by ``network`` +
``external_id`` (the same canonical ids as messages, see ``domain.vk``), screened (a suggested topic and
district, P14 marks) and listed for triage. A Curator *takes* it (the MessageWorkflow starts, identified
at that moment) or *skips* it with a reason.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from domain.bounds import check_year
from domain.messages import Attachment, Author, Network, check_http_url


class CandidateSource(StrEnum):
    vk_callback = "vk_callback"    # VK Callback API event
    vk_poll = "vk_poll"            # VK community polled by the monitoring schedule
    ok_poll = "ok_poll"            # Odnoklassniki group polled by the monitoring schedule
    integration = "integration"    # a monitoring feed's POST (role ``integration``)


CANDIDATE_SOURCE_TITLES: dict[CandidateSource, str] = {
    CandidateSource.vk_callback: "уведомление ВКонтакте",
    CandidateSource.vk_poll: "мониторинг сообщества ВКонтакте",
    CandidateSource.ok_poll: "мониторинг группы Одноклассников",
    CandidateSource.integration: "лента мониторинга",
}


class CandidateKind(StrEnum):
    post = "post"
    comment = "comment"
    topic_comment = "topic_comment"  # a comment in a discussion (VK board, OK forum topic)


class CandidateStatus(StrEnum):
    new = "new"          # waiting for triage
    taken = "taken"      # a Curator identified it: a MessageWorkflow runs (``workflow_id``)
    skipped = "skipped"  # a Curator decided it needs no reaction (``skip_reason``)


CANDIDATE_STATUS_TITLES: dict[CandidateStatus, str] = {
    CandidateStatus.new: "ожидает разбора",
    CandidateStatus.taken: "взято в работу",
    CandidateStatus.skipped: "не требует реагирования",
}


class CandidateIn(BaseModel):
    """One feed item, as every source hands it to ``models.candidates.record_candidate``."""

    model_config = ConfigDict(extra="forbid")

    network: Network
    external_id: str = Field(min_length=1, max_length=200)
    kind: CandidateKind = CandidateKind.post
    source: CandidateSource
    url: str = Field(min_length=1, max_length=1000)
    post_id: str | None = Field(default=None, max_length=100)
    comment_id: str | None = Field(default=None, max_length=100)
    community_id: str | None = Field(default=None, max_length=100, description="Network id of the community")
    author: Author
    text: str = Field(default="", max_length=20000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)
    posted_at: datetime | None = None
    raw_payload: str | None = Field(default=None, max_length=200_000, description="As received (P14 evidence)")

    @field_validator("posted_at")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.utcoffset() is None:
            raise ValueError("время должно быть с часовым поясом")
        return check_year(v)

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        return check_http_url(v) or v

    @field_validator("author")
    @classmethod
    def _profile(cls, v: Author) -> Author:
        if v.profile_url is not None:
            check_http_url(v.profile_url)
        return v
