"""save_*: write study records to the catalog in atomic batches; unchanged rows untouched."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice

import sqlite_utils

from harvest.catalog.db import indexes_after_load
from harvest.catalog.fts import index_new_studies
from harvest.catalog.rows import (
    AUTHOR_FIELDS,
    BOOKKEEPING,
    FLAG_COLUMNS,
    Enricher,
    Links,
    Prepared,
    prepare_record,
)
from harvest.pubmed.parse import Deleted, Malformed
from harvest.record import content_hash, source_rank, to_row, valid_pmid

BATCH = 500
LOOKUP_CACHE_LIMIT = 500_000


@dataclass
class Stats:
    """Counts of what was committed; `changes` lists (pmid, change), e.g. newly retracted."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    deleted: int = 0
    seen: set = field(default_factory=set)
    changes: list = field(default_factory=list)
    failed_pmids: set = field(default_factory=set)  # each unreadable PMID counted once a run

    @property
    def stored(self) -> int:
        """Records that reached the catalog in this run, changed or not."""
        return self.new + self.updated + self.unchanged

    def add(self, other: Stats) -> None:
        """Add a committed batch's counts."""
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.failed += other.failed
        self.deleted += other.deleted
        self.seen |= other.seen
        self.changes.extend(other.changes)
        self.failed_pmids |= other.failed_pmids


@dataclass
class Run:
    """What the store needs from the run that writes: its id, clock, enricher and counts.

    `in_search`: the records come from the catalog's PubMed search (a refresh), so they match
    it; imported records do not claim to. `check_stop` is called between batches and raises
    to stop the run there (SIGTERM).
    """

    id: int | None
    now: str
    enrich: Enricher
    in_search: bool = False
    source: str = ""
    check_stop: Callable[[], None] = lambda: None
    stats: Stats = field(default_factory=Stats)
    ids: dict = field(default_factory=dict)  # lookup table -> key -> id; cleared on rollback


@contextmanager
def atomic(db: sqlite_utils.Database):
    """One write transaction: committed whole, or rolled back whole (if one is still open)."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back already (e.g. disk full)
            conn.execute("ROLLBACK")
        raise


class Batch:
    """One batch's writes and counts; its counts join the run's only after COMMIT."""

    def __init__(self, db: sqlite_utils.Database, run: Run):
        self.db, self.conn, self.run = db, db.conn, run
        self.stats = Stats()
        self.changes: list[tuple] = []

    def change(self, pmid: int, change: str, detail: str | None = None) -> None:
        """Note a change for the change log (written with the batch)."""
        self.stats.changes.append((pmid, change))
        self.changes.append((self.run.id, pmid, change, detail, self.run.now))

    def set_flag(self, pmid: int, column: str, value: int, change: str) -> None:
        """Set a 0/1 column on a study and log the change."""
        self.conn.execute(
            f"update studies set [{column}] = ?, last_changed = ? where pmid = ?",
            (value, self.run.now, pmid),
        )
        self.change(pmid, change)

    def save_change_log(self) -> None:
        """Write the noted changes to study_changes."""
        self.conn.executemany(
            "insert into study_changes (run_id, pmid, change, detail, at) values (?, ?, ?, ?, ?)",
            self.changes,
        )


@contextmanager
def batch_transaction(db: sqlite_utils.Database, run: Run):
    """A Batch inside `atomic()`: its change log written and its counts added on COMMIT only."""
    batch = Batch(db, run)
    try:
        with atomic(db):
            yield batch
            batch.save_change_log()
    except BaseException:
        run.ids.clear()  # ids inserted in the rolled-back transaction no longer exist
        raise
    run.stats.add(batch.stats)


def save_records(db: sqlite_utils.Database, items: Iterable, *, run: Run) -> Stats:
    """Save records, `Deleted` and `Malformed` items in atomic batches; the run's counts.

    An empty catalog gets its pages' indexes once, after the records (`indexes_after_load`).
    """
    iterator = iter(items)
    run.check_stop()
    with indexes_after_load(db):
        while chunk := list(islice(iterator, BATCH)):
            save_batch(db, chunk, run=run)
            run.check_stop()
    return run.stats


def save_batch(db: sqlite_utils.Database, items: list, *, run: Run) -> None:
    """Write one batch atomically: studies, link tables, deletions, failures, change log."""
    records: dict[int, dict | Prepared] = {}
    deleted, failed = [], []
    for item in items:
        if isinstance(item, Prepared):
            records[item.pmid] = item  # a later copy of a PMID replaces an earlier one
        elif isinstance(item, dict):
            if valid_pmid(item.get("pmid")):
                records[item["pmid"]] = item
            else:
                failed.append(Malformed(str(item.get("pmid")), "PMID out of range"))
        elif isinstance(item, Deleted):
            deleted.append(item.pmid)
        elif isinstance(item, Malformed):
            failed.append(item)
    with batch_transaction(db, run) as batch:
        save_studies(batch, records)
        save_deleted(batch, deleted)
        save_failures(batch, failed)


def _existing(conn, pmids: list[int]) -> dict[int, dict]:
    columns = ("content_hash", *FLAG_COLUMNS, "in_search", "deleted", "record_source")
    found = {}
    for start in range(0, len(pmids), 900):
        chunk = pmids[start : start + 900]
        marks = ",".join("?" * len(chunk))
        sql = f"select pmid, {', '.join(columns)} from studies where pmid in ({marks})"
        for row in conn.execute(sql, chunk):
            found[row[0]] = dict(zip(columns, row[1:], strict=True))
    return found


def _was_in_search(conn, pmid: int) -> bool:
    """Whether a study not in the search now ever was (it left): imports never were."""
    sql = "select 1 from study_changes where pmid = ? and change = 'left_search' limit 1"
    return conn.execute(sql, (pmid,)).fetchone() is not None


def _bookkeeping(batch: Batch, pmid: int, before: dict) -> None:
    """Restored and returned-to-search, whether or not the content changed."""
    if before["deleted"]:
        batch.set_flag(pmid, "deleted", 0, "restored")
    if batch.run.in_search and not before["in_search"]:
        change = "returned_to_search" if _was_in_search(batch.conn, pmid) else "joined_search"
        batch.set_flag(pmid, "in_search", 1, change)


def save_studies(batch: Batch, records: dict[int, dict | Prepared]) -> None:
    """Upsert changed studies and their links; a poorer source never replaces a richer one."""
    run, stats = batch.run, batch.stats
    existing = _existing(batch.conn, list(records))
    shapes: dict = {}  # tags, details and citations are computed only for what will be written
    groups: dict[tuple, list] = {}  # (columns, new) -> value tuples, in first-seen order
    changed = []
    for pmid, item in records.items():
        stats.seen.add(pmid)
        if isinstance(item, Prepared):
            digest, source = item.digest, item.source
        else:
            row = to_row(item)
            digest, source = content_hash(row), row["record_source"]
        before = existing.get(pmid)
        if before and (
            before["content_hash"] == digest
            or source_rank(source) < source_rank(before["record_source"])
        ):
            stats.unchanged += 1
            _bookkeeping(batch, pmid, before)
            continue
        if not isinstance(item, Prepared):
            item = prepare_record(item, run.enrich, shapes)
        if before is None:
            tail = (item.digest, run.now, 0, run.now, int(run.in_search))
            stats.new += 1
            batch.change(pmid, "new")
        else:
            tail = (item.digest, run.now, 0)
            stats.updated += 1
            batch.change(pmid, "updated")
            _bookkeeping(batch, pmid, before)
        for flag, value in zip(FLAG_COLUMNS, item.flags, strict=True):
            if value and not (before and before[flag]):  # newly flagged: writers must know
                batch.change(pmid, flag)
        groups.setdefault((item.columns, before is None), []).append((*item.values, *tail))
        changed.append((pmid, item.links, item.provenance))
    _upsert_studies(batch.conn, groups)
    _replace_links(batch, changed, existing)


def _upsert_studies(conn, groups: dict[tuple, list]) -> None:
    """Insert or update rows: per (columns, new) group, the columns then the store's own.

    New rows are indexed for full-text search in one statement at the end, not row by row by
    the insert trigger (see harvest.catalog.fts).
    """
    added: list[int] = []
    deferred = any(new for _, new in groups)
    if deferred:
        conn.execute("insert into fts_deferred (run_id) values (0)")
    for (columns, new), values in groups.items():
        if new:
            at = columns.index("pmid")
            added.extend(row[at] for row in values)
        columns = (*columns, *(BOOKKEEPING if new else BOOKKEEPING[:3]))
        names = ", ".join(f"[{c}]" for c in columns)
        marks = ", ".join("?" * len(columns))
        updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c != "pmid")
        sql = (
            f"insert into studies ({names}) values ({marks}) "
            f"on conflict(pmid) do update set {updates}"
        )
        conn.executemany(sql, values)
    if deferred:
        index_new_studies(conn, added)
        conn.execute("delete from fts_deferred")


def _replace_links(batch: Batch, changed: list[tuple[int, Links, list]], existing) -> None:
    """A changed study's link rows replace its old ones (a new study has none to delete)."""
    if not changed:
        return
    conn = batch.conn
    pmids = [(pmid,) for pmid, _, _ in changed if pmid in existing]
    for table in ("study_authors", "study_mesh", "study_publication_types", "study_tags"):
        conn.executemany(f"delete from {table} where pmid = ?", pmids)
    # registry links from the registry's own references (source 'registry') stay
    conn.executemany(
        "delete from study_trials where pmid = ? and source in ('databank', 'text')", pmids
    )
    author_keys, mesh_keys, type_keys = {}, {}, {}
    for _, links, _ in changed:
        author_keys.update((key, values) for key, values, _ in links.authors)
        mesh_keys.update((key, values) for key, values, _, _ in links.mesh)
        type_keys.update(links.types)
    author_ids = lookup_ids(batch, "authors", AUTHOR_FIELDS, author_keys)
    mesh_ids = lookup_ids(batch, "mesh_descriptors", ("ui", "name"), mesh_keys)
    type_ids = lookup_ids(batch, "publication_types", ("ui", "name"), type_keys)
    authors, mesh, types, tags, trials = [], [], [], [], []
    for pmid, links, provenance in changed:
        authors.extend(
            (pmid, position, author_ids[key], affiliation)
            for position, (key, _, affiliation) in enumerate(links.authors, 1)
        )
        mesh.extend(
            (pmid, mesh_ids[key], major, qualifiers) for key, _, major, qualifiers in links.mesh
        )
        types.extend((pmid, type_ids[key]) for key, _ in links.types)
        tags.extend((pmid, *entry) for entry in provenance)
        trials.extend(
            (pmid, trial_id, registry, source) for registry, trial_id, source in links.trials
        )
    conn.executemany(
        "insert or replace into study_authors (pmid, position, author_id, affiliation) "
        "values (?, ?, ?, ?)",
        authors,
    )
    conn.executemany(
        "insert or ignore into study_mesh (pmid, descriptor_id, major, qualifiers) "
        "values (?, ?, ?, ?)",
        mesh,
    )
    conn.executemany(
        "insert or ignore into study_publication_types (pmid, publication_type_id) values (?, ?)",
        types,
    )
    conn.executemany(
        "insert or ignore into study_tags (pmid, facet, tag, source, evidence) "
        "values (?, ?, ?, ?, ?)",
        tags,
    )
    conn.executemany(
        "insert or ignore into study_trials (pmid, registry_id, registry, source) "
        "values (?, ?, ?, ?)",
        trials,
    )


def lookup_ids(
    batch: Batch, table: str, columns: tuple[str, ...], wanted: dict[str, tuple]
) -> dict[str, int]:
    """Ids for `wanted` keys (key -> column values) of a lookup table, inserting new ones.

    A term first stored without its UI (from MEDLINE text) gets the UI when a record has it.
    """
    cache = batch.run.ids.setdefault(table, {})
    conn = batch.conn
    missing = [k for k in wanted if k not in cache]
    for start in range(0, len(missing), 900):
        chunk = missing[start : start + 900]
        marks = ",".join("?" * len(chunk))
        sql = f"select key, id from {table} where key in ({marks})"
        cache.update(conn.execute(sql, chunk))
    new = [k for k in missing if k not in cache]
    if new:
        names = ", ".join(("key", *columns))
        marks = ", ".join("?" * (len(columns) + 1))
        conn.executemany(
            f"insert into {table} ({names}) values ({marks})",
            [(key, *wanted[key]) for key in new],
        )
        for start in range(0, len(new), 900):
            chunk = new[start : start + 900]
            marks = ",".join("?" * len(chunk))
            cache.update(conn.execute(f"select key, id from {table} where key in ({marks})", chunk))
    if "ui" in columns:
        with_ui = [(values[0], k) for k, values in wanted.items() if values[0] and k in missing]
        conn.executemany(f"update {table} set ui = ? where key = ? and ui is null", with_ui)
    result = {k: cache[k] for k in wanted}
    if len(cache) > LOOKUP_CACHE_LIMIT:
        cache.clear()
    return result


def save_deleted(batch: Batch, pmids: list[int]) -> None:
    """Record DeleteCitation entries and flag the studies they name."""
    run = batch.run
    for pmid in pmids:
        batch.stats.deleted += 1
        batch.conn.execute(
            "insert into deleted_citations (pmid, source, run_id, at) values (?, ?, ?, ?) "
            "on conflict(pmid) do update set source = excluded.source, "
            "run_id = excluded.run_id, at = excluded.at",
            (pmid, run.source, run.id, run.now),
        )
        cursor = batch.conn.execute(
            "update studies set deleted = 1, last_changed = ? where pmid = ? and deleted = 0",
            (run.now, pmid),
        )
        if cursor.rowcount:
            batch.change(pmid, "deleted")


def save_failures(batch: Batch, failed: list[Malformed]) -> None:
    """Record records that could not be read, with their PMID text and the reason.

    A PMID that failed already in this run (e.g. fetched again by id) is not counted again.
    """
    known = batch.run.stats.failed_pmids | batch.stats.failed_pmids
    rows = []
    for item in failed:
        if item.pmid is not None:
            if item.pmid in known:
                continue
            known.add(item.pmid)
            batch.stats.failed_pmids.add(item.pmid)
        rows.append((batch.run.id, item.pmid, item.reason, batch.run.now))
    batch.stats.failed += len(rows)
    batch.conn.executemany(
        "insert into failed_records (run_id, pmid, reason, at) values (?, ?, ?, ?)", rows
    )
