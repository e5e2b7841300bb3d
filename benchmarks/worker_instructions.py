"""Instructions a record costs an import worker, counted by valgrind: a measure machine load
does not move (wall and CPU times here drift by a third over an hour).

    python benchmarks/worker_instructions.py [--records 300] [--parse-only]

Generates records with import_bench's generator (fixed seed), then runs, under
`valgrind --tool=cachegrind`, what an import worker does (cut, parse, `prepare_batch` in batches
of 50: tags, study details, citations, rows) once over no records and once over N, and prints
the difference per record, and the set-up (interpreter, imports, rules) apart. Needs valgrind.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def run_worker(corpus: Path, n: int, parse_only: bool) -> None:
    """The worker's stages over the first n records of corpus."""
    from harvest.catalog.jobs import make_enricher
    from harvest.catalog.rows import prepare_batch
    from harvest.catalog.workers import BATCH
    from harvest.pubmed.sources import read_units, realise
    from harvest.tagging.details import load_details
    from harvest.tagging.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(ROOT / "config" / "taxonomy.yml")
    enrich = make_enricher(taxonomy, load_details(ROOT / "config" / "details.yml", taxonomy))
    units = []
    for unit in read_units([corpus]):
        if len(units) >= n:
            break
        units.append(unit)
    for start in range(0, len(units), BATCH):
        items = [item for unit in units[start : start + BATCH] for item in realise(unit)]
        if not parse_only:
            prepare_batch(items, enrich)


def instructions(corpus: Path, n: int, parse_only: bool) -> int:
    """Instructions valgrind counts for run_worker over n records."""
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
               sys.executable, __file__, "--inner", str(n), "--corpus", str(corpus)]  # fmt: skip
    if parse_only:
        command.append("--parse-only")
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
    if not found:
        raise SystemExit(f"no instruction count in valgrind's output:\n{done.stderr[-500:]}")
    return int(found.group(1).replace(",", ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=300)
    parser.add_argument("--parse-only", action="store_true", help="cut and parse only")
    parser.add_argument("--inner", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner is not None:
        run_worker(args.corpus, args.inner, args.parse_only)
        return
    if not shutil.which("valgrind"):
        raise SystemExit("Error: valgrind is not installed (apt-get install valgrind)")
    from import_bench import write_corpus

    with tempfile.TemporaryDirectory(prefix="worker-instructions-") as folder:
        corpus = Path(folder) / "corpus.xml"
        write_corpus(corpus, args.records)
        setup = instructions(corpus, 0, args.parse_only)
        total = instructions(corpus, args.records, args.parse_only)
    what = "cut and parse" if args.parse_only else "worker (cut, parse, prepare_batch)"
    print(f"set-up: {setup / 1e6:,.0f}M instructions")
    print(f"{what}: {(total - setup) / args.records / 1e3:,.0f}k instructions a record "
          f"({args.records} records)")  # fmt: skip


if __name__ == "__main__":
    main()
