"""harvest/catalog/workers.py: forked parsing workers hand back every item in file order."""

import os

import pytest

from harvest.catalog.rows import Prepared, prepare_batch
from harvest.catalog.workers import BATCH, prepared_items
from harvest.errors import FileFormatError
from harvest.pubmed.parse import Deleted, Malformed
from harvest.pubmed.sources import read_units, realise
from harvest.record import new_record


def enrich(record: dict) -> tuple[dict, list]:
    """A stand-in enricher that names the process it ran in."""
    return {"design": f"d{record['pmid']}"}, [("pid", str(os.getpid()), "test", "")]


@pytest.fixture
def corpus(tmp_path, record_factory):
    """Records over several batches with an odd remainder, a broken record and a deletion."""
    count = 5 * BATCH + 7
    articles = [record_factory(1000 + i, title=f"Study {i}") for i in range(count)]
    articles[BATCH + 3] = articles[BATCH + 3].replace("</PubmedArticle>", "")  # unclosed
    path = tmp_path / "corpus.xml"
    path.write_text(record_factory.make_article_set(articles, deleted=[7, 8]), encoding="utf-8")
    return path, count


def test_every_item_in_file_order_from_both_workers(corpus):
    path, count = corpus
    items = list(prepared_items([path], enrich, workers=2))
    serial = [item for unit in read_units([path]) for item in realise(unit)]
    assert len(items) == len(serial) == count + 2  # the deletion names two PMIDs
    kinds = [type(i).__name__ for i in items]
    assert kinds.count("Prepared") == count - 1
    assert items[BATCH + 3] == Malformed("1053", "PubmedArticle without its closing tag")
    assert items[-2:] == [Deleted(7), Deleted(8)]
    records = [i for i in items if isinstance(i, Prepared)]
    assert [p.pmid for p in records] == [i["pmid"] for i in serial if isinstance(i, dict)]
    assert [p.row["design"] for p in records] == [f"d{p.pmid}" for p in records]
    # prepared exactly as in one process, and shared between two worker processes
    expected = [p for p in prepare_batch(serial, enrich) if isinstance(p, Prepared)]
    assert [(p.values[:-1], p.digest, p.links) for p in records] == [
        (p.values[:-1], p.digest, p.links) for p in expected
    ]
    pids = {p.provenance[0][1] for p in records}
    assert len(pids) == 2 and str(os.getpid()) not in pids


def test_a_file_error_in_a_worker_is_raised_in_the_parent(tmp_path, record_factory):
    path = tmp_path / "truncated.xml"
    text = record_factory.make_article_set([record_factory(1), record_factory(2)])
    path.write_text(text[: text.rindex("<PubmedArticle>") + 40], encoding="utf-8")
    with pytest.raises(FileFormatError) as raised:
        list(prepared_items([path], enrich, workers=2))
    assert str(raised.value) == (
        f"{path}: truncated PubMed XML: the file ends inside a record or before </PubmedArticleSet>"
    )


def test_records_that_cannot_be_stored_pass_through_unprepared():
    items = prepare_batch([new_record(2**63), Deleted(3)], enrich)
    assert items == [new_record(2**63), Deleted(3)]
