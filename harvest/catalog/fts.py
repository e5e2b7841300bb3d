"""The full-text index of studies (FTS5 `studies_fts`): its columns, how it follows every write,
and how the store indexes a batch's new rows at once.

The index follows `studies` through triggers, whoever writes. The store's batches index their
new rows themselves, in one INSERT ... SELECT (`index_new_studies`): FTS5 flushes its pending
terms at every statement, so a trigger firing once per row of an executemany costs 2-3 times as
much. Such a batch holds a row in `fts_deferred` for the length of its transaction (never
committed), and the insert trigger stands aside while it is there. The update trigger fires only
when an indexed column changes (not for flags, tags or funding).
"""

from __future__ import annotations

import sqlite_utils

# The study's words, and author, journal and DOI (staff search by them).
FTS_COLUMNS = ["title", "abstract", "keywords", "mesh_terms", "authors", "journal", "doi"]
_FTS_NAMES = ", ".join(f'"{c}"' for c in FTS_COLUMNS)
_FTS_NEW = ", ".join(f'new."{c}"' for c in FTS_COLUMNS)
_FTS_OLD = ", ".join(f'old."{c}"' for c in FTS_COLUMNS)
FTS_TRIGGERS = {
    "studies_ai": (
        'CREATE TRIGGER "studies_ai" AFTER INSERT ON "studies" '
        "WHEN NOT EXISTS (SELECT 1 FROM fts_deferred) BEGIN\n"
        f'  INSERT INTO "studies_fts" (rowid, {_FTS_NAMES}) VALUES (new.rowid, {_FTS_NEW});\nEND'
    ),
    "studies_au": (
        f'CREATE TRIGGER "studies_au" AFTER UPDATE OF {_FTS_NAMES} ON "studies" BEGIN\n'
        f'  INSERT INTO "studies_fts" ("studies_fts", rowid, {_FTS_NAMES}) '
        f"VALUES('delete', old.rowid, {_FTS_OLD});\n"
        f'  INSERT INTO "studies_fts" (rowid, {_FTS_NAMES}) VALUES (new.rowid, {_FTS_NEW});\nEND'
    ),
}


def ensure_fts(db: sqlite_utils.Database) -> None:
    """Create the index and its triggers, or rebuild it once when its columns changed."""
    fts = db["studies"].detect_fts()
    triggers = set(db.triggers_dict)
    if fts and not {"studies_ai", "studies_ad", "studies_au"} <= triggers:
        db["studies"].disable_fts()  # a run killed between creating the index and its triggers
        fts = None
    if fts and list(db[fts].columns_dict) != FTS_COLUMNS:
        db["studies"].disable_fts()  # FTS_COLUMNS changed: rebuild the index once
        fts = None
    if not fts:
        db["studies"].enable_fts(FTS_COLUMNS, create_triggers=True, tokenize="porter")
    _fts_triggers(db)


def _fts_triggers(db: sqlite_utils.Database) -> None:
    """Replace sqlite-utils' insert and update triggers with FTS_TRIGGERS, once."""
    current = db.triggers_dict
    stale = {name: sql for name, sql in FTS_TRIGGERS.items() if current.get(name) != sql}
    if not stale:
        return
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")  # both or neither: the index never misses a write
    try:
        for name, sql in stale.items():
            conn.execute(f'DROP TRIGGER IF EXISTS "{name}"')
            conn.execute(sql)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def index_new_studies(conn, pmids: list[int]) -> None:
    """Index new studies rows in the FTS table, one statement for the lot (see FTS_TRIGGERS)."""
    for start in range(0, len(pmids), 900):
        chunk = pmids[start : start + 900]
        conn.execute(
            f'INSERT INTO "studies_fts" (rowid, {_FTS_NAMES}) SELECT rowid, {_FTS_NAMES} '
            f"FROM studies WHERE pmid IN ({','.join('?' * len(chunk))})",
            chunk,
        )
