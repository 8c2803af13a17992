"""What a page shows about a message, computed from the shared rules — never re-encoded in a template.

* which actions the person may take now: the state from ``domain.actions.ACTIONS``, the role and body from
  ``api.auth.authorize`` (the same check the JSON routes make);
* the countdown in working time and its colour, by the working-time calendar;
* every deadline's "why" (``domain.worktime_report.explain_deadline``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

from api.actions import DRAFT_STATUS_TITLES, current_bodies
from api.auth import Principal, authorize
from api.errors import Forbidden
from domain.actions import ACTIONS
from domain.decisions import CHECKLIST_TITLES, DRAFT_KIND_TITLES, ILLEGAL_GROUND_TITLES
from domain.messages import DraftStatus, MessageView
from domain.notifications import NotificationKind
from domain.vocabulary import IMPORTANCE_TITLES, NETWORK_TITLES, STATE_TITLES, MessageState
from domain.worktime import DayKind, WorkCalendar
from domain.worktime_report import describe_day_off, explain_deadline, format_duration

DRAFT_ACTIONS = frozenset({"approve", "return_draft", "confirm_published"})
AMBER_MINUTES = 60  # under an hour of working time left: amber


def offered(view: MessageView, principal: Principal) -> list[str]:
    """Message-level actions this person may take in this state (draft-level ones: ``draft_actions``)."""
    bodies = current_bodies(view)
    names = []
    for name, action in ACTIONS.items():
        if view.state not in action.states:
            continue
        try:
            authorize(principal, name, bodies)
        except Forbidden:
            continue
        names.append(name)
    return names


def draft_actions(view: MessageView, principal: Principal, allowed: list[str]) -> dict[str, list[str]]:
    """Per draft id: which of approve / return_draft / confirm_published apply to it now."""
    out: dict[str, list[str]] = {}
    for d in view.drafts:
        acts: list[str] = []
        if d.status == DraftStatus.on_review:
            acts += [a for a in ("approve", "return_draft") if a in allowed]
        if d.status == DraftStatus.approved and "confirm_published" in allowed and d.body == principal.body_code:
            acts.append("confirm_published")
        if acts:
            out[d.id] = acts
    return out


@dataclass(frozen=True)
class Countdown:
    text: str
    level: str  # "ok", "amber", "red", "none"


def countdown(cal: WorkCalendar, due: datetime | None, now: datetime, breached: bool = False) -> Countdown:
    """«осталось 1 ч 20 мин рабочего времени» (amber under an hour) or «просрочено на …» (red)."""
    if due is None:
        return Countdown("срок не идёт", "none")
    due = due if due.tzinfo else due.replace(tzinfo=UTC)
    left = cal.between(now, due)
    minutes = int(left.total_seconds() // 60)
    if left <= timedelta(0):
        late = format_duration(timedelta(minutes=-minutes))
        return Countdown(f"просрочено на {late} рабочего времени", "red")
    text = f"осталось {format_duration(timedelta(minutes=minutes))} рабочего времени"
    level = "red" if breached else ("amber" if minutes < AMBER_MINUTES else "ok")
    return Countdown(text, level)


def why(cal: WorkCalendar, opened_at: datetime, due: datetime) -> str:
    """The calendar's explanation of a deadline: the counted spans and every day off skipped."""
    try:
        return explain_deadline(cal, opened_at, cal.between(opened_at, due))
    except (ValueError, KeyError) as exc:  # a calendar year not shipped: say so rather than fail the page
        return f"Объяснение недоступно: {exc}"


def days_off(cal: WorkCalendar, opened_at: datetime, due: datetime, limit: int = 8) -> str:
    """The short "why": «31.10 предпраздничный день, 03.11 перенос…, 04.11 праздник…» — every day between the
    start and the due that is not an ordinary working day or an ordinary weekend."""
    out: list[str] = []
    d = opened_at.astimezone(cal.zone).date()
    last = due.astimezone(cal.zone).date()
    while d <= last and len(out) < limit:
        info = cal.day_info(d)
        if not info.is_working_day and info.kind != DayKind.weekend:
            out.append(f"{d:%d.%m} {describe_day_off(info)}")
        elif info.kind in (DayKind.short, DayKind.working_weekend):
            out.append(f"{d:%d.%m} {info.reason}")
        d += timedelta(days=1)
    return ", ".join(out)


def temporal_ui_url(base: str, namespace: str, workflow_id: str) -> str:
    return f"{base.rstrip('/')}/namespaces/{quote(namespace)}/workflows/{quote(workflow_id, safe='')}"


def holder(names_body: str, code: str | None) -> str:
    if code is None:
        return "никто (работа завершена)"
    return "ЦУР (куратор)" if code == "tsur" else names_body


KIND_TITLES: dict[str, str] = {
    NotificationKind.routed: "Сообщение направлено в орган",
    NotificationKind.transferred: "Сообщение передано внутри органа",
    NotificationKind.returned: "Орган вернул сообщение куратору (п. 8)",
    NotificationKind.draft_submitted: "Проект ответа ждёт согласования (п. 9)",
    NotificationKind.draft_returned: "Проект ответа возвращён на доработку",
    NotificationKind.approved: "Ответ согласован: опубликуйте в течение 30 минут (п. 9)",
    NotificationKind.parts_status: "Совместный ответ: какие части получены (п. 11)",
    NotificationKind.warning: "Срок подходит",
    NotificationKind.breach: "Срок нарушен",
    NotificationKind.rung: "Нарушение срока: следующая ступень эскалации",
    NotificationKind.breach_withdrawn: "Нарушение снято",
    NotificationKind.repeat: "Повторное сообщение (п. 12)",
    NotificationKind.significant: "Общественно значимое сообщение (п. 17)",
    NotificationKind.illegal: "Противоправное содержание: уведомление (п. 14)",
    NotificationKind.triage: "Кандидаты ждут разбора",
    NotificationKind.surge: "Повышенная социальная активность (п. 17)",
    NotificationKind.surge_subsided: "Всплеск активности завершился",
    NotificationKind.retired_body: "Сообщения упразднённого органа нужно перенаправить",
    NotificationKind.closed: "Куратор закрыл сообщение",
    NotificationKind.author_replied: "Автор ответил в обсуждении",
    NotificationKind.publication_failed: "Автоматическая публикация не прошла: опубликуйте вручную",
    NotificationKind.weekly_note: "Еженедельная справка (п. 16)",
    NotificationKind.rating: "Рейтинг органов",
    NotificationKind.account_inactive: "Мало публикаций в официальном аккаунте (п. 8 Порядка)",
    NotificationKind.account_activity: "Публикации официальных аккаунтов за неделю (п. 8 Порядка)",
    NotificationKind.plan_missed: "Публикации по графику не вышли (пп. 4, 7 Порядка)",
    NotificationKind.account_profile: "Оформление официального аккаунта (п. 8 Порядка)",
}

TITLES = {
    "state": {s.value: t for s, t in STATE_TITLES.items()},
    "network": {n.value: t for n, t in NETWORK_TITLES.items()},
    "importance": {i.value: t for i, t in IMPORTANCE_TITLES.items()},
    "draft_kind": {k.value: t for k, t in DRAFT_KIND_TITLES.items()},
    "checklist": {c.value: t for c, t in CHECKLIST_TITLES.items()},
    "ground": {g.value: t for g, t in ILLEGAL_GROUND_TITLES.items()},
    "action": {n: a.title for n, a in ACTIONS.items()},
    "rule": {n: a.rule for n, a in ACTIONS.items()},
    "kind": {str(k): t for k, t in KIND_TITLES.items()},
    "draft_status": {s.value: t for s, t in DRAFT_STATUS_TITLES.items()},
    "body_status": {
        "waiting": "ждёт очереди", "assigned": "направлено", "accepted": "в работе", "contributed": "информация дана",
        "returned": "вернул как не относящееся к компетенции", "published": "опубликовал ответ",
        "removed": "снят при перенаправлении",
    },
}
OPEN_STATE_CHOICES = [(s.value, STATE_TITLES[s]) for s in MessageState if s.value not in
                      ("answered", "not_processed", "rejected_illegal", "dismissed")]
