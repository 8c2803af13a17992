"""The quarterly rating of bodies and organisations (Order, items 11–13): pure rules, no I/O, no clock.

* :class:`Quarter` — ``2026-Q3``: its bounds in Moscow time, the previous one, the one a moment falls in.
* :class:`RatingConfig` — the formula, loaded from ``config/rating.yaml`` (:meth:`RatingConfig.from_yaml`
  takes the text, :meth:`RatingConfig.load` a path); errors name the file, the line and the field.
* :func:`rate` — a body's facts for a quarter (per criterion: good cases out of all) → points per criterion
  → weighted score, rounded to one decimal (half up: 3.95 → 4.0) → zone (A11: 4.0–5.0 green, 3.0–3.9
  yellow, 0–2.9 red). Fewer messages than ``min_messages`` → no score («недостаточно данных»).
* :func:`nominated` — A12: green for four quarters in a row (12 months) → put forward for incentives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from domain.bounds import echoable
from domain.sla_yaml import LineMap, clean_message

RATING_PATH = Path(__file__).resolve().parent.parent / "config" / "rating.yaml"
MSK = ZoneInfo("Europe/Moscow")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


class RatingConfigError(ValueError):
    """A bad rating formula file: the message names the file, the line and the field."""


class Zone(StrEnum):
    green = "green"
    yellow = "yellow"
    red = "red"


ZONE_TITLES: dict[str, str] = {"green": "зелёная", "yellow": "жёлтая", "red": "красная"}


class Criterion(StrEnum):
    timeliness = "timeliness"      # P9: answered without a breach held by the body
    returns = "returns"            # P8: no wrongful or late return to the curator
    quality = "quality"            # P7, P9: drafts approved without rework
    final_answer = "final_answer"  # P10: final answer after an intermediate one in time
    escalations = "escalations"    # P15: no breach of the body reaching leadership
    accounts = "accounts"          # A8: weeks its official accounts published at least 3 times


# ---------------------------------------------------------------------------------------------- quarters


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    q: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        m = _QUARTER.match(text.strip()) if isinstance(text, str) else None
        if not m or not 2000 <= int(m[1]) <= 2100:
            raise ValueError(f"Квартал «{echoable(text)}» указан неверно: нужен вид ГГГГ-QN, например 2026-Q3")
        return cls(int(m[1]), int(m[2]))

    @classmethod
    def of(cls, t: datetime) -> Quarter:
        """The quarter a moment falls in, by Moscow time."""
        local = (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(MSK)
        return cls(local.year, (local.month - 1) // 3 + 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.q}"

    @property
    def title(self) -> str:
        return f"{['I', 'II', 'III', 'IV'][self.q - 1]} квартал {self.year} г."

    def start(self) -> datetime:
        """The first moment of the quarter (00:00 Moscow time), in UTC."""
        return datetime(self.year, 3 * self.q - 2, 1, tzinfo=MSK).astimezone(UTC)

    def end(self) -> datetime:
        """The first moment after the quarter, in UTC."""
        return self.next().start()

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.q == 4 else Quarter(self.year, self.q + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.q == 1 else Quarter(self.year, self.q - 1)

    def last(self, n: int) -> list[Quarter]:
        """This quarter and the ``n - 1`` before it, oldest first."""
        out = [self]
        while len(out) < n:
            out.insert(0, out[0].previous())
        return out


# ---------------------------------------------------------------------------------------------- the formula


class ScaleStep(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    share: float = Field(ge=0, le=1)  # the lowest share that earns ``points``
    points: float = Field(ge=0, le=5)


class CriterionConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    title: str = Field(min_length=3)
    weight: float = Field(ge=0)
    scale: list[ScaleStep]

    @field_validator("scale")
    @classmethod
    def _scale(cls, v: list[ScaleStep]) -> list[ScaleStep]:
        if not v:
            raise ValueError("шкала не может быть пустой")
        shares = [s.share for s in v]
        if shares != sorted(shares, reverse=True) or len(set(shares)) != len(shares):
            raise ValueError("строки шкалы должны идти от большей доли к меньшей, без повторов")
        if shares[-1] != 0:
            raise ValueError("последняя строка шкалы должна начинаться с доли 0")
        return v

    def points(self, share: float) -> float:
        return next(s.points for s in self.scale if share >= s.share)


class RatingConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str
    min_messages: int = Field(ge=1)
    rated_kinds: list[str] = Field(default_factory=lambda: ["executive", "subordinate", "administration"])
    default_scale: list[ScaleStep] | None = None
    criteria: dict[Criterion, CriterionConfig]

    @model_validator(mode="after")
    def _weights(self) -> RatingConfig:
        if not self.criteria:
            raise ValueError("нужен хотя бы один критерий")
        if sum(c.weight for c in self.criteria.values()) <= 0:
            raise ValueError("сумма весов критериев должна быть больше нуля")
        return self

    @classmethod
    def from_yaml(cls, text: str, source: str = "config/rating.yaml") -> RatingConfig:
        try:
            node = yaml.compose(text)
            raw = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise RatingConfigError(f"{source}: файл не разобран как YAML: {e}") from e
        if not isinstance(raw, dict):
            raise RatingConfigError(f"{source}: ожидается словарь с ключами version, min_messages, criteria")
        try:
            return cls.model_validate(raw)
        except ValidationError as e:
            lines = LineMap(node)
            parts = []
            for err in e.errors():
                loc = tuple(err["loc"])
                field = ".".join(str(x) for x in loc)
                parts.append(f"строка {lines.key(loc)}: {'поле ' + field + ': ' if field else ''}"
                             f"{clean_message(err['msg'])}")
            raise RatingConfigError(f"{source}: " + "; ".join(parts)) from e

    @classmethod
    def load(cls, path: Path | str = RATING_PATH) -> RatingConfig:
        p = Path(path)
        return cls.from_yaml(p.read_text(encoding="utf-8"), str(p))

    def describe(self) -> list[dict[str, Any]]:
        """The formula as rows people read (the XLSX «Формула» sheet, the README)."""
        return [{"key": k.value, "title": c.title, "weight": c.weight,
                 "scale": [(s.share, s.points) for s in c.scale]} for k, c in self.criteria.items()]


# ---------------------------------------------------------------------------------------------- rating a body


class Tally(BaseModel):
    """One criterion's facts: ``good`` cases out of ``total`` (e.g. messages answered in time)."""

    model_config = ConfigDict(frozen=True)

    good: int = Field(ge=0)
    total: int = Field(ge=0)

    @model_validator(mode="after")
    def _le(self) -> Tally:
        if self.good > self.total:
            raise ValueError("good > total")
        return self


class BodyFacts(BaseModel):
    """What the read model says of one body in one quarter."""

    body: str
    messages: int = Field(ge=0)
    tallies: dict[Criterion, Tally] = Field(default_factory=dict)


class CriterionResult(BaseModel):
    good: int
    total: int
    share: float | None  # None: no case this quarter (the criterion is left out of the mean)
    points: float | None


class BodyResult(BaseModel):
    body: str
    messages: int
    score: float | None  # None: «недостаточно данных»
    zone: Zone | None
    criteria: dict[str, CriterionResult]

    @property
    def insufficient(self) -> bool:
        return self.score is None


def round_score(x: float) -> float:
    """One decimal, half up (3.95 → 4.0, 2.95 → 3.0): the decree's bounds are in tenths."""
    return float(Decimal(repr(x)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def zone_of(score: float) -> Zone:
    """A11 on the rounded score: 4.0–5.0 green, 3.0–3.9 yellow, 0–2.9 red."""
    s = round_score(score)
    if s >= 4.0:
        return Zone.green
    if s >= 3.0:
        return Zone.yellow
    return Zone.red


def rate(cfg: RatingConfig, facts: BodyFacts) -> BodyResult:
    criteria: dict[str, CriterionResult] = {}
    weighted = weights = 0.0
    for key, c in cfg.criteria.items():
        t = facts.tallies.get(key, Tally(good=0, total=0))
        if t.total == 0:
            criteria[key.value] = CriterionResult(good=0, total=0, share=None, points=None)
            continue
        share = t.good / t.total
        pts = c.points(share)
        criteria[key.value] = CriterionResult(good=t.good, total=t.total, share=round(share, 4), points=pts)
        weighted += pts * c.weight
        weights += c.weight
    if facts.messages < cfg.min_messages or weights == 0:
        return BodyResult(body=facts.body, messages=facts.messages, score=None, zone=None, criteria=criteria)
    score = round_score(weighted / weights)
    return BodyResult(body=facts.body, messages=facts.messages, score=score, zone=zone_of(score), criteria=criteria)


# ---------------------------------------------------------------------------------------------- A12

STREAK = 4  # 12 months = four quarters


def nominated(zones: list[Zone | str | None]) -> bool:
    """A12: the last four quarters' zones (oldest first) are all green. A quarter with no score
    («недостаточно данных», or not rated) breaks the run: the decree asks for 12 months in the green zone."""
    return len(zones) >= STREAK and all(z == Zone.green for z in zones[-STREAK:])


class RatingTask(BaseModel):
    """The ``rate_quarter`` activity's input: the quarter and the workflow's time."""

    quarter: str
    at: datetime


class RatingRun(BaseModel):
    """What one run of ``RatingWorkflow`` did."""

    quarter: str
    bodies: int
    rated: int
    published: bool
    notified: int = 0
