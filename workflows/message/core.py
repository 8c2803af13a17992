"""The state every handler of MessageWorkflow shares, and the bookkeeping around it.

``MessageCore`` holds the record (``self.r``), the clocks, the outputs buffer, and the helpers the
handler mixins (``routing``, ``drafts``, ``closing``) use: who holds the message, events, notification
events, the view and the read-model projection.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.messages import (
        CLOSED_STATES,
        STATE_TITLES,
        ActionRejected,
        ActionResult,
        Actor,
        BodyStatus,
        BodyView,
        Breach,
        DeadlineView,
        DraftStatus,
        EventRecord,
        MessageInput,
        MessageProjection,
        MessageRow,
        MessageState,
        MessageSummary,
        MessageView,
        Outcome,
        RouteOrder,
        StepSummary,
        check_action,
    )
    from domain.notifications import NotificationEvent, NotificationKind
    from domain.sla import TSUR, Holder, SlaPolicy, StepKey
    from domain.worktime import WorkCalendar
    from workflows import search_attributes as sa
    from workflows.message import texts
    from workflows.message.clocks import Clocks, working_minutes
    from workflows.message.outputs import Outputs
    from workflows.message.record import MessageRecord

REJECTED = "Rejected"
TSUR_STATES = frozenset({MessageState.new, MessageState.returned, MessageState.on_review})


def reject(message: str) -> ApplicationError:
    return ApplicationError(message, type=REJECTED, non_retryable=True)


def now_s() -> datetime:
    """The workflow's time to the second: clocks open and close on whole seconds."""
    return workflow.now().replace(microsecond=0)


class MessageCore:
    _inp: MessageInput
    r: MessageRecord

    def _setup(self, inp: MessageInput) -> None:
        self._inp = inp
        self._wid = workflow.info().workflow_id
        self._cal = WorkCalendar.from_snapshot(inp.calendar)
        self._policy: SlaPolicy = inp.policy
        self.r = MessageRecord.model_validate(inp.carry) if inp.carry else MessageRecord()
        self.out = Outputs()
        self.clocks = Clocks(self.r, self._cal, self._policy, self._deadline_holder, self._clock_event,
                             self._clock_notify, self._fmt,
                             lambda code: texts.holder_title(code, self.r.body_names))
        self._dirty = True
        self._changed: list[str] = []

    # ------------------------------------------------------------------ who holds it (P15)

    def holder(self) -> str | None:
        """A body code, ``"tsur"`` (routing, review, composing the joint answer), or None when closed."""
        st = self.r.state
        if st in CLOSED_STATES:
            return None
        if st in TSUR_STATES:
            return TSUR
        if st == MessageState.approved and self.r.publishing:
            return next(iter(self.r.publishing))
        if st == MessageState.collecting:
            missing = [b.code for b in self._active_bodies() if b.status in (BodyStatus.assigned, BodyStatus.accepted)]
            return missing[0] if missing else TSUR
        codes = self._active_codes()
        return codes[0] if codes else TSUR

    def _deadline_holder(self, d: DeadlineView) -> str:
        holder = self._policy.step(d.step).holder
        if holder == Holder.tsur:
            return TSUR
        if holder == Holder.body and d.body:
            return d.body
        return self.holder() or TSUR

    # ------------------------------------------------------------------ checks

    def _check(self, action: str, actor: Actor) -> None:
        try:
            check_action(action, self.r.state, actor)
        except ActionRejected as exc:
            raise reject(str(exc)) from None

    def _own_body(self, actor: Actor) -> BodyView:
        body = next((b for b in self.r.bodies if b.code == actor.body and b.status != BodyStatus.removed), None)
        if body is None:
            raise reject(f"Сообщение направлено не в ваш орган ({self._bn(actor.body)}).")
        if body.status == BodyStatus.returned:
            raise reject("Ваш орган вернул это сообщение куратору.")
        return body

    def _body(self, code: str | None) -> BodyView:
        return next(b for b in self.r.bodies if b.code == code and b.status != BodyStatus.removed)

    def _active_bodies(self) -> list[BodyView]:
        return [b for b in self.r.bodies if b.status not in (BodyStatus.removed, BodyStatus.returned)]

    def _active_codes(self) -> list[str]:
        return [b.code for b in self._active_bodies() if b.status != BodyStatus.waiting]

    def _p10_clock(self) -> DeadlineView | None:
        """The clock of the final answer after a published intermediate one (P10), if there is one."""
        if self.clocks.find_open(StepKey.answer) is not None:
            return None
        return next((d for d in reversed(self.r.deadlines)
                     if d.step in (StepKey.final_after_intermediate, StepKey.reroute_final)), None)

    # ------------------------------------------------------------------ joint answers (P11)

    def _advance_joint(self, now: datetime) -> None:
        """Sequential order: the next body gets the message. Every part in: the curator composes (P11)."""
        if self.r.state not in (MessageState.collecting, MessageState.awaiting_final) or not self.r.joint:
            return
        active = self._active_bodies()
        if self.r.route is not None and self.r.route.order == RouteOrder.sequential:
            if not any(b.status in (BodyStatus.assigned, BodyStatus.accepted) for b in active):
                nxt = next((b for b in active if b.status == BodyStatus.waiting), None)
                if nxt is not None:
                    self._receive(nxt, now)
                    part = self.clocks.find_open(StepKey.contribution, nxt.code)
                    self._notify("routed", "body_executors", nxt.code, joint=True, turn=True,
                                 part_due=part.due.isoformat() if part else None, bodies=self._active_codes())
        parts_in = [b.code for b in active if b.status == BodyStatus.contributed]
        routed = set(self.r.route.bodies) if self.r.route else set()
        missing = [b.code for b in self.r.bodies if b.code in routed and b.status in (
            BodyStatus.assigned, BodyStatus.accepted, BodyStatus.waiting, BodyStatus.returned)]
        if self.r.state == MessageState.collecting and active and len(parts_in) == len(active):
            self.r.state = MessageState.on_review
            composition = self.clocks.open(StepKey.composition, now)
            self._notify("parts_status", "tsur_curators", None, parts_in=parts_in, received=parts_in, missing=missing,
                         complete=True, due=composition.due.isoformat())
        elif parts_in:
            self._notify("parts_status", "tsur_curators", None, parts_in=parts_in, received=parts_in, missing=missing,
                         complete=False)

    def _receive(self, body: BodyView, now: datetime) -> None:
        """A body receives the message: its return window (P8) and, in a joint answer, its part (P11)."""
        body.status = BodyStatus.assigned
        body.received_at = now
        self.clocks.open(StepKey.return_window, now, body=body.code, window=True)
        if self.r.joint:
            self.clocks.open(StepKey.contribution, now, body=body.code)

    # ------------------------------------------------------------------ transitions' bookkeeping

    def _finish(self, outcome: Outcome, now: datetime, reason: str | None) -> None:
        self.clocks.cancel_where(now, lambda d: True)
        for dr in self.r.drafts:
            if dr.status in (DraftStatus.on_review, DraftStatus.returned):
                dr.status = DraftStatus.superseded
        self.r.state = MessageState(outcome.value)
        self.r.outcome = outcome
        self.r.outcome_reason = reason
        self.r.closed_at = now

    def _event(self, kind: str, actor: Actor | None, text: str, data: dict[str, Any] | None = None, *,
               body: str | None = None) -> None:
        self.r.events_count += 1
        self._changed.append(kind)
        self.out.events.append(EventRecord(
            seq=self.r.events_count, at=now_s(), kind=kind, state=self.r.state, actor=actor,
            body=body if body is not None else (actor.body if actor else None), text=text, data=data or {}))
        self._dirty = True

    def _clock_event(self, kind: str, text: str, data: dict[str, Any], body: str | None) -> None:
        self._event(kind, None, text, data, body=body)

    def _notify(self, kind: NotificationKind | str, audience: str, body: str | None = None, /, *,
                key: str | None = None, urgent: bool = False, **data: Any) -> None:
        kind = NotificationKind(kind)
        c = self.r.classification
        base: dict[str, Any] = {"workflow_id": self._wid, "url": self._inp.url, "network": self._inp.network.value,
                                "state": self.r.state.value, "topic": c.topic if c else None,
                                "location": c.location if c else None}
        suffix = key or f"{kind.value}:{self.r.events_count}:{audience}:{body or '-'}"
        self.out.notifications.append(NotificationEvent(
            key=f"{self._wid}:{suffix}", kind=kind, audience=audience,
            workflow_id=self._wid, body=body, urgent=urgent, data={**base, **data}, created_at=now_s()))
        self._dirty = True

    def _notify_bodies(self, kind: NotificationKind | str, codes: list[str], /, **data: Any) -> None:
        for code in codes:
            self._notify(kind, "body_executors", code, **data)

    def _clock_notify(self, kind: str, d: DeadlineView, breach: Breach | None, audiences: list[str],
                      rung: int) -> None:
        """Notification events of a clock: a breach, a later rung, a warning, a withdrawn breach."""
        held_by = breach.held_by if breach else (d.body or self.holder())
        now = now_s()
        data: dict[str, Any] = {
            "deadline_id": d.id, "step": d.step.value, "step_title": d.title, "rule": d.rule,
            "due": d.due.isoformat(), "held_by": held_by, "rung": rung, "escalated_to": list(d.escalated_to),
            "overrun_minutes": working_minutes(self._cal.between(d.due, now)) if now > d.due else 0,
            "cause": breach.cause if breach else None, "bodies": self._active_codes(),
        }
        if kind == "warning":
            answer = self.clocks.find_open(StepKey.answer)
            data["advice"] = ("До срока ответа осталось не более 4 рабочих часов. Если для ответа требуется больше "
                              "времени, направьте на согласование промежуточный ответ или уточняющий вопрос (п. 9 "
                              "Положения). Если успеваете — достаточно окончательного ответа в срок.")
            data["due"] = (answer.due if answer else d.due).isoformat()
        for audience in audiences:
            if audience.startswith("body_"):
                target = d.body or (held_by if held_by and held_by != TSUR else None)
                if target is None:  # a body's official, but no body holds the message: the ЦУР duty officer
                    self._notify(kind, "tsur_duty", None, key=f"{kind}:{d.id}:{rung}:{audience}:tsur_duty", **data)
                    continue
                self._notify(kind, audience, target, key=f"{kind}:{d.id}:{rung}:{audience}:{target}", **data)
            else:
                self._notify(kind, audience, d.body, key=f"{kind}:{d.id}:{rung}:{audience}:-",
                             urgent=audience == "leadership", **data)

    def _result(self) -> ActionResult:
        changed, self._changed = self._changed, []
        return ActionResult(workflow_id=self._wid, state=self.r.state, version=self.r.events_count, changed=changed)

    # ------------------------------------------------------------------ names and times

    def _bn(self, code: str | None) -> str:
        """A body's name for people (the registry's, as the API passed it), else its code."""
        return self.r.body_names.get(code or "", code or "")

    def _bn_list(self, codes: list[str]) -> str:
        return ", ".join(f"«{self._bn(c)}»" for c in codes)

    def _local_date(self, t: datetime) -> date:
        return t.astimezone(self._cal.zone).date()

    def _day_before(self, d: date) -> datetime:
        return datetime.combine(d - timedelta(days=1), time(12, 0), tzinfo=self._cal.zone)

    def _fmt(self, t: datetime) -> str:
        return texts.fmt(t, self._cal.zone)

    # ------------------------------------------------------------------ views

    def _view(self, as_of: datetime | None = None) -> MessageView:
        now = workflow.now() if as_of is None else max(as_of, workflow.now())
        inp, r = self._inp, self.r
        breaches = [b if b.actual is not None else b.model_copy(update={
            "overrun_minutes": working_minutes(self._cal.between(b.due, now))}) for b in r.breaches]
        answer = self.clocks.last(StepKey.answer)
        return MessageView(
            workflow_id=self._wid, network=inp.network, external_id=inp.external_id, url=inp.url,
            author=inp.author, text=inp.text, source=inp.source, posted_at=inp.posted_at,
            detected_at=inp.detected_at, state=r.state, state_title=STATE_TITLES[r.state],
            classification=r.classification, route=r.route.model_copy() if r.route else None,
            bodies=[b.model_copy() for b in r.bodies], drafts=[d.model_copy() for d in r.drafts],
            deadlines=[self.clocks.view_of(d, now) for d in r.deadlines], breaches=breaches,
            next_deadline=self.clocks.next_due(), answer_due=answer.due if answer else None,
            events_count=r.events_count, significant=r.significant, significance_reason=r.significance_reason,
            repeat_of=inp.repeat_of.workflow_id if inp.repeat_of else None,
            repeat_reason=inp.repeat_of.reason if inp.repeat_of else None, suggested_bodies=list(r.suggested_bodies),
            held_by=self.holder(), dismissed_after_routing=r.dismissed_after_routing,
            author_replies=len(r.replies_seen), answer_url=r.answer_url, outcome=r.outcome,
            outcome_reason=r.outcome_reason, closed_at=r.closed_at, as_of=now,
        )

    def _projection(self) -> MessageProjection:
        inp, r, c = self._inp, self.r, self.r.classification
        answer = self.clocks.last(StepKey.answer)
        row = MessageRow(
            workflow_id=self._wid, network=inp.network, external_id=inp.external_id, post_id=inp.post_id,
            comment_id=inp.comment_id, url=inp.url, author=inp.author, text=inp.text, source=inp.source,
            state=r.state, topic=c.topic if c else None, location=c.location if c else None,
            importance=c.importance if c else None, bodies=[b.code for b in self._active_bodies()],
            route_order=r.route.order if r.route else None, publisher=r.route.publisher if r.route else None,
            publishing_body=r.route.publishing_body if r.route else None, posted_at=inp.posted_at,
            detected_at=inp.detected_at, next_deadline=self.clocks.next_due(),
            answer_due=answer.due if answer else None, breaches_count=len(r.breaches), held_by=self.holder(),
            significant=r.significant, repeat_of=inp.repeat_of.workflow_id if inp.repeat_of else None,
            outcome=r.outcome, outcome_reason=r.outcome_reason, dismissed_after_routing=r.dismissed_after_routing,
            answer_url=r.answer_url, closed_at=r.closed_at, events_count=r.events_count)
        return MessageProjection(row=row, bodies=list(r.bodies), drafts=self.out.changed(r.drafts),
                                 deadlines=self.out.changed(r.deadlines), breaches=self.out.changed(r.breaches),
                                 events=list(self.out.events))

    def _summary(self) -> MessageSummary:
        r = self.r
        assert r.outcome is not None and r.closed_at is not None
        return MessageSummary(
            workflow_id=self._wid, outcome=r.outcome, detected_at=self._inp.detected_at, closed_at=r.closed_at,
            answer_url=r.answer_url,
            steps=[StepSummary(step=d.step, body=d.body, opened_at=d.opened_at, due=d.due, closed_at=d.closed_at,
                               met=d.met, used_minutes=d.used_minutes, overrun_minutes=d.overrun_minutes)
                   for d in r.deadlines],
            breaches=list(r.breaches), events_count=r.events_count, significant=r.significant)

    def _search_values(self) -> dict[str, Any]:
        c = self.r.classification
        values: dict[str, Any] = {
            sa.STATE.name: self.r.state.value, sa.NETWORK.name: self._inp.network.value,
            sa.BODY.name: [b.code for b in self._active_bodies()], sa.BREACHED.name: bool(self.r.breaches),
            sa.DEADLINE.name: self.clocks.next_due(),
        }
        if c is not None:
            values[sa.TOPIC.name] = c.topic
            values[sa.LOCATION.name] = c.location
            values[sa.IMPORTANCE.name] = c.importance.value
        return values

    def _details(self) -> str:
        return texts.current_details(self.r.state, self.holder(), self.r.body_names, self._active_codes(),
                                     self.r.deadlines, self._cal.zone, len(self.r.breaches))
