"""harvest/catalog/rows.py: pure row, link and prepare functions."""

from harvest.catalog.rows import Prepared, author_key, prepare, prepare_batch, record_links
from harvest.pubmed.parse import Deleted, Malformed
from harvest.record import content_hash, new_record, to_row


def enrich(record):
    return {"design": "rct"}, [("design", "rct", "publication type", "Randomized")]


RECORD = new_record(
    11,
    title="T",
    authors=[
        {"last_name": "Smith", "fore_name": "Jane A", "initials": "JA", "orcid": "0000-1",
         "affiliation": "Oslo"},
        {"collective_name": "Trial Group"},
    ],
    mesh=[
        {"ui": "D007649", "name": "Ketamine", "major": True,
         "qualifiers": [{"ui": "Q000627", "name": "therapeutic use", "major": False}]},
        {"ui": None, "name": "Stress Disorders, Post-Traumatic", "major": False},
    ],
    publication_types=[{"ui": "D016449", "name": "Randomized Controlled Trial"}],
)  # fmt: skip


def test_record_links_exact():
    links = record_links(RECORD)
    assert links.authors == [
        ("Smith|Jane A|JA||0000-1", ("Smith", "Jane A", "JA", None, None, "0000-1"), "Oslo"),
        ("|||Trial Group|", (None, None, None, None, "Trial Group", None), None),
    ]
    assert links.mesh == [
        (
            "Ketamine",
            ("D007649", "Ketamine"),
            1,
            '[{"ui":"Q000627","name":"therapeutic use","major":false}]',
        ),
        (
            "Stress Disorders, Post-Traumatic",
            (None, "Stress Disorders, Post-Traumatic"),
            0,
            "[]",
        ),
    ]
    assert links.types == [
        ("Randomized Controlled Trial", ("D016449", "Randomized Controlled Trial"))
    ]


def test_author_key_ignores_affiliation_and_suffix():
    assert author_key({"last_name": "Doe", "affiliation": "A"}) == author_key(
        {"last_name": "Doe", "affiliation": "B", "suffix": "Jr"}
    )


def test_prepare_computes_row_hash_tags_and_links():
    prepared = prepare(RECORD, enrich)
    assert isinstance(prepared, Prepared)
    assert prepared.pmid == 11
    assert prepared.row == dict(to_row(RECORD), design="rct")
    assert prepared.columns == (*to_row(RECORD), "design")
    assert prepared.values == (*to_row(RECORD).values(), "rct")
    assert prepared.digest == content_hash(to_row(RECORD))  # what PubMed said, not the tags
    assert (prepared.source, prepared.flags) == ("xml", (None, None, None))
    assert prepared.provenance == [("design", "rct", "publication type", "Randomized")]
    assert prepared.links == record_links(RECORD)


def test_prepare_leaves_the_store_its_bookkeeping_columns_and_reads_the_flags():
    def flagging(record):
        return {"retracted": 1, "deleted": 1, "content_hash": "x", "design": "rct"}, []

    prepared = prepare(RECORD, flagging)
    assert prepared.columns == (*to_row(RECORD), "retracted", "design")
    assert prepared.flags == (1, None, None)


def test_prepare_passes_other_items_and_unstorable_pmids_through():
    too_big = new_record(2**63)
    items = [Deleted(5), Malformed("x", "bad"), too_big]
    assert [prepare(item, enrich) for item in items] == items


class Staged:
    """An enricher with `many`: prepare_batch must use it, once, for the batch's records."""

    def __init__(self):
        self.calls = []

    def __call__(self, record):
        raise AssertionError("prepare_batch must enrich through many()")

    def many(self, records):
        self.calls.append([r["pmid"] for r in records])
        return [({"design": f"d{r['pmid']}"}, []) for r in records]


def test_prepare_batch_enriches_records_together_in_order():
    other = new_record(12, title="U")
    items = [RECORD, Deleted(5), new_record(2**63), other]
    staged = Staged()
    out = prepare_batch(items, staged)
    assert staged.calls == [[11, 12]]
    assert [type(i).__name__ for i in out] == ["Prepared", "Deleted", "dict", "Prepared"]
    assert (out[0].pmid, out[0].row["design"]) == (11, "d11")
    assert (out[3].pmid, out[3].row) == (12, dict(to_row(other), design="d12"))
    assert out[0].columns is out[3].columns  # one shape, sent once per batch
    assert out[1:3] == items[1:3]


def test_prepare_batch_with_a_plain_enricher_equals_prepare():
    items = [RECORD, Malformed("x", "bad")]
    assert prepare_batch(items, enrich) == [prepare(item, enrich) for item in items]
