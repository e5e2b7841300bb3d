"""Run bookkeeping (table harvest_runs) and the one-writer-at-a-time lock."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from harvest.errors import LockedError


def utc_now() -> str:
    """Current UTC time as ISO 8601 with seconds."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@contextmanager
def catalog_lock(db_path: str | Path):
    """Hold an OS-level lock beside the catalog; released by the kernel if the process dies."""
    lock_path = Path(str(db_path) + ".lock")
    handle = open(lock_path, "a+")
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
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    try:
        yield
    finally:
        handle.seek(0)
        handle.truncate()
        fcntl.lockf(handle, fcntl.LOCK_UN)
        handle.close()


INTERRUPTED = "interrupted: the process stopped before the run finished"


def lock_held(db_path: str | Path) -> bool | None:
    """Whether a live process holds the catalog's lock (None when that cannot be told)."""
    lock_path = Path(str(db_path) + ".lock")
    if not lock_path.exists():
        return False
    try:
        with open(lock_path, "r+") as handle:
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return True
            fcntl.lockf(handle, fcntl.LOCK_UN)
            return False
    except OSError:  # e.g. a monitoring user who may not open the lock file for writing
        return None


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
    db.conn.execute(
        f"update harvest_runs set finished = ?, status = ?, error = ?, {assignments} where id = ?",
        (utc_now(), status, error, *values, run_id),
    )


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
