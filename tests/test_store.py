"""harvest/catalog/store.py: atomic batches, exact rows, the change log, faults."""

import sqlite3

import pytest

from harvest.catalog.db import open_db
from harvest.catalog.store import Run, atomic, save_records
from harvest.pubmed.parse import Deleted, Malformed
from harvest.record import new_record

NOW, LATER = "2026-01-01T02:00:00Z", "2026-01-02T02:00:00Z"


def enrich(record: dict) -> tuple[dict, list]:
    """A stand-in tagger: retracted from the comments, one provenance row."""
    retracted = any(c["type"] == "RetractionIn" for c in record["comments_corrections"])
    columns = {"design": "rct", "retracted": int(retracted), "citation": f"AMA {record['pmid']}"}
    return columns, [("modalities", "ketamine", "title", "ketamine")]


def article(pmid: int, **fields) -> dict:
    fields.setdefault("title", f"Ketamine study {pmid}")
    fields.setdefault(
        "mesh", [{"ui": "D007649", "name": "Ketamine", "major": True, "qualifiers": []}]
    )
    fields.setdefault("publication_types", [{"ui": "D016428", "name": "Journal Article"}])
    fields.setdefault(
        "authors",
        [{"last_name": "Feder", "fore_name": "Adriana", "initials": "A", "affiliation": "NY"}],
    )
    return new_record(pmid, **fields)


def medline(pmid: int, **fields) -> dict:
    fields.setdefault("mesh", [{"ui": None, "name": "Ketamine", "major": False, "qualifiers": []}])
    return article(pmid, source="medline", **fields)


@pytest.fixture
def db(tmp_path):
    catalog = open_db(tmp_path / "catalog.db")
    yield catalog
    catalog.conn.close()


def run(now=NOW, in_search=False, run_id=1) -> Run:
    return Run(run_id, now, enrich, in_search=in_search, source="test")


def rows(db, sql, params=()):
    return db.conn.execute(sql, params).fetchall()


def test_new_records_exact_rows_links_and_change_log(db):
    stats = save_records(db, [article(1), article(2, title="Second")], run=run(in_search=True))
    assert (stats.new, stats.updated, stats.unchanged, stats.failed) == (2, 0, 0, 0)
    assert stats.seen == {1, 2}
    assert rows(
        db,
        "select pmid, title, design, retracted, citation, in_search, deleted, first_seen, "
        "last_changed, record_source, authors, mesh_terms from studies order by pmid",
    ) == [
        (
            1,
            "Ketamine study 1",
            "rct",
            0,
            "AMA 1",
            1,
            0,
            NOW,
            NOW,
            "xml",
            "Feder A",
            '["Ketamine"]',
        ),
        (2, "Second", "rct", 0, "AMA 2", 1, 0, NOW, NOW, "xml", "Feder A", '["Ketamine"]'),
    ]
    assert rows(db, "select id, key, ui, name from mesh_descriptors") == [
        (1, "Ketamine", "D007649", "Ketamine")
    ]
    assert rows(db, "select pmid, descriptor_id, major, qualifiers from study_mesh") == [
        (1, 1, 1, "[]"),
        (2, 1, 1, "[]"),
    ]
    assert rows(db, "select id, last_name, fore_name, initials from authors") == [
        (1, "Feder", "Adriana", "A")
    ]
    assert rows(db, "select pmid, position, author_id, affiliation from study_authors") == [
        (1, 1, 1, "NY"),
        (2, 1, 1, "NY"),
    ]
    assert rows(db, "select pmid, facet, tag, source, evidence from study_tags") == [
        (1, "modalities", "ketamine", "title", "ketamine"),
        (2, "modalities", "ketamine", "title", "ketamine"),
    ]
    assert rows(db, "select run_id, pmid, change, at from study_changes order by id") == [
        (1, 1, "new", NOW),
        (1, 2, "new", NOW),
    ]


def test_unchanged_records_are_not_rewritten(db):
    save_records(db, [article(1)], run=run())
    before = rows(db, "select * from studies")
    stats = save_records(db, [article(1)], run=run(LATER, run_id=2))
    assert (stats.new, stats.updated, stats.unchanged) == (0, 0, 1)
    assert rows(db, "select * from studies") == before
    assert rows(db, "select count(*) from study_changes where run_id = 2") == [(0,)]


def test_updated_record_and_newly_retracted(db):
    save_records(db, [article(1)], run=run())
    retraction = [{"type": "RetractionIn", "source": "J X. 2026", "pmid": 9, "note": None}]
    stats = save_records(
        db, [article(1, comments_corrections=retraction)], run=run(LATER, run_id=2)
    )
    assert (stats.new, stats.updated) == (0, 1)
    assert stats.changes == [(1, "updated"), (1, "retracted")]
    assert rows(db, "select retracted, first_seen, last_changed from studies") == [(1, NOW, LATER)]


def test_registrations_are_linked_with_the_batch_and_relinked_when_the_text_changes(db):
    databanks = [{"name": "ClinicalTrials.gov", "accessions": ["NCT01111111"]}]
    first = article(1, abstract="Registered as ISRCTN12345678.", databanks=databanks)
    save_records(db, [first, article(2)], run=run())
    links = "select pmid, registry_id, registry, source from study_trials order by 1, 2"
    assert rows(db, links) == [
        (1, "ISRCTN12345678", "ISRCTN", "text"),
        (1, "NCT01111111", "ClinicalTrials.gov", "databank"),
    ]
    # a link from the registry's own references is kept; text and DataBankList links follow
    # the record
    db.conn.execute(
        "insert into study_trials values (1, 'NCT02222222', 'ClinicalTrials.gov', 'registry')"
    )
    save_records(db, [article(1, abstract="Registered as NCT03333333.")], run=run(LATER, 2))
    assert rows(db, links) == [
        (1, "NCT02222222", "ClinicalTrials.gov", "registry"),
        (1, "NCT03333333", "ClinicalTrials.gov", "text"),
    ]


def test_a_later_copy_in_the_same_batch_wins(db):
    save_records(db, [article(1, title="old"), article(1, title="new")], run=run())
    assert rows(db, "select title from studies") == [("new",)]


def test_out_of_range_pmids_are_failed_records_and_the_batch_is_saved(db):
    items = [
        article(1),
        new_record(2**64, title="too large"),
        Malformed("-5", "PMID must be positive"),
        article(3),
        Deleted(77),
    ]
    stats = save_records(db, items, run=run())
    assert (stats.new, stats.failed, stats.deleted) == (2, 2, 1)
    assert rows(db, "select pmid from studies order by pmid") == [(1,), (3,)]
    assert rows(db, "select run_id, pmid, reason, at from failed_records order by id") == [
        (1, "18446744073709551616", "PMID out of range", NOW),
        (1, "-5", "PMID must be positive", NOW),
    ]
    assert rows(db, "select pmid, source, run_id from deleted_citations") == [(77, "test", 1)]


def test_medline_never_downgrades_a_record_stored_from_xml(db):
    save_records(db, [article(1, keywords=["xml"])], run=run())
    before = rows(db, "select * from studies")
    stats = save_records(db, [medline(1, keywords=["medline"])], run=run(LATER, run_id=2))
    assert (stats.updated, stats.unchanged) == (0, 1)
    assert rows(db, "select * from studies") == before
    # ...but XML replaces MEDLINE, and MEDLINE replaces MEDLINE
    save_records(db, [medline(2, keywords=["a"])], run=run())
    save_records(db, [medline(2, keywords=["b"])], run=run())
    assert rows(db, "select keywords, record_source from studies where pmid = 2") == [
        ('["b"]', "medline")
    ]
    save_records(db, [article(2, keywords=["c"])], run=run())
    assert rows(db, "select keywords, record_source from studies where pmid = 2") == [
        ('["c"]', "xml")
    ]


def test_one_mesh_descriptor_whether_keyed_by_ui_or_name(db):
    save_records(db, [medline(1)], run=run())  # no UI in MEDLINE text
    save_records(db, [article(2)], run=run())  # the same descriptor with its UI
    assert rows(db, "select id, key, ui, name from mesh_descriptors") == [
        (1, "Ketamine", "D007649", "Ketamine")
    ]
    assert rows(db, "select pmid, descriptor_id from study_mesh order by pmid") == [(1, 1), (2, 1)]


def test_restored_and_returned_to_search_even_when_content_changed(db):
    save_records(db, [article(1), article(2)], run=run(in_search=True))
    db.conn.execute("update studies set deleted = 1, in_search = 0")
    db.conn.execute(
        "insert into study_changes (run_id, pmid, change, at) values (1, 1, 'left_search', ?), "
        "(1, 2, 'left_search', ?)",
        (NOW, NOW),
    )
    stats = save_records(
        db, [article(1, title="changed"), article(2)], run=run(LATER, in_search=True, run_id=2)
    )
    assert (stats.updated, stats.unchanged) == (1, 1)
    assert rows(db, "select pmid, change from study_changes where run_id = 2 order by id") == [
        (1, "updated"),
        (1, "restored"),
        (1, "returned_to_search"),
        (2, "restored"),
        (2, "returned_to_search"),
    ]
    assert rows(db, "select pmid, deleted, in_search, title from studies order by pmid") == [
        (1, 0, 1, "changed"),
        (2, 0, 1, "Ketamine study 2"),
    ]


def test_imports_do_not_claim_to_match_the_search(db):
    save_records(db, [article(1)], run=run(in_search=False))
    assert rows(db, "select in_search from studies") == [(0,)]
    stats = save_records(db, [article(1)], run=run(LATER, in_search=True, run_id=2))
    assert stats.changes == [(1, "joined_search")]  # found by the search: it never left it
    assert rows(db, "select in_search from studies") == [(1,)]


def test_disk_full_counts_only_what_was_committed(db):
    first = run()
    save_records(db, [article(p) for p in range(1, 11)], run=first)
    pages = db.conn.execute("pragma page_count").fetchone()[0]
    db.conn.execute(f"pragma max_page_count = {pages + 3}")
    big = [article(p, abstract="x" * 4000) for p in range(100, 600)]
    with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
        save_records(db, big, run=first)
    assert not db.conn.in_transaction
    assert (first.stats.new, len(first.stats.changes), len(first.stats.seen)) == (10, 10, 10)
    assert first.ids == {}  # ids from the rolled-back batch are forgotten
    assert rows(db, "select count(*) from studies") == [(10,)]
    assert rows(db, "select count(*) from study_changes") == [(10,)]


def test_atomic_rolls_back_whole_and_commits_whole(db):
    with pytest.raises(ZeroDivisionError), atomic(db) as conn:
        conn.execute("insert into harvest_runs (mode, status) values ('x', 'ok')")
        raise ZeroDivisionError
    assert rows(db, "select count(*) from harvest_runs") == [(0,)]
    assert not db.conn.in_transaction
    with atomic(db) as conn:
        conn.execute("insert into harvest_runs (mode, status) values ('x', 'ok')")
    assert rows(db, "select mode from harvest_runs") == [("x",)]


def test_check_stop_stops_between_batches(db):
    class Stop(Exception):
        pass

    calls = []

    def check():
        calls.append(len(calls))
        if len(calls) == 2:  # before the first batch: go on; after it: stop
            raise Stop

    writer = run()
    writer.check_stop = check
    with pytest.raises(Stop):
        save_records(db, [article(p) for p in range(1, 1001)], run=writer)
    assert writer.stats.new == 500
    assert rows(db, "select count(*) from studies") == [(500,)]


def test_a_failed_pmid_is_counted_once_per_run(db):
    writer = run()
    save_records(db, [Malformed("12", "no Article"), Malformed(None, "no PMID")], run=writer)
    save_records(db, [Malformed("12", "no Article"), Malformed(None, "no PMID")], run=writer)
    assert writer.stats.failed == 3
    assert rows(db, "select pmid, reason from failed_records order by id") == [
        ("12", "no Article"),
        (None, "no PMID"),
        (None, "no PMID"),
    ]
    later = run(LATER, run_id=2)  # another run records it again
    assert save_records(db, [Malformed("12", "no Article")], run=later).failed == 1
