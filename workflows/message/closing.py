"""P14 (two outcomes, from any state), dismissal, P17 (significant), and the facts that come from outside."""

from __future__ import annotations

from typing import cast

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.messages import (
        ILLEGAL_GROUND_TITLES,
        ActionResult,
        AuthorReplied,
        BodyStatus,
        Dismissal,
        IllegalFlag,
        MessageState,
        NotProcessedMark,
        Outcome,
        PoliceNoticeRequest,
        SignificanceMark,
    )
    from workflows.message.core import MessageCore, now_s, reject

MAX_REPLIES = 500


class ClosingHandlers(MessageCore):
    def _holding_codes(self) -> list[str]:
        return [b.code for b in self.r.bodies if b.status not in (BodyStatus.removed, BodyStatus.returned)]

    def _close_as(self, outcome: Outcome, reason: str) -> tuple[MessageState, list[str]]:
        """Close (or re-close) the message; a breach already due is recorded first. Returns the state before
        and the bodies that held it."""
        now = now_s()
        before = self.r.state
        holding = self._holding_codes() if before not in (MessageState.answered, MessageState.dismissed,
                                                            MessageState.not_processed) else []
        self.clocks.check(now)
        if self.r.closed_at is None:
            self._finish(outcome, now, reason)
        else:  # P14 decided after the message was closed: the outcome changes, the closing time stays
            self.r.state = MessageState(outcome.value)
            self.r.outcome = outcome
            self.r.outcome_reason = reason
        return before, holding

    # ------------------------------------------------------------------ P14

    @workflow.update(name="mark_not_processed")
    def mark_not_processed(self, m: NotProcessedMark) -> ActionResult:
        before, holding = self._close_as(Outcome.not_processed, m.reason)
        self._event("not_processed", m.actor,
                    f"Не подлежит обработке и ответу: {ILLEGAL_GROUND_TITLES[m.ground]} — {m.reason} (п. 14)",
                    {"ground": m.ground.value, "state_before": before.value})
        self._notify_bodies("closed", holding, outcome=Outcome.not_processed.value, reason=m.reason)
        return self._result()

    @mark_not_processed.validator
    def _validate_not_processed(self, m: NotProcessedMark) -> None:
        self._check("mark_not_processed", m.actor)

    @workflow.update(name="flag_illegal")
    def flag_illegal(self, f: IllegalFlag) -> ActionResult:
        now = now_s()
        before, holding = self._close_as(Outcome.rejected_illegal, f.reason)
        self.out.police = PoliceNoticeRequest(workflow_id=self._wid, message=self._inp, flag=f, flagged_at=now,
                                              state_before=before)
        self._event("flagged_illegal", f.actor,
                    f"Противоправное содержание: {f.reason}. Сообщение не обрабатывается и не подлежит ответу; "
                    f"письменное уведомление направляется в {f.agency} (п. 14)",
                    {"agency": f.agency, "ground": f.ground.value, "state_before": before.value})
        self._notify_bodies("closed", holding, outcome=Outcome.rejected_illegal.value, reason=f.reason)
        return self._result()

    @flag_illegal.validator
    def _validate_flag_illegal(self, f: IllegalFlag) -> None:
        self._check("flag_illegal", f.actor)

    # ------------------------------------------------------------------ dismissal

    @workflow.update(name="dismiss")
    def dismiss(self, d: Dismissal) -> ActionResult:
        self.r.dismissed_after_routing = self.r.route is not None
        _, holding = self._close_as(Outcome.dismissed, d.reason)
        self._event("dismissed", d.actor, f"Реакция не требуется: {d.reason}",
                    {"reason": d.reason, "after_routing": self.r.dismissed_after_routing})
        self._notify_bodies("closed", holding, outcome=Outcome.dismissed.value, reason=d.reason)
        return self._result()

    @dismiss.validator
    def _validate_dismiss(self, d: Dismissal) -> None:
        self._check("dismiss", d.actor)

    # ------------------------------------------------------------------ P17

    @workflow.update(name="mark_significant")
    def mark_significant(self, m: SignificanceMark) -> ActionResult:
        self.r.significant = True
        self.r.significance_reason = m.reason
        self._event("significant", m.actor, f"Общественно значимое сообщение: {m.reason} (п. 17)", {"reason": m.reason})
        body = (cast("list[str | None]", self._active_codes()) or [None])[0]
        for audience in ("head", "chairman", "administration", "portfolio_deputy", "tsur_head"):
            self._notify("significant", audience, body, urgent=True, reason=m.reason, by=m.actor.name,
                         text=self._inp.text[:1000], key=f"significant:{audience}", bodies=self._active_codes(),
                         marked_at=now_s().isoformat())
        return self._result()

    @mark_significant.validator
    def _validate_significant(self, m: SignificanceMark) -> None:
        self._check("mark_significant", m.actor)
        if self.r.significant:
            raise reject("Сообщение уже отмечено как общественно значимое.")

    # ------------------------------------------------------------------ facts from outside

    @workflow.signal(name="author_replied")
    def author_replied(self, r: AuthorReplied) -> None:
        if r.event_id in self.r.replies_seen or self.r.outcome is not None or len(self.r.replies_seen) >= MAX_REPLIES:
            return
        self.r.replies_seen.append(r.event_id)
        self._event("author_replied", None, f"Автор ответил: {r.text[:500]}", {"event_id": r.event_id,
                                                                             "at": r.at.isoformat()})
        codes = self._active_codes()
        for code in codes:
            self._notify("author_replied", "body_executors", code, text=r.text[:1000])
        if not codes:
            self._notify("author_replied", "tsur_curators", None, text=r.text[:1000])
