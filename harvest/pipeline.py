"""`harvest import` on every core: worker processes parse, tag and write batches in file order.

Each worker reads the same files, cuts them into cheap units (raw XML records) and takes every
n-th batch of units. It parses and tags its batch while another worker writes, then waits for
its turn and writes the batch in one transaction, so batches reach the catalog in file order
(a later copy of a PMID replaces an earlier one, as in PubMed's update files).
"""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
import signal
from collections.abc import Callable
from pathlib import Path

from .db import connect
from .errors import HarvestError
from .save import FLAGS, Enricher, Saver, Stats
from .sources import read_units, realise

BATCH = 500


def worker_count() -> int:
    """Two workers on a machine with two or more cores, else one."""
    return 2 if (os.cpu_count() or 1) >= 2 else 1


class _Orphaned(Exception):
    """The parent process is gone (killed): stop without writing more."""


class _Turns:
    """Whose batch may be written next, shared by the workers."""

    def __init__(self, context):
        self.next = context.Value("q", 0, lock=False)
        self.changed = context.Condition()

    def wait_for(self, number: int, parent: int) -> None:
        with self.changed:
            while self.next.value != number:
                self.changed.wait(timeout=0.5)
                if os.getppid() != parent:
                    raise _Orphaned

    def done(self, number: int) -> None:
        with self.changed:
            self.next.value = number + 1
            self.changed.notify_all()


def _work(job: dict, share: tuple[int, int], turns: _Turns, report, parent: int) -> None:
    # The parent handles Ctrl-C and SIGTERM (recording the run) and then stops its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    mine, workers = share
    try:
        enrich, ready = job["enrich"], {}

        def enriched(record: dict) -> tuple[dict, list]:
            found = ready.pop(record["pmid"], None)
            return found if found is not None else enrich(record)

        saver = Saver(
            connect(job["db_path"]), enriched, job["run_id"], job["now"], source=job["source"]
        )

        def write(number: int, batch: list) -> None:
            # Tag and cite before taking the turn, so that this runs while the other writes.
            ready.clear()
            ready.update((r["pmid"], enrich(r)) for r in batch if isinstance(r, dict))
            turns.wait_for(number, parent)
            saver.save_batch(batch)
            turns.done(number)
            report.put(("progress", len(batch)))

        batch, current = [], 0
        for index, unit in enumerate(read_units(job["paths"])):
            number = index // BATCH
            if number != current:
                if current % workers == mine:
                    write(current, batch)
                batch, current = [], number
            if number % workers == mine:
                batch.extend(realise(unit))
        if current % workers == mine:
            write(current, batch)
        report.put(("done", _summary(saver.stats)))
    except _Orphaned:
        return
    except HarvestError as exc:
        report.put(("error", (type(exc), str(exc))))
    except BaseException as exc:  # a bug: report it to the parent instead of dying silently
        report.put(("crash", f"{type(exc).__name__}: {exc}"))


def _summary(stats: Stats) -> dict:
    flagged = [change for change in stats.changes if change[1] in FLAGS]
    return {
        "new": stats.new,
        "updated": stats.updated,
        "unchanged": stats.unchanged,
        "failed": stats.failed,
        "deleted": stats.deleted,
        "changes": flagged,
    }


def import_in_workers(
    db_path: Path,
    paths: list[Path],
    enrich: Enricher,
    run_id: int,
    now: str,
    stats: Stats,
    progress: Callable[[int], None] = lambda n: None,
    workers: int | None = None,
) -> None:
    """Import `paths` into the catalog at `db_path` with worker processes; fills `stats`."""
    workers = workers or worker_count()
    context = multiprocessing.get_context("fork")
    turns, report = _Turns(context), context.Queue()
    job = {
        "db_path": db_path,
        "paths": paths,
        "enrich": enrich,
        "run_id": run_id,
        "now": now,
        "source": ", ".join(map(str, paths)),
    }
    processes = [
        context.Process(
            target=_work,
            args=(job, (k, workers), turns, report, os.getpid()),
            name=f"harvest-import-{k}",
            daemon=True,
        )
        for k in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        finished = 0
        while finished < workers:
            try:
                kind, payload = report.get(timeout=1.0)
            except queue_module.Empty:
                if not any(p.is_alive() for p in processes):
                    raise HarvestError("the import workers stopped unexpectedly") from None
                continue
            if kind == "progress":
                progress(payload)
            elif kind == "done":
                finished += 1
                for key in ("new", "updated", "unchanged", "failed", "deleted"):
                    setattr(stats, key, getattr(stats, key) + payload[key])
                stats.changes.extend(payload["changes"])
            elif kind == "error":
                error_type, message = payload
                raise error_type(message)
            else:
                raise RuntimeError(f"import worker failed: {payload}")
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join(timeout=5)
        report.close()
