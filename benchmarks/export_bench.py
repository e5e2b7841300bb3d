"""Benchmark the complete, streamed exports (/catalog/studies.ris|bib|csljson) for memory and speed.

    python benchmarks/export_bench.py [--studies 20000] [--small 2000] [--formats ris,csljson]

Builds the test catalog through `harvest import` (real tags, flags, citations), clones its rows
to --studies and --small studies, then, each in a fresh subprocess:
  1. the floor: `select * from studies` read through sqlite3, every value turned to text;
  2. the export: Datasette's ASGI app answering /catalog/studies.<fmt>, the body discarded
     as it streams (nothing buffers the file).
Prints each one's seconds, peak memory (max RSS) and the export/floor time ratio, and the peak
memory of the large export over the small one: streamed, it stays near 1 whatever the size.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.catalog_factory import build_catalog  # noqa: E402

FLOOR = """
import json, sqlite3, sys, time
PEAK
start = time.perf_counter()
conn = sqlite3.connect(sys.argv[1])
size = 0
for row in conn.execute("select * from studies order by pub_date desc, pmid desc"):
    size += sum(len(str(v)) for v in row)
print(json.dumps({"seconds": time.perf_counter() - start, "bytes": size, "rss_mb": peak_mb()}))
"""
EXPORT = """
import asyncio, json, sys, time
from harvest.publish.serve import make_datasette
PEAK

async def get(app, path):
    size = 0
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}
    async def send(message):
        nonlocal size
        if message["type"] == "http.response.body":
            size += len(message.get("body", b""))
    scope = {"type": "http", "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"",
             "headers": [(b"host", b"localhost")], "root_path": ""}
    await app(scope, receive, send)
    return size

async def run(db, fmt):
    app = make_datasette(db).app()
    await get(app, "/catalog/studies.json?_size=1")  # warm: plugin, taxonomy, connections
    start = time.perf_counter()
    size = await get(app, f"/catalog/studies.{fmt}")
    return time.perf_counter() - start, size

seconds, size = asyncio.run(run(sys.argv[1], sys.argv[2]))
print(json.dumps({"seconds": seconds, "bytes": size, "rss_mb": peak_mb()}))
"""
# Peak memory of this process alone (VmHWM starts afresh at exec; ru_maxrss does not).
PEAK = """
def peak_mb():
    with open("/proc/self/status") as status:
        line = next(l for l in status if l.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024
"""
FLOOR, EXPORT = FLOOR.replace("PEAK", PEAK), EXPORT.replace("PEAK", PEAK)


def clone(source: Path, target: Path, studies: int) -> Path:
    """A copy of the catalog whose studies are cloned under new PMIDs up to `studies` rows."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as copy:
        src.backup(copy)  # whole database, WAL included
    with sqlite3.connect(target) as conn:
        base = conn.execute("select count(*) from studies").fetchone()[0]
        columns = [r[1] for r in conn.execute("pragma table_info(studies)")]
        others = ", ".join(f"[{c}]" for c in columns if c != "pmid")
        k = 1
        while conn.execute("select count(*) from studies").fetchone()[0] < studies:
            room = studies - conn.execute("select count(*) from studies").fetchone()[0]
            conn.execute(
                f"insert into studies (pmid, {others}) select pmid + {k * 100000000}, {others} "
                f"from studies where pmid < 100000000 limit {min(base, room)}"
            )
            k += 1
    return target


def measure(code: str, *args: str) -> dict:
    """Run one measurement in a fresh interpreter; its JSON line."""
    out = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Build, clone, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=20000)
    parser.add_argument("--small", type=int, default=2000)
    parser.add_argument("--formats", default="ris,bib,csljson")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        seed = build_catalog(folder / "seed.db", with_notice=True)
        sizes = {"small": args.small, "large": args.studies}
        dbs = {k: clone(seed, folder / f"{k}.db", n) for k, n in sizes.items()}
        for fmt in args.formats.split(","):
            peaks = {}
            for key, db in dbs.items():
                floor = measure(FLOOR, str(db))
                export = measure(EXPORT, str(db), fmt)
                peaks[key] = export["rss_mb"]
                print(
                    f"{fmt:8} {sizes[key]:>6} studies: export {export['seconds']:6.2f}s "
                    f"{export['bytes'] / 1e6:7.1f} MB out, peak {export['rss_mb']:6.1f} MB | "
                    f"floor {floor['seconds']:5.2f}s peak {floor['rss_mb']:5.1f} MB | "
                    f"time ratio {export['seconds'] / floor['seconds']:5.1f}"
                )
            print(f"{fmt:8} peak memory {sizes['large']} / {sizes['small']} studies: "
                  f"{peaks['large'] / peaks['small']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
