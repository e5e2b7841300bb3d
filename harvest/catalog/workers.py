"""Parse and tag in worker processes while the main process writes: every core for `import`.

Each worker reads the same files, cuts them into cheap units (raw XML records) and takes every
n-th batch of units; the main process takes the batches back in file order and saves them.
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import queue as queue_module
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from harvest.catalog.rows import Enricher, prepare_batch
from harvest.errors import HarvestError
from harvest.pubmed.sources import read_units, realise

# Records per batch. Small batches keep the two workers' shares even to the last records (the
# worker that finishes first then idles for at most one batch) and cost nothing: the stages
# keep their automata in the CPU cache over 50 records as over 200.
BATCH = 50
DEPTH = 16  # batches in flight per worker: bounds memory whatever the file size


def worker_count() -> int:
    """Two workers on a machine with two or more cores, else one."""
    return 2 if (os.cpu_count() or 1) >= 2 else 1


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent: int) -> None:
    """Make this worker die when its parent does, even by kill -9.

    On Linux the kernel sends SIGKILL (PR_SET_PDEATHSIG); everywhere a thread also watches the
    parent's pid and exits when it changes.
    """
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="harvest-parent-watch", daemon=True).start()


def _put(queue, message, parent: int) -> bool:
    """Put, giving up when the parent process has gone (killed): never linger as an orphan."""
    while True:
        try:
            queue.put(message, timeout=0.5)
            return True
        except queue_module.Full:
            if os.getppid() != parent:
                return False


def _batch(units: list, enrich: Enricher) -> tuple[str, list]:
    """One batch's message: its units parsed, then prepared stage by stage."""
    return "items", prepare_batch([item for unit in units for item in realise(unit)], enrich)


def _work(paths: list[Path], enrich: Enricher, share: tuple[int, int], queue, parent: int):
    mine, workers = share
    # The parent handles Ctrl-C and SIGTERM (recording the run) and then stops its workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(parent)
    try:
        units, current = [], 0
        for index, unit in enumerate(read_units(paths)):
            number = index // BATCH
            if number != current:
                if current % workers == mine and not _put(queue, _batch(units, enrich), parent):
                    return
                units, current = [], number
            if number % workers == mine:
                units.append(unit)
        if current % workers == mine:
            _put(queue, _batch(units, enrich), parent)
        _put(queue, ("done", None), parent)
    except HarvestError as exc:
        _put(queue, ("error", (type(exc), str(exc))), parent)
    except BaseException as exc:  # a bug: report it to the parent instead of dying silently
        _put(queue, ("crash", f"{type(exc).__name__}: {exc}"), parent)


def _get(queue, worker) -> tuple:
    while True:
        try:
            return queue.get(timeout=1.0)
        except queue_module.Empty:
            if not worker.is_alive():
                raise HarvestError(
                    f"a parsing worker stopped unexpectedly (exit code {worker.exitcode})"
                ) from None


def prepared_items(paths: list[Path], enrich: Enricher, workers: int | None = None) -> Iterator:
    """Yield `prepare(item)` for every item of the files, in file order, computed by workers."""
    workers = workers or worker_count()
    context = multiprocessing.get_context("fork")
    queues = [context.Queue(maxsize=DEPTH) for _ in range(workers)]
    processes = [
        context.Process(
            target=_work,
            args=(paths, enrich, (k, workers), queues[k], os.getpid()),
            name=f"harvest-parse-{k}",
            daemon=True,
        )
        for k in range(workers)
    ]
    # Every object alive now (rules, automata, modules) lives as long as the run: frozen, the
    # garbage collector no longer walks them at each full collection, here or in the workers
    # (about 0.05 ms a record).
    gc.freeze()
    for process in processes:
        process.start()
    try:
        number = 0
        while True:
            k = number % workers
            kind, payload = _get(queues[k], processes[k])
            if kind == "items":
                yield from payload
                number += 1
            elif kind == "done":
                return
            elif kind == "error":
                error_type, message = payload
                raise error_type(message)
            else:
                raise RuntimeError(f"parsing worker failed: {payload}")
    finally:
        gc.unfreeze()
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join(timeout=5)
        for queue in queues:
            queue.close()
