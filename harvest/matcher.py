"""The text matcher: phrase lookup by first token plus anchored regular expressions.

Built once by harvest.taxonomy from config/taxonomy.yml; `Matcher.find` runs once per record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import accumulate
from typing import NamedTuple

TOKEN = re.compile(r"[^\W_]+")
SPLIT = re.compile(r"([^\W_]+)")


class Hit(NamedTuple):
    """A match in a text: facet ("cue" for context cues), tag or cue name, span, kind."""

    facet: str
    name: str
    start: int
    end: int
    kind: str = "term"


@dataclass(frozen=True)
class Matcher:
    """Phrase lookup by first token (fast, no per-record compilation) plus combined regexes."""

    # first lower-case token -> (one-token entries, {second token: longer entries}); an entry
    # is (tokens, case-sensitive tokens or None, ((facet, name, kind, negative), ...))
    index: Mapping[str, tuple]
    regexes: tuple  # ((compiled, anchor, needs word boundary, (key, kind, negative)), ...)

    def find(self, text: str, lower: str) -> list[Hit]:
        """All non-blocked hits in `text` (`lower` is `text` lower-cased, same length)."""
        hits, blocks = [], []
        parts = SPLIT.split(lower)  # separator, token, separator, token, ..., separator
        words = parts[1::2]
        ends = list(accumulate(map(len, parts)))  # token i spans ends[2i]..ends[2i + 1]
        count = len(words)
        index = self.index
        found = [(i, e) for i, e in enumerate(map(index.get, words)) if e is not None]
        for i, (singles, seconds) in found:
            candidates = singles
            if seconds and i + 1 < count and words[i + 1] in seconds:
                candidates = seconds[words[i + 1]] + singles
            for tokens, case, payload in candidates:
                size = len(tokens)
                if size > 2 and tuple(words[i + 2 : i + size]) != tokens[2:]:
                    continue
                start, end = ends[2 * i], ends[2 * (i + size) - 1]
                if case is not None and tuple(TOKEN.findall(text[start:end])) != case:
                    continue
                for facet, name, kind, negative in payload:
                    hit = Hit(facet, name, start, end, kind)
                    (blocks if negative else hits).append(hit)
        for regex, anchor, boundary, (key, kind, negative) in self.regexes:
            if anchor not in lower:
                continue
            for m in regex.finditer(lower):
                start = m.start()
                if boundary and start and lower[start - 1].isalnum():
                    continue
                hit = Hit(key[0], key[1], start, m.end(), kind)
                (blocks if negative else hits).append(hit)
        if blocks:
            hits = [h for h in hits if not any(_blocks(b, h) for b in blocks)]
        hits.sort(key=_start)
        return hits


def _start(hit: Hit) -> int:
    return hit.start


def _blocks(block: Hit, hit: Hit) -> bool:
    return (
        block.name == hit.name
        and block.facet == hit.facet
        and hit.start < block.end
        and block.start < hit.end
    )


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
