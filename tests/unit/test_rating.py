"""A11–A12, the formula (pure): criteria → points → score (one decimal, half up) → zone with the decree's
bounds; the minimum-data rule (ЦУР-held delays: tests/unit/test_rating_sql.py);
four green quarters in a row → nominated; the formula file's errors name the line."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.rating import (
    BodyFacts,
    Criterion,
    Quarter,
    RatingConfig,
    RatingConfigError,
    Tally,
    Zone,
    nominated,
    rate,
    round_score,
    zone_of,
)

CFG = RatingConfig.load()


def facts(n: int = 10, **tallies: tuple[int, int]) -> BodyFacts:
    return BodyFacts(body="minzdrav", messages=n,
                     tallies={Criterion(k): Tally(good=g, total=t) for k, (g, t) in tallies.items()})


@pytest.mark.parametrize(("score", "zone"), [
    (5.0, Zone.green), (4.0, Zone.green), (3.95, Zone.green), (3.949, Zone.yellow), (3.9, Zone.yellow),
    (3.0, Zone.yellow), (2.95, Zone.yellow), (2.949, Zone.red), (2.9, Zone.red), (0.0, Zone.red),
])
def test_a11_zone_bounds_on_both_sides(score: float, zone: Zone) -> None:
    assert zone_of(score) == zone


def test_a11_score_rounds_to_one_decimal_half_up() -> None:
    assert round_score(3.95) == 4.0
    assert round_score(3.94) == 3.9
    assert round_score(2.95) == 3.0
    assert round_score(2.05) == 2.1  # not banker's rounding (2.0)


def test_a11_weighted_mean_of_points_per_criterion() -> None:
    r = rate(CFG, facts(timeliness=(9, 10), returns=(8, 10), quality=(8, 10), final_answer=(1, 2),
                        escalations=(9, 10)))
    pts = {k: c.points for k, c in r.criteria.items()}
    assert pts == {"timeliness": 4.5, "returns": 3.5, "quality": 3.5, "final_answer": 2.0, "escalations": 2.0,
                   "accounts": None}  # no account weeks checked: left out of the mean
    assert r.score == 3.5 and r.zone == Zone.yellow  # (4.5·3 + 3.5 + 3.5·2 + 2 + 2) / 8


def test_a11_a_criterion_without_cases_is_left_out_of_the_mean() -> None:
    r = rate(CFG, facts(timeliness=(10, 10), returns=(10, 10), escalations=(10, 10)))
    assert r.criteria["quality"].points is None and r.criteria["final_answer"].share is None
    assert r.score == 5.0 and r.zone == Zone.green


def test_a11_too_few_messages_gives_no_score_not_a_zone() -> None:
    assert CFG.min_messages == 5
    r = rate(CFG, facts(n=4, timeliness=(0, 4), returns=(0, 4), escalations=(0, 4)))
    assert r.score is None and r.zone is None and r.insufficient
    assert rate(CFG, facts(n=5, timeliness=(0, 5), returns=(0, 5), escalations=(0, 5))).zone == Zone.red


def test_a11_the_scale_takes_the_first_row_whose_share_is_reached() -> None:
    c = CFG.criteria[Criterion.timeliness]
    assert [c.points(x) for x in (1.0, 0.95, 0.9499, 0.7, 0.69, 0.0)] == [5, 5, 4.5, 3, 2.5, 0]


def test_a12_four_green_quarters_in_a_row_are_nominated() -> None:
    assert nominated(["green", "green", "green", "green"])
    assert nominated([Zone.red, Zone.green, Zone.green, Zone.green, Zone.green])  # the last four count


def test_a12_three_greens_then_yellow_is_not() -> None:
    assert not nominated(["green", "green", "green", "yellow"])
    assert not nominated(["green", "green", "green"])


def test_a12_a_quarter_without_score_breaks_the_run() -> None:
    assert not nominated(["green", None, "green", "green"])


def test_a11_quarters_have_moscow_bounds() -> None:
    q = Quarter.parse("2026-Q3")
    assert str(q) == "2026-Q3" and q.title == "III квартал 2026 г."
    assert q.start() == datetime(2026, 6, 30, 21, 0, tzinfo=UTC)
    assert q.end() == datetime(2026, 9, 30, 21, 0, tzinfo=UTC)
    assert Quarter.of(datetime(2026, 9, 30, 21, 30, tzinfo=UTC)) == Quarter(2026, 4)  # 00:30 on 1 Oct, Moscow
    assert Quarter.parse("2026-Q1").previous() == Quarter(2025, 4)
    assert [str(x) for x in q.last(4)] == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]


@pytest.mark.parametrize("bad", ["2026-Q5", "2026Q3", "Q3-2026", "", "2026-q3 ", "1999-Q1"])
def test_a11_a_bad_quarter_is_refused_in_russian(bad: str) -> None:
    with pytest.raises(ValueError, match="указан неверно"):
        Quarter.parse(bad)


def test_a11_formula_file_errors_name_the_line_and_field() -> None:
    text = """version: "1"
min_messages: 5
criteria:
  timeliness:
    title: Своевременность
    weight: -1
    scale: [{share: 0, points: 5}]
"""
    with pytest.raises(RatingConfigError, match=r"строка 6: поле criteria\.timeliness\.weight"):
        RatingConfig.from_yaml(text, "rating.yaml")
    with pytest.raises(RatingConfigError, match="от большей доли к меньшей"):
        RatingConfig.from_yaml(text.replace("-1", "1").replace("[{share: 0, points: 5}]",
                                                               "[{share: 0, points: 1}, {share: 0.5, points: 5}]"))
    with pytest.raises(RatingConfigError, match=r"criteria\.speed"):
        RatingConfig.from_yaml(text.replace("timeliness", "speed").replace("-1", "1"))
