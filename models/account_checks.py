"""Official accounts under the Order: the weekly publication count (A8) and the moderation trail (A9).

``account_week`` — one row per account and ISO week (unique): the community's own publications that week,
whether the threshold was met, and the network's Russian refusal when it could not be counted. The weekly
check upserts it, so a repeated run of the same week changes nothing but ``checked_at``.

``moderation_action`` — every moderation decision, written *before* the network is called (status
``pending``), then ``done`` or ``refused`` with the network's Russian reason: nothing a curator decided is lost
when VK fails or the worker dies in between. A row still ``pending`` after ``MODERATION_LEASE`` was left by a
process that stopped half-way (every network call is bounded well inside it): ``settle_interrupted`` refuses
it with ``INTERRUPTED``, keeping what it did record (the evidence, whether the comment was deleted).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint, or_, text
from sqlmodel import Field, Session, SQLModel, col, select

from domain.account_profile import Profile
from models.registry import utcnow


class AccountWeek(SQLModel, table=True):
    __tablename__ = "account_week"
    __table_args__ = (UniqueConstraint("account_id", "week", name="uq_account_week"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="social_account.id", index=True)
    body_id: int = Field(foreign_key="body.id", index=True)
    week: str = Field(max_length=8, index=True)  # ISO week, "2026-W48"
    week_start: date  # its Monday (Moscow time)
    posts: int | None = None  # None: not counted (see error)
    meets: bool = False
    threshold: int = 3
    checked_at: datetime = Field(default_factory=utcnow)
    error: str | None = Field(default=None, sa_type=Text)
    # Item 8 beyond the count (domain/account_profile.py): yes / no / not known (None, profile_note says why).
    has_description: bool | None = None
    has_photo: bool | None = None
    on_site: bool | None = None
    profile_note: str | None = Field(default=None, sa_type=Text)


class ModerationStatus:
    pending = "pending"
    done = "done"
    refused = "refused"


class ModerationAction(SQLModel, table=True):
    __tablename__ = "moderation_action"
    # One decision at a time per comment: a second request while one is pending fails to insert (409).
    __table_args__ = (Index("uq_moderation_pending", "account_id", "comment_id", unique=True,
                            postgresql_where=text("status = 'pending'"), sqlite_where=text("status = 'pending'")),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="social_account.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    person_name: str = Field(default="", max_length=200)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    comment_url: str = Field(max_length=1000)
    comment_id: str = Field(default="", max_length=60, index=True)  # "wall:<post>:<comment>", "topic:…", "ok_topic:…"
    author_id: str | None = Field(default=None, max_length=40)
    text_snapshot: str | None = Field(default=None, sa_type=Text)  # the comment as read before deletion
    commented_at: datetime | None = None
    reason: str = Field(max_length=20)
    note: str = Field(default="", sa_type=Text)
    ban_requested: bool = False
    ban_forever: bool = False
    ban_until: datetime | None = None
    deleted: bool = False
    banned: bool = False
    status: str = Field(default=ModerationStatus.pending, max_length=20, index=True)
    error: str | None = Field(default=None, sa_type=Text)  # the network's Russian reason
    finished_at: datetime | None = None


def upsert_week(session: Session, *, account_id: int, body_id: int, week: str, week_start: date,
                posts: int | None, threshold: int, error: str | None, at: datetime,
                profile: Profile | None = None) -> AccountWeek:
    row = session.exec(select(AccountWeek).where(AccountWeek.account_id == account_id,
                                                 AccountWeek.week == week)).first()
    if row is None:
        row = AccountWeek(account_id=account_id, body_id=body_id, week=week, week_start=week_start)
    row.body_id, row.posts, row.threshold, row.error, row.checked_at = body_id, posts, threshold, error, at
    row.meets = posts is not None and posts >= threshold
    if profile is not None:
        row.has_description, row.has_photo, row.on_site = profile.description, profile.photo, profile.on_site
        row.profile_note = "; ".join(profile.notes)[:2000] or None
    session.add(row)
    session.commit()
    session.refresh(row)
    return row


def weeks_of(session: Session, week: str) -> list[AccountWeek]:
    return list(session.exec(select(AccountWeek).where(AccountWeek.week == week)
                             .order_by(col(AccountWeek.account_id))).all())


def account_weeks(session: Session, account_id: int, limit: int) -> list[AccountWeek]:
    return list(session.exec(select(AccountWeek).where(AccountWeek.account_id == account_id)
                             .order_by(col(AccountWeek.week_start).desc()).limit(limit)).all())


def moderation_trail(session: Session, *, account_id: int | None, since: datetime | None,
                     limit: int, offset: int) -> list[ModerationAction]:
    q: Any = select(ModerationAction)
    if account_id is not None:
        q = q.where(ModerationAction.account_id == account_id)
    if since is not None:
        q = q.where(ModerationAction.created_at >= since)
    return list(session.exec(q.order_by(col(ModerationAction.created_at).desc(), col(ModerationAction.id).desc())
                             .offset(offset).limit(limit)).all())


MODERATION_LEASE = timedelta(minutes=5)
INTERRUPTED = ("Прервано: сервис остановился, не дождавшись ответа соцсети. Проверьте комментарий в сообществе "
               "и при необходимости повторите")


def settle_interrupted(session: Session, now: datetime, *, account_id: int | None = None,
                       comment_id: str | None = None) -> int:
    """Refuse, with ``INTERRUPTED``, the rows still pending past the lease; how many."""
    q: Any = select(ModerationAction).where(ModerationAction.status == ModerationStatus.pending,
                                            col(ModerationAction.created_at) < now - MODERATION_LEASE)
    if account_id is not None:
        q = q.where(ModerationAction.account_id == account_id)
    if comment_id is not None:
        q = q.where(ModerationAction.comment_id == comment_id)
    rows = list(session.exec(q).all())
    for row in rows:
        row.status, row.error, row.finished_at = ModerationStatus.refused, INTERRUPTED, now
        session.add(row)
    if rows:
        session.commit()
    return len(rows)


def earlier_action(session: Session, account_id: int, comment_id: str) -> ModerationAction | None:
    """What stands in the way of moderating a comment again: a row that deleted it, or one still running."""
    return session.exec(select(ModerationAction).where(
        ModerationAction.account_id == account_id, ModerationAction.comment_id == comment_id,
        or_(col(ModerationAction.deleted), col(ModerationAction.status) != ModerationStatus.refused))
        .order_by(col(ModerationAction.id).desc())).first()
