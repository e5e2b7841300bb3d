"""The staff home page's data: the freshness line from harvest_runs and the evidence map."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from datasette.utils.asgi import Response

from harvest.catalog.status import REFRESH_MODES
from harvest.publish.charts import build_charts, fetch_chart_data
from harvest.publish.evidence import AGGREGATE_MS, base_where, cached
from harvest.publish.pages import catalog_db, labels_of

STALE_AFTER = timedelta(hours=48)  # as `harvest status --max-age 48h`
MAP_FACETS = ("conditions", "modalities")


def parse_time(value: str | None) -> datetime | None:
    """An ISO timestamp from harvest_runs (Z or offset) as an aware datetime, None if unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def format_time(moment: datetime) -> str:
    """ "1 Dec 2026 02:31 UTC"."""
    return f"{moment.day} {moment:%b %Y %H:%M} UTC"


async def fetch_freshness(db: Any, now: datetime | None = None) -> dict:
    """Last success, last run, studies, retractions this week; `warning` when failed or stale."""
    now = now or datetime.now(timezone.utc)
    modes = ", ".join(f"'{m}'" for m in (*REFRESH_MODES, "import"))
    runs = await db.execute(
        f"select id, mode, status, started, finished, error from harvest_runs where mode in"
        f" ({modes}) order by id desc limit 20"
    )
    runs = [dict(r) for r in runs.rows]
    last = runs[0] if runs else None
    success = next((r for r in runs if r["status"] == "ok"), None)
    if success is None and runs:
        found = await db.execute(
            f"select id, mode, status, started, finished, error from harvest_runs where mode in"
            f" ({modes}) and status = 'ok' order by id desc limit 1"
        )
        success = dict(found.rows[0]) if found.rows else None
    studies = (
        await db.execute(
            "select count(*) from studies where deleted = 0", custom_time_limit=AGGREGATE_MS
        )
    ).rows[0][0]
    week = (now - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    retractions = (
        await db.execute(
            "select count(distinct pmid) from study_changes where change = 'retracted' and at >= ?",
            [week],
        )
    ).rows[0][0]
    finished = parse_time(success["finished"]) if success else None
    warning = None
    if last and last["status"] == "failed":
        when = parse_time(last["finished"] or last["started"])
        warning = (
            f"The last refresh failed{' on ' + format_time(when) if when else ''}"
            f"{': ' + last['error'] if last['error'] else ''}. The catalog may be out of date."
        )
    elif finished is None:
        warning = "The catalog has never been refreshed from PubMed."
    elif now - finished > STALE_AFTER:
        hours = (now - finished).total_seconds() / 3600
        age = f"{hours / 24:.0f} days" if hours >= 48 else f"{hours:.0f} hours"
        warning = f"The catalog is stale: the last successful refresh was {age} ago."
    return {
        "last_refreshed": format_time(finished) if finished else None,
        "studies": studies,
        "retractions_this_week": retractions,
        "warning": warning,
        "running": bool(last and last["status"] == "running"),
    }


def minute() -> str:
    """The current UTC minute: the freshness line is recomputed at least once a minute."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M")


def freshness_line(freshness: Mapping) -> str:
    """ "Last refreshed 1 Dec 2026 02:31 UTC · 14,812 studies · 3 new retractions this week"."""
    parts = []
    if freshness["last_refreshed"]:
        parts.append(f"Last refreshed {freshness['last_refreshed']}")
    parts.append(f"{freshness['studies']:,} studies")
    n = freshness["retractions_this_week"]
    parts.append(f"{n} new retraction{'s' if n != 1 else ''} this week")
    return " · ".join(parts)


async def fetch_map(db: Any) -> dict[tuple[str, str], dict]:
    """{(condition, modality): {"total": n, "levels": {level: n}, "trials": n}}: studies of the
    finder's default set, and the registered trials of the pair."""
    where = " and ".join(base_where({}))
    sql = (
        "select c.value, m.value, studies.evidence_level, count(*) from studies,"
        " json_each(studies.conditions) c, json_each(studies.modalities) m where "
        f"{where} and json_valid(studies.conditions) and json_valid(studies.modalities)"
        " group by 1, 2, 3"
    )
    cells: dict[tuple[str, str], dict] = {}
    for condition, modality, level, n in (
        await db.execute(sql, custom_time_limit=AGGREGATE_MS)
    ).rows:
        cell = cells.setdefault((condition, modality), {"total": 0, "levels": {}, "trials": 0})
        cell["total"] += n
        cell["levels"][level] = cell["levels"].get(level, 0) + n
    if await db.table_exists("trials"):
        trials_sql = (
            "select c.value, m.value, count(distinct trials.nct_id) from trials,"
            " json_each(trials.condition_tags) c, json_each(trials.modality_tags) m"
            " where json_valid(trials.condition_tags) and json_valid(trials.modality_tags)"
            " group by 1, 2"
        )
        for condition, modality, n in (await db.execute(trials_sql)).rows:
            cell = cells.get((condition, modality))
            if cell is not None:  # a pair with trials but no studies yet is not on the map
                cell["trials"] = n
    return cells


def map_grid(cells: Mapping, labels: Mapping) -> dict:
    """Rows (conditions) and columns (treatments) in taxonomy order, only those with studies."""
    conditions = [
        (slug, tag[0]) for slug, tag in (labels.get("conditions") or {}).items()
        if any(c == slug for c, _ in cells)
    ]  # fmt: skip
    modalities = [
        (slug, tag[0]) for slug, tag in (labels.get("modalities") or {}).items()
        if any(m == slug for _, m in cells)
    ]  # fmt: skip
    return {"conditions": conditions, "modalities": modalities, "cells": cells}


async def home_context(datasette: Any) -> dict:
    """What index.html shows: the freshness line and the evidence map (cached per version)."""
    db, labels = catalog_db(datasette), labels_of(datasette)
    freshness = await cached(datasette, db, ("freshness", minute()), lambda: fetch_freshness(db))
    cells = await cached(datasette, db, ("map",), lambda: fetch_map(db))
    return {
        "freshness": freshness,
        "freshness_line": freshness_line(freshness),
        "grid": map_grid(cells, labels),
    }


async def map_page(datasette: Any, request: Any) -> Response:
    """/-/map: the evidence map and the three charts."""
    db, labels = catalog_db(datasette), labels_of(datasette)
    cells = await cached(datasette, db, ("map",), lambda: fetch_map(db))
    data = await cached(datasette, db, ("charts",), lambda: fetch_chart_data(db))
    context = {"grid": map_grid(cells, labels), "charts": build_charts(data, labels)}
    html = await datasette.render_template("evidence_map.html", context, request=request)
    return Response.html(html)


async def home_page(datasette: Any, request: Any) -> Response:
    """/: the staff home page (Datasette's own index counts every table's rows on each visit)."""
    context = {"home": await home_context(datasette), "metadata": datasette.metadata()}
    html = await datasette.render_template("index.html", context, request=request)
    return Response.html(html)
