"""Find citations in a document's lines: PMIDs, DOIs, PMCIDs and reference entries; pure functions.

Identifiers are found in every form writers paste: "PMID: 12345678", "PMID 12345678", PubMed
URLs (with or without query strings), DOIs bare, after "doi:", or as doi.org / dx.doi.org URLs
(case-insensitive, trailing punctuation trimmed), PMCIDs and PMC URLs. A reference-list entry
with no identifier at all is returned as kind "reference" for fuzzy matching against the catalog.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from urllib.parse import unquote

KINDS = ("pmid", "doi", "pmcid", "reference")
_URL_TAIL = r"[^\s<>\"'\]|]*"
PUBMED_URL = re.compile(
    r"(?:https?://)?(?:www\.)?(?:(?:pubmed\.ncbi\.nlm\.nih\.gov|ncbi\.nlm\.nih\.gov/pubmed)/"
    r"(?:\?term=)?|europepmc\.org/(?:abstract|article)/MED/)(\d{1,9})(?!\d)" + _URL_TAIL,
    re.IGNORECASE,
)
PMC_URL = re.compile(
    r"(?:https?://)?(?:www\.)?(?:ncbi\.nlm\.nih\.gov/pmc/articles|pmc\.ncbi\.nlm\.nih\.gov/articles"
    r"|europepmc\.org/articles?)/(PMC\d{1,9})(?![\d])" + _URL_TAIL,
    re.IGNORECASE,
)
DOI_URL = re.compile(
    r"(?:https?://)?(?:dx\.)?doi\.org/(10\.\d{4,9}(?:/|%2F)[^\s<>\"]+)", re.IGNORECASE
)
PMID = re.compile(r"\b(?:PMID|PubMed\s+ID)\s*(?:[:#-]\s*)?(\d{1,9})\b", re.IGNORECASE)
PMCID = re.compile(r"\b(?:PMCID\s*:?\s*)?(PMC\s?\d{4,9})\b", re.IGNORECASE)
DOI = re.compile(r"(?:\bdoi\s*:?\s*)?\b(10\.\d{4,9}/[^\s<>\"]+)", re.IGNORECASE)
TRAILING = ".,;:!?'\"*_`’”"
PAIRS = {")": "(", "]": "[", "}": "{", ">": "<"}

LIST_MARKER = re.compile(r"^\s*(?:\[\d{1,3}\]|\(\d{1,3}\)|\d{1,3}[.)]|[-*+•])\s+")
YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
# "Feder A, Parides MK." (AMA/Vancouver), "Feder A et al.", "Feder, A., & Parides, M. K." (APA):
# a surname, then initials closed by punctuation, so "The FDA approved ..." is not an entry.
AUTHOR_START = re.compile(
    r"^[A-Z][\w'’\-]+(?:[ -][A-Z][\w'’\-]+){0,3}"
    r"(?:,?\s+[A-Z]{1,3}(?=[,.;]|\s+et\s+al)|,\s+(?:[A-Z]\.\s?-?){1,3})"
)
HEADING = re.compile(r"^\s*(?:#{1,6}\s+|\*\*)?(.*?)(?:\*\*)?\s*:?\s*$")
REFERENCE_HEADINGS = {"references", "reference list", "bibliography", "works cited", "sources",
                      "literature cited", "citations", "further reading"}  # fmt: skip


@dataclass(frozen=True)
class Found:
    """One citation in a document: its line, the text as found, its kind and normalised value."""

    line: int
    found: str
    kind: str
    value: str
    entry: bool = False  # from a reference file's record: its identifiers name one study


def trim_identifier(text: str) -> str:
    """Drop trailing punctuation and unbalanced closing brackets ("10.1/x)." -> "10.1/x")."""
    while text:
        last = text[-1]
        if last in TRAILING:
            text = text[:-1]
        elif last in PAIRS and text.count(PAIRS[last]) < text.count(last):
            text = text[:-1]
        else:
            break
    return text


def normalise_doi(doi: str) -> str:
    """A DOI as compared: URL-decoded, trailing punctuation trimmed, lower case."""
    return trim_identifier(unquote(doi)).lower()


def normalise_pmcid(pmcid: str) -> str:
    """'pmc 1234' -> 'PMC1234'."""
    return re.sub(r"\s+", "", pmcid).upper()


def _free(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= s or start >= e for s, e in spans)


def find_identifiers(text: str, line: int) -> list[Found]:
    """Every PMID, DOI and PMCID on one line, in order of position; URLs before bare forms."""
    hits: list[tuple[int, Found]] = []
    spans: list[tuple[int, int]] = []
    patterns = [
        (PUBMED_URL, "pmid", lambda v: str(int(v))),
        (PMC_URL, "pmcid", normalise_pmcid),
        (DOI_URL, "doi", normalise_doi),
        (PMID, "pmid", lambda v: str(int(v))),
        (PMCID, "pmcid", normalise_pmcid),
        (DOI, "doi", normalise_doi),
    ]
    for pattern, kind, normalise in patterns:
        for match in pattern.finditer(text):
            found = trim_identifier(match.group(0).split("](")[0])  # Markdown [text](url)
            start, end = match.start(), match.start() + len(found)
            if not _free(spans, start, end):
                continue
            value = normalise(match.group(1).split("](")[0])
            if kind == "doi" and "/" not in value.rstrip("/"):
                continue
            spans.append((start, end))
            hits.append((start, Found(line, found, kind, value)))
    return [found for _, found in sorted(hits, key=lambda hit: hit[0])]


def plain_reference(text: str) -> str:
    """A reference entry without list markers and Markdown emphasis."""
    text = LIST_MARKER.sub("", text)
    return re.sub(r"[*_`]+", "", text).strip()


def looks_like_reference(text: str, in_references: bool) -> bool:
    """A reference-list entry: a year, five or more words, and authors first (or in References)."""
    entry = plain_reference(text)
    if not YEAR.search(entry) or len(entry.split()) < 5:
        return False
    return in_references or bool(AUTHOR_START.match(entry))


def heading_text(text: str) -> str | None:
    """The words of a Markdown heading ("## References") or a bold/plain heading line."""
    stripped = text.strip()
    if not stripped or len(stripped) > 60:
        return None
    match = HEADING.match(stripped)
    words = match.group(1).strip().lower() if match else ""
    if stripped.startswith("#") or words in REFERENCE_HEADINGS:
        return words
    return None


def extract_citations(lines: Iterable[tuple[int, str, bool]]) -> list[Found]:
    """Citations in (line number, text, is_reference_entry) lines, in document order.

    A line without identifiers is a reference entry when the reader says so (RIS/nbib records),
    when it sits under a "References" heading and has a year, or when it reads like one.
    """
    found: list[Found] = []
    in_references = False
    for number, text, is_entry in lines:
        heading = heading_text(text)
        if heading is not None:
            in_references = heading in REFERENCE_HEADINGS
            continue
        ids = find_identifiers(text, number)
        if ids:
            found.extend(replace(f, entry=True) for f in ids) if is_entry else found.extend(ids)
        elif is_entry or looks_like_reference(text, in_references):
            entry = plain_reference(text)
            if entry:
                found.append(Found(number, entry, "reference", entry))
    return found


def normalise_text(text: str) -> str:
    """Lower case, accents and punctuation removed, single spaces: for fuzzy comparison."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return " ".join(re.sub(r"[^\w]+", " ", text).split())
