"""The page cache (harvest/publish/pagecache.py) while a refresh commits, through Datasette's
client on a catalog built by `harvest import`: readers who ask while a page renders for a new
catalog version get its earlier answer, marked, unless it is too old or a study it shows has
changed flags."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from harvest.publish.pagecache import cache_for
from harvest.publish.serve import make_datasette
from tests.cli_support import copied

PATH = "/catalog/studies?conditions__arraycontains=ptsd"
NOTE = re.compile(
    r'<p class="catalog-updating"[^>]*>updating: figures as of \d\d:\d\d:\d\d UTC</p>'
)


@pytest.fixture
def catalog(tmp_path, generated_catalog) -> Path:
    """A copy of the generated catalog (conftest) for one test to write into."""
    return copied(generated_catalog, tmp_path / "catalog.db")


def ptsd_count(db: Path) -> int:
    conn = sqlite3.connect(db)
    sql = "select count(distinct pmid) from study_tags where facet = 'conditions' and tag = 'ptsd'"
    count = conn.execute(sql).fetchone()[0]
    conn.close()
    return count


def add_ptsd_study(db: Path) -> None:
    """A refresh's commit, by another connection: one more study about PTSD."""
    conn = sqlite3.connect(db)
    with conn:
        pmid = conn.execute(
            "select pmid from studies where conditions not like '%\"ptsd\"%' limit 1"
        ).fetchone()[0]
        conn.execute(
            "update studies set conditions = json_insert(conditions, '$[#]', 'ptsd') "
            "where pmid = ?",
            (pmid,),
        )
        conn.execute(
            "insert into study_tags (pmid, facet, tag, source, evidence) "
            "values (?, 'conditions', 'ptsd', 'title', 'PTSD')",
            (pmid,),
        )
    conn.close()


def rows_line(count: int) -> str:
    return f"{count:,} rows where conditions contains"


class HeldQueries:
    """Every SQL thread of a Datasette busy until release(): a render that has started waits."""

    def __init__(self, ds) -> None:
        self.gate = threading.Event()
        self.ready = threading.Barrier(ds.setting("num_sql_threads") + 1)
        self.jobs = [ds.executor.submit(self._hold) for _ in range(ds.setting("num_sql_threads"))]
        self.ready.wait(timeout=10)

    def _hold(self) -> None:
        self.ready.wait(timeout=10)
        self.gate.wait(timeout=60)

    def release(self) -> None:
        self.gate.set()
        for job in self.jobs:
            job.result(timeout=10)

    def __enter__(self) -> HeldQueries:
        return self

    def __exit__(self, *exc) -> None:
        self.gate.set()  # also when the scenario failed


def away_from_a_minute_edge() -> None:
    """Pages are kept per UTC minute: start a scenario well inside one."""
    second = datetime.now(timezone.utc).second
    if second >= 50:
        time.sleep(61 - second)


async def until(condition, what: str) -> None:
    """Let other requests run until condition() holds."""
    deadline = time.monotonic() + 30
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen")
        await asyncio.sleep(0.001)


async def start_render(ds, path: str) -> asyncio.Task:
    """A reader's request, once its render for the current version has begun."""
    cache = cache_for(ds, "catalog")
    task = asyncio.create_task(ds.client.get(path))
    await until(lambda: cache._pending, "the render")
    return task


def test_readers_during_a_render_get_the_earlier_page(catalog):
    """A commit between two requests: while the first renders, the second gets the earlier page
    with its version and age; after the render every reader gets the new page."""
    ds = make_datasette(catalog)
    total = ptsd_count(catalog)
    cache = cache_for(ds, "catalog")
    away_from_a_minute_edge()

    async def scenario():
        first = await ds.client.get(PATH)
        add_ptsd_study(catalog)
        with HeldQueries(ds) as held:
            render = await start_render(ds, PATH)
            during = await ds.client.get(PATH)
            assert not render.done()
            held.release()
        rendered = await render
        after = await ds.client.get(PATH)
        return first, during, rendered, after

    first, during, rendered, after = asyncio.run(scenario())
    assert cache.counts == {"rendered": 2, "stale": 1, "kept": 1}
    assert first.status_code == during.status_code == rendered.status_code == 200
    assert rows_line(total) in first.text.replace("\n", " ")
    # The earlier page whole (rows and counts of one version), with the note and headers.
    assert len(NOTE.findall(during.text)) == 1
    assert NOTE.sub("", during.text) == first.text
    version = int(first.headers["x-catalog-version"])
    assert int(during.headers["x-catalog-version"]) == version
    assert int(during.headers["x-catalog-updating"]) > version
    assert 0 <= int(during.headers["age"]) <= 60
    assert int(during.headers["content-length"]) == len(during.content)
    for page in (rendered, after):
        assert rows_line(total + 1) in page.text.replace("\n", " ")
        assert "age" not in page.headers and "x-catalog-updating" not in page.headers
        assert page.headers["x-catalog-version"] == during.headers["x-catalog-updating"]
    assert after.content == rendered.content


def test_a_newly_retracted_study_is_never_shown_stale(catalog):
    """A study shown on the page is retracted by the commit: readers wait for the new page."""
    ds = make_datasette(catalog)
    cache = cache_for(ds, "catalog")
    away_from_a_minute_edge()

    async def scenario():
        first = await ds.client.get(PATH)
        shown = [int(p) for p in re.findall(r'href="/catalog/studies/(\d+)"', first.text)]
        conn = sqlite3.connect(catalog)
        marks = ",".join("?" * len(shown))
        sql = f"select min(pmid) from studies where retracted = 0 and pmid in ({marks})"
        pmid = conn.execute(sql, shown).fetchone()[0]
        with conn:
            conn.execute("update studies set retracted = 1 where pmid = ?", (pmid,))
        conn.close()
        with HeldQueries(ds) as held:
            render = await start_render(ds, PATH)
            waiting = asyncio.create_task(ds.client.get(PATH))
            await until(lambda: cache.counts["waited"], "the second reader's wait")
            held.release()
        return first, pmid, await render, await waiting

    first, pmid, rendered, waited = asyncio.run(scenario())
    row = re.compile(rf'href="/catalog/studies/{pmid}".*?</tr>', re.DOTALL)
    assert "ec-retracted" not in row.search(first.text).group(0)
    for page in (rendered, waited):
        assert page.status_code == 200
        assert "x-catalog-updating" not in page.headers and not NOTE.search(page.text)
        assert "ec-retracted" in row.search(page.text).group(0)
    assert waited.content == rendered.content
    assert cache.counts == {"rendered": 2, "waited": 1}


def test_an_earlier_page_past_the_bound_is_not_sent(catalog):
    """Once the earlier page's data was replaced longer than stale_seconds ago, readers wait."""
    ds = make_datasette(catalog)
    total = ptsd_count(catalog)
    cache = cache_for(ds, "catalog")
    assert cache.stale_seconds == 60
    away_from_a_minute_edge()

    async def scenario():
        await ds.client.get(PATH)
        add_ptsd_study(catalog)
        now = cache.clock
        cache.clock = lambda: now() + 61  # the earlier version was last current 61 s ago
        with HeldQueries(ds) as held:
            render = await start_render(ds, PATH)
            waiting = asyncio.create_task(ds.client.get(PATH))
            await until(lambda: cache.counts["waited"], "the second reader's wait")
            held.release()
        return await render, await waiting

    rendered, waited = asyncio.run(scenario())
    for page in (rendered, waited):
        assert page.status_code == 200
        assert "age" not in page.headers and not NOTE.search(page.text)
        assert rows_line(total + 1) in page.text.replace("\n", " ")
    assert waited.content == rendered.content
    assert cache.counts == {"rendered": 2, "waited": 1}


def test_a_page_renders_once_at_a_time(catalog):
    """A reader whose page still renders for an earlier version, with no earlier answer it may
    get, waits for that render, then renders the page for the current version itself."""
    ds = make_datasette(catalog)
    total = ptsd_count(catalog)
    cache = cache_for(ds, "catalog")
    away_from_a_minute_edge()

    async def scenario():
        await ds.client.get(PATH)
        add_ptsd_study(catalog)
        with HeldQueries(ds) as held:
            render = await start_render(ds, PATH)
            add_ptsd_study(catalog)  # a second commit while the first render runs
            now = cache.clock
            cache.clock = lambda: now() + 61
            waiting = asyncio.create_task(ds.client.get(PATH))
            await until(lambda: cache.counts["queued"], "the second reader's wait")
            assert len(cache._pending) == 1
            held.release()
        return await render, await waiting

    rendered, waited = asyncio.run(scenario())
    assert rendered.status_code == waited.status_code == 200
    assert rows_line(total + 2) in waited.text.replace("\n", " ")
    assert "x-catalog-updating" not in waited.headers
    assert int(waited.headers["x-catalog-version"]) > int(rendered.headers["x-catalog-version"])
    assert cache.counts == {"rendered": 3, "queued": 1}
