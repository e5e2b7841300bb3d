"""Per-stage cost of `harvest import`, in one process: where the time per record goes.

    python benchmarks/stage_bench.py [--records 3000] [--corpus FILE] [--profile STAGE]

Generates records with import_bench's generator (or reads --corpus), parses them once, then
times each stage over the same records and prints CPU milliseconds per record (process time,
so other jobs on the machine matter less) and the ratio to the parse: cut (the byte-level
record cutter every worker runs over the whole file), parse, to_row, tag, details, citations;
enrich+prepare record by record, and by batch (`prepare_batch`, each stage over 200 records,
as the import workers run it); transfer (pickling a worker's batches and unpickling them in the
parent); save (the parent alone: `save_records` of the prepared items into a new catalog).
`--profile STAGE` prints the top of a cProfile for one stage.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pickle
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from import_bench import write_corpus  # noqa: E402

from harvest.catalog.db import open_db  # noqa: E402
from harvest.catalog.jobs import make_enricher  # noqa: E402
from harvest.catalog.rows import prepare, prepare_batch  # noqa: E402
from harvest.catalog.runs import start_run, utc_now  # noqa: E402
from harvest.catalog.store import Run, save_records  # noqa: E402
from harvest.catalog.workers import BATCH  # noqa: E402
from harvest.citing.styles import citations  # noqa: E402
from harvest.pubmed.sources import read_units, realise  # noqa: E402
from harvest.record import to_row  # noqa: E402
from harvest.tagging.details import extract_details, load_details  # noqa: E402
from harvest.tagging.tag import tag_record  # noqa: E402
from harvest.tagging.taxonomy import load_taxonomy  # noqa: E402


def parse_all(path: Path) -> list[dict]:
    """Every record of the file, parsed."""
    return [item for unit in read_units([path]) for item in realise(unit)]


def batches(items: list, size: int = BATCH) -> list[list]:
    """Items in worker-sized batches."""
    return [items[start : start + size] for start in range(0, len(items), size)]


def save_all(prepared: list, folder: Path) -> None:
    """What the parent does with prepared items: save them into a new catalog."""
    db = open_db(folder / "stage.db")
    save_records(db, prepared, run=Run(start_run(db, "import", "bench", None), utc_now(), None))
    db.conn.close()


def over(function, items) -> None:
    """Call `function` on each item, keeping no result (as a worker keeps only one batch)."""
    for item in items:
        function(item)


def cpu_ms(function, count: int) -> float:
    """CPU milliseconds per record of one call of `function` over `count` records."""
    start = time.process_time()
    function()
    return (time.process_time() - start) * 1000 / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=3000)
    parser.add_argument("--corpus", type=Path, help="a PubMed XML file instead of generated")
    parser.add_argument("--profile", help="stage to profile (tag, details, enrich+prepare, ...)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="stage-bench-"))
    corpus = args.corpus
    if corpus is None:
        corpus = folder / "corpus.xml"
        write_corpus(corpus, args.records, compress=False, refs=True)
    units = list(read_units([corpus]))
    records = [r for r in (i for u in units for i in realise(u)) if isinstance(r, dict)]
    count = len(records)
    taxonomy = load_taxonomy(ROOT / "config" / "taxonomy.yml")
    details = load_details(ROOT / "config" / "details.yml")
    enrich = make_enricher(taxonomy, details)
    tags = [tag_record(r, taxonomy) for r in records]  # warm, and the inputs details gets
    prepared = [p for batch in batches(records) for p in prepare_batch(batch, enrich)]
    each = {
        "to_row": lambda i, r: to_row(r),
        "tag": lambda i, r: tag_record(r, taxonomy),
        "details": lambda i, r: extract_details(
            r, details, design=tags[i].design, conditions=tags[i].conditions
        ),
        "citations": lambda i, r: citations(r),
        "enrich+prepare": lambda i, r: prepare(r, enrich),
    }
    stages = {
        "cut": lambda: over(len, read_units([corpus])),
        "parse": lambda: over(realise, units),
        **{
            name: lambda stage=stage: over(lambda p: stage(*p), enumerate(records))
            for name, stage in each.items()
        },
        "prepare_batch": lambda: over(lambda b: prepare_batch(b, enrich), batches(records)),
        "transfer": lambda: over(lambda b: pickle.loads(pickle.dumps(b, -1)), batches(prepared)),
        "save": lambda: save_all(prepared, Path(tempfile.mkdtemp(dir=folder))),
    }
    results = {name: cpu_ms(stage, count) for name, stage in stages.items()}
    print(f"records: {count} from {corpus}")
    print(f"{'stage':<16}{'CPU ms/record':>14}{'x parse':>9}")
    for name, ms in results.items():
        print(f"{name:<16}{ms:>14.3f}{ms / results['parse']:>9.2f}")
    worker = 2 * results["cut"] + results["parse"] + results["prepare_batch"]
    parent = results["transfer"] + results["save"]
    print(
        f"import CPU per record: workers {worker:.3f} (cut twice, parse, prepare_batch), "
        f"parent {parent:.3f} (transfer, save), total {worker + parent:.3f}"
    )
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        stages[args.profile]()
        profile.disable()
        pstats.Stats(profile).sort_stats(os.environ.get("SORT", "tottime")).print_stats(
            int(os.environ.get("TOP", "20"))
        )


if __name__ == "__main__":
    main()
