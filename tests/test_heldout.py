"""Score the tagger on the held-out set (tests/fixtures/heldout/): import, evaluate, report.

Only the exit code and the number of scored records are asserted; held-out scores are reported,
never asserted, so nobody tunes the tagger to this set.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "fixtures" / "heldout"
XML = HERE / "heldout.xml"
LABELS = HERE / "heldout_labels.json"
HARVEST = [str(Path(sys.executable).with_name("harvest"))]


def _label_count() -> int:
    labels = json.loads(LABELS.read_text(encoding="utf-8"))
    return sum(1 for key in labels if not key.startswith("_"))


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*HARVEST, *args], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def heldout_db(tmp_path_factory) -> Path:
    """A catalog holding exactly the held-out records."""
    db = tmp_path_factory.mktemp("heldout") / "heldout.db"
    result = _run("import", str(XML), "--db", str(db), "--quiet")
    assert result.returncode == 0, result.stderr
    return db


def test_heldout_files_agree():
    """Every labelled PMID has a record in the XML and vice versa."""
    xml = XML.read_text(encoding="utf-8")
    labels = {k for k in json.loads(LABELS.read_text(encoding="utf-8")) if not k.startswith("_")}
    records = {chunk.split("</PMID>")[0] for chunk in xml.split('<PMID Version="1">')[1:]}
    assert records == labels
    assert len(labels) == _label_count()


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


def _pmids(path: Path) -> set[str]:
    return {k for k in json.loads(path.read_text(encoding="utf-8")) if not k.startswith("_")}


def test_heldout_apart_from_tuning():
    """No held-out PMID is among the records the tagger is tuned or developed on."""
    tuned = set()
    for path in (HERE.parent / "tuning").rglob("*labels.json"):
        tuned |= _pmids(path)
    tuned |= _pmids(HERE.parent / "tagging_labels.json")
    assert len(tuned) >= 100
    assert _pmids(LABELS) & tuned == set()
