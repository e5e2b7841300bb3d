"""Score the tagger on the held-out set (tests/fixtures/heldout/): import, evaluate, report.

Only the exit code and the number of scored records are asserted; held-out scores are reported,
never asserted, so nobody tunes the tagger to this set.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_support import (
    agreeing_records,
    imported,
    labelled_pmids,
    run_harvest,
    tuned_pmids,
)

HERE = Path(__file__).parent / "fixtures" / "heldout"
XML = HERE / "heldout.xml"
LABELS = HERE / "heldout_labels.json"


def _label_count() -> int:
    return len(labelled_pmids(LABELS))


def _run(*args: str):
    return run_harvest(*args, timeout=600)


@pytest.fixture(scope="module")
def heldout_db(tmp_path_factory) -> Path:
    """A catalog holding exactly the held-out records."""
    return imported(tmp_path_factory, XML, "heldout")


def test_heldout_files_agree():
    """Every labelled PMID has exactly one record in the XML and vice versa."""
    records = agreeing_records(XML, LABELS)
    assert len(records) >= 200


def _evaluate(db: Path, *extra: str) -> str:
    result = _run("evaluate", str(LABELS), "--db", str(db), *extra)
    assert result.returncode == 0, result.stderr
    report = result.stdout
    print(report)  # captured by pytest; shown with -rP or -s
    return report


def test_heldout_scored(heldout_db):
    """Evaluate the catalog against the held-out labels; all records are scored."""
    report = _evaluate(heldout_db)
    assert report.splitlines()[0] == f"Evaluated {_label_count()} labelled records"


def test_heldout_scored_text_only(heldout_db):
    """The same, with MeSH and publication types withheld, when `evaluate` offers it."""
    help_text = _run("evaluate", "--help").stdout
    if "--text-only" not in help_text:
        pytest.skip("harvest evaluate has no --text-only option yet")
    report = _evaluate(heldout_db, "--text-only")
    assert report.splitlines()[0].startswith(f"Evaluated {_label_count()} labelled records")


def test_heldout_apart_from_tuning():
    """No held-out PMID is among the records the tagger is tuned or developed on."""
    tuned = tuned_pmids()
    assert len(tuned) >= 100
    assert labelled_pmids(LABELS) & tuned == set()
