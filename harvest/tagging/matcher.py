"""The text matcher: an Aho-Corasick automaton (pyahocorasick) for the taxonomy's phrases plus
regular expressions for its patterns.

Built once by harvest.tagging.taxonomy from taxonomy.yml; `Matcher.find` runs once per record.
A phrase is a sequence of tokens (letters and digits); any run of other characters separates
tokens, so "post-traumatic stress" matches "post traumatic  stress". Sentences are separated by
"\\n" in the text; no phrase or pattern match ever spans a sentence end.
harvest.tagging.reference.ReferenceMatcher is the slow, obviously right version of the same
contract, used by the tests as an oracle.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import NamedTuple

import ahocorasick

from harvest.tagging.literals import DIGIT, literal_parts

TOKEN = re.compile(r"[^\W_]+")
# every character but letters, digits and the sentence end "\n" becomes a space (a table for
# bytes.translate, much faster than str.translate on the ASCII text most records have)
ASCII_SEPARATORS = bytes(
    c if c > 127 or chr(c).isalnum() or chr(c) == "\n" else ord(" ") for c in range(256)
)
SEPARATOR = re.compile(r"[^\w\n]|_")
ASCII_TOKEN = re.compile(r"[a-z0-9]+")
ENDS = (" ", "\n")  # what can stand either side of a phrase in the joined token string


class Hit(NamedTuple):
    """A match in a text: facet ("cue" for context cues), tag or cue name, span, kind."""

    facet: str
    name: str
    start: int
    end: int
    kind: str = "term"


class Phrase(NamedTuple):
    """One phrase of the taxonomy: lower-case tokens, case-sensitive tokens (or None), target."""

    tokens: tuple[str, ...]
    case: tuple[str, ...] | None
    facet: str
    name: str
    kind: str
    negative: bool  # a `not` phrase: blocks hits of the same tag that it overlaps


class Pattern(NamedTuple):
    """One regular expression of the taxonomy, matched against the lower-cased text."""

    regex: re.Pattern
    anchor: str  # fixed text every match contains: texts without it are skipped
    boundary: bool  # the match must not start inside a word
    facet: str
    name: str
    kind: str
    negative: bool


_START = itemgetter(2)  # Hit.start
_END = itemgetter(3)
MIN_ANCHOR = 3  # shorter anchors are looked for one by one
SPACES = re.compile(" +")


_new = tuple.__new__  # Hit(...) without the Python-level __new__


class Tokens(NamedTuple):
    """A lower-cased text as the phrase automaton reads it (see tokens_of)."""

    joined: str
    runs: list[int]
    shifts: list[int]


def tokens_of(lower: str) -> Tokens:
    """The tokens of `lower` joined by one " " within a sentence and one "\\n" between
    sentences, with a "\\n" at both ends, and how to find their positions in `lower`.

    Every run of separators (all but letters and digits) in "\\n" + lower + "\\n" shrinks to
    one character, "\\n" if the run holds a sentence end. `runs` holds where in `joined` a run
    shrank, `shifts[i]` how far text positions lie from `joined` positions after i such runs.
    A record's text is made into tokens once, for the main matcher and every on-demand cue.
    """
    if lower.isascii():
        norm = lower.encode().translate(ASCII_SEPARATORS).decode()
    else:
        norm = SEPARATOR.sub(" ", lower)
    padded = "\n" + norm + "\n"
    flat = padded.replace("\n", " ")  # where the runs are
    pieces, runs, shifts = [], [], [-1]  # -1: `joined` starts one character before the text
    removed, done, find, spaces, newline = -1, 0, flat.find, SPACES.match, padded.find
    i = find("  ")
    while i >= 0:  # one-character runs stay as they are
        end = i + 2  # most runs are ", " or ". "
        if flat[end : end + 1] == " ":
            end = spaces(flat, i).end()
        pieces.append(padded[done:i])
        pieces.append("\n" if newline("\n", i, end) >= 0 else " ")
        done = end
        runs.append(i - removed - 1)
        removed += end - i - 1
        shifts.append(removed)
        i = find("  ", end)
    pieces.append(padded[done:])
    return Tokens("".join(pieces), runs, shifts)


def drop_blocked(hits: list[Hit], blocks: list[Hit]) -> list[Hit]:
    """Hits minus those overlapping a block of the same tag, deduplicated, in text order."""
    return unblocked(list(dict.fromkeys(hits)), blocks)


def unblocked(hits: list[Hit], blocks: list[Hit]) -> list[Hit]:
    """Distinct `hits` minus those overlapping a block of the same tag, in text order."""
    if blocks:
        spans: dict[tuple, list] = {}
        for b in blocks:
            spans.setdefault((b[0], b[1]), []).append((b[2], b[3]))
        hits = [
            h for h in hits
            if (h[0], h[1]) not in spans
            or not any(h[2] < e and s < h[3] for s, e in spans[h[0], h[1]])
        ]  # fmt: skip
    out = sorted(hits, key=_END, reverse=True)  # stable: longer first ...
    out.sort(key=_START)  # ... at each start
    return out


@dataclass(frozen=True)
class Matcher:
    """Phrases through one Aho-Corasick automaton over the record's tokens, plus regexes."""

    phrases: tuple[Phrase, ...]
    patterns: tuple[Pattern, ...]
    # the phrases' token strings, and the patterns' anchors as the tokens show them: a pattern
    # is tried only when the automaton saw its anchor (anchor_keys)
    automaton: ahocorasick.Automaton = field(init=False, repr=False, compare=False)
    # per pattern: sets of texts every match holds one of (its other fixed texts, and the
    # alternatives its parse tree shows, literals): a text without any of a set skips
    # it too ("chart review" or "record review" ... for a pattern of anchor " review")
    plans: tuple[tuple[Pattern, tuple[tuple[str, ...], ...]], ...] = field(
        init=False, repr=False, compare=False
    )
    # anchor -> the numbers of the plans with that anchor, so that a record looks only at the
    # few patterns whose anchor it holds; and the anchors too short for the automaton
    by_anchor: dict[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)
    short: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        grouped: dict[tuple, list] = {}
        for p in self.phrases:
            grouped.setdefault(p.tokens, []).append(p)
        # key -> (back, width, positive, extra): the phrase starts `back` characters before
        # the automaton's end position (None: the key is an anchor only) and is `width`
        # characters long in the text if it is one token (0: mapped from its end); `positive`
        # holds the (facet, name, kind) of its case-insensitive phrases; `extra` is None for
        # most keys, else (blocks, case checks, anchors), so that the common hit checks once
        values: dict[str, tuple] = {}
        for tokens, members in grouped.items():
            checks: dict = {}
            for p in members:
                hits, blocks = checks.setdefault(p.case, ([], []))
                target = blocks if p.negative else hits
                if (p.facet, p.name, p.kind) not in target:
                    target.append((p.facet, p.name, p.kind))
            hits, blocks = checks.pop(None, ((), ()))
            cased = tuple((case, tuple(h), tuple(b)) for case, (h, b) in checks.items())
            body = " ".join(tokens)
            width = len(body) if len(tokens) == 1 else 0
            extra = (tuple(blocks), cased, ()) if blocks or cased else None
            for before in ENDS:
                for after in ENDS:
                    key = before + body + after
                    values[key] = (len(key) - 2, width, tuple(hits), extra)
        by_anchor: dict[str, list[int]] = {}
        for k, p in enumerate(self.patterns):
            by_anchor.setdefault(p.anchor, []).append(k)
        short = []
        for anchor in by_anchor:
            keys = anchor_keys(anchor)
            if not keys:
                short.append(anchor)
            for key in keys:  # a phrase's key also names the anchor
                back, width, positive, extra = values.get(key, (None, 0, (), None))
                negative, cased, anchors = extra or ((), (), ())
                values[key] = (back, width, positive, (negative, cased, (*anchors, anchor)))
        automaton = ahocorasick.Automaton()
        for key, value in values.items():
            automaton.add_word(key, value)
        automaton.make_automaton()
        object.__setattr__(self, "automaton", automaton)
        plans = []
        for p in self.patterns:
            runs = literal_runs(p.regex.pattern)
            fixed = {run for run in runs if len(run) >= MIN_ANCHOR}
            known = (p.anchor, *sorted(fixed - {p.anchor}))
            parts = [(run,) for run in known[1:]]
            # re finds a pattern that opens with fixed text about as fast as `in` finds one
            # text ("adults (?:aged|of age|age) ..."): sets of literals would only cost looks
            sets = literal_parts(p.regex.pattern) if len(runs[0]) < MIN_ANCHOR else ()
            for found in sets:
                if DIGIT in found or any(s in k for s in found for k in known):
                    continue  # any digit, or a set a fixed text looked for already implies
                # a text holding "case file review" holds "file review": one is enough
                found = {s for s in found if not any(t in s for t in found - {s})}
                parts.append(tuple(sorted(found)))
            parts.sort(key=len)  # the sets of fewest texts first: the fewest looks to skip
            plans.append((p, tuple(parts)))
        object.__setattr__(self, "plans", tuple(plans))
        object.__setattr__(self, "by_anchor", {a: tuple(ks) for a, ks in by_anchor.items()})
        object.__setattr__(self, "short", tuple(short))

    def find(self, text: str, lower: str, tokens: Tokens | None = None) -> list[Hit]:
        """All non-blocked hits in `text` (`lower` is `text` lower-cased, same length;
        `tokens` is `tokens_of(lower)`, made here unless the caller has it already)."""
        joined, runs, shifts = tokens or tokens_of(lower)
        hits: list[Hit] = []
        blocks: list[Hit] = []
        present: set[str] = set()  # the anchors seen
        keep, block = hits.append, blocks.append
        # the phrase hits are distinct (one key matches at a token span, and a key's targets
        # are distinct): only a case-sensitive or a pattern hit can repeat a hit
        for last, (back, width, positive, extra) in self.automaton.iter(joined):
            if extra:
                negative, cased, anchors = extra
                if anchors:
                    present.update(anchors)
                    if back is None:
                        continue  # an anchor only
            first = last - back
            start = first + shifts[bisect_left(runs, first)]
            end = start + width if width else last + shifts[bisect_left(runs, last)]
            for facet, name, kind in positive:  # case-insensitive phrases
                keep(_new(Hit, (facet, name, start, end, kind)))
            if not extra:
                continue
            for facet, name, kind in negative:
                block(_new(Hit, (facet, name, start, end, kind)))
            for case, case_hits, case_blocks in cased:  # abbreviations: exact tokens
                if tuple(TOKEN.findall(text[start:end])) != case:
                    continue
                for facet, name, kind in case_hits:  # perhaps a case-insensitive hit too
                    if (hit := _new(Hit, (facet, name, start, end, kind))) not in hits:
                        keep(hit)
                for facet, name, kind in case_blocks:
                    block(_new(Hit, (facet, name, start, end, kind)))
        contains = lower.__contains__
        present.update(filter(contains, self.short))
        plans, by_anchor = self.plans, self.by_anchor
        # in pattern order, as hits at one span keep the order they were found in
        for k in sorted(chain.from_iterable(map(by_anchor.__getitem__, present))):
            p, parts = plans[k]
            for part in parts:
                if not any(map(contains, part)):
                    break  # the text holds no literal of this set: no match
            else:
                target = blocks if p.negative else hits
                for m in p.regex.finditer(lower):
                    start, end = m.span()
                    if p.boundary and start and lower[start - 1].isalnum():
                        continue
                    if "\n" in lower[start:end]:
                        continue  # never across a sentence end
                    hit = _new(Hit, (p.facet, p.name, start, end, p.kind))
                    if hit not in target:  # few: a scan beats hashing every hit
                        target.append(hit)
        return unblocked(hits, blocks)


def anchor_keys(anchor: str) -> tuple[str, ...]:
    """What the joined tokens (tokens_of) hold wherever `anchor` is in the lower-cased text,
    as automaton keys; none for an anchor whose tokens are under MIN_ANCHOR characters.

    Inside the anchor each run of separators is one " "; a separator at either end may be
    the start of a longer run, shrunk to " " or "\\n" (" review" -> " review", "\\nreview").
    The tokens hold a key wherever the text holds the anchor (and sometimes where it does
    not: "-review" for " review"), so a pattern is still tried on every text it can match.
    """
    core = " ".join("".join(c if c.isalnum() else " " for c in anchor).split())
    if len(core) < MIN_ANCHOR or "\n" in anchor:
        return ()
    before = ENDS if not anchor[0].isalnum() else ("",)
    after = ENDS if not anchor[-1].isalnum() else ("",)
    return tuple(b + core + a for b in before for a in after)


def anchor_of(pattern: str) -> str:
    """The longest fixed text every match of `pattern` contains ("" if none is obvious)."""
    return max(literal_runs(pattern), key=len, default="")


def literal_runs(pattern: str) -> list[str]:
    """The runs of literal characters outside groups and classes, which every match of
    `pattern` contains (none if a "|" is outside groups)."""
    runs, current, depth, i = [], "", 0, 0
    while i < len(pattern):
        char = pattern[i]
        literal = None
        if char == "\\":
            following = pattern[i + 1 : i + 2]
            if following and not following.isalnum():
                literal = following
            i += 2
        elif char == "[":
            i = _class_end(pattern, i)
        elif char in "?*+{":
            current = current[:-1]  # a quantifier makes the character before it optional
            if char == "{":
                i = pattern.find("}", i) + 1 or len(pattern)
            else:
                i += 1
            runs.append(current)
            current = ""
            continue
        elif char == "|" and depth == 0:
            return []
        else:
            depth += char == "("
            depth -= char == ")"
            literal = None if char in "()|.^$" else char
            i += 1
        if literal is not None and depth == 0:
            current += literal
        else:
            runs.append(current)
            current = ""
    runs.append(current)
    return runs


def _class_end(pattern: str, i: int) -> int:
    """Where the character class opening at pattern[i] ("[") ends, one past its "]": a "]"
    right after "[" or "[^", or escaped, belongs to the class."""
    j = i + 1
    if pattern[j : j + 1] == "^":
        j += 1
    if pattern[j : j + 1] == "]":
        j += 1
    while j < len(pattern):
        if pattern[j] == "\\":
            j += 2
        elif pattern[j] == "]":
            return j + 1
        else:
            j += 1
    return len(pattern)
