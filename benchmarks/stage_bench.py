"""Per-stage cost of `harvest import`, in one process: where the time per record goes.

    python benchmarks/stage_bench.py [--records 3000] [--corpus FILE] [--profile STAGE]

Generates records with import_bench's generator (or reads --corpus), parses them once, then
times each stage over the same records and prints milliseconds per record and the ratio to the
parse (the floor of this run): parse, to_row, tag, details, citations, and the whole enrich +
prepare step the import workers run. `--profile STAGE` prints the top of a cProfile for it.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from import_bench import write_corpus  # noqa: E402

from harvest.catalog.jobs import make_enricher  # noqa: E402
from harvest.catalog.rows import prepare  # noqa: E402
from harvest.citing.styles import citations  # noqa: E402
from harvest.pubmed.sources import read_units, realise  # noqa: E402
from harvest.record import to_row  # noqa: E402
from harvest.tagging.details import extract_details, load_details  # noqa: E402
from harvest.tagging.tag import tag_record  # noqa: E402
from harvest.tagging.taxonomy import load_taxonomy  # noqa: E402


def parse_all(path: Path) -> list[dict]:
    """Every record of the file, parsed."""
    return [item for unit in read_units([path]) for item in realise(unit)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--corpus", type=Path, help="a PubMed XML file instead of generated")
    parser.add_argument("--profile", help="stage to profile (tag, details, enrich, ...)")
    args = parser.parse_args()
    corpus = args.corpus
    if corpus is None:
        corpus = Path(tempfile.mkdtemp(prefix="stage-bench-")) / "corpus.xml"
        write_corpus(corpus, args.records, compress=False, refs=True)
    start = time.perf_counter()
    records = [r for r in parse_all(corpus) if isinstance(r, dict)]
    parse_ms = (time.perf_counter() - start) * 1000 / len(records)
    taxonomy = load_taxonomy(ROOT / "config" / "taxonomy.yml")
    details = load_details(ROOT / "config" / "details.yml")
    enrich = make_enricher(taxonomy, details)
    tags = [tag_record(r, taxonomy) for r in records]  # warm, and the inputs details gets
    stages = {
        "to_row": lambda i, r: to_row(r),
        "tag": lambda i, r: tag_record(r, taxonomy),
        "details": lambda i, r: extract_details(
            r, details, design=tags[i].design, conditions=tags[i].conditions
        ),
        "citations": lambda i, r: citations(r),
        "enrich+prepare": lambda i, r: prepare(r, enrich),
    }
    print(f"records: {len(records)} from {corpus}")
    print(f"{'stage':<16}{'ms/record':>10}{'x parse':>9}")
    print(f"{'parse (floor)':<16}{parse_ms:>10.3f}{1.0:>9.2f}")
    for name, stage in stages.items():
        start = time.perf_counter()
        for i, record in enumerate(records):
            stage(i, record)
        ms = (time.perf_counter() - start) * 1000 / len(records)
        print(f"{name:<16}{ms:>10.3f}{ms / parse_ms:>9.2f}")
    if args.profile:
        stage = stages[args.profile]
        profile = cProfile.Profile()
        profile.enable()
        for i, record in enumerate(records):
            stage(i, record)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
