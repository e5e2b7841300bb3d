"""The full-text index follows `studies` for every writer: triggers, and the store's batches."""

import sqlite3

import pytest

from harvest.catalog.db import open_db
from harvest.catalog.fts import FTS_TRIGGERS
from harvest.catalog.store import Run, save_records
from harvest.record import new_record

NOW, LATER = "2026-01-01T02:00:00Z", "2026-01-02T02:00:00Z"


def enrich(record: dict) -> tuple[dict, list]:
    return {"design": "rct"}, []


def run(now=NOW) -> Run:
    return Run(1, now, enrich, source="test")


def study(pmid: int, title: str) -> dict:
    return new_record(pmid, title=title, abstract=f"Abstract {pmid} about {title.lower()}.")


def found(db, query: str) -> list[int]:
    sql = "select rowid from studies_fts where studies_fts match ? order by rowid"
    return [row[0] for row in db.conn.execute(sql, (query,))]


def check(db) -> None:
    """FTS5's own check that the index holds exactly the content table's rows."""
    db.conn.execute("insert into studies_fts(studies_fts, rank) values ('integrity-check', 1)")


@pytest.fixture
def db(tmp_path):
    catalog = open_db(tmp_path / "catalog.db")
    yield catalog
    catalog.conn.close()


def test_batches_index_new_rows_and_reindex_changed_ones(db):
    titles = {1: "Ketamine for veterans", 2: "Psilocybin for anxiety", 3: "MDMA for PTSD"}
    save_records(db, [study(p, t) for p, t in titles.items()], run=run())
    check(db)
    assert (found(db, "ketamine"), found(db, "anxiety"), found(db, "ptsd")) == ([1], [2], [3])
    assert db.conn.execute("select count(*) from fts_deferred").fetchone() == (0,)
    # an update and a new row in one batch: the update through its trigger, the new row by the
    # batch's own statement
    save_records(
        db, [study(2, "Psilocybin for depression"), study(4, "Esketamine")], run=run(LATER)
    )
    check(db)
    assert (found(db, "anxiety"), found(db, "depression"), found(db, "esketamine")) == (
        [],
        [2],
        [4],
    )
    assert db.conn.execute("select count(*) from studies_fts").fetchone() == (4,)


def test_other_writers_are_indexed_by_the_triggers(db):
    conn = db.conn
    conn.execute("insert into studies (pmid, title) values (7, 'Arketamine in mice')")
    assert found(db, "arketamine") == [7]
    conn.execute("update studies set retracted = 1, design = 'rct' where pmid = 7")
    conn.execute("update studies set title = 'Arketamine in rats' where pmid = 7")
    check(db)
    assert (found(db, "mice"), found(db, "rats")) == ([], [7])


def test_a_failed_batch_leaves_no_marker_and_a_whole_index(db):
    save_records(db, [study(1, "Ketamine")], run=run())
    pages = db.conn.execute("pragma page_count").fetchone()[0]
    db.conn.execute(f"pragma max_page_count = {pages + 3}")
    big = [new_record(p, title="Psilocybin", abstract="x " * 3000) for p in range(10, 400)]
    with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
        save_records(db, big, run=run())
    db.conn.execute(f"pragma max_page_count = {pages * 100}")
    assert db.conn.execute("select count(*) from fts_deferred").fetchone() == (0,)
    check(db)
    assert (found(db, "ketamine"), found(db, "psilocybin")) == ([1], [])
    db.conn.execute("insert into studies (pmid, title) values (5, 'Psilocybin alone')")
    assert found(db, "psilocybin") == [5]  # the insert trigger is back for everyone


def test_older_catalogs_get_the_triggers_once(tmp_path):
    path = tmp_path / "old.db"
    db = open_db(path)
    save_records(db, [study(1, "Ketamine")], run=run())
    # as sqlite-utils made them before: every update reindexes, every insert indexes
    db.conn.execute("drop trigger studies_ai")
    db.conn.execute("drop trigger studies_au")
    db.conn.execute(
        'CREATE TRIGGER "studies_ai" AFTER INSERT ON "studies" BEGIN INSERT INTO "studies_fts" '
        '(rowid, "title") VALUES (new.rowid, new."title"); END'
    )
    db.conn.execute('CREATE TRIGGER "studies_au" AFTER UPDATE ON "studies" BEGIN SELECT 1; END')
    db.conn.close()
    db = open_db(path)
    triggers = db.triggers_dict
    assert {name: triggers[name] for name in FTS_TRIGGERS} == FTS_TRIGGERS
    assert "studies_ad" in triggers
    save_records(db, [study(1, "Ketamine in rats"), study(2, "MDMA")], run=run(LATER))
    check(db)
    assert (found(db, "rats"), found(db, "mdma")) == ([1], [2])
    db.conn.close()
