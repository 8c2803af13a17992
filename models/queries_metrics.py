"""The read-model figures behind Otklik's own Prometheus gauges (api/metrics.py): cheap GROUP BYs over
indexed columns, run at most once per scrape interval."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain.messages import CLOSED_STATES
from models.readmodel import Deadline, Message, Notification

# A breach held by the ЦУР (Curator's steps) has no body in the read model.
CUR_HOLDER = "cur"


@dataclass
class ReadModelFigures:
    open_by_state: dict[str, int] = field(default_factory=dict)
    breaches_by_holder: dict[str, int] = field(default_factory=dict)
    notifications_pending: int = 0
    notifications_failing: int = 0


def read_model_figures(engine: Engine) -> ReadModelFigures:
    closed = [str(getattr(s, "value", s)) for s in CLOSED_STATES]
    out = ReadModelFigures()
    with Session(engine) as s:
        states = s.exec(
            select(Message.state, func.count()).where(col(Message.state).not_in(closed)).group_by(Message.state)
        ).all()
        out.open_by_state = {str(state): int(n) for state, n in states}
        holders = s.exec(
            select(Deadline.body, func.count()).where(col(Deadline.breached).is_(True)).group_by(Deadline.body)
        ).all()
        out.breaches_by_holder = {str(body or CUR_HOLDER): int(n) for body, n in holders}
        unsent = col(Notification.sent_at).is_(None)
        count = select(func.count()).select_from(Notification)
        out.notifications_pending = int(s.exec(count.where(unsent)).one())
        out.notifications_failing = int(s.exec(count.where(unsent, col(Notification.attempts) > 0)).one())
    return out
