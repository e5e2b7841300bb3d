"""Run bookkeeping (table harvest_runs) and the one-writer-at-a-time lock."""

from __future__ import annotations

import fcntl
import os
import signal
import struct
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from harvest.errors import HarvestError, LockedError, Stopped


def utc_now() -> str:
    """Current UTC time as ISO 8601 with seconds."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def lock_path(db_path: str | Path) -> Path:
    """The lock file beside the catalog, by its resolved path: a symlinked --db shares it."""
    return Path(str(Path(db_path).resolve()) + ".lock")


# Lock files this process holds, by path. A POSIX lock is released when the process closes
# *any* descriptor of the file, so `lock_held` must not open one of a lock held here.
_HELD: dict[Path, object] = {}


@contextmanager
def catalog_lock(db_path: str | Path):
    """Hold an OS-level lock beside the catalog; released by the kernel if the process dies."""
    path = lock_path(db_path)
    if path in _HELD:
        raise LockedError(f"this process already holds the lock on {db_path}")
    try:
        handle = open(path, "a+")
    except OSError as exc:
        raise HarvestError(f"cannot write beside the catalog {db_path}: {exc.strerror}") from None
    try:
        # A POSIX record lock: released when the process dies, and not inherited by the
        # import's forked worker (a flock would be).
        fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise LockedError(
            f"a refresh is already running on {db_path} (pid {holder}); try again later"
        ) from None
    _HELD[path] = handle
    try:
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        del _HELD[path]
        handle.seek(0)
        handle.truncate()
        fcntl.lockf(handle, fcntl.LOCK_UN)
        handle.close()


INTERRUPTED = "interrupted: the process stopped before the run finished"
# struct flock on Linux: l_type, l_whence (short), l_start, l_len (off_t), l_pid (int), padding.
_FLOCK = "hhqqi4x"


def lock_held(db_path: str | Path) -> bool | None:
    """Whether a live process holds the catalog's lock (None when that cannot be told).

    Probes with F_GETLK on a read-only descriptor, which takes no lock; never opens a lock file
    this process holds (closing that descriptor would release the lock).
    """
    path = lock_path(db_path)
    if path in _HELD:
        return True
    if not path.exists():
        return False
    probe = struct.pack(_FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
    try:
        with open(path, "rb") as handle:
            answer = fcntl.fcntl(handle, fcntl.F_GETLK, probe)
    except OSError:  # e.g. a monitoring user who may not read the lock file
        return None
    return struct.unpack(_FLOCK, answer)[0] != fcntl.F_UNLCK


def close_abandoned_runs(db: sqlite_utils.Database) -> int:
    """Runs left 'running' by a killed process are failed: call only while holding the lock."""
    cursor = db.conn.execute(
        "update harvest_runs set status = 'failed', finished = coalesce(finished, ?), error = ? "
        "where status = 'running'",
        (utc_now(), INTERRUPTED),
    )
    return cursor.rowcount


def start_run(db: sqlite_utils.Database, mode: str, query: str, since: str | None = None) -> int:
    """Insert a harvest_runs row with status 'running' and return its id."""
    cursor = db.conn.execute(
        "insert into harvest_runs (started, mode, query, since, status, pid, found, new, "
        "updated, unchanged, failed, deleted, requests) "
        "values (?, ?, ?, ?, 'running', ?, 0, 0, 0, 0, 0, 0, 0)",
        (utc_now(), mode, query, since, os.getpid()),
    )
    return cursor.lastrowid


def finish_run(
    db: sqlite_utils.Database, run_id: int, status: str, counts: dict, error: str | None = None
) -> None:
    """Close a run as 'ok' or 'failed' with its counts."""
    columns = ["found", "new", "updated", "unchanged", "failed", "deleted", "requests"]
    values = [counts.get(c, 0) for c in columns]
    assignments = ", ".join(f"[{c}] = ?" for c in columns)
    # A signal arriving now waits until the row is written (its handler runs afterwards).
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        db.conn.execute(
            f"update harvest_runs set finished = ?, status = ?, error = ?, {assignments} "
            "where id = ?",
            (utc_now(), status, error, *values, run_id),
        )
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def record_failed_run(db: sqlite_utils.Database, mode: str, query: str, error: str) -> int:
    """A run that failed before it could start (e.g. bad configuration), so status sees it."""
    close_abandoned_runs(db)
    run_id = start_run(db, mode, query)
    finish_run(db, run_id, "failed", {}, error)
    return run_id


class StopRequest:
    """Set by a signal handler; jobs call `check()` between batches and stop there."""

    def __init__(self) -> None:
        self.reason: str | None = None

    def request(self, reason: str) -> None:
        """Ask the running job to stop at the next batch boundary."""
        self.reason = reason

    def check(self) -> None:
        """Raise `Stopped` if a stop was requested."""
        if self.reason:
            raise Stopped(f"{self.reason} before the run finished")


def last_success(db: sqlite_utils.Database, modes: tuple[str, ...] = ("full", "incremental")):
    """The most recent successful refresh, as a dict, or None."""
    marks = ",".join("?" * len(modes))
    rows = list(
        db.query(
            f"select * from harvest_runs where status = 'ok' and mode in ({marks}) "
            "order by id desc limit 1",
            modes,
        )
    )
    return rows[0] if rows else None
