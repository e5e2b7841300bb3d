"""The ledger of what each content page cites, re-validated after every refresh.

`save_page_scan` records each page's cited studies in `pages` and `page_citations` (a citation
that left the page is marked removed, never deleted). `review_cited_studies` lists a page *to
review* in `page_reviews` when a study it cites is retracted, gets an expression of concern or an
erratum, is deleted by PubMed or leaves the search; `resolve_review` records who reviewed it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from harvest.catalog.snapshot import latest_snapshot
from harvest.citing.check import match_citation
from harvest.citing.documents import DOCUMENT_SUFFIXES, Line, read_document
from harvest.citing.extract import Found, extract_citations
from harvest.errors import HarvestError

# Why a page must be reviewed: reason -> (condition on the cited study `s`, label for people).
REVIEW_REASONS = {
    "retracted": ("s.retracted = 1", "retracted"),
    "expression_of_concern": ("s.expression_of_concern = 1", "under an expression of concern"),
    "erratum": ("s.erratum = 1", "corrected by an erratum"),
    "deleted": ("s.deleted = 1", "deleted by PubMed"),
    "left_search": (
        "s.in_search = 0 and s.deleted = 0 and exists (select 1 from study_changes x "
        "where x.pmid = s.pmid and x.change = 'left_search')",
        "no longer in the catalog's search",
    ),
}
LEDGER_TABLES = ("pages", "page_citations", "page_reviews")
STRONG_LEVEL = 2  # evidence levels 1 and 2 are "strong"; 3 and weaker are not


def utc_now() -> str:
    """Now as the catalog writes times (ISO 8601, UTC, seconds)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class PageScan:
    """One page as read: its name in the ledger, its file and its citations."""

    page: str
    path: Path
    citations: dict[int, Found] = field(default_factory=dict)
    unmatched: list[Found] = field(default_factory=list)


@dataclass
class ScanOutcome:
    """What a scan recorded, for its summary."""

    pages: list[PageScan]
    added: int = 0
    removed: int = 0
    to_review: int = 0

    def summary(self) -> str:
        """One line: pages, citations, added, removed, unmatched, to review."""
        cited = sum(len(p.citations) for p in self.pages)
        unmatched = sum(len(p.unmatched) for p in self.pages)
        return (
            f"ledger: {len(self.pages)} pages, {cited} cited studies ({self.added} new, "
            f"{self.removed} removed), {unmatched} citations not in the catalog, "
            f"{self.to_review} to review"
        )


def page_files(targets: Iterable[Path], base_url: str | None = None) -> list[tuple[str, Path]]:
    """(page name, file) for each FILE, and each document under each DIR (path relative to it).

    With `base_url`, a page is named by its URL: base URL + path relative to the folder.
    """
    found = []
    for target in targets:
        target = Path(target)
        if target.is_dir():
            files = sorted(
                p
                for p in target.rglob("*")
                if p.is_file()
                and p.suffix.lower() in DOCUMENT_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(target).parts)
            )
            found += [(p.relative_to(target).as_posix(), p) for p in files]
        elif target.is_file():
            found.append((target.as_posix().removeprefix("./"), target))
        else:
            raise HarvestError(f"no such file or folder: {target}")
    if base_url:
        found = [(f"{base_url.rstrip('/')}/{name.lstrip('/')}", path) for name, path in found]
    return found


def scan_page(db: sqlite_utils.Database, page: str, path: Path, lines: list[Line]) -> PageScan:
    """The studies a page cites (by PMID); citations not matched to one are kept aside."""
    scan = PageScan(page, path)
    for found in extract_citations(lines):
        match = match_citation(db.conn, found)
        if match.row is not None and match.confident:
            scan.citations.setdefault(int(match.row["pmid"]), found)
        elif found.kind == "pmid":  # a PMID not (yet) in the catalog is still what the page cites
            scan.citations.setdefault(int(found.value), found)
        else:
            scan.unmatched.append(found)
    return scan


@contextmanager
def _transaction(db: sqlite_utils.Database) -> Iterator[None]:
    conn = db.conn
    conn.execute("begin immediate")
    try:
        yield
    except BaseException:
        conn.execute("rollback")
        raise
    conn.execute("commit")


def scan_pages(
    db: sqlite_utils.Database,
    targets: Iterable[Path],
    base_url: str | None = None,
    now: str | None = None,
) -> ScanOutcome:
    """Read every page first (a bad file stops the scan before anything is written), then save."""
    now = now or utc_now()
    scans = [
        scan_page(db, page, path, read_document(path))
        for page, path in page_files(targets, base_url)
    ]
    outcome = ScanOutcome(scans)
    with _transaction(db):
        for scan in scans:
            added, removed = save_page_scan(db, scan, now)
            outcome.added += added
            outcome.removed += removed
        outcome.to_review = review_cited_studies(db, run_id=None, now=now, transaction=False)
    return outcome


def save_page_scan(db: sqlite_utils.Database, scan: PageScan, now: str) -> tuple[int, int]:
    """Upsert one page and its citations; (citations added, citations marked removed)."""
    conn = db.conn
    snapshot = latest_snapshot(db)  # the dated copy of the catalog the page was checked against
    conn.execute(
        "insert into pages (page, path, first_seen, last_scanned, citations, unmatched, snapshot) "
        "values (?, ?, ?, ?, ?, ?, ?) on conflict(page) do update set path = excluded.path, "
        "last_scanned = excluded.last_scanned, citations = excluded.citations, "
        "unmatched = excluded.unmatched, snapshot = excluded.snapshot",
        (
            scan.page,
            str(scan.path),
            now,
            now,
            len(scan.citations),
            len(scan.unmatched),
            snapshot.file if snapshot else None,
        ),  # fmt: skip
    )
    before = dict(
        conn.execute("select pmid, removed from page_citations where page = ?", (scan.page,))
    )
    added = 0
    for pmid, found in scan.citations.items():
        if pmid not in before or before[pmid]:
            added += 1
        conn.execute(
            "insert into page_citations (page, pmid, kind, found, line, first_seen, last_seen, "
            "removed) values (?, ?, ?, ?, ?, ?, ?, 0) on conflict(page, pmid) do update set "
            "kind = excluded.kind, found = excluded.found, line = excluded.line, "
            "last_seen = excluded.last_seen, removed = 0, removed_at = null",
            (scan.page, pmid, found.kind, found.found, found.line, now, now),
        )
    gone = [pmid for pmid, removed in before.items() if not removed and pmid not in scan.citations]
    conn.executemany(
        "update page_citations set removed = 1, removed_at = ? where page = ? and pmid = ?",
        [(now, scan.page, pmid) for pmid in gone],
    )
    return added, len(gone)


def ledger_exists(db: sqlite_utils.Database) -> bool:
    """True when the catalog has the ledger's tables (older catalogs may not)."""
    names = {row[0] for row in db.conn.execute("select name from sqlite_master")}
    return set(LEDGER_TABLES) <= names


def current_problems(db: sqlite_utils.Database) -> set[tuple[str, int, str]]:
    """(page, pmid, reason) for every cited study that is retracted, deleted, ... right now."""
    problems = set()
    for reason, (condition, _) in REVIEW_REASONS.items():
        rows = db.conn.execute(
            "select c.page, c.pmid from page_citations c join studies s on s.pmid = c.pmid "
            f"where c.removed = 0 and {condition}"
        )
        problems.update((page, pmid, reason) for page, pmid in rows)
    return problems


def review_cited_studies(
    db: sqlite_utils.Database,
    run_id: int | None = None,
    now: str | None = None,
    transaction: bool = True,
) -> int:
    """List pages whose cited studies changed; returns how many reviews are open.

    A (page, study, reason) already listed, even if resolved, is not listed again while the
    reason holds; when it stops holding (unflagged, or the page no longer cites it) the row is
    cleared, so the next change lists the page again.
    """
    if not ledger_exists(db):
        return 0
    now = now or utc_now()
    if transaction:
        with _transaction(db):
            return review_cited_studies(db, run_id, now, transaction=False)
    conn = db.conn
    problems = current_problems(db)
    listed = {
        (page, pmid, reason): rid
        for rid, page, pmid, reason in conn.execute(
            "select id, page, pmid, reason from page_reviews where cleared_at is null"
        )
    }
    conn.executemany(
        "update page_reviews set cleared_at = ? where id = ?",
        [(now, rid) for key, rid in listed.items() if key not in problems],
    )
    conn.executemany(
        "insert into page_reviews (page, pmid, reason, detected, run_id) values (?, ?, ?, ?, ?)",
        [
            (page, pmid, reason, now, run_id)
            for page, pmid, reason in sorted(problems - set(listed))
        ],
    )
    return len(pages_to_review(db))


def pages_to_review(db: sqlite_utils.Database) -> list[dict]:
    """Open reviews, oldest first: page, pmid, title, reason, label, detected."""
    if not ledger_exists(db):
        return []
    rows = db.conn.execute(
        "select r.id, r.page, r.pmid, s.title, r.reason, r.detected from page_reviews r "
        "left join studies s on s.pmid = r.pmid "
        "where r.resolved_at is null and r.cleared_at is null order by r.detected, r.page, r.pmid"
    )
    keys = ("id", "page", "pmid", "title", "reason", "detected")
    result = [dict(zip(keys, row, strict=True)) for row in rows]
    for row in result:
        row["label"] = REVIEW_REASONS.get(row["reason"], (None, row["reason"]))[1]
    return result


def resolve_review(
    db: sqlite_utils.Database, page: str, pmid: int, by: str, note: str, now: str | None = None
) -> int:
    """Record that `by` reviewed the page's citation of `pmid`; how many reviews it closed."""
    if (
        not ledger_exists(db)
        or not db.conn.execute("select 1 from pages where page = ?", (page,)).fetchone()
    ):
        raise HarvestError(f"no page {page!r} in the ledger: run `harvest ledger scan` first")
    with _transaction(db):
        cursor = db.conn.execute(
            "update page_reviews set resolved_at = ?, resolved_by = ?, note = ? where page = ? "
            "and pmid = ? and resolved_at is null and cleared_at is null",
            (now or utc_now(), by, note, page, pmid),
        )
    if not cursor.rowcount:
        raise HarvestError(f"nothing to review for {page} and PMID {pmid}")
    return cursor.rowcount


def _pairs(conditions: str | None, modalities: str | None) -> list[tuple[str, str]]:
    def decode(value):
        try:
            items = json.loads(value or "[]")
        except ValueError:
            return []
        return [str(i) for i in items] if isinstance(items, list) else []

    return [(c, m) for c in decode(conditions) for m in decode(modalities)]


def stronger_evidence(db: sqlite_utils.Database) -> list[dict]:
    """Pages whose citations for a condition and treatment are all level 3 or weaker, while the
    catalog holds a level 1 or 2 study for that pair (informational, never a failure)."""
    if not ledger_exists(db):
        return []
    weakest: dict[tuple[str, str, str], int] = {}
    rows = db.conn.execute(
        "select c.page, s.evidence_level, s.conditions, s.modalities from page_citations c "
        "join studies s on s.pmid = c.pmid where c.removed = 0"
    )
    for page, level, conditions, modalities in rows:
        for condition, modality in _pairs(conditions, modalities):
            key = (page, condition, modality)
            weakest[key] = min(weakest.get(key, 99), level if level is not None else 99)
    found, strong = [], {}
    for (page, condition, modality), level in sorted(weakest.items()):
        if level <= STRONG_LEVEL:
            continue
        if (condition, modality) not in strong:
            strong[(condition, modality)] = [
                row[0]
                for row in db.conn.execute(
                    "select pmid from studies s where evidence_level <= ? and retracted = 0 "
                    "and expression_of_concern = 0 and deleted = 0 "
                    "and coalesce(on_topic, 1) = 1 and coalesce(human, 1) = 1 "
                    "and exists (select 1 from json_each(s.conditions) where value = ?) "
                    "and exists (select 1 from json_each(s.modalities) where value = ?) "
                    "order by evidence_level, pub_year desc, pmid",
                    (STRONG_LEVEL, condition, modality),
                )
            ]
        if strong[(condition, modality)]:
            found.append(
                {
                    "page": page,
                    "condition": condition,
                    "modality": modality,
                    "cited_level": None if level == 99 else level,
                    "stronger": strong[(condition, modality)],
                }
            )
    return found


def review_lines(db: sqlite_utils.Database) -> list[str]:
    """Lines for `harvest status`: pages to review, then stronger evidence (informational)."""
    lines = []
    reviews = pages_to_review(db)
    if reviews:
        lines.append(f"Pages to review: {len(reviews)}")
        lines.extend(
            f"  {r['page']}: PMID {r['pmid']} {r['label']} (since {r['detected']}): "
            f"{r['title'] or 'not in the catalog'}"
            for r in reviews
        )
    for item in stronger_evidence(db):
        lines.append(stronger_line(item))
    return lines


def stronger_line(item: dict) -> str:
    """One informational line about stronger evidence for a page."""
    level = item["cited_level"] if item["cited_level"] is not None else "untagged"
    pmids = ", ".join(str(p) for p in item["stronger"][:5])
    return (
        f"  stronger evidence available for {item['page']} ({item['condition']} + "
        f"{item['modality']}, cited level {level}): PMID {pmids}"
    )
