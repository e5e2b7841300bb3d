"""Score the tagger on the fresh held-out set (tests/fixtures/heldout_fresh/), written after the
last tuning pass and never tuned on: import, evaluate text only and with metadata, report.

As for the first held-out set, only the exit code and the number of scored records are
asserted; the scores are reported (README), never asserted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_support import (
    agreeing_records,
    held_out_pmids,
    imported,
    labelled_pmids,
    run_harvest,
    tuned_pmids,
)

FIXTURES = Path(__file__).parent / "fixtures"
HERE = FIXTURES / "heldout_fresh"
XML = HERE / "heldout_fresh.xml"
LABELS = HERE / "heldout_fresh_labels.json"


@pytest.fixture(scope="module")
def fresh_db(tmp_path_factory) -> Path:
    """A catalog holding exactly the fresh held-out records."""
    return imported(tmp_path_factory, XML, "heldout_fresh")


def test_fresh_files_agree():
    """Every labelled PMID has exactly one record in the XML and vice versa."""
    records = agreeing_records(XML, LABELS)
    assert len(records) == len(list((HERE / "records").glob("*.yml")))


@pytest.mark.parametrize("extra", [(), ("--text-only",)], ids=["with-metadata", "text-only"])
def test_fresh_scored(fresh_db, extra):
    """Evaluate the catalog against the fresh labels; every record is scored."""
    result = run_harvest("evaluate", str(LABELS), "--db", str(fresh_db), *extra, timeout=600)
    assert result.returncode == 0, result.stderr
    print(result.stdout)  # captured by pytest; shown with -rP or -s
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"Evaluated {len(labelled_pmids(LABELS))} labelled records")


def test_fresh_apart_from_everything_else():
    """No fresh PMID is in the first held-out set or among the records anything is tuned on."""
    others = held_out_pmids("heldout") | tuned_pmids()
    assert len(others) >= 400
    assert labelled_pmids(LABELS) & others == set()
