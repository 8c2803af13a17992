"""The one table of what people do to a message: name, title, roles, states, decision type.

The workflow's update validators (``check_action``), ``workflows/client.py`` (the update names), the API
(which decision a route builds, who may call it) and the docs all read :data:`ACTIONS`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from domain.decisions import (
    Acceptance,
    Approval,
    Classification,
    Dismissal,
    DraftReturn,
    DraftSubmission,
    IllegalFlag,
    NotProcessedMark,
    PublicationConfirmation,
    PublisherChange,
    Reroute,
    ReturnToCurator,
    RouteDecision,
    SignificanceMark,
)
from domain.vocabulary import CLOSED_STATES, OPEN_STATES, STATE_TITLES, Actor, MessageState

CURATOR: frozenset[str] = frozenset({"curator"})
BODY_STAFF: frozenset[str] = frozenset({"executor", "responsible"})
S = MessageState
ANY_STATE = frozenset(MessageState)


@dataclass(frozen=True)
class Action:
    name: str
    title: str  # Russian, an infinitive phrase: «нельзя {title}»
    roles: frozenset[str]
    states: frozenset[MessageState]
    decision: type[BaseModel]
    rule: str  # the Regulation's item


ACTIONS: dict[str, Action] = {a.name: a for a in [
    Action("classify", "классифицировать сообщение", CURATOR, OPEN_STATES, Classification, "P7"),
    Action("route", "направить сообщение в орган", CURATOR, frozenset({S.new, S.returned}), RouteDecision, "P7"),
    Action("reroute", "перенаправить сообщение", CURATOR | {"responsible"},
           frozenset({S.returned, S.assigned, S.in_progress, S.collecting, S.on_review, S.rework,
                      S.awaiting_final}), Reroute, "P8"),
    Action("accept", "принять сообщение в работу", BODY_STAFF, frozenset({S.assigned, S.collecting}),
           Acceptance, "P8"),
    Action("return_to_curator", "вернуть сообщение куратору", BODY_STAFF,
           frozenset({S.assigned, S.in_progress, S.collecting, S.awaiting_final}), ReturnToCurator, "P8"),
    Action("submit_draft", "направить проект ответа", BODY_STAFF,
           frozenset({S.in_progress, S.rework, S.awaiting_final, S.collecting}), DraftSubmission, "P9"),
    Action("approve", "согласовать ответ", CURATOR, frozenset({S.on_review}), Approval, "P9"),
    Action("return_draft", "вернуть проект на доработку", CURATOR, frozenset({S.on_review}), DraftReturn, "P9"),
    Action("change_publisher", "поручить публикацию другому органу", CURATOR, frozenset({S.approved}),
           PublisherChange, "P9"),
    Action("confirm_published", "подтвердить публикацию", BODY_STAFF, frozenset({S.approved}),
           PublicationConfirmation, "P9"),
    Action("mark_not_processed", "отметить сообщение как не подлежащее обработке и ответу", CURATOR,
           ANY_STATE - {S.not_processed, S.rejected_illegal}, NotProcessedMark, "P14"),
    Action("flag_illegal", "отметить противоправное содержание", CURATOR,
           ANY_STATE - {S.rejected_illegal}, IllegalFlag, "P14"),
    # Also from ``approved``: the post may be deleted before the answer goes out (nothing left to answer).
    Action("dismiss", "закрыть без реакции", CURATOR, OPEN_STATES, Dismissal, "P7"),
    Action("mark_significant", "отметить как общественно значимое", CURATOR, OPEN_STATES, SignificanceMark, "P17"),
]}

#: Actions still open on a closed message (P14 may be decided after the answer, within the policy's window).
AFTER_CLOSE = frozenset(name for name, a in ACTIONS.items() if a.states & CLOSED_STATES)

ROLE_TITLES: dict[str, str] = {
    "curator": "куратор ЦУР",
    "executor": "исполнитель органа",
    "responsible": "ответственное должностное лицо органа",
    "leadership": "руководство",
    "admin": "администратор",
    "integration": "система мониторинга (интеграция)",
    "operator": "оператор Temporal",
    "system": "система",
}

# Compatibility views of the table (older callers read these).
ACTION_TITLES: dict[str, str] = {n: a.title for n, a in ACTIONS.items()}
ACTION_STATES: dict[str, frozenset[MessageState]] = {n: a.states for n, a in ACTIONS.items()}
ACTION_ROLES: dict[str, frozenset[str]] = {n: a.roles for n, a in ACTIONS.items()}


class ActionRejected(ValueError):
    """An action the state, the role or the body does not allow; the message is Russian, for the person."""


def check_action(action: str, state: MessageState, actor: Actor) -> None:
    """Raise ``ActionRejected`` unless ``actor`` may perform ``action`` in ``state`` (body checks are the caller's)."""
    a = ACTIONS[action]
    if state not in a.states:
        if state in CLOSED_STATES:
            raise ActionRejected(f"Работа с сообщением завершена ({STATE_TITLES[state]}): нельзя {a.title}.")
        raise ActionRejected(f"Нельзя {a.title}: сообщение в состоянии «{STATE_TITLES[state]}».")
    if actor.role not in a.roles:
        who = " или ".join(ROLE_TITLES[r] for r in sorted(a.roles))
        raise ActionRejected(f"{a.title.capitalize()} может только {who}, а не {ROLE_TITLES.get(actor.role, actor.role)}.")
    if a.roles <= BODY_STAFF and not actor.body:
        raise ActionRejected("Не указан орган исполнителя.")


def actions_markdown() -> str:
    """The table of actions for ``docs/actions.md`` (a test keeps the file equal to this)."""
    lines = ["# Actions on a message", "",
             "Generated from `domain/actions.py` (`ACTIONS`), which the workflow's validators, the workflow client and",
             "the API read too. Regenerate: `python -c 'from domain.actions import actions_markdown as m; print(m(), end=\"\")'"
             " > docs/actions.md`.", "",
             "| Action (update) | What a person does | Who | In which states | Item |", "| --- | --- | --- | --- | --- |"]
    for a in ACTIONS.values():
        who = ", ".join(ROLE_TITLES[r] for r in sorted(a.roles))
        states = ", ".join(STATE_TITLES[st] for st in MessageState if st in a.states)
        lines.append(f"| `{a.name}` | {a.title} | {who} | {states} | {a.rule} |")
    return "\n".join(lines) + "\n"
