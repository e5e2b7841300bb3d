"""Score the tagger on the blind held-out set (tests/fixtures/heldout_blind/), written by writers
who never saw the tagger's rules or its output, and never tuned on.

Only aggregate figures are looked at (`harvest evaluate --summary`): the per-record errors are
never printed, so the set stays blind. As for the other held-out sets, only the exit code, the
number of scored records and the absence of a per-record list are asserted; the scores are
reported (README), never asserted.
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
HERE = FIXTURES / "heldout_blind"
XML = HERE / "heldout_blind.xml"
LABELS = HERE / "heldout_blind_labels.json"


@pytest.fixture(scope="module")
def blind_db(tmp_path_factory) -> Path:
    """A catalog holding exactly the blind held-out records."""
    return imported(tmp_path_factory, XML, "heldout_blind")


def test_blind_files_agree():
    """Every labelled PMID has exactly one record in the XML and vice versa."""
    records = agreeing_records(XML, LABELS)
    assert len(records) == len(list((HERE / "records").glob("*.yml")))


@pytest.mark.parametrize("extra", [(), ("--text-only",)], ids=["with-metadata", "text-only"])
def test_blind_scored_in_summary(blind_db, extra):
    """Evaluate with --summary: every record is scored and no PMID of a wrong record is shown."""
    result = run_harvest(
        "evaluate", str(LABELS), "--db", str(blind_db), "--summary", *extra, timeout=600
    )
    assert result.returncode == 0, result.stderr
    print(result.stdout)  # captured by pytest; shown with -rP or -s
    first = result.stdout.splitlines()[0]
    assert first.startswith(f"Evaluated {len(labelled_pmids(LABELS))} labelled records")
    shown = {pmid for pmid in labelled_pmids(LABELS) if pmid in result.stdout}
    assert shown == set()


def test_blind_apart_from_everything_else():
    """No blind PMID is in another held-out set or among the records anything is tuned on."""
    others = held_out_pmids("heldout", "heldout_fresh") | tuned_pmids()
    assert len(others) >= 550
    assert labelled_pmids(LABELS) & others == set()
