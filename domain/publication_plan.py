"""The publication schedule of official accounts (the Order, items 3, 4 and 7). Pure.

«Ведение аккаунтов … осуществляется на основании разрабатываемого ими графика выхода публикаций» (items 3, 4):
each account has planned publications — a time, a title and, when ЦУР supplies it («предоставляет информацию
для размещения», item 7), the material. ЦУР «анализирует содержание размещённых … сообщений на предмет их
полноты, своевременности»: the weekly check of the accounts (A8) reads the community's own posts anyway, and
judges each planned publication of the week against them —

* **published**: an own post of the community came out from the start of the day before the planned day
  (Moscow time) up to the check, and says what the plan said: at least ``MIN_OVERLAP`` of the plan's content
  words (by lemma, ``domain.lemmas``) are in it, or the plan's whole title is; each post answers one plan,
  the best-matching first. It is **late** when it came out more than ``grace`` after the planned time;
* **missed**: no such post by the check (a person may still confirm it with the post's link: published, late);
* **cancelled**: withdrawn by the body or ЦУР, with a reason; never judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from domain.lemmas import lemma, tokenize

MSK = ZoneInfo("Europe/Moscow")
MIN_OVERLAP = 0.5
GRACE = timedelta(hours=4)  # published within 4 hours of the planned time: on time
MIN_WORD = 3  # shorter words (prepositions, conjunctions) carry no content

STOP_LEMMAS = frozenset({
    "это", "этот", "который", "такой", "весь", "свой", "наш", "ваш", "они", "она", "оно", "его", "как", "так",
    "что", "чтобы", "для", "при", "над", "под", "про", "без", "или", "также", "тоже", "уже", "ещё", "еще",
    "быть", "мочь", "год", "день", "час", "минута",
})


class PlanStatus(StrEnum):
    planned = "planned"
    published = "published"
    missed = "missed"
    cancelled = "cancelled"


class PlanSource(StrEnum):
    body = "body"  # the body's own schedule (items 3, 4)
    tsur = "tsur"  # material ЦУР supplied for publication (item 7)


PLAN_STATUS_TITLES = {"planned": "запланирована", "published": "вышла", "missed": "не вышла",
                      "cancelled": "отменена"}
PLAN_SOURCE_TITLES = {"body": "график органа", "tsur": "материал ЦУР"}


@dataclass(frozen=True, slots=True)
class OwnPost:
    """One of the community's own publications, as the network shows it."""

    url: str
    published_at: datetime
    text: str


@dataclass(frozen=True, slots=True)
class PlanSlot:
    """What the check needs of a planned publication."""

    id: int
    planned_at: datetime
    title: str
    material: str = ""


@dataclass(frozen=True, slots=True)
class Verdict:
    id: int
    status: PlanStatus
    post: OwnPost | None = None
    late: bool = False


def content_lemmas(text: str) -> frozenset[str]:
    """The content words of a text, by their most likely lemma."""
    out = set()
    for t in tokenize(text):
        if len(t.text) < MIN_WORD or t.text.isdigit():
            continue
        lem = lemma(t.text)
        if lem not in STOP_LEMMAS:
            out.add(lem)
    return frozenset(out)


def overlap(plan: PlanSlot, post_lemmas: frozenset[str], post_text: str) -> float:
    """How much of the plan the post says: 1.0 when the whole title is in it, else the share of the plan's
    content lemmas (title and material) found among the post's."""
    title = " ".join(plan.title.lower().split())
    if title and title in " ".join(post_text.lower().split()):
        return 1.0
    wanted = content_lemmas(f"{plan.title} {plan.material}")
    return len(wanted & post_lemmas) / len(wanted) if wanted else 0.0


def is_late(planned_at: datetime, published_at: datetime, grace: timedelta = GRACE) -> bool:
    return published_at > planned_at + grace


def window_start(planned_at: datetime) -> datetime:
    """A planned publication counts from the start of the day before its day (Moscow time): a post put out a
    little early still fulfils the plan."""
    day = planned_at.astimezone(MSK).date() - timedelta(days=1)
    return datetime.combine(day, time(0), tzinfo=MSK)


def judge(plans: list[PlanSlot], posts: list[OwnPost], *, at: datetime,
          grace: timedelta = GRACE) -> list[Verdict]:
    """A verdict for each planned publication due before ``at``; later ones are not judged yet."""
    due = [p for p in plans if p.planned_at <= at]
    lemmas = [content_lemmas(post.text) for post in posts]
    pairs: list[tuple[float, int, int]] = []  # (score, plan index, post index)
    for i, plan in enumerate(due):
        start = window_start(plan.planned_at)
        for j, post in enumerate(posts):
            if not start <= post.published_at <= at:
                continue
            score = overlap(plan, lemmas[j], post.text)
            if score >= MIN_OVERLAP:
                pairs.append((score, i, j))
    taken_plans: dict[int, int] = {}
    taken_posts: set[int] = set()
    # Best match first; among equals the earlier plan and the earlier post.
    for _score, i, j in sorted(pairs, key=lambda x: (-x[0], due[x[1]].planned_at, posts[x[2]].published_at)):
        if i in taken_plans or j in taken_posts:
            continue
        taken_plans[i] = j
        taken_posts.add(j)
    verdicts = []
    for i, plan in enumerate(due):
        if i in taken_plans:
            post = posts[taken_plans[i]]
            verdicts.append(Verdict(plan.id, PlanStatus.published, post, is_late(plan.planned_at, post.published_at, grace)))
        else:
            verdicts.append(Verdict(plan.id, PlanStatus.missed))
    return verdicts


@dataclass(frozen=True, slots=True)
class PlanTally:
    """A schedule's outcome (cancelled items are not counted)."""

    planned: int = 0
    published: int = 0
    late: int = 0
    missed: int = 0


def tally(items: list[tuple[str, bool]]) -> PlanTally:
    """(status, late) of each item → the counts; a cancelled item is not part of the schedule."""
    kept = [(status, late) for status, late in items if status != PlanStatus.cancelled]
    return PlanTally(planned=len(kept), published=sum(1 for st, _ in kept if st == PlanStatus.published),
                     late=sum(1 for st, late in kept if st == PlanStatus.published and late),
                     missed=sum(1 for st, _ in kept if st == PlanStatus.missed))
