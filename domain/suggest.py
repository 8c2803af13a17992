"""Suggestions for triage (P7): a candidate's likely topic group / topic and location, from its text.

Pure: reads only the shipped keyword lists (``config/suggest/topics.yaml``, ``config/suggest/locations.yaml``)
and, for the default set of known codes and routing rules, the seed registry (``config/seed/``). The
curator sees the suggestion, the words it rests on and the routing rule it leads to, and confirms or
changes it when taking the candidate — nothing here decides.

Matching: the text is split into ``razdel`` tokens, each carrying all its ``pymorphy3`` normal forms
(``domain.lemmas``); keyword entries are lemmatised the same way when the lists are loaded, so every case
form of a name matches («в Моздоке», «Моздокского района»). Phrases match greedily, longest first.
Location names unknown to the dictionary also match by a close spelling (same stem, an ending of at most
two letters). A place named as a destination («едем во Владикавказ», «автобус до Беслана») counts a
third: district posts often name the capital as where people must go.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field

from domain.lemmas import Token, forms, normalize, parses, tokenize
from domain.marks import MARK_TITLES, detect_marks

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"
TOPICS_PATH = CONFIG_DIR / "suggest" / "topics.yaml"
LOCATIONS_PATH = CONFIG_DIR / "suggest" / "locations.yaml"
SEED_PATH = CONFIG_DIR / "seed" / "north-ossetia.yaml"

REPUBLIC = "republic"  # counted only when no city or district is named
GROUP_WEIGHT, TOPIC_WEIGHT = 1.0, 2.0
NAME_WEIGHT, STREET_WEIGHT = 3.0, 1.0
DESTINATION_FACTOR = 1 / 3
_DESTINATION_PREPS = frozenset({"в", "во", "на"})
_TOWARDS_PREPS = frozenset({"до", "к", "ко"})


class Screening(BaseModel):
    """What screening suggests for one text. Codes are registry codes; ``None`` when nothing matched."""

    model_config = ConfigDict(frozen=True)

    topic_group: str | None = None
    topic: str | None = None
    topic_score: float = 0.0
    topic_words: list[str] = Field(default_factory=list, description="Words of the text the topic rests on")
    location: str | None = None
    location_score: float = 0.0
    location_words: list[str] = Field(default_factory=list)
    body: str | None = Field(default=None, description="Body the routing rules give for topic + location")
    marks: list[str] = Field(default_factory=list, description="P14 marks: obscene / insult / threat")
    mark_words: list[str] = Field(default_factory=list)

    @property
    def mark_titles(self) -> list[str]:
        return [MARK_TITLES[m] for m in self.marks]


# --- lexicon ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    words: tuple[frozenset[str], ...]  # forms of each word of the phrase
    target: str  # topic / group / location code; "" for an ignore phrase
    group: str  # topic group code (topics lexicon), "" otherwise
    weight: float
    text: str


@dataclass(frozen=True)
class Lexicon:
    topic_index: dict[str, list[Entry]]
    location_index: dict[str, list[Entry]]
    fuzzy_names: dict[str, list[tuple[str, str, float]]]  # stem[:3] -> (name, location, weight)
    defaults: dict[str, str | None]  # group -> default topic


def _entry(raw: Any, target: str, group: str, weight: float, where: str) -> Entry:
    if isinstance(raw, dict) and len(raw) == 1:
        (text, w), = raw.items()
        weight = float(w)
    elif isinstance(raw, str | int):
        text = str(raw)
    else:
        raise ValueError(f"{where}: запись должна быть строкой или {{фраза: вес}}, а не {raw!r}")
    words = tuple(forms(normalize(w)) for w in str(text).split())
    if not words:
        raise ValueError(f"{where}: пустая запись")
    return Entry(words, target, group, weight, str(text))


def _is_absence(e: Entry) -> bool:
    return len(e.words) == 2 and "нет" in e.words[0] and e.text.split()[0].lower() == "нет"


def _reversed(e: Entry) -> Entry:
    """«нет газа» also as «газа нет»."""
    return Entry((e.words[1], e.words[0]), e.target, e.group, e.weight, " ".join(reversed(e.text.split())))


def _index(entries: Iterable[Entry]) -> dict[str, list[Entry]]:
    index: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        for f in e.words[0]:
            index[f].append(e)
    return dict(index)


def _read(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{path}: ожидался словарь YAML")
    return data


@dataclass(frozen=True)
class KnownCodes:
    """The registry's codes; keyword lists for other codes are skipped, never an error."""

    groups: frozenset[str]
    topics: frozenset[str]
    locations: frozenset[str]


@lru_cache(maxsize=1)
def seed_codes() -> KnownCodes:
    """Codes of the shipped seed registry."""
    seed = _read(SEED_PATH)
    groups = seed.get("topic_groups") or []
    return KnownCodes(
        groups=frozenset(g["code"] for g in groups),
        topics=frozenset(t["code"] for g in groups for t in g.get("topics") or []),
        locations=frozenset(loc["code"] for loc in seed.get("locations") or []),
    )


@lru_cache(maxsize=8)
def load_lexicon(known: KnownCodes | None = None, topics_path: Path = TOPICS_PATH,
                 locations_path: Path = LOCATIONS_PATH) -> Lexicon:
    """The keyword lists, lemmatised and indexed, restricted to ``known`` codes (default: the seed)."""
    known = known or seed_codes()
    topic_entries: list[Entry] = []
    defaults: dict[str, str | None] = {}
    for group, spec in (_read(topics_path).get("groups") or {}).items():
        if group not in known.groups or not isinstance(spec, dict):
            continue
        where = f"{topics_path}: {group}"
        topic_entries += [_entry(w, group, group, GROUP_WEIGHT, where) for w in spec.get("words") or []]
        kept = [t for t in (spec.get("topics") or {}) if t in known.topics]
        for topic in kept:
            topic_entries += [_entry(w, topic, group, TOPIC_WEIGHT, f"{where}.{topic}")
                              for w in spec["topics"][topic] or []]
        topic_entries += [_reversed(e) for e in topic_entries if _is_absence(e)]
        default = spec.get("default")
        defaults[group] = default if default in kept else (kept[0] if kept else None)
    loc_data = _read(locations_path)
    loc_entries: list[Entry] = []
    fuzzy: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    for code, spec in (loc_data.get("locations") or {}).items():
        if code not in known.locations or not isinstance(spec, dict):
            continue
        for key, weight in (("names", NAME_WEIGHT), ("streets", STREET_WEIGHT)):
            for raw in spec.get(key) or []:
                e = _entry(raw, code, "", weight, f"{locations_path}: {code}.{key}")
                loc_entries.append(e)
                name = normalize(e.text)
                if key == "names" and " " not in name and len(name) >= 5:
                    fuzzy[name[:3]].append((name, code, weight))
    loc_entries += [_entry(w, "", "", 0.0, f"{locations_path}: ignore") for w in loc_data.get("ignore") or []]
    return Lexicon(_index(topic_entries), _index(loc_entries), dict(fuzzy), defaults)


# --- matching ---------------------------------------------------------------------------------


def _match_at(tokens: Sequence[Token], i: int, index: dict[str, list[Entry]]) -> tuple[int, list[Entry]]:
    """The longest entries matching at ``tokens[i]``: (length, entries of that length)."""
    best_len, best = 0, []
    seen: set[int] = set()
    for f in tokens[i].forms:
        for e in index.get(f, ()):
            if id(e) in seen:
                continue
            seen.add(id(e))
            n = len(e.words)
            if n < best_len or i + n > len(tokens):
                continue
            if all(tokens[i + k].forms & e.words[k] for k in range(1, n)):
                if n > best_len:
                    best_len, best = n, [e]
                else:
                    best.append(e)
    return best_len, best


_VOWELS = frozenset("аяоеёьйыиую")
_ENDINGS = frozenset({"", "а", "я", "у", "ю", "е", "ом", "ем", "ой", "ей", "ы", "и", "ого", "ому", "ым", "ах"})


def _fuzzy(token: Token, fuzzy: dict[str, list[tuple[str, str, float]]]) -> tuple[str, float] | None:
    """A place name pymorphy3 does not know, in a case form: the name's stem plus a case ending."""
    word = normalize(token.text)
    for name, code, weight in fuzzy.get(word[:3], ()):
        stem = name[:-1] if name[-1] in _VOWELS else name
        if word.startswith(stem) and word[len(stem):] in _ENDINGS:
            return code, weight
    return None


def _is_destination(tokens: Sequence[Token], i: int) -> bool:
    if i == 0:
        return False
    prev = normalize(tokens[i - 1].text)
    if prev in _TOWARDS_PREPS:
        return True
    if prev not in _DESTINATION_PREPS:
        return False
    grams = [p.grammemes for p in parses(normalize(tokens[i].text))]
    return any("accs" in g for g in grams) and not any("loct" in g or "loc2" in g for g in grams)


@dataclass
class _Tally:
    score: float = 0.0
    first: int = 10**9
    words: list[str] | None = None

    def add(self, weight: float, pos: int, text: str) -> None:
        self.score += weight
        self.first = min(self.first, pos)
        self.words = [*(self.words or []), text]


def _best(tallies: dict[str, _Tally]) -> tuple[str, _Tally] | None:
    scored = [(code, t) for code, t in tallies.items() if t.score > 0]
    if not scored:
        return None
    return max(scored, key=lambda ct: (ct[1].score, -ct[1].first, ct[0]))


def _span(tokens: Sequence[Token], i: int, n: int) -> str:
    return " ".join(t.text for t in tokens[i:i + n])


def suggest_location(tokens: Sequence[Token], lex: Lexicon,
                     used: set[int] | None = None) -> tuple[str | None, float, list[str]]:
    """Best location; the indexes of tokens that name places are added to ``used``."""
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    used = set() if used is None else used
    i = 0
    while i < len(tokens):
        n, entries = _match_at(tokens, i, lex.location_index)
        hits: list[tuple[str, float]] = [(e.target, e.weight) for e in entries if e.target]
        if not n:
            found = _fuzzy(tokens[i], lex.fuzzy_names)
            n, hits = (1, [found]) if found else (0, [])
        if n:
            factor = DESTINATION_FACTOR if _is_destination(tokens, i) else 1.0
            for code in {c for c, _ in hits}:
                weight = max(w for c, w in hits if c == code)
                tallies[code].add(weight * factor, i, _span(tokens, i, n))
            used.update(range(i, i + n))
            i += n
        else:
            i += 1
    local = {c: t for c, t in tallies.items() if c != REPUBLIC}
    best = _best(local) or _best({c: t for c, t in tallies.items() if c == REPUBLIC})
    if best is None:
        return None, 0.0, []
    code, tally = best
    return code, tally.score, tally.words or []


def suggest_topic(tokens: Sequence[Token], lex: Lexicon,
                  skip: set[int] | None = None) -> tuple[str | None, str | None, float, list[str]]:
    """Best topic group and topic; tokens in ``skip`` (place names: «Пригородный район») never count."""
    groups: dict[str, _Tally] = defaultdict(_Tally)
    topics: dict[str, dict[str, _Tally]] = defaultdict(lambda: defaultdict(_Tally))
    skip = skip or set()
    i = 0
    while i < len(tokens):
        n, entries = (0, []) if i in skip else _match_at(tokens, i, lex.topic_index)
        if n and any(k in skip for k in range(i, i + n)):
            n = 0
        if not n:
            i += 1
            continue
        span = _span(tokens, i, n)
        for e in entries:
            groups[e.group].add(e.weight, i, span)
            if e.target != e.group:
                topics[e.group][e.target].add(e.weight, i, span)
        i += n
    best = _best(groups)
    if best is None:
        return None, None, 0.0, []
    group, tally = best
    top = _best(topics[group])
    topic = top[0] if top else lex.defaults.get(group)
    return group, topic, tally.score, list(dict.fromkeys(tally.words or []))


# --- routing ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RouteRule:
    """One routing rule as data: topic [+ location] -> body (models.registry.RoutingRule by codes)."""

    topic: str
    body: str
    location: str | None = None
    priority: int = 100
    body_active: bool = True


def route_body(topic: str | None, location: str | None, rules: Iterable[RouteRule]) -> str | None:
    """The body the rules give, as ``GET /routing-rules/suggest`` orders them: rules for the location win
    over the topic's general rules; then the lower priority, then the body code; inactive bodies never."""
    if topic is None:
        return None
    usable = [r for r in rules if r.topic == topic and r.body_active]
    local = [r for r in usable if location is not None and r.location == location]
    chosen = local or [r for r in usable if r.location is None]
    if not chosen:
        return None
    return min(chosen, key=lambda r: (r.priority, r.body)).body


@lru_cache(maxsize=1)
def seed_rules() -> tuple[RouteRule, ...]:
    """The routing rules of the shipped seed registry."""
    out: list[RouteRule] = []
    for rule in _read(SEED_PATH).get("routing_rules") or []:
        for topic in rule.get("topics") or []:
            out.append(RouteRule(topic=topic, body=rule["body"], location=rule.get("location"),
                                 priority=int(rule.get("priority", 100))))
    return tuple(out)


# --- the entry point --------------------------------------------------------------------------


def screen_candidate(text: str, rules: Iterable[RouteRule] | None = None,
                     known: KnownCodes | None = None) -> Screening:
    """Suggested topic, location and body, and P14 marks, for a candidate's text.

    ``rules`` / ``known`` default to the seed registry; the intake passes the live registry's
    (``models.screening.apply_screening``)."""
    lex = load_lexicon(known)
    tokens = tokenize(text or "")
    places: set[int] = set()
    location, l_score, l_words = suggest_location(tokens, lex, places)
    group, topic, t_score, t_words = suggest_topic(tokens, lex, places)
    marks, mark_words = detect_marks(text or "", tokens)
    body = route_body(topic, location, seed_rules() if rules is None else rules)
    return Screening(topic_group=group, topic=topic, topic_score=t_score, topic_words=t_words,
                     location=location, location_score=l_score, location_words=l_words, body=body,
                     marks=marks, mark_words=mark_words)
