"""`harvest check` end to end: real subprocesses on a real catalog file, every input form, the
JSON shape, exit codes 0 / 1 / 2, and `--online` against the E-utilities stand-in."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.cli_support import run_harvest
from tests.test_check import check_catalog, study
from tests.test_extract import make_docx

ROOT = Path(__file__).resolve().parent.parent
DRAFTS = Path(__file__).parent / "fixtures" / "drafts"


def harvest(*args, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python -m harvest ARGS` to completion."""
    env = env or {k: v for k, v in os.environ.items() if k != "NCBI_API_KEY"}
    return run_harvest(*args, env=env, timeout=120)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory) -> Path:
    return check_catalog(tmp_path_factory.mktemp("cli-check") / "catalog.db")


def check_json(catalog: Path, *files) -> tuple[int, dict]:
    done = harvest("check", *files, "--db", catalog, "--format", "json")
    assert done.stderr == ""
    return done.returncode, json.loads(done.stdout)


def brief(report: dict) -> list[tuple]:
    return [
        (c["line"], c["kind"], c["found"], c["pmid"], c["status"], c["flags"])
        for d in report["documents"]
        for c in d["citations"]
    ]


def test_markdown_draft_json(catalog):
    code, report = check_json(catalog, DRAFTS / "draft.md")
    assert code == 1
    assert brief(report) == [
        (3, "pmid", "PMID: 24740528", 24740528, "ok", []),
        (
            3,
            "pmid",
            "https://pubmed.ncbi.nlm.nih.gov/33397139/?from_term=ketamine&page=2",
            33397139,
            "ok",
            [],
        ),
        (4, "doi", "DOI: 10.1038/S41591-021-01336-3", 33972795, "ok", []),
        (
            4,
            "doi",
            "https://dx.doi.org/10.1007/s00213-019-05249-5",
            31065731,
            "retracted",
            ["retracted"],
        ),
        (5, "doi", "doi:10.7759/cureus.7760", 36500003, "erratum", ["erratum"]),
        (
            5,
            "doi",
            "https://doi.org/10.1016/j.biopsych.2019.01.002",
            36500006,
            "expression_of_concern",
            ["expression_of_concern"],
        ),
        (6, "pmcid", "PMCID: PMC8205851", 33972795, "ok", []),
        (6, "pmid", "pmid 36500004", 36500004, "off_topic", ["off_topic"]),
        (6, "pmid", "PMID 99999999", None, "not_in_catalog", ["not_in_catalog"]),
        (6, "doi", "doi:10.9999/nothere.1", None, "not_in_catalog", ["not_in_catalog"]),
        (10, "reference", report["documents"][0]["citations"][10]["found"], 36500001, "ok", []),
        (
            11,
            "reference",
            "Okafor CN, Smith J. Psilocybin for nightmares in firefighters: a pilot. "
            "J Psychopharmacol. 2025.",
            None,
            "not_in_catalog",
            ["not_in_catalog"],
        ),
        (
            12,
            "reference",
            "Feder A, Costi S. Repeated ketamine administration for chronic PTSD. "
            "Am J Psychiatry. 2021.",
            33397139,
            "uncertain",
            ["uncertain"],
        ),
    ]
    assert report["summary"] == {
        "citations": 13,
        "retracted": 1,
        "expression_of_concern": 1,
        "erratum": 1,
        "not_in_catalog": 3,
        "uncertain": 1,
    }
    retracted = report["documents"][0]["citations"][3]
    assert set(retracted) == {
        "line",
        "found",
        "kind",
        "pmid",
        "status",
        "flags",
        "design",
        "evidence_level",
        "citation",
    }
    assert (retracted["design"], retracted["evidence_level"]) == tuple(
        study(catalog, 31065731).values()
    )[:2]
    assert retracted["citation"].startswith("Mithoefer MC, Feduccia AA, Jerome L, et al. MDMA")
    assert report["documents"][0]["path"] == str(DRAFTS / "draft.md")


def test_html_docx_ris_nbib_and_text_drafts(catalog, tmp_path):
    docx_path = make_docx(tmp_path / "draft.docx")
    code, report = check_json(
        catalog,
        DRAFTS / "draft.html",
        docx_path,
        DRAFTS / "references.ris",
        DRAFTS / "references.nbib",
        DRAFTS / "draft.txt",
    )
    assert code == 1
    by_doc = {
        Path(d["path"]).name: [
            (c["line"], c["kind"], c["pmid"], c["status"]) for c in d["citations"]
        ]
        for d in report["documents"]
    }
    assert by_doc == {
        "draft.html": [
            (7, "pmid", 33972795, "ok"),
            (9, "doi", 31065731, "retracted"),
            (10, "pmcid", 33972795, "ok"),
            (13, "reference", 24740528, "ok"),
            (15, "doi", 36500003, "erratum"),
        ],
        "draft.docx": [
            (2, "pmid", 24740528, "ok"),
            (2, "doi", 33397139, "ok"),
            (4, "reference", 36500001, "ok"),
            (6, "pmid", 31065731, "retracted"),
        ],
        "references.ris": [
            (1, "doi", 33397139, "ok"),
            (11, "pmid", 31065731, "retracted"),
            (18, "reference", 36500001, "ok"),
        ],
        "references.nbib": [
            (1, "pmid", 36500006, "expression_of_concern"),
            (6, "pmid", None, "not_in_catalog"),
        ],
        "draft.txt": [
            (3, "pmid", 24740528, "ok"),
            (3, "doi", 33397139, "ok"),
            (4, "doi", 36500001, "ok"),
            (5, "pmid", 36500002, "ok"),
        ],
    }
    assert report["summary"]["citations"] == 18


def test_exit_0_when_nothing_cited_is_retracted_or_under_concern(catalog, tmp_path):
    draft = tmp_path / "clean.md"
    draft.write_text("Erratum only: doi:10.7759/cureus.7760\nUnknown: PMID 99999999\n")
    done = harvest("check", draft, "--db", catalog)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == (
        "2 citations: 0 retracted, 0 under an expression of concern, 1 with errata, "
        "1 not in the catalog, 0 uncertain matches"
    )


def test_exit_1_and_text_names_the_retracted_study(catalog):
    done = harvest("check", DRAFTS / "draft.html", "--db", catalog)
    assert done.returncode == 1
    assert (
        "  line 9: https://doi.org/10.1007/S00213-019-05249-5 -> PMID 31065731: RETRACTED"
        in done.stdout.splitlines()
    )


@pytest.mark.parametrize(
    "name, data, reason",
    [
        ("paper.pdf", b"%PDF-1.4\n1 0 obj\n", "it is a PDF"),
        ("draft.md", bytes(range(256)), "it is a binary file"),
        ("draft.docx", b"PK\x03\x04 broken", "a ZIP archive but not a Word .docx document"),
    ],
)
def test_exit_2_with_one_error_line_on_a_file_that_is_not_a_document(
    catalog, tmp_path, name, data, reason
):
    bad = tmp_path / name
    bad.write_bytes(data)
    done = harvest("check", DRAFTS / "draft.txt", bad, "--db", catalog)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == (
        f"Error: {bad}: not a plain text, Markdown, HTML, .docx, RIS or nbib document ({reason})\n"
    )


def test_exit_2_without_a_catalog_or_a_file(tmp_path):
    done = harvest("check", DRAFTS / "draft.txt", "--db", tmp_path / "none.db")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        f"Error: no catalog at {tmp_path / 'none.db'}: run `harvest refresh` or "
        "`harvest import` first\n"
    )
    assert not (tmp_path / "none.db").exists()
    missing = harvest("check", tmp_path / "gone.md", "--db", tmp_path / "none.db")
    assert missing.returncode == 2
    assert (
        missing.stderr == f"Error: cannot read {tmp_path / 'gone.md'}: No such file or directory\n"
    )


def test_check_writes_nothing(catalog, tmp_path):
    before = catalog.read_bytes()
    assert harvest("check", DRAFTS / "draft.md", "--db", catalog).returncode == 1
    assert catalog.read_bytes() == before


def test_online_looks_up_citations_missing_from_the_catalog(
    catalog, standin, eutils_env, fast_config, record_factory, tmp_path
):
    standin.add_record(
        record_factory(
            42000001,
            title="Ketamine infusion for posttraumatic stress disorder in veterans: a randomized "
            "controlled trial.",
            doi="10.5555/vet.1",
            publication_types=(
                ("D016428", "Journal Article"),
                ("D016441", "Retracted Publication"),
            ),
            comments_corrections=(("RetractionIn", "J Notices. 2025;1:1", 49999999),),
        )
    )
    standin.add_record(
        record_factory(
            42000002,
            title="Psilocybin-assisted therapy for PTSD: an open-label trial.",
            doi="10.5555/Grief.2",
        )
    )
    draft = tmp_path / "online.md"
    draft.write_text(
        "Retracted: PMID: 42000001\nOrdinary: https://doi.org/10.5555/GRIEF.2\n"
        "Nowhere: PMID 43999999\nIn the catalog: PMID 24740528\n"
    )
    env = dict(eutils_env, HARVEST_CONFIG=str(fast_config))
    done = harvest("check", draft, "--db", catalog, "--online", "--format", "json", env=env)
    assert done.returncode == 1, done.stderr
    report = json.loads(done.stdout)
    assert brief(report) == [
        (1, "pmid", "PMID: 42000001", 42000001, "retracted", ["retracted", "not_in_catalog"]),
        (
            2,
            "doi",
            "https://doi.org/10.5555/GRIEF.2",
            42000002,
            "not_in_catalog",
            ["not_in_catalog"],
        ),
        (3, "pmid", "PMID 43999999", None, "not_in_catalog", ["not_in_catalog"]),
        (4, "pmid", "PMID 24740528", 24740528, "ok", []),
    ]
    first = report["documents"][0]["citations"][0]
    assert first["citation"].startswith(
        "Smith JA. Ketamine infusion for posttraumatic stress disorder in veterans: a randomized "
        "controlled trial."
    )
    assert first["design"] == "rct"  # tagged with the project's taxonomy
    assert report["summary"]["retracted"] == 1
    log = standin.requests
    assert len(log) == 4  # efetch 42000001, esearch + efetch for the DOI, efetch 43999999
    assert all(r.params.get("tool") and r.params.get("email") == "test@example.org" for r in log)


def test_online_needs_an_email(catalog, fast_config):
    env = {k: v for k, v in os.environ.items() if k not in ("NCBI_API_KEY", "NCBI_EMAIL")}
    env["HARVEST_CONFIG"] = str(fast_config)  # its harvest.yml has `email: ""`
    done = harvest("check", DRAFTS / "draft.txt", "--db", catalog, "--online", env=env)
    assert done.returncode == 2
    assert done.stderr.startswith("Error: ") and done.stderr.count("\n") == 1
