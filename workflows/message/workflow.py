"""MessageWorkflow: one message from an open source, from identification to the published answer (P7–P17).

It reads like the Regulation, one act per handler, in the text's order:

* intake (``__init__``): a Curator identified it (P7, P9) — the routing clock (2 wh) and the answer clock
  (9 wh) start; a likely repeat (P12) is linked and every body that answered before is suggested;
* ``routing`` — classify, route (one body or several, P11), re-route or transfer inside a body's tree,
  accept, return as not competent (P8);
* ``drafts`` — drafts and review (P9), rework, the joint answer (P11), publication and the final answer
  after an intermediate one (P10), photos (P13);
* ``closing`` — P14's two outcomes from any state (a closed message too, for ``p14_after_close``),
  dismissal, P17, the author's replies.

Handlers only change state and return a small ``ActionResult``; ``run`` does all waiting: one
``wait_condition`` with the timeout to the earliest due or escalation rung (``Clocks.next_wake``), then
``Clocks.check``; each wake's outputs are written once (``Outputs``). A breach names who held the message
and walks that holder's ladder (P15). History stays bounded: small update results, and continue-as-new
carries the state (``MessageRecord``) once a run's history passes ``history_event_limit``.

Changing what this workflow schedules (activities, timers, their order) breaks running workflows: guard every
such change with ``workflow.patched("<change-id>")`` and export a history of the old shape to
``tests/workflows/histories/`` (the replay test runs them all).
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any, cast

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.messages import (
        NETWORK_TITLES,
        SOURCE_TITLES,
        SYSTEM_ACTOR,
        MessageInput,
        MessageState,
        MessageSummary,
        MessageView,
        PublicationRecord,
        RouteDecision,
    )
    from domain.publication import VerifyRequest, VerifyResult
    from domain.sla import StepKey
    from workflows.message import texts
    from workflows.message.closing import ClosingHandlers
    from workflows.message.core import now_s
    from workflows.message.drafts import DraftHandlers
    from workflows.message.routing import RoutingHandlers


@workflow.defn(name="MessageWorkflow")
class MessageWorkflow(RoutingHandlers, DraftHandlers, ClosingHandlers):
    @workflow.init
    def __init__(self, inp: MessageInput) -> None:
        self._setup(inp)
        self._timer: asyncio.Future[None] | None = None
        self._timer_at: datetime | None = None
        if inp.carry is not None:
            return  # continued as new: the record carries everything
        self.r.classification = inp.classification
        self._event("intake", None, f"Сообщение выявлено куратором ({NETWORK_TITLES[inp.network]}, "
                    f"{SOURCE_TITLES[inp.source]})", {"detected_at": inp.detected_at.isoformat(), "url": inp.url})
        self.clocks.open(StepKey.routing, inp.detected_at)
        self.clocks.open(StepKey.answer, inp.detected_at)
        repeat = inp.repeat_of
        if repeat is None:
            return
        # P12: a likely repeat. The curator routes it; every body that answered before is suggested.
        self.r.body_names.update(repeat.body_names)
        self.r.suggested_bodies = list(repeat.bodies)
        self.r.classification = self.r.classification or repeat.classification
        self._event("repeat_detected", None, f"Вероятно, повторное сообщение (к {repeat.workflow_id}); ранее "
                    f"отвечали: {self._bn_list(repeat.bodies) or 'никто'} (п. 12)",
                    {"repeat_of": repeat.workflow_id, "bodies": repeat.bodies, "reason": repeat.reason})
        auto = inp.policy.options.repeat_auto_route and repeat.bodies and self.r.classification is not None
        if not auto:
            self._notify("repeat", "tsur_curators", None, repeat_of=repeat.workflow_id,
                         suggested_bodies=repeat.bodies, reason=repeat.reason, bodies=repeat.bodies)
            return
        now = now_s()
        decision = RouteDecision(actor=SYSTEM_ACTOR, bodies=repeat.bodies, comment="повторное сообщение (п. 12)")
        self.clocks.close(StepKey.routing, now)
        self._assign(decision, now)
        self._event("routed", SYSTEM_ACTOR, f"Повторное сообщение направлено в: {self._bn_list(repeat.bodies)} "
                    "(п. 12, автоматически по политике)", {"bodies": repeat.bodies, "repeat_of": repeat.workflow_id})
        self._notify_routed(self._active_codes())

    @workflow.run
    async def run(self, inp: MessageInput) -> MessageSummary:
        while True:
            self.clocks.check(now_s())
            await self._flush()
            if self._dirty:
                continue
            if self.r.outcome is not None:
                if not await self._linger():
                    break
                continue
            if self._history_is_long():
                await workflow.wait_condition(workflow.all_handlers_finished)
                if self._dirty:
                    continue
                workflow.continue_as_new(inp.model_copy(update={"carry": self.r.for_next_run().model_dump(
                    mode="json")}))
            wake = self.clocks.next_wake()
            if wake is not None and wake[0] <= workflow.now():
                continue
            self._arm(wake)
            await workflow.wait_condition(self._woken)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._summary()

    def _woken(self) -> bool:
        return self._dirty or (self._timer is not None and self._timer.done())

    def _arm(self, wake: tuple[datetime, Any, bool] | None) -> None:
        """One durable timer for the earliest wake, kept while that wake stays the same (samples-python
        ``updatable_timer``): a transition that does not move it costs no timer events."""
        at = None if wake is None else wake[0]
        if at == self._timer_at and (self._timer is None or not self._timer.done()):
            return
        if self._timer is not None and not self._timer.done():
            self._timer.cancel()
        self._timer_at, self._timer = at, None
        if wake is not None:
            summary = texts.timer_summary(wake[1], self._cal.zone, rung=wake[2])
            self._timer = asyncio.ensure_future(workflow.sleep(wake[0] - workflow.now(), summary=summary))

    async def _linger(self) -> bool:
        """Closed: P14 may still be decided for a while (the policy's ``p14_after_close``). False: end now."""
        self._arm(None)
        if self.r.state == MessageState.rejected_illegal or self.r.closed_at is None:
            return False
        left = self.r.closed_at + self._policy.options.p14_after_close - workflow.now()
        if left <= timedelta(0):
            return False
        try:
            await workflow.wait_condition(lambda: self._dirty, timeout=left,
                                          timeout_summary="закрыто; решение по п. 14 ещё возможно")
        except TimeoutError:
            return False
        return True

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return info.get_current_history_length() >= self._inp.history_event_limit or info.is_continue_as_new_suggested()

    @workflow.query(name="view")
    def view(self, as_of: datetime | None = None) -> MessageView:
        """The view now; ``as_of`` (the caller's clock) counts remaining working time up to the present,
        since the workflow's own time stands at its last transition."""
        return self._view(as_of)

    # ------------------------------------------------------------------ side effects (run only)

    async def _flush(self) -> None:
        """Write what the last transitions produced (see ``Outputs``)."""
        self._dirty = False
        police = await self.out.run_police()
        if police is not None:
            req, notice = police
            self._event("police_notice", req.flag.actor,
                        f"Письменное уведомление № {notice.number} в {req.flag.agency} составлено; "
                        f"SHA-256 материалов {notice.sha256} (п. 14)",
                        {"notice_id": notice.notice_id, "number": notice.number, "sha256": notice.sha256})
            for audience in ("police", "tsur_head"):
                self._notify("illegal", audience, None, urgent=True, key=f"police:{notice.number}:{audience}",
                             notice_id=notice.notice_id, number=notice.number, agency=req.flag.agency,
                             ground=req.flag.ground.value, reason=req.flag.reason, sha256=notice.sha256)
        for pub, res in await self.out.run_publish():
            if res.status == "published" and res.url and pub.body in self.r.publishing:
                verified = res.verified and res.published_at is not None
                at = res.published_at if verified and res.published_at is not None else now_s()
                record = PublicationRecord(body=pub.body, url=res.url, published_at=at, verified=verified,
                                           draft_ids=[pub.draft_id])
                self._published(record, at, SYSTEM_ACTOR, verified=verified)
            elif res.status == "not_connected" or res.refused:  # the body's account could not publish it
                self._event("publication_manual", None, res.detail, {"draft_id": pub.draft_id, "status": res.status},
                            body=pub.body)
                self._notify("publication_failed", "body_executors", pub.body, detail=res.detail)
        while self.r.verifications:
            record = self.r.verifications.pop(0)
            if not any(d.breached and d.step in (StepKey.publication, StepKey.answer) for d in self.r.deadlines):
                continue  # nothing a verified time could change
            try:
                checked = await self.out.verify(VerifyRequest(
                    workflow_id=self._wid, network=self._inp.network, body=record.body, message_url=self._inp.url,
                    published_url=record.url, not_before=self._inp.posted_at))
            except (ActivityError, ApplicationError) as exc:  # a local activity's failure may come unwrapped
                checked = None
                reason = str(exc.cause or exc)
            else:
                reason = cast(VerifyResult, checked).reason
            if checked is not None and checked.verified and checked.published_at is not None:
                self._verified(record.model_copy(update={"published_at": checked.published_at, "verified": True}))
            else:
                self._event("publication_unverified", None, "Время публикации не подтверждено сетью"
                            + (f": {reason}" if reason else "") + "; отметка о нарушении сохраняется",
                            {"url": record.url}, body=record.body)
        await self.out.write(self._projection)
        if self._inp.search_attributes:
            self.out.upsert_search_attributes(self._search_values())
        self.out.set_details(self._details())
        self._dirty = self.out.pending() or bool(self.r.verifications)

    def _verified(self, rec: PublicationRecord) -> None:
        """The network confirmed the link and its time: a breach the step did not deserve is withdrawn."""
        self._event("publication_verified", None, f"Публикация подтверждена сетью: {rec.url}",
                    {"url": rec.url, "at": rec.published_at.isoformat()}, body=rec.body)
        for d in self.r.deadlines:
            if d.breached and d.closed_at is not None and (
                    (d.step == StepKey.publication and d.body == rec.body) or d.step == StepKey.answer):
                self.clocks.reconsider(d, rec.published_at)
