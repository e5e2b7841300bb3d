"""Sample size from the abstract: "n = 24", "Twenty-four patients", "120 were randomized".

The counted nouns ("participants", "veterans", "exposures") come from the taxonomy's `counted`
cue; the number is read from the few words before them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from harvest.tagging.context import Doc
from harvest.tagging.roles import Roles

UNITS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
    "sixteen seventeen eighteen nineteen"
).split()
TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
WORD_VALUES = {w: i for i, w in enumerate(UNITS, 1)} | {w: 20 + 10 * i for i, w in enumerate(TENS)}
DIGITS = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d{1,6})$")
NOT_MODIFIERS = {
    "groups", "group", "weeks", "days", "months", "years", "doses", "sessions", "infusions",
    "times", "studies", "trials", "arms", "sites", "centers", "centres", "of", "per", "hours",
    "rcts", "articles", "visits", "cohorts", "and", "or", "with", "to", "in", "the", "vs",
    "than", "from", "at", "for", "on", "by", "mg", "kg", "min", "minutes", "%",
}  # fmt: skip
ENROLLED = re.compile(
    r"\s+(?:who |that )?(?:were|was|had been) (?:randomi[sz]ed|enrolled|included|recruited|"
    r"allocated|assigned|treated|analy[sz]ed|studied|evaluated|identified)"
)
SCREENED = re.compile(
    r"\s+(?:were |who were )?(?:screened|assessed for eligibility|approached|invited|contacted)"
)
UPPER_N = re.compile(r"N\s*=\s*(\d{1,3}(?:,\d{3})+|\d{1,6})(?![\d.])")
LOWER_N = re.compile(r"n\s*=\s*(\d{1,3}(?:,\d{3})+|\d{1,6})(?![\d.])(?!\s*(?:per|/|in each))")
COUNTED_ROLES = {"methods", "results", "body", "objective", "conclusions"}
LOOK_BACK = 60


@lru_cache(maxsize=8192)
def number_value(text: str) -> int | None:
    """'24', '1,024', 'twenty-four', 'one hundred and twelve' -> int."""
    text = text.strip().lower()
    if DIGITS.match(text):
        return int(text.replace(",", ""))
    total = 0
    for word in text.replace("-", " ").split():
        if word == "and":
            continue
        if word == "hundred":
            if not total:
                return None  # "several hundred patients" states no number
            total *= 100
        elif word in WORD_VALUES:
            total += WORD_VALUES[word]
        else:
            return None
    return total or None


NUMBERISH = re.compile(r"\d|\b(?:" + "|".join(UNITS + TENS) + r")\b")
# NUMBERISH.search(text) in two faster steps: a digit, or a whole word that is a number word
DIGIT = re.compile(r"\d")
WORD = re.compile(r"\w+")
NUMBER_WORDS = frozenset(UNITS + TENS)


# every ASCII character that WORD does not match becomes a space: an ASCII text's split() is
# then WORD.findall(text), without a match object per word (a full table: no lookup fails)
NOT_WORD = {c: chr(c) if WORD.match(chr(c)) else " " for c in range(128)}


def _numberish(text: str) -> bool:
    """Whether NUMBERISH finds a digit or a number word in `text`."""
    if DIGIT.search(text) is not None:
        return True
    words = text.translate(NOT_WORD).split() if text.isascii() else WORD.findall(text)
    return not NUMBER_WORDS.isdisjoint(words)


def _number_before(window: str) -> int | None:
    """The count up to three modifier words before a counted noun ("24 adult patients")."""
    if not _numberish(window):
        return None  # most mentions of "patients" carry no number: skip the word-by-word look
    words = [w.strip("(").rstrip(",") for w in window.split()]
    for k in range(1, min(len(words), 4) + 1):
        last = len(words) - k
        value = None
        for first in range(last, max(-1, last - 4), -1):  # "one hundred and twelve"
            value = number_value(" ".join(words[first : last + 1])) or value
        if value:
            return value
        if not words[last].replace("-", "").isalpha() or words[last] in NOT_MODIFIERS:
            return None
    return None


def _counts(doc: Doc) -> tuple[list[int], list[int]]:
    """(counts followed by 'were randomized/enrolled', all other counts) in text order."""
    if doc.counts is None:
        doc.counts = _find_counts(doc)
    return doc.counts


def _find_counts(doc: Doc) -> tuple[list[int], list[int]]:
    enrolled, others = [], []
    lower = doc.lower
    for hit in doc.cues.get("counted", ()):
        sentence = doc.sentence_of(hit)
        if sentence.source != "abstract" or sentence.role not in COUNTED_ROLES:
            continue
        start = max(sentence.start, hit.start - LOOK_BACK)
        found = _number_before(lower[start : hit.start])
        if not found or found >= 1_000_000 or SCREENED.match(lower, hit.end):
            continue
        (enrolled if ENROLLED.match(lower, hit.end) else others).append(found)
    return enrolled, others


def _counted_text(doc: Doc) -> str:
    """The abstract sentences that describe the study, one per line."""
    return "\n".join(
        doc.text[s.start : s.end]
        for s in doc.sentences
        if s.source == "abstract" and s.role in COUNTED_ROLES
    )


def states_participants(doc: Doc) -> bool:
    """Whether the abstract counts its own participants ("56 injured accident victims")."""
    enrolled, others = _counts(doc)
    if enrolled or others:
        return True
    text = _counted_text(doc)
    return bool(UPPER_N.search(text) or LOWER_N.search(text))


def extract_sample_size(doc: Doc, design: str, roles: Roles) -> int | None:
    """The number of participants the abstract states, else None (1 for a single case)."""
    if design in roles.no_sample_size_designs:
        return None
    enrolled, counts = _counts(doc)
    if enrolled:
        return enrolled[0]
    counts = list(counts)
    original = _counted_text(doc)
    counts += [number_value(n) for n in UPPER_N.findall(original)]
    if counts:
        # The largest stated group: "179 of 233 participants" -> 233.
        return max(counts)
    for sentence in original.split("\n"):
        values = [number_value(v) for v in LOWER_N.findall(sentence)]
        if values:
            return sum(values) if len(values) > 1 else values[0]
    if design == roles.single_case_design and doc.has_abstract:
        return 1
    return None
