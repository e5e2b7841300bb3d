"""harvest.citing: AMA, APA and Vancouver citations carrying their flags; RIS and BibTeX."""

from __future__ import annotations

import json

import bibtexparser
import pytest
import rispy

from harvest.citing.exports import bibtex_escape, bibtex_key, to_bibtex, to_ris
from harvest.citing.styles import citations, cite_ama, cite_apa, cite_vancouver, page_range


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
        "keywords": ["Retracted", "ketamine", "PTSD", "Ketamine"],
        "notes": ["Retracted"],
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
        "title": r"{50\% of \textbraceleft{}PTSD\textbraceright{} \& more\_x}",
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


RETRACTION_IN = {
    "type": "RetractionIn",
    "source": "J Affect Disord. 2024;350:12",
    "pmid": 38000001,
    "note": None,
}
ERRATUM_IN = {"type": "ErratumIn", "source": "J Affect Disord. 2023 Jan;320(1):5", "pmid": None}
CONCERN_IN = {"type": "ExpressionOfConcernIn", "source": "J Affect Disord. 2023;330:1", "pmid": 7}
VANCOUVER_BODY = (
    "Smith JA, Doe J, Roe R, Poe E, Coe F, Loe G, et al. Title of the article. "
    "J Affect Disord. 2022 Aug 1;310(2):113-25. doi: 10.1016/j.jad.2022.05.001."
)
APA_BODY = (
    "Smith, J. A., Doe, J., & Roe, R. (2022). Title of the article. Journal of Affective "
    "Disorders, 310(2), 113\u2013125. https://doi.org/10.1016/j.jad.2022.05.001"
)


def test_retracted_study_citations_carry_the_retraction_notice():
    record = make(retracted=1, comments_corrections=[RETRACTION_IN])
    assert cite_ama(record) == (
        AMA + ". Retracted in: J Affect Disord. 2024;350:12. PMID: 38000001."
    )
    assert cite_vancouver(record) == (
        VANCOUVER_BODY + " Retraction in: J Affect Disord. 2024;350:12. PMID: 38000001. "
        "PMID: 12345678."
    )
    assert cite_apa(make(authors=SEVEN[:3], retracted=1, comments_corrections=[RETRACTION_IN])) == (
        APA_BODY + " (Retraction published 2024, J Affect Disord, 350, 12; PMID: 38000001)"
    )


def test_every_flag_in_order_of_seriousness_from_a_studies_row():
    links = [ERRATUM_IN, CONCERN_IN, RETRACTION_IN]
    row = as_row(make(comments_corrections=json.dumps(links), retracted=1, erratum=1,
                      expression_of_concern=1))  # fmt: skip
    assert cite_ama(row) == (
        AMA + ". Retracted in: J Affect Disord. 2024;350:12. PMID: 38000001. "
        "Expression of concern in: J Affect Disord. 2023;330:1. PMID: 7. "
        "Published correction appears in: J Affect Disord. 2023 Jan;320(1):5."
    )
    apa = cite_apa(dict(row, author_list=json.dumps(SEVEN[:3])))
    assert apa == (
        APA_BODY + " (Retraction published 2024, J Affect Disord, 350, 12; PMID: 38000001)"
        " (Expression of concern published 2023, J Affect Disord, 330, 1; PMID: 7)"
        " (Correction published 2023, J Affect Disord, 320[1], 5)"
    )
    assert citations(row)["citation_vancouver"].endswith(
        "Retraction in: J Affect Disord. 2024;350:12. PMID: 38000001. "
        "Expression of concern in: J Affect Disord. 2023;330:1. PMID: 7. "
        "Erratum in: J Affect Disord. 2023 Jan;320(1):5. PMID: 12345678."
    )


def test_a_flag_without_a_known_notice_still_shows():
    record = make(doi=None, expression_of_concern=1)
    assert cite_ama(record).endswith("2022;310(2):113-125. Expression of concern.")
    assert cite_apa(record).endswith("113\u2013125. (Expression of concern)")
    assert cite_vancouver(record).endswith("Expression of concern. PMID: 12345678.")
    assert cite_ama(make(retracted=0, erratum=0)) == AMA


def test_a_notice_cites_the_study_it_concerns():
    notice = make(
        authors=[], title="Retraction notice.", doi=None, volume="350", issue=None, pages="12",
        publication_types=[{"ui": "D016440", "name": "Retraction of Publication"}],
        comments_corrections=[{"type": "RetractionOf", "pmid": 12345678,
                               "source": "J Affect Disord. 2022;310(2):113-25"}],
    )  # fmt: skip
    assert cite_ama(notice) == (
        "Retraction notice. J Affect Disord. 2022;350:12. "
        "Retraction of: J Affect Disord. 2022;310(2):113-25. PMID: 12345678."
    )


def test_bibtex_survives_braces_and_specials_in_every_field():
    hostile = make(
        title="A } lone brace", issue="2}", volume="3{", pages="1%2", doi="10.1000/a}b{c d",
        journal="J & {J}", keywords=["x}y"], retracted=1,
        comments_corrections=[dict(RETRACTION_IN, source="Src } {. 2024;1:2")],
    )  # fmt: skip
    library = bibtexparser.parse_string(to_bibtex([hostile, make(pmid=2)]))
    assert library.failed_blocks == []
    assert [e.key for e in library.entries] == ["smith2022_12345678", "smith2022_2"]
    fields = {f.key: f.value for f in library.entries[0].fields}
    assert fields["number"] == r"2\textbraceright{}"
    assert fields["volume"] == r"3\textbraceleft{}"
    assert fields["pages"] == r"1\%2"
    assert fields["doi"] == "10.1000/a%7Db%7Bc%20d"
    assert fields["title"] == r"{A \textbraceright{} lone brace}"
    assert fields["keywords"] == r"Retracted, x\textbraceright{}y"
    assert fields["note"] == (
        r"Retracted. Retraction in: Src \textbraceright{} \textbraceleft{}. 2024;1:2. "
        "PMID: 38000001"
    )
