"""harvest.citing.styles: AMA, APA and Vancouver citations, RIS and BibTeX."""

from __future__ import annotations

import json

import bibtexparser
import pytest
import rispy

from harvest.citing.styles import (
    bibtex_escape,
    bibtex_key,
    citations,
    cite_ama,
    cite_apa,
    cite_vancouver,
    page_range,
    to_bibtex,
    to_ris,
)


def person(last: str, initials: str, fore: str | None = None, suffix: str | None = None) -> dict:
    """An author dict as parse_* yields it."""
    return {
        "last_name": last,
        "fore_name": fore or initials,
        "initials": initials,
        "suffix": suffix,
        "collective_name": None,
        "orcid": None,
        "affiliation": None,
    }


def group(name: str) -> dict:
    """A collective author."""
    return {
        "last_name": None,
        "fore_name": None,
        "initials": None,
        "suffix": None,
        "collective_name": name,
        "orcid": None,
        "affiliation": None,
    }


SEVEN = [
    person("Smith", "JA", "Jane A"),
    person("Doe", "J", "John"),
    person("Roe", "R", "Rita"),
    person("Poe", "E"),
    person("Coe", "F"),
    person("Loe", "G"),
    person("Zoe", "H"),
]


def make(**fields) -> dict:
    """The reference record of the issue, with fields overridden."""
    record = {
        "pmid": 12345678, "title": "Title of the article.", "authors": SEVEN,
        "journal": "Journal of affective disorders", "journal_iso": "J Affect Disord",
        "volume": "310", "issue": "2", "pages": "113-25", "pub_year": 2022,
        "pub_date": "2022-08-01", "epub_date": "2022-05-03",
        "doi": "10.1016/j.jad.2022.05.001", "pmcid": None, "keywords": ["ketamine", "PTSD"],
        "mesh": [{"ui": "D007649", "name": "Ketamine", "major": True, "qualifiers": []}],
        "abstract": "BACKGROUND: Trauma.\nRESULTS: 50% & more.", "language": "eng",
    }  # fmt: skip
    record.update(fields)
    return record


def as_row(record: dict) -> dict:
    """The studies row Datasette returns for a record (JSON columns as text)."""
    row = dict(record)
    row["authors"] = ", ".join(f"{a['last_name']} {a['initials']}" for a in record["authors"])
    row["author_list"] = json.dumps(record["authors"])
    row["keywords"] = json.dumps(record["keywords"])
    row["mesh_terms"] = json.dumps([m["name"] for m in record.pop("mesh", [])])
    row.pop("mesh", None)
    return row


AMA = (
    "Smith JA, Doe J, Roe R, et al. Title of the article. J Affect Disord. 2022;310(2):113-125. "
    "doi:10.1016/j.jad.2022.05.001"
)


def test_ama_reference_example_more_than_six_authors():
    assert cite_ama(make()) == AMA


def test_citations_gives_all_three_columns_in_one_pass():
    record = make()
    assert citations(record) == {
        "citation": cite_ama(record),
        "citation_apa": cite_apa(record),
        "citation_vancouver": cite_vancouver(record),
    }
    assert citations(record)["citation"] == AMA


def test_ama_six_authors_are_all_listed():
    assert cite_ama(make(authors=SEVEN[:6], doi=None)) == (
        "Smith JA, Doe J, Roe R, Poe E, Coe F, Loe G. Title of the article. J Affect Disord. "
        "2022;310(2):113-125."
    )


def test_ama_from_a_studies_row_equals_the_record():
    assert cite_ama(as_row(make())) == AMA


@pytest.mark.parametrize(
    ("fields", "source"),
    [
        ({"issue": None}, "2022;310:113-125."),
        ({"pages": None}, "2022;310(2)."),
        ({"volume": None}, "2022;(2):113-125."),
        ({"pages": "e0123"}, "2022;310(2):e0123."),
        ({"volume": None, "issue": None, "pages": None}, "Published online May 3, 2022."),
        ({"volume": None, "issue": None, "pages": None, "epub_date": None}, "2022."),
    ],
)
def test_ama_missing_volume_issue_pages(fields, source):
    expected = f"Smith JA, Doe J, Roe R, et al. Title of the article. J Affect Disord. {source}"
    assert cite_ama(make(doi=None, **fields)) == expected


def test_ama_collective_author_question_title_and_iso_periods():
    record = make(authors=[group("MAPS Study Group"), person("Ng", "K", suffix="Jr")],
                  title="Does MDMA help?", journal_iso="J. Psychopharmacol.")  # fmt: skip
    assert cite_ama(record) == (
        "MAPS Study Group, Ng K Jr. Does MDMA help? J Psychopharmacol. 2022;310(2):113-125. "
        "doi:10.1016/j.jad.2022.05.001"
    )


def test_ama_no_authors_starts_with_the_title():
    assert cite_ama(make(authors=[], title="Trauma care!")) == (
        "Trauma care! J Affect Disord. 2022;310(2):113-125. doi:10.1016/j.jad.2022.05.001"
    )


def test_apa_lists_up_to_twenty_authors_with_ampersand():
    assert cite_apa(make(authors=SEVEN[:3])) == (
        "Smith, J. A., Doe, J., & Roe, R. (2022). Title of the article. Journal of Affective "
        "Disorders, 310(2), 113\u2013125. https://doi.org/10.1016/j.jad.2022.05.001"
    )


def test_apa_two_authors_and_more_than_twenty():
    assert cite_apa(make(authors=SEVEN[:2], doi=None)).startswith("Smith, J. A., & Doe, J. (2022).")
    many = [person(f"Author{i}", "A") for i in range(1, 23)]
    names = ", ".join(f"Author{i}, A." for i in range(1, 20))
    assert cite_apa(make(authors=many)).startswith(f"{names}, . . . Author22, A. (2022). Title")


def test_apa_no_authors_no_year_ahead_of_print():
    record = make(authors=[], pub_year=None, pub_date=None, volume=None, issue=None, pages=None)
    assert cite_apa(record) == (
        "Title of the article. (n.d.). Journal of Affective Disorders. Advance online "
        "publication. https://doi.org/10.1016/j.jad.2022.05.001"
    )


def test_apa_collective_author():
    assert cite_apa(make(authors=[group("World Health Organization")], doi=None)) == (
        "World Health Organization. (2022). Title of the article. Journal of Affective "
        "Disorders, 310(2), 113\u2013125."
    )


def test_vancouver_six_authors_then_et_al_with_pmid_and_pmcid():
    assert cite_vancouver(make(pmcid="PMC1234567", pages="113-125")) == (
        "Smith JA, Doe J, Roe R, Poe E, Coe F, Loe G, et al. Title of the article. "
        "J Affect Disord. 2022 Aug 1;310(2):113-25. doi: 10.1016/j.jad.2022.05.001. "
        "PMID: 12345678; PMCID: PMC1234567."
    )


def test_vancouver_ahead_of_print_uses_the_epub_date():
    record = make(authors=SEVEN[:1], volume=None, issue=None, pages=None, doi=None)
    assert cite_vancouver(record) == (
        "Smith JA. Title of the article. J Affect Disord. 2022 May 3. Epub ahead of print. "
        "PMID: 12345678."
    )


def test_vancouver_from_a_studies_row_equals_the_record():
    assert cite_vancouver(as_row(make())) == cite_vancouver(make())
    assert cite_apa(as_row(make())) == cite_apa(make())


def test_display_string_is_used_when_there_is_no_author_list():
    row = {"pmid": 1, "title": "T", "authors": "Smith JA, Doe J", "journal_iso": "BMJ"}
    assert cite_ama(row) == "Smith JA, Doe J. T. BMJ."


@pytest.mark.parametrize(
    ("pages", "expected"),
    [
        ("113-25", ("113", "125")),
        ("1025-1033", ("1025", "1033")),
        ("99-101", ("99", "101")),
        ("S12-5", ("S12", "S15")),
        ("e7760", ("e7760", None)),
        ("113-25; discussion 126", ("113-25; discussion 126", None)),
        (None, (None, None)),
    ],
)
def test_page_range(pages, expected):
    assert page_range(pages) == expected


def test_ris_parses_with_rispy():
    text = to_ris([as_row(make(pmcid="PMC1234567", retracted=1)), make(pmid=2, authors=[])])
    first, second = rispy.loads(text)
    assert first == {
        "type_of_reference": "JOUR",
        "title": "Title of the article.",
        "authors": ["Smith, Jane A", "Doe, John", "Roe, Rita", "Poe, E", "Coe, F", "Loe, G",
                    "Zoe, H"],
        "year": "2022",
        "date": "2022/08/01",
        "secondary_title": "Journal of Affective Disorders",
        "alternate_title1": "J Affect Disord",
        "volume": "310",
        "number": "2",
        "start_page": "113",
        "end_page": "125",
        "doi": "10.1016/j.jad.2022.05.001",
        "accession_number": "12345678",
        "custom2": "PMC1234567",
        "language": "eng",
        "urls": ["https://pubmed.ncbi.nlm.nih.gov/12345678/"],
        "abstract": "BACKGROUND: Trauma. RESULTS: 50% & more.",
        "keywords": ["ketamine", "PTSD", "Ketamine"],
        "notes": ["RETRACTED: this study has been retracted."],
    }  # fmt: skip
    assert second["accession_number"] == "2"
    assert "authors" not in second


def test_bibtex_parses_with_bibtexparser():
    rows = [
        as_row(make(title="50% of {PTSD} & more_x")),
        make(pmid=2, authors=[], pub_year=None, pub_date=None),
    ]
    library = bibtexparser.parse_string(to_bibtex(rows))
    assert library.failed_blocks == []
    first, second = library.entries
    assert first.key == "smith2022_12345678"
    assert second.key == "anonnd_2"
    assert {f.key: f.value for f in first.fields} == {
        "author": "Smith, Jane A and Doe, John and Roe, Rita and Poe, E and Coe, F and Loe, G "
        "and Zoe, H",
        "title": r"{50\% of \{PTSD\} \& more\_x}",
        "journal": "Journal of Affective Disorders",
        "year": "2022",
        "volume": "310",
        "number": "2",
        "pages": "113--125",
        "doi": "10.1016/j.jad.2022.05.001",
        "pmid": "12345678",
        "url": "https://pubmed.ncbi.nlm.nih.gov/12345678/",
        "keywords": "ketamine, PTSD",
        "abstract": r"BACKGROUND: Trauma. RESULTS: 50\% \& more.",
    }


def test_bibtex_keys_are_ascii_and_collective_names_braced():
    record = make(authors=[person("Østergaard", "S"), group("PTSD Group")])
    assert bibtex_key(record) == "ostergaard2022_12345678"
    assert bibtex_key(make(authors=[group("Ärzte Study Group")])) == "arzte2022_12345678"
    assert "author = {Østergaard, S and {PTSD Group}}" in to_bibtex([record])


def test_bibtex_escape():
    assert bibtex_escape("a\\b ~ ^ $ #\n c") == (
        r"a\textbackslash{}b \textasciitilde{} \textasciicircum{} \$ \# c"
    )
