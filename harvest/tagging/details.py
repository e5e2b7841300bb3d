"""Study details a clinician appraises: comparators, doses, sessions, reported harms, funding.

`extract_details(record, rules, design=..., conditions=...)` reads the title, abstract, grants
and COI statement with the rules of config/details.yml (loaded once by `load_details`) and
returns the values with the sentence each came from. Pure: no database, no network. The rules
run only on the sentences holding their literals (harvest.tagging.details_text); comparators
live in details_comparators.py, doses in details_doses.py, sessions in details_sessions.py, harms
and funding in details_safety.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from harvest.tagging.details_comparators import extract_comparators
from harvest.tagging.details_config import DetailRules, load_details
from harvest.tagging.details_doses import extract_doses, title_drugs
from harvest.tagging.details_safety import combine_funding, extract_funding, extract_safety
from harvest.tagging.details_sessions import extract_sessions
from harvest.tagging.details_text import Text, sentences
from harvest.tagging.details_vocab import COMPARATORS, DRUGS, FUNDING, SAFETY, UNITS

__all__ = ["COMPARATORS", "DRUGS", "FUNDING", "SAFETY", "UNITS", "DetailRules", "Details",
           "combine_funding", "detail_columns", "extract_details", "load_details"]  # fmt: skip

# Sentence roles (from abstract section labels) that report on the study itself.
REPORTING = frozenset({"title", "objective", "methods", "results", "conclusions", "body"})


@dataclass
class Details:
    """What `extract_details` found; `provenance` rows are (facet, tag, source, evidence)."""

    comparators: list[str] = field(default_factory=list)
    doses: list[dict] = field(default_factory=list)
    dose_band: list[str] = field(default_factory=list)
    sessions: int | None = None
    safety: list[str] = field(default_factory=list)
    funding: str = "unknown"
    provenance: list[tuple[str, str, str, str]] = field(default_factory=list)

    def as_columns(self) -> dict:
        """The studies columns (lists as Python lists; the store serialises them)."""
        return {
            "comparators": self.comparators,
            "doses": self.doses,
            "dose_band": self.dose_band,
            "sessions": self.sessions,
            "safety": self.safety,
            "funding": self.funding,
        }


def extract_details(
    record: dict, rules: DetailRules, *, design: str | None = None, conditions=()
) -> Details:
    """Comparators, doses, sessions, harms and funding of one record, with provenance."""
    found = Details()
    text = Text(sentences(record), rules.index)
    reporting = {i for i, s in enumerate(text.sentences) if s.role in REPORTING}
    focal = title_drugs(text, rules)
    if design in rules.comparator_designs:
        extract_comparators(text, reporting, rules, focal, found, design, conditions)
    extract_doses(text, reporting, rules, focal, found, design)
    if design in rules.session_designs:
        extract_sessions(text, reporting, rules, design, found)
    extract_safety(text, reporting, rules, set(conditions), design, found)
    extract_funding(record, text, rules, found)
    return found


def detail_columns(found: Details) -> dict:
    """The studies columns of `found`, lists as JSON text."""
    columns = found.as_columns()
    for key in ("comparators", "doses", "dose_band", "safety"):
        columns[key] = json.dumps(columns[key], ensure_ascii=False)
    return columns
