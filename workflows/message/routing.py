"""P7, P8, P11 (the route): classify, route, re-route or transfer inside a body's tree, accept, return."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.messages import (
        IMPORTANCE_TITLES,
        Acceptance,
        ActionResult,
        BodyStatus,
        BodyView,
        Classification,
        ClassificationFields,
        DeadlineStatus,
        DeadlineView,
        DraftKind,
        DraftStatus,
        MessageState,
        Publisher,
        Reroute,
        ReturnToCurator,
        RouteDecision,
        RouteOrder,
        RouteView,
    )
    from domain.sla import StepKey
    from workflows.message.core import MessageCore, now_s, reject

# Clocks that run per body and end when the body leaves the route.
BODY_STEPS = frozenset({StepKey.return_window, StepKey.intermediate, StepKey.contribution, StepKey.rework,
                        StepKey.publication, StepKey.final_after_intermediate, StepKey.reroute_final,
                        StepKey.review})
NEED_CLASSIFICATION = ("Сначала укажите тематику, территорию и категорию важности сообщения (п. 7) — их можно "
                       "передать в этом же запросе (поле classification).")


class RoutingHandlers(MessageCore):
    # ------------------------------------------------------------------ P7: classify and route

    @workflow.update(name="classify")
    def classify(self, c: Classification) -> ActionResult:
        self.r.classification = ClassificationFields(topic=c.topic, location=c.location, importance=c.importance)
        self._event("classified", c.actor, f"Классифицировано; категория важности: {IMPORTANCE_TITLES[c.importance]}",
                    {"topic": c.topic, "location": c.location, "importance": c.importance.value})
        return self._result()

    @classify.validator
    def _validate_classify(self, c: Classification) -> None:
        self._check("classify", c.actor)

    @workflow.update(name="route")
    def route(self, d: RouteDecision) -> ActionResult:
        now = now_s()
        if d.classification is not None:
            self.r.classification = d.classification
        self.clocks.close(StepKey.routing, now)
        self._assign(d, now)
        self._event("routed", d.actor, self._route_text(d), self._route_data(d))
        self._notify_routed(self._active_codes())
        return self._result()

    @route.validator
    def _validate_route(self, d: RouteDecision) -> None:
        self._check("route", d.actor)
        if self.r.classification is None and d.classification is None:
            raise reject(NEED_CLASSIFICATION)

    @workflow.update(name="reroute")
    def reroute(self, d: Reroute) -> ActionResult:
        now = now_s()
        if d.classification is not None:
            self.r.classification = d.classification
        if self.r.state == MessageState.returned:
            self.clocks.close(StepKey.routing, now)
        old = self._active_codes()
        keep = set(d.bodies)
        for b in self.r.bodies:
            if b.code not in keep and b.status not in (BodyStatus.removed, BodyStatus.returned):
                b.status = BodyStatus.removed
        for dr in self.r.drafts:  # a part once sent survives a re-route that keeps its body (P11)
            if dr.status in (DraftStatus.on_review, DraftStatus.returned) and not (
                    dr.kind == DraftKind.contribution and dr.body in keep and len(d.bodies) > 1):
                dr.status = DraftStatus.superseded
        # a body that stays in a joint route with its part (sent, or being prepared) keeps its part's clock
        staying = {b.code for b in self.r.bodies if b.code in keep and len(d.bodies) > 1
                   and b.status in (BodyStatus.contributed, BodyStatus.accepted)}
        self.clocks.cancel_where(now, lambda dl: dl.step in BODY_STEPS and not (
            dl.body in staying and dl.step == StepKey.contribution))
        self._assign(d, now)
        transfer = d.actor.role == "responsible"
        if transfer:
            text = (f"Передано внутри органа ответственным лицом {d.actor.name} "
                    f"(«{self._bn(d.actor.body)}»): {d.reason}. {self._route_text(d)}")
        else:
            text = f"Перенаправлено куратором ЦУР: {d.reason}. {self._route_text(d)}"
        self._event("transferred" if transfer else "rerouted", d.actor, text,
                    {**self._route_data(d), "previous": old, "reason": d.reason})
        gone = [c for c in old if c not in keep]
        self._notify_bodies("closed", gone, removed=True, reason=d.reason, by=d.actor.name,
                            transfer=transfer, bodies=list(d.bodies))
        self._notify_routed([c for c in self._active_codes() if c not in old or c in gone], reroute=True)
        if transfer:
            answer = self.clocks.find_open(StepKey.answer)
            self._notify("transferred", "tsur_curators", d.actor.body, by=d.actor.name, reason=d.reason,
                         previous=old, bodies=list(d.bodies), from_body=d.actor.body, to_body=d.bodies[0],
                         answer_due=answer.due.isoformat() if answer else None)
        return self._result()

    @reroute.validator
    def _validate_reroute(self, d: Reroute) -> None:
        self._check("reroute", d.actor)
        if d.actor.role == "responsible":
            # Transfer within the body's own tree only: the message is held there, and stays there.
            scope = set(d.actor.scope) | ({d.actor.body} if d.actor.body else set())
            held = set(self._active_codes())
            if not held or not held <= scope:
                raise reject("Перенаправить может только ответственное лицо органа, в который направлено "
                             "сообщение; сообщения других органов перенаправляет куратор ЦУР.")
            outside = sorted(set(d.bodies) - scope)
            if outside:
                raise reject("Ответственное лицо передаёт сообщение только в пределах своего органа и "
                             f"подведомственных организаций; вне их: {self._bn_list(outside)}.")
        if self.r.classification is None and d.classification is None:
            raise reject(NEED_CLASSIFICATION)

    def _assign(self, d: RouteDecision, now: datetime) -> None:
        """The route takes effect: one body → ``assigned``; several → ``collecting`` (P11).

        After an intermediate answer (P10) its date carries over to the new bodies (one or several); once it
        has passed, the body the message now goes to gets its own clock (the overdue stays with the body
        that missed it).
        """
        p10 = self._p10_clock()
        self.r.body_names.update(d.body_names)
        self.r.route = RouteView(bodies=list(d.bodies), order=d.order, publisher=d.publisher, publishing_body=d.publishing_body,
                                 routed_at=now, routed_by=d.actor)
        kept = {b.code: b for b in self.r.bodies if b.code in d.bodies and b.status in (
            BodyStatus.contributed, BodyStatus.accepted) and len(d.bodies) > 1}
        self.r.bodies = [b for b in self.r.bodies if b.code not in d.bodies] + [
            kept.get(code) or BodyView(code=code, status=BodyStatus.waiting) for code in d.bodies]
        joint = self.r.joint = len(d.bodies) > 1
        for i, code in enumerate(d.bodies):
            body = self._body(code)
            if code in kept:
                continue
            if not joint or d.order == RouteOrder.parallel or i == 0:
                self._receive(body, now)
        answer = self.clocks.find_open(StepKey.answer)
        self.r.state = MessageState.collecting if joint else MessageState.assigned
        if joint:
            self._advance_joint(now)
        if answer is not None and not joint:
            due = self._policy.due(self._cal, StepKey.intermediate, now, anchor=answer.due)
            if due > now:
                self.clocks.open(StepKey.intermediate, now, body=d.bodies[0], due=due)
        if p10 is not None:
            target = None if joint else d.bodies[0]
            if now < p10.due:
                self.clocks.open(StepKey.final_after_intermediate, now, body=target, due=p10.due)
            else:
                for code in ([target] if target else d.bodies):
                    self.clocks.open(StepKey.reroute_final, now, body=code)

    def _notify_routed(self, codes: list[str], *, reroute: bool = False) -> None:
        for code in codes:
            part = self.clocks.find_open(StepKey.contribution, code)
            answer = self.clocks.find_open(StepKey.answer)
            final = self.clocks.find_open(StepKey.final_after_intermediate, code) or \
                self.clocks.find_open(StepKey.reroute_final, code)
            window = self.clocks.find_open(StepKey.return_window, code)
            c = self.r.classification
            self._notify("repeat" if self._inp.repeat_of else "routed", "body_executors", code,
                         bodies=self._active_codes(), joint=self.r.joint, reroute=reroute,
                         order=self.r.route.order.value if self.r.route and self.r.joint else None,
                         importance=c.importance.value if c else None,
                         repeat_of=self._inp.repeat_of.workflow_id if self._inp.repeat_of else None,
                         part_due=part.due.isoformat() if part else None,
                         answer_due=cast(DeadlineView, final or answer).due.isoformat() if (final or answer) else None,
                         final_due=final.due.isoformat() if final else None,
                         accept_due=window.due.isoformat() if window else None)

    # ------------------------------------------------------------------ P8: accept or return

    @workflow.update(name="accept")
    def accept(self, a: Acceptance) -> ActionResult:
        now = now_s()
        body = self._body(a.actor.body)
        body.status = BodyStatus.accepted
        body.accepted_at = now
        self.clocks.close(StepKey.return_window, now, body=body.code, used_right=False)
        if self.r.state == MessageState.assigned:
            self.r.state = MessageState.in_progress
        self._event("accepted", a.actor, f"Принято в работу («{self._bn(body.code)}»)",
                    {"comment": a.comment} if a.comment else {})
        return self._result()

    @accept.validator
    def _validate_accept(self, a: Acceptance) -> None:
        self._check("accept", a.actor)
        body = self._own_body(a.actor)
        if body.status != BodyStatus.assigned:
            raise reject("Сообщение уже принято вашим органом или ещё не передано ему.")

    @workflow.update(name="return_to_curator")
    def return_to_curator(self, r: ReturnToCurator) -> ActionResult:
        now = now_s()
        body = self._body(r.actor.body)
        body.status = BodyStatus.returned
        body.return_reason = r.reason
        if self.clocks.find_open(StepKey.return_window, body.code) is None:
            # Accepted (or sent its part) first, returns now: the 30 minutes still run from receipt (P8).
            window = next((d for d in reversed(self.r.deadlines) if d.step == StepKey.return_window
                           and d.body == body.code and d.status == DeadlineStatus.closed), None)
            if window is not None and now > window.due:
                window.status = DeadlineStatus.open
        self.clocks.close(StepKey.return_window, now, body=body.code)
        self.clocks.cancel_where(now, lambda dl: dl.body == body.code)
        remaining = self._active_bodies()
        if not remaining:
            self.r.state = MessageState.returned
            self.clocks.open(StepKey.routing, now)
        elif self.r.route is not None and self.r.route.publishing_body == body.code:
            self.r.route.publishing_body = remaining[0].code
        self._event("returned", r.actor, f"Орган «{self._bn(body.code)}» вернул сообщение куратору: {r.reason} (п. 8)",
                    {"reason": r.reason})
        routing = self.clocks.find_open(StepKey.routing)
        window = self.clocks.last(StepKey.return_window, body.code)
        self._notify("returned", "tsur_curators", body.code, reason=r.reason, returned_by=body.code,
                     late=bool(window and window.breached), route_due=routing.due.isoformat() if routing else None)
        if remaining:
            self._advance_joint(now)
        return self._result()

    @return_to_curator.validator
    def _validate_return(self, r: ReturnToCurator) -> None:
        self._check("return_to_curator", r.actor)
        body = self._own_body(r.actor)
        if body.status not in (BodyStatus.assigned, BodyStatus.accepted):
            raise reject("Ваш орган уже направил информацию по сообщению: вернуть его нельзя.")

    # ------------------------------------------------------------------ texts of a route

    def _route_text(self, d: RouteDecision) -> str:
        if len(d.bodies) == 1:
            return f"Направлено в орган: «{self._bn(d.bodies[0])}»"
        order = "параллельно" if d.order == RouteOrder.parallel else "последовательно"
        pub = (f"публикует «{self._bn(d.publishing_body)}»" if d.publisher == Publisher.one
               else "каждый публикует свою часть")
        return f"Совместный ответ органов {self._bn_list(d.bodies)} ({order}; {pub}) (п. 11)"

    def _route_data(self, d: RouteDecision) -> dict[str, object]:
        return {"bodies": d.bodies, "order": d.order.value, "publisher": d.publisher.value,
                "publishing_body": d.publishing_body}
