"""A naive matcher with the same contract as harvest.tagging.matcher.Matcher: the test oracle.

Slow and obviously right: every sentence is cut into tokens, every phrase is compared with the
tokens at every position, every pattern is run over the whole text and matches spanning a
sentence end are dropped. The tests require both
matchers to give identical hits on every fixture and on generated text.
"""

from __future__ import annotations

from harvest.tagging.matcher import TOKEN, Hit, Pattern, Phrase, drop_blocked


class ReferenceMatcher:
    """Token-by-token phrase comparison and per-sentence regexes."""

    def __init__(self, phrases: tuple[Phrase, ...], patterns: tuple[Pattern, ...]):
        self.phrases = phrases
        self.patterns = patterns

    def find(self, text: str, lower: str) -> list[Hit]:
        """All non-blocked hits in `text` (`lower` is `text` lower-cased, same length)."""
        hits: list[Hit] = []
        blocks: list[Hit] = []
        offset = 0
        for sentence in lower.split("\n"):
            tokens = [(m.group(), m.start() + offset, m.end() + offset)
                      for m in TOKEN.finditer(sentence)]  # fmt: skip
            words = [t[0] for t in tokens]
            for p in self.phrases:
                n = len(p.tokens)
                for i in range(len(words) - n + 1):
                    if tuple(words[i : i + n]) != p.tokens:
                        continue
                    start, end = tokens[i][1], tokens[i + n - 1][2]
                    if p.case is not None and tuple(TOKEN.findall(text[start:end])) != p.case:
                        continue
                    (blocks if p.negative else hits).append(
                        Hit(p.facet, p.name, start, end, p.kind)
                    )
            offset += len(sentence) + 1
        for p in self.patterns:  # over the whole text, as "^" means the start of the title
            for m in p.regex.finditer(lower):
                start, end = m.span()
                if "\n" in lower[start:end] or (
                    p.boundary and start and lower[start - 1].isalnum()
                ):
                    continue
                (blocks if p.negative else hits).append(Hit(p.facet, p.name, start, end, p.kind))
        return drop_blocked(hits, blocks)
