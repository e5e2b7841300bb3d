"""evaluate/format_report: micro scores, design confusion, misses; label files; the catalog."""

import json
from pathlib import Path

import pytest
import sqlite_utils

from harvest.errors import FileFormatError
from harvest.tagging.evaluate import (
    evaluate,
    evaluate_catalog,
    format_report,
    load_labels,
    prediction_from_row,
)
from harvest.tagging.taxonomy import load_taxonomy

CONFIG = Path(__file__).resolve().parents[1] / "config" / "taxonomy.yml"
IMPLIES = {"ptsd": ("psychological-trauma",), "esketamine": ("ketamine",)}

LABELS = {
    "1": {"conditions": ["ptsd"], "modalities": ["esketamine"], "routes": ["intranasal"],
          "design": "rct", "human": 1, "on_topic": 1, "retracted": 0},
    "2": {"conditions": ["depression"], "modalities": ["ketamine"], "routes": [],
          "design": "observational", "human": 1, "on_topic": 1, "retracted": 1},
    "3": {"conditions": [], "modalities": ["mdma"], "design": "preclinical", "human": 0,
          "on_topic": 0, "sample_size": None},
    "4": {"conditions": ["anxiety"], "design": "rct"},
}  # fmt: skip
PREDICTIONS = {
    1: {"conditions": ["ptsd", "psychological-trauma", "depression"],
        "modalities": ["ketamine", "esketamine"], "routes": ["intranasal", "oral"],
        "design": "rct", "human": 1, "on_topic": 1, "retracted": 0},
    2: {"conditions": [], "modalities": ["ketamine"], "routes": ["intravenous"],
        "design": "rct", "human": 1, "on_topic": 0, "retracted": 1},
    3: {"conditions": [], "modalities": ["mdma"], "routes": [], "design": "preclinical",
        "human": 0, "on_topic": 0, "sample_size": None},
}  # fmt: skip


@pytest.fixture
def report():
    return evaluate(PREDICTIONS, LABELS, IMPLIES)


def test_facet_counts_are_micro_with_umbrellas_implied(report):
    c = report.facets["conditions"]
    # record 1: gold {ptsd, psychological-trauma}, predicted + depression; record 2: missed.
    assert (c.tp, c.fp, c.fn, c.records) == (2, 1, 1, 3)
    assert (round(c.precision, 3), round(c.recall, 3), round(c.f1, 3)) == (0.667, 0.667, 0.667)
    m = report.facets["modalities"]
    assert (m.tp, m.fp, m.fn, m.records) == (4, 0, 0, 3)
    assert m.f1 == 1.0


def test_routes_scored_only_where_gold_states_one(report):
    r = report.facets["routes"]
    assert (r.tp, r.fp, r.fn, r.records) == (1, 1, 0, 1)


def test_facets_without_gold_are_not_scored(report):
    p = report.facets["populations"]
    assert (p.tp, p.fp, p.fn, p.records) == (0, 0, 0, 0)
    assert (p.precision, p.recall) == (1.0, 1.0)


def test_design_accuracy_and_confusion(report):
    assert (report.design.correct, report.design.total) == (2, 3)
    assert dict(report.confusion) == {
        ("rct", "rct"): 1,
        ("observational", "rct"): 1,
        ("preclinical", "preclinical"): 1,
    }


def test_flags_and_missing(report):
    assert report.records == 3
    assert report.missing == ("4",)
    assert {k: (a.correct, a.total) for k, a in report.flags.items()} == {
        "human": (3, 3),
        "on_topic": (2, 3),
        "retracted": (2, 2),
        "sample_size": (1, 1),
    }


def test_misses_list_each_disagreement(report):
    assert [(m.pmid, m.field, m.expected, m.predicted) for m in report.misses] == [
        ("1", "conditions", [], ["depression"]),
        ("1", "routes", [], ["oral"]),
        ("2", "conditions", ["depression"], []),
        ("2", "design", "observational", "rct"),
        ("2", "on_topic", 1, 0),
    ]


def test_format_report(report):
    assert format_report(report) == "\n".join(
        [
            "Evaluated 3 labelled records (1 labelled but not in the catalog)",
            "",
            "facet         precision  recall     F1    tp   fp   fn",
            "conditions        0.667   0.667  0.667     2    1    1  (3 records)",
            "modalities        1.000   1.000  1.000     4    0    0  (3 records)",
            "routes            0.500   1.000  0.667     1    1    0  (1 records)",
            "populations           -       -      -  (no labels)",
            "",
            "design accuracy: 0.667 (2/3)",
            "confusion (rows: gold, columns: predicted):",
            "         OBS  PRE  RCT",
            "OBS        .    .    1",
            "PRE        .    1    .",
            "RCT        .    .    1",
            "",
            "human accuracy:                 1.000 (3/3)",
            "on_topic accuracy:              0.667 (2/3)",
            "retracted accuracy:             1.000 (2/2)",
            "sample_size accuracy:           1.000 (1/1)",
            "",
            "Labelled but not in the catalog: 4",
            "",
            "Wrong (5):",
            "  1 conditions: missing -; extra depression",
            "  1 routes: missing -; extra oral",
            "  2 conditions: missing depression; extra -",
            "  2 design: expected observational, got rct",
            "  2 on_topic: expected 1, got 0",
        ]
    )


def test_without_implications_umbrellas_count_as_errors():
    report = evaluate({1: PREDICTIONS[1]}, {"1": LABELS["1"]})
    c = report.facets["conditions"]
    assert (c.tp, c.fp, c.fn) == (1, 2, 0)


def test_load_labels(tmp_path):
    path = tmp_path / "labels.json"
    path.write_text(json.dumps({"_note": "comment", "12": {"conditions": ["ptsd"]}}))
    assert load_labels(path) == {"12": {"conditions": ["ptsd"]}}


@pytest.mark.parametrize(
    "content, message",
    [
        ("[1, 2]", "labels must be a JSON object of pmid -> values"),
        ('{"abc": {}}', "'abc' must be a PMID mapped to an object"),
        ('{"12": {"conditions": "ptsd"}}', r"12\.conditions must be a list of tag slugs"),
        ("{oops", "cannot read labels"),
    ],
)
def test_bad_label_files(tmp_path, content, message):
    path = tmp_path / "labels.json"
    path.write_text(content)
    with pytest.raises(FileFormatError, match=message):
        load_labels(path)


def test_missing_label_file(tmp_path):
    with pytest.raises(FileFormatError, match="label file not found"):
        load_labels(tmp_path / "none.json")


def test_prediction_from_row_decodes_json_facets():
    row = {"pmid": 1, "conditions": '["ptsd"]', "routes": "", "design": "rct", "human": 1}
    assert prediction_from_row(row) == {
        "pmid": 1, "conditions": ["ptsd"], "routes": [], "design": "rct", "human": 1,
    }  # fmt: skip


def test_evaluate_catalog_reads_the_studies_table(tmp_path):
    db = sqlite_utils.Database(tmp_path / "catalog.db")
    rows = []
    for pmid, p in PREDICTIONS.items():
        row = {"pmid": pmid, "populations": "[]", "erratum": 0, "expression_of_concern": 0}
        row.update({k: json.dumps(v) if isinstance(v, list) else v for k, v in p.items()})
        row.setdefault("sample_size", None)
        rows.append(row)
    db["studies"].insert_all(rows, pk="pmid")
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps(LABELS))
    text = evaluate_catalog(db, labels, load_taxonomy(CONFIG))
    assert text.splitlines()[0] == (
        "Evaluated 3 labelled records (1 labelled but not in the catalog)"
    )
    assert "conditions        0.667   0.667  0.667     2    1    1  (3 records)" in text
    assert "design accuracy: 0.667 (2/3)" in text


def test_format_report_summary_counts_without_listing(report):
    """`--summary` keeps every score and the count of wrong fields, never a PMID's errors."""
    full = format_report(report).splitlines()
    summary = format_report(report, summary=True).splitlines()
    assert summary == full[: full.index("Wrong (5):")] + ["Wrong (5): not listed (--summary)"]
