"""Notification events: what a workflow (or a schedule) tells people, as data — never prose.

A workflow emits a :class:`NotificationEvent`: a kind, an audience (a role of the registry, resolved to
people at delivery), the body whose people or ladder it concerns, and ``data`` (ids, ISO times, codes,
working minutes). Delivery (``activities/delivery``) resolves the recipients from the registry
(``domain/recipients.py``), renders the Russian text of the kind from ``config/templates/notifications/``
with the registry names of bodies, topics and districts, and delivers each (event, recipient, channel)
once, keyed by ``key``.

Keep ``data`` small and flat (str, int, bool, None, lists of str): it goes into workflow history.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

#: Who gets a notification. Resolved to people by ``domain.recipients`` from the registry.
Audience = Literal[
    "body_executors",     # the executors of ``body``
    "body_responsible",   # the responsible official of ``body`` (P6, P15)
    "body_head",          # the head of ``body`` (A13: rating results)
    "tsur_curators",      # the ЦУР curators (the message's curator first)
    "tsur_duty",          # the ЦУР duty officer
    "tsur_head",          # the head of ЦУР
    "leadership",         # the Head, the Chairman and the deputy chairman whose portfolio holds ``body``
    "head",               # the Head of the Republic
    "chairman",           # the Chairman of the Government
    "portfolio_deputy",   # the deputy chairman whose portfolio holds ``body`` (P16, P17)
    "administration",     # the Administration of the Head and Government (P17, A2)
    "police",             # the competent law-enforcement body for ``data["ground"]`` (P14)
]

AUDIENCE_TITLES: dict[str, str] = {
    "body_executors": "исполнители органа",
    "body_responsible": "ответственное должностное лицо органа",
    "body_head": "руководитель органа",
    "tsur_curators": "кураторы ЦУР",
    "tsur_duty": "дежурный ЦУР",
    "tsur_head": "руководитель ЦУР",
    "leadership": "руководство (Глава, Председатель Правительства, курирующий заместитель)",
    "head": "Глава Республики",
    "chairman": "Председатель Правительства",
    "portfolio_deputy": "курирующий заместитель Председателя Правительства",
    "administration": "Администрация Главы и Правительства",
    "police": "правоохранительные органы",
}


class NotificationKind(StrEnum):
    """One template per kind (``config/templates/notifications/<kind>.txt.j2`` / ``.html.j2``)."""

    routed = "routed"                      # a message was routed (or re-routed) to ``body``
    transferred = "transferred"            # a responsible official moved it inside its body's tree
    returned = "returned"                  # a body returned it to ЦУР as not competent (P8)
    draft_submitted = "draft_submitted"    # a draft waits for the curator's review (P9)
    draft_returned = "draft_returned"      # the curator returned a draft for rework (P9)
    approved = "approved"                  # a draft is approved: publish within 30 minutes (P9)
    parts_status = "parts_status"          # joint answer: which parts are in, which missing (P11)
    warning = "warning"                    # a deadline is near: e.g. «направьте промежуточный ответ» (P9)
    breach = "breach"                      # a deadline slipped (step, due, overrun, held_by)
    rung = "rung"                          # a later rung of a breach's escalation ladder
    breach_withdrawn = "breach_withdrawn"  # a breach turned out not to be one (verified publication)
    repeat = "repeat"                      # a repeat message (P12) was routed to ``body``
    significant = "significant"            # P17: a socially significant message (urgent)
    illegal = "illegal"                    # P14: illegal content — the written notice (urgent)
    triage = "triage"                      # candidates waiting past the triage target (ЦУР only)
    surge = "surge"                        # P17: increased social activity (urgent)
    surge_subsided = "surge_subsided"      # the surge has ended
    retired_body = "retired_body"          # open messages held by a retired body need re-routing
    closed = "closed"                      # the curator closed a message a body held (dismissed, P14)
    author_replied = "author_replied"      # the author answered in the thread
    publication_failed = "publication_failed"  # automatic publication did not go through: publish by hand
    weekly_note = "weekly_note"            # P16
    rating = "rating"                      # A11, A13
    account_inactive = "account_inactive"  # A8: an official account had fewer own publications than required
    account_activity = "account_activity"  # A8: the weekly summary of official accounts for the head of ЦУР
    plan_missed = "plan_missed"  # the Order, items 3, 4, 7: planned publications of an account did not come out
    account_profile = "account_profile"  # the Order, item 8: no description / main photo / link on the body's site


NOTIFICATION_KIND_TITLES: dict[str, str] = {
    "routed": "направлено в орган", "transferred": "передано внутри органа", "returned": "возвращено куратору",
    "draft_submitted": "проект на согласовании", "draft_returned": "проект возвращён на доработку",
    "approved": "ответ согласован", "parts_status": "части совместного ответа", "warning": "предупреждение о сроке",
    "breach": "нарушение срока", "rung": "эскалация", "breach_withdrawn": "нарушение снято",
    "repeat": "повторное сообщение", "significant": "общественно значимое сообщение",
    "illegal": "противоправное содержание", "triage": "кандидаты ждут разбора", "surge": "всплеск активности",
    "surge_subsided": "всплеск завершился", "retired_body": "сообщения упразднённого органа",
    "closed": "сообщение закрыто", "author_replied": "ответ автора", "publication_failed": "ответ не опубликован",
    "weekly_note": "еженедельная записка", "rating": "рейтинг органов",
    "account_inactive": "мало публикаций в аккаунте", "account_activity": "публикации официальных аккаунтов за неделю",
    "plan_missed": "публикации по графику не вышли",
    "account_profile": "оформление официального аккаунта",
}

#: Kinds delivered at once, day or night. A breach or rung reaching leadership is urgent as well
#: (``NotificationEvent.urgent`` is set by whoever emits it).
URGENT_KINDS = frozenset({NotificationKind.significant, NotificationKind.illegal, NotificationKind.surge})


class NotificationEvent(BaseModel):
    """An outbox entry. ``key`` is unique: a retried activity or a replayed workflow never sends twice."""

    key: str = Field(min_length=1, max_length=300)
    kind: NotificationKind
    audience: Audience
    workflow_id: str | None = Field(default=None, max_length=300)
    body: str | None = Field(default=None, max_length=40)
    urgent: bool = False
    data: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime

    def is_urgent(self) -> bool:
        return self.urgent or self.kind in URGENT_KINDS or self.audience in {"leadership", "head", "chairman"}


class NotificationEventBatch(BaseModel):
    events: list[NotificationEvent]
