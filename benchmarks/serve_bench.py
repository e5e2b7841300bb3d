"""Benchmark the pages staff wait for, served by `harvest serve` from a generated catalog.

    python benchmarks/serve_bench.py [--studies 50000] [--requests 30] [--readers 20] [--keep DIR]
        [--readers-only] [--stale-seconds S] [--refresh-seed N]

Builds a catalog of N generated PubMed records (import_bench's realistic records, written as
PubMed XML and loaded by the project's own `harvest import`, so tags, study_tags and citations
are real), serves it with `harvest serve` in a subprocess, then, in the same run:
  1. the floor: a bare indexed query through Datasette (one study by PMID, JSON);
  2. each page, sequential and warm (3 unmeasured requests first): p50 / p95 rendered (sent
     with `Cache-Control: no-cache`, so the page is built again from its queries, counts and
     facets kept per catalog version) and p95 as kept (the page cache, harvest/publish/
     pagecache.py); p95 as a multiple of the floor's p95; targets: 100 ms p95 (a study page
     50 ms), checked against the rendered p95;
  3. 20 concurrent readers cycling through the pages while a refresh writes into the same
     catalog (`harvest import` of --refresh-records revised versions of stored studies, as a
     nightly refresh brings): errors, p50 / p95 (target: no errors, p95 under 300 ms), and how
     many answers were a page's earlier rendering sent while it rendered again (`X-Catalog-
     Updating`). `--readers-only` skips step 2 (each page is asked for twice, to keep it);
     `--stale-seconds 0` serves with no earlier answers (every reader waits for the render), for
     a before/after in the same session; each run revises other studies (`--refresh-seed`).
Times are wall-clock on whatever else the machine is doing: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from import_bench import HEADER, article, write_corpus  # noqa: E402

from harvest.catalog.db import open_db  # noqa: E402
from harvest.publish.warmup import WARM_PATHS  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FIRST_PMID = 30_000_000  # import_bench numbers its records from here
PAGES = [
    ("studies: default facets and count", "/catalog/studies?on_topic=1&human=1", 100),
    ("studies: facet filter (PTSD)", "/catalog/studies?conditions__arraycontains=ptsd", 100),
    ("studies: two facet filters", "/catalog/studies?conditions__arraycontains=ptsd"
     "&modalities__arraycontains=ketamine", 100),
    ("studies: full-text search", "/catalog/studies?_search=ketamine", 100),
    ("search page", "/-/search?q=ketamine", 100),
    ("evidence finder", "/-/evidence?condition=ptsd&modality=ketamine", 100),
    ("home page", "/", 100),
    ("evidence map", "/-/map", 100),
    ("study page", "/catalog/studies/{pmid}", 50),
]  # fmt: skip


def build_catalog(folder: Path, studies: int) -> Path:
    """folder/catalog.db with `studies` generated records, imported by `harvest import`."""
    db = folder / "catalog.db"
    if db.exists():
        conn = sqlite3.connect(db)
        found = conn.execute("select count(*) from studies").fetchone()[0]
        conn.close()
        if found == studies:
            open_db(db).conn.close()  # indexes added since it was built, as any refresh would
            return db
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            path.unlink(missing_ok=True)
    corpus = folder / "corpus.xml"
    write_corpus(corpus, studies, refs=False)
    started = time.perf_counter()
    harvest("import", str(corpus), "--db", str(db), "--quiet")
    print(f"built {studies:,} studies with harvest import in {time.perf_counter() - started:.0f}s")
    corpus.unlink()
    return db


def write_refresh(path: Path, studies: int, records: int, seed: int = 99) -> None:
    """A refresh's worth of records: new versions (other content) of stored studies."""
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as fp:
        fp.write(HEADER)
        for i in sorted(rng.sample(range(studies), min(records, studies))):
            fp.write(article(FIRST_PMID + i, rng, refs=False) + "\n")
        fp.write("</PubmedArticleSet>")


def harvest(*args: str, log: Path | None = None, wait: bool = True) -> subprocess.Popen:
    """Run `python -m harvest ARGS`, stderr to log (waiting for it unless wait=False)."""
    log = log or Path(tempfile.mkstemp(prefix="harvest-", suffix=".log")[1])
    with open(log, "w") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "harvest", *args], cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=err,
        )  # fmt: skip
    process.log = log  # type: ignore[attr-defined]
    if wait and process.wait() != 0:
        sys.exit(f"harvest {' '.join(args)} failed:\n{log.read_text()[-2000:]}")
    return process


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def metadata_with(folder: Path, stale_seconds: float) -> Path:
    """A copy of metadata.yml whose plugin block sets stale_seconds."""
    metadata = yaml.safe_load((ROOT / "metadata.yml").read_text(encoding="utf-8"))
    block = metadata.setdefault("plugins", {}).setdefault("evidence-catalog", {})
    block["stale_seconds"] = stale_seconds
    path = folder / "metadata-bench.yml"
    path.write_text(yaml.safe_dump(metadata, sort_keys=False), encoding="utf-8")
    return path


def start_server(db: Path, port: int, metadata: Path | None = None) -> subprocess.Popen:
    """`harvest serve` in a subprocess, once it answers."""
    extra = ["--metadata", str(metadata)] if metadata else []
    server = harvest("serve", "--db", str(db), "--port", str(port), *extra,
                     log=db.parent / "serve.log", wait=False)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"harvest serve exited:\n{server.log.read_text()[-2000:]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/-/versions.json", timeout=2)
            return server
        except httpx.HTTPError:
            time.sleep(0.3)
    server.kill()
    sys.exit("harvest serve did not answer within 60 s")


RENDER = {"cache-control": "no-cache"}


def timed_get(
    client: httpx.Client, url: str, headers: dict | None = None
) -> tuple[float, int, bool]:
    """(milliseconds, status, an earlier rendering?) for one request, body read in full."""
    started = time.perf_counter()
    response = client.get(url, headers=headers)
    response.read()
    earlier = "x-catalog-updating" in response.headers
    return (time.perf_counter() - started) * 1000, response.status_code, earlier


def p95(values: list[float]) -> float:
    return (
        statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]
    )


def measure(
    client: httpx.Client, url: str, requests: int, headers: dict | None = None
) -> tuple[float, float, set]:
    """(p50, p95, statuses) of `requests` sequential requests after 3 warm-up ones."""
    for _ in range(3):
        timed_get(client, url, headers)
    times, statuses = [], set()
    for _ in range(requests):
        ms, status, _ = timed_get(client, url, headers)
        times.append(ms)
        statuses.add(status)
    return statistics.median(times), p95(times), statuses


def concurrent(base: str, urls: list[str], readers: int, refresh: subprocess.Popen) -> dict:
    """Readers cycle through urls until the refresh ends (at least 5 s); latencies and errors."""
    times: list[float] = []
    errors: list[str] = []
    earlier: list[str] = []
    lock = threading.Lock()
    started = time.monotonic()

    def reader(offset: int) -> None:
        with httpx.Client(base_url=base, timeout=60, follow_redirects=True) as client:
            i = offset
            while refresh.poll() is None or time.monotonic() - started < 5:
                url = urls[i % len(urls)]
                i += 1
                try:
                    ms, status, stale = timed_get(client, url)
                except httpx.HTTPError as exc:
                    with lock:
                        errors.append(f"{url}: {exc!r}")
                    continue
                with lock:
                    times.append(ms)
                    if stale:
                        earlier.append(url)
                    if status != 200:
                        errors.append(f"{url}: HTTP {status}")

    threads = [threading.Thread(target=reader, args=(n,)) for n in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "requests": len(times),
        "errors": errors,
        "earlier": len(earlier),
        "p50": statistics.median(times),
        "p95": p95(times),
        "seconds": time.monotonic() - started,
        "refresh_rc": refresh.wait(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=30, help="timed requests per page")
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--refresh-records", type=int, default=2_000)
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the catalog in")
    parser.add_argument("--readers-only", action="store_true", help="only readers during a refresh")
    parser.add_argument("--stale-seconds", type=float, help="the page cache's stale_seconds")
    parser.add_argument("--refresh-seed", type=int, default=int(time.time()))
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="serve-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    db = build_catalog(folder, args.studies)
    pmid = FIRST_PMID + args.studies // 2
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    metadata = None if args.stale_seconds is None else metadata_with(folder, args.stale_seconds)
    server = start_server(db, port, metadata)
    try:
        with httpx.Client(base_url=base, timeout=60, follow_redirects=True) as client:
            # The server renders its staff pages ahead at start-up (harvest/publish/warmup.py):
            # asking for each once waits for that (one render of a page at a time), so the
            # timings below are not taken while it runs.
            for path in WARM_PATHS:
                client.get(path).read()
            floor_url = f"/catalog/studies/{pmid}.json?_shape=objects"
            _, floor, _ = measure(client, floor_url, args.requests)
            print(f"{args.studies:,} studies; sequential, warm, {args.requests} requests a page")
            print(f"floor (one study by PMID through Datasette, JSON): p95 {floor:.1f} ms\n")
            print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
            if not args.readers_only:
                print(
                    f"{'page':36} {'p50 ms':>8} {'p95 ms':>8} {'x floor':>8} {'kept p95':>9} "
                    f"{'target':>7}  status"
                )
            for name, url, target in [] if args.readers_only else PAGES:
                url = url.format(pmid=pmid)
                p50, p95_ms, statuses = measure(client, url, args.requests, RENDER)
                _, kept, kept_statuses = measure(client, url, args.requests)
                statuses |= kept_statuses
                mark = "ok" if p95_ms <= target and statuses == {200} else "OVER"
                print(
                    f"{name:36} {p50:8.1f} {p95_ms:8.1f} {p95_ms / floor:8.1f} {kept:9.1f} "
                    f"{target:7}  {','.join(map(str, sorted(statuses)))} {mark}"
                )
            for _, url, _ in PAGES if args.readers_only else []:
                for _ in range(2):  # rendered, then kept
                    timed_get(client, url.format(pmid=pmid))
        update = folder / "refresh.xml"
        write_refresh(update, args.studies, args.refresh_records, args.refresh_seed)
        refresh = harvest("import", str(update), "--db", str(db), "--quiet", wait=False)
        urls = [url.format(pmid=pmid) for _, url, _ in PAGES]
        result = concurrent(base, urls, args.readers, refresh)
        print(
            f"\n{args.readers} concurrent readers during a refresh ({args.refresh_records:,} "
            f"records, exit {result['refresh_rc']}): {result['requests']} requests in "
            f"{result['seconds']:.0f}s, {len(result['errors'])} errors, p50 "
            f"{result['p50']:.0f} ms, p95 {result['p95']:.0f} ms "
            f"({result['p95'] / floor:.0f}x floor; target 300 ms); {result['earlier']} answers "
            f"were a page's earlier rendering (stale_seconds "
            f"{'default' if args.stale_seconds is None else args.stale_seconds}, refresh seed "
            f"{args.refresh_seed})"
        )
        for error in result["errors"][:5]:
            print(f"  {error}")
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
