"""harvest.tagging.score_details: exact counts for study-detail scoring."""

from harvest.tagging.score_details import format_details, score_details

LABELS = {
    "1": {"comparators": ["placebo"], "doses": [{"drug": "ketamine", "amount": 0.5,
          "unit": "mg/kg"}], "sessions": 6, "safety": ["dissociation"], "funding": "public"},
    "2": {"comparators": [], "doses": [], "sessions": None, "safety": ["headache"],
          "funding": "industry"},
}  # fmt: skip
PREDICTIONS = {
    "1": {"comparators": '["placebo", "waitlist"]',
          "doses": '[{"drug": "ketamine", "amount": 0.50, "unit": "mg/kg"}]',
          "sessions": 6, "safety": "[]", "funding": "public"},
    "2": {"comparators": "[]", "doses": [{"drug": "mdma", "amount": 120, "unit": "mg"}],
          "sessions": 2, "safety": ["headache"], "funding": None},
}  # fmt: skip


def test_scores_each_field_exactly():
    scores = score_details(PREDICTIONS, LABELS)
    assert scores["comparators"] == {"tp": 1, "fp": 1, "fn": 0, "records": 2}
    assert scores["doses"] == {"tp": 1, "fp": 1, "fn": 0, "records": 2}
    assert scores["safety"] == {"tp": 1, "fp": 0, "fn": 1, "records": 2}
    assert scores["sessions"] == {"correct": 1, "total": 1}  # only where the label states it
    assert scores["funding"] == {"correct": 1, "total": 2}
    assert format_details(scores).splitlines() == [
        "Study details:",
        "  comparators  P 0.500  R 1.000  F1 0.667  (tp 1, fp 1, fn 0; 2 records)",
        "  doses        P 0.500  R 1.000  F1 0.667  (tp 1, fp 1, fn 0; 2 records)",
        "  safety       P 1.000  R 0.500  F1 0.667  (tp 1, fp 0, fn 1; 2 records)",
        "  sessions     accuracy 1.000 where stated (1/1)",
        "  funding      accuracy 0.500 (1/2)",
    ]


def test_no_detail_labels_no_lines():
    assert format_details(score_details({"1": {}}, {"1": {"design": "rct"}})) == ""
