"""MessageWorkflow: one message from an open source, from detection to the published answer (P7–P17).

Read top to bottom like the Regulation:

* intake (``__init__``): the routing clock (P7, 2 wh) and the answer clock (P9, 9 wh) start at detection;
  a repeat message (P12) is routed at once to the bodies that answered the earlier one;
* ``route`` / ``reroute`` (P7, P11) → ``assigned`` (one body) or ``collecting`` (several);
* ``accept`` / ``return_to_curator`` (P8: a 30-minute window; a late return is a breach);
* ``submit_draft`` → ``on_review`` (P9: the curator decides within 2 wh), ``approve`` → ``approved``
  (publication within 30 min), ``return_draft`` → ``rework`` (resubmit within 1 wh);
* ``confirm_published`` → ``answered``, or ``awaiting_final`` after an intermediate answer / a
  clarification request (P10: the final draft within 2 working days or by the promised date);
* ``flag_illegal`` (P14, any open state) → written notice to law enforcement → ``rejected_illegal``;
  ``dismiss`` → ``dismissed``; ``mark_significant`` (P17) → leadership notified at once.

Every clock is a ``DeadlineView`` with its due computed by ``SlaPolicy.due`` on the message's own
calendar (from its input, so a calendar edit never changes a running workflow). Update handlers only
change state and return the view; ``run`` does all waiting: one ``wait_condition`` on "something
changed" with the timeout to the earliest pending due or escalation rung (movable deadlines). A breach
is recorded (step, due, actual, overrun in working minutes), escalates along the policy's ladder and
the process goes on. Each wake writes at most one projection (``project_message``), one outbox batch
(``notify``) and one search-attribute upsert — all local activities, so a transition costs no extra
workflow tasks.

Changing what this workflow schedules (activities, timers, their order) breaks running workflows:
guard every such change with ``workflow.patched("<change-id>")`` and add a history of the old shape
to ``tests/workflows/histories/`` (the replay test runs them all).

P9 reading used here: the intermediate clock ("4 wh before the 9-hour deadline") is met by *any*
draft of the body — a final one too; it opens with a single-body route only if its due is still ahead.
An answer clock is met by the first published answer, intermediate or final.
"""

from __future__ import annotations

import contextlib
import math
from datetime import date, datetime, time, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.messages import (
        CHECKLIST_TITLES,
        DRAFT_KIND_TITLES,
        IMPORTANCE_TITLES,
        NETWORK_TITLES,
        SOURCE_TITLES,
        STATE_TITLES,
        SYSTEM_ACTOR,
        Acceptance,
        ActionRejected,
        Actor,
        Approval,
        AuthorReplied,
        BodyStatus,
        BodyView,
        Breach,
        Classification,
        ClassificationFields,
        DeadlineStatus,
        DeadlineView,
        Dismissal,
        DraftKind,
        DraftReturn,
        DraftStatus,
        DraftSubmission,
        DraftView,
        EventRecord,
        IllegalFlag,
        MessageInput,
        MessageProjection,
        MessageState,
        MessageSummary,
        MessageView,
        Notification,
        NotificationBatch,
        Outcome,
        PoliceNoticeRequest,
        PoliceNoticeResult,
        PublicationConfirmation,
        Publisher,
        PublishRequest,
        PublishResult,
        Reroute,
        ReturnToCurator,
        RouteDecision,
        RouteOrder,
        RouteView,
        SignificanceMark,
        StepSummary,
        check_action,
    )
    from domain.sla import AUDIENCES, SlaPolicy, StepKey
    from domain.worktime import WorkCalendar
    from workflows import search_attributes as sa

REJECTED = "Rejected"
LOCAL_ACTIVITY_TIMEOUT = timedelta(seconds=30)
# Database writes: keep retrying (a database outage delays the read model, it never loses a transition).
DB_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
                       maximum_interval=timedelta(minutes=5))

# Clocks that run per body and end when the body leaves the route.
BODY_STEPS = frozenset({StepKey.return_window, StepKey.intermediate, StepKey.contribution, StepKey.rework,
                        StepKey.publication, StepKey.final_after_intermediate, StepKey.review})


def _reject(message: str) -> ApplicationError:
    return ApplicationError(message, type=REJECTED, non_retryable=True)


def _minutes(td: timedelta) -> int:
    """Whole working minutes, rounded to the nearest."""
    return math.floor(td.total_seconds() / 60 + 0.5)


def _now() -> datetime:
    """The workflow's time to the second: clocks open and close on whole seconds."""
    return workflow.now().replace(microsecond=0)


@workflow.defn(name="MessageWorkflow")
class MessageWorkflow:
    # ------------------------------------------------------------------ intake

    @workflow.init
    def __init__(self, inp: MessageInput) -> None:
        self._inp = inp
        self._wid = workflow.info().workflow_id
        self._cal = WorkCalendar.from_snapshot(inp.calendar)
        self._policy: SlaPolicy = inp.policy
        self._state = MessageState.new
        self._classification: ClassificationFields | None = inp.classification
        self._route: RouteView | None = None
        self._joint_route = False
        self._publishing: dict[str, list[str]] = {}  # body -> approved drafts it has to publish
        self._bodies: list[BodyView] = []
        self._drafts: list[DraftView] = []
        self._deadlines: list[DeadlineView] = []
        self._rungs_fired: dict[str, int] = {}
        self._breaches: list[Breach] = []
        self._events_count = 0
        self._pending_events: list[EventRecord] = []
        self._pending_notifications: list[Notification] = []
        self._pending_police: PoliceNoticeRequest | None = None
        self._pending_publish: list[PublishRequest] = []
        self._significant = False
        self._significance_reason: str | None = None
        self._replies_seen: set[str] = set()
        self._outcome: Outcome | None = None
        self._outcome_reason: str | None = None
        self._closed_at: datetime | None = None
        self._answer_url: str | None = None
        self._sa_last: dict[str, Any] = {}
        self._body_names: dict[str, str] = dict(inp.repeat_of.body_names) if inp.repeat_of else {}
        self._dirty = True

        now = _now()
        self._event("intake", None, f"Сообщение выявлено ({NETWORK_TITLES[inp.network]}, {SOURCE_TITLES[inp.source]})",
                    {"detected_at": inp.detected_at.isoformat(), "url": inp.url})
        self._open(StepKey.routing, inp.detected_at)
        self._open(StepKey.answer, inp.detected_at)
        repeat = inp.repeat_of
        if repeat is not None:
            self._classification = self._classification or repeat.classification
            if repeat.bodies and self._classification is not None:
                # P12: a repeat message goes to the body that answered it before.
                decision = RouteDecision(actor=SYSTEM_ACTOR, bodies=repeat.bodies,
                                         comment="повторное сообщение (п. 12)")
                self._close(StepKey.routing, now)
                self._assign(decision, now)
                self._event("routed", SYSTEM_ACTOR,
                            f"Повторное сообщение (к {repeat.workflow_id}) направлено в: "
                            f"{self._bn_list(repeat.bodies)} (п. 12)",
                            {"bodies": repeat.bodies, "repeat_of": repeat.workflow_id})
                for code in self._active_codes():
                    self._notify_body(code, "Повторное сообщение для ответа",
                                      "Поступило повторное сообщение по ранее рассмотренному вопросу. "
                                      "В ответе укажите, какие меры приняты (п. 12).")

    @workflow.run
    async def run(self, inp: MessageInput) -> MessageSummary:
        while True:
            self._check_clocks(_now())
            await self._flush()
            if self._outcome is not None and not self._dirty:
                break
            wake = self._next_wake()
            timeout = None if wake is None else wake - workflow.now()
            if timeout is not None and timeout <= timedelta(0):
                continue
            with contextlib.suppress(TimeoutError):  # a due or an escalation rung has come
                await workflow.wait_condition(lambda: self._dirty, timeout=timeout)
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._summary()

    # ------------------------------------------------------------------ P7: classify and route

    @workflow.update(name="classify")
    def classify(self, c: Classification) -> MessageView:
        self._classification = ClassificationFields(topic=c.topic, location=c.location, importance=c.importance)
        self._event("classified", c.actor,
                    f"Тематика {c.topic}, территория {c.location}, категория важности: "
                    f"{IMPORTANCE_TITLES[c.importance]}",
                    {"topic": c.topic, "location": c.location, "importance": c.importance.value})
        return self._view()

    @classify.validator
    def _validate_classify(self, c: Classification) -> None:
        self._check("classify", c.actor)

    @workflow.update(name="route")
    def route(self, d: RouteDecision) -> MessageView:
        now = _now()
        if d.classification is not None:
            self._classification = d.classification
        self._close(StepKey.routing, now)
        self._assign(d, now)
        self._event("routed", d.actor, self._route_text(d), self._route_data(d))
        for code in self._active_codes():
            self._notify_body(code, "Новое сообщение для ответа",
                              f"Куратор ЦУР направил вам сообщение: {self._inp.url}. {self._route_hint(code)}")
        return self._view()

    @route.validator
    def _validate_route(self, d: RouteDecision) -> None:
        self._check("route", d.actor)
        if self._classification is None and d.classification is None:
            raise _reject("Сначала укажите тематику, территорию и категорию важности сообщения (п. 7).")

    @workflow.update(name="reroute")
    def reroute(self, d: Reroute) -> MessageView:
        now = _now()
        if d.classification is not None:
            self._classification = d.classification
        if self._state == MessageState.returned:
            self._close(StepKey.routing, now)
        old = self._active_codes()
        for b in self._bodies:
            if b.status not in (BodyStatus.removed, BodyStatus.returned):
                b.status = BodyStatus.removed
        for dr in self._drafts:
            if dr.status in (DraftStatus.on_review, DraftStatus.returned):
                dr.status = DraftStatus.superseded
        for dl in self._open_deadlines():
            if dl.step in BODY_STEPS:
                self._cancel(dl, now)
        self._assign(d, now)
        self._event("rerouted", d.actor, f"Перенаправлено: {d.reason}. {self._route_text(d)}",
                    {**self._route_data(d), "previous": old, "reason": d.reason})
        for code in old:
            if code not in d.bodies:
                self._notify_body(code, "Сообщение передано другому органу",
                                  f"Куратор ЦУР перенаправил сообщение {self._inp.url}: {d.reason}")
        for code in self._active_codes():
            self._notify_body(code, "Новое сообщение для ответа",
                              f"Куратор ЦУР направил вам сообщение: {self._inp.url}. {self._route_hint(code)}")
        return self._view()

    @reroute.validator
    def _validate_reroute(self, d: Reroute) -> None:
        self._check("reroute", d.actor)
        if d.actor.role == "responsible":
            # Reassignment within the body's own tree only: the message is held there, and stays there.
            scope = set(d.actor.scope) | ({d.actor.body} if d.actor.body else set())
            held = set(self._active_codes())
            if not held or not held <= scope:
                raise _reject("Перенаправить может только ответственное лицо органа, в который направлено "
                              "сообщение; сообщения других органов перенаправляет куратор ЦУР.")
            outside = sorted(set(d.bodies) - scope)
            if outside:
                raise _reject("Ответственное лицо перенаправляет только в пределах своего органа и "
                              f"подведомственных организаций; вне их: {', '.join(outside)}.")
        if self._classification is None and d.classification is None:
            raise _reject("Сначала укажите тематику, территорию и категорию важности сообщения (п. 7).")

    def _assign(self, d: RouteDecision, now: datetime) -> None:
        """The route takes effect: one body → ``assigned``; several → ``collecting`` (P11)."""
        self._body_names.update(d.body_names)
        self._route = RouteView(order=d.order, publisher=d.publisher, publishing_body=d.publishing_body,
                                routed_at=now, routed_by=d.actor)
        self._bodies = [b for b in self._bodies if b.code not in d.bodies]
        joint = self._joint_route = len(d.bodies) > 1
        for i, code in enumerate(d.bodies):
            body = BodyView(code=code, status=BodyStatus.waiting)
            self._bodies.append(body)
            if not joint or d.order == RouteOrder.parallel or i == 0:
                self._receive(body, now)
        if joint:
            self._state = MessageState.collecting
            return
        self._state = MessageState.assigned
        answer = self._find_open(StepKey.answer)
        if answer is not None:
            due = self._policy.due(self._cal, StepKey.intermediate, now, anchor=answer.due)
            if due > now:
                self._open(StepKey.intermediate, now, body=d.bodies[0], due=due)
            return
        # The answer clock is closed while the message is open: an intermediate answer is out (P10). The
        # body it goes to now owes the final answer by the date the author was given.
        p10 = next((dl for dl in reversed(self._deadlines) if dl.step == StepKey.final_after_intermediate), None)
        if p10 is not None and workflow.patched("p10-clock-follows-reroute"):
            self._open(StepKey.final_after_intermediate, now, body=d.bodies[0], due=p10.due)

    def _receive(self, body: BodyView, now: datetime) -> None:
        """A body receives the message: its return window (P8) and, in a joint answer, its part (P11)."""
        body.status = BodyStatus.assigned
        body.received_at = now
        self._open(StepKey.return_window, now, body=body.code, window=True)
        if self._joint():
            self._open(StepKey.contribution, now, body=body.code)

    # ------------------------------------------------------------------ P8: accept or return

    @workflow.update(name="accept")
    def accept(self, a: Acceptance) -> MessageView:
        now = _now()
        body = self._body(a.actor.body)
        body.status = BodyStatus.accepted
        body.accepted_at = now
        self._close(StepKey.return_window, now, body=body.code, used_right=False)
        if self._state == MessageState.assigned:
            self._state = MessageState.in_progress
        self._event("accepted", a.actor, f"Принято в работу ({self._bn(body.code)})", {"comment": a.comment} if a.comment else {})
        return self._view()

    @accept.validator
    def _validate_accept(self, a: Acceptance) -> None:
        self._check("accept", a.actor)
        body = self._own_body(a.actor)
        if body.status != BodyStatus.assigned:
            raise _reject("Сообщение уже принято вашим органом или ещё не передано ему.")

    @workflow.update(name="return_to_curator")
    def return_to_curator(self, r: ReturnToCurator) -> MessageView:
        now = _now()
        body = self._body(r.actor.body)
        body.status = BodyStatus.returned
        body.return_reason = r.reason
        if self._find_open(StepKey.return_window, body.code) is None:
            # Accepted (or sent its part) first, returns now: the 30 minutes still run from receipt (P8).
            window = next((d for d in reversed(self._deadlines) if d.step == StepKey.return_window
                           and d.body == body.code and d.status == DeadlineStatus.closed), None)
            if window is not None and now > window.due and workflow.patched("late-return-after-accept"):
                window.status = DeadlineStatus.open
        self._close(StepKey.return_window, now, body=body.code)
        for dl in self._open_deadlines():
            if dl.body == body.code:
                self._cancel(dl, now)
        remaining = self._active_bodies()
        if not remaining:
            self._state = MessageState.returned
            self._open(StepKey.routing, now)
        else:
            if self._route is not None and self._route.publishing_body == body.code:
                self._route.publishing_body = remaining[0].code
            self._advance_joint(now)
        self._event("returned", r.actor, f"Орган «{self._bn(body.code)}» вернул сообщение куратору: {r.reason} (п. 8)",
                    {"reason": r.reason})
        self._notify("tsur_curators", None, "Сообщение возвращено куратору",
                     f"Орган «{self._bn(body.code)}» считает вопрос не своей компетенцией: {r.reason}. "
                     f"Сообщение: {self._inp.url}")
        return self._view()

    @return_to_curator.validator
    def _validate_return(self, r: ReturnToCurator) -> None:
        self._check("return_to_curator", r.actor)
        body = self._own_body(r.actor)
        if body.status not in (BodyStatus.assigned, BodyStatus.accepted):
            raise _reject("Ваш орган уже направил информацию по сообщению: вернуть его нельзя.")

    # ------------------------------------------------------------------ P9–P12: drafts

    @workflow.update(name="submit_draft")
    def submit_draft(self, s: DraftSubmission) -> MessageView:
        now = _now()
        body = self._body(s.actor.body)
        version = 1 + sum(1 for d in self._drafts if d.body == body.code and d.kind == s.kind)
        draft = DraftView(id=f"d{len(self._drafts) + 1}", version=version, kind=s.kind, body=body.code,
                          text=s.text, attachments=s.attachments, promised_date=s.promised_date,
                          measures_taken=s.measures_taken, status=DraftStatus.on_review,
                          submitted_at=now, submitted_by=s.actor)
        self._drafts.append(draft)
        self._close(StepKey.rework, now, body=body.code)
        if s.kind == DraftKind.contribution:
            body.status = BodyStatus.contributed
            body.contributed_at = now
            self._close(StepKey.return_window, now, body=body.code, used_right=False)
            self._close(StepKey.contribution, now, body=body.code)
            self._event("draft_submitted", s.actor, f"Орган «{self._bn(body.code)}» направил информацию для совместного "
                        "ответа (п. 11)", {"draft_id": draft.id, "kind": s.kind.value})
            self._advance_joint(now)
            return self._view()
        self._close(StepKey.intermediate, now, body=body.code)
        if s.kind == DraftKind.final:
            self._close(StepKey.final_after_intermediate, now, body=body.code)
        self._state = MessageState.on_review
        review = self._open(StepKey.review, now, body=body.code)
        self._event("draft_submitted", s.actor,
                    f"Проект ({DRAFT_KIND_TITLES[s.kind]}, версия {version}) направлен на согласование",
                    {"draft_id": draft.id, "kind": s.kind.value, "version": version})
        self._notify("tsur_curators", None, "Проект ответа на согласование",
                     f"Орган «{self._bn(body.code)}» направил {DRAFT_KIND_TITLES[s.kind]} на согласование: "
                     f"решение нужно до {self._fmt(review.due)} (п. 9). Сообщение: {self._inp.url}")
        return self._view()

    @submit_draft.validator
    def _validate_submit(self, s: DraftSubmission) -> None:
        self._check("submit_draft", s.actor)
        body = self._own_body(s.actor)
        if self._state == MessageState.collecting:
            if s.kind != DraftKind.contribution:
                raise _reject("Сейчас собирается информация для совместного ответа: направьте свою часть "
                              "(вид проекта — «информация для совместного ответа»).")
            if body.status not in (BodyStatus.assigned, BodyStatus.accepted):
                raise _reject("Ваш орган уже направил информацию или его очередь ещё не наступила (п. 11).")
        else:
            if s.kind == DraftKind.contribution:
                raise _reject("Информация для совместного ответа направляется только при сборе информации от "
                              "нескольких органов.")
            if self._state == MessageState.in_progress and body.status != BodyStatus.accepted:
                raise _reject("Сначала примите сообщение в работу.")
            if self._state == MessageState.awaiting_final and s.kind != DraftKind.final:
                raise _reject("После промежуточного ответа направляется окончательный ответ (п. 10).")
            if self._state == MessageState.rework and not any(
                d.body == body.code and d.status == DraftStatus.returned for d in self._drafts
            ):
                raise _reject("На доработке проект другого органа.")
        if self._inp.repeat_of is not None and s.kind != DraftKind.clarification and not (
            s.measures_taken and s.measures_taken.strip()
        ):
            raise _reject("Это повторное сообщение: укажите, какие меры приняты или как идёт решение (п. 12).")
        if s.promised_date is not None and s.promised_date < self._local_date(_now()):
            raise _reject("Срок окончательного ответа не может быть в прошлом.")

    @workflow.update(name="approve")
    def approve(self, a: Approval) -> MessageView:
        now = _now()
        self._close(StepKey.review, now)
        pending = [d for d in self._drafts if d.status == DraftStatus.on_review]
        for d in pending:
            d.status = DraftStatus.approved
            d.reviewed_at = now
            d.reviewed_by = a.actor
        route = self._route
        assert route is not None
        if self._joint() and route.publisher == Publisher.one:
            publishing = route.publishing_body
            assert publishing is not None
            joint = DraftView(id=f"d{len(self._drafts) + 1}", version=1, kind=DraftKind.final, body=publishing,
                              text=a.text or "", status=DraftStatus.approved, submitted_at=now,
                              submitted_by=a.actor, reviewed_at=now, reviewed_by=a.actor)
            self._drafts.append(joint)
            to_publish = [joint]
        else:
            to_publish = pending
        self._state = MessageState.approved
        for d in to_publish:
            assert d.body is not None
            self._publishing.setdefault(d.body, []).append(d.id)
            publication = self._open(StepKey.publication, now, body=d.body)
            self._pending_publish.append(PublishRequest(
                workflow_id=self._wid, network=self._inp.network, body=d.body, draft_id=d.id, text=d.text,
                attachments=d.attachments, reply_to_url=self._inp.url))
            self._notify_body(d.body, "Ответ согласован — опубликуйте",
                              f"Куратор ЦУР согласовал {DRAFT_KIND_TITLES[d.kind]}. Опубликуйте его в сети, где "
                              f"размещено сообщение, до {self._fmt(publication.due)} и подтвердите ссылкой (п. 9): "
                              f"{self._inp.url}")
        self._event("approved", a.actor, "Ответ согласован куратором" + (f": {a.comment}" if a.comment else ""),
                    {"drafts": [d.id for d in to_publish]})
        return self._view()

    @approve.validator
    def _validate_approve(self, a: Approval) -> None:
        self._check("approve", a.actor)
        missing = a.unticked()
        if missing:
            raise _reject("Ответ не отвечает требованиям п. 7: "
                          + "; ".join(CHECKLIST_TITLES[m] for m in missing)
                          + ". Верните проект на доработку с этими причинами.")
        route = self._route
        if self._joint() and route is not None and route.publisher == Publisher.one and not (a.text or "").strip():
            raise _reject("Совместный ответ публикует один орган: приложите итоговый текст, составленный "
                          "куратором из полученной информации (п. 11).")

    @workflow.update(name="return_draft")
    def return_draft(self, r: DraftReturn) -> MessageView:
        now = _now()
        self._close(StepKey.review, now)
        joint = self._joint()
        returned: list[DraftView] = []
        for d in self._drafts:
            if d.status == DraftStatus.on_review and (not joint or d.body == r.body):
                d.status = DraftStatus.returned
                d.reviewed_at = now
                d.reviewed_by = r.actor
                d.return_reasons = list(r.reasons)
                d.return_comment = r.comment or None
                returned.append(d)
        body_code = returned[0].body
        assert body_code is not None
        if joint:
            body = self._body(body_code)
            body.status = BodyStatus.accepted
            self._state = MessageState.collecting
        else:
            self._state = MessageState.rework
        rework = self._open(StepKey.rework, now, body=body_code)
        reasons = "; ".join([CHECKLIST_TITLES[x] for x in r.reasons] + ([r.comment] if r.comment else []))
        self._event("draft_returned", r.actor, f"Проект возвращён на доработку: {reasons}",
                    {"drafts": [d.id for d in returned], "reasons": [x.value for x in r.reasons]}, body=body_code)
        self._notify_body(body_code, "Проект возвращён на доработку",
                          f"Куратор ЦУР вернул проект: {reasons}. Доработайте и направьте снова до "
                          f"{self._fmt(rework.due)} (п. 9). Сообщение: {self._inp.url}")
        return self._view()

    @return_draft.validator
    def _validate_return_draft(self, r: DraftReturn) -> None:
        self._check("return_draft", r.actor)
        if self._joint():
            if r.body is None:
                raise _reject("Укажите орган, чью информацию нужно доработать.")
            if not any(d.status == DraftStatus.on_review and d.body == r.body for d in self._drafts):
                raise _reject(f"От органа «{self._bn(r.body)}» нет информации на согласовании.")

    # ------------------------------------------------------------------ P9–P10: publication

    @workflow.update(name="confirm_published")
    def confirm_published(self, p: PublicationConfirmation) -> MessageView:
        now = _now()
        at = min(p.published_at, now) if p.published_at is not None else now
        body = self._body(p.actor.body)
        body.status = BodyStatus.published
        body.published_at = at
        body.published_url = p.url
        self._close(StepKey.publication, at, body=body.code)
        kinds: set[DraftKind] = set()
        promised: date | None = None
        published = self._publishing.pop(body.code)
        for d in self._drafts:
            if d.id in published:
                d.status = DraftStatus.published
                d.published_at = at
                d.published_url = p.url
                kinds.add(d.kind)
                promised = d.promised_date or promised
        self._event("published", p.actor, f"Ответ опубликован: {p.url}", {"url": p.url, "at": at.isoformat()})
        if self._publishing:  # P11: each body publishes its own part
            return self._view()
        self._close(StepKey.answer, at)
        if kinds & {DraftKind.intermediate, DraftKind.clarification}:
            self._state = MessageState.awaiting_final
            for b in self._active_bodies():
                b.status = BodyStatus.accepted
            due = (self._cal.add_working_days(self._day_before(promised), 1) if promised is not None
                   else self._policy.due(self._cal, StepKey.final_after_intermediate, at))
            for dl in self._open_deadlines():  # a re-routed body's P10 clock: the new intermediate answer sets it
                if dl.step == StepKey.final_after_intermediate:
                    self._cancel(dl, at)
            self._open(StepKey.final_after_intermediate, at, body=body.code, due=due)
            return self._view()
        self._answer_url = p.url
        self._finish(Outcome.answered, now, None)
        self._event("answered", p.actor, "Работа с сообщением завершена: ответ опубликован", {"url": p.url})
        return self._view()

    @confirm_published.validator
    def _validate_confirm(self, p: PublicationConfirmation) -> None:
        self._check("confirm_published", p.actor)
        body = self._own_body(p.actor)
        if body.code not in self._publishing:
            raise _reject("Ваш орган не публикует этот ответ или уже подтвердил публикацию.")
        approved_at = max((d.reviewed_at for d in self._drafts if d.id in self._publishing[body.code]
                           and d.reviewed_at is not None), default=None)
        if p.published_at is not None and approved_at is not None and p.published_at < approved_at:
            raise _reject("Время публикации раньше согласования ответа: проверьте дату и время.")

    # ------------------------------------------------------------------ P14, dismissal, P17

    @workflow.update(name="flag_illegal")
    def flag_illegal(self, f: IllegalFlag) -> MessageView:
        now = _now()
        before = self._state
        self._pending_police = PoliceNoticeRequest(workflow_id=self._wid, message=self._inp, flag=f,
                                                   flagged_at=now, state_before=before)
        self._finish(Outcome.rejected_illegal, now, f.reason)
        self._event("flagged_illegal", f.actor,
                    f"Противоправное содержание: {f.reason}. Сообщение не обрабатывается и не подлежит ответу; "
                    f"уведомление направляется в {f.agency} (п. 14)",
                    {"agency": f.agency, "ground": f.ground.value, "state_before": before.value})
        return self._view()

    @flag_illegal.validator
    def _validate_flag_illegal(self, f: IllegalFlag) -> None:
        self._check("flag_illegal", f.actor)

    @workflow.update(name="dismiss")
    def dismiss(self, d: Dismissal) -> MessageView:
        now = _now()
        self._finish(Outcome.dismissed, now, d.reason)
        self._event("dismissed", d.actor, f"Реакция не требуется: {d.reason}", {"reason": d.reason})
        for code in [b.code for b in self._bodies if b.status not in (BodyStatus.removed, BodyStatus.returned)]:
            self._notify_body(code, "Сообщение закрыто куратором",
                              f"Куратор ЦУР закрыл сообщение без ответа: {d.reason}. {self._inp.url}")
        return self._view()

    @dismiss.validator
    def _validate_dismiss(self, d: Dismissal) -> None:
        self._check("dismiss", d.actor)

    @workflow.update(name="mark_significant")
    def mark_significant(self, m: SignificanceMark) -> MessageView:
        self._significant = True
        self._significance_reason = m.reason
        self._event("significant", m.actor, f"Общественно значимое сообщение: {m.reason} (п. 17)",
                    {"reason": m.reason})
        text = (f"ЦУР сообщает о социально значимом сообщении ({NETWORK_TITLES[self._inp.network]}): {m.reason}. "
                f"Ссылка: {self._inp.url}. Текст: {self._inp.text[:1000]}")
        for audience in ("leadership", "tsur_head"):
            self._notify(audience, None, "Срочно: общественно значимое сообщение (п. 17)", text)
        return self._view()

    @mark_significant.validator
    def _validate_significant(self, m: SignificanceMark) -> None:
        self._check("mark_significant", m.actor)
        if self._significant:
            raise _reject("Сообщение уже отмечено как общественно значимое.")

    # ------------------------------------------------------------------ facts from outside

    @workflow.signal(name="author_replied")
    def author_replied(self, r: AuthorReplied) -> None:
        if r.event_id in self._replies_seen or self._outcome is not None:
            return
        self._replies_seen.add(r.event_id)
        self._event("author_replied", None, f"Автор ответил: {r.text[:500]}",
                    {"event_id": r.event_id, "at": r.at.isoformat()})
        codes = self._active_codes()
        for code in codes:
            self._notify_body(code, "Автор сообщения ответил", f"Ответ автора: {r.text[:1000]}. {self._inp.url}")
        if not codes:
            self._notify("tsur_curators", None, "Автор сообщения ответил", f"Ответ автора: {r.text[:1000]}. "
                         f"{self._inp.url}")

    @workflow.query(name="view")
    def view(self, as_of: datetime | None = None) -> MessageView:
        """The view now; ``as_of`` (the caller's clock) counts remaining working time up to the present,
        since the workflow's own time stands at its last transition."""
        return self._view(as_of)

    # ------------------------------------------------------------------ joint answers (P11)

    def _joint(self) -> bool:
        return self._joint_route

    def _advance_joint(self, now: datetime) -> None:
        """Sequential order: the next body gets the message; everyone has sent theirs: the curator reviews."""
        if self._state != MessageState.collecting:
            return
        active = self._active_bodies()
        if self._route is not None and self._route.order == RouteOrder.sequential:
            if not any(b.status in (BodyStatus.assigned, BodyStatus.accepted) for b in active):
                nxt = next((b for b in active if b.status == BodyStatus.waiting), None)
                if nxt is not None:
                    self._receive(nxt, now)
                    self._notify_body(nxt.code, "Ваша очередь: информация для совместного ответа",
                                      f"Куратор ЦУР ждёт информацию вашего органа: {self._inp.url}. "
                                      f"{self._route_hint(nxt.code)}")
        if active and all(b.status == BodyStatus.contributed for b in active):
            self._state = MessageState.on_review
            review = self._open(StepKey.review, now)
            self._notify("tsur_curators", None, "Информация для совместного ответа собрана",
                         f"Все органы направили информацию: составьте и согласуйте совместный ответ до "
                         f"{self._fmt(review.due)} (п. 9, 11). Сообщение: {self._inp.url}")

    # ------------------------------------------------------------------ clocks

    def _open(self, key: StepKey, start: datetime, *, body: str | None = None, due: datetime | None = None,
              window: bool = False) -> DeadlineView:
        step = self._policy.step(key)
        start = start.replace(microsecond=0)
        due = (due or self._policy.due(self._cal, key, start)).replace(microsecond=0)
        n = len(self._deadlines) + 1
        d = DeadlineView(id=f"{key.value}-{n}", step=key, title=step.title, rule=step.rule, body=body,
                         window=window, opened_at=start, due=due)
        self._deadlines.append(d)
        return d

    def _find_open(self, key: StepKey, body: str | None = None) -> DeadlineView | None:
        for d in reversed(self._deadlines):
            if d.step == key and d.status == DeadlineStatus.open and (body is None or d.body == body):
                return d
        return None

    def _open_deadlines(self) -> list[DeadlineView]:
        return [d for d in self._deadlines if d.status == DeadlineStatus.open]

    def _close(self, key: StepKey, at: datetime, *, body: str | None = None, used_right: bool = True) -> None:
        """The step is done at ``at``: met if by its due; a late step records (or completes) its breach.

        ``used_right=False`` closes a window (P8) without using it — the body accepted the message or sent
        its part — which is never late.
        """
        d = self._find_open(key, body)
        if d is None:
            return
        d.status = DeadlineStatus.closed
        d.closed_at = at
        recorded = self._breach_of(d)
        if (recorded is not None and at <= d.due and at < recorded.recorded_at
                and workflow.patched("done-before-due-withdraws-breach")):
            # The timer recorded the breach, but the step was done by its due: a publication confirmed
            # after the due with its real (earlier) time. The step is met; the breach is withdrawn.
            d.breached = False
            self._breaches.remove(recorded)
            self._event("breach_withdrawn", None,
                        f"Срок «{d.title}» соблюдён: шаг выполнен {self._fmt(at)}, до срока {self._fmt(d.due)}; "
                        "отметка о нарушении снята", {"deadline_id": d.id, "at": at.isoformat()}, body=d.body)
            if d.escalated_to and workflow.patched("withdrawn-breach-notice"):
                self._notify_withdrawn(d, at)
        d.met = (at <= d.due and not d.breached) or (d.window and not used_right)
        d.used_minutes = _minutes(self._cal.between(d.opened_at, at))
        if not d.met:
            d.overrun_minutes = _minutes(self._cal.between(d.due, at))
            breach = self._breach_of(d) or self._record_breach(d, at)
            breach.actual = at
            breach.overrun_minutes = d.overrun_minutes

    def _cancel(self, d: DeadlineView, at: datetime) -> None:
        d.status = DeadlineStatus.cancelled
        d.closed_at = at
        d.used_minutes = _minutes(self._cal.between(d.opened_at, at))

    def _breach_of(self, d: DeadlineView) -> Breach | None:
        return next((b for b in self._breaches if b.deadline_id == d.id), None)

    def _record_breach(self, d: DeadlineView, now: datetime) -> Breach:
        d.breached = True
        breach = Breach(deadline_id=d.id, step=d.step, title=d.title, body=d.body, due=d.due, recorded_at=now)
        self._breaches.append(breach)
        self._event("breach", None, f"Нарушен срок: {d.title} (срок {self._fmt(d.due)})",
                    {"deadline_id": d.id, "step": d.step.value, "due": d.due.isoformat()}, body=d.body)
        return breach

    def _rung_times(self, d: DeadlineView) -> list[datetime]:
        return [when for when, _ in self._policy.escalations(self._cal, d.step, d.due)]

    def _check_clocks(self, now: datetime) -> None:
        """Record breaches whose due has come and fire the escalation rungs whose time has come."""
        for d in self._open_deadlines():
            if d.window:
                continue
            if not d.breached and d.due <= now:
                self._record_breach(d, now)
            if not d.breached:
                continue
            rungs = self._policy.step(d.step).escalation
            times = self._rung_times(d)
            fired = self._rungs_fired.get(d.id, 0)
            while fired < len(rungs) and times[fired] <= now:
                self._escalate(d, fired, rungs[fired].notify)
                fired += 1
            self._rungs_fired[d.id] = fired

    def _escalate(self, d: DeadlineView, rung: int, audiences: list[str]) -> None:
        d.escalated_to = [*d.escalated_to, *[a for a in audiences if a not in d.escalated_to]]
        self._event("escalation", None, f"Эскалация ({rung + 1}-я ступень): {d.title} — "
                    f"{', '.join(AUDIENCES.get(a, a) for a in audiences)}",
                    {"deadline_id": d.id, "rung": rung, "audiences": audiences}, body=d.body)
        text = (f"Нарушен срок «{d.title}» (п. {d.rule.lstrip('PA')} Положения): срок истёк {self._fmt(d.due)}. "
                f"Сообщение: {self._inp.url}. Состояние: {STATE_TITLES[self._state]}."
                + (f" Орган: «{self._bn(d.body)}»." if d.body else ""))
        subject = f"Нарушен срок: {d.title}"
        for audience in audiences:
            codes = ([d.body] if d.body else self._active_codes()) if audience.startswith("body_") else [None]
            if not codes:  # a body's official, but no body holds the message now: the ЦУР duty officer acts
                self._notify("tsur_duty", None, subject, text, key=f"esc:{d.id}:{rung}:{audience}:tsur_duty")
            for code in codes:
                self._notify(audience, code, subject, text, key=f"esc:{d.id}:{rung}:{audience}:{code or '-'}")

    def _notify_withdrawn(self, d: DeadlineView, at: datetime) -> None:
        """Everyone the breach was escalated to learns that it was withdrawn (the step was done in time)."""
        subject = f"Нарушение срока снято: {d.title}"
        text = (f"Срок «{d.title}» соблюдён: шаг выполнен {self._fmt(at)}, до срока {self._fmt(d.due)}. "
                f"Ранее направленное уведомление о нарушении снимается. Сообщение: {self._inp.url}."
                + (f" Орган: «{self._bn(d.body)}»." if d.body else ""))
        for audience in d.escalated_to:
            to_body = audience.startswith("body_")
            target, code = (audience, d.body) if not to_body or d.body else ("tsur_duty", None)
            self._notify(target, code if to_body else None, subject, text,
                         key=f"withdrawn:{d.id}:{target}:{code or '-'}")

    def _next_wake(self) -> datetime | None:
        """The earliest due not yet breached, or escalation rung not yet fired, of an open obligation."""
        wakes: list[datetime] = []
        for d in self._open_deadlines():
            if d.window:
                continue
            if not d.breached:
                wakes.append(d.due)
                continue
            times = self._rung_times(d)
            fired = self._rungs_fired.get(d.id, 0)
            if fired < len(times):
                wakes.append(times[fired])
        return min(wakes) if wakes else None

    # ------------------------------------------------------------------ bookkeeping

    def _check(self, action: str, actor: Actor) -> None:
        try:
            check_action(action, self._state, actor)
        except ActionRejected as exc:
            raise _reject(str(exc)) from None

    def _own_body(self, actor: Actor) -> BodyView:
        body = next((b for b in self._bodies if b.code == actor.body and b.status != BodyStatus.removed), None)
        if body is None:
            raise _reject(f"Сообщение направлено не в ваш орган ({actor.body}).")
        if body.status == BodyStatus.returned:
            raise _reject("Ваш орган вернул это сообщение куратору.")
        return body

    def _body(self, code: str | None) -> BodyView:
        return next(b for b in self._bodies if b.code == code and b.status != BodyStatus.removed)

    def _active_bodies(self) -> list[BodyView]:
        return [b for b in self._bodies if b.status not in (BodyStatus.removed, BodyStatus.returned)]

    def _active_codes(self) -> list[str]:
        return [b.code for b in self._active_bodies() if b.status != BodyStatus.waiting]

    def _finish(self, outcome: Outcome, now: datetime, reason: str | None) -> None:
        for dl in self._open_deadlines():
            self._cancel(dl, now)
        for dr in self._drafts:
            if dr.status in (DraftStatus.on_review, DraftStatus.returned):
                dr.status = DraftStatus.superseded
        self._state = MessageState(outcome.value)
        self._outcome = outcome
        self._outcome_reason = reason
        self._closed_at = now

    def _event(self, kind: str, actor: Actor | None, text: str, data: dict[str, Any] | None = None, *,
               body: str | None = None) -> None:
        self._events_count += 1
        self._pending_events.append(EventRecord(
            seq=self._events_count, at=_now(), kind=kind, state=self._state, actor=actor,
            body=body if body is not None else (actor.body if actor else None), text=text, data=data or {}))
        self._dirty = True

    def _notify(self, audience: str, body: str | None, subject: str, text: str, *, key: str | None = None) -> None:
        suffix = key or f"{self._events_count}:{audience}:{body or '-'}"
        self._pending_notifications.append(Notification(
            key=f"{self._wid}:{suffix}", workflow_id=self._wid, audience=audience, body=body,
            subject=subject, text=text, created_at=_now()))
        self._dirty = True

    def _notify_body(self, code: str, subject: str, text: str) -> None:
        self._notify("body_executors", code, subject, text)

    def _bn(self, code: str | None) -> str:
        """A body's name for people (the registry's, as the API passed it), else its code."""
        return self._body_names.get(code or "", code or "")

    def _bn_list(self, codes: list[str]) -> str:
        return ", ".join(f"«{self._bn(c)}»" for c in codes)

    def _route_text(self, d: RouteDecision) -> str:
        if len(d.bodies) == 1:
            return f"Направлено в орган: «{self._bn(d.bodies[0])}»"
        order = "параллельно" if d.order == RouteOrder.parallel else "последовательно"
        pub = (f"публикует «{self._bn(d.publishing_body)}»" if d.publisher == Publisher.one
               else "каждый публикует свою часть")
        return f"Совместный ответ органов {self._bn_list(d.bodies)} ({order}; {pub}) (п. 11)"

    def _route_data(self, d: RouteDecision) -> dict[str, Any]:
        return {"bodies": d.bodies, "order": d.order.value, "publisher": d.publisher.value,
                "publishing_body": d.publishing_body}

    def _route_hint(self, code: str) -> str:
        part = self._find_open(StepKey.contribution, code)
        if part is not None:
            return f"Совместный ответ: направьте свою часть информации куратору до {self._fmt(part.due)} (п. 11)."
        hints = []
        answer = self._find_open(StepKey.answer)
        if answer is not None:
            hints.append(f"ответ должен быть опубликован до {self._fmt(answer.due)} (п. 9)")
        final = self._find_open(StepKey.final_after_intermediate, code)
        if final is not None:
            hints.append(f"промежуточный ответ уже дан: окончательный ответ направьте на согласование до "
                         f"{self._fmt(final.due)} (п. 10)")
        window = self._find_open(StepKey.return_window, code)
        if window is not None:
            hints.append(f"если вопрос не в компетенции органа — верните его куратору до {self._fmt(window.due)} (п. 8)")
        return "; ".join(hints).capitalize() + "." if hints else ""

    def _local_date(self, t: datetime) -> date:
        return t.astimezone(self._cal.zone).date()

    def _day_before(self, d: date) -> datetime:
        return datetime.combine(d - timedelta(days=1), time(12, 0), tzinfo=self._cal.zone)

    def _fmt(self, t: datetime) -> str:
        return t.astimezone(self._cal.zone).strftime("%H:%M %d.%m.%Y")

    # ------------------------------------------------------------------ side effects (run only)

    async def _flush(self) -> None:
        """Write what the last transitions produced: notice, publication attempts, read model, outbox, SAs."""
        self._dirty = False
        if self._pending_police is not None:
            req, self._pending_police = self._pending_police, None
            notice = await workflow.execute_local_activity(
                "write_police_notice", req, result_type=PoliceNoticeResult,
                start_to_close_timeout=LOCAL_ACTIVITY_TIMEOUT, retry_policy=DB_RETRY)
            self._event("police_notice", req.flag.actor,
                        f"Письменное уведомление № {notice.number} в {req.flag.agency} составлено; "
                        f"SHA-256 материалов {notice.sha256} (п. 14)",
                        {"notice_id": notice.notice_id, "number": notice.number, "sha256": notice.sha256})
            self._notify("tsur_head", None, "Уведомление в правоохранительные органы (п. 14)",
                         f"Куратор {req.flag.actor.name} отметил противоправное содержание: {req.flag.reason}. "
                         f"Составлено уведомление № {notice.number} в {req.flag.agency}. Сообщение: {self._inp.url}",
                         key=f"police:{notice.number}")
        while self._pending_publish:
            publish = self._pending_publish.pop(0)
            result = await workflow.execute_local_activity(
                "publish_answer", publish, result_type=PublishResult,
                start_to_close_timeout=LOCAL_ACTIVITY_TIMEOUT, retry_policy=DB_RETRY)
            if result.status == "not_connected":
                self._event("publication_manual", None, result.detail, {"draft_id": publish.draft_id},
                            body=publish.body)
        if self._pending_events:
            projection = self._projection()
            self._pending_events = []
            await workflow.execute_local_activity(
                "project_message", projection, start_to_close_timeout=LOCAL_ACTIVITY_TIMEOUT,
                retry_policy=DB_RETRY)
        if self._pending_notifications:
            batch = NotificationBatch(notifications=self._pending_notifications)
            self._pending_notifications = []
            await workflow.execute_local_activity(
                "notify", batch, start_to_close_timeout=LOCAL_ACTIVITY_TIMEOUT, retry_policy=DB_RETRY)
        if self._inp.search_attributes:
            self._upsert_search_attributes()
        self._dirty = bool(self._pending_events or self._pending_notifications or self._pending_publish
                           or self._pending_police)

    def _search_values(self) -> dict[str, Any]:
        view_next = self._next_due()
        values: dict[str, Any] = {
            sa.STATE.name: self._state.value,
            sa.NETWORK.name: self._inp.network.value,
            sa.BODY.name: [b.code for b in self._active_bodies()],
            sa.BREACHED.name: bool(self._breaches),
            sa.DEADLINE.name: view_next,
        }
        if self._classification is not None:
            values[sa.TOPIC.name] = self._classification.topic
            values[sa.LOCATION.name] = self._classification.location
            values[sa.IMPORTANCE.name] = self._classification.importance.value
        return values

    def _upsert_search_attributes(self) -> None:
        all_keys: list[Any] = list(sa.ALL)
        keys = {k.name: k for k in all_keys}
        updates: list[SearchAttributeUpdate[Any]] = []
        for name, value in self._search_values().items():
            if self._sa_last.get(name, ...) == value:
                continue
            key = keys[name]
            updates.append(key.value_unset() if value is None or value == [] else key.value_set(value))
            self._sa_last[name] = value
        if updates:
            workflow.upsert_search_attributes(updates)

    # ------------------------------------------------------------------ views

    def _next_due(self) -> datetime | None:
        dues = [d.due for d in self._open_deadlines() if not d.window]
        return min(dues) if dues else None

    def _deadline_view(self, d: DeadlineView, now: datetime) -> DeadlineView:
        if d.status != DeadlineStatus.open:
            return d.model_copy()
        ahead = now < d.due
        return d.model_copy(update={
            "remaining_minutes": _minutes(self._cal.between(now, d.due)) if ahead
            else -_minutes(self._cal.between(d.due, now)),
            "used_minutes": _minutes(self._cal.between(d.opened_at, now)),
            "overrun_minutes": None if ahead else _minutes(self._cal.between(d.due, now)),
        })

    def _view(self, as_of: datetime | None = None) -> MessageView:
        now = workflow.now() if as_of is None else max(as_of, workflow.now())
        inp = self._inp
        breaches = [b if b.actual is not None else b.model_copy(update={
            "overrun_minutes": _minutes(self._cal.between(b.due, now))}) for b in self._breaches]
        answer = [d for d in self._deadlines if d.step == StepKey.answer]
        return MessageView(
            workflow_id=self._wid, network=inp.network, external_id=inp.external_id, url=inp.url,
            author=inp.author, text=inp.text, source=inp.source, posted_at=inp.posted_at,
            detected_at=inp.detected_at, state=self._state, state_title=STATE_TITLES[self._state],
            classification=self._classification,
            route=self._route.model_copy() if self._route else None,
            bodies=[b.model_copy() for b in self._bodies],
            drafts=[d.model_copy() for d in self._drafts],
            deadlines=[self._deadline_view(d, now) for d in self._deadlines],
            breaches=breaches, next_deadline=self._next_due(),
            answer_due=answer[-1].due if answer else None,
            events_count=self._events_count, significant=self._significant,
            significance_reason=self._significance_reason,
            repeat_of=inp.repeat_of.workflow_id if inp.repeat_of else None,
            author_replies=len(self._replies_seen), answer_url=self._answer_url, outcome=self._outcome,
            outcome_reason=self._outcome_reason, closed_at=self._closed_at, as_of=now,
        )

    def _projection(self) -> MessageProjection:
        c = self._classification
        return MessageProjection(
            view=self._view(), topic=c.topic if c else None, location=c.location if c else None,
            importance=c.importance if c else None, post_id=self._inp.post_id, comment_id=self._inp.comment_id,
            events=list(self._pending_events))

    def _summary(self) -> MessageSummary:
        assert self._outcome is not None and self._closed_at is not None
        return MessageSummary(
            workflow_id=self._wid, outcome=self._outcome, detected_at=self._inp.detected_at,
            closed_at=self._closed_at, answer_url=self._answer_url,
            steps=[StepSummary(step=d.step, body=d.body, opened_at=d.opened_at, due=d.due, closed_at=d.closed_at,
                               met=d.met, used_minutes=d.used_minutes, overrun_minutes=d.overrun_minutes)
                   for d in self._deadlines],
            breaches=list(self._breaches), events_count=self._events_count, significant=self._significant)
