"""Datasette views for staff: the evidence finder (HTML, JSON, exports), its groups and links."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Mapping
from typing import Any

from datasette.database import QueryInterrupted
from datasette.utils.asgi import AsgiStream, Response

from harvest.catalog.db import read_only_connection
from harvest.citing.appraisal import appraisal_line
from harvest.citing.exports import stream_export
from harvest.citing.flags import FLAG_LABELS, flag_notes, is_notice, study_flags
from harvest.publish import evidence, harms
from harvest.publish.evidence import LEVEL_NAMES, PER_GROUP, ChoiceError, Selection

DATABASE = "catalog"
EXPORTS = {
    "ris": ("application/x-research-info-systems", "ris"),
    "bib": ("application/x-bibtex; charset=utf-8", "bib"),
    "csljson": ("application/vnd.citationstyles.csl+json; charset=utf-8", "json"),
}
FIELDS = (
    ("condition", "Condition", True),
    ("modality", "Treatment", True),
    ("route", "Route", False),
    ("design", "Design", False),
    ("population", "Population", False),
)
TOO_SLOW = (
    "The catalog is busy and this selection took too long to gather. Try again in a moment, "
    "or choose a condition and a treatment to narrow it."
)
OTHER_FLAGS = {"off_topic": "Off-topic", "animal": "Animal study"}


def catalog_db(datasette: Any) -> Any:
    """The catalog database Datasette serves."""
    return datasette.get_database(DATABASE)


def labels_of(datasette: Any) -> dict:
    """{facet: {slug: [label, description]}} from the plugin config `harvest serve` writes."""
    return (datasette.plugin_config("evidence-catalog") or {}).get("tags") or {}


def study_item(row: Mapping, labels: Mapping) -> dict:
    """A result row for the template: flags with their notes, design label."""
    flags = evidence.row_flags(row)
    notes = flag_notes(row)
    serious = study_flags(row)
    design = (labels.get("design") or {}).get(row["design"] or "")
    return {
        **row,
        "flags": flags,
        "flag_items": [
            (f, FLAG_LABELS[f], n.removeprefix(FLAG_LABELS[f]).lstrip(". "))
            for f, n in zip(serious, notes, strict=False)
        ],
        "other_flags": [OTHER_FLAGS[f] for f in flags if f in OTHER_FLAGS],
        "design_label": design[0] if design else "Design not tagged",
        "appraisal": appraisal_line(row),
    }


def described(selection: Selection, labels: Mapping) -> str:
    """ "on PTSD · Ketamine since 2020" from the selection, in labels."""
    names = []
    for facet, slugs in selection.tags.items():
        tags = labels.get(facet) or {}
        names.append(" or ".join((tags.get(s) or [s])[0] for s in slugs))
    text = "on " + " · ".join(names) if names else ""
    if selection.year_from and selection.year_to:
        text += f" from {selection.year_from} to {selection.year_to}"
    elif selection.year_from:
        text += f" since {selection.year_from}"
    elif selection.year_to:
        text += f" up to {selection.year_to}"
    return text.strip()


async def build_groups(db: Any, selection: Selection, stats: list[dict], base: str) -> list[dict]:
    """The result groups: one per evidence level with studies, then retracted ones if asked."""
    counts: dict = {}
    for s in stats:
        if not s["retracted"]:
            counts[s["evidence_level"]] = counts.get(s["evidence_level"], 0) + s["n"]
    only = selection.level
    groups = []
    for level in (1, 2, 3, 4, 5, None):
        count = counts.get(level, 0)
        key = level if level is not None else 0
        if not count or (only is not None and only != key):
            continue
        offset = selection.offset if only == key else 0
        rows = await evidence.fetch_rows(db, selection, level, False, PER_GROUP, offset)
        shown = offset + len(rows)
        name = LEVEL_NAMES[level]
        groups.append(
            {
                "key": level if level is not None else "none",
                "title": f"{level} · {name}" if level else name,
                "short": name.lower(),
                "count": count,
                "rows": rows,
                "offset": offset,
                "more_url": f"{base}?{selection.query_string(level=key or 'none', offset=shown)}"
                if shown < count
                else None,
                "back_url": f"{base}?{selection.query_string()}" if only is not None else None,
            }
        )
    retracted = sum(s["n"] for s in stats if s["retracted"])
    if retracted and only is None:
        rows = await evidence.fetch_rows(db, selection, "all", True, PER_GROUP, 0)
        groups.append(
            {
                "key": "retracted",
                "title": "Retracted studies",
                "short": "retracted studies",
                "warning": "These studies have been retracted. Do not cite them as evidence.",
                "count": retracted,
                "rows": rows,
                "offset": 0,
                "more_url": None,
                "back_url": None,
            }
        )
    return groups


async def option_counts(datasette: Any, db: Any, toggles: Mapping[str, bool]) -> dict:
    """Drop-down counts under the toggles, computed once per catalog version."""
    key = ("options", tuple(sorted(toggles.items())))
    return await evidence.cached(
        datasette, db, key, lambda: evidence.fetch_option_counts(db, toggles)
    )


async def evidence_page(datasette: Any, request: Any) -> Response:
    """/-/evidence: the finder form and the grouped results."""
    db, labels = catalog_db(datasette), labels_of(datasette)
    base = datasette.urls.path("/-/evidence")
    context: dict[str, Any] = {
        "fields": FIELDS,
        "toggles": evidence.TOGGLES,
        "flag_labels": FLAG_LABELS,
    }
    status = 200
    try:
        selection = evidence.parse_selection(request.args, labels)
    except ChoiceError as exc:
        selection, status = Selection(), 400
        context["error"] = str(exc)
    counts = await option_counts(datasette, db, selection.toggles)
    context.update(
        selection=selection,
        options=evidence.option_lists(counts, labels),
        years=counts.get("years") or {},
        chosen={p: selection.tags.get(evidence.FACET_PARAMS[p], []) for p in evidence.FORM_PARAMS},
    )
    if status == 200:
        try:
            stats = await evidence.fetch_stats(db, selection)
            groups = await build_groups(db, selection, stats, base)
            context["harms"] = await harms.fetch_harms(db, selection, labels)
            context["harms_per_topic"] = harms.PER_HARM
        except QueryInterrupted:
            context["error"] = TOO_SLOW
            html = await datasette.render_template("evidence.html", context, request=request)
            return Response.html(html, status=503)
        for group in groups:
            group["rows"] = [study_item(r, labels) for r in group["rows"]]
        query = selection.query_string()
        permalink = f"{base}?{query}" if query else base
        context.update(
            groups=groups,
            total=sum(s["n"] for s in stats),
            summary=evidence.summary_line(stats, labels),
            described=described(selection, labels),
            permalink=permalink,
            permalink_absolute=datasette.absolute_url(request, permalink),
            exports={
                fmt: f"{base}.{fmt}" + (f"?{query}" if query else "") for fmt in (*EXPORTS, "json")
            },
        )
    html = await datasette.render_template("evidence.html", context, request=request)
    return Response.html(html, status=status)


async def evidence_json(datasette: Any, request: Any) -> Response:
    """/-/evidence.json: {"results": [...], "counts_by_level": {...}, "total": n}."""
    db, labels = catalog_db(datasette), labels_of(datasette)
    try:
        selection = evidence.parse_selection(request.args, labels)
    except ChoiceError as exc:
        return Response.json({"error": str(exc)}, status=400)
    try:
        stats = await evidence.fetch_stats(db, selection)
        rows = await evidence.fetch_rows(db, selection, timeout_ms=evidence.AGGREGATE_MS)
    except QueryInterrupted:
        return Response.json({"error": TOO_SLOW}, status=503)
    body = {
        "results": [evidence.result_item(r) for r in rows],
        "counts_by_level": evidence.counts_by_level(stats),
        "total": len(rows),
    }
    return Response(
        json.dumps(body, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
        headers={"access-control-allow-origin": "*"},
    )


def export_rows(path: str, selection: Selection) -> Iterator[dict]:
    """Every result row (all columns), strongest first, read lazily over a read-only connection."""
    where, params = evidence.build_where(selection)
    sql = f"select * from studies where {where} order by {evidence.ORDER}"
    conn = read_only_connection(path)
    conn.row_factory = sqlite3.Row
    try:
        for row in conn.execute(sql, params):
            if not is_notice(row):
                yield dict(row)
    finally:
        conn.close()


async def evidence_export(datasette: Any, request: Any) -> Response | AsgiStream:
    """/-/evidence.ris|bib|csljson: exactly the finder's results, streamed."""
    fmt = request.url_vars["format"]
    db, labels = catalog_db(datasette), labels_of(datasette)
    try:
        selection = evidence.parse_selection(request.args, labels)
    except ChoiceError as exc:
        return Response.text(f"Error: {exc}", status=400)
    content_type, ext = EXPORTS[fmt]

    async def stream(writer: Any) -> None:
        for chunk in stream_export(export_rows(db.path, selection), fmt):
            await writer.write(chunk)

    headers = {"content-disposition": f'attachment; filename="evidence.{ext}"'}
    return AsgiStream(stream, headers=headers, content_type=content_type)
