"""Retraction, expression-of-concern and erratum flags of a study, and notices as records.

Pure functions over a `studies` row or a parsed record: which flags apply (most serious first),
the human text for each (with the notice's source and PMID from `comments_corrections`), and
whether the row *is* a notice (never evidence) and which study it concerns.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harvest.record import json_list

FLAG_ORDER = ("retracted", "expression_of_concern", "erratum")  # most serious first
FLAG_LABELS = {
    "retracted": "Retracted",
    "expression_of_concern": "Expression of concern",
    "erratum": "Corrected (erratum)",
}
# comments_corrections RefTypes that point from a study to the notice about it.
FLAG_REFS = {
    "retracted": ("RetractionIn", "RetractedandRepublishedIn"),
    "expression_of_concern": ("ExpressionOfConcernIn",),
    "erratum": ("ErratumIn", "CorrectedandRepublishedIn"),
}
# The "... in:" element each RefType gives (Citing Medicine wording, as PubMed shows it).
REF_PHRASES = {
    "RetractionIn": "Retraction in",
    "RetractedandRepublishedIn": "Retracted and republished in",
    "ExpressionOfConcernIn": "Expression of concern in",
    "ErratumIn": "Erratum in",
    "CorrectedandRepublishedIn": "Corrected and republished in",
}
# Publication types of the notices themselves, and the RefType pointing to the study concerned.
NOTICE_TYPES = {
    "retraction of publication": "retraction",
    "d016440": "retraction",
    "published erratum": "erratum",
    "d016425": "erratum",
    "expression of concern": "expression_of_concern",
    "d000075742": "expression_of_concern",
}
NOTICE_REFS = {
    "RetractionOf": "retraction",
    "ErratumFor": "erratum",
    "ExpressionOfConcernFor": "expression_of_concern",
}
NOTICE_LABELS = {
    "retraction": "Retraction notice",
    "erratum": "Erratum",
    "expression_of_concern": "Expression of concern (notice)",
}
RETRACTED_TYPES = {"retracted publication", "d016441"}


def _get(row: Mapping, key: str) -> Any:
    """row[key] for dicts and sqlite3.Row alike, None when absent."""
    try:
        return row[key] if key in row.keys() else None
    except (AttributeError, TypeError):
        return row.get(key) if hasattr(row, "get") else None


def comments_corrections(row: Mapping) -> list[dict]:
    """The row's comments_corrections links as dicts (type, source, pmid, note)."""
    return [c for c in json_list(_get(row, "comments_corrections")) if isinstance(c, dict)]


def _type_keys(row: Mapping) -> set[str]:
    """Lower-cased publication type names and UIs of a row."""
    keys = set()
    for pt in json_list(_get(row, "publication_types")):
        if isinstance(pt, dict):
            keys |= {str(pt.get(k)).lower() for k in ("name", "ui") if pt.get(k)}
        elif pt:
            keys.add(str(pt).lower())
    return keys


def notice_kind(row: Mapping) -> str | None:
    """ "retraction", "erratum" or "expression_of_concern" when the row is such a notice."""
    for key in _type_keys(row):
        if key in NOTICE_TYPES:
            return NOTICE_TYPES[key]
    for ref in comments_corrections(row):
        if ref.get("type") in NOTICE_REFS:
            return NOTICE_REFS[ref["type"]]
    return None


def is_notice(row: Mapping) -> bool:
    """True when the row IS a retraction, erratum or expression-of-concern notice (not evidence)."""
    return notice_kind(row) is not None


def notice_targets(row: Mapping) -> list[dict]:
    """The studies a notice concerns: [{"kind", "source", "pmid"}] from RetractionOf etc."""
    return [
        {"kind": NOTICE_REFS[ref["type"]], "source": ref.get("source"), "pmid": ref.get("pmid")}
        for ref in comments_corrections(row)
        if ref.get("type") in NOTICE_REFS
    ]


def study_flags(row: Mapping) -> list[str]:
    """Flags of the study itself, most serious first (from the flag columns and its links)."""
    found = {flag for flag in FLAG_ORDER if _get(row, flag) not in (None, 0, "0", "", False)}
    if not is_notice(row):
        if _type_keys(row) & RETRACTED_TYPES:
            found.add("retracted")
        for ref in comments_corrections(row):
            for flag, kinds in FLAG_REFS.items():
                if ref.get("type") in kinds:
                    found.add(flag)
    return [flag for flag in FLAG_ORDER if flag in found]


def flag_notices(row: Mapping, flag: str) -> list[dict]:
    """The notices behind one flag: [{"type", "phrase", "source", "pmid"}] in link order."""
    return [
        {
            "type": ref["type"],
            "phrase": REF_PHRASES[ref["type"]],
            "source": (ref.get("source") or "").strip().rstrip(".") or None,
            "pmid": ref.get("pmid"),
        }
        for ref in comments_corrections(row)
        if ref.get("type") in FLAG_REFS[flag]
    ]


def notice_text(notice: Mapping) -> str:
    """ "Retraction in: J Affect Disord. 2024;350:12. PMID: 38000001" (parts as known)."""
    pmid = f"PMID: {notice['pmid']}" if notice.get("pmid") else None
    where = ". ".join(p for p in (notice.get("source"), pmid) if p)
    return f"{notice['phrase']}: {where}" if where else notice["phrase"]


def flag_notes(row: Mapping) -> list[str]:
    """Human text per flag: "Retracted. Retraction in: J Affect Disord. 2024;350:12. PMID: 1"."""
    notes = []
    for flag in study_flags(row):
        texts = [notice_text(n) for n in flag_notices(row, flag)]
        notes.append(". ".join([FLAG_LABELS[flag], *texts]))
    return notes


def flag_summary(row: Mapping) -> str | None:
    """One line naming every flag with its notices ("Retracted. Retraction in: ..."), or None."""
    notes = flag_notes(row)
    return "; ".join(notes) if notes else None
