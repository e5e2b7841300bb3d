"""The text matcher: phrase lookup by first token plus anchored regular expressions.

Built once by harvest.tagging.taxonomy from taxonomy.yml; `Matcher.find` runs once per record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import accumulate
from operator import itemgetter
from typing import NamedTuple

TOKEN = re.compile(r"[^\W_]+")
SPLIT = re.compile(r"([^\W_]+)")
SEPARATOR = re.compile(r"[\W_]")  # a character between tokens
ASCII_SEPARATORS = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})
ASCII_TOKEN = re.compile(r"[a-z0-9]+")


class Hit(NamedTuple):
    """A match in a text: facet ("cue" for context cues), tag or cue name, span, kind."""

    facet: str
    name: str
    start: int
    end: int
    kind: str = "term"


_new = tuple.__new__  # Hit(...) without the Python-level __new__
_START = itemgetter(2)  # Hit.start


@dataclass(frozen=True)
class Matcher:
    """Phrase lookup by first token (fast, no per-record compilation) plus combined regexes."""

    # first lower-case token -> (one-token entries, {second token: longer entries}); an entry
    # is (tokens, case-sensitive tokens or None, ((facet, name, kind, negative), ...))
    index: Mapping[str, tuple]
    regexes: tuple  # ((compiled, anchor, needs word boundary, (key, kind, negative)), ...)
    # index with each entry as (size, tokens after the second or None, case, hits, blocks),
    # hits and blocks being ((facet, name, kind), ...): derived from index, built once
    lookup: Mapping[str, tuple] = field(init=False, repr=False, compare=False)
    # regexes, each with the check that skips it quickly: None (the anchor must be in the
    # text), () (the anchor is alphanumeric: it must be in a token) or the anchor's
    # alphanumeric pieces (each must be in a token before the text is searched for the anchor)
    gated: tuple = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "lookup", _compile_index(self.index))
        object.__setattr__(self, "gated", tuple((*r, _gate(r[1])) for r in self.regexes))

    def find(self, text: str, lower: str) -> list[Hit]:
        """All non-blocked hits in `text` (`lower` is `text` lower-cased, same length)."""
        hits, blocks = [], []
        add, block = hits.append, blocks.append
        # The tokens, with every separator character turned into a space: parts[j] is a token
        # or "" and ends at cum[j] + j (each part but the last is followed by one separator).
        if lower.isascii():
            parts = lower.translate(ASCII_SEPARATORS).split(" ")
        else:
            parts = SEPARATOR.sub(" ", lower).split(" ")
        cum = list(accumulate(map(len, parts)))
        count = len(parts)
        lookup = self.lookup
        found = [(j, e) for j, e in enumerate(map(lookup.get, parts)) if e is not None]
        for j, (singles, seconds) in found:
            end = cum[j] + j
            start = end - len(parts[j])
            if seconds is not None:
                k = j + 1
                while k < count and not parts[k]:
                    k += 1
                longer = seconds.get(parts[k]) if k < count else None
                if longer is not None:
                    need, entries = longer
                    after = _tokens_after(parts, k, need) if need else None
                    for size, rest, case, positive, negative in entries:
                        last = k
                        if rest is not None:
                            if (
                                len(after) < size - 2
                                or [parts[m] for m in after[: size - 2]] != rest
                            ):
                                continue
                            last = after[size - 3]
                        stop = cum[last] + last
                        if case is not None and tuple(TOKEN.findall(text[start:stop])) != case:
                            continue
                        for facet, name, kind in positive:
                            add(_new(Hit, (facet, name, start, stop, kind)))
                        for facet, name, kind in negative:
                            block(_new(Hit, (facet, name, start, stop, kind)))
            for _, _, case, positive, negative in singles:
                if case is not None and tuple(TOKEN.findall(text[start:end])) != case:
                    continue
                for facet, name, kind in positive:
                    add(_new(Hit, (facet, name, start, end, kind)))
                for facet, name, kind in negative:
                    block(_new(Hit, (facet, name, start, end, kind)))
        blob = " ".join(set(parts))  # every token once: alphanumeric anchors are found in it
        for regex, anchor, boundary, (key, kind, negative), gate in self.gated:
            if gate is None:
                if anchor not in lower:
                    continue
            elif gate:
                if not all(map(blob.__contains__, gate)) or anchor not in lower:
                    continue
            elif anchor not in blob:
                continue
            facet, name = key
            for m in regex.finditer(lower):
                start = m.start()
                if boundary and start and lower[start - 1].isalnum():
                    continue
                (block if negative else add)(_new(Hit, (facet, name, start, m.end(), kind)))
        if blocks:
            spans: dict[tuple, list] = {}
            for b in blocks:
                spans.setdefault((b[0], b[1]), []).append((b[2], b[3]))
            hits = [
                h for h in hits
                if (h[0], h[1]) not in spans
                or not any(h[2] < e and s < h[3] for s, e in spans[h[0], h[1]])
            ]  # fmt: skip
        hits.sort(key=_START)
        return hits


def _tokens_after(parts: list[str], k: int, need: int) -> list[int]:
    """Indexes of up to `need` tokens (non-empty parts) after part k."""
    out, count = [], len(parts)
    while len(out) < need:
        k += 1
        while k < count and not parts[k]:
            k += 1
        if k >= count:
            break
        out.append(k)
    return out


def _gate(anchor: str) -> tuple | None:
    """How to tell quickly that a regex cannot match: see Matcher.gated."""
    if ASCII_TOKEN.fullmatch(anchor):
        return ()
    pieces = tuple(p for p in ASCII_TOKEN.findall(anchor) if len(p) > 1)
    return pieces or None


def _compile_index(index: Mapping[str, tuple]) -> dict[str, tuple]:
    """The index in the form `Matcher.find` walks (same entries, same order)."""

    def entry(tokens, case, payload):
        hits = tuple((f, n, k) for f, n, k, negative in payload if not negative)
        blocks = tuple((f, n, k) for f, n, k, negative in payload if negative)
        rest = list(tokens[2:]) if len(tokens) > 2 else None
        return (len(tokens), rest, case, hits, blocks)

    out = {}
    for first, (singles, seconds) in index.items():
        longer = None
        if seconds:
            longer = {
                w: (max(len(e[0]) for e in es) - 2, tuple(entry(*e) for e in es))
                for w, es in seconds.items()
            }
        out[first] = (tuple(entry(*e) for e in singles), longer)
    return out


def anchor_of(pattern: str) -> str:
    """The longest fixed text every match of `pattern` contains ("" if none is obvious)."""
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
            end = pattern.find("]", i + 2)
            i = len(pattern) if end < 0 else end + 1
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
            return ""
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
    return max(runs, key=len)
