"""Parse and tag in a worker process while the main process writes: two cores for `import`."""

from __future__ import annotations

import multiprocessing
import os
import queue as queue_module
from collections.abc import Callable, Iterable, Iterator

from .errors import HarvestError
from .save import Enricher, prepare

BATCH = 200
DEPTH = 6  # batches in flight: bounds memory whatever the file size


def _put(queue, message, parent: int) -> bool:
    """Put, giving up when the parent process has gone (killed): never linger as an orphan."""
    while True:
        try:
            queue.put(message, timeout=0.5)
            return True
        except queue_module.Full:
            if os.getppid() != parent:
                return False


def _work(source: Callable[[], Iterable], enrich: Enricher, queue, parent: int) -> None:
    try:
        batch = []
        for item in source():
            batch.append(prepare(item, enrich))
            if len(batch) >= BATCH:
                if not _put(queue, ("items", batch), parent):
                    return
                batch = []
        _put(queue, ("items", batch), parent)
        _put(queue, ("done", None), parent)
    except HarvestError as exc:
        _put(queue, ("error", (type(exc), str(exc))), parent)
    except BaseException as exc:  # a bug: report it to the parent instead of dying silently
        _put(queue, ("crash", f"{type(exc).__name__}: {exc}"), parent)


def prepared_items(source: Callable[[], Iterable], enrich: Enricher) -> Iterator:
    """Yield `prepare(item)` for every item of `source()`, computed in a forked worker."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue(maxsize=DEPTH)
    worker = context.Process(
        target=_work, args=(source, enrich, queue, os.getpid()), name="harvest-parse", daemon=True
    )
    worker.start()
    try:
        while True:
            try:
                kind, payload = queue.get(timeout=1.0)
            except queue_module.Empty:
                if not worker.is_alive():
                    raise HarvestError(
                        f"the parsing worker stopped unexpectedly (exit code {worker.exitcode})"
                    ) from None
                continue
            if kind == "items":
                yield from payload
            elif kind == "done":
                return
            elif kind == "error":
                error_type, message = payload
                raise error_type(message)
            else:
                raise RuntimeError(f"parsing worker failed: {payload}")
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join(timeout=5)
        queue.close()
