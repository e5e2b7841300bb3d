"""Benchmark the citation check page (/-/check) on a large catalog, as ratios against a floor.

    python benchmarks/check_bench.py [--studies 20000] [--seed 5] [--repeat 15]

Builds a catalog of --studies synthetic records through `harvest import` (the stand-in's corpus
generator, real parser, tagger and citations), then, through Datasette's ASGI client:
  1. the floor: GET /-/versions.json, Datasette's cheapest page, in the same run;
  2. GET /-/check (the form);
  3. POST 12 lines, each citing one study by PMID and by an upper-case DOI;
  4. POST 4 reference entries without identifiers (upper-cased titles: fuzzy matching).
Prints each median in ms and as a multiple of the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harvest.publish.serve import make_datasette  # noqa: E402
from tests.standin_records import generate_corpus, make_article_set  # noqa: E402


def build(folder: Path, studies: int, seed: int) -> Path:
    """A catalog of `studies` generated records, imported by the real CLI."""
    xml = folder / "corpus.xml"
    xml.write_text(make_article_set(item[1] for item in generate_corpus(studies, seed)))
    db = folder / "catalog.db"
    command = [sys.executable, "-m", "harvest", "import", str(xml), "--db", str(db), "--quiet"]
    subprocess.run(command, check=True, cwd=ROOT)
    return db


def drafts(db: Path) -> tuple[str, str]:
    """(12 identifier lines, 4 reference entries) citing studies of the catalog."""
    conn = sqlite3.connect(db)
    picked = conn.execute(
        "select pmid, doi, authors, pub_year, title from studies where doi is not null "
        "and pub_year is not null order by pmid limit 12"
    ).fetchall()
    conn.close()
    ids = "\n".join(
        f"Claim {n} (PMID: {p}); doi:{d.upper()}." for n, (p, d, *_) in enumerate(picked)
    )
    refs = "## References\n" + "\n".join(
        f"{n + 1}. {(a or 'Anon').split(',')[0]}, et al. {t.upper()} J Something. {y}."
        for n, (_, _, a, y, t) in enumerate(picked[:4])
    )
    return ids, refs


async def median_ms(ds, method: str, path: str, repeat: int, **kwargs) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = await getattr(ds.client, method)(path, **kwargs)
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(f"{method.upper()} {path}: HTTP {response.status_code}")
    return statistics.median(times) * 1000


async def measure(db: Path, repeat: int) -> None:
    ids, refs = drafts(db)
    ds = make_datasette(db, metadata_path=ROOT / "metadata.yml")
    await ds.client.get("/-/check")  # warm up: templates, connections
    floor = await median_ms(ds, "get", "/-/versions.json", repeat)
    print(f"floor GET /-/versions.json: {floor:.1f} ms")
    cases = [
        ("GET /-/check", "get", {}),
        ("POST 12 PMID + DOI lines", "post", {"data": {"text": ids}}),
        ("POST 4 reference entries", "post", {"data": {"text": refs}}),
    ]
    for label, method, kwargs in cases:
        ms = await median_ms(ds, method, "/-/check", repeat, **kwargs)
        print(f"{label}: {ms:.1f} ms ({ms / floor:.1f}x floor)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--studies", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = build(Path(folder), args.studies, args.seed)
        asyncio.run(measure(db, args.repeat))


if __name__ == "__main__":
    main()
