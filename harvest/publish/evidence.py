"""The evidence finder: choices from taxonomy labels or slugs, SQL, levels, summary, JSON."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from harvest.citing.flags import NOTICE_REFS, NOTICE_TYPES, is_notice, study_flags
from harvest.config import default_config_dir, read_yaml
from harvest.errors import HarvestError
from harvest.tagging.taxonomy import SLUG

# Query parameter -> taxonomy facet. "treatment" is what staff say; "modality" what the data says.
FACET_PARAMS = {
    "condition": "conditions",
    "modality": "modalities",
    "treatment": "modalities",
    "route": "routes",
    "design": "design",
    "population": "populations",
}
FORM_PARAMS = ("condition", "modality", "route", "design", "population")
PARAM_NAMES = {
    "condition": "condition",
    "modality": "treatment",
    "route": "route",
    "design": "design",
    "population": "population",
}
TOGGLES = {
    "include_animal": "Include animal studies",
    "include_off_topic": "Include off-topic studies",
    "include_retracted": "Include retracted studies",
}
# Names for the five levels the taxonomy defines (config/taxonomy.yml evidence_levels).
LEVEL_NAMES = {
    1: "Systematic reviews and meta-analyses",
    2: "Randomised controlled trials",
    3: "Other trials and observational studies",
    4: "Case reports and case series",
    5: "Reviews, commentary, protocols and preclinical studies",
    None: "Not graded",
}
PER_GROUP = 25  # per level before "show more": at most 125 studies a page (about 0.35 ms each)
AGGREGATE_MS = 20_000  # counts computed once per catalog version may take longer than a page
TRUE = {"1", "on", "true", "yes"}
# What a result row needs; exports add every other column.
RESULT_COLUMNS = (
    "pmid, title, citation, design, evidence_level, sample_size, pub_year, pub_date, retracted,"
    " erratum, expression_of_concern, comments_corrections, publication_types, human, on_topic,"
    " doi, journal_iso, authors, routes, comparators, doses, sessions, safety, funding"
)
ORDER = "evidence_level is null, evidence_level, pub_date desc, pmid desc"


class ChoiceError(ValueError):
    """A finder parameter that names nothing the catalog knows (the message says what to pick)."""


@dataclass
class Selection:
    """What the user chose: tag slugs per facet, a year range, toggles, one level to page."""

    tags: dict[str, list[str]] = field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    toggles: dict[str, bool] = field(default_factory=dict)
    level: int | None = None
    offset: int = 0

    def params(self) -> list[tuple[str, str]]:
        """The canonical query string items (slugs), for permalinks and exports."""
        items = [(p, s) for p in FORM_PARAMS for s in self.tags.get(FACET_PARAMS[p], [])]
        if self.year_from:
            items.append(("year_from", str(self.year_from)))
        if self.year_to:
            items.append(("year_to", str(self.year_to)))
        items += [(name, "1") for name in TOGGLES if self.toggles.get(name)]
        return items

    def query_string(self, **extra: Any) -> str:
        """urlencoded params() plus extra items (None values dropped)."""
        items = self.params() + [(k, str(v)) for k, v in extra.items() if v is not None]
        return urlencode(items)


def _norm(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", text).strip().casefold()


def resolve_tag(facet: str, value: str, labels: Mapping) -> str:
    """The slug a label or slug names, any case; ChoiceError listing the choices otherwise."""
    tags = labels.get(facet) or {}
    wanted = _norm(value)
    for slug, (label, *_rest) in tags.items():
        if wanted in (_norm(slug), _norm(label)):
            return slug
    param = next(p for p in FORM_PARAMS if FACET_PARAMS[p] == facet)
    choices = ", ".join(label for label, *_rest in tags.values())
    raise ChoiceError(
        f'No {PARAM_NAMES[param]} called "{value.strip()}" in the catalog. '
        f"Choose one of: {choices}."
    )


def _values(args: Any, name: str) -> list[str]:
    """Every value of a repeatable parameter, commas splitting too; blanks dropped."""
    values = args.getlist(name) if hasattr(args, "getlist") else [args.get(name)]
    return [v.strip() for raw in values if raw for v in str(raw).split(",") if v.strip()]


def _year(args: Any, name: str) -> int | None:
    text = (args.get(name) or "").strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{4}", text):
        raise ChoiceError(f'"{text}" is not a year: give four digits, e.g. 2020.')
    return int(text)


def parse_selection(args: Any, labels: Mapping) -> Selection:
    """Read the finder's parameters; ChoiceError naming the first one the catalog cannot use."""
    tags: dict[str, list[str]] = {}
    for param, facet in FACET_PARAMS.items():
        for value in _values(args, param):
            slug = resolve_tag(facet, value, labels)
            if slug not in tags.setdefault(facet, []):
                tags[facet].append(slug)
    year_from = _year(args, "year_from") or _year(args, "since")
    year_to = _year(args, "year_to")
    if year_from and year_to and year_from > year_to:
        year_from, year_to = year_to, year_from
    toggles = {name: (args.get(name) or "").strip().lower() in TRUE for name in TOGGLES}
    level_text = (args.get("level") or "").strip()
    if level_text and level_text not in {"1", "2", "3", "4", "5", "none"}:
        raise ChoiceError(f'"{level_text}" is not an evidence level: choose 1 to 5.')
    offset_text = (args.get("offset") or "0").strip()
    offset = int(offset_text) if offset_text.isdigit() else 0
    return Selection(
        tags={k: v for k, v in tags.items() if v},
        year_from=year_from,
        year_to=year_to,
        toggles=toggles,
        level=int(level_text) if level_text.isdigit() else (0 if level_text else None),
        offset=offset,
    )


def notice_sql() -> str:
    """SQL true for a notice record (retraction, erratum, expression of concern), from flags.py.

    Matched as JSON strings in the stored text (LIKE, case-insensitive): a quoted publication
    type name or UI, or a RetractionOf / ErratumFor / ExpressionOfConcernFor link. A per-row
    json_each cost 0.5 s at 20,000 studies; this costs a few milliseconds.
    """
    types = [f"studies.publication_types like '%\"{t}\"%'" for t in sorted(NOTICE_TYPES)]
    refs = [f"studies.comments_corrections like '%\"{r}\"%'" for r in sorted(NOTICE_REFS)]
    return "(" + " or ".join(types + refs) + ")"


@lru_cache(maxsize=4)
def off_topic_designs(path: str) -> tuple[str, ...]:
    """The designs the taxonomy's roles call never on-topic evidence (notices), () if unreadable."""
    try:
        data = read_yaml(Path(path))
    except (HarvestError, OSError):
        return ()
    designs = ((data.get("roles") or {}).get("designs") or {}).get("off_topic") or []
    return tuple(d for d in designs if isinstance(d, str) and SLUG.match(d))


def notice_filter() -> str:
    """SQL true for a row that is not a notice: by the tagger's design when the taxonomy names
    notice designs (indexed, cheap), else by publication types and links (a scan)."""
    designs = off_topic_designs(str(default_config_dir() / "taxonomy.yml"))
    if designs:
        return f"coalesce(design, '') not in ({', '.join(repr(d) for d in designs)})"
    return f"not ({notice_sql()})"


def base_where(toggles: Mapping[str, bool]) -> list[str]:
    """Conditions every finder query shares: not deleted, never a notice, toggles applied."""
    where = ["deleted = 0", notice_filter()]
    if not toggles.get("include_off_topic"):
        where.append("on_topic = 1")
    if not toggles.get("include_animal"):
        where.append("coalesce(human, 1) != 0")
    if not toggles.get("include_retracted"):
        where.append("coalesce(retracted, 0) = 0")
    return where


def build_where(selection: Selection) -> tuple[str, list]:
    """The WHERE clause (without the keyword) and its parameters for a selection."""
    where, params = base_where(selection.toggles), []
    for facet, slugs in selection.tags.items():
        marks = ", ".join("?" * len(slugs))
        if facet == "design":
            where.append(f"design in ({marks})")
            params += slugs
        else:
            # study_tags holds every tag of every column, indexed on (facet, tag, pmid).
            where.append(
                f"pmid in (select pmid from study_tags where facet = ? and tag in ({marks}))"
            )
            params += [facet, *slugs]
    if selection.year_from:
        where.append("pub_year >= ?")
        params.append(selection.year_from)
    if selection.year_to:
        where.append("pub_year <= ?")
        params.append(selection.year_to)
    return " and ".join(where), params


def _maybe_flagged(row: Mapping) -> bool:
    """False only when no flag column is set, there are no links and no "Retracted" type."""
    if any(row.get(flag) for flag in ("retracted", "erratum", "expression_of_concern")):
        return True
    links = row.get("comments_corrections")
    return (
        bool(links and links != "[]") or "retracted" in (row.get("publication_types") or "").lower()
    )


def row_flags(row: Mapping) -> list[str]:
    """Retraction-type flags (most serious first), then off_topic and animal where they apply."""
    flags = study_flags(row) if _maybe_flagged(row) else []
    if row["on_topic"] == 0:
        flags.append("off_topic")
    if row["human"] == 0:
        flags.append("animal")
    return flags


def result_item(row: Mapping) -> dict:
    """One result as /-/evidence.json gives it."""
    return {
        "pmid": row["pmid"],
        "title": row["title"],
        "citation": row["citation"],
        "design": row["design"],
        "evidence_level": row["evidence_level"],
        "sample_size": row["sample_size"],
        "pub_year": row["pub_year"],
        "flags": row_flags(row),
    }


async def fetch_stats(db: Any, selection: Selection) -> list[dict]:
    """Counts and participants per (level, design, retracted) for the selection."""
    where, params = build_where(selection)
    sql = (
        "select evidence_level, design, coalesce(retracted, 0) as retracted, count(*) as n,"
        " sum(sample_size) as participants from studies where "
        f"{where} group by 1, 2, 3"
    )
    return [dict(r) for r in (await db.execute(sql, params)).rows]


async def fetch_rows(
    db: Any,
    selection: Selection,
    level: int | None | str = "all",
    retracted: bool | None = None,
    limit: int | None = None,
    offset: int = 0,
    columns: str = RESULT_COLUMNS,
    timeout_ms: int | None = None,
) -> list[dict]:
    """Result rows of the selection, strongest evidence first, notices never included."""
    where, params = build_where(selection)
    if level != "all":
        where += " and evidence_level is ?"
        params.append(level)
    if retracted is not None:
        where += f" and coalesce(retracted, 0) = {int(retracted)}"
    sql = f"select {columns} from studies where {where} order by {ORDER}"
    if limit is not None:
        sql += f" limit {int(limit)} offset {int(offset)}"
    rows = (await db.execute(sql, params, custom_time_limit=timeout_ms)).rows
    return [dict(r) for r in rows if not is_notice(r)]


def counts_by_level(stats: list[dict]) -> dict[str, int]:
    """{"1": n, ..., "5": n} (every level, zeros included; "ungraded" only when there are any)."""
    counts = {str(level): 0 for level in range(1, 6)}
    for s in stats:
        key = str(s["evidence_level"]) if s["evidence_level"] in range(1, 6) else "ungraded"
        counts[key] = counts.get(key, 0) + s["n"]
    return counts


def plural(label: str, n: int) -> str:
    """A design label counted: "1 meta-analysis", "3 meta-analyses", "2 case reports or series"."""
    text = label[:1].lower() + label[1:] if not label[:2].isupper() else label
    if n == 1:
        return f"1 {text}"
    head, sep, tail = text.partition(" or ")
    words = head.split(" ")
    last = words[-1]
    if last.endswith("sis"):
        last = last[:-2] + "es"
    elif last.endswith("y") and not last.endswith(("ay", "ey", "oy")):
        last = last[:-1] + "ies"
    elif not last.endswith("s"):
        last += "s"
    return f"{n:,} " + " ".join([*words[:-1], last]) + sep + tail


def summary_line(stats: list[dict], labels: Mapping) -> str:
    """ "3 meta-analyses, 7 randomised controlled trials with 612 participants, 1 case report"."""
    designs = labels.get("design") or {}
    by_design: dict[str | None, list] = {}
    for s in stats:
        if s["retracted"]:
            continue
        entry = by_design.setdefault(s["design"], [s["evidence_level"], 0, 0])
        entry[1] += s["n"]
        entry[2] += s["participants"] or 0
    if not by_design:
        return "No studies match these choices."
    parts = []
    order = sorted(by_design.items(), key=lambda kv: (kv[1][0] is None, kv[1][0] or 0, -kv[1][1]))
    for design, (level, n, participants) in order:
        label = (designs.get(design) or ["study without a design tag"])[0] if design else None
        text = plural(label or "study without a design tag", n)
        if participants and level != 1:
            text += f" with {participants:,} participant{'s' if participants != 1 else ''}"
        parts.append(text)
    retracted = sum(s["n"] for s in stats if s["retracted"])
    line = ", ".join(parts)
    if retracted:
        line += f"; {retracted:,} retracted (shown separately, do not cite)"
    return line


def option_lists(counts: Mapping[str, Mapping[str, int]], labels: Mapping) -> dict[str, list]:
    """Per form parameter: [(slug, label, count)] in taxonomy order, tags with studies only."""
    options = {}
    for param in FORM_PARAMS:
        facet = FACET_PARAMS[param]
        facet_counts = counts.get(facet) or {}
        options[param] = [
            (slug, label, facet_counts.get(slug, 0))
            for slug, (label, *_rest) in (labels.get(facet) or {}).items()
            if facet_counts.get(slug)
        ]
    return options


async def fetch_option_counts(db: Any, toggles: Mapping[str, bool]) -> dict[str, dict[str, int]]:
    """{facet: {slug: studies}} under the toggles, plus {"years": {"min", "max"}}."""
    where = " and ".join(base_where(toggles))
    # study_tags holds each array column's tags (one row per source): counted from its index.
    parts = [
        "select facet, tag, count(distinct pmid) from study_tags where facet in ('conditions',"
        f" 'modalities', 'routes', 'populations') and pmid in (select pmid from studies where"
        f" {where}) group by facet, tag"
    ]
    parts.append(
        "select 'design', design, count(*) from studies where "
        f"{where} and design is not null group by design"
    )
    parts.append(f"select 'years', min(pub_year), max(pub_year) from studies where {where}")
    counts: dict[str, dict] = {}
    rows = (await db.execute(" union all ".join(parts), custom_time_limit=AGGREGATE_MS)).rows
    for facet, tag, n in rows:
        if facet == "years":
            counts["years"] = {"min": tag, "max": n}
        else:
            counts.setdefault(facet, {})[tag] = n
    return counts


def catalog_version(path: str | None) -> tuple:
    """Changes whenever the catalog file or its WAL is written (cache key for counts)."""
    stamps = []
    for p in (path, f"{path}-wal"):
        try:
            st = os.stat(p) if p else None
        except OSError:
            st = None
        stamps.append((st.st_mtime_ns, st.st_size) if st else None)
    return tuple(stamps)


async def cached(datasette: Any, db: Any, key: tuple, compute: Any) -> Any:
    """compute() once per catalog version: kept on the Datasette instance, a few entries."""
    store = datasette.__dict__.setdefault("_evidence_catalog_cache", {})
    full_key = (db.name, catalog_version(db.path), *key)
    if full_key not in store:
        if len(store) > 64:
            store.clear()
        store[full_key] = await compute()
    return store[full_key]
