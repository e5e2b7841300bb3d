"""Search that helps: any text becomes a safe FTS5 query (words, AND / OR / NOT, "phrases",
prefix*), ranked by bm25 with highlighted snippets; a PMID or DOI finds its study directly."""

from __future__ import annotations

import re
import sqlite3
from typing import Any
from urllib.parse import urlencode

from datasette.database import QueryInterrupted
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

from harvest.catalog.fts import FTS_COLUMNS
from harvest.citing.flags import FLAG_LABELS, notice_kind, study_flags
from harvest.publish.pages import catalog_db, labels_of

OPERATORS = {"and": "AND", "or": "OR", "not": "NOT"}
TOKEN = re.compile(r'"([^"]*)"?|(\S+)')
WORD = re.compile(r"[^\W_]+(?:['\-.][^\W_]+)*", re.UNICODE)
PMID = re.compile(r"^(?:pmid:?\s*)?(\d{1,9})$", re.IGNORECASE)
DOI = re.compile(r"(10\.\d{4,9}/\S+)", re.IGNORECASE)
# Title matters most, then keywords and MeSH, then authors and journal; abstract is long.
WEIGHTS = {"title": 10.0, "keywords": 5.0, "mesh_terms": 4.0, "authors": 3.0, "journal": 2.0}
PER_PAGE = 20
MARK_OPEN, MARK_CLOSE = "\x02", "\x03"


BAREWORD = re.compile(r"^[A-Za-z0-9]+$")
RESERVED = {"and", "or", "not", "near"}


def _quote(text: str) -> str:
    """A bareword when FTS5 reads it as one plain term, else a quoted string (a phrase)."""
    if BAREWORD.match(text) and text.lower() not in RESERVED:
        return text
    return '"' + text.replace('"', "") + '"'


def build_fts_query(text: str) -> str | None:
    """A safe FTS5 MATCH expression for what a person typed, or None when nothing searchable.

    Words are all required; OR / AND / NOT (any case) between terms are operators; "quoted
    phrases" stay phrases (an unclosed quote closes at the end); a trailing * is a prefix.
    Everything else is quoted, so no input can be an FTS syntax error.
    """
    parts: list[str] = []
    for phrase, bare in TOKEN.findall(text or ""):
        if phrase or (not bare and phrase == ""):
            words = WORD.findall(phrase)
            if words:
                parts.append(_quote(" ".join(words)))
            continue
        op = OPERATORS.get(bare.lower())
        if op and (op != "NOT" or bare == "NOT"):
            if parts and parts[-1] not in OPERATORS.values():
                parts.append(op)
            continue
        prefix = bare.rstrip(")").endswith("*")
        words = WORD.findall(bare)
        if not words:
            continue
        term = _quote(" ".join(words))
        parts.append(term + "*" if prefix and len(words) == 1 else term)
    while parts and parts[-1] in OPERATORS.values():
        parts.pop()
    if parts and parts[0] == "NOT":
        parts.pop(0)
    return " ".join(parts) or None


def find_identifier(text: str) -> tuple[str, str] | None:
    """("pmid", "12345678") or ("doi", "10.1/x") when the whole query is one identifier."""
    text = (text or "").strip()
    match = PMID.match(text)
    if match:
        return "pmid", match.group(1)
    match = DOI.search(text)
    if match and len(text.split()) == 1:
        return "doi", match.group(1).rstrip(".,;)]").lower()
    return None


def bm25_weights(columns: list[str]) -> str:
    """bm25() column weights in the FTS table's column order."""
    return ", ".join(str(WEIGHTS.get(c, 1.0)) for c in columns)


def highlight(snippet: str | None) -> Markup:
    """A snippet with its match markers as <mark>, everything else escaped."""
    if not snippet:
        return Markup("")
    text = str(escape(snippet))
    return Markup(text.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>"))


ROW_COLUMNS = (
    "s.pmid, s.title, s.citation, s.authors, s.journal_iso, s.pub_year, s.design,"
    " s.evidence_level, s.retracted, s.erratum, s.expression_of_concern, s.on_topic, s.human,"
    " s.comments_corrections, s.publication_types"
)


async def fetch_identifier(db: Any, kind: str, value: str) -> list[dict]:
    """The study a PMID or DOI names (none when the catalog does not hold it)."""
    where = "s.pmid = ?" if kind == "pmid" else "lower(s.doi) = ?"
    sql = f"select {ROW_COLUMNS}, null as snip from studies s where {where} and s.deleted = 0"
    params = [int(value) if kind == "pmid" else value]
    return [dict(r) for r in (await db.execute(sql, params)).rows]


async def fetch_matches(db: Any, query: str, offset: int = 0) -> tuple[int, list[dict]]:
    """(total, one page of studies) for an FTS5 query, best match first, with snippets."""
    weights = bm25_weights(FTS_COLUMNS)
    total = (
        await db.execute(
            "select count(*) from studies_fts f join studies s on s.rowid = f.rowid"
            " where studies_fts match ? and s.deleted = 0",
            [query],
        )
    ).rows[0][0]
    sql = (
        f"select {ROW_COLUMNS}, snippet(studies_fts, -1, '{MARK_OPEN}', '{MARK_CLOSE}', '…', 24)"
        f" as snip from studies_fts f join studies s on s.rowid = f.rowid"
        f" where studies_fts match ? and s.deleted = 0"
        f" order by bm25(studies_fts, {weights}), s.pmid desc limit {PER_PAGE} offset ?"
    )
    rows = (await db.execute(sql, [query, offset])).rows
    return total, [dict(r) for r in rows]


def result_view(row: dict, labels: dict) -> dict:
    """A search result for the template: flags, notice kind, design label, highlighted snippet."""
    flags = study_flags(row)
    design = (labels.get("design") or {}).get(row.get("design") or "")
    notes = []
    if row.get("on_topic") == 0:
        notes.append("Off-topic")
    if row.get("human") == 0:
        notes.append("Animal study")
    return {
        **row,
        "flags": [(f, FLAG_LABELS[f]) for f in flags],
        "notice": notice_kind(row),
        "notes": notes,
        "design_label": design[0] if design else None,
        "snippet": highlight(row.get("snip")),
    }


async def search_page(datasette: Any, request: Any) -> Response:
    """/-/search?q=: ranked results, or a friendly message; never an SQL error page."""
    db, labels = catalog_db(datasette), labels_of(datasette)
    text = (request.args.get("q") or "").strip()
    offset_text = request.args.get("offset") or "0"
    offset = int(offset_text) if offset_text.isdigit() else 0
    context: dict[str, Any] = {"q": text, "results": [], "total": 0, "message": None}
    identifier = find_identifier(text)
    query = build_fts_query(text)
    try:
        if identifier:
            context["results"] = await fetch_identifier(db, *identifier)
            context["total"] = len(context["results"])
        if not context["results"] and query:
            context["total"], context["results"] = await fetch_matches(db, query, offset)
    except (sqlite3.Error, QueryInterrupted):
        context["message"] = (
            "That search could not be run. Try fewer words, or put a phrase in quotes."
        )
    if text and not query and not identifier:
        context["message"] = "Type a word to search for (punctuation alone finds nothing)."
    elif text and not context["results"] and not context["message"]:
        context["message"] = (
            f"No studies match {text!r}. Try fewer words, OR between alternatives, or a "
            "prefix such as midaz*."
        )
    context["results"] = [result_view(r, labels) for r in context["results"]]
    context["fts_query"] = query
    shown = offset + len(context["results"])
    if context["total"] > shown:
        context["next_url"] = f"?{urlencode({'q': text, 'offset': shown})}"
    context["offset"] = offset
    context["table_url"] = datasette.urls.table("catalog", "studies") + (
        f"?{urlencode({'_search': query, '_searchmode': 'raw'})}" if query else ""
    )
    html = await datasette.render_template("search.html", context, request=request)
    return Response.html(html)
