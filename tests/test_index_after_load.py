"""An empty catalog is written first and indexed after; a catalog with studies keeps its indexes."""

import pytest

from harvest.catalog.db import open_db, page_index_names
from harvest.catalog.store import Run, save_records
from harvest.errors import HarvestError
from harvest.record import new_record

NOW = "2026-01-01T02:00:00Z"


def run() -> Run:
    return Run(1, NOW, lambda record: ({"design": "rct"}, []), source="test")


def study(pmid: int) -> dict:
    return new_record(pmid, title=f"Ketamine study {pmid}", abstract="An abstract.")


def indexes(db) -> set[str]:
    sql = "select name from sqlite_master where type = 'index' and sql is not null"
    return {row[0] for row in db.conn.execute(sql)}


@pytest.fixture
def db(tmp_path):
    catalog = open_db(tmp_path / "catalog.db")
    statements: list[str] = []
    catalog.conn.set_trace_callback(statements.append)
    catalog.statements = statements
    yield catalog
    catalog.conn.close()


def dropped(db) -> list[str]:
    return [s for s in db.statements if s.startswith("drop index")]


def test_empty_catalog_drops_page_indexes_and_builds_them_after(db):
    before = indexes(db)
    assert set(page_index_names()) <= before
    assert len(page_index_names()) == 10
    assert not [name for name in page_index_names() if name.startswith("idx_studies_")]
    save_records(db, [study(p) for p in range(1, 1201)], run=run())  # three store batches
    assert len(dropped(db)) == 10
    assert indexes(db) == before
    # the indexes came back once, after the last batch's rows
    last_insert = max(i for i, s in enumerate(db.statements) if s.startswith("insert into studies"))
    first_create = min(i for i, s in enumerate(db.statements) if s.startswith("CREATE INDEX"))
    assert first_create > last_insert
    assert db.conn.execute("select count(*) from studies").fetchone() == (1200,)
    assert db.conn.execute("pragma integrity_check").fetchone() == ("ok",)


def test_catalog_with_studies_keeps_its_indexes(db):
    save_records(db, [study(1)], run=run())
    db.statements.clear()
    save_records(db, [study(p) for p in range(2, 600)], run=run())
    assert dropped(db) == []
    assert not any(s.startswith("CREATE INDEX") for s in db.statements)
    assert db.conn.execute("select count(*) from studies").fetchone() == (599,)


def test_a_failed_load_still_leaves_every_index(db):
    before = indexes(db)

    def items():
        yield from (study(p) for p in range(1, 501))
        raise HarvestError("network down")

    with pytest.raises(HarvestError, match="network down"):
        save_records(db, items(), run=run())
    assert len(dropped(db)) == 10
    assert indexes(db) == before
    assert db.conn.execute("select count(*) from studies").fetchone() == (500,)


def test_open_db_rebuilds_indexes_a_killed_load_left_out(tmp_path):
    path = tmp_path / "catalog.db"
    catalog = open_db(path)
    before = indexes(catalog)
    for name in page_index_names():  # as a load killed before its `finally` leaves them
        catalog.execute(f"drop index [{name}]")
    catalog.conn.close()
    catalog = open_db(path)
    assert indexes(catalog) == before
    catalog.conn.close()
