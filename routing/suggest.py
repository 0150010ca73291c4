"""The signs-of-need suggester: from a referrer's own account of what happened, the catalogue indicators that match it.

Place in the flow: the conversation asks "what has happened?" right after the immediate-danger check, passes the
free text here, and offers what comes back as one multi-select, never pre-ticked (intake/conversation). Pure: the
ranking is lexical (BM25 from `bm25s`, English Snowball stems from `PyStemmer`) over each indicator's catalogue
text plus the practitioners' words the council keeps in the rules file's `keywords:` section, so nothing is
downloaded and the same text always gives the same suggestions.

Multi-word keywords ("no food", "older boyfriend", "county lines") count as phrases as well as words: the phrase is
indexed as one extra term, so an account that says "no food" outranks one that merely mentions food. Level-1
(universal, "no concerns") indicators describe the absence of need; they are only suggested when the account uses
one of their own keywords, never on a stray shared word such as "diet".
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from routing.indicator import Indicator

if TYPE_CHECKING:
    from routing.ruleset import RuleSet

# Dropped as single words (bm25s's English list, pronouns, and words every referral has: "a 12 year old pupil").
# Phrases keep them: "no food", "under 13". Numbers alone are dropped too (ages, percentages, dates).
_STOPWORDS = frozenset(
    """a an and are as at be but by for if in into is it no not of on or such that the their then there these
    they this to was will with i we he she his her him them our my me you your has have had been were do did does
    so very also just than from when who which what about would could can get got
    year years old month months week weeks today yesterday child children kid kids pupil new""".split()  # noqa: SIM905  (a word list reads better as words)
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)*")
_PHRASE_JOIN = "_"
# BM25 parameters. Each indicator's terms are counted once (its keywords are many names for one sign, not prose
# that repeats a word), and b is softened for the same reason. Recall on the vignettes barely moves with either.
_K1 = 1.2
_B = 0.5
_stemmers = threading.local()  # a PyStemmer object is not safe to share between threads


@dataclass(frozen=True)
class Suggestion:
    """One proposed indicator: its id, its catalogue wording (shown as is) and how well it matched."""

    id: str
    text: str
    score: float


def words(text: str) -> list[str]:
    """The lower-cased words of `text`, apostrophes folded ("child's" -> "child", "don't" -> "dont")."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    out = []
    for word in _WORD.findall(text):
        if word.endswith("'s"):
            word = word[:-2]
        out.append(word.replace("'", ""))
    return out


def _stem(tokens: list[str]) -> list[str]:
    stemmer = getattr(_stemmers, "english", None)
    if stemmer is None:
        import Stemmer  # PyStemmer; imported here so loading the rules does not pay for it

        stemmer = _stemmers.english = Stemmer.Stemmer("english")
    return list(stemmer.stemWords(tokens))


def stems(text: str) -> list[str]:
    """Every word of `text` stemmed, stopwords kept (phrases need them: "no food")."""
    return _stem(words(text))


def terms(text: str) -> list[str]:
    """The single-word terms BM25 ranks on: stems of the words that are not stopwords."""
    return _stem([w for w in words(text) if w not in _STOPWORDS and not w.isdigit()])


MAX_KEYWORD_WORDS = 6


def keyword_problem(keyword: str) -> str | None:
    """Why `keyword` cannot work as a keyword, or None: it needs a word to match on and must stay short."""
    found = words(keyword)
    if not found:
        return "has no word in it to match on"
    if len(found) > MAX_KEYWORD_WORDS:
        return f"is {len(found)} words long; a keyword is a word or a short phrase (at most {MAX_KEYWORD_WORDS})"
    if len(found) == 1 and not terms(keyword):
        return "is too common a word to match on alone (write it in a phrase, e.g. 'no food')"
    return None


def phrase_term(stemmed: Sequence[str]) -> str:
    return _PHRASE_JOIN.join(stemmed)


@dataclass(frozen=True)
class _Index:
    indicators: tuple[Indicator, ...]
    retriever: Any  # bm25s.BM25
    phrases: frozenset[tuple[str, ...]]  # stemmed multi-word keywords, to find in a query
    phrase_lengths: tuple[int, ...]
    own_terms: tuple[frozenset[str], ...]  # per indicator: its keywords as whole terms (phrase or single stem)


def _keyword_terms(keywords: Iterable[str]) -> tuple[list[str], set[tuple[str, ...]], set[str]]:
    single: list[str] = []
    phrases: set[tuple[str, ...]] = set()
    whole: set[str] = set()
    for keyword in keywords:
        stemmed = stems(keyword)
        single.extend(terms(keyword))
        if len(stemmed) > 1:
            phrases.add(tuple(stemmed))
            whole.add(phrase_term(stemmed))
        elif stemmed:
            whole.add(stemmed[0])
    return single, phrases, whole


@functools.lru_cache(maxsize=8)
def _index(rules: RuleSet) -> _Index:
    """Built once per RuleSet (RuleSet hashes by identity, and is never changed after loading)."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    indicators = tuple(rules.indicators.values())
    keywords = getattr(rules, "keywords", {}) or {}
    corpus: list[list[str]] = []
    all_phrases: set[tuple[str, ...]] = set()
    own: list[frozenset[str]] = []
    for indicator in indicators:
        single, phrases, whole = _keyword_terms(keywords.get(indicator.id, ()))
        doc = terms(indicator.text) + single + [phrase_term(p) for p in sorted(phrases)]
        corpus.append(list(dict.fromkeys(doc)))
        all_phrases |= phrases
        own.append(frozenset(whole))
    retriever = bm25s.BM25(k1=_K1, b=_B)
    retriever.index(corpus, show_progress=False)
    return _Index(
        indicators=indicators,
        retriever=retriever,
        phrases=frozenset(all_phrases),
        phrase_lengths=tuple(sorted({len(p) for p in all_phrases})),
        own_terms=tuple(own),
    )


# An adult's age written next to a partner word ("a boyfriend who is 23", "her 19-year-old boyfriend", "seeing a man
# of 25") is what practitioners mean by an older boyfriend, the screening tools' age-gap risk: the account is read as
# also saying the rules file's "older boyfriend" keyword, so the exploitation signs that carry it are offered.
_PARTNER = r"(?:boy ?friend|girl ?friend|partner|fella|man|guy|bloke|lad)"
_ADULT_AGE = r"(?:1[89]|[2-9][0-9])"
_AGE_GAP = re.compile(
    rf"\b{_PARTNER}\b[^.;]{{0,25}}?\b{_ADULT_AGE}\b|\b{_ADULT_AGE}[- ]?(?:years?[- ]old|yo|yr old)?[- ]{_PARTNER}\b"
)
_AGE_GAP_PHRASE = ("older", "boyfriend")


def _query_terms(index: _Index, text: str) -> set[str]:
    stemmed = stems(text)
    found = set(terms(text))
    if _AGE_GAP.search(text.casefold()):
        phrase = tuple(_stem(list(_AGE_GAP_PHRASE)))
        if phrase in index.phrases:
            found.add(phrase_term(phrase))
    for n in index.phrase_lengths:
        for start in range(len(stemmed) - n + 1):
            window = tuple(stemmed[start : start + n])
            if window in index.phrases:
                found.add(phrase_term(window))
    return found


def _fits(indicator: Indicator, age_years: float | None, unborn: bool) -> bool:
    if unborn:
        return indicator.pre_birth
    if age_years is not None and set(indicator.categories) <= {"pre_birth"}:
        return False  # a child who is born: signs that only concern an unborn baby do not describe them
    return indicator.fits_age(age_years)


def suggest_indicators(
    rules: RuleSet, text: str, top: int = 10, *, age_years: float | None = None, unborn: bool = False
) -> list[Suggestion]:
    """The indicators that best match `text`, best first, at most `top`, only those that fit the child.

    An unborn baby gets only pre-birth indicators; otherwise the child's age filters as the category pages do
    (an unknown age hides nothing). Indicators that match nothing in the text are never returned.
    """
    if top <= 0 or not text.strip():
        return []
    return list(_ranked(rules, text, top, age_years, unborn))


# The conversation works its plan out several times a step, and the plan asks for the same account's suggestions
# each time: the last few answers are kept (in this process only; nothing is written anywhere).
@functools.lru_cache(maxsize=256)
def _ranked(rules: RuleSet, text: str, top: int, age_years: float | None, unborn: bool) -> tuple[Suggestion, ...]:
    index = _index(rules)
    query = _query_terms(index, text)
    ids = index.retriever.get_tokens_ids(sorted(query))
    if not ids:
        return ()
    scores = index.retriever.get_scores_from_ids(ids)
    ranked: list[Suggestion] = []
    for position, indicator in enumerate(index.indicators):
        score = float(scores[position])
        if score <= 0 or not _fits(indicator, age_years, unborn):
            continue
        if indicator.level == 1 and not (index.own_terms[position] & query):
            continue
        ranked.append(Suggestion(indicator.id, indicator.text, round(score, 3)))
    ranked.sort(key=lambda s: (-s.score, s.id))
    return tuple(ranked[:top])
