"""Russian tokens and lemmas for text screening: ``razdel`` tokens, ``pymorphy3`` normal forms.

A token keeps *every* normal form pymorphy3 offers for it (plus its own lowercase spelling), not just the
most likely one: place names such as «Чиколе» or «Гизели» are predicted, not in the dictionary, and the
right lemma is often the second guess. Matching a keyword means sharing a form with it.

The analyzer is built once per process, lazily (loading the dictionaries takes a moment); pymorphy3's
dictionaries ship as the ``pymorphy3-dicts-ru`` package, so nothing is downloaded at run time.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pymorphy3

_MORPH: pymorphy3.MorphAnalyzer | None = None
_MORPH_LOCK = threading.Lock()

# Common abbreviations in citizens' posts, read as the words they stand for.
ABBREVIATIONS: dict[str, str] = {
    "р-н": "район", "р-на": "район", "р-не": "район", "ул": "улица", "пр": "проспект", "пр-т": "проспект",
    "пер": "переулок", "мкр": "микрорайон", "мкрн": "микрорайон", "ст": "станица", "г": "город",
}

_WORD = re.compile(r"[а-яё]|[a-z]", re.IGNORECASE)


def morph() -> pymorphy3.MorphAnalyzer:
    """The process-wide analyzer, created on first use."""
    global _MORPH
    if _MORPH is None:
        with _MORPH_LOCK:  # activities may screen from several threads at once
            if _MORPH is None:
                import pymorphy3

                _MORPH = pymorphy3.MorphAnalyzer()
    return _MORPH


def normalize(word: str) -> str:
    return word.lower().replace("ё", "е")


@dataclass(frozen=True, slots=True)
class Parse:
    """What screening needs of one pymorphy3 parse."""

    normal_form: str
    grammemes: frozenset[str]


@lru_cache(maxsize=200_000)
def parses(word: str) -> tuple[Parse, ...]:
    """All parses of a lowercase word (cached: posts repeat the same few thousand words)."""
    return tuple(Parse(normalize(p.normal_form), frozenset(p.tag.grammemes)) for p in morph().parse(word))


@lru_cache(maxsize=200_000)
def forms(word: str) -> frozenset[str]:
    """Every normal form of a lowercase word, and the word itself."""
    word = normalize(word)
    if word in ABBREVIATIONS:
        return frozenset({ABBREVIATIONS[word], word})
    if not _WORD.search(word):
        return frozenset({word})
    return frozenset({word, *_likely(word)})


MIN_SHARE = 0.06  # a normal form this unlikely is dropped: «дороги» is not «дорогой»


def _likely(word: str) -> list[str]:
    share: dict[str, float] = {}
    for p in morph().parse(word):
        nf = normalize(p.normal_form)
        share[nf] = share.get(nf, 0.0) + p.score
    total = sum(share.values()) or 1.0
    return [nf for nf, s in share.items() if s / total >= MIN_SHARE]


def lemma(word: str) -> str:
    """The most likely normal form (what a keyword list is written in)."""
    word = normalize(word)
    if word in ABBREVIATIONS:
        return ABBREVIATIONS[word]
    found = parses(word) if _WORD.search(word) else ()
    return found[0].normal_form if found else word


@dataclass(frozen=True, slots=True)
class Token:
    text: str  # as written
    forms: frozenset[str]
    start: int  # offset in the text


def tokenize(text: str) -> list[Token]:
    """Word tokens of ``text`` (punctuation dropped), each with its forms."""
    from razdel import tokenize as razdel_tokenize

    out: list[Token] = []
    for t in razdel_tokenize(text):
        if not _WORD.search(t.text) and not t.text.isdigit():
            continue
        out.append(Token(t.text, forms(t.text.lower()), t.start))
    return out
