"""Case-sensitive twins of the study-details rules, for lower-cased ASCII sentences.

A rule is compiled case-insensitively (re.I), and an re.I pattern is slow to search: each
letter is case-folded as it is compared, and an alternation of many words ("adverse|safety|
...|seizures?") enters every word at every position, where a case-sensitive one skips the
words whose first letter differs. `Text` lower-cases each sentence for its automaton anyway, so
for an ASCII sentence the rule's case-sensitive twin finds, on the lower-cased copy, where the
rule's first match starts, and the rule itself is searched from there (or not at all). A twin
doubles its rule's compile time (load time) and a search that finds a match runs twice, so only
the rules that pay are given one (RuleSet.add(fold=True)): long alternations tried on most
sentences ("harm_context": 25 us a search with re.I, 5 us lower-cased).

The two agree exactly when the pattern holds no upper-case or non-ASCII character (in a literal
or a class range) and no group switches case-insensitivity off: on ASCII text, each of its
letters matches a character case-insensitively just where it matches that character lower-
cased; \\w, \\d, \\s and \\b read a letter the same in either case; and lower-casing ASCII keeps
every position, so lookbehinds, anchors and back-references see the same text.
"""

from __future__ import annotations

import re
from re import _constants as _sre
from re import _parser

UPPER = range(ord("A"), ord("Z") + 1)
REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT, getattr(_sre, "POSSESSIVE_REPEAT", _sre.MAX_REPEAT))
PLAIN = (_sre.AT, _sre.ANY, _sre.CATEGORY, _sre.NEGATE, _sre.GROUPREF)


def twin(pattern: str, flags: int, tree=None) -> re.Pattern | None:
    """`pattern` (its parse `tree`, when made already) compiled case-sensitively, when it is
    case-insensitive (`flags`) and reads a lower-cased ASCII text as it reads the text itself;
    else None."""
    if not flags & re.I:
        return None
    try:
        tree = _parser.parse(pattern, flags) if tree is None else tree
    except (re.error, RecursionError):
        return None
    return re.compile(pattern, flags & ~re.I) if _case_free(tree) else None


def _case_free(items) -> bool:
    """Whether a parse tree holds no upper-case or non-ASCII character and no group turning
    case-insensitivity off (any other node: not known to be safe, so no)."""
    for op, av in items:
        if op is _sre.LITERAL or op is _sre.NOT_LITERAL:
            ok = av < 128 and av not in UPPER
        elif op is _sre.RANGE:
            ok = av[1] < 128 and (av[1] < UPPER.start or av[0] >= UPPER.stop)
        elif op is _sre.IN or op is _sre.ATOMIC_GROUP:
            ok = _case_free(av)
        elif op is _sre.SUBPATTERN:
            ok = not av[2] & re.I and _case_free(av[3])
        elif op is _sre.BRANCH:
            ok = all(map(_case_free, av[1]))
        elif op in REPEATS:
            ok = _case_free(av[2])
        elif op is _sre.ASSERT or op is _sre.ASSERT_NOT:
            ok = _case_free(av[1])
        elif op is _sre.GROUPREF_EXISTS:
            ok = _case_free(av[1]) and (av[2] is None or _case_free(av[2]))
        else:
            ok = op in PLAIN
        if not ok:
            return False
    return True
