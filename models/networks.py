"""Network-side state: polling cursors per community and thread, and finding accounts by network id.

``network_cursor`` remembers, per community (``community_id``: VK owner id ``-123``, OK gid) and per thread
(``wall`` for the community's posts, ``post:{id}`` / ``topic:{id}`` for a post's comments), how far
monitoring has read: ``last_id`` (VK ids only grow) or ``anchor`` (OK's opaque paging anchor). A cursor
only moves forward, and it moves *after* the items are recorded as candidates, so a crash re-reads —
and ``record_candidate``'s unique ``(network, external_id)`` makes the re-read a no-op.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Column, UniqueConstraint, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, col, select

from models.registry import SocialAccount, utcnow


class NetworkCursor(SQLModel, table=True):
    __tablename__ = "network_cursor"
    __table_args__ = (UniqueConstraint("network", "community_id", "thread", name="uq_network_cursor"),)

    id: int | None = Field(default=None, primary_key=True)
    network: str = Field(max_length=20)
    community_id: str = Field(max_length=40)
    thread: str = Field(max_length=80)
    last_id: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    anchor: str | None = Field(default=None, max_length=200)
    updated_at: datetime = Field(default_factory=utcnow)


def read_cursor(session: Session, network: str, community_id: str, thread: str) -> NetworkCursor | None:
    return session.exec(select(NetworkCursor).where(NetworkCursor.network == network,
                                                    NetworkCursor.community_id == community_id,
                                                    NetworkCursor.thread == thread)).first()


def advance_cursor(session: Session, network: str, community_id: str, thread: str, *,
                   last_id: int | None = None, anchor: str | None = None) -> None:
    """Move the cursor forward (``last_id`` never decreases); creates it on first use. Commits."""
    now = utcnow()
    for _ in range(2):  # a concurrent run may create the row between our read and our insert
        row = read_cursor(session, network, community_id, thread)
        if row is None:
            session.add(NetworkCursor(network=network, community_id=community_id, thread=thread,
                                      last_id=last_id or 0, anchor=anchor, updated_at=now))
            try:
                session.commit()
                return
            except IntegrityError:
                session.rollback()
                continue
        values: dict[str, object] = {"updated_at": now}
        if anchor is not None:
            values["anchor"] = anchor
        stmt = update(NetworkCursor).where(col(NetworkCursor.id) == row.id)
        if last_id is not None:
            session.execute(stmt.where(col(NetworkCursor.last_id) < last_id).values(last_id=last_id, **values))
        if anchor is not None or last_id is None:
            session.execute(update(NetworkCursor).where(col(NetworkCursor.id) == row.id).values(**values))
        session.commit()
        return


def find_account_by_network_id(session: Session, network: str, group_id: int | str) -> SocialAccount | None:
    """The registered account of this community: VK ``group_id`` (positive; a negative owner id is accepted),
    OK gid. Accounts registered before ids were resolved match by their ``club{id}``/``public{id}`` address."""
    key = str(group_id).lstrip("-")
    found = session.exec(select(SocialAccount).where(SocialAccount.network == network,
                                                     SocialAccount.network_id == key)).first()
    if found is not None or network != "vk":
        return found
    urls = [f"https://vk.com/{kind}{key}" for kind in ("club", "public", "event")]
    return session.exec(select(SocialAccount).where(SocialAccount.network == network,
                                                    col(SocialAccount.url).in_(urls))).first()


def monitored_accounts(session: Session) -> list[SocialAccount]:
    """Accounts flagged ``monitored`` (an account whose network id is not resolved yet is resolved by the poll)."""
    return list(session.exec(select(SocialAccount).where(SocialAccount.monitored == True)  # noqa: E712
                             .order_by(col(SocialAccount.id))).all())


def publishing_account(session: Session, body_code: str, network: str) -> SocialAccount | None:
    """The body's account in this network flagged for automatic publication (a connected one first)."""
    from models.registry import Body

    rows = session.exec(select(SocialAccount).join(Body, col(Body.id) == SocialAccount.body_id)
                        .where(Body.code == body_code, SocialAccount.network == network,
                               SocialAccount.auto_publish == True)  # noqa: E712
                        .order_by(col(SocialAccount.id))).all()
    connected = [a for a in rows if a.token_cipher or a.admin_token_cipher]
    found = connected or list(rows)
    return found[0] if found else None
