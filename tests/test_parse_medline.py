"""MEDLINE text (.nbib/.txt) parsing through Bio.Medline."""

import io
from pathlib import Path

import pytest

from harvest.errors import FileFormatError
from harvest.pubmed.medline import parse_medline, split_sections

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "ncbi-samples"


def test_nbib_export():
    with open(FIXTURES / "export.nbib", encoding="utf-8") as fp:
        first, second = parse_medline(fp)
    assert first["pmid"] == 39000011
    assert first["title"] == (
        "Esketamine nasal spray for treatment-resistant depression with suicidal ideation: "
        "a randomized trial."
    )
    assert first["abstract"] == (
        "BACKGROUND: Suicidal ideation is common in treatment-resistant depression.\n"
        "METHODS: Adults (N = 226) received esketamine 84 mg or placebo.\n"
        "RESULTS: Symptoms improved.\nCONCLUSIONS: Esketamine helped."
    )
    assert first["doi"] == "10.1016/j.jad.2024.06.002"
    assert first["pii"] == "S0165-0327(24)00200-1"
    assert (first["journal"], first["journal_iso"]) == (
        "Journal of affective disorders",
        "J Affect Disord",
    )
    assert (first["volume"], first["issue"], first["pages"]) == ("350", "2", "113-125")
    assert (first["pub_year"], first["pub_date"]) == (2024, "2024-08-01")
    assert first["epub_date"] == "2024-06-03"
    assert [(a["last_name"], a["fore_name"], a["initials"]) for a in first["authors"]] == [
        ("Fu", "Dong-Jing", "DJ"),
        ("Ionescu", "Dawn F", "DF"),
        (None, None, None),
    ]
    assert first["authors"][2]["collective_name"] == "ASPIRE Study Group"
    assert first["publication_types"] == [
        {"ui": "D016428", "name": "Journal Article"},
        {"ui": "D016449", "name": "Randomized Controlled Trial"},
    ]
    assert first["mesh"][1] == {
        "ui": None,
        "name": "Depressive Disorder, Treatment-Resistant",
        "major": True,
        "qualifiers": [{"ui": None, "name": "drug therapy", "major": False}],
    }
    assert first["mesh"][3]["major"] is True  # major via its qualifier
    assert first["keywords"] == ["esketamine", "suicidal ideation"]
    assert first["chemicals"] == [
        {"ui": None, "name": "Esketamine", "registry_number": "50LFG02TXD"}
    ]
    assert first["databanks"] == [{"name": "ClinicalTrials.gov", "accession": "NCT03039192"}]
    assert first["comments_corrections"] == [
        {
            "type": "ErratumIn",
            "source": "J Affect Disord. 2024 Oct;352:9.",
            "pmid": 39000099,
            "note": None,
        }
    ]
    assert first["history"] == {
        "received": "2024-01-10",
        "pubmed": "2024-06-05",
        "entrez": "2024-06-04",
        "medline": "2024-09-03",
    }
    assert (first["date_revised"], first["date_completed"]) == ("2025-01-15", "2024-09-02")
    assert first["coi_statement"] == "DJF is an employee of Janssen."
    assert second["comments_corrections"][0]["type"] == "RetractionIn"
    assert second["abstract"] is None and second["status"] == "Publisher"


def test_not_medline():
    with pytest.raises(FileFormatError, match="not a MEDLINE text file"):
        list(parse_medline(io.StringIO("hello\nworld\n")))


def test_split_sections_unstructured():
    assert split_sections("Plain text. No labels here.") == [
        {"label": None, "category": None, "text": "Plain text. No labels here."}
    ]


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="../shared/ncbi-samples not present")
def test_biopython_medline_samples():
    pmids = []
    for name in ("pubmed_result1.txt", "pubmed_result2.txt", "pubmed_result3.txt"):
        with open(SAMPLES / "biopython-medline-text" / name, encoding="utf-8") as fp:
            pmids.extend(r["pmid"] for r in parse_medline(fp))
    assert pmids == [12230038, 16403221, 16377612, 14871861, 14630660, 23039619]
