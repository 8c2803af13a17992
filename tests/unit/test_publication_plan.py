"""The publication schedule's verdicts (the Order, items 3, 4, 7; ``domain.publication_plan``): what counts as a
planned publication having come out, on time or late — both sides of every bound."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.publication_plan import GRACE, MSK, OwnPost, PlanSlot, PlanStatus, content_lemmas, judge, overlap

PLANNED = datetime(2026, 11, 25, 11, 0, tzinfo=MSK)  # Wednesday 11:00
AT = datetime(2026, 11, 30, 8, 0, tzinfo=MSK)  # Monday's check
FLU = PlanSlot(1, PLANNED, "Прививочная кампания против гриппа")


def post(at: datetime, text: str = "Стартовала прививочная кампания против гриппа", n: int = 1) -> OwnPost:
    return OwnPost(f"https://vk.com/wall-1_{n}", at, text)


def test_a_post_saying_what_the_plan_said_fulfils_it_in_other_word_forms() -> None:
    [v] = judge([FLU], [post(PLANNED, "Прививочную кампанию против гриппа начали все поликлиники")], at=AT)
    assert (v.status, v.late) == (PlanStatus.published, False)
    [v] = judge([FLU], [post(PLANNED, "Открыт приём документов в вузы")], at=AT)
    assert v.status == PlanStatus.missed and v.post is None


def test_half_of_the_plans_content_words_is_enough_less_is_not() -> None:
    plan = PlanSlot(1, PLANNED, "Ремонт дороги Владикавказ Беслан")  # ремонт, дорога, владикавказ, беслан
    assert content_lemmas(plan.title) == {"ремонт", "дорога", "владикавказ", "беслан"}
    assert overlap(plan, content_lemmas("Ремонт дороги завершён"), "Ремонт дороги завершён") == 0.5
    assert judge([plan], [post(PLANNED, "Ремонт дороги завершён")], at=AT)[0].status == PlanStatus.published
    assert judge([plan], [post(PLANNED, "Ремонт завершён")], at=AT)[0].status == PlanStatus.missed


def test_late_is_more_than_four_hours_after_the_planned_time() -> None:
    assert GRACE == timedelta(hours=4)
    [v] = judge([FLU], [post(PLANNED + GRACE)], at=AT)
    assert (v.status, v.late) == (PlanStatus.published, False)
    [v] = judge([FLU], [post(PLANNED + GRACE + timedelta(minutes=1))], at=AT)
    assert (v.status, v.late) == (PlanStatus.published, True)


def test_a_post_counts_from_the_start_of_the_day_before_the_planned_day_up_to_the_check() -> None:
    day_before = datetime(2026, 11, 24, 0, 0, tzinfo=MSK)
    assert judge([FLU], [post(day_before)], at=AT)[0].status == PlanStatus.published
    assert judge([FLU], [post(day_before - timedelta(seconds=1))], at=AT)[0].status == PlanStatus.missed
    assert judge([FLU], [post(AT)], at=AT)[0].status == PlanStatus.published
    assert judge([FLU], [post(AT + timedelta(seconds=1))], at=AT)[0].status == PlanStatus.missed


def test_one_post_answers_one_plan_the_best_matching_first_and_later_plans_wait() -> None:
    schools = PlanSlot(1, PLANNED, "Прививочная кампания в школах")  # 2 of its 3 content words: 0.67
    exact = PlanSlot(2, PLANNED + timedelta(hours=1), "Прививочная кампания против гриппа")  # its title: 1.0
    later = PlanSlot(3, AT + timedelta(hours=1), "Прививочная кампания против гриппа")
    verdicts = {v.id: v for v in judge([schools, exact, later], [post(PLANNED)], at=AT)}
    assert set(verdicts) == {1, 2}  # the plan due after the check is not judged yet
    assert verdicts[2].status == PlanStatus.published and verdicts[1].status == PlanStatus.missed
    # Equally good: the earlier plan takes the earlier post.
    two = judge([FLU, exact], [post(PLANNED, n=1), post(PLANNED + timedelta(hours=1), n=2)], at=AT)
    assert {v.id: v.post.url for v in two if v.post} == {1: "https://vk.com/wall-1_1", 2: "https://vk.com/wall-1_2"}


def test_a_schedules_tally_leaves_out_the_cancelled_and_counts_late_among_the_published() -> None:
    from domain.publication_plan import PlanTally, tally

    items = [("published", False), ("published", True), ("missed", False), ("cancelled", True), ("planned", False)]
    assert tally(items) == PlanTally(planned=4, published=2, late=1, missed=1)
    assert tally([]) == PlanTally()
