"""The staff home page, the evidence map and the charts, through Datasette's test client."""

from __future__ import annotations

import asyncio
import re
import sqlite3
from datetime import datetime, timezone

import httpx
import pytest

from harvest.publish.charts import bar_chart, line_chart
from harvest.publish.home import fetch_freshness, freshness_line
from harvest.publish.serve import make_datasette
from tests.staff_catalog import build_staff_catalog

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    """The staff catalog file, with one nightly refresh recorded after the import."""
    db = build_staff_catalog(tmp_path_factory.mktemp("home"))
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "insert into harvest_runs (started, finished, mode, status, found, new, updated,"
            " unchanged, failed, deleted, requests) values ('2026-12-01T02:30:00Z',"
            " '2026-12-01T02:31:40Z', 'incremental', 'ok', 3, 0, 3, 0, 0, 0, 4)"
        )
        conn.execute(
            "insert into study_changes (run_id, pmid, change, detail, at) values"
            " (2, 36500006, 'retracted', null, '2026-11-28T02:31:00Z'),"
            " (2, 33972795, 'retracted', null, '2026-11-20T02:31:00Z')"
        )
    conn.close()
    return db


@pytest.fixture(scope="module")
def ds(catalog):
    return make_datasette(catalog)


def get(ds, path: str) -> httpx.Response:
    return asyncio.run(ds.client.get(path))


def freshness(ds, now=NOW) -> dict:
    return asyncio.run(fetch_freshness(ds.get_database("catalog"), now))


def test_freshness_line_from_the_last_refresh(ds):
    fresh = freshness(ds)
    assert fresh["warning"] is None
    # 36500006 this week; 33972795 (11 days ago) and 31065731 (at import, 2026) by date
    line = freshness_line(fresh)
    assert line.startswith("Last refreshed 1 Dec 2026 02:31 UTC · 15 studies · ")
    assert fresh["studies"] == 15


def test_freshness_warns_when_stale(ds):
    fresh = freshness(ds, datetime(2026, 12, 5, 9, 0, tzinfo=timezone.utc))
    assert fresh["warning"] == "The catalog is stale: the last successful refresh was 4 days ago."


def test_freshness_warns_when_the_last_refresh_failed(tmp_path):
    db = build_staff_catalog(tmp_path)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "insert into harvest_runs (started, finished, mode, status, error) values"
            " ('2026-12-01T02:30:00Z', '2026-12-01T02:30:09Z', 'incremental', 'failed',"
            " 'cannot reach NCBI E-utilities')"
        )
    conn.close()
    ds = make_datasette(db)
    fresh = freshness(ds)
    assert fresh["warning"] == (
        "The last refresh failed on 1 Dec 2026 02:30 UTC: cannot reach NCBI E-utilities. "
        "The catalog may be out of date."
    )
    html = get(ds, "/").text
    assert 'role="alert"><strong>&#9888; The last refresh failed on 1 Dec 2026 02:30 UTC' in html


def test_home_page_for_staff(ds):
    response = get(ds, "/")
    assert response.status_code == 200
    html = response.text
    assert '<form class="ec-search" action="/-/search" method="get" role="search">' in html
    assert re.search(r'<p class="ec-freshness">Last refreshed \d+ \w+ \d{4} \d\d:\d\d UTC', html)
    for href, text in [
        ("/-/evidence", "Evidence finder"),
        ("/-/map", "Evidence map and charts"),
        ("/catalog/new_studies", "What is new"),
        ("/catalog/retractions_and_corrections", "Retractions and corrections"),
        ("/-/check", "Citation check"),
    ]:
        assert f'<a href="{href}"><strong>{text}</strong></a>' in html
    assert "SQL" not in re.sub(r"<script.*?</script>", "", html, flags=re.S)
    cell = re.search(
        r'<a class="ec-map-cell" data-condition="ptsd" data-modality="mdma"[^>]*>', html
    )
    assert 'href="/-/evidence?condition=ptsd&amp;modality=mdma"' in cell.group(0)


def test_map_counts_per_level(ds):
    html = get(ds, "/-/map").text
    cell = html.split('data-condition="ptsd" data-modality="ketamine"')[1].split("</a>")[0]
    assert "<strong>4</strong>" in cell
    levels = re.findall(r'class="ec-lv ec-lv-(\d)">L\d&nbsp;(\d+)', cell)
    assert levels == [("1", "1"), ("2", "2"), ("4", "1")]
    mdma = html.split('data-condition="ptsd" data-modality="mdma"')[1].split("</a>")[0]
    assert "<strong>2</strong>" in mdma  # the phase 3 trial and the editorial; not the retracted


def test_charts_are_inline_svg(ds):
    html = get(ds, "/-/map").text
    svgs = re.findall(r'<svg class="ec-chart"[^>]*aria-label="([^"]+)"', html)
    assert svgs == [
        "Studies per year by treatment",
        "Study designs over time",
        "New studies per month",
    ]
    assert "<script" not in "".join(re.findall(r"<svg.*?</svg>", html, re.S))
    assert "<title>Ketamine, 2021: 1</title>" in html


def test_chart_builders():
    svg = line_chart("T", {"A": {2020: 2, 2021: 5}}, [2020, 2021])
    assert svg.count("<circle") == 2
    assert "<title>A, 2021: 5</title>" in svg
    bars = bar_chart("B", {"x": {1: 3}, "y": {1: 1, 2: 4}}, [1, 2])
    assert bars.count("<rect") == 3 + 2  # three segments, two legend keys
    assert "<title>y, 2: 4</title>" in bars
