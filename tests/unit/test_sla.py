"""SLA policy as data (domain.sla, config/sla.yaml): the shipped values, deadlines, loader errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.sla import SLA_PATH, Clock, SlaConfigError, SlaPolicy, SlaStep, StepKey, parse_measure
from domain.worktime import WorkCalendar

MSK = ZoneInfo("Europe/Moscow")
H = timedelta(hours=1)
MIN = timedelta(minutes=1)
CAL = WorkCalendar.default()
POLICY = SlaPolicy.default()
TEXT = SLA_PATH.read_text(encoding="utf-8")


def msk(*a: int) -> datetime:
    return datetime(*a, tzinfo=MSK)


def ladder(key: StepKey) -> list[tuple[timedelta, list[str]]]:
    return [(r.after, r.notify) for r in POLICY.step(key).escalation]


# ---------------------------------------------------------------------------- shipped policy


def test_policy_has_version_and_every_step() -> None:
    assert POLICY.version
    assert set(POLICY.steps) == set(StepKey)
    assert all(s.clock == Clock.working for s in POLICY.steps.values())
    assert all(s.title for s in POLICY.steps.values())


@pytest.mark.parametrize(
    ("key", "rule", "duration", "working_days", "before"),
    [
        (StepKey.routing, "P7", 2 * H, None, None),
        (StepKey.return_window, "P8", 30 * MIN, None, None),
        (StepKey.answer, "P9", 9 * H, None, None),
        (StepKey.intermediate, "P9", 4 * H, None, StepKey.answer),
        (StepKey.review, "P9", 2 * H, None, None),
        (StepKey.rework, "P9", H, None, None),
        (StepKey.publication, "P9", 30 * MIN, None, None),
        (StepKey.final_after_intermediate, "P10", None, 2, None),
        (StepKey.contribution, "P11", 2 * H, None, None),
    ],
)
def test_shipped_durations(key, rule, duration, working_days, before) -> None:
    s = POLICY.step(key)
    assert (s.key, s.rule, s.duration, s.working_days, s.before) == (
        key,
        rule,
        duration,
        working_days,
        before,
    )


POLICY_DEFAULT = SlaPolicy.default()


def test_shipped_escalation_ladders() -> None:
    assert ladder(StepKey.routing) == [(0 * H, ["tsur_duty"]), (H, ["tsur_head"]), (4 * H, ["leadership"])]
    assert ladder(StepKey.return_window) == []
    assert ladder(StepKey.answer) == [
        (0 * H, ["body_responsible"]),
        (H, ["tsur_head"]),
        (2 * H, ["leadership"]),
    ]
    assert ladder(StepKey.intermediate) == [(0 * H, ["body_executors", "body_responsible"])]  # a warning
    # P15: when ЦУР held the message, the answer's breach stays within ЦУР
    assert [(r.after, r.notify) for r in POLICY_DEFAULT.step(StepKey.answer).ladder("tsur")] == [
        (0 * H, ["tsur_duty"]), (H, ["tsur_head"])]
    assert POLICY_DEFAULT.step(StepKey.intermediate).warning
    assert ladder(StepKey.review) == [(0 * H, ["tsur_duty"]), (2 * H, ["tsur_head"])]
    assert ladder(StepKey.rework) == [(0 * H, ["body_responsible"]), (H, ["tsur_head"])]
    assert ladder(StepKey.publication) == [(0 * H, ["body_responsible"]), (H, ["tsur_head"])]
    assert ladder(StepKey.final_after_intermediate) == [
        (0 * H, ["body_responsible"]),
        (4 * H, ["tsur_head"]),
        (8 * H, ["leadership"]),  # one working day of working time
    ]
    assert ladder(StepKey.contribution) == [(0 * H, ["body_responsible"]), (2 * H, ["tsur_head"])]


def test_policy_round_trips_through_json() -> None:
    again = SlaPolicy.model_validate_json(POLICY.model_dump_json())
    assert again == POLICY
    assert SlaPolicy.model_validate(POLICY.model_dump()) == POLICY


# ---------------------------------------------------------------------------- deadlines


def test_p7_routing_due_two_working_hours() -> None:
    assert POLICY.due(CAL, StepKey.routing, msk(2025, 10, 31, 17, 0)) == msk(2025, 11, 1, 10, 0)


def test_p8_return_window_thirty_working_minutes() -> None:
    assert POLICY.due(CAL, "return_window", msk(2025, 6, 10, 12, 45)) == msk(2025, 6, 10, 14, 15)


def test_p9_answer_nine_working_hours_over_holidays() -> None:
    assert POLICY.due(CAL, StepKey.answer, msk(2025, 10, 31, 16, 30)) == msk(2025, 11, 5, 9, 30)


def test_p9_intermediate_due_four_hours_before_deadline() -> None:
    detected = msk(2025, 6, 9, 10, 0)
    answer = POLICY.due(CAL, StepKey.answer, detected)
    assert answer == msk(2025, 6, 10, 11, 0)
    assert POLICY.due(CAL, StepKey.intermediate, detected, anchor=answer) == msk(2025, 6, 9, 16, 0)
    with pytest.raises(ValueError, match="anchor"):
        POLICY.due(CAL, StepKey.intermediate, detected)


def test_p9_review_rework_publication() -> None:
    t = msk(2025, 3, 7, 15, 30)  # short day: closes at 17:00
    assert POLICY.due(CAL, StepKey.review, t) == msk(2025, 3, 10, 9, 30)
    assert POLICY.due(CAL, StepKey.rework, t) == msk(2025, 3, 7, 16, 30)
    assert POLICY.due(CAL, StepKey.publication, msk(2025, 3, 7, 16, 45)) == msk(2025, 3, 10, 9, 15)


def test_p10_final_two_working_days_after_intermediate() -> None:
    assert POLICY.due(CAL, StepKey.final_after_intermediate, msk(2025, 11, 21, 12, 0)) == msk(
        2025, 11, 26, 18, 0
    )


def test_p11_contribution_two_working_hours() -> None:
    assert POLICY.due(CAL, StepKey.contribution, msk(2025, 6, 10, 17, 0)) == msk(2025, 6, 11, 10, 0)


def test_calendar_clock_counts_every_minute() -> None:
    text = TEXT.replace(
        "title: Исполнитель может вернуть сообщение куратору как не относящееся к компетенции органа\n"
        "    clock: working",
        "title: Исполнитель может вернуть сообщение куратору как не относящееся к компетенции органа\n"
        "    clock: calendar",
    )
    policy = SlaPolicy.from_yaml(text)
    assert policy.step(StepKey.return_window).clock == Clock.calendar
    got = policy.due(CAL, StepKey.return_window, datetime(2025, 6, 10, 14, 45, tzinfo=UTC))  # 17:45 MSK
    assert got == msk(2025, 6, 10, 18, 15)
    assert got.tzinfo is MSK


def test_escalation_times_after_breach() -> None:
    deadline = POLICY.due(CAL, StepKey.answer, msk(2025, 10, 30, 17, 0))  # 1 h Thu + 8 h Fri: Fri 18:00
    assert deadline == msk(2025, 10, 31, 18, 0)
    fired = [(when, rung.notify) for when, rung in POLICY.escalations(CAL, StepKey.answer, deadline)]
    assert fired == [
        (msk(2025, 10, 31, 18, 0), ["body_responsible"]),  # at the breach itself
        (msk(2025, 11, 1, 10, 0), ["tsur_head"]),  # +1 wh: the working Saturday
        (msk(2025, 11, 1, 11, 0), ["leadership"]),
    ]


def test_unknown_step_lookup() -> None:
    with pytest.raises(KeyError, match="nope"):
        POLICY.step("nope")


# ---------------------------------------------------------------------------- loader errors


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_load_from_path(tmp_path: Path) -> None:
    p = tmp_path / "sla.yaml"
    p.write_text(TEXT.replace('version: "2"', 'version: "7"'), encoding="utf-8")
    assert SlaPolicy.load(p).version == "7"
    with pytest.raises(SlaConfigError, match="не удалось прочитать"):
        SlaPolicy.load(tmp_path / "missing.yaml")


def test_unknown_step_names_it_and_its_line() -> None:
    text = TEXT.replace("  contribution:", "  contributon:")
    with pytest.raises(SlaConfigError) as e:
        SlaPolicy.from_yaml(text, source="sla.yaml")
    msg = str(e.value)
    assert f"sla.yaml, строка {line_of(text, 'contributon:')}" in msg
    assert "неизвестный шаг «contributon»" in msg


@pytest.mark.parametrize(
    ("bad", "needle"),
    [("9x", "неизвестная единица"), ("9", "без единицы"), ("-9h", "отрицательна"), ("9 дней", "дни")],
)
def test_bad_duration_names_step_field_and_line(bad: str, needle: str) -> None:
    text = TEXT.replace("    duration: 9h\n", f"    duration: {bad}\n")
    with pytest.raises(SlaConfigError) as e:
        SlaPolicy.from_yaml(text, source="sla.yaml")
    msg = str(e.value)
    assert f"строка {line_of(text, f'duration: {bad}')}" in msg
    assert "шаг «answer», поле duration" in msg
    assert needle in msg


def test_zero_duration_rejected() -> None:
    with pytest.raises(SlaConfigError, match="больше нуля"):
        SlaPolicy.from_yaml(TEXT.replace("    duration: 9h\n", "    duration: 0m\n"))


def test_bad_audience_names_its_line() -> None:
    text = TEXT.replace("{after: 2h, notify: [leadership]}", "{after: 2h, notify: [leadershp]}")
    with pytest.raises(SlaConfigError) as e:
        SlaPolicy.from_yaml(text, source="sla.yaml")
    msg = str(e.value)
    assert "шаг «answer»" in msg and "leadershp" in msg
    assert f"строка {line_of(text, 'leadershp')}" in msg


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("{after: 1h, notify: [tsur_head]}\n      - {after: 2h", "{after: 3h, notify: [tsur_head]}\n      - {after: 2h", "по возрастанию"),
        ("{after: 1h, notify: [tsur_head]}\n      - {after: 2h", "{after: 1x, notify: [tsur_head]}\n      - {after: 2h", "after"),
        ("    before: answer\n", "    before: anwser\n", "before"),
        ("    before: answer\n", "    before: intermediate\n", "сам шаг"),
        ("    rule: P9\n    title: Ответ", "    rule: 9\n    title: Ответ", "rule"),
        ("    duration: 9h\n", "    duration: 9h\n    working_days: 2\n", "ровно одно"),
        ("    duration: 9h\n", "    duration: 9h\n    deadline: 3h\n", "deadline"),
        ("    clock: working\n    duration: 9h\n", "    clock: astronomical\n    duration: 9h\n", "clock"),
    ],
)  # fmt: skip
def test_step_errors_name_the_step(old: str, new: str, needle: str) -> None:
    assert old in TEXT
    with pytest.raises(SlaConfigError) as e:
        SlaPolicy.from_yaml(TEXT.replace(old, new, 1), source="sla.yaml")
    msg = str(e.value)
    assert "sla.yaml, строка " in msg
    assert needle in msg


def test_policy_level_errors() -> None:
    without_contribution = TEXT[: TEXT.index("  contribution:")] + TEXT[TEXT.index("  composition:"):]
    with pytest.raises(SlaConfigError, match="нет шагов: contribution"):
        SlaPolicy.from_yaml(without_contribution)
    with pytest.raises(SlaConfigError, match="version"):
        SlaPolicy.from_yaml(TEXT.replace('version: "2"\n', ""))
    with pytest.raises(SlaConfigError, match="ошибка YAML"):
        SlaPolicy.from_yaml("steps: [unclosed")
    with pytest.raises(SlaConfigError, match="неизвестное поле верхнего уровня «stpes»"):
        SlaPolicy.from_yaml(TEXT + "stpes: {}\n")
    # `before` pointing at a step that itself counts back
    chained = TEXT.replace(
        "    duration: 2h\n    holder: tsur\n    escalation:\n      - {after: 0, notify: [tsur_duty]}\n      - {after: 2h",
        "    duration: 2h\n    holder: tsur\n    before: intermediate\n    escalation:\n"
        "      - {after: 0, notify: [tsur_duty]}\n      - {after: 2h",
    )
    assert chained != TEXT
    with pytest.raises(SlaConfigError, match="сам отсчитывается назад"):
        SlaPolicy.from_yaml(chained)


def test_parse_measure() -> None:
    assert parse_measure("2wd") == (None, 2)
    assert parse_measure("2 рабочих дня") == (None, 2)
    assert parse_measure("1h30m") == (timedelta(hours=1, minutes=30), None)
    assert parse_measure("30мин") == (timedelta(minutes=30), None)
    with pytest.raises(ValueError):
        parse_measure(9)


def test_step_model_directly() -> None:
    s = SlaStep(key=StepKey.answer, rule="P9", title="Ответ", duration="9ч")
    assert s.duration == 9 * H and s.measure == "9 ч рабочего времени"
    assert (
        SlaStep(key=StepKey.final_after_intermediate, rule="P10", title="x", duration="2wd").measure
        == "2 рабочих дня"
    )
    with pytest.raises(ValueError):
        SlaStep(key=StepKey.answer, rule="P9", title="Ответ", working_days=2, clock=Clock.calendar)
