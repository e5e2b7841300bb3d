"""Score the tagger against gold labels: per-facet micro precision/recall/F1, design accuracy.

Gold labels are a JSON object mapping each PMID (a string) to the values a librarian expects:

    {
      "12345678": {
        "conditions": ["ptsd", "depression"],
        "modalities": ["ketamine"],
        "routes": ["intravenous"],
        "populations": ["adults"],
        "design": "rct",
        "human": 1, "on_topic": 1, "retracted": 0, "erratum": 0, "expression_of_concern": 0,
        "sample_size": 30
      }
    }

Every key is optional: a record is scored only on the keys its label has. Facets are lists of
tag slugs from config/taxonomy.yml; umbrella tags (`implies`) are added to gold and predictions
alike before scoring, so a label may list "ptsd" without "psychological-trauma". Routes are
scored only on records whose gold lists at least one route (studies that state a route).
`sample_size` is an integer, or null for "not stated". Top-level keys starting with "_" are
comments. tests/fixtures/tagging_labels.json is an example.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from harvest.config import default_config_dir
from harvest.errors import FileFormatError
from harvest.record import from_row
from harvest.tagging.details import extract_details, load_details
from harvest.tagging.score_details import DETAIL_COLUMNS, format_details, score_details
from harvest.tagging.tag import tag_record
from harvest.tagging.taxonomy import load_taxonomy

FACETS = ("conditions", "modalities", "routes", "populations")
FLAGS = ("human", "on_topic", "retracted", "erratum", "expression_of_concern", "sample_size")
# Short display names for the confusion table; a design added to the taxonomy shows its slug.
SHORT = {
    "meta-analysis": "MA", "systematic-review": "SR", "rct": "RCT", "open-label-trial": "OLT",
    "observational": "OBS", "case-report": "CASE", "protocol": "PROT", "narrative-review": "NREV",
    "preclinical": "PRE", "commentary": "COMM", "notice": "NOTE", "other": "OTHER",
}  # fmt: skip


@dataclass(frozen=True)
class FacetScore:
    """Micro-averaged counts for one facet."""

    tp: int
    fp: int
    fn: int
    records: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True)
class Accuracy:
    """Exact-match accuracy of a single-valued field."""

    correct: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0


@dataclass(frozen=True)
class Miss:
    """One disagreement: what the label says and what the tagger said."""

    pmid: str
    field: str
    expected: object
    predicted: object


@dataclass(frozen=True)
class Report:
    """The outcome of `evaluate`."""

    records: int
    missing: tuple[str, ...]
    facets: Mapping[str, FacetScore]
    design: Accuracy
    confusion: Mapping[tuple[str, str], int]
    flags: Mapping[str, Accuracy]
    misses: tuple[Miss, ...]


def _implied(slugs, implies: Mapping[str, tuple[str, ...]]) -> set[str]:
    out = set(slugs or ())
    for slug in list(out):
        out.update(implies.get(slug, ()))
    return out


def evaluate(
    predictions: Mapping[str, dict],
    labels: Mapping[str, dict],
    implies: Mapping[str, tuple[str, ...]] | None = None,
) -> Report:
    """Compare predictions (pmid -> tag columns) with gold labels (pmid -> expected values).

    Pass `implies=taxonomy.implies` so umbrella tags are implied on both sides.
    """
    implies = implies or {}
    predictions = {str(k): v for k, v in predictions.items()}
    counts = {f: [0, 0, 0, 0] for f in FACETS}
    flags = {f: [0, 0] for f in FLAGS}
    design, confusion, misses, missing = [0, 0], {}, [], []
    for pmid, gold in sorted(labels.items()):
        pmid = str(pmid)
        if pmid.startswith("_"):
            continue
        predicted = predictions.get(pmid)
        if predicted is None:
            missing.append(pmid)
            continue
        for facet in FACETS:
            if facet not in gold or (facet == "routes" and not gold[facet]):
                continue
            expected = _implied(gold[facet], implies)
            got = _implied(predicted.get(facet), implies)
            tally = counts[facet]
            tally[0] += len(expected & got)
            tally[1] += len(got - expected)
            tally[2] += len(expected - got)
            tally[3] += 1
            if expected != got:
                misses.append(Miss(pmid, facet, sorted(expected - got), sorted(got - expected)))
        if "design" in gold:
            got = predicted.get("design")
            design[1] += 1
            design[0] += got == gold["design"]
            key = (gold["design"], got)
            confusion[key] = confusion.get(key, 0) + 1
            if got != gold["design"]:
                misses.append(Miss(pmid, "design", gold["design"], got))
        for flag in FLAGS:
            if flag in gold:
                got = predicted.get(flag)
                flags[flag][1] += 1
                flags[flag][0] += got == gold[flag]
                if got != gold[flag]:
                    misses.append(Miss(pmid, flag, gold[flag], got))
    return Report(
        records=len(labels) - len(missing) - sum(1 for k in labels if str(k).startswith("_")),
        missing=tuple(missing),
        facets={f: FacetScore(*counts[f]) for f in FACETS},
        design=Accuracy(*design),
        confusion=confusion,
        flags={f: Accuracy(*flags[f]) for f in FLAGS if flags[f][1]},
        misses=tuple(misses),
    )


def format_report(report: Report, summary: bool = False) -> str:
    """The report as text: scores, a design confusion table and the records it got wrong (with
    `summary`, only how many: a held-out set's records stay unseen)."""
    lines = [f"Evaluated {report.records} labelled records"]
    if report.missing:
        lines[0] += f" ({len(report.missing)} labelled but not in the catalog)"
    lines += [
        "",
        f"{'facet':<13}{'precision':>10}{'recall':>8}{'F1':>7}{'tp':>6}{'fp':>5}{'fn':>5}",
    ]
    for name, s in report.facets.items():
        if not s.records:
            lines.append(f"{name:<13}{'-':>10}{'-':>8}{'-':>7}  (no labels)")
            continue
        lines.append(
            f"{name:<13}{s.precision:>10.3f}{s.recall:>8.3f}{s.f1:>7.3f}{s.tp:>6}{s.fp:>5}{s.fn:>5}"
            f"  ({s.records} records)"
        )
    d = report.design
    lines += ["", f"design accuracy: {d.accuracy:.3f} ({d.correct}/{d.total})"]
    lines += _confusion(report.confusion)
    lines.append("")
    for name, a in report.flags.items():
        lines.append(f"{name + ' accuracy:':<32}{a.accuracy:.3f} ({a.correct}/{a.total})")
    if report.missing:
        lines += ["", "Labelled but not in the catalog: " + ", ".join(report.missing)]
    lines += ["", f"Wrong ({len(report.misses)}):"]
    if summary:
        lines[-1] += " not listed (--summary)"
        return "\n".join(lines)
    for miss in report.misses:
        if miss.field in FACETS:
            lines.append(
                f"  {miss.pmid} {miss.field}: missing {', '.join(miss.expected) or '-'}; "
                f"extra {', '.join(miss.predicted) or '-'}"
            )
        else:
            lines.append(
                f"  {miss.pmid} {miss.field}: expected {miss.expected}, got {miss.predicted}"
            )
    return "\n".join(lines)


def _confusion(confusion: Mapping[tuple[str, str], int]) -> list[str]:
    if not confusion:
        return []
    names = sorted({n for pair in confusion for n in pair if n}, key=lambda n: SHORT.get(n, n))
    width = max(5, *(len(SHORT.get(n, n)) + 1 for n in names))
    short = [SHORT.get(n, n) for n in names]
    lines = ["confusion (rows: gold, columns: predicted):"]
    lines.append(" " * 7 + "".join(f"{s:>{width}}" for s in short))
    for gold, label in zip(names, short, strict=True):
        row = [confusion.get((gold, got), 0) for got in names]
        if any(row):
            lines.append(f"{label:<7}" + "".join(f"{c or '.':>{width}}" for c in row))
    return lines


def load_labels(path: Path | str) -> dict[str, dict]:
    """Read a gold label file, checking its shape; FileFormatError names the problem."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileFormatError(f"label file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FileFormatError(f"cannot read labels {path}: {exc}") from None
    if not isinstance(data, dict):
        raise FileFormatError(f"{path}: labels must be a JSON object of pmid -> values")
    labels = {}
    for pmid, gold in data.items():
        if pmid.startswith("_"):
            continue
        if not pmid.isdigit() or not isinstance(gold, dict):
            raise FileFormatError(f"{path}: {pmid!r} must be a PMID mapped to an object")
        for facet in FACETS:
            value = gold.get(facet, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise FileFormatError(f"{path}: {pmid}.{facet} must be a list of tag slugs")
        labels[pmid] = gold
    return labels


def prediction_from_row(row: Mapping) -> dict:
    """A studies row (facets stored as JSON text) as a prediction dict for `evaluate`."""
    prediction = dict(row)
    for facet in FACETS:
        value = prediction.get(facet)
        if isinstance(value, str):
            prediction[facet] = json.loads(value) if value else []
    return prediction


def _text_only(record: dict) -> dict:
    """The record as the text alone describes it: MeSH, substances and publication types gone."""
    return dict(record, mesh=[], chemicals=[], publication_types=[])


def evaluate_catalog(
    db, labels_path: Path | str, taxonomy=None, text_only: bool = False, summary: bool = False
) -> str:
    """Score the tags stored in the catalog's studies table against a gold label file.

    With `text_only`, the labelled studies are re-tagged (nothing is written) from their title,
    abstract and keywords only, as In-Process and publisher records arrive. With `summary`, the
    records it got wrong are counted, not listed.
    """

    labels = load_labels(labels_path)
    if taxonomy is None:
        taxonomy = load_taxonomy(Path(default_config_dir()) / "taxonomy.yml")
    stored = {row[1] for row in db.execute("pragma table_info(studies)").fetchall()}
    detail_columns = [c for c in DETAIL_COLUMNS if c in stored]  # older catalogs lack them
    columns = "*" if text_only else ", ".join(("pmid", "design", *FACETS, *FLAGS, *detail_columns))
    rules = load_details(Path(default_config_dir()) / "details.yml") if text_only else None
    predictions = {}
    pmids = [int(p) for p in labels]
    for start in range(0, len(pmids), 500):
        chunk = pmids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        sql = f"select {columns} from studies where pmid in ({marks})"
        for row in db.query(sql, chunk):
            if text_only:
                record = _text_only(from_row(row))
                tags = tag_record(record, taxonomy)
                found = extract_details(
                    record, rules, design=tags.design, conditions=tags.conditions
                )
                predictions[str(row["pmid"])] = {**tags.as_columns(), **found.as_columns()}
            else:
                predictions[str(row["pmid"])] = prediction_from_row(row)
    report = format_report(evaluate(predictions, labels, taxonomy.implies), summary=summary)
    details = format_details(score_details(predictions, labels))
    if details:
        report = f"{report.rstrip()}\n{details}\n"
    if text_only:
        head, _, rest = report.partition("\n")
        report = f"{head} (text only: MeSH and publication types removed)\n{rest}"
    return report
