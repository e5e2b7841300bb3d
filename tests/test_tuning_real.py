"""Score the tagger on the real-record tuning set (tests/fixtures/tuning/real/): import, evaluate.

The set is built like the held-out set (same builder, real PubMed records, own-words abstracts,
labels by the tagging guide) but is the one the tagger and study details are tuned on. Only exit
codes, record counts and the report's shape are asserted; scores are printed, never asserted.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_support import agreeing_records, imported, labelled_pmids, run_harvest

HERE = Path(__file__).parent / "fixtures" / "tuning" / "real"
XML = HERE / "tuning_real.xml"
LABELS = HERE / "tuning_real_labels.json"


def _labelled() -> set[str]:
    return labelled_pmids(LABELS)


def _run(*args: str) -> subprocess.CompletedProcess:
    return run_harvest(*args, timeout=600)


@pytest.fixture(scope="module")
def tuning_db(tmp_path_factory) -> Path:
    """A catalog holding exactly the real-record tuning set."""
    return imported(tmp_path_factory, XML, "tuning_real")


def test_tuning_real_files_agree():
    """Every labelled PMID has exactly one record in the XML, and every record is labelled."""
    records = agreeing_records(XML, LABELS)
    assert len(records) >= 12


def test_tuning_real_scored_text_only(tuning_db):
    """Text-only evaluation (MeSH and publication types withheld) scores every labelled record."""
    result = _run("evaluate", str(LABELS), "--db", str(tuning_db), "--text-only")
    assert result.returncode == 0, result.stderr
    print(result.stdout)  # shown with -rP or -s
    lines = result.stdout.splitlines()
    assert lines[0] == (
        f"Evaluated {len(_labelled())} labelled records "
        "(text only: MeSH and publication types removed)"
    )
    assert any(line.startswith("design accuracy: ") for line in lines)
    assert "Study details:" in lines


def test_tuning_real_apart_from_heldout():
    """No tuning PMID is in the held-out labels (checked without reading the held-out records)."""
    heldout = HERE.parent.parent / "heldout" / "heldout_labels.json"
    if not heldout.exists():
        pytest.skip("no held-out set in this checkout")
    taken = subprocess.run(
        [sys.executable, str(HERE.parent.parent / "pmid_taken.py"), *sorted(_labelled())],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert taken.returncode == 0, taken.stderr
    assert "TAKEN (held-out)" not in taken.stdout
    assert len(taken.stdout.splitlines()) == len(_labelled())
