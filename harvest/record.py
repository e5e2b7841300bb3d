"""The study record, defined once: its fields, defaults, and conversions to and from a row.

Parsers build it with `new_record`; the store writes `to_row(record)`; everything that reads a
`studies` row back (retag, citations, cells, evaluation) calls `from_row(row)`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

import orjson

# Scalar fields (None when absent), in the order of the studies table.
SCALARS = (
    "pmid",
    "pmid_version",
    "record_type",
    "title",
    "vernacular_title",
    "abstract",
    "copyright",
    "journal",
    "journal_iso",
    "issn",
    "nlm_unique_id",
    "medline_ta",
    "volume",
    "issue",
    "pages",
    "pub_year",
    "pub_date",
    "pub_date_text",
    "epub_date",
    "doi",
    "pmcid",
    "pii",
    "language",
    "coi_statement",
    "status",
    "owner",
    "publication_status",
    "publisher",
    "entrez_date",
    "date_revised",
    "date_completed",
)
# List fields ([] when absent): each is a JSON column of the same name, except where ROW_NAMES
# says otherwise.
LISTS = (
    "abstract_sections",
    "authors",
    "languages",
    "publication_types",
    "mesh",
    "keywords",
    "chemicals",
    "comments_corrections",
    "databanks",
    "grants",
)
MAPS = ("history",)  # mapping fields ({} when absent)
FIELDS = (*SCALARS, *LISTS, *MAPS, "source")

# Where a record came from, richest last: a poorer source never replaces a richer one.
SOURCE_RANK = {"medline": 1, "xml": 2}
DEFAULT_SOURCE = "xml"

# Record field -> studies column, where they differ ("authors" is the display string there).
ROW_NAMES = {"authors": "author_list", "mesh": "mesh_headings", "source": "record_source"}
# Columns derived from a field for display and search; not read back.
DERIVED = ("authors", "publication_type_uis", "mesh_terms")
MAX_PMID = 2**63 - 1  # SQLite's INTEGER

_compact = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def json_text(value: object) -> str:
    """Compact JSON, non-ASCII kept: orjson (four times faster on a record's lists), with json
    writing the same text for what orjson refuses (integers beyond 64 bits)."""
    try:
        return orjson.dumps(value).decode()
    except TypeError:
        return _compact(value)


def new_record(pmid: int, *, source: str = DEFAULT_SOURCE, **fields: object) -> dict:
    """A complete study record: every field present, defaults for the ones not given."""
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"unknown record field(s): {', '.join(sorted(unknown))}")
    if source not in SOURCE_RANK:
        raise ValueError(f"unknown record source {source!r}")
    record: dict = dict.fromkeys(SCALARS)
    record.update((name, []) for name in LISTS)
    record.update((name, {}) for name in MAPS)
    record.update(fields, pmid=pmid, source=source)
    return record


def valid_pmid(value: object) -> bool:
    """A PMID SQLite can store as a positive INTEGER."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_PMID


def source_rank(source: str | None) -> int:
    """How rich a source is (0 for unknown); a stored record is replaced only by one as rich."""
    return SOURCE_RANK.get(source or DEFAULT_SOURCE, 0)


def author_display(authors: list[dict]) -> str:
    """'Smith JA, Doe J' (collective names as given)."""
    names = []
    for a in authors:
        if a.get("collective_name") and not a.get("last_name"):
            names.append(a["collective_name"])
        else:
            names.append(" ".join(p for p in (a.get("last_name"), a.get("initials")) if p))
    return ", ".join(names)


def json_list(value: object) -> list:
    """A JSON-array column of a row decoded (a list passes through); anything else is []."""
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            decoded = json.loads(value)
        except ValueError:
            return []
        return decoded if isinstance(decoded, list) else []
    return []


def _list_json(value) -> str:
    return json_text(value) if value else "[]"


def to_row(record: Mapping) -> dict:
    """The studies columns a record fills (tags, citations and bookkeeping come separately)."""
    row = {name: record.get(name) for name in SCALARS}
    for name in LISTS:
        row[ROW_NAMES.get(name, name)] = _list_json(record.get(name))
    types = record.get("publication_types") or []
    mesh = record.get("mesh") or []
    row.update(
        authors=author_display(record.get("authors") or []),
        publication_types=_list_json([p["name"] for p in types]),
        publication_type_uis=_list_json([p.get("ui") for p in types]),
        mesh_terms=_list_json([m["name"] for m in mesh]),
        history=json_text(record.get("history") or {}),
        record_source=record.get("source") or DEFAULT_SOURCE,
    )
    return row


def record_columns() -> list[str]:
    """The studies columns `to_row` fills, in order."""
    return list(to_row(new_record(1)))


def is_record(item: Mapping) -> bool:
    """True for a record as `new_record` builds it, False for a studies row."""
    if "author_list" in item or "record_source" in item:
        return False
    return "source" in item or isinstance(item.get("authors"), list) or "mesh" in item


def from_row(row: Mapping) -> dict:
    """The record a studies row was written from (missing columns get their defaults).

    A row may be whole or hold only the columns a query selected; one with the display string
    `authors` ("Smith JA, Doe J") but no `author_list` keeps each name as written.
    """

    def load(column: str, default):
        value = row.get(column)
        if isinstance(value, str):
            try:
                return json.loads(value) if value else default
            except ValueError:
                return default
        return default if value is None else value

    fields = {name: row.get(name) for name in SCALARS if name != "pmid"}
    for name in LISTS:
        fields[name] = load(ROW_NAMES.get(name, name), [])
    names = fields["publication_types"]
    if names and isinstance(names[0], str):  # stored as names, with their UIs alongside
        uis = load("publication_type_uis", []) or [None] * len(names)
        fields["publication_types"] = [
            {"ui": ui, "name": name} for ui, name in zip(uis, names, strict=False)
        ]
    fields["history"] = load("history", {})
    display = row.get("authors")
    if "author_list" not in row and isinstance(display, str) and display.strip():
        fields["authors"] = [
            {"collective_name": name.strip()} for name in display.split(",") if name.strip()
        ]
    source = row.get("record_source") or DEFAULT_SOURCE
    return new_record(row.get("pmid"), source=source, **fields)


def content_hash(row: Mapping) -> str:
    """A fingerprint of what PubMed said: over (column, value) pairs, source and empties left out.

    Leaving out None means adding a column to the record does not change every stored hash.
    """
    text = "".join(  # a list: join would make one of a generator first
        [
            f"{column}\x1f{value}\x1e"
            for column, value in sorted(row.items())
            if value is not None and column != "record_source"
        ]
    )
    return hashlib.sha1(text.encode()).hexdigest()
