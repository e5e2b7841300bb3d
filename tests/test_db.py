"""harvest/catalog/db.py: schema as data, applied idempotently; versions; older catalogs."""

import sqlite3

import pytest

from harvest.catalog.db import SCHEMA_VERSION, STUDIES, TABLES, ensure_schema, open_db
from harvest.catalog.store import Run, save_records
from harvest.errors import HarvestError
from harvest.record import content_hash, new_record, to_row


def schema(path) -> list:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("select type, name, sql from sqlite_master order by name").fetchall()
    finally:
        conn.close()


def test_new_catalog_has_every_declared_table_and_column(tmp_path):
    db = open_db(tmp_path / "c.db")
    assert set(TABLES) | {"studies", "studies_fts"} <= set(db.table_names())
    assert list(db["studies"].columns_dict) == list(STUDIES)
    assert db.conn.execute("pragma user_version").fetchone() == (SCHEMA_VERSION,)
    assert db.conn.execute("pragma journal_mode").fetchone() == ("wal",)
    defaults = {c.name: c.default_value for c in db["studies"].columns if c.default_value}
    assert defaults == {
        "in_search": "0",
        "deleted": "0",
        "retracted": "0",
        "erratum": "0",
        "expression_of_concern": "0",
    }


def test_ensure_schema_is_idempotent(tmp_path):
    path = tmp_path / "c.db"
    open_db(path).conn.close()
    first = schema(path)
    db = open_db(path)
    ensure_schema(db)
    db.conn.close()
    assert schema(path) == first


def old_catalog(path):
    """A catalog as version 0 wrote it: no record_source, no user_version, terms keyed by UI."""
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        create table studies (pmid integer primary key, title text, mesh_terms text,
            in_search integer not null default 1, deleted integer not null default 0);
        create table mesh_descriptors (id integer primary key, key text, ui text, name text);
        create unique index idx_mesh_descriptors_key on mesh_descriptors (key);
        create table study_mesh (pmid integer, descriptor_id integer, major integer,
            qualifiers text, primary key (pmid, descriptor_id));
        create table publication_types (id integer primary key, key text, ui text, name text);
        create table study_publication_types (pmid integer, publication_type_id integer,
            primary key (pmid, publication_type_id));
        insert into studies (pmid, title) values (1, 'from XML'), (2, 'from MEDLINE'),
            (3, 'both');
        insert into mesh_descriptors values (1, 'D007649', 'D007649', 'Ketamine'),
            (2, 'Ketamine', null, 'Ketamine'), (3, 'D000077', null, 'Adult');
        insert into study_mesh values (1, 1, 1, '[]'), (2, 2, 0, '[]'), (3, 1, 1, '[]'),
            (3, 2, 0, '[]'), (3, 3, 0, '[]');
        insert into publication_types values (1, 'D016428', 'D016428', 'Journal Article'),
            (2, 'Journal Article', null, 'Journal Article');
        insert into study_publication_types values (1, 1), (2, 2);
        """
    )
    conn.commit()
    conn.close()


def test_older_catalog_is_upgraded(tmp_path):
    path = tmp_path / "old.db"
    old_catalog(path)
    db = open_db(path)
    assert db.conn.execute("pragma user_version").fetchone() == (SCHEMA_VERSION,)
    assert "record_source" in db["studies"].columns_dict
    assert db.execute("select id, key, ui, name from mesh_descriptors order by id").fetchall() == [
        (1, "Ketamine", "D007649", "Ketamine"),
        (3, "Adult", None, "Adult"),
    ]
    assert db.execute(
        "select pmid, descriptor_id, major from study_mesh order by pmid, descriptor_id"
    ).fetchall() == [(1, 1, 1), (2, 1, 0), (3, 1, 1), (3, 3, 0)]
    assert db.execute("select id, key, ui from publication_types").fetchall() == [
        (1, "Journal Article", "D016428")
    ]
    assert db.execute("select * from study_publication_types order by pmid").fetchall() == [
        (1, 1),
        (2, 1),
    ]
    assert db.execute("select pmid, title from studies order by pmid").fetchall() == [
        (1, "from XML"),
        (2, "from MEDLINE"),
        (3, "both"),
    ]
    db.conn.close()
    upgraded = schema(path)
    open_db(path).conn.close()  # the next night: nothing left to do
    assert schema(path) == upgraded


def test_a_newer_catalog_is_refused_before_anything_changes(tmp_path):
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute("create table studies (pmid integer primary key)")
    conn.execute(f"pragma user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    before = (path.read_bytes(), schema(path))
    message = (
        f"catalog {path} has schema version {SCHEMA_VERSION + 1}, newer than this harvest's "
        f"{SCHEMA_VERSION}: upgrade harvest before using it"
    )
    with pytest.raises(HarvestError) as writer:
        open_db(path)
    with pytest.raises(HarvestError) as reader:
        open_db(path, read_only=True)
    assert str(writer.value) == str(reader.value) == message
    assert (path.read_bytes(), schema(path)) == before
    assert not (tmp_path / "new.db-wal").exists()


def test_missing_directory_and_missing_catalog_are_one_message(tmp_path):
    with pytest.raises(HarvestError) as missing_dir:
        open_db(tmp_path / "nowhere" / "c.db")
    assert str(missing_dir.value) == (
        f"cannot create catalog {tmp_path / 'nowhere' / 'c.db'}: no directory "
        f"{tmp_path / 'nowhere'}"
    )
    with pytest.raises(HarvestError) as missing:
        open_db(tmp_path / "c.db", create=False)
    assert str(missing.value) == (
        f"no catalog at {tmp_path / 'c.db'}: run `harvest refresh` or `harvest import` first"
    )


def test_upgrade_rehashes_studies_so_none_looks_changed(tmp_path):
    path = tmp_path / "c.db"
    db = open_db(path)
    record = new_record(5, title="Ketamine", keywords=["ptsd"], history={"entrez": "2020-01-01"})
    run = Run(1, "2026-01-01T00:00:00Z", lambda r: ({}, []))
    save_records(db, [record], run=run)
    db.conn.execute("update studies set content_hash = 'hash of version 0'")
    db.conn.execute("pragma user_version = 0")
    db.conn.close()
    db = open_db(path)
    assert db.execute("select content_hash from studies").fetchall() == [
        (content_hash(to_row(record)),)
    ]
    again = Run(2, "2026-01-02T00:00:00Z", lambda r: ({}, []))
    assert save_records(db, [record], run=again).unchanged == 1
