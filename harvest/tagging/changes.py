"""What a retag would change: per tag, the studies that would gain or lose it (pure, no I/O).

`harvest retag --dry-run` feeds stored studies rows and freshly computed tag columns through
`TagChanges.add` and prints `format_changes`; nothing is written.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

LIST_FACETS = ("conditions", "modalities", "routes", "populations")
SINGLE = ("design",)
FLAGS = ("human", "on_topic", "retracted", "erratum", "expression_of_concern")
SAMPLES = 5  # sample PMIDs shown per change


def _values(columns: dict, facet: str) -> set[str]:
    value = columns.get(facet)
    if facet in LIST_FACETS:
        if isinstance(value, str):
            value = json.loads(value) if value else []
        return set(value or ())
    if facet in FLAGS:
        return {facet} if value else set()
    return {value} if value else set()


@dataclass
class TagChanges:
    """Counts and sample PMIDs of studies that would gain or lose each (facet, tag)."""

    studies: int = 0
    changed: int = 0
    outdated: int = 0  # studies tagged by another tagger version
    gained: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    lost: dict[tuple[str, str], list[int]] = field(default_factory=dict)

    def add(self, pmid: int, stored: dict, new: dict) -> None:
        """Compare one study's stored tag columns with the ones a retag would write."""
        self.studies += 1
        if stored.get("tagger_version") != new.get("tagger_version"):
            self.outdated += 1
        differs = False
        for facet in (*LIST_FACETS, *SINGLE, *FLAGS):
            before, after = _values(stored, facet), _values(new, facet)
            for tag in after - before:
                self.gained.setdefault((facet, tag), []).append(pmid)
            for tag in before - after:
                self.lost.setdefault((facet, tag), []).append(pmid)
            differs = differs or before != after
        self.changed += differs


def format_changes(changes: TagChanges, version: str) -> str:
    """The dry-run report: one line per tag that would change, with sample PMIDs."""
    lines = [
        f"retag --dry-run (tagger {version}): {changes.changed} of {changes.studies} studies "
        f"would change tags; {changes.outdated} were tagged by another tagger version; "
        "nothing written"
    ]
    keys = sorted(set(changes.gained) | set(changes.lost))
    if keys:
        lines.append(f"{'facet':<13}{'tag':<32}{'gain':>6}{'lose':>6}  sample PMIDs")
    for key in keys:
        gained, lost = changes.gained.get(key, []), changes.lost.get(key, [])
        samples = [f"+{p}" for p in gained[:SAMPLES]] + [f"-{p}" for p in lost[:SAMPLES]]
        lines.append(f"{key[0]:<13}{key[1]:<32}{len(gained):>6}{len(lost):>6}  {' '.join(samples)}")
    return "\n".join(lines)
