"""Running the real CLI in a subprocess, and reading a catalog file, for the CLI test modules."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def command(args, pubmed_only: bool = False) -> list[str]:
    """`python -m harvest ARGS`; with pubmed_only, a refresh skips ClinicalTrials.gov.

    The PubMed tests are about the PubMed part of `harvest refresh`: the ClinicalTrials.gov part
    (its own run and summary line) is tested in tests/test_cli_trials.py.
    """
    args = [str(a) for a in args]
    if pubmed_only and args[:1] == ["refresh"]:
        args.append("--skip-trials")
    return [sys.executable, "-m", "harvest", *args]


def run_harvest(
    *args, env: dict | None = None, cwd=None, timeout: float = 300, pubmed_only: bool = False
) -> subprocess.CompletedProcess:
    """Run the CLI to completion, capturing its output as text."""
    return subprocess.run(
        command(args, pubmed_only),
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or ROOT,
        timeout=timeout,
    )


def rows(db: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """All rows of a query against a catalog file."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def labelled_pmids(labels: Path) -> set[str]:
    """The PMIDs a labels file (pmid -> facets, `_comment` keys aside) scores."""
    return {k for k in json.loads(labels.read_text(encoding="utf-8")) if not k.startswith("_")}


FIXTURES = Path(__file__).parent / "fixtures"


def tuned_pmids() -> set[str]:
    """The PMIDs of every set the tagger is tuned or developed on (tuning/, the corpus)."""
    tuned = set()
    for path in (FIXTURES / "tuning").rglob("*labels.json"):
        tuned |= labelled_pmids(path)
    return tuned | labelled_pmids(FIXTURES / "tagging_labels.json")


def held_out_pmids(*folders: str) -> set[str]:
    """The PMIDs of the named held-out sets (fixtures/FOLDER/FOLDER_labels.json)."""
    out = set()
    for folder in folders:
        out |= labelled_pmids(FIXTURES / folder / f"{folder}_labels.json")
    return out


def xml_pmids(xml: Path) -> list[str]:
    """Every record's PMID in a PubMed XML fixture, in file order (duplicates kept)."""
    text = xml.read_text(encoding="utf-8")
    return [chunk.split("</PMID>")[0] for chunk in text.split('<PMID Version="1">')[1:]]


def agreeing_records(xml: Path, labels: Path) -> list[str]:
    """A labelled set's XML PMIDs, checked: each record once, exactly the labelled ones."""
    records = xml_pmids(xml)
    assert len(records) == len(set(records))
    assert set(records) == labelled_pmids(labels)
    return records


def imported(tmp_path_factory, xml: Path, name: str) -> Path:
    """A new catalog holding exactly the records of `xml`, built by `harvest import`."""
    db = tmp_path_factory.mktemp(name) / f"{name}.db"
    result = run_harvest("import", xml, "--db", db, "--quiet", timeout=600)
    assert result.returncode == 0, result.stderr
    return db


def copied(source: Path, target: Path) -> Path:
    """A copy of the catalog at source, made with SQLite's backup, for one test to write into."""
    from_db, to_db = sqlite3.connect(source), sqlite3.connect(target)
    from_db.backup(to_db)
    from_db.close()
    to_db.close()
    return target
