"""The SLA policy as data: every timed step of the Regulation (P7-P11) with its rule, duration, clock
and escalation ladder. Loaded from ``config/sla.yaml``, validated with pydantic; errors name the file,
the line, the step and the field. A workflow keeps the policy (and its ``version``) it started with."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from domain.notifications import AUDIENCE_TITLES
from domain.sla_yaml import LineMap, clean_message, explain
from domain.worktime import WorkCalendar
from domain.worktime_report import format_duration, parse_duration, plural

SLA_PATH = Path(__file__).resolve().parent.parent / "config" / "sla.yaml"

#: Who can be notified by an escalation rung.
AUDIENCES: dict[str, str] = dict(AUDIENCE_TITLES)


class SlaConfigError(ValueError):
    """A bad SLA policy file: the message names the file, the line, the step and the field."""


class Clock(StrEnum):
    working = "working"
    calendar = "calendar"


class StepKey(StrEnum):
    routing = "routing"
    return_window = "return_window"
    answer = "answer"
    intermediate = "intermediate"
    review = "review"
    rework = "rework"
    publication = "publication"
    final_after_intermediate = "final_after_intermediate"
    contribution = "contribution"
    composition = "composition"  # P11: the curator composes the joint answer from the parts
    reroute_final = "reroute_final"  # P10: a body a message is re-routed to after the promised date passed


class Holder(StrEnum):
    """Whose step it is: whose ladder a breach walks (P15: ЦУР's delays never reach a body)."""

    body = "body"
    tsur = "tsur"
    current = "current"  # whoever holds the message when the due passes (the 9-hour answer, P9)


#: The holder value a breach records for ЦУР (otherwise a body code).
TSUR = "tsur"


class EscalationRung(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    after: timedelta  # working time after the breach (0 = at breach)
    notify: list[str]  # audiences: "body_responsible", "tsur_duty", "tsur_head", "leadership"

    @field_validator("after", mode="before")
    @classmethod
    def _parse_after(cls, v: Any) -> Any:
        if isinstance(v, int) and not isinstance(v, bool) and v == 0:
            return timedelta(0)
        if isinstance(v, str) and not v.strip().startswith("P"):  # not an ISO 8601 duration
            return timedelta(0) if v.strip() == "0" else parse_duration(v)
        return v

    @field_validator("after")
    @classmethod
    def _non_negative(cls, v: timedelta) -> timedelta:
        if v < timedelta(0):
            raise ValueError("after не может быть отрицательным")
        return v

    @field_validator("notify")
    @classmethod
    def _known_audiences(cls, v: list[str]) -> list[str]:
        if not v:
            raise ValueError("notify: нужен хотя бы один адресат")
        unknown = [a for a in v if a not in AUDIENCES]
        if unknown:
            raise ValueError(f"notify: неизвестные адресаты {unknown}; допустимы: {', '.join(AUDIENCES)}")
        if len(set(v)) != len(v):
            raise ValueError("notify: адресаты повторяются")
        return v


_WD = re.compile(r"^\s*(\d+)\s*(wd|рд|раб\.?\s*дн[яейь]*|рабочих\s+дн[яей]*|рабочий\s+день)\s*$", re.I)


def parse_measure(value: Any) -> tuple[timedelta | None, int | None]:
    """A step's ``duration`` text: "2h", "30m", "1h30m", "9ч" -> (timedelta, None); "2wd", "2 рабочих дня"
    -> (None, 2). A bare number is rejected: "9" could mean hours or minutes."""
    if isinstance(value, bool) or isinstance(value, int | float):
        raise ValueError(f"длительность {value!r} без единицы; укажите, например, 2h, 30m или 2wd")
    if not isinstance(value, str):
        raise ValueError(f"длительность должна быть строкой вроде 2h, 30m, 2wd; получено {value!r}")
    m = _WD.match(value)
    if m:
        return None, int(m[1])
    return parse_duration(value), None


class SlaStep(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    key: StepKey
    rule: str  # "P7" ...
    title: str  # Russian
    clock: Clock = Clock.working
    duration: timedelta | None = None
    working_days: int | None = None  # exactly one of duration / working_days
    before: StepKey | None = None  # counts back from that step's deadline (intermediate = 4 wh before answer)
    holder: Holder = Holder.body
    # A warning, not an obligation: passing the due notifies ``escalation``'s first rung and is no breach
    # (P9: the intermediate answer is sent only «если требуется более длительное время»).
    warning: bool = False
    escalation: list[EscalationRung] = []
    escalation_tsur: list[EscalationRung] = []  # holder: current — the ladder when ЦУР held the message

    @model_validator(mode="before")
    @classmethod
    def _parse_duration_text(cls, data: Any) -> Any:
        """``duration: "2wd"`` -> working_days=2; ``duration: "2h"`` -> 2 hours."""
        if not isinstance(data, dict) or data.get("duration") is None:
            return data
        value = data["duration"]
        if isinstance(value, timedelta) or (isinstance(value, str) and value.strip().startswith("P")):
            return data  # a timedelta, or ISO 8601 (a policy serialised by pydantic)
        duration, days = parse_measure(value)
        data = dict(data)
        if days is not None:
            if data.get("working_days") is not None:
                raise ValueError("задайте либо duration, либо working_days")
            data["working_days"] = days
        data["duration"] = duration
        return data

    @field_validator("rule")
    @classmethod
    def _rule_ref(cls, v: str) -> str:
        if not re.fullmatch(r"[PA]\d{1,2}", v):
            raise ValueError(f"rule: ожидается ссылка на пункт, например P9; получено {v!r}")
        return v

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("title: пустое название")
        return v.strip()

    @model_validator(mode="after")
    def _one_measure(self) -> SlaStep:
        if (self.duration is None) == (self.working_days is None):
            raise ValueError(
                "нужно ровно одно из: duration (часы/минуты) или рабочие дни (2wd / working_days)"
            )
        if self.duration is not None and self.duration <= timedelta(0):
            raise ValueError("duration должна быть больше нуля")
        if self.working_days is not None:
            if self.working_days < 1:
                raise ValueError("число рабочих дней должно быть не меньше 1")
            if self.clock != Clock.working:
                raise ValueError("рабочие дни считаются только по рабочему календарю (clock: working)")
            if self.before is not None:
                raise ValueError("before (отсчёт назад) задаётся в часах/минутах, не в рабочих днях")
        if self.before == self.key:
            raise ValueError("before не может ссылаться на сам шаг")
        for ladder in (self.escalation, self.escalation_tsur):
            afters = [r.after for r in ladder]
            if afters != sorted(afters) or len(set(afters)) != len(afters):
                raise ValueError("escalation: ступени должны идти по возрастанию after, без повторов")
        if self.escalation_tsur and self.holder != Holder.current:
            raise ValueError("escalation_tsur задаётся только для шага с holder: current")
        return self

    def ladder(self, held_by: str | None) -> list[EscalationRung]:
        """The escalation ladder of a breach held by ``held_by`` (a body code or ``TSUR``)."""
        if self.holder == Holder.current and held_by == TSUR:
            return self.escalation_tsur
        return self.escalation

    @property
    def measure(self) -> str:
        """Russian: "2 ч рабочего времени", "2 рабочих дня", "30 мин календарного времени"."""
        if self.working_days is not None:
            n = self.working_days
            return f"{n} {plural(n, 'рабочий день', 'рабочих дня', 'рабочих дней')}"
        kind = "рабочего" if self.clock == Clock.working else "календарного"
        assert self.duration is not None
        return f"{format_duration(self.duration)} {kind} времени"


class PolicyOptions(BaseModel):
    """Settings of the process that are not deadlines of the Regulation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # P14 may still be decided on a closed message for this long (calendar time); then the workflow ends.
    p14_after_close: timedelta = timedelta(days=30)
    # P12: the same author on the same topic and location within this window is a likely repeat.
    repeat_window: timedelta = timedelta(days=30)
    # P12: route a likely repeat to the bodies that answered before without the curator (off: the curator routes).
    repeat_auto_route: bool = False

    @field_validator("p14_after_close", "repeat_window", mode="before")
    @classmethod
    def _parse(cls, v: Any) -> Any:
        if isinstance(v, str) and not v.strip().startswith("P"):
            text = v.strip()
            if text.endswith("d") and text[:-1].isdigit():
                return timedelta(days=int(text[:-1]))
            return parse_duration(text)
        return v


class SlaPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    steps: dict[StepKey, SlaStep]
    options: PolicyOptions = PolicyOptions()

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v

    @model_validator(mode="after")
    def _complete(self) -> SlaPolicy:
        if not self.version.strip():
            raise ValueError("version: пустая версия")
        for k, s in self.steps.items():
            if s.key != k:
                raise ValueError(f"шаг {k}: поле key = {s.key}")
        missing = [k.value for k in StepKey if k not in self.steps]
        if missing:
            raise ValueError(f"в политике нет шагов: {', '.join(missing)}")
        for k, s in self.steps.items():
            if s.before is not None:
                target = self.steps[s.before]
                if target.before is not None:
                    raise ValueError(f"шаг {k}: before → {s.before}, который сам отсчитывается назад")
        return self

    @classmethod
    def default(cls) -> SlaPolicy:
        """The shipped policy, ``config/sla.yaml``."""
        return _default_policy()

    @classmethod
    def load(cls, path: str | Path) -> SlaPolicy:
        """Load and validate a policy file; :class:`SlaConfigError` names the line, step and field."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise SlaConfigError(f"{path}: не удалось прочитать файл политики SLA: {e}") from e
        return cls.from_yaml(text, source=str(path))

    @classmethod
    def from_yaml(cls, text: str, *, source: str = "<sla>") -> SlaPolicy:
        try:
            root = yaml.compose(text)
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise SlaConfigError(f"{source}: ошибка YAML: {e}") from e
        lines = LineMap(root)
        if not isinstance(data, dict):
            raise SlaConfigError(f"{source}: ожидается словарь с полями version и steps")
        extra = set(data) - {"version", "steps", "options"}
        if extra:
            k = sorted(extra)[0]
            raise SlaConfigError(
                f"{source}, строка {lines.key((k,))}: неизвестное поле верхнего уровня «{k}»"
            )
        if "version" not in data:
            raise SlaConfigError(f"{source}: нет поля version")
        raw_steps = data.get("steps")
        if not isinstance(raw_steps, dict) or not raw_steps:
            raise SlaConfigError(
                f"{source}, строка {lines.key(('steps',))}: steps должен быть словарём шагов"
            )

        steps: dict[StepKey, SlaStep] = {}
        known = ", ".join(k.value for k in StepKey)
        for name, body in raw_steps.items():
            where = f"{source}, строка {lines.key(('steps', name))}"
            try:
                key = StepKey(str(name))
            except ValueError:
                raise SlaConfigError(f"{where}: неизвестный шаг «{name}»; известные: {known}") from None
            if not isinstance(body, dict):
                raise SlaConfigError(f"{where}: шаг «{name}» должен быть словарём полей")
            if "duration" in body:
                try:
                    parse_measure(body["duration"])
                except ValueError as e:
                    at = lines.key(("steps", name, "duration"))
                    raise SlaConfigError(f"{source}, строка {at}: шаг «{name}», поле duration: {e}") from None
            if "key" in body and body["key"] != name:
                raise SlaConfigError(
                    f"{where}: шаг «{name}»: поле key = {body['key']!r} не совпадает с именем"
                )
            try:
                steps[key] = SlaStep.model_validate({**body, "key": key.value})
            except (ValidationError, ValueError) as e:
                raise SlaConfigError(explain(e, source, lines, name)) from None
        try:
            options = PolicyOptions.model_validate(data.get("options") or {})
        except ValidationError as e:
            msgs = "; ".join(clean_message(err["msg"]) for err in e.errors())
            raise SlaConfigError(f"{source}, строка {lines.key(('options',))}: options: {msgs}") from None
        try:
            return cls(version=data["version"], steps=steps, options=options)
        except ValidationError as e:
            msgs = "; ".join(clean_message(err["msg"]) for err in e.errors())
            raise SlaConfigError(f"{source}: {msgs}") from None

    # ------------------------------------------------------------------ use

    def step(self, key: StepKey | str) -> SlaStep:
        try:
            return self.steps[StepKey(key)]
        except (ValueError, KeyError):
            raise KeyError(f"в политике SLA нет шага «{key}»") from None

    def due(
        self, cal: WorkCalendar, key: StepKey | str, start: datetime, *, anchor: datetime | None = None
    ) -> datetime:
        """The deadline of step ``key`` started at ``start``.

        working clock: ``cal.add(start, duration)``; calendar clock: ``start + duration``; working days:
        ``cal.add_working_days(start, n)``; ``before``: ``cal.subtract(anchor, duration)`` where ``anchor``
        is the deadline of the referenced step (required then).
        """
        s = self.step(key)
        if s.before is not None:
            if anchor is None:
                raise ValueError(
                    f"шаг «{s.key}» отсчитывается назад от срока шага «{s.before}»: передайте anchor"
                )
            assert s.duration is not None
            if s.clock == Clock.working:
                return cal.subtract(anchor, s.duration)
            return _calendar_shift(cal, anchor, -s.duration)
        if s.working_days is not None:
            return cal.add_working_days(start, s.working_days)
        assert s.duration is not None
        if s.clock == Clock.working:
            return cal.add(start, s.duration)
        return _calendar_shift(cal, start, s.duration)

    def escalations(
        self, cal: WorkCalendar, key: StepKey | str, deadline: datetime, held_by: str | None = None
    ) -> list[tuple[datetime, EscalationRung]]:
        """When each rung of step ``key`` fires, given its (breached) deadline: at the breach itself for
        ``after == 0``, else ``after`` of working time later. ``held_by`` picks the holder's ladder."""
        out = []
        for rung in self.step(key).ladder(held_by):
            when = cal.add(deadline, rung.after) if rung.after else deadline.astimezone(cal.zone)
            out.append((when, rung))
        return out


def _calendar_shift(cal: WorkCalendar, t: datetime, d: timedelta) -> datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"{t.isoformat()} без часового пояса; нужен datetime с tzinfo")
    return (t.astimezone(UTC) + d).astimezone(cal.zone)


@lru_cache(maxsize=1)
def _default_policy() -> SlaPolicy:
    return SlaPolicy.load(SLA_PATH)
