"""CI thresholds: parse tests/fixtures/tagging_corpus.xml, tag every record, score the labels.

The corpus holds realistic records we wrote (about half without MeSH, as In-Process and
Publisher records arrive) with a librarian's gold labels, including hard negatives. The
thresholds are the project's targets for real published studies; the corpus should clear them
comfortably. If a change to config/taxonomy.yml or the tagger drops a score below its target,
read the "Wrong" list printed by `harvest evaluate` before touching the labels.
"""

import io
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harvest.pubmed.parse import parse_pubmed_xml
from harvest.tagging.evaluate import evaluate, format_report, load_labels
from harvest.tagging.tag import tag_record

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "fixtures" / "tagging_corpus.xml"
LABELS = ROOT / "tests" / "fixtures" / "tagging_labels.json"
TARGETS = {"conditions": 0.92, "modalities": 0.95, "routes": 0.90}
FLAG_TARGETS = {"human": 0.97, "on_topic": 0.90, "retracted": 1.0}
DESIGN_TARGET = 0.88


@pytest.fixture(scope="module")
def records():
    with open(CORPUS, "rb") as fp:
        return [r for r in parse_pubmed_xml(fp) if isinstance(r, dict)]


@pytest.fixture(scope="module")
def report(records, taxonomy):
    predictions = {r["pmid"]: tag_record(r, taxonomy).as_columns() for r in records}
    report = evaluate(predictions, load_labels(LABELS), taxonomy.implies)
    print(format_report(report))
    return report


def test_corpus_shape(records):
    labels = load_labels(LABELS)
    assert len(records) == 72
    assert sorted(str(r["pmid"]) for r in records) == sorted(labels)
    assert sum(1 for r in records if r["mesh"]) == 40
    assert sum(1 for r in records if not r["abstract"]) == 4
    assert sum(1 for r in records if len(r["abstract_sections"]) > 1) == 26
    assert {r["status"] for r in records} == {
        "MEDLINE", "In-Process", "Publisher", "PubMed-not-MEDLINE",
    }  # fmt: skip
    designs = [g["design"] for g in labels.values()]
    assert {d: designs.count(d) for d in sorted(set(designs))} == {
        "case-report": 4, "commentary": 2, "meta-analysis": 3, "narrative-review": 5,
        "notice": 2, "observational": 15, "open-label-trial": 8, "preclinical": 5,
        "protocol": 1, "rct": 26, "systematic-review": 1,
    }  # fmt: skip
    assert sum(g["on_topic"] == 0 for g in labels.values()) == 21
    assert sum(g["retracted"] for g in labels.values()) == 1


@pytest.mark.parametrize("facet", sorted(TARGETS))
def test_facet_f1_meets_target(report, facet):
    assert report.facets[facet].f1 >= TARGETS[facet], format_report(report)


def test_design_accuracy_meets_target(report):
    assert report.design.accuracy >= DESIGN_TARGET, format_report(report)


@pytest.mark.parametrize("flag", sorted(FLAG_TARGETS))
def test_flag_accuracy_meets_target(report, flag):
    assert report.flags[flag].accuracy >= FLAG_TARGETS[flag], format_report(report)


def test_every_labelled_record_was_scored(report):
    assert report.missing == ()
    assert report.records == 72


def test_tagging_is_a_small_cost_next_to_parsing(records, taxonomy):
    """Catches per-record compilation and other blow-ups, not small regressions."""
    data = CORPUS.read_bytes()

    def best(run) -> float:
        times = []
        for _ in range(3):
            started = time.process_time()
            run()
            times.append(time.process_time() - started)
        return min(times)

    bare = best(lambda: [None for _ in ET.iterparse(io.BytesIO(data))])
    tagging = best(lambda: [tag_record(r, taxonomy) for r in records])
    # About 4-5x on these small records (real PubMed records are 5-10x larger to parse).
    assert tagging < 15 * bare
