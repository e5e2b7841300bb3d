"""The catalog's schema, declared once as data and applied idempotently by `ensure_schema`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlite_utils

from harvest.catalog.fts import ensure_fts
from harvest.errors import HarvestError
from harvest.record import content_hash, from_row, record_columns, to_row

INT, TEXT = int, str

# studies: one row per PubMed record. JSON columns hold arrays/objects as text.
STUDIES = {
    "pmid": INT,
    "pmid_version": INT,
    "record_type": TEXT,
    "title": TEXT,
    "vernacular_title": TEXT,
    "abstract": TEXT,
    "abstract_sections": TEXT,
    "copyright": TEXT,
    "journal": TEXT,
    "journal_iso": TEXT,
    "issn": TEXT,
    "nlm_unique_id": TEXT,
    "medline_ta": TEXT,
    "volume": TEXT,
    "issue": TEXT,
    "pages": TEXT,
    "pub_year": INT,
    "pub_date": TEXT,
    "pub_date_text": TEXT,
    "epub_date": TEXT,
    "doi": TEXT,
    "pmcid": TEXT,
    "pii": TEXT,
    "authors": TEXT,
    "author_list": TEXT,
    "language": TEXT,
    "languages": TEXT,
    "publication_types": TEXT,
    "publication_type_uis": TEXT,
    "mesh_terms": TEXT,
    "mesh_headings": TEXT,
    "keywords": TEXT,
    "chemicals": TEXT,
    "comments_corrections": TEXT,
    "databanks": TEXT,
    "coi_statement": TEXT,
    "grants": TEXT,
    "status": TEXT,
    "owner": TEXT,
    "publication_status": TEXT,
    "publisher": TEXT,
    "history": TEXT,
    "entrez_date": TEXT,
    "date_revised": TEXT,
    "date_completed": TEXT,
    # tags (issue 3)
    "conditions": TEXT,
    "modalities": TEXT,
    "routes": TEXT,
    "populations": TEXT,
    "design": TEXT,
    "evidence_level": INT,
    "human": INT,
    "on_topic": INT,
    "retracted": INT,
    "erratum": INT,
    "expression_of_concern": INT,
    "sample_size": INT,
    "tagger_version": TEXT,  # taxonomy + tagger code hash the tags came from (retag due?)
    # study details (harvest/tagging/details.py)
    "comparators": TEXT,
    "doses": TEXT,
    "dose_band": TEXT,
    "sessions": INT,
    "safety": TEXT,
    "funding": TEXT,
    # citations (issue 4)
    "citation": TEXT,
    "citation_apa": TEXT,
    "citation_vancouver": TEXT,
    # bookkeeping
    "in_search": INT,
    "deleted": INT,
    "first_seen": TEXT,
    "last_changed": TEXT,
    "content_hash": TEXT,
    "record_source": TEXT,  # "xml" or "medline" (harvest/record.py SOURCE_RANK)
}
# in_search = 1: matched the catalog's PubMed search at the last refresh; imports start at 0.
STUDIES_DEFAULTS = {
    "in_search": 0,
    "deleted": 0,
    "retracted": 0,
    "erratum": 0,
    "expression_of_concern": 0,
}

TABLES = {
    "fts_deferred": ({"run_id": INT}, {}),  # a row only inside a store batch: fts.py
    "authors": (
        {
            "id": INT,
            "key": TEXT,
            "last_name": TEXT,
            "fore_name": TEXT,
            "initials": TEXT,
            "suffix": TEXT,
            "collective_name": TEXT,
            "orcid": TEXT,
        },
        {"pk": "id"},
    ),
    "study_authors": (
        {"pmid": INT, "position": INT, "author_id": INT, "affiliation": TEXT},
        {"pk": ("pmid", "position"), "foreign_keys": [("author_id", "authors", "id")]},
    ),
    "mesh_descriptors": ({"id": INT, "key": TEXT, "ui": TEXT, "name": TEXT}, {"pk": "id"}),
    "study_mesh": (
        {"pmid": INT, "descriptor_id": INT, "major": INT, "qualifiers": TEXT},
        {
            "pk": ("pmid", "descriptor_id"),
            "foreign_keys": [("descriptor_id", "mesh_descriptors", "id")],
        },
    ),
    "publication_types": ({"id": INT, "key": TEXT, "ui": TEXT, "name": TEXT}, {"pk": "id"}),
    "study_publication_types": (
        {"pmid": INT, "publication_type_id": INT},
        {
            "pk": ("pmid", "publication_type_id"),
            "foreign_keys": [("publication_type_id", "publication_types", "id")],
        },
    ),
    "study_tags": (
        {"pmid": INT, "facet": TEXT, "tag": TEXT, "source": TEXT, "evidence": TEXT},
        {"pk": ("pmid", "facet", "tag", "source")},
    ),
    "harvest_runs": (
        {
            "id": INT,
            "started": TEXT,
            "finished": TEXT,
            "mode": TEXT,
            "query": TEXT,
            "since": TEXT,
            "found": INT,
            "new": INT,
            "updated": INT,
            "unchanged": INT,
            "failed": INT,
            "deleted": INT,
            "requests": INT,
            "status": TEXT,
            "error": TEXT,
            "pid": INT,
        },
        {"pk": "id"},
    ),
    "study_changes": (
        {"id": INT, "run_id": INT, "pmid": INT, "change": TEXT, "detail": TEXT, "at": TEXT},
        {"pk": "id"},
    ),
    "failed_records": (
        {"id": INT, "run_id": INT, "pmid": TEXT, "reason": TEXT, "at": TEXT},
        {"pk": "id"},
    ),
    "deleted_citations": (
        {"pmid": INT, "source": TEXT, "run_id": INT, "at": TEXT},
        {"pk": "pmid"},
    ),
    # Dated immutable copies of the catalog (harvest/catalog/snapshot.py, `harvest snapshot`).
    "snapshots": (
        {
            "id": INT,
            "file": TEXT,
            "path": TEXT,
            "date": TEXT,
            "taken": TEXT,
            "studies": INT,
            "sha256": TEXT,
            "bytes": INT,
            "data_as_of": TEXT,
        },
        {"pk": "id"},
    ),  # fmt: skip
    # The ledger (harvest/citing/ledger.py): what each content page cites, and what to review.
    "pages": (
        {
            "page": TEXT,
            "path": TEXT,
            "first_seen": TEXT,
            "last_scanned": TEXT,
            "citations": INT,
            "unmatched": INT,
            "snapshot": TEXT,
        },  # the snapshot file the page was last checked against (snapshot.py)
        {"pk": "page"},
    ),  # fmt: skip
    "page_citations": (
        {
            "page": TEXT,
            "pmid": INT,
            "kind": TEXT,
            "found": TEXT,
            "line": INT,
            "first_seen": TEXT,
            "last_seen": TEXT,
            "removed": INT,
            "removed_at": TEXT,
        },
        {"pk": ("page", "pmid"), "defaults": {"removed": 0}},
    ),  # fmt: skip
    "page_reviews": (
        {
            "id": INT,
            "page": TEXT,
            "pmid": INT,
            "reason": TEXT,
            "detected": TEXT,
            "run_id": INT,
            "cleared_at": TEXT,
            "resolved_at": TEXT,
            "resolved_by": TEXT,
            "note": TEXT,
        },
        {"pk": "id"},
    ),  # fmt: skip
    # ClinicalTrials.gov registrations of the topic (harvest/catalog/trials.py).
    "trials": (
        {
            "nct_id": TEXT,
            "title": TEXT,
            "brief_title": TEXT,
            "acronym": TEXT,
            "overall_status": TEXT,
            "why_stopped": TEXT,
            "study_type": TEXT,
            "phases": TEXT,
            "enrollment": INT,
            "lead_sponsor": TEXT,
            "sponsor_class": TEXT,
            "start_date": TEXT,
            "primary_completion_date": TEXT,
            "completion_date": TEXT,
            "has_results": INT,
            "last_update": TEXT,
            "conditions": TEXT,
            "interventions": TEXT,
            "condition_tags": TEXT,
            "modality_tags": TEXT,
            "summary": TEXT,
            "url": TEXT,
            "first_seen": TEXT,
            "last_changed": TEXT,
            "content_hash": TEXT,
        },
        {"pk": "nct_id"},
    ),
    # Studies and their registrations: from PubMed's DataBankList ("databank"), the title or
    # abstract ("text"), or the registry's own result references ("registry").
    "study_trials": (
        {"pmid": INT, "registry_id": TEXT, "registry": TEXT, "source": TEXT},
        {"pk": ("pmid", "registry_id", "source")},
    ),
}

FINDER_INDEX = ["on_topic", "deleted", "retracted", "human", "design", "evidence_level", "pub_year",
                "sample_size", "pub_date"]  # fmt: skip
# Only indexes that pages and queries need: each one costs every insert of a bulk import.
INDEXES = [
    ("authors", ["key"], True),
    ("mesh_descriptors", ["key"], True),
    ("publication_types", ["key"], True),
    ("study_authors", ["author_id"], False),
    ("study_mesh", ["descriptor_id"], False),
    ("study_changes", ["run_id"], False),
    ("study_changes", ["pmid"], False),
    ("studies", ["pub_date"], False),
    ("studies", ["first_seen"], False),
    # Facets (harvest/publish/facets.py): tag counts from the index, column counts by index scan.
    ("study_tags", ["facet", "tag", "pmid"], False),
    ("studies", ["design"], False),
    ("studies", ["evidence_level"], False),
    ("studies", ["pub_year"], False),
    # The default studies view (on_topic = 1 and human = 1, newest first) straight from the index.
    ("studies", ["on_topic", "human", "pub_date"], False),
    # The evidence finder's and home page's shared conditions, counts and order without reading
    # rows (those columns sit behind the abstract): 580 ms to 12 ms at 50,000 studies.
    ("studies", FINDER_INDEX, False),
    ("harvest_runs", ["status", "finished"], False),
    ("page_citations", ["pmid"], False),
    ("page_reviews", ["page", "pmid"], False),
    ("study_trials", ["registry_id"], False),
    ("trials", ["overall_status"], False),
]
# Case-insensitive lookups of a draft's DOIs and PMCIDs (`harvest check`): index name -> target.
COLLATED_INDEXES = {
    "idx_studies_doi_nocase": "studies(doi collate nocase)",
    "idx_studies_pmcid_nocase": "studies(pmcid collate nocase)",
}

# PRAGMA user_version. New tables and columns need no bump (ensure_schema adds them); a change
# that must rewrite data adds a step to MIGRATIONS under the new version.
SCHEMA_VERSION = 1


def open_db(
    path: str | Path, create: bool = True, read_only: bool = False
) -> sqlite_utils.Database:
    """Open (or create) the catalog with WAL and a busy timeout, schema applied.

    `read_only` opens an existing catalog for reading only, without touching its schema.
    """
    path = Path(path)
    if (not create or read_only) and not path.exists():
        raise HarvestError(f"no catalog at {path}: run `harvest refresh` or `harvest import` first")
    if not path.parent.is_dir():
        raise HarvestError(f"cannot create catalog {path}: no directory {path.parent}")
    try:
        if read_only:
            conn = read_only_connection(path, timeout=30, isolation_level=None)
            db = sqlite_utils.Database(conn)
            check_version(db, path)
            return db
        db = connect(path)
        ensure_schema(db, path)
    except sqlite3.DatabaseError as exc:
        raise HarvestError(f"cannot open catalog {path}: {exc}") from None
    return db


def read_only_connection(path: str | Path, **options) -> sqlite3.Connection:
    """A `mode=ro` SQLite connection to the file at `path` (options go to sqlite3.connect)."""
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, **options)


def connect(path: str | Path) -> sqlite_utils.Database:
    """A writer's connection to an existing catalog: autocommit, busy timeout, bulk pragmas."""
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    conn.execute("pragma busy_timeout = 30000")
    conn.execute("pragma synchronous = normal")
    # Bulk writes: a 32 MB page cache for index updates, fewer WAL checkpoints (40 MB).
    conn.execute("pragma cache_size = -32768")
    conn.execute("pragma wal_autocheckpoint = 10000")
    return sqlite_utils.Database(conn)


def schema_version(db: sqlite_utils.Database) -> int:
    """The catalog's PRAGMA user_version (0: created before versions were recorded)."""
    return db.conn.execute("pragma user_version").fetchone()[0]


def check_version(db: sqlite_utils.Database, path: str | Path = "") -> int:
    """Refuse a catalog written by a newer version of harvest; its version otherwise."""
    version = schema_version(db)
    if version > SCHEMA_VERSION:
        raise HarvestError(
            f"catalog {path or 'database'} has schema version {version}, newer than this "
            f"harvest's {SCHEMA_VERSION}: upgrade harvest before using it"
        )
    return version


def ensure_schema(db: sqlite_utils.Database, path: str | Path = "") -> None:
    """Create or extend every table, index and the FTS index, migrating older catalogs.

    Safe to run every night; a catalog from a newer version is refused before anything changes.
    """
    version = check_version(db, path)
    existed = db["studies"].exists()
    if db.conn.execute("pragma journal_mode").fetchone()[0] != "wal":
        db.enable_wal()
    _table(db, "studies", STUDIES, {"pk": "pmid", "defaults": STUDIES_DEFAULTS})
    for name, (columns, options) in TABLES.items():
        _table(db, name, columns, options)
    ensure_indexes(db)
    ensure_fts(db)
    if version < SCHEMA_VERSION:
        _migrate(db, version if existed else SCHEMA_VERSION)


def index_name(table: str, columns: list[str]) -> str:
    """The name of a declared index (sqlite-utils' own default, so older catalogs match)."""
    return f"idx_{table}_{'_'.join(columns)}"


def ensure_indexes(db: sqlite_utils.Database) -> None:
    """Create every index the catalog declares that is missing (each one once)."""
    for table, columns, unique in INDEXES:
        name = index_name(table, columns)
        db[table].create_index(columns, index_name=name, unique=unique, if_not_exists=True)
    for name, target in COLLATED_INDEXES.items():
        db.execute(f"create index if not exists {name} on {target}")


def page_index_names() -> list[str]:
    """The link tables' indexes only pages and queries use (no constraint): built after a bulk
    load. The indexes on `studies` stay: building one afterwards reads every wide row again
    (0.1 s each at 20,000 studies, alone on one core), keeping it is cheaper."""
    return [
        index_name(table, columns)
        for table, columns, unique in INDEXES
        if not unique and table != "studies"
    ]


@contextmanager
def indexes_after_load(db: sqlite_utils.Database) -> Iterator[None]:
    """Into an empty catalog, write first and build the link tables' page indexes once at the end.

    Keeping them up to date row by row cost a first import's writer about a third of its CPU
    (`study_tags` holds a row per tag of every study); one sorted build afterwards costs under
    half of that. A catalog holding studies keeps its indexes throughout (pages read it while
    a refresh writes). The indexes are rebuilt however the load ends; after a kill, the next
    `open_db` builds them (`ensure_schema`).
    """
    if db.conn.execute("select 1 from studies limit 1").fetchone():
        yield
        return
    for name in page_index_names():
        db.execute(f"drop index if exists [{name}]")
    try:
        yield
    finally:
        ensure_indexes(db)


def _migrate(db: sqlite_utils.Database, version: int) -> None:
    """Run the data migrations after `version` and record the new version, in one transaction."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        for step in sorted(MIGRATIONS):
            if step > version:
                MIGRATIONS[step](conn)
        conn.execute(f"pragma user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


# Term tables keyed by name, and the link tables pointing at them (with their other columns).
TERM_LINKS = {
    "mesh_descriptors": ("study_mesh", "descriptor_id", "major, qualifiers"),
    "publication_types": ("study_publication_types", "publication_type_id", ""),
}


def _key_terms_by_name(conn: sqlite3.Connection) -> None:
    """Version 1: one row per MeSH descriptor / publication type name (keys were UI or name)."""
    for table, (link, fk, others) in TERM_LINKS.items():
        extra = f", {others}" if others else ""
        conn.execute("drop table if exists temp.term_remap")
        conn.execute(
            f"create temp table term_remap as select t.id as old, "
            f"(select min(id) from {table} k where k.name = t.name) as new from {table} t "
            f"where t.id != (select min(id) from {table} k where k.name = t.name)"
        )
        conn.execute(
            f"update {table} set ui = (select max(ui) from {table} k where k.name = "
            f"{table}.name) where ui is null"
        )
        conn.execute(
            f"insert or ignore into {link} (pmid, {fk}{extra}) select pmid, r.new{extra} "
            f"from {link} join term_remap r on {fk} = r.old"
        )
        conn.execute(f"delete from {link} where {fk} in (select old from term_remap)")
        conn.execute(f"delete from {table} where id in (select old from term_remap)")
        conn.execute(f"update {table} set key = name where key is not name")
        conn.execute("drop table temp.term_remap")


def _rehash_studies(conn: sqlite3.Connection) -> None:
    """Version 1: content hashes over (column, value) pairs, so no study looks changed."""
    columns = [c for c in record_columns() if c in _columns(conn, "studies")]
    cursor = conn.execute(f"select {', '.join(f'[{c}]' for c in columns)} from studies")
    updates = []
    for values in cursor:
        row = dict(zip(columns, values, strict=True))
        updates.append((content_hash(to_row(from_row(row))), row["pmid"]))
    conn.executemany("update studies set content_hash = ? where pmid = ?", updates)


def _columns(conn: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in conn.execute(f"pragma table_info([{table}])")}


def _version_1(conn: sqlite3.Connection) -> None:
    _key_terms_by_name(conn)
    _rehash_studies(conn)


MIGRATIONS = {1: _version_1}


def _table(db: sqlite_utils.Database, name: str, columns: dict, options: dict) -> None:
    table = db[name]
    if not table.exists():
        table.create(columns, not_null=_not_null(options), **options)
        return
    existing = set(table.columns_dict)
    for column, kind in columns.items():
        if column not in existing:
            table.add_column(column, kind, not_null_default=options.get("defaults", {}).get(column))


def _not_null(options: dict) -> set:
    return set(options.get("defaults", {}))
