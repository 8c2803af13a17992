"""The Russian a person reads about a message in the workflow: times, holders, the operator's details.

Notification texts are not here: the workflow emits notification events (data), and delivery renders them
from templates. These are the timeline's event texts' pieces and what the Temporal UI shows.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain.messages import NETWORK_TITLES, STATE_TITLES, DeadlineView, MessageInput, MessageState
    from domain.sla import TSUR

TSUR_TITLE = "ЦУР"
MAX_SUMMARY_TEXT = 80


def fmt(t: datetime, zone: ZoneInfo) -> str:
    return t.astimezone(zone).strftime("%H:%M %d.%m.%Y")


def holder_title(held_by: str | None, names: dict[str, str]) -> str:
    if held_by is None:
        return "никто (работа завершена)"
    if held_by == TSUR:
        return TSUR_TITLE
    return f"«{names.get(held_by, held_by)}»"


def static_summary(inp: MessageInput) -> str:
    """One line for the Temporal UI's list: network and the first words (no author)."""
    words = " ".join(inp.text.split())
    if len(words) > MAX_SUMMARY_TEXT:
        words = words[:MAX_SUMMARY_TEXT].rsplit(" ", 1)[0] + "…"
    return f"{NETWORK_TITLES[inp.network]}: {words or '(без текста)'}"


def current_details(state: MessageState, held_by: str | None, names: dict[str, str], bodies: list[str],
                    deadlines: list[DeadlineView], zone: ZoneInfo, breaches: int) -> str:
    """Markdown for the Temporal UI (``set_current_details``): state, holder, every open deadline."""
    lines = [f"**Состояние:** {STATE_TITLES[state]}", f"**У кого:** {holder_title(held_by, names)}"]
    if bodies:
        lines.append("**Органы:** " + ", ".join(f"«{names.get(b, b)}»" for b in bodies))
    open_ = [d for d in deadlines if d.status.value == "open"]
    if open_:
        lines.append("**Сроки:**")
        for d in open_:
            mark = " — нарушен" if d.breached else (" — предупреждение" if d.warning else "")
            who = f" ({names.get(d.body, d.body)})" if d.body else ""
            lines.append(f"- {d.title}{who}: до {fmt(d.due, zone)} (п. {d.rule.lstrip('PA')}){mark}")
    if breaches:
        lines.append(f"**Нарушений сроков:** {breaches}")
    return "\n".join(lines)


def timer_summary(d: DeadlineView | None, zone: ZoneInfo, *, rung: bool = False) -> str:
    if d is None:
        return "ожидание решения по п. 14 после закрытия"
    what = "ступень эскалации" if rung else "срок"
    return f"{what}: {d.title} — {fmt(d.due, zone)}"
