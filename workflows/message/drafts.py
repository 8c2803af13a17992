"""P9–P13: drafts, review, rework, the joint answer, publication and the final answer after an intermediate one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import cast

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.messages import (
        CHECKLIST_TITLES,
        DRAFT_KIND_TITLES,
        SYSTEM_ACTOR,
        ActionResult,
        Actor,
        Approval,
        BodyStatus,
        BodyView,
        DeadlineView,
        DraftKind,
        DraftReturn,
        DraftStatus,
        DraftSubmission,
        DraftView,
        MessageState,
        Outcome,
        PublicationConfirmation,
        PublicationRecord,
        Publisher,
        PublisherChange,
        PublishRequest,
    )
    from domain.publication import link_problem
    from domain.sla import StepKey
    from workflows.message.core import MessageCore, now_s, reject

MAX_DRAFTS = 200  # a message with more drafts than this is stuck in a loop: refuse and say so
CLOCK_SKEW = timedelta(minutes=2)
MAX_PROMISE = timedelta(days=366)


class DraftHandlers(MessageCore):
    @workflow.update(name="submit_draft")
    def submit_draft(self, s: DraftSubmission) -> ActionResult:
        now = now_s()
        body = self._body(s.actor.body)
        version = 1 + sum(1 for d in self.r.drafts if d.body == body.code and d.kind == s.kind)
        draft = DraftView(id=f"d{len(self.r.drafts) + 1}", version=version, kind=s.kind, body=body.code,
                          text=s.text, attachments=s.attachments, promised_date=s.promised_date,
                          measures_taken=s.measures_taken, status=DraftStatus.on_review,
                          submitted_at=now, submitted_by=s.actor)
        self.r.drafts.append(draft)
        self.clocks.close(StepKey.rework, now, body=body.code)
        self.clocks.close(StepKey.intermediate, now, body=body.code)
        if s.kind == DraftKind.contribution:
            body.status = BodyStatus.contributed
            body.contributed_at = now
            self.clocks.close(StepKey.return_window, now, body=body.code, used_right=False)
            self.clocks.close(StepKey.contribution, now, body=body.code)
            if self.r.state == MessageState.awaiting_final:
                self.r.state = MessageState.collecting
            self._event("draft_submitted", s.actor, f"Орган «{self._bn(body.code)}» направил информацию для "
                        "совместного ответа (п. 11)", {"draft_id": draft.id, "kind": s.kind.value})
            self._advance_joint(now)
            return self._result()
        if s.kind == DraftKind.final:
            self.clocks.close(StepKey.final_after_intermediate, now, body=body.code)
            self.clocks.close(StepKey.reroute_final, now, body=body.code)
        self.r.state = MessageState.on_review
        review = self.clocks.open(StepKey.review, now, body=body.code)
        self._event("draft_submitted", s.actor,
                    f"Проект ({DRAFT_KIND_TITLES[s.kind]}, версия {version}) направлен на согласование",
                    {"draft_id": draft.id, "kind": s.kind.value, "version": version})
        self._notify("draft_submitted", "tsur_curators", body.code, draft_id=draft.id, draft_kind=s.kind.value,
                     version=version, review_due=review.due.isoformat())
        return self._result()

    @submit_draft.validator
    def _validate_submit(self, s: DraftSubmission) -> None:
        self._check("submit_draft", s.actor)
        body = self._own_body(s.actor)
        if len(self.r.drafts) >= MAX_DRAFTS:
            raise reject(f"По сообщению уже {MAX_DRAFTS} проектов: обратитесь к куратору ЦУР.")
        collecting = self.r.state == MessageState.collecting or (
            self.r.joint and self.r.state == MessageState.awaiting_final)
        if collecting:
            if s.kind != DraftKind.contribution:
                raise reject("Сейчас собирается информация для совместного ответа: направьте свою часть "
                             "(вид проекта — «информация для совместного ответа»).")
            if body.status not in (BodyStatus.assigned, BodyStatus.accepted):
                raise reject("Ваш орган уже направил информацию или его очередь ещё не наступила (п. 11).")
        else:
            if s.kind == DraftKind.contribution:
                raise reject("Информация для совместного ответа направляется только при сборе информации от "
                             "нескольких органов.")
            if self.r.state == MessageState.in_progress and body.status != BodyStatus.accepted:
                raise reject("Сначала примите сообщение в работу.")
            if self.r.state == MessageState.awaiting_final and s.kind != DraftKind.final:
                raise reject("После промежуточного ответа направляется окончательный ответ (п. 10).")
            if self.r.state == MessageState.rework and not any(
                    d.body == body.code and d.status == DraftStatus.returned for d in self.r.drafts):
                raise reject("На доработке проект другого органа.")
        if self._inp.repeat_of is not None and s.kind not in (DraftKind.clarification, DraftKind.contribution) \
                and not (s.measures_taken and s.measures_taken.strip()):
            raise reject("Это повторное сообщение: укажите, какие меры приняты или как идёт решение (п. 12).")
        self._check_promise(s.promised_date)

    def _check_promise(self, promised: date | None) -> None:
        if promised is None:
            return
        today = self._local_date(now_s())
        if promised < today:
            raise reject("Срок окончательного ответа не может быть в прошлом.")
        if promised > today + MAX_PROMISE:
            raise reject("Срок окончательного ответа — не позже чем через год.")

    @workflow.update(name="approve")
    def approve(self, a: Approval) -> ActionResult:
        now = now_s()
        self.clocks.close(StepKey.review, now)
        self.clocks.close(StepKey.composition, now)
        pending = [d for d in self.r.drafts if d.status == DraftStatus.on_review]
        for d in pending:
            d.status = DraftStatus.approved
            d.reviewed_at = now
            d.reviewed_by = a.actor
        route = self.r.route
        assert route is not None
        if self.r.joint and route.publisher == Publisher.one:
            publishing = route.publishing_body
            assert publishing is not None
            photos = [att for d in pending for att in d.attachments]  # P13: the parts' photos go in
            kind = DraftKind(a.kind)
            joint = DraftView(id=f"d{len(self.r.drafts) + 1}", version=1, kind=kind, body=publishing,
                              text=a.text or "", attachments=[*photos, *a.attachments][:40],
                              promised_date=a.promised_date if kind == DraftKind.intermediate else None,
                              status=DraftStatus.approved, submitted_at=now, submitted_by=a.actor,
                              reviewed_at=now, reviewed_by=a.actor)
            self.r.drafts.append(joint)
            to_publish = [joint]
        else:
            to_publish = pending
        if any(d.kind == DraftKind.final for d in to_publish):
            self.clocks.close(StepKey.final_after_intermediate, now)
            self.clocks.close(StepKey.reroute_final, now)
        self.r.state = MessageState.approved
        for d in to_publish:
            assert d.body is not None
            self._queue_publication(d, now)
        self._event("approved", a.actor, "Ответ согласован куратором" + (f": {a.comment}" if a.comment else ""),
                    {"drafts": [d.id for d in to_publish]})
        return self._result()

    @approve.validator
    def _validate_approve(self, a: Approval) -> None:
        self._check("approve", a.actor)
        missing = a.unticked()
        if missing:
            raise reject("Ответ не отвечает требованиям п. 7: " + "; ".join(CHECKLIST_TITLES[m] for m in missing)
                         + ". Верните проект на доработку с этими причинами.")
        route = self.r.route
        one = self.r.joint and route is not None and route.publisher == Publisher.one
        if one and not (a.text or "").strip():
            raise reject("Совместный ответ публикует один орган: приложите итоговый текст, составленный "
                         "куратором из полученной информации (п. 11).")
        if not one and (a.kind != "final" or a.promised_date or a.attachments):
            raise reject("Вид ответа, срок и вложения куратор указывает только при составлении совместного "
                         "ответа (п. 11); проект органа согласуется как есть.")
        if a.kind == "final" and a.promised_date is not None:
            raise reject("Срок окончательного ответа указывается только в промежуточном ответе (п. 10).")
        self._check_promise(a.promised_date)

    def _queue_publication(self, d: DraftView, now: datetime) -> None:
        assert d.body is not None
        self.r.publishing.setdefault(d.body, []).append(d.id)
        publication = self.clocks.open(StepKey.publication, now, body=d.body)
        self.out.publish.append(PublishRequest(
            workflow_id=self._wid, network=self._inp.network, body=d.body, draft_id=d.id, text=d.text,
            attachments=d.attachments, reply_to_url=self._inp.url, post_id=self._inp.post_id,
            comment_id=self._inp.comment_id))
        self._notify("approved", "body_executors", d.body, draft_id=d.id, draft_kind=d.kind.value,
                     publish_due=publication.due.isoformat())

    @workflow.update(name="return_draft")
    def return_draft(self, r: DraftReturn) -> ActionResult:
        now = now_s()
        self.clocks.close(StepKey.review, now)
        joint = self.r.joint
        if joint:
            self.clocks.cancel_where(now, lambda dl: dl.step == StepKey.composition)
        returned: list[DraftView] = []
        for d in self.r.drafts:
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
            self._body(body_code).status = BodyStatus.accepted
            self.r.state = MessageState.collecting
        else:
            self.r.state = MessageState.rework
        rework = self.clocks.open(StepKey.rework, now, body=body_code)
        reasons = "; ".join([CHECKLIST_TITLES[x] for x in r.reasons] + ([r.comment] if r.comment else []))
        self._event("draft_returned", r.actor, f"Проект возвращён на доработку: {reasons}",
                    {"drafts": [d.id for d in returned], "reasons": [x.value for x in r.reasons]}, body=body_code)
        self._notify("draft_returned", "body_executors", body_code, reasons=[CHECKLIST_TITLES[x] for x in r.reasons],
                     comment=r.comment, rework_due=rework.due.isoformat(),
                     draft_kind=returned[0].kind.value)
        return self._result()

    @return_draft.validator
    def _validate_return_draft(self, r: DraftReturn) -> None:
        self._check("return_draft", r.actor)
        if self.r.joint:
            if r.body is None:
                raise reject("Укажите орган, чью информацию нужно доработать.")
            if not any(d.status == DraftStatus.on_review and d.body == r.body for d in self.r.drafts):
                raise reject(f"От органа «{self._bn(r.body)}» нет информации на согласовании.")

    @workflow.update(name="change_publisher")
    def change_publisher(self, c: PublisherChange) -> ActionResult:
        now = now_s()
        self.r.body_names.update(c.body_names)
        moved = [d for d in self.r.drafts if any(d.id in ids for ids in self.r.publishing.values())]
        for old in list(self.r.publishing):
            self.clocks.cancel_where(now, cast("Callable[[DeadlineView], bool]",
                                               lambda dl, old=old: dl.step == StepKey.publication and dl.body == old))
        self.r.publishing = {}
        if not any(b.code == c.body and b.status != BodyStatus.removed for b in self.r.bodies):
            self.r.bodies.append(BodyView(code=c.body, status=BodyStatus.accepted, received_at=now))
        if self.r.route is not None:
            self.r.route.publishing_body = c.body
        for d in moved:
            d.body = c.body
            self._queue_publication(d, now)
        self._event("publisher_changed", c.actor, f"Публикация поручена органу «{self._bn(c.body)}»: {c.reason}",
                    {"body": c.body, "reason": c.reason})
        return self._result()

    @change_publisher.validator
    def _validate_change_publisher(self, c: PublisherChange) -> None:
        self._check("change_publisher", c.actor)
        if list(self.r.publishing) == [c.body]:
            raise reject("Этот орган уже публикует ответ.")

    @workflow.update(name="confirm_published")
    def confirm_published(self, p: PublicationConfirmation) -> ActionResult:
        now = now_s()
        declared = p.published_at.replace(microsecond=0) if p.published_at is not None else None
        record = PublicationRecord(body=p.actor.body or "", url=p.url, published_at=declared or now, verified=False,
                                   draft_ids=list(self.r.publishing.get(p.actor.body or "", [])))
        self.r.verifications.append(record)
        self._published(record, now, p.actor, declared=declared if declared and declared < now else None)
        return self._result()

    @confirm_published.validator
    def _validate_confirm(self, p: PublicationConfirmation) -> None:
        self._check("confirm_published", p.actor)
        body = self._own_body(p.actor)
        if body.code not in self.r.publishing:
            raise reject("Ваш орган не публикует этот ответ или уже подтвердил публикацию.")
        approved_at = max((d.reviewed_at for d in self.r.drafts if d.id in self.r.publishing[body.code]
                           and d.reviewed_at is not None), default=None)
        if p.published_at is not None and approved_at is not None and p.published_at < approved_at:
            raise reject("Время публикации раньше согласования ответа: проверьте дату и время.")
        if p.published_at is not None and p.published_at > workflow.now() + CLOCK_SKEW:
            raise reject("Время публикации не может быть в будущем.")
        problem = link_problem(self._inp.network, self._inp.url, p.url)
        if problem is not None:
            raise reject(f"{problem}. Укажите ссылку на ответ под сообщением: {self._inp.url}")

    def _published(self, rec: PublicationRecord, at: datetime, actor: Actor, *, declared: datetime | None = None,
                   verified: bool = False) -> None:
        """A body's answer is out at ``at`` (``declared``: an earlier time the executor typed, unverified)."""
        body = self._body(rec.body)
        shown = declared or at
        body.status = BodyStatus.published
        body.published_at = shown
        body.published_url = rec.url
        self.clocks.close(StepKey.publication, at, body=body.code, verified=verified, declared=declared)
        kinds: set[DraftKind] = set()
        promised: date | None = None
        for d in self.r.drafts:
            if d.id in self.r.publishing.get(body.code, []):
                d.status = DraftStatus.published
                d.published_at = shown
                d.published_url = rec.url
                kinds.add(d.kind)
                promised = d.promised_date or promised
        self.r.publishing.pop(body.code, None)
        how = "автоматически" if actor is SYSTEM_ACTOR or actor.role == "system" else "подтверждено исполнителем"
        self._event("published", actor, f"Ответ опубликован ({how}): {rec.url}",
                    {"url": rec.url, "at": shown.isoformat(), "verified": verified}, body=body.code)
        if self.r.publishing:  # P11: each body publishes its own part
            return
        self.clocks.close(StepKey.answer, at, verified=verified, declared=declared)
        if kinds & {DraftKind.intermediate, DraftKind.clarification}:
            self.r.state = MessageState.awaiting_final
            for b in self._active_bodies():
                b.status = BodyStatus.accepted
            due = (self._cal.add_working_days(self._day_before(promised), 1) if promised is not None
                   else self._policy.due(self._cal, StepKey.final_after_intermediate, at))
            self.clocks.cancel_where(at, lambda dl: dl.step in (StepKey.final_after_intermediate,
                                                                StepKey.reroute_final))
            self.clocks.open(StepKey.final_after_intermediate, at, body=None if self.r.joint else body.code, due=due)
            return
        self.r.answer_url = rec.url
        self._finish(Outcome.answered, at, None)
        self._event("answered", actor, "Работа с сообщением завершена: ответ опубликован", {"url": rec.url})
