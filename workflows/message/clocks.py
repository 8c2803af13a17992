"""The clock engine of a message: movable deadlines, breaches attributed to the holder, escalation ladders.

Deterministic and time-free: every method takes ``now``. The workflow's ``run`` loop asks
:meth:`Clocks.next_wake` for the earliest thing to wait for (in the style of samples-python
``updatable_timer``: one ``wait_condition`` with a timeout that moves when a handler changes the dues), then
calls :meth:`Clocks.check`.

* A step's clock opens with its due from the policy (``open``), and closes once (``close``): met when done
  by its due; late otherwise, with its breach completed (actual time, overrun in working minutes).
* A breach is recorded when the due passes (``check``), naming who held the message then
  (``held_by``: a body code or ``"tsur"``); it walks that holder's ladder from the policy — ЦУР's delays
  escalate within ЦУР, never to a body (P15).
* A *warning* clock (the 4-hour mark of P9) notifies when it passes and is never a breach; the answer
  breach that may follow names it as its cause.
* A *window* (P8's 30 minutes) is a right with a time limit: it expires silently.
* A timer-recorded breach is withdrawn only when the step is shown, by a verified time, to have been done
  by its due (a publication the network's API confirms); a declared time only annotates the breach.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.messages import Breach, DeadlineStatus, DeadlineView
    from domain.notifications import AUDIENCE_TITLES
    from domain.sla import SlaPolicy, StepKey
    from domain.worktime import WorkCalendar
    from workflows.message.record import MessageRecord

#: Emits an event: (kind, text, data, body).
EventSink = Callable[[str, str, dict[str, Any], str | None], None]
#: Emits notifications of one escalation step: (kind, deadline, breach or None, audiences, rung index).
NotifySink = Callable[[str, DeadlineView, Breach | None, list[str], int], None]


def working_minutes(td: timedelta) -> int:
    """Whole working minutes, rounded to the nearest."""
    return math.floor(td.total_seconds() / 60 + 0.5)


class Clocks:
    def __init__(self, rec: MessageRecord, cal: WorkCalendar, policy: SlaPolicy,
                 holder: Callable[[DeadlineView], str], on_event: EventSink, on_notify: NotifySink,
                 fmt: Callable[[datetime], str], holder_title: Callable[[str], str] = str) -> None:
        self.rec = rec
        self._holder_title = holder_title
        self.cal = cal
        self.policy = policy
        self._holder = holder
        self._event = on_event
        self._notify = on_notify
        self._fmt = fmt

    # ------------------------------------------------------------------ open / find / close

    def open(self, key: StepKey, start: datetime, *, body: str | None = None, due: datetime | None = None,
             anchor: datetime | None = None, window: bool = False) -> DeadlineView:
        step = self.policy.step(key)
        start = start.replace(microsecond=0)
        due = (due or self.policy.due(self.cal, key, start, anchor=anchor)).replace(microsecond=0)
        d = DeadlineView(id=f"{key.value}-{len(self.rec.deadlines) + 1}", step=key, title=step.title,
                         rule=step.rule, body=body, window=window, warning=step.warning, opened_at=start, due=due)
        self.rec.deadlines.append(d)
        return d

    def find_open(self, key: StepKey, body: str | None = None) -> DeadlineView | None:
        for d in reversed(self.rec.deadlines):
            if d.step == key and d.status == DeadlineStatus.open and (body is None or d.body == body):
                return d
        return None

    def last(self, key: StepKey, body: str | None = None) -> DeadlineView | None:
        return next((d for d in reversed(self.rec.deadlines) if d.step == key and (body is None or d.body == body)),
                    None)

    def open_deadlines(self) -> list[DeadlineView]:
        return [d for d in self.rec.deadlines if d.status == DeadlineStatus.open]

    def close(self, key: StepKey, at: datetime, *, body: str | None = None, used_right: bool = True,
              verified: bool = True, declared: datetime | None = None) -> DeadlineView | None:
        """The step is done at ``at`` (``declared``: the time a person typed, when not verified).

        ``used_right=False`` closes a window (P8) without using it — the body accepted or sent its part.
        """
        d = self.find_open(key, body)
        if d is None:
            return None
        self.close_deadline(d, at, used_right=used_right, verified=verified, declared=declared)
        return d

    def close_deadline(self, d: DeadlineView, at: datetime, *, used_right: bool = True, verified: bool = True,
                       declared: datetime | None = None) -> None:
        d.status = DeadlineStatus.closed
        d.closed_at = at
        d.used_minutes = working_minutes(self.cal.between(d.opened_at, at))
        if d.window:
            d.met = (at <= d.due) or not used_right
            if not d.met:
                d.overrun_minutes = working_minutes(self.cal.between(d.due, at))
                self._breach(d, at).actual = at
            return
        if d.warning:
            d.met = at <= d.due
            return
        recorded = self.breach_of(d)
        if recorded is not None and declared is not None and declared <= d.due and not verified:
            recorded.declared_at = declared
            self._event("breach_declared_in_time",
                        f"Исполнитель указал время публикации {self._fmt(declared)} — до срока "
                        f"{self._fmt(d.due)}; время не подтверждено сетью, отметка о нарушении сохраняется",
                        {"deadline_id": d.id, "declared_at": declared.isoformat()}, d.body)
        if recorded is not None and at <= d.due and verified and at < recorded.recorded_at:
            # The timer recorded the breach, but the network's own time shows the step was done by its due.
            d.breached = False
            self.rec.breaches.remove(recorded)
            self._event("breach_withdrawn",
                        f"Срок «{d.title}» соблюдён: шаг выполнен {self._fmt(at)}, до срока {self._fmt(d.due)} "
                        "(время подтверждено сетью); отметка о нарушении снята",
                        {"deadline_id": d.id, "at": at.isoformat()}, d.body)
            if d.escalated_to:
                self._notify("breach_withdrawn", d, None, list(d.escalated_to), 0)
        d.met = at <= d.due and not d.breached
        if not d.met:
            d.overrun_minutes = working_minutes(self.cal.between(d.due, at))
            breach = self._breach(d, at)
            breach.actual = at
            breach.overrun_minutes = d.overrun_minutes

    def reconsider(self, d: DeadlineView, at: datetime) -> bool:
        """A closed step's time is now verified (by the network): withdraw its breach if done by its due."""
        breach = self.breach_of(d)
        if breach is None or at > d.due or at >= breach.recorded_at:
            return False
        d.breached = False
        d.met = True
        d.overrun_minutes = None
        d.closed_at = at
        self.rec.breaches.remove(breach)
        self._event("breach_withdrawn",
                    f"Срок «{d.title}» соблюдён: шаг выполнен {self._fmt(at)}, до срока {self._fmt(d.due)} "
                    "(время подтверждено сетью); отметка о нарушении снята",
                    {"deadline_id": d.id, "at": at.isoformat()}, d.body)
        if d.escalated_to:
            self._notify("breach_withdrawn", d, None, list(d.escalated_to), 0)
        return True

    def cancel(self, d: DeadlineView, at: datetime) -> None:
        d.status = DeadlineStatus.cancelled
        d.closed_at = at
        d.used_minutes = working_minutes(self.cal.between(d.opened_at, at))

    def cancel_where(self, at: datetime, pred: Callable[[DeadlineView], bool]) -> None:
        for d in self.open_deadlines():
            if pred(d):
                self.cancel(d, at)

    # ------------------------------------------------------------------ breaches and escalation

    def breach_of(self, d: DeadlineView) -> Breach | None:
        return next((b for b in self.rec.breaches if b.deadline_id == d.id), None)

    def _breach(self, d: DeadlineView, now: datetime) -> Breach:
        return self.breach_of(d) or self._record_breach(d, now)

    def _record_breach(self, d: DeadlineView, now: datetime) -> Breach:
        d.breached = True
        held_by = self._holder(d)
        cause = None
        if d.step == StepKey.answer and any(x.step == StepKey.intermediate and x.warned for x in self.rec.deadlines):
            cause = "no_intermediate"
        breach = Breach(deadline_id=d.id, step=d.step, title=d.title, body=d.body if d.body else
                        (held_by if held_by != "tsur" else None), held_by=held_by, cause=cause, due=d.due,
                        recorded_at=now)
        self.rec.breaches.append(breach)
        why = " — промежуточный ответ не направлен за 4 рабочих часа до срока" if cause else ""
        self._event("breach", f"Нарушен срок: {d.title} (срок {self._fmt(d.due)}; сообщение было у: "
                    f"{self._holder_title(held_by)}){why}",
                    {"deadline_id": d.id, "step": d.step.value, "due": d.due.isoformat(), "held_by": held_by,
                     "cause": cause}, breach.body)
        return breach

    def _rung_times(self, d: DeadlineView, held_by: str | None) -> list[datetime]:
        return [when for when, _ in self.policy.escalations(self.cal, d.step, d.due, held_by)]

    def check(self, now: datetime) -> None:
        """Record what has come due: breaches, warnings, escalation rungs."""
        for d in self.open_deadlines():
            if d.window:
                continue
            if d.warning:
                if not d.warned and d.due <= now:
                    self._warn(d, now)
                continue
            if not d.breached and d.due <= now:
                self._record_breach(d, now)
            if not d.breached:
                continue
            breach = self.breach_of(d)
            held_by = breach.held_by if breach else None
            ladder = self.policy.step(d.step).ladder(held_by)
            times = self._rung_times(d, held_by)
            fired = self.rec.rungs_fired.get(d.id, 0)
            while fired < len(ladder) and times[fired] <= now:
                audiences = ladder[fired].notify
                d.escalated_to = [*d.escalated_to, *[a for a in audiences if a not in d.escalated_to]]
                who = ", ".join(AUDIENCE_TITLES.get(a, a) for a in audiences)
                self._event("escalation", f"Эскалация ({fired + 1}-я ступень): {d.title} — {who}",
                            {"deadline_id": d.id, "rung": fired, "audiences": audiences, "held_by": held_by},
                            d.body)
                self._notify("breach" if fired == 0 else "rung", d, breach, audiences, fired)
                fired += 1
            self.rec.rungs_fired[d.id] = fired

    def _warn(self, d: DeadlineView, now: datetime) -> None:
        """P9: the 4-hour mark passed with no intermediate draft: a warning to the body, not a breach."""
        d.warned = True
        d.status = DeadlineStatus.closed
        d.closed_at = now
        d.met = False
        ladder = self.policy.step(d.step).escalation
        audiences = ladder[0].notify if ladder else []
        self._event("warning", "До срока ответа менее 4 рабочих часов: если требуется больше времени, "
                    "направьте промежуточный ответ или уточняющий вопрос (п. 9)",
                    {"deadline_id": d.id, "due": d.due.isoformat()}, d.body)
        if audiences:
            self._notify("warning", d, None, audiences, 0)

    def next_wake(self) -> tuple[datetime, DeadlineView, bool] | None:
        """The earliest due not yet passed, or escalation rung not yet fired: (when, deadline, is a rung)."""
        best: tuple[datetime, DeadlineView, bool] | None = None
        for d in self.open_deadlines():
            if d.window:
                continue
            if d.warning:
                cand = None if d.warned else (d.due, d, False)
            elif not d.breached:
                cand = (d.due, d, False)
            else:
                breach = self.breach_of(d)
                times = self._rung_times(d, breach.held_by if breach else None)
                fired = self.rec.rungs_fired.get(d.id, 0)
                cand = (times[fired], d, True) if fired < len(times) else None
            if cand is not None and (best is None or cand[0] < best[0]):
                best = cand
        return best

    def next_due(self) -> datetime | None:
        dues = [d.due for d in self.open_deadlines() if not d.window and not d.warning]
        return min(dues) if dues else None

    def view_of(self, d: DeadlineView, now: datetime) -> DeadlineView:
        if d.status != DeadlineStatus.open:
            return d.model_copy()
        ahead = now < d.due
        return d.model_copy(update={
            "remaining_minutes": working_minutes(self.cal.between(now, d.due)) if ahead
            else -working_minutes(self.cal.between(d.due, now)),
            "used_minutes": working_minutes(self.cal.between(d.opened_at, now)),
            "overrun_minutes": None if ahead else working_minutes(self.cal.between(d.due, now)),
        })
