"""harvest/publish/warmup.py: `harvest serve` renders the staff pages ahead of their first reader,
at start-up and once the catalog has been still after a change, through Datasette's own client
on a copy of conftest's generated catalog (300 records through `harvest import`)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from harvest.publish.pagecache import cache_for
from harvest.publish.serve import make_datasette
from harvest.publish.warmup import WARM_PATHS, enable_warmup
from tests.cli_support import copied
from tests.test_pagecache import away_from_a_minute_edge, until


@pytest.fixture
def catalog(tmp_path, generated_catalog) -> Path:
    """A copy of the generated catalog (conftest) to write into."""
    return copied(generated_catalog, tmp_path / "catalog.db")


def commit(db: Path) -> None:
    """Another connection's commit, as a refresh's batch is."""
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("insert into harvest_runs (mode, status) values ('import', 'ok')")
    conn.close()


async def started(db: Path):
    """A Datasette on db that warms its pages quickly, started; and its page cache."""
    ds = make_datasette(db)
    enable_warmup(ds, poll=0.02, still=0.5)
    await ds.invoke_startup()
    return ds, cache_for(ds, "catalog")


def test_pages_are_rendered_at_start_up_and_once_after_a_burst_of_commits(catalog):
    async def scenario():
        ds, cache = await started(catalog)
        task = ds.evidence_catalog_warm_task
        try:
            await until(lambda: cache.counts["rendered"] >= len(WARM_PATHS), "the first warm-up")
            at_start = Counter(cache.counts)
            for _ in range(5):  # a refresh: commits closer together than `still`
                commit(catalog)
                await asyncio.sleep(0.05)
            during = cache.counts["rendered"]
            await until(
                lambda: cache.counts["rendered"] >= 2 * len(WARM_PATHS), "the warm-up after it"
            )
            await asyncio.sleep(1.0)  # still: nothing more to render
            return at_start, during, cache.counts["rendered"], task.done()
        finally:
            task.cancel()

    at_start, during, after, ended = asyncio.run(scenario())
    assert at_start["rendered"] == len(WARM_PATHS) == 14
    assert during == len(WARM_PATHS)  # nothing rendered while the commits kept coming
    assert after == 2 * len(WARM_PATHS)
    assert not ended


def test_a_warmed_page_is_answered_from_what_was_kept(catalog):
    async def scenario():
        ds, cache = await started(catalog)
        try:
            await until(lambda: cache.counts["rendered"] >= len(WARM_PATHS), "the warm-up")
            before = Counter(cache.counts)
            response = await ds.client.get("/-/evidence")
            return before, Counter(cache.counts), response.status_code
        finally:
            ds.evidence_catalog_warm_task.cancel()

    away_from_a_minute_edge()  # pages are kept per UTC minute
    before, after, status = asyncio.run(scenario())
    assert status == 200
    assert (after["kept"], after["rendered"]) == (before["kept"] + 1, before["rendered"])


def test_no_warm_up_unless_asked(catalog):
    async def scenario():
        ds = make_datasette(catalog)
        await ds.invoke_startup()
        await asyncio.sleep(0.3)
        return cache_for(ds, "catalog").counts["rendered"], getattr(
            ds, "evidence_catalog_warm_task", None
        )

    assert asyncio.run(scenario()) == (0, None)
