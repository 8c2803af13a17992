"""The read-model figures behind Otklik's own Prometheus gauges (api/metrics.py): cheap GROUP BYs over
indexed columns, run at most once per scrape interval."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain.messages import CLOSED_STATES
from domain.sla import TSUR
from models.delivery import Delivery, DeliveryStatus
from models.readmodel import Deadline, Message

# A breach held by ЦУР (routing, review, composing a joint answer) is recorded with held_by "tsur" (P15).
CUR_HOLDER = TSUR


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
        holder = func.coalesce(Deadline.held_by, Deadline.body)
        holders = s.exec(
            select(holder, func.count()).where(col(Deadline.breached).is_(True)).group_by(holder)
        ).all()
        out.breaches_by_holder = {str(body or CUR_HOLDER): int(n) for body, n in holders}
        count = select(func.count()).select_from(Delivery)
        out.notifications_pending = int(s.exec(count.where(Delivery.status == DeliveryStatus.pending)).one())
        out.notifications_failing = int(s.exec(count.where(Delivery.status == DeliveryStatus.failed)).one())
    return out
