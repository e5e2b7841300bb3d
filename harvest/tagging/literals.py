"""The literals every match of a pattern holds, read from its parse tree (for the study-details
prefilter, harvest.tagging.details_text, and the tagger's pattern plans, harvest.tagging.matcher):
up to MAX_PARTS sets, a match holding one literal of each ("ketamine ... versus placebo": a drug
name and "placebo"); DIGIT stands for any digit.
"""

from __future__ import annotations

import re
from re import _constants as _sre
from re import _parser

MAX_LITERALS = 64  # more alternatives than this: the part gives no shortcut
MIN_LITERAL = 2  # a shortest literal below this: the rule runs on every sentence
MAX_PARTS = 3  # a rule is tried where one literal of each of this many parts occurs
DIGIT = "\0"  # in a set of literals: any decimal digit (\d), which Text looks for with DIGITS
ZERO_WIDTH = (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT)
REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", _sre.MAX_REPEAT))


def _product(left: set[str], right: set[str]) -> set[str] | None:
    out = {a + b for a in left for b in right}
    return out if len(out) <= MAX_LITERALS else None


def _exact(items) -> set[str] | None:
    """Every string a literal-only piece of a parse tree can match, or None."""
    out, tail = {""}, ""  # tail: the characters still to append to each string of out
    for op, av in getattr(items, "data", items):  # a SubPattern's list iterates faster
        if op in ZERO_WIDTH:
            continue
        if op is _sre.LITERAL:
            tail += chr(av)  # one character more for each string: no more strings
            continue
        if op is _sre.SUBPATTERN:
            inner = _exact(av[-1])
        elif op is _sre.BRANCH:
            inner = set()
            for branch in av[1]:
                if (found := _exact(branch)) is None:
                    return None
                inner |= found
        elif op is _sre.IN and len(av) <= 4 and all(o is _sre.LITERAL for o, _ in av):
            inner = {chr(v) for _, v in av}
        else:
            return None
        if inner is None or (out := _product(_append(out, tail), inner)) is None:
            return None
        tail = ""
    return _append(out, tail)


def _append(found: set[str], tail: str) -> set[str]:
    return {s + tail for s in found} if tail else found


def _score(found: set[str] | None) -> tuple[int, int]:
    return (min(map(len, found)), -len(found)) if found else (0, 0)


def _parts(items) -> list[set[str]]:
    """Sets of literals, every match of a parse tree holding one literal of each set."""
    parts: list[set[str]] = []
    run: set[str] = {""}
    tail = ""  # characters still to append to each literal of run (see _exact)
    for op, av in getattr(items, "data", items):
        if op in ZERO_WIDTH:
            continue
        if op is _sre.LITERAL:
            tail += chr(av)
            continue
        run, tail = _append(run, tail), ""
        exact = _exact([(op, av)])
        if exact is not None:
            joined = _product(run, exact)
            if joined is not None:
                run = joined
                continue
            parts.append(run)
            run = exact
            continue
        parts.append(run)
        run = {""}
        if op is _sre.IN and av == [(_sre.CATEGORY, _sre.CATEGORY_DIGIT)]:
            parts.append({DIGIT})
        elif op is _sre.SUBPATTERN:
            parts.append(_required(av[-1]))
        elif op is _sre.BRANCH:
            branches = [_required(branch) for branch in av[1]]
            parts.append(None if None in branches else set().union(*branches))
        elif op in REPEATS and av[0] >= 1:
            parts.append(_required(av[2]))
    parts.append(_append(run, tail))
    return [found for found in parts if _score(found) > (0, 0)]


def _required(items) -> set[str] | None:
    """Literals one of which every match of a parse tree contains (None when none is known):
    of its parts, the one with the longest shortest literal, then the fewest literals."""
    parts = _parts(items)
    return max(parts, key=_score) if parts else None


def _lowered(parts: list[set[str]]) -> list[set[str]]:
    """`parts` lower-cased, best first, without those of too short a literal; MAX_PARTS."""
    parts = [{s.lower() for s in found} for found in sorted(parts, key=_score, reverse=True)]
    return [found for found in parts if _shortest(found) >= MIN_LITERAL][:MAX_PARTS]


def lowered_parts(items) -> list[set[str]]:
    """`literal_parts` of a parse tree."""
    return _lowered(_parts(items))


def literal_parts(pattern: str, tree=None) -> list[set[str]]:
    """Sets of lower-cased literals, every match of `pattern` (its parse `tree`, when made
    already) holding one literal of each; the best first (longest shortest literal, then
    fewest), at most MAX_PARTS of them."""
    try:
        return lowered_parts(_parser.parse(pattern) if tree is None else tree)
    except (re.error, TypeError, ValueError, RecursionError):
        return []


def _shortest(found: set[str]) -> int:
    """The length of the shortest literal of `found`, a digit passing for one long enough."""
    return min((len(s) for s in found if s != DIGIT), default=MIN_LITERAL)


def leading_literal(tree) -> str | None:
    """The characters, lower-cased, every match of a parse tree opens with (its zero-width
    items before them look around the match's start), when ASCII and at least MIN_LITERAL of
    them; else None."""
    lead = ""
    for op, av in getattr(tree, "data", tree):
        if op is _sre.LITERAL:
            lead += chr(av)
        elif lead or op not in ZERO_WIDTH:
            break
    return lead.lower() if len(lead) >= MIN_LITERAL and lead.isascii() else None


def literals_of(pattern: str) -> set[str] | None:
    """Lower-cased literals one of which every match of `pattern` contains, or None."""
    parts = literal_parts(pattern)
    return parts[0] if parts else None
