"""save_*: write normalised records to the catalog in atomic batches; unchanged rows untouched."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

import sqlite_utils

from .db import STUDIES
from .parse import Deleted, Malformed

BATCH = 500
AUTHOR_FIELDS = ("last_name", "fore_name", "initials", "suffix", "collective_name", "orcid")
FLAGS = ("retracted", "erratum", "expression_of_concern")
RECORD_COLUMNS = [
    c
    for c in STUDIES
    if c
    not in {
        "in_search",
        "deleted",
        "first_seen",
        "last_changed",
        "content_hash",
    }
]


@dataclass
class Stats:
    """Counts for one run; `changes` lists (pmid, change) noticed, e.g. newly retracted."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    deleted: int = 0
    seen: set = field(default_factory=set)
    changes: list = field(default_factory=list)

    @property
    def stored(self) -> int:
        """Records that reached the catalog in this run, changed or not."""
        return self.new + self.updated + self.unchanged


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def content_hash(record: dict) -> str:
    """A stable fingerprint of everything PubMed said about a record."""
    return hashlib.sha1(
        json.dumps(record, sort_keys=True, ensure_ascii=False, default=str).encode()
    ).hexdigest()


def author_display(authors: list[dict]) -> str:
    """'Smith JA, Doe J' (collective names as given)."""
    names = []
    for a in authors:
        if a.get("collective_name") and not a.get("last_name"):
            names.append(a["collective_name"])
        else:
            names.append(" ".join(p for p in (a.get("last_name"), a.get("initials")) if p))
    return ", ".join(names)


def record_to_row(record: dict) -> dict:
    """The studies columns PubMed's data fills (tags and citations come separately)."""
    row = {c: record.get(c) for c in RECORD_COLUMNS if c in record}
    row.update(
        abstract_sections=_dumps(record.get("abstract_sections") or []),
        authors=author_display(record.get("authors") or []),
        author_list=_dumps(record.get("authors") or []),
        languages=_dumps(record.get("languages") or []),
        publication_types=_dumps([p["name"] for p in record.get("publication_types") or []]),
        publication_type_uis=_dumps([p.get("ui") for p in record.get("publication_types") or []]),
        mesh_terms=_dumps([m["name"] for m in record.get("mesh") or []]),
        mesh_headings=_dumps(record.get("mesh") or []),
        keywords=_dumps(record.get("keywords") or []),
        chemicals=_dumps(record.get("chemicals") or []),
        comments_corrections=_dumps(record.get("comments_corrections") or []),
        databanks=_dumps(record.get("databanks") or []),
        grants=_dumps(record.get("grants") or []),
        history=_dumps(record.get("history") or {}),
    )
    return row


def row_to_record(row: dict) -> dict:
    """Rebuild the normalised record from a stored studies row (for `harvest retag`)."""
    record = {c: row.get(c) for c in RECORD_COLUMNS}

    def load(column, default):
        value = row.get(column)
        return json.loads(value) if value else default

    names = load("publication_types", [])
    uis = load("publication_type_uis", [None] * len(names))
    record.update(
        abstract_sections=load("abstract_sections", []),
        authors=load("author_list", []),
        languages=load("languages", []),
        publication_types=[{"ui": u, "name": n} for u, n in zip(uis, names, strict=False)],
        mesh=load("mesh_headings", []),
        keywords=load("keywords", []),
        chemicals=load("chemicals", []),
        comments_corrections=load("comments_corrections", []),
        databanks=load("databanks", []),
        grants=load("grants", []),
        history=load("history", {}),
    )
    return record


Enricher = Callable[[dict], tuple[dict, list]]  # record -> (extra studies columns, provenance)


class Saver:
    """Writes batches of parsed items; each batch is one transaction (never half-written)."""

    def __init__(
        self,
        db: sqlite_utils.Database,
        enrich: Enricher,
        run_id: int | None,
        now: str,
        in_search: bool = False,
        source: str = "",
    ):
        self.db, self.enrich, self.run_id, self.now = db, enrich, run_id, now
        self.in_search, self.source = in_search, source
        self.stats = Stats()
        self._lookup_cache: dict[tuple[str, str], int] = {}

    def save(self, items: Iterable) -> Iterator:
        """Save `items` in batches; yields each item after its batch is committed."""
        iterator = iter(items)
        while batch := list(islice(iterator, BATCH)):
            self.save_batch(batch)
            yield from batch

    def save_batch(self, batch: list) -> None:
        """Write one batch atomically."""
        records: dict[int, dict] = {}
        deleted, malformed = [], []
        for item in batch:
            if isinstance(item, dict):
                records[item["pmid"]] = item  # a later copy of a PMID replaces an earlier one
            elif isinstance(item, Deleted):
                deleted.append(item.pmid)
            elif isinstance(item, Malformed):
                malformed.append(item)
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            self._save_records(records)
            self._mark_deleted(deleted)
            self._record_failures(malformed)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _existing(self, pmids: list[int]) -> dict[int, dict]:
        found = {}
        for start in range(0, len(pmids), 900):
            chunk = pmids[start : start + 900]
            marks = ",".join("?" * len(chunk))
            sql = (
                "select pmid, content_hash, retracted, erratum, expression_of_concern, in_search, "
                f"deleted from studies where pmid in ({marks})"
            )
            for row in self.db.conn.execute(sql, chunk):
                found[row[0]] = dict(
                    zip(("hash", *FLAGS, "in_search", "deleted"), row[1:], strict=True)
                )
        return found

    def _save_records(self, records: dict[int, dict]) -> None:
        existing = self._existing(list(records))
        rows, changed = [], []
        for pmid, record in records.items():
            self.stats.seen.add(pmid)
            digest = content_hash(record)
            before = existing.get(pmid)
            if before and before["hash"] == digest:
                self.stats.unchanged += 1
                if self.in_search and not before["in_search"]:
                    self._set(pmid, "in_search", 1, "returned_to_search")
                if before["deleted"]:
                    self._set(pmid, "deleted", 0, "restored")
                continue
            row = record_to_row(record)
            extra, provenance = self.enrich(record)
            row.update(extra, content_hash=digest, last_changed=self.now, deleted=0)
            if self.in_search:
                row["in_search"] = 1
            if before is None:
                row["first_seen"] = self.now
                self.stats.new += 1
                self._change(pmid, "new")
            else:
                self.stats.updated += 1
                self._change(pmid, "updated")
                for flag in FLAGS:
                    if row.get(flag) and not before[flag]:
                        self._change(pmid, flag)
            if before is None:
                for flag in FLAGS:
                    if row.get(flag):
                        self._change(pmid, flag)
            rows.append(row)
            changed.append((record, provenance))
        self._upsert_studies(rows)
        self._replace_links(changed)

    def _upsert_studies(self, rows: list[dict]) -> None:
        by_columns: dict[tuple, list] = {}
        for row in rows:
            by_columns.setdefault(tuple(row), []).append(row)
        for columns, group in by_columns.items():
            names = ", ".join(f"[{c}]" for c in columns)
            marks = ", ".join("?" * len(columns))
            updates = ", ".join(f"[{c}] = excluded.[{c}]" for c in columns if c != "pmid")
            sql = (
                f"insert into studies ({names}) values ({marks}) "
                f"on conflict(pmid) do update set {updates}"
            )
            self.db.conn.executemany(sql, [tuple(r[c] for c in columns) for r in group])

    def _replace_links(self, changed: list[tuple[dict, list]]) -> None:
        if not changed:
            return
        conn = self.db.conn
        pmids = [(r["pmid"],) for r, _ in changed]
        for table in ("study_authors", "study_mesh", "study_publication_types", "study_tags"):
            conn.executemany(f"delete from {table} where pmid = ?", pmids)
        authors, mesh, types, tags = [], [], [], []
        for record, provenance in changed:
            pmid = record["pmid"]
            for position, a in enumerate(record.get("authors") or [], 1):
                key = "|".join(
                    a.get(k) or ""
                    for k in ("last_name", "fore_name", "initials", "collective_name", "orcid")
                )
                author_id = self._lookup("authors", key, {k: a.get(k) for k in AUTHOR_FIELDS})
                authors.append((pmid, position, author_id, a.get("affiliation")))
            for m in record.get("mesh") or []:
                key = m.get("ui") or m["name"]
                descriptor_id = self._lookup(
                    "mesh_descriptors", key, {"ui": m.get("ui"), "name": m["name"]}
                )
                mesh.append((pmid, descriptor_id, int(bool(m.get("major"))), _dumps(m["qualifiers"])))
            for p in record.get("publication_types") or []:
                key = p.get("ui") or p["name"]
                types.append(
                    (pmid, self._lookup("publication_types", key, {"ui": p.get("ui"), "name": p["name"]}))
                )
            tags.extend((pmid, *entry) for entry in provenance)
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
            "insert or ignore into study_publication_types (pmid, publication_type_id) "
            "values (?, ?)",
            types,
        )
        conn.executemany(
            "insert or ignore into study_tags (pmid, facet, tag, source, evidence) "
            "values (?, ?, ?, ?, ?)",
            tags,
        )

    def _lookup(self, table: str, key: str, values: dict) -> int:
        cached = self._lookup_cache.get((table, key))
        if cached is not None:
            return cached
        conn = self.db.conn
        row = conn.execute(f"select id from {table} where key = ?", (key,)).fetchone()
        if row is None:
            columns = ["key", *values]
            names = ", ".join(columns)
            marks = ", ".join("?" * len(columns))
            cursor = conn.execute(
                f"insert into {table} ({names}) values ({marks})", (key, *values.values())
            )
            row = (cursor.lastrowid,)
        if len(self._lookup_cache) < 200_000:
            self._lookup_cache[(table, key)] = row[0]
        return row[0]

    def _set(self, pmid: int, column: str, value: int, change: str) -> None:
        self.db.conn.execute(
            f"update studies set [{column}] = ?, last_changed = ? where pmid = ?",
            (value, self.now, pmid),
        )
        self._change(pmid, change)

    def _change(self, pmid: int, change: str, detail: str | None = None) -> None:
        self.stats.changes.append((pmid, change))
        self.db.conn.execute(
            "insert into study_changes (run_id, pmid, change, detail, at) values (?, ?, ?, ?, ?)",
            (self.run_id, pmid, change, detail, self.now),
        )

    def _mark_deleted(self, pmids: list[int]) -> None:
        for pmid in pmids:
            self.stats.deleted += 1
            self.db.conn.execute(
                "insert into deleted_citations (pmid, source, run_id, at) values (?, ?, ?, ?) "
                "on conflict(pmid) do update set source = excluded.source, "
                "run_id = excluded.run_id, at = excluded.at",
                (pmid, self.source, self.run_id, self.now),
            )
            cursor = self.db.conn.execute(
                "update studies set deleted = 1, last_changed = ? where pmid = ? and deleted = 0",
                (self.now, pmid),
            )
            if cursor.rowcount:
                self._change(pmid, "deleted")

    def _record_failures(self, malformed: list[Malformed]) -> None:
        for item in malformed:
            self.stats.failed += 1
            self.db.conn.execute(
                "insert into failed_records (run_id, pmid, reason, at) values (?, ?, ?, ?)",
                (self.run_id, item.pmid, item.reason, self.now),
            )

    def retag_batch(self, records: list[dict], rows: list[dict]) -> None:
        """Recompute tags and citations; rewrite only rows whose values changed."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            for record, row in zip(records, rows, strict=True):
                extra, provenance = self.enrich(record)
                old = [(r["facet"], r["tag"], r["source"], r["evidence"]) for r in self.db.query(
                    "select facet, tag, source, evidence from study_tags where pmid = ? "
                    "order by facet, tag, source",
                    (record["pmid"],),
                )]
                same_tags = sorted(old) == sorted(tuple(p) for p in provenance)
                if same_tags and all(row.get(k) == v for k, v in extra.items()):
                    self.stats.unchanged += 1
                    continue
                self.stats.updated += 1
                extra = dict(extra, last_changed=self.now)
                assignments = ", ".join(f"[{k}] = ?" for k in extra)
                conn.execute(
                    f"update studies set {assignments} where pmid = ?",
                    (*extra.values(), record["pmid"]),
                )
                for flag in FLAGS:
                    if extra.get(flag) and not row.get(flag):
                        self._change(record["pmid"], flag)
                conn.execute("delete from study_tags where pmid = ?", (record["pmid"],))
                conn.executemany(
                    "insert or ignore into study_tags (pmid, facet, tag, source, evidence) "
                    "values (?, ?, ?, ?, ?)",
                    [(record["pmid"], *p) for p in provenance],
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
