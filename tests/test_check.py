"""The citation check against a real catalog file (harvest/citing/check.py): every status, the
flags, reference entries matched by title, first author and year, and the report's shape."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from harvest.citing.check import (
    check_lines,
    check_report,
    match_reference,
    render_report,
    report_failed,
)
from harvest.citing.documents import read_document
from tests.catalog_factory import build_catalog

DRAFTS = Path(__file__).parent / "fixtures" / "drafts"
AMA_RETRACTED = (
    "Mithoefer MC, Feduccia AA, Jerome L, et al. MDMA-assisted psychotherapy for treatment of "
    "PTSD: study design and rationale for phase 3 trials based on pooled analysis of six phase 2 "
    "randomized controlled trials. Psychopharmacology (Berl). 2019;236(9):2735-2745. "
    "doi:10.1007/s00213-019-05249-5"
)


def check_catalog(path: Path) -> Path:
    """The test catalog with the topic flags the check reads pinned: 36500004 off topic,
    36500005 an animal study, every other study on topic and in humans."""
    build_catalog(path)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("update studies set on_topic = (pmid != 36500004), human = (pmid != 36500005)")
    conn.close()
    return path


def study(path: Path, pmid: int) -> dict:
    """design, evidence_level and citation of a study as the catalog holds them."""
    conn = sqlite3.connect(path)
    row = conn.execute(
        "select design, evidence_level, citation from studies where pmid = ?", (pmid,)
    ).fetchone()
    conn.close()
    return dict(zip(("design", "evidence_level", "citation"), row, strict=True))


@pytest.fixture(scope="module")
def catalog(tmp_path_factory) -> Path:
    path = check_catalog(tmp_path_factory.mktemp("check") / "catalog.db")
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("update studies set erratum = 1 where pmid = 36500004")  # off-topic + erratum
    conn.close()
    return path


@pytest.fixture
def conn(catalog):
    conn = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    yield conn
    conn.close()


def statuses(conn, *lines: str) -> list[tuple]:
    results = check_lines(conn, [(n, text, False) for n, text in enumerate(lines, 1)])
    return [(c["line"], c["kind"], c["pmid"], c["status"], c["flags"]) for c in results]


def test_every_status(conn):
    assert statuses(
        conn,
        "Ketamine helped (PMID: 24740528).",
        "Pooled phase 2: https://doi.org/10.1007/S00213-019-05249-5.",
        "Single dose: https://pubmed.ncbi.nlm.nih.gov/36500006/?from=x",
        "Case report: doi:10.7759/CUREUS.7760",
        "Festival survey PMID 36500004",
        "Editorial PMID 36500005",
        "Unknown PMID 99999999 and doi:10.9999/nothere.1 and PMC1234567",
    ) == [
        (1, "pmid", 24740528, "ok", []),
        (2, "doi", 31065731, "retracted", ["retracted"]),
        (3, "pmid", 36500006, "expression_of_concern", ["expression_of_concern"]),
        (4, "doi", 36500003, "erratum", ["erratum"]),
        (5, "pmid", 36500004, "erratum", ["erratum", "off_topic"]),
        (6, "pmid", 36500005, "animal", ["animal"]),
        (7, "pmid", None, "not_in_catalog", ["not_in_catalog"]),
        (7, "doi", None, "not_in_catalog", ["not_in_catalog"]),
        (7, "pmcid", None, "not_in_catalog", ["not_in_catalog"]),
    ]


def test_one_study_named_twice_on_a_line_is_one_citation(conn):
    assert statuses(
        conn,
        "Feder 2014. doi:10.1001/jamapsychiatry.2014.62. PMID: 24740528. PMCID: PMC8205851",
    ) == [
        (1, "doi", 24740528, "ok", []),
        (1, "pmcid", 33972795, "ok", []),
    ]


def test_one_unknown_identifier_twice_on_a_line_is_one_citation(conn):
    assert statuses(conn, "doi:10.9999/NOT.1 (https://doi.org/10.9999/not.1), PMID 99999999") == [
        (1, "doi", None, "not_in_catalog", ["not_in_catalog"]),
        (1, "pmid", None, "not_in_catalog", ["not_in_catalog"]),
    ]


def test_a_citation_carries_design_level_and_the_ama_citation(conn, catalog):
    [entry] = check_lines(conn, [(4, "see PMID: 31065731", False)])
    assert entry == {
        "line": 4,
        "found": "PMID: 31065731",
        "kind": "pmid",
        "pmid": 31065731,
        "status": "retracted",
        "flags": ["retracted"],
        **study(catalog, 31065731),
    }
    assert entry["citation"].startswith(AMA_RETRACTED)
    assert entry["design"] is not None


@pytest.mark.parametrize(
    "entry, pmid, confident",
    [
        # title in capitals, ":" as " - ", "and" as "&": still the study
        (
            "Almeida TM, Lacerda Á, Nguyen H. KETAMINE AND ESKETAMINE FOR POSTTRAUMATIC STRESS "
            "DISORDER - A SYSTEMATIC REVIEW & META ANALYSIS. J Affect Disord. 2023;325:110-119.",
            36500001,
            True,
        ),
        (
            "Feder, A., Costi, S. (2021). A randomized controlled trial of repeated ketamine "
            "administration for chronic posttraumatic stress disorder. American Journal of "
            "Psychiatry, 178(2), 193-202.",
            33397139,
            True,
        ),
        # an abbreviated title: a possible match, never a confident one
        (
            "Feder A, Costi S. Repeated ketamine administration for chronic PTSD. Am J Psychiatry. "
            "2021.",
            33397139,
            False,
        ),
        # the right title with the wrong first author and year
        (
            "Nguyen H. Ketamine and esketamine for posttraumatic stress disorder: a systematic "
            "review and meta-analysis. 2019.",
            36500001,
            False,
        ),
        (
            "Okafor CN, Smith J. Psilocybin for nightmares in firefighters: a pilot. 2025.",
            None,
            None,
        ),
    ],
)
def test_reference_entries_are_matched_by_title_first_author_and_year(conn, entry, pmid, confident):
    match = match_reference(conn, entry)
    assert (match.row["pmid"] if match.row else None) == pmid
    if pmid:
        assert match.confident is confident


def test_uncertain_matches_never_carry_the_studys_flags(conn):
    # a loose version of the retracted pooled analysis: uncertain, not retracted
    [entry] = check_lines(
        conn,
        [
            (
                1,
                "Mithoefer MC. MDMA-assisted psychotherapy for PTSD: design of phase 3 trials from "
                "pooled phase 2 data. 2019.",
                False,
            )
        ],
    )
    assert (entry["pmid"], entry["status"], entry["flags"]) == (
        31065731,
        "uncertain",
        ["uncertain"],
    )


def test_report_summary_and_failure(conn):
    documents = [
        (str(DRAFTS / name), read_document(DRAFTS / name)) for name in ("draft.md", "draft.txt")
    ]
    report = check_report(conn, documents)
    assert [d["path"] for d in report["documents"]] == [p for p, _ in documents]
    assert report["summary"] == {
        "citations": 17,
        "retracted": 1,
        "expression_of_concern": 1,
        "erratum": 2,
        "not_in_catalog": 3,
        "uncertain": 1,
    }
    assert report_failed(report) is True
    clean = check_report(conn, documents[1:])
    assert report_failed(clean) is False
    assert clean["summary"]["citations"] == 4


def test_text_report(conn, catalog):
    report = check_report(conn, [("note.md", [(2, "PMID: 31065731 and PMID 36500004", False)])])
    first, second = study(catalog, 31065731), study(catalog, 36500004)
    assert render_report(report).splitlines() == [
        "note.md: 2 citations",
        "  line 2: PMID: 31065731 -> PMID 31065731: RETRACTED",
        f"    {first['design']}, evidence level {first['evidence_level']}",
        "    " + report["documents"][0]["citations"][0]["citation"],
        "  line 2: PMID 36500004 -> PMID 36500004: ERRATUM (also off_topic)",
        f"    {second['design']}, evidence level {second['evidence_level']}",
        "    " + report["documents"][0]["citations"][1]["citation"],
        "2 citations: 1 retracted, 0 under an expression of concern, 1 with errata, "
        "0 not in the catalog, 0 uncertain matches",
    ]
