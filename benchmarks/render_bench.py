"""Benchmark what one heavy ad-hoc query costs everyone else (issue 8 item 10), before and after.

    python benchmarks/render_bench.py [--studies 6000]

Builds the test catalog through `harvest import` and clones it to --studies rows with 2 kB
abstracts. Then, for the old limit (max_returned_rows 5000) and the new one (1000; cells are cut
to 300 characters in both), in-process through Datasette's ASGI app: a heavy
request (`select * from studies` as an HTML page) starts and, while it runs, a trivial one
(/-/versions.json) is sent every 10 ms; the worst trivial wait is reported. Rendering runs on
the event loop, so a trivial request that arrives while the page renders waits for it: that wait
is the cost one heavy page puts on everyone. The floor is the trivial request alone.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harvest.publish.serve import make_datasette  # noqa: E402
from tests.catalog_factory import build_catalog  # noqa: E402

HEAVY = "/catalog?sql=select+*+from+studies"
TRIVIAL = "/-/versions.json"


def wide_catalog(folder: Path, studies: int) -> Path:
    """The test catalog cloned to `studies` rows, each abstract 2 kB longer."""
    db = build_catalog(folder / "catalog.db", with_notice=True)
    with sqlite3.connect(db) as conn:
        columns = [r[1] for r in conn.execute("pragma table_info(studies)")]
        others = ", ".join(f"[{c}]" for c in columns if c not in ("pmid", "abstract"))
        conn.execute("create temp table seed as select * from studies")
        k = 1
        while conn.execute("select count(*) from studies").fetchone()[0] < studies:
            conn.execute(
                f"insert into studies (pmid, abstract, {others}) select pmid + {k * 100000000}, "
                f"abstract || ' ' || printf('%.2000c', 'x'), {others} from seed"
            )
            k += 1
    return db


async def timed(ds, path: str) -> float:
    """Seconds one request takes."""
    start = time.perf_counter()
    response = await ds.client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return time.perf_counter() - start


async def contest(ds) -> tuple[float, float, float]:
    """(trivial alone, heavy, worst trivial wait while heavy runs) in seconds."""
    await timed(ds, TRIVIAL)
    alone = min([await timed(ds, TRIVIAL) for _ in range(5)])
    heavy = asyncio.create_task(timed(ds, HEAVY))
    waits = []
    while not heavy.done():  # a trivial request every 10 ms for as long as the heavy one runs
        waits.append(await timed(ds, TRIVIAL))
        await asyncio.sleep(0.01)
    return alone, await heavy, max(waits)


def main() -> None:
    """Build, then measure the old and the new limits."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=6000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = wide_catalog(Path(tmp), args.studies)
        for label, rows in (("before", 5000), ("after", 1000)):
            ds = make_datasette(
                db, settings={"max_returned_rows": rows, "sql_time_limit_ms": 20000}
            )
            alone, heavy, meanwhile = asyncio.run(contest(ds))
            print(
                f"{label:6} max_returned_rows={rows}: heavy page {heavy:6.2f}s; trivial request "
                f"alone {alone * 1000:6.1f} ms, worst wait during it {meanwhile * 1000:7.1f} ms "
                f"(x{meanwhile / alone:,.0f})"
            )


if __name__ == "__main__":
    main()
