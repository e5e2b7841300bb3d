"""The citation check: match each citation of a draft to the catalog and give it a status.

Works on a plain `sqlite3.Connection` (read only), so the CLI and the Datasette page share it.
`--online` looks citations that are not in the catalog up through E-utilities with the
project's client and parser, and reports their retraction status too.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from rapidfuzz import fuzz

from harvest.citing.extract import Found, extract_citations, normalise_doi, normalise_text
from harvest.citing.flags import study_flags
from harvest.citing.styles import cite_ama
from harvest.pubmed.eutils import EutilsClient
from harvest.pubmed.fetch import fetch_by_ids, parse_esearch

# Most serious first; a citation's status is the first of these among its flags, else "ok".
STATUS_ORDER = ("retracted", "expression_of_concern", "erratum", "not_in_catalog", "uncertain",
                "off_topic", "animal")  # fmt: skip
FAILING = ("retracted", "expression_of_concern")
SUMMARY_KEYS = ("retracted", "expression_of_concern", "erratum", "not_in_catalog", "uncertain")
# Reference entries: a title this similar (0-100, rapidfuzz) with the first author's name and
# the year is a match; a weaker best candidate is reported as "uncertain", never as a hit.
CONFIDENT_SCORE = 90
CANDIDATE_SCORE = 60
STUDY_COLUMNS = (
    "pmid, title, doi, pmcid, pub_year, authors, citation, design, evidence_level, "
    "retracted, erratum, expression_of_concern, on_topic, human, publication_types, "
    "comments_corrections"
)
STOP_WORDS = {"with", "from", "that", "this", "their", "into", "versus", "among", "after",
              "during", "study", "trial", "journal", "review", "doi"}  # fmt: skip


@dataclass(frozen=True)
class Match:
    """A catalog study (or an online record) for a citation, and how sure the match is."""

    row: Mapping | None
    confident: bool = True
    in_catalog: bool = True


def _rows(conn: sqlite3.Connection, sql: str, params: Iterable = ()) -> list[dict]:
    """Rows as dicts whatever the connection's row factory."""
    cursor = conn.execute(sql, tuple(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def find_study(conn: sqlite3.Connection, kind: str, value: str) -> dict | None:
    """The catalog study a PMID, DOI or PMCID names, or None."""
    if kind == "pmid":
        sql, param = "pmid = ?", int(value)
    elif kind == "doi":
        sql, param = "doi = ? collate nocase", value
    elif kind == "pmcid":
        sql, param = "pmcid = ? collate nocase", value
    else:
        return None
    rows = _rows(conn, f"select {STUDY_COLUMNS} from studies where {sql} limit 1", [param])
    return rows[0] if rows else None


def _words(text: str) -> list[str]:
    words = {w for w in normalise_text(text).split() if len(w) > 3 and not w.isdigit()}
    return sorted(words - STOP_WORDS)


def _fts_queries(entry: str) -> list[str]:
    """FTS5 queries on titles: the entry's longest sentence (most often its title) with every
    word required, which is quick; then any of the entry's words, ranked."""
    title = max(re.split(r"(?<=[.?!])\s+", entry), key=len)
    queries = []
    if len(_words(title)) >= 2:
        queries.append("title : (" + " AND ".join(f'"{w}"' for w in _words(title)) + ")")
    if _words(entry):
        queries.append("title : (" + " OR ".join(f'"{w}"' for w in _words(entry)) + ")")
    return queries


def _first_author(row: Mapping) -> str:
    """The first author's family name (or a group's first words), normalised."""
    value = row.get("authors")
    if isinstance(value, list):  # a parsed record: author dicts
        first = value[0] if value else {}
        return normalise_text(first.get("last_name") or first.get("collective_name") or "")
    names = re.split(r",\s*", value or "")
    first = names[0].strip() if names else ""
    # "Feder A" -> "feder"; a collective name keeps its first word
    parts = first.split()
    if len(parts) > 1 and parts[-1].isupper() and len(parts[-1]) <= 3:
        parts = parts[:-1]
    return normalise_text(" ".join(parts))


def score_reference(entry: str, row: Mapping) -> tuple[float, bool, bool]:
    """(title similarity 0-100, first author named, year given) of an entry against a study."""
    line, title = normalise_text(entry), normalise_text(row.get("title") or "")
    if not title:
        return 0.0, False, False
    score = fuzz.partial_ratio(title, line) if len(title) <= len(line) else fuzz.ratio(title, line)
    author = _first_author(row)
    named = bool(author) and f" {author} " in f" {line} "
    year = bool(row.get("pub_year")) and str(row["pub_year"]) in entry
    return score, named, year


def _candidates(conn: sqlite3.Connection, query: str, limit: int) -> list[dict]:
    """Studies whose titles match an FTS5 query, best rank first."""
    try:
        pmids = [
            row[0]
            for row in conn.execute(
                "select rowid from studies_fts where studies_fts match ? order by rank limit ?",
                (query, limit),
            )
        ]
    except sqlite3.OperationalError:  # no FTS index (an old or foreign file)
        return []
    marks = ",".join("?" * len(pmids))
    return _rows(conn, f"select {STUDY_COLUMNS} from studies where pmid in ({marks})", pmids)


def match_reference(conn: sqlite3.Connection, entry: str, limit: int = 20) -> Match:
    """The catalog study a reference entry describes (title, first author, year), or none."""
    best, best_key = None, (-1.0, 0.0)
    for query in _fts_queries(entry):
        for row in _candidates(conn, query, limit):
            score, named, year = score_reference(entry, row)
            key = (score + 5 * named + 5 * year, score)
            if key > best_key:
                best, best_key = (row, score, named, year), key
        if best and best[1] >= CONFIDENT_SCORE and best[2] and best[3]:
            break  # a confident match from the quick query: no need to rank every word
    if best is None or best[1] < CANDIDATE_SCORE:
        return Match(None, in_catalog=False)
    row, score, named, year = best
    confident = (score >= CONFIDENT_SCORE and named and year) or (score >= 97 and (named or year))
    return Match(row, confident=confident)


def citation_flags(row: Mapping | None, match: Match) -> list[str]:
    """Every flag that applies to a matched citation, most serious first."""
    found = set()
    if row is not None:
        found.update(study_flags(row))
        if row.get("on_topic") == 0:
            found.add("off_topic")
        if row.get("human") == 0:
            found.add("animal")
    if not match.in_catalog:
        found.add("not_in_catalog")
    if not match.confident:
        found = {"uncertain"}  # a possible match is never reported with the study's flags
    return [flag for flag in STATUS_ORDER if flag in found]


def citation_entry(found: Found, match: Match) -> dict:
    """One citation of the JSON report."""
    row = match.row
    flags = citation_flags(row, match)
    return {
        "line": found.line,
        "found": found.found,
        "kind": found.kind,
        "pmid": int(row["pmid"]) if row and row.get("pmid") is not None else None,
        "status": flags[0] if flags else "ok",
        "flags": flags,
        "design": row.get("design") if row else None,
        "evidence_level": row.get("evidence_level") if row else None,
        "citation": (row.get("citation") or cite_ama(row)) if row else None,
    }


def match_citation(conn: sqlite3.Connection, found: Found) -> Match:
    """The catalog's study for one found citation (possibly uncertain or none)."""
    if found.kind == "reference":
        return match_reference(conn, found.value)
    row = find_study(conn, found.kind, found.value)
    return Match(row) if row else Match(None, in_catalog=False)


def check_lines(
    conn: sqlite3.Connection, lines: Iterable[tuple[int, str, bool]], online: Online | None = None
) -> list[dict]:
    """Citations of one document with their matches: one per study per line, one per record."""
    matched = [(found, match_citation(conn, found)) for found in extract_citations(lines)]
    if online is not None:
        matched = [(found, _online(online, found, match)) for found, match in matched]
    results, seen, entries = [], set(), {}
    for found, match in matched:
        if found.entry:  # a RIS/nbib record is one citation: its best-matched identifier
            best = entries.get(found.line)
            if best is None or (best[1].row is None and match.row is not None):
                entries[found.line] = (found, match)
            continue
        key = (found.line, match.row["pmid"]) if match.row else (found.line, found.value)
        if key in seen:
            continue  # "doi:... PMID: ..." of one reference entry is one citation
        seen.add(key)
        results.append((found, match))
    results += entries.values()
    results.sort(key=lambda item: item[0].line)
    return [citation_entry(found, match) for found, match in results]


def _online(online: Online, found: Found, match: Match) -> Match:
    """Look a citation not in the catalog up in PubMed (identifiers only)."""
    if match.in_catalog or found.kind == "reference":
        return match
    record = online.lookup(found.kind, found.value)
    return Match(record, in_catalog=False) if record is not None else match


def summarise(documents: list[dict]) -> dict:
    """Counts for the summary: citations, and citations per serious status."""
    citations = [c for d in documents for c in d["citations"]]
    summary = {"citations": len(citations)}
    for key in SUMMARY_KEYS:
        summary[key] = sum(1 for c in citations if key in c["flags"])
    return summary


def check_report(
    conn: sqlite3.Connection, documents: Iterable[tuple[str, list]], online: Online | None = None
) -> dict:
    """The whole report: {"documents": [{"path", "citations"}], "summary": {...}}."""
    docs = [
        {"path": path, "citations": check_lines(conn, lines, online)} for path, lines in documents
    ]
    return {"documents": docs, "summary": summarise(docs)}


def report_failed(report: Mapping) -> bool:
    """True when anything cited is retracted or under an expression of concern."""
    return any(
        flag in FAILING for d in report["documents"] for c in d["citations"] for flag in c["flags"]
    )


def render_report(report: Mapping) -> str:
    """The report as text: one line per citation, then the summary."""
    lines = []
    for doc in report["documents"]:
        lines.append(f"{doc['path']}: {len(doc['citations'])} citations")
        for c in doc["citations"]:
            study = f"PMID {c['pmid']}" if c["pmid"] else "no match"
            extra = ", ".join(f for f in c["flags"] if f != c["status"])
            status = c["status"].upper().replace("_", " ") + (f" (also {extra})" if extra else "")
            level = c["evidence_level"] if c["evidence_level"] is not None else "?"
            lines.append(f"  line {c['line']}: {c['found']} -> {study}: {status}")
            if c["pmid"]:
                lines.append(f"    {c['design'] or 'design not tagged'}, evidence level {level}")
            if c["citation"]:
                lines.append(f"    {c['citation']}")
    s = report["summary"]
    lines.append(
        f"{s['citations']} citations: {s['retracted']} retracted, "
        f"{s['expression_of_concern']} under an expression of concern, {s['erratum']} with errata, "
        f"{s['not_in_catalog']} not in the catalog, {s['uncertain']} uncertain matches"
    )
    return "\n".join(lines)


class Online:
    """Looks citations up in PubMed through E-utilities (the project's client, NCBI's rules)."""

    def __init__(self, client: EutilsClient, enrich: Callable | None = None) -> None:
        self.client, self.enrich = client, enrich
        self._cache: dict[tuple[str, str], dict | None] = {}

    def lookup(self, kind: str, value: str) -> dict | None:
        """The parsed PubMed record a PMID, DOI or PMCID names, or None."""
        key = (kind, value)
        if key not in self._cache:
            self._cache[key] = self._lookup(kind, value)
        return self._cache[key]

    def _lookup(self, kind: str, value: str) -> dict | None:
        if kind == "pmid":
            return self._fetch([int(value)], kind, value)
        field = "doi" if kind == "doi" else "pmcid"
        params = {"db": "pubmed", "term": f'"{value}"[{field}]', "retmax": 20}
        ids = self.client.call("esearch", params, parse_esearch)["ids"]
        return self._fetch(list(ids), kind, value) if ids else None

    def _fetch(self, pmids: list[int], kind: str, value: str) -> dict | None:
        for item in fetch_by_ids(self.client, pmids, 200, set()):
            if isinstance(item, dict) and _names(item, kind, value):
                return _as_row(item, self.enrich)
        return None


def _names(record: Mapping, kind: str, value: str) -> bool:
    """Whether a fetched record is the one the identifier names (esearch can be loose)."""
    if kind == "pmid":
        return str(record.get("pmid")) == value
    if kind == "doi":
        return normalise_doi(record.get("doi") or "") == value
    return (record.get("pmcid") or "").upper() == value


def _as_row(record: Mapping, enrich: Callable | None = None) -> dict:
    """A parsed record shaped like a studies row: tagged by the taxonomy when `enrich` is given
    (design, evidence level, topic and human flags, citations), else only its AMA citation."""
    row = dict(record)
    row.update(citation=cite_ama(record), design=None, evidence_level=None, on_topic=None,
               human=None)  # fmt: skip
    if enrich is not None:
        columns, _ = enrich(record)
        row.update({k: columns[k] for k in ("design", "evidence_level", "on_topic", "human",
                                            "citation") if columns.get(k) is not None})  # fmt: skip
    return row
