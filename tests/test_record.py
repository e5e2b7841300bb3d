"""harvest/record.py: the one definition of the study record and its row conversions."""

import pytest

from harvest.record import (
    FIELDS,
    content_hash,
    from_row,
    is_record,
    new_record,
    source_rank,
    to_row,
    valid_pmid,
)

AUTHORS = [
    {"last_name": "Feder", "fore_name": "Adriana", "initials": "A", "suffix": None,
     "collective_name": None, "orcid": "0000-0002-1825-0097", "affiliation": "Mount Sinai"},
    {"last_name": None, "fore_name": None, "initials": None, "suffix": None,
     "collective_name": "PTSD Study Group", "orcid": None, "affiliation": None},
]  # fmt: skip


def sample() -> dict:
    return new_record(
        34000001,
        title="Ketamine for PTSD",
        abstract="METHODS: n = 41.",
        abstract_sections=[{"label": "METHODS", "category": "METHODS", "text": "n = 41."}],
        journal="Am J Psychiatry",
        pub_year=2021,
        pub_date="2021-06-01",
        doi="10.1176/appi.ajp.2021.20050596",
        authors=AUTHORS,
        languages=["eng"],
        language="eng",
        publication_types=[{"ui": "D016449", "name": "Randomized Controlled Trial"}],
        mesh=[{"ui": "D007649", "name": "Ketamine", "major": True, "qualifiers": []}],
        keywords=["ketamine"],
        history={"entrez": "2021-04-01"},
    )


def test_new_record_has_every_field_with_defaults():
    record = new_record(1)
    assert list(record) == list(FIELDS)
    assert record["pmid"] == 1
    assert record["title"] is None
    assert record["mesh"] == [] and record["authors"] == []
    assert record["history"] == {}
    assert record["source"] == "xml"


def test_new_record_defaults_are_not_shared():
    first, second = new_record(1), new_record(2)
    first["keywords"].append("x")
    assert second["keywords"] == []


def test_new_record_refuses_unknown_fields_and_sources():
    with pytest.raises(TypeError, match="unknown record field\\(s\\): colour, mood"):
        new_record(1, mood="happy", colour="red")
    with pytest.raises(ValueError, match="unknown record source 'ris'"):
        new_record(1, source="ris")


def test_to_row_exact_columns():
    row = to_row(sample())
    assert row["authors"] == "Feder A, PTSD Study Group"
    assert row["author_list"].startswith('[{"last_name":"Feder"')
    assert row["publication_types"] == '["Randomized Controlled Trial"]'
    assert row["publication_type_uis"] == '["D016449"]'
    assert row["mesh_terms"] == '["Ketamine"]'
    assert (
        row["mesh_headings"] == '[{"ui":"D007649","name":"Ketamine","major":true,"qualifiers":[]}]'
    )
    assert row["keywords"] == '["ketamine"]'
    assert row["chemicals"] == "[]"
    assert row["history"] == '{"entrez":"2021-04-01"}'
    assert row["record_source"] == "xml"
    assert row["pmid"] == 34000001 and row["pub_year"] == 2021 and row["issue"] is None
    assert "mesh" not in row and "source" not in row


def test_from_row_is_the_inverse_of_to_row():
    record = sample()
    assert from_row(to_row(record)) == record
    medline = new_record(5, source="medline", title="T")
    assert from_row(to_row(medline)) == medline


def test_from_row_fills_defaults_for_missing_columns_and_old_rows():
    record = from_row({"pmid": 7, "title": "Only a title", "record_source": None})
    assert record == new_record(7, title="Only a title")
    # publication types stored before their UIs were kept alongside
    record = from_row({"pmid": 8, "publication_types": '["Review"]'})
    assert record["publication_types"] == [{"ui": None, "name": "Review"}]


def test_content_hash_is_over_column_value_pairs():
    row = to_row(sample())
    digest = content_hash(row)
    assert digest == content_hash(dict(reversed(list(row.items()))))  # order does not matter
    assert digest == content_hash({**row, "new_column": None})  # an added empty column neither
    assert digest == content_hash({**row, "record_source": "medline"})  # nor where it came from
    # the same values under other columns are other content
    swapped = {**row, "volume": row["issue"], "issue": "2"}
    assert content_hash({**row, "volume": "2"}) != content_hash(swapped)
    assert digest != content_hash({**row, "title": "Ketamine for PTSD."})


def test_valid_pmid_and_source_rank():
    assert [valid_pmid(v) for v in (1, 2**63 - 1, 2**63, 0, -5, True, "12")] == [
        True,
        True,
        False,
        False,
        False,
        False,
        False,
    ]
    assert source_rank("xml") > source_rank("medline") > source_rank("unknown") == 0
    assert source_rank(None) == source_rank("xml")


def test_a_query_row_with_only_the_author_display_string_keeps_its_names():
    record = from_row({"pmid": 5, "title": "T", "authors": "Smith JA, Doe J"})
    assert record["authors"] == [{"collective_name": "Smith JA"}, {"collective_name": "Doe J"}]
    assert record["title"] == "T"
    assert from_row({"pmid": 5, "keywords": "not json"})["keywords"] == []


def test_is_record_tells_records_from_rows():
    assert is_record(new_record(5))
    assert is_record({"pmid": 5, "authors": [{"last_name": "Smith"}]})
    assert not is_record({"pmid": 5, "author_list": "[]"})
    assert not is_record({"pmid": 5, "authors": "Smith JA"})
