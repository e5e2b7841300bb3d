"""The three writers: refresh from PubMed, import files, retag; each recorded in harvest_runs."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlite_utils

from harvest.catalog.runs import (
    StopRequest,
    close_abandoned_runs,
    finish_run,
    last_success,
    start_run,
    utc_now,
)
from harvest.catalog.store import FLAG_COLUMNS, Run, Stats, batch_transaction, save_records
from harvest.catalog.workers import prepared_items
from harvest.citing.ledger import review_cited_studies
from harvest.citing.styles import citations
from harvest.config import Query, Settings
from harvest.errors import HarvestError
from harvest.pubmed.eutils import EutilsClient
from harvest.pubmed.fetch import fetch_by_ids, fetch_records, fetch_windows
from harvest.pubmed.sources import open_input
from harvest.record import from_row
from harvest.tagging.changes import TagChanges
from harvest.tagging.details import DetailRules, detail_columns, extract_details
from harvest.tagging.tag import tag_record

log = logging.getLogger("harvest")
Progress = Callable[[Iterable], Iterable]
FLAG_WORDS = {
    "retracted": "newly retracted",
    "erratum": "newly corrected",
    "expression_of_concern": "new expression of concern",
}


@dataclass
class Outcome:
    """What a run did, for the summary line and `harvest status`."""

    run_id: int
    mode: str
    stats: Stats
    found: int = 0
    requests: int = 0
    seconds: float = 0.0
    left_search: int = 0

    def counts(self) -> dict:
        """Counts as stored in harvest_runs."""
        s = self.stats
        return {
            "found": self.found,
            "new": s.new,
            "updated": s.updated,
            "unchanged": s.unchanged,
            "failed": s.failed,
            "deleted": s.deleted,
            "requests": self.requests,
        }

    def summary(self) -> str:
        """One line: new / updated / unchanged / failed, requests, seconds."""
        s = self.stats
        line = (
            f"{self.mode}: {s.new} new, {s.updated} updated, {s.unchanged} unchanged, "
            f"{s.failed} failed"
        )
        if s.deleted:
            line += f", {s.deleted} deleted"
        if self.left_search:
            line += f", {self.left_search} left the search"
        flagged = [c for _, c in s.changes]
        for flag, label in FLAG_WORDS.items():
            count = flagged.count(flag)
            if count:
                line += f", {count} {label if count == 1 else label.replace('ion ', 'ions ')}"
        return f"{line}; {self.requests} requests in {self.seconds:.1f}s"


class RecordEnricher:
    """Tags, study details and citations of records: (studies columns, provenance rows) each.

    `many` runs each stage over a whole batch before the next: the tagger's and the details'
    automata and patterns then stay in the CPU cache, about a fifth less time per record than
    running the stages record by record.
    """

    def __init__(self, taxonomy, details: DetailRules | None = None):
        self.taxonomy, self.details = taxonomy, details

    def __call__(self, record: dict) -> tuple[dict, list]:
        """One record's columns and provenance."""
        return self.many([record])[0]

    def many(self, records: list[dict]) -> list[tuple[dict, list]]:
        """Columns and provenance of each record, in order, computed stage by stage."""
        taxonomy, details = self.taxonomy, self.details
        tags = [tag_record(record, taxonomy) for record in records]
        out = []
        for found in tags:
            columns = found.as_columns()
            for facet in ("conditions", "modalities", "routes", "populations"):
                columns[facet] = json.dumps(list(columns[facet]))
            columns["tagger_version"] = taxonomy.tagger_version
            out.append((columns, list(found.provenance)))
        if details is not None:
            for record, found, (columns, provenance) in zip(records, tags, out, strict=True):
                extracted = extract_details(
                    record, details, design=found.design, conditions=found.conditions
                )
                columns.update(detail_columns(extracted))
                provenance.extend(extracted.provenance)
        for record, (columns, _) in zip(records, out, strict=True):
            columns.update(citations(record))
        return out


def make_enricher(taxonomy, details: DetailRules | None = None) -> RecordEnricher:
    """Tags, study details and citations for a record: (studies columns, provenance)."""
    return RecordEnricher(taxonomy, details)


def failure_message(exc: BaseException) -> str:
    """The one line a failed run records (and the CLI prints)."""
    if isinstance(exc, HarvestError):
        return str(exc) or type(exc).__name__
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (SIGINT)"
    if isinstance(exc, sqlite3.Error):
        return f"catalog database: {exc}"
    return f"{type(exc).__name__}: {exc}"


def _run(db, mode, query, since, body) -> Outcome:
    """Open a run row, execute `body(outcome)`, and close the run as ok or failed."""
    close_abandoned_runs(db)
    run_id = start_run(db, mode, query, since)
    started = time.monotonic()
    outcome = Outcome(run_id, mode, Stats())
    try:
        body(outcome)
    except BaseException as exc:
        outcome.seconds = time.monotonic() - started
        try:
            finish_run(db, run_id, "failed", outcome.counts(), failure_message(exc))
        except sqlite3.Error as second:  # e.g. the disk is still full: keep the first cause
            log.error("could not record run %s as failed: %s", run_id, second)
        raise
    outcome.seconds = time.monotonic() - started
    finish_run(db, run_id, "ok", outcome.counts())
    return outcome


def _stop_check(stop: StopRequest | None) -> Callable[[], None]:
    return stop.check if stop else lambda: None


def refresh(
    db: sqlite_utils.Database,
    settings: Settings,
    query: Query,
    enrich,
    *,
    full: bool = False,
    progress: Progress = lambda items: items,
    client: EutilsClient | None = None,
    stop: StopRequest | None = None,
) -> Outcome:
    """Bring the catalog up to date with PubMed: incremental after a first success, else full."""
    previous = None if full else last_success(db)
    since = None
    if previous:
        started = datetime.strptime(previous["started"][:10], "%Y-%m-%d").date()
        since = started - timedelta(days=settings.overlap_days)
    mode = "incremental" if since else "full"
    client = client or EutilsClient(settings)

    def body(outcome: Outcome) -> None:
        run = Run(outcome.run_id, utc_now(), enrich, True, "refresh", _stop_check(stop))
        outcome.stats = run.stats
        try:
            if since:
                _incremental(db, client, settings, query, run, since, outcome, progress)
            else:
                _full(db, client, settings, query, run, outcome, progress)
        finally:
            outcome.requests = client.requests

    outcome = _run(db, mode, query.term, since.isoformat() if since else None, body)
    review_cited_studies(db, outcome.run_id)  # pages citing a study that changed: to review
    return outcome


def _full(db, client, settings, query, run: Run, outcome, progress) -> None:
    in_search: set[int] = set()
    for window in fetch_windows(client, query.term):
        in_search.update(window.ids)
        outcome.found = len(in_search)
        save_records(db, progress(fetch_records(client, window, settings.batch_size)), run=run)
    outcome.left_search = reconcile_search(db, in_search | run.stats.seen, run)


def _incremental(db, client, settings, query, run: Run, since: date, outcome, progress) -> None:
    fetched: set[int] = set()
    seen = run.stats.seen
    for datetype in ("edat", "mdat"):
        for window in fetch_windows(client, query.term, datetype=datetype, since=since):
            fetched.update(window.ids)
            outcome.found = len(fetched)
            if datetype == "edat":
                items = fetch_records(client, window, settings.batch_size)
            else:
                todo = [pmid for pmid in window.ids if pmid not in seen]
                items = fetch_by_ids(client, todo, settings.batch_size, set(seen))
            save_records(db, progress(items), run=run)


def reconcile_search(db: sqlite_utils.Database, matched: set[int], run: Run) -> int:
    """After a full search: flag studies that no longer match (kept, never deleted)."""
    run.check_stop()
    with batch_transaction(db, run) as batch:
        conn = batch.conn
        conn.execute("create temp table if not exists matched (pmid integer primary key)")
        conn.execute("delete from matched")
        conn.executemany("insert or ignore into matched values (?)", ((p,) for p in matched))
        gone = [
            row[0]
            for row in conn.execute(
                "select pmid from studies where in_search = 1 "
                "and pmid not in (select pmid from matched)"
            )
        ]
        for pmid in gone:
            batch.set_flag(pmid, "in_search", 0, "left_search")
        conn.execute("delete from matched")
    return len(gone)


def import_files(
    db: sqlite_utils.Database,
    paths: list[Path],
    enrich,
    *,
    progress: Progress = lambda items: items,
    stop: StopRequest | None = None,
) -> Outcome:
    """Import PubMed XML / MEDLINE files; DeleteCitation entries flag records as deleted.

    Worker processes parse, tag and cite; this process writes, in file order. Imported studies
    are not claimed to match the catalog's search (in_search = 0 until a refresh finds them).
    """
    for path in paths:
        open_input(path)[1].close()  # fail fast, before a run is opened, on a missing file
    source = ", ".join(map(str, paths))

    def body(outcome: Outcome) -> None:
        run = Run(outcome.run_id, utc_now(), enrich, False, source, _stop_check(stop))
        outcome.stats = run.stats
        save_records(db, progress(prepared_items(paths, enrich)), run=run)
        outcome.found = run.stats.stored + run.stats.failed

    outcome = _run(db, "import", source, None, body)
    review_cited_studies(db, outcome.run_id)  # update files retract and delete cited studies too
    return outcome


def retag(
    db: sqlite_utils.Database,
    enrich,
    *,
    progress: Progress = lambda items: items,
    stop: StopRequest | None = None,
) -> Outcome:
    """Re-apply the taxonomy (and citations) to every stored record, without network."""

    def body(outcome: Outcome) -> None:
        run = Run(outcome.run_id, utc_now(), enrich, check_stop=_stop_check(stop))
        outcome.stats = run.stats
        pmids = [row[0] for row in db.conn.execute("select pmid from studies order by pmid")]
        outcome.found = len(pmids)
        for start in progress(range(0, len(pmids), 500)):
            run.check_stop()
            chunk = pmids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = list(db.query(f"select * from studies where pmid in ({marks})", chunk))
            retag_rows(db, rows, run)

    return _run(db, "retag", "taxonomy", None, body)


def retag_preview(db: sqlite_utils.Database, enrich, progress: Progress = lambda i: i):
    """What `retag` would change, per tag (TagChanges), reading the catalog only."""
    changes = TagChanges()
    pmids = [row[0] for row in db.conn.execute("select pmid from studies order by pmid")]
    for start in progress(range(0, len(pmids), 500)):
        chunk = pmids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.query(f"select * from studies where pmid in ({marks})", chunk):
            changes.add(row["pmid"], row, enrich(from_row(row))[0])
    return changes


def retag_rows(db: sqlite_utils.Database, rows: list[dict], run: Run) -> None:
    """Recompute tags and citations of stored studies; rewrite only rows whose values changed."""
    with batch_transaction(db, run) as batch:
        conn, stats = batch.conn, batch.stats
        for row in rows:
            pmid = row["pmid"]
            extra, provenance = run.enrich(from_row(row))
            old = conn.execute(
                "select facet, tag, source, evidence from study_tags where pmid = ?", (pmid,)
            ).fetchall()
            same_tags = sorted(old) == sorted(tuple(p) for p in provenance)
            if same_tags and all(
                row.get(k) == v for k, v in extra.items() if k != "tagger_version"
            ):
                stats.unchanged += 1
                if row.get("tagger_version") != extra.get("tagger_version"):
                    conn.execute(  # same tags from a newer tagger: record the version only
                        "update studies set tagger_version = ? where pmid = ?",
                        (extra.get("tagger_version"), pmid),
                    )
                continue
            stats.updated += 1
            extra = dict(extra, last_changed=run.now)
            assignments = ", ".join(f"[{k}] = ?" for k in extra)
            conn.execute(
                f"update studies set {assignments} where pmid = ?", (*extra.values(), pmid)
            )
            for flag in FLAG_COLUMNS:
                if extra.get(flag) and not row.get(flag):
                    batch.change(pmid, flag)
            conn.execute("delete from study_tags where pmid = ?", (pmid,))
            conn.executemany(
                "insert or ignore into study_tags (pmid, facet, tag, source, evidence) "
                "values (?, ?, ?, ?, ?)",
                [(pmid, *p) for p in provenance],
            )
