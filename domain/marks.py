"""First marks for P14 content: obscene language (masked forms too), insults, threats.

A mark is a hint for the curator, who decides «не подлежит обработке и ответу» or «противоправный
контент» (P14); it never closes anything by itself. Pure; words come in as ``domain.lemmas`` tokens.

Obscenity is looked for in the raw text, not in razdel tokens, because people mask it: «х*й», «бл@ть»
(a mask stands for one or two letters), Latin look-alikes («пиздeц» with a Latin e, «xyй»), digits («3» for
«з»), spaced or dotted letters («х у й», «е.б.а.т.ь»).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from domain.lemmas import Token, normalize, parses

OBSCENE, INSULT, THREAT = "obscene", "insult", "threat"
MARK_TITLES: dict[str, str] = {
    OBSCENE: "нецензурная брань",
    INSULT: "оскорбление",
    THREAT: "угроза должностному лицу или его близким",
}
MARK_ORDER = (OBSCENE, INSULT, THREAT)

# --- obscenity --------------------------------------------------------------------------------

_LOOKALIKE = str.maketrans({
    "a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "y": "у", "x": "х", "k": "к", "m": "м", "t": "т",
    "h": "н", "u": "и", "n": "п", "3": "з", "0": "о", "6": "б", "9": "я", "4": "ч", "ё": "е",
})
_MASK = "?"
_MASK_CHARS = re.compile(r"[*#%$@_]|[a-z]")  # what is left after the look-alikes: a masked letter
_CHUNK = re.compile(r"[^\s,.;:?!()\[\]\"«»—–\-/\\|+=<>~^&]+")
_CYRILLIC = re.compile(r"[а-яё]")

_PREFIX = r"(?:на|по|от|за|вы|до|при|у|о|об|под|пере|ни|рас|раз|недо|с)?"
_ROOTS = [re.compile(p) for p in (
    rf"^{_PREFIX}ху[йяеиюё]",
    r"пизд|пезд",
    r"^(?:за|на|по|вы|у|от|до|при|раз|рас|съ|подъ|въ|взъ|объ|долбо|пере|недо|из|изъ)?[её]б(?:[аулиныоцшт]|$)",
    r"^бля",
    r"^муд(?:ак|ач|ил|озв|оеб)",
    r"^пид[оа]р",
    r"^залуп",
    r"^манд(?:а|ы|у|е|ой)$|^мандав",
    r"^гандон",
    r"^шлюх",
    r"^сук(?:а|и|у|ой)$|^сучар|^сучь",
    r"^(?:на|по)?хер(?:а|ом|ня|ов|ово|овый)?$",
)]
# Concrete forms a masked word is compared with («х**» -> «хуй»).
_FORMS = (
    "хуй хуя хую хуе хуем хуи хуйня хуйло хуило нахуй похуй охуеть охуели охуел хуево хуевый "
    "пизда пизды пизде пизду пиздец пиздеж пиздят пиздить пиздюк ебать ебал ебали ебаный ебаные ебанутый "
    "заебал заебали заебись уебок уебище долбоеб блять блядь бля бляди блядство блядский сука суки суку "
    "сучка мудак мудаки мудила пидор пидорас пидарас гандон нахер похер хер херня"
).split()
# Obscene words that name a person: an insult as well.
_PERSONAL = re.compile(r"^(?:хуйло|хуило|муда[кч]|мудил|пид[оа]р|гандон|уеб|долбо[её]б|еблан|сучар|шлюх)")
# Beginnings of common words the roots would catch.
_NOT_OBSCENE = ("хлеба", "бляха", "бляш", "употребл", "мандарин", "мандат", "сукн", "херсон", "ебол", "мудр",
                "оскорбл", "страху")


def _normal_chunk(chunk: str) -> str | None:
    """Lowercase, look-alikes mapped, masked letters as ``?``; None for a word in Latin only."""
    low = chunk.lower()
    if not _CYRILLIC.search(low) and not any(c in low for c in "*@#"):
        return None
    mapped = low.translate(_LOOKALIKE)
    return _MASK_CHARS.sub(_MASK, mapped)


def _words(text: str) -> list[tuple[str, str]]:
    """(normalised word, as written), spaced single letters («х у й») joined into one word."""
    chunks = _CHUNK.findall(text.replace("\n", " "))
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(chunks):
        j = i
        while j < len(chunks) and len(chunks[j]) == 1:
            j += 1
        if j - i >= 3:
            joined = "".join(chunks[i:j])
            for cand in (joined, joined[1:]):
                norm = _normal_chunk(cand)
                if norm:
                    out.append((norm, " ".join(chunks[i:j])))
            i = j
            continue
        norm = _normal_chunk(chunks[i])
        if norm:
            out.append((norm, chunks[i]))
        i += 1
    return out


def _masked_match(word: str) -> str | None:
    visible = sum(1 for c in word if c != _MASK)
    if visible < 1 or (word[0] == _MASK and visible < 2):
        return None
    pattern = re.sub(r"\?+", lambda m: f"[а-я]{{1,{len(m.group()) + 1}}}", re.escape(word).replace(r"\?", "?"))
    rx = re.compile(pattern)
    return next((f for f in _FORMS if rx.fullmatch(f)), None)


def _obscene(word: str) -> str | None:
    """The obscene word ``word`` is (or masks), else None."""
    if _MASK in word:
        return _masked_match(word)
    if word.startswith(_NOT_OBSCENE):
        return None
    return word if any(r.search(word) for r in _ROOTS) else None


# --- insults and threats ----------------------------------------------------------------------

_INSULTS = frozenset("""
дебил идиот урод уродина тварь козел скотина мразь быдло кретин ублюдок чмо сволочь гнида падла паскуда
придурок дегенерат дурак дура ничтожество подонок негодяй бездарь бездарность шваль олигофрен недоумок
тупица упырь мерзавец гадина ворюга кровопийца сволота убийца дебильный тупорылый
""".split())
_THREAT_VERBS = frozenset("""
убить убивать пристрелить застрелить зарезать прирезать прибить удавить задушить придушить сжечь спалить
поджечь взорвать подорвать закопать урыть замочить грохнуть порешить расстрелять расстреливать покалечить
избить отомстить перерезать линчевать растерзать повесить вешать
""".split())
_NEEDS_TARGET = frozenset({"повесить", "вешать", "прибить", "спалить", "сжечь", "поджечь", "взорвать"})
_MODALS = frozenset({"надо", "нужно", "пора", "следовать", "стоить", "должный", "хотеться", "бы"})
_TARGETS = frozenset("""
глава мэр министр чиновник депутат губернатор директор начальник администрация власть руководство
руководитель семья ребенок дети жена муж он она они его ее их тебя вас всех такой этот
""".split())
_REMEMBER = frozenset({"знать", "помнить", "найти", "выяснить", "узнать"})
_PHRASES = (("мало", "не", "показаться"), ("кровь", "умыться"), ("ноги", "переломать"),
            ("голова", "оторвать"), ("из-под", "земля", "достать"))


def _lemma_sets(tokens: Sequence[Token]) -> list[frozenset[str]]:
    return [t.forms for t in tokens]


def _threat(tokens: Sequence[Token]) -> list[str]:
    lemmas = _lemma_sets(tokens)
    everything = frozenset().union(*lemmas) if lemmas else frozenset()
    has_target = bool(everything & _TARGETS)
    has_modal = bool(everything & _MODALS)
    found: list[str] = []
    for i, tok in enumerate(tokens):
        for p in parses(normalize(tok.text)):
            if p.normal_form not in _THREAT_VERBS:
                continue
            g = p.grammemes
            first_person = "1per" in g and ("futr" in g or "pres" in g)
            imperative = "impr" in g
            infinitive = "INFN" in g and has_modal
            if (first_person or imperative or infinitive) and (has_target or (
                    first_person and p.normal_form not in _NEEDS_TARGET)):
                found.append(tok.text)
                break
        forms = lemmas[i]
        if "пожалеть" in forms and any("futr" in p.grammemes and "1per" not in p.grammemes
                                       for p in parses(normalize(tok.text))):
            found.append(tok.text)
        if "где" in forms and any("жить" in lemmas[k] for k in range(i + 1, min(i + 3, len(tokens)))):
            if any(lemmas[k] & _REMEMBER for k in range(max(0, i - 3), i)):
                found.append(" ".join(t.text for t in tokens[max(0, i - 3):i + 3]))
        for phrase in _PHRASES:
            n = len(phrase)
            if i + n <= len(tokens) and all(phrase[k] in lemmas[i + k] for k in range(n)):
                found.append(" ".join(t.text for t in tokens[i:i + n]))
    return list(dict.fromkeys(found))


def detect_marks(text: str, tokens: Sequence[Token]) -> tuple[list[str], list[str]]:
    """(marks in MARK_ORDER, the words they rest on) for a text and its tokens."""
    marks: set[str] = set()
    words: list[str] = []
    for norm, written in _words(text):
        hit = _obscene(norm)
        if hit:
            marks.add(OBSCENE)
            words.append(written)
            if _PERSONAL.search(hit):
                marks.add(INSULT)
    for tok in tokens:
        if tok.forms & _INSULTS:
            marks.add(INSULT)
            words.append(tok.text)
    threats = _threat(tokens)
    if threats:
        marks.add(THREAT)
        words += threats
    return [m for m in MARK_ORDER if m in marks], list(dict.fromkeys(words))
