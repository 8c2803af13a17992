"""Read-model rows for the rating tests (inserted directly, as the projection writes them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from models.readmodel import Deadline, Draft, Message, MessageBody, MessageEvent

Q3 = datetime(2026, 8, 10, 9, 0, tzinfo=UTC)  # inside 2026-Q3


class Seed:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.n = 0

    def message(self, bodies: list[str], *, at: datetime = Q3, deadlines: list[dict[str, Any]] = (),  # type: ignore[assignment]
                events: list[dict[str, Any]] = (), drafts: list[dict[str, Any]] = ()) -> str:  # type: ignore[assignment]
        self.n += 1
        wid = f"msg-vk-rating-{self.n}"
        t = at + timedelta(minutes=self.n)
        with Session(self.engine) as s:
            s.add(Message(workflow_id=wid, network="vk", external_id=wid, url=f"https://vk.com/{wid}", author_id="1",
                          source="manual", state="answered", bodies=bodies, detected_at=t))
            for b in bodies:
                s.add(MessageBody(workflow_id=wid, body=b, status="published", received_at=t))
            for i, d in enumerate(deadlines):
                s.add(Deadline(workflow_id=wid, deadline_id=f"{d['step']}-{i}", step=d["step"], title="срок",
                               rule="P9", body=d.get("body"), opened_at=t, due=t + timedelta(hours=9),
                               status=d.get("status", "closed"), breached=d.get("breached", False),
                               held_by=d.get("held_by"), escalated_to=d.get("escalated_to", []),
                               window=d["step"] == "return_window"))
            for i, e in enumerate(events):
                s.add(MessageEvent(workflow_id=wid, seq=i + 1, at=t, kind=e["kind"], state="assigned",
                                   body=e.get("body"), data=e.get("data", {})))
            for i, d in enumerate(drafts):
                s.add(Draft(workflow_id=wid, draft_id=f"d{i + 1}", version=i + 1, kind="final", body=d["body"],
                            text="Ответ", status=d["status"], submitted_at=t, submitted_by_id=1,
                            submitted_by_name="Исполнитель"))
            s.commit()
        return wid

    def clean(self, body: str, n: int, *, at: datetime = Q3) -> None:
        for _ in range(n):
            self.message([body], at=at, deadlines=[{"step": "answer"}], drafts=[{"body": body, "status": "published"}])


def seed_quarter(engine: Engine) -> Seed:
    """2026-Q3: minzdrav 10 messages (a mixed record, expected 3.5 yellow), mintrans 5 clean (5.0 green),
    rkb (minzdrav's subordinate) 5 clean, gkh 2 (no score)."""
    s = Seed(engine)
    late = {"step": "answer", "breached": True, "held_by": "minzdrav", "escalated_to": ["body_responsible",
                                                                                       "tsur_head", "leadership"]}
    tsur_late = {"step": "answer", "breached": True, "held_by": "tsur", "escalated_to": ["tsur_duty", "tsur_head"]}
    ok = {"body": "minzdrav", "status": "approved"}
    rework = {"body": "minzdrav", "status": "returned"}
    s.message(["minzdrav"], deadlines=[late], drafts=[ok])
    s.message(["minzdrav"], deadlines=[tsur_late], drafts=[ok])       # ЦУР held it: not the body's breach
    s.message(["minzdrav"], deadlines=[tsur_late], drafts=[rework, ok])
    # A return in time that the curator accepted (sent to mintrans): justified, not counted.
    s.message(["minzdrav", "mintrans"], deadlines=[{"step": "return_window", "body": "minzdrav"}],
              events=[{"kind": "returned", "body": "minzdrav"},
                      {"kind": "routed", "data": {"bodies": ["mintrans"]}}],
              drafts=[{"body": "mintrans", "status": "published"}])
    # A return the curator answered by routing back to minzdrav: wrongful.
    s.message(["minzdrav"], events=[{"kind": "routed", "data": {"bodies": ["minzdrav"]}},
                                     {"kind": "returned", "body": "minzdrav"},
                                     {"kind": "rerouted", "data": {"bodies": ["minzdrav"]}}], drafts=[ok])
    # A late return (after the 30 minutes).
    s.message(["minzdrav"], deadlines=[{"step": "return_window", "body": "minzdrav", "breached": True,
                                        "held_by": "minzdrav"}], drafts=[rework])
    # P10: one final answer after an intermediate in time, one late (held by the body).
    s.message(["minzdrav"], deadlines=[{"step": "final_after_intermediate", "body": "minzdrav"}], drafts=[ok])
    s.message(["minzdrav"], deadlines=[{"step": "final_after_intermediate", "body": "minzdrav", "breached": True,
                                        "held_by": "minzdrav"}], drafts=[ok])
    s.message(["minzdrav"], drafts=[ok])
    s.message(["minzdrav"], drafts=[ok])
    s.clean("mintrans", 4)
    s.clean("rkb", 5)
    s.clean("gkh", 2)
    # Another quarter's breach never reaches 2026-Q3.
    s.message(["mintrans"], at=datetime(2026, 6, 30, 20, 0, tzinfo=UTC),
              deadlines=[{"step": "answer", "breached": True, "held_by": "mintrans"}])
    return s
