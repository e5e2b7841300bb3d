"""save_*: write normalised records to the catalog in atomic batches; unchanged rows untouched."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice

import sqlite_utils

from harvest.catalog.db import STUDIES
from harvest.pubmed.parse import Deleted, Malformed

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


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_dumps = _ENCODER.encode


def content_hash(row: dict) -> str:
    """A stable fingerprint of everything PubMed said about a record (its stored columns)."""
    text = "\x1f".join("" if v is None else str(v) for v in row.values())
    return hashlib.sha1(text.encode()).hexdigest()


def _author_key(a: dict) -> str:
    return (
        f"{a.get('last_name') or ''}|{a.get('fore_name') or ''}|{a.get('initials') or ''}|"
        f"{a.get('collective_name') or ''}|{a.get('orcid') or ''}"
    )


def author_display(authors: list[dict]) -> str:
    """'Smith JA, Doe J' (collective names as given)."""
    names = []
    for a in authors:
        if a.get("collective_name") and not a.get("last_name"):
            names.append(a["collective_name"])
        else:
            names.append(" ".join(p for p in (a.get("last_name"), a.get("initials")) if p))
    return ", ".join(names)


def _json(value) -> str:
    return _dumps(value) if value else "[]"


def record_to_row(record: dict) -> dict:
    """The studies columns PubMed's data fills (tags and citations come separately)."""
    row = {c: record.get(c) for c in RECORD_COLUMNS if c in record}
    types = record.get("publication_types") or []
    mesh = record.get("mesh") or []
    authors = record.get("authors") or []
    row.update(
        abstract_sections=_json(record.get("abstract_sections")),
        authors=author_display(authors),
        author_list=_json(authors),
        languages=_json(record.get("languages")),
        publication_types=_json([p["name"] for p in types]),
        publication_type_uis=_json([p.get("ui") for p in types]),
        mesh_terms=_json([m["name"] for m in mesh]),
        mesh_headings=_json(mesh),
        keywords=_json(record.get("keywords")),
        chemicals=_json(record.get("chemicals")),
        comments_corrections=_json(record.get("comments_corrections")),
        databanks=_json(record.get("databanks")),
        grants=_json(record.get("grants")),
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


@dataclass(frozen=True)
class Links:
    """What the link tables need from a record: (key, values) for each lookup row."""

    authors: list  # (key, author fields tuple, affiliation)
    mesh: list  # (key, (ui, name), major, qualifiers JSON)
    types: list  # (key, (ui, name))


def record_links(record: dict) -> Links:
    """Author, MeSH and publication type rows for the link tables; pure."""
    return Links(
        authors=[
            (_author_key(a), tuple(a.get(k) for k in AUTHOR_FIELDS), a.get("affiliation"))
            for a in record.get("authors") or []
        ],
        mesh=[
            (
                m.get("ui") or m["name"],
                (m.get("ui"), m["name"]),
                int(bool(m.get("major"))),
                _json(m.get("qualifiers")),
            )
            for m in record.get("mesh") or []
        ],
        types=[
            (p.get("ui") or p["name"], (p.get("ui"), p["name"]))
            for p in record.get("publication_types") or []
        ],
    )


@dataclass(frozen=True)
class Prepared:
    """A record's row, fingerprint, tags, citations and links, computed ahead (in a worker)."""

    pmid: int
    row: dict
    digest: str
    extra: dict
    provenance: list
    links: Links


def prepare(item, enrich: Enricher):
    """Do the CPU work for one parsed item ahead of saving; other items pass through."""
    if not isinstance(item, dict):
        return item
    row = record_to_row(item)
    extra, provenance = enrich(item)
    return Prepared(item["pmid"], row, content_hash(row), extra, provenance, record_links(item))


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
        self._lookup_cache: dict[str, dict[str, int]] = {}
        self._pending_changes: list[tuple] = []

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
            elif isinstance(item, Prepared):
                records[item.pmid] = item
            elif isinstance(item, Deleted):
                deleted.append(item.pmid)
            elif isinstance(item, Malformed):
                malformed.append(item)
        with self.transaction():
            self._save_records(records)
            self._mark_deleted(deleted)
            self._record_failures(malformed)

    @contextmanager
    def transaction(self):
        """One write transaction with the change log; rolled back whole on any failure."""
        conn = self.db.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.flush_changes()
            conn.execute("COMMIT")
        except BaseException:
            self._pending_changes.clear()
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

    def _save_records(self, records: dict[int, dict | Prepared]) -> None:
        existing = self._existing(list(records))
        rows, changed = [], []
        for pmid, item in records.items():
            self.stats.seen.add(pmid)
            if isinstance(item, Prepared):
                row, digest = item.row, item.digest
            else:
                row = record_to_row(item)
                digest = content_hash(row)
            before = existing.get(pmid)
            if before and before["hash"] == digest:
                self.stats.unchanged += 1
                if self.in_search and not before["in_search"]:
                    self.set_flag(pmid, "in_search", 1, "returned_to_search")
                if before["deleted"]:
                    self.set_flag(pmid, "deleted", 0, "restored")
                continue
            if isinstance(item, Prepared):
                extra, provenance, links = item.extra, item.provenance, item.links
            else:
                (extra, provenance), links = self.enrich(item), record_links(item)
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
            for flag in FLAGS:  # newly retracted, corrected or concerned: writers must know
                if row.get(flag) and not (before and before[flag]):
                    self._change(pmid, flag)
            rows.append(row)
            changed.append((pmid, links, provenance))
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

    def _replace_links(self, changed: list[tuple[int, Links, list]]) -> None:
        if not changed:
            return
        conn = self.db.conn
        pmids = [(pmid,) for pmid, _, _ in changed]
        for table in ("study_authors", "study_mesh", "study_publication_types", "study_tags"):
            conn.executemany(f"delete from {table} where pmid = ?", pmids)
        author_keys, mesh_keys, type_keys = {}, {}, {}
        for _, links, _ in changed:
            author_keys.update((key, values) for key, values, _ in links.authors)
            mesh_keys.update((key, values) for key, values, _, _ in links.mesh)
            type_keys.update(links.types)
        author_ids = self._lookup_many("authors", AUTHOR_FIELDS, author_keys)
        mesh_ids = self._lookup_many("mesh_descriptors", ("ui", "name"), mesh_keys)
        type_ids = self._lookup_many("publication_types", ("ui", "name"), type_keys)
        authors, mesh, types, tags = [], [], [], []
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

    def _lookup_many(
        self, table: str, columns: tuple[str, ...], wanted: dict[str, tuple]
    ) -> dict[str, int]:
        """Ids for `wanted` keys (key -> column values) of a lookup table, inserting new ones."""
        cache = self._lookup_cache.setdefault(table, {})
        conn = self.db.conn
        for attempt in (1, 2):
            missing = [k for k in wanted if k not in cache]
            for start in range(0, len(missing), 900):
                chunk = missing[start : start + 900]
                marks = ",".join("?" * len(chunk))
                sql = f"select key, id from {table} where key in ({marks})"
                cache.update(conn.execute(sql, chunk))
            new = [k for k in missing if k not in cache]
            if not new or attempt == 2:
                break
            names = ", ".join(("key", *columns))
            marks = ", ".join("?" * (len(columns) + 1))
            conn.executemany(
                f"insert into {table} ({names}) values ({marks})",
                [(key, *wanted[key]) for key in new],
            )
        result = {k: cache[k] for k in wanted}
        if len(cache) > 500_000:
            cache.clear()
        return result

    def set_flag(self, pmid: int, column: str, value: int, change: str) -> None:
        """Set a 0/1 column on a study and record the change (inside a batch transaction)."""
        self.db.conn.execute(
            f"update studies set [{column}] = ?, last_changed = ? where pmid = ?",
            (value, self.now, pmid),
        )
        self._change(pmid, change)

    def _change(self, pmid: int, change: str, detail: str | None = None) -> None:
        self.stats.changes.append((pmid, change))
        self._pending_changes.append((self.run_id, pmid, change, detail, self.now))

    def flush_changes(self) -> None:
        self.db.conn.executemany(
            "insert into study_changes (run_id, pmid, change, detail, at) values (?, ?, ?, ?, ?)",
            self._pending_changes,
        )
        self._pending_changes.clear()

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
        with self.transaction():
            for record, row in zip(records, rows, strict=True):
                extra, provenance = self.enrich(record)
                old = [
                    (r["facet"], r["tag"], r["source"], r["evidence"])
                    for r in self.db.query(
                        "select facet, tag, source, evidence from study_tags where pmid = ? "
                        "order by facet, tag, source",
                        (record["pmid"],),
                    )
                ]
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
