"""Score study details against gold labels: comparators, doses (exact drug, amount and unit),
safety and funding as precision / recall / F1 or accuracy, sessions as accuracy where stated."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

LIST_FIELDS = ("comparators", "doses", "safety")
DETAIL_COLUMNS = ("comparators", "doses", "sessions", "safety", "funding")
MICRO = {"\u03bcg/kg": "\u00b5g/kg", "ug/kg": "\u00b5g/kg", "mcg/kg": "\u00b5g/kg"}


def _list(value: Any) -> list:
    if isinstance(value, str):
        value = json.loads(value) if value else []
    return list(value or [])


def _dose_key(dose: Mapping) -> tuple:
    unit = MICRO.get(str(dose.get("unit")), str(dose.get("unit")))
    return (str(dose.get("drug")).lower(), round(float(dose.get("amount")), 4), unit)


def _items(field: str, value: Any) -> set:
    items = _list(value)
    return {_dose_key(d) for d in items} if field == "doses" else set(items)


def score_details(predictions: Mapping[str, Mapping], labels: Mapping[str, Mapping]) -> dict:
    """{field: {"tp", "fp", "fn", "records"} or {"correct", "total"}} over labelled records."""
    scores: dict[str, dict] = {f: {"tp": 0, "fp": 0, "fn": 0, "records": 0} for f in LIST_FIELDS}
    scores["sessions"] = {"correct": 0, "total": 0}
    scores["funding"] = {"correct": 0, "total": 0}
    for pmid, gold in labels.items():
        predicted = predictions.get(pmid)
        if predicted is None:
            continue
        for field in LIST_FIELDS:
            if field not in gold:
                continue
            want, got = _items(field, gold[field]), _items(field, predicted.get(field))
            score = scores[field]
            score["tp"] += len(want & got)
            score["fp"] += len(got - want)
            score["fn"] += len(want - got)
            score["records"] += 1
        if gold.get("sessions") is not None:  # scored where the label states a number
            scores["sessions"]["total"] += 1
            scores["sessions"]["correct"] += predicted.get("sessions") == gold["sessions"]
        if gold.get("funding"):
            scores["funding"]["total"] += 1
            scores["funding"]["correct"] += (predicted.get("funding") or "unknown") == gold[
                "funding"
            ]
    return scores


def _prf(score: Mapping) -> tuple[float, float, float]:
    tp, fp, fn = score["tp"], score["fp"], score["fn"]
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def format_details(scores: Mapping[str, Mapping]) -> str:
    """The study-details lines of the evaluation report."""
    lines = ["Study details:"]
    for field in LIST_FIELDS:
        score = scores[field]
        if not score["records"]:
            continue
        p, r, f1 = _prf(score)
        lines.append(
            f"  {field:<12} P {p:.3f}  R {r:.3f}  F1 {f1:.3f}  "
            f"(tp {score['tp']}, fp {score['fp']}, fn {score['fn']}; {score['records']} records)"
        )
    for field in ("sessions", "funding"):
        score = scores[field]
        if score["total"]:
            accuracy = score["correct"] / score["total"]
            where = " where stated" if field == "sessions" else ""
            counts = f"{score['correct']}/{score['total']}"
            lines.append(f"  {field:<12} accuracy {accuracy:.3f}{where} ({counts})")
    return "\n".join(lines) if len(lines) > 1 else ""
