"""Dated, immutable copies of the catalog (`harvest snapshot DIR`), recorded in `snapshots`.

A snapshot is taken with SQLite's online backup API in one step, so it is one consistent read
of the catalog even while a refresh writes (WAL: the refresh is not blocked). The copy is
written beside its final name, switched to a single-file journal (no -wal beside it, so it can
be served with `datasette -i` or `harvest serve --immutable`), checked with
`PRAGMA integrity_check`, fingerprinted (sha256) and only then renamed into place: a file named
`catalog-YYYY-MM-DD.db` is always complete. One snapshot a day: an existing one is kept unless
`force` is given, which replaces it.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from harvest.catalog.runs import utc_now
from harvest.errors import HarvestError

PREFIX = "catalog-"


@dataclass(frozen=True)
class Snapshot:
    """One snapshot file as recorded in the live catalog's `snapshots` table."""

    file: str
    path: str
    date: str
    taken: str
    studies: int
    sha256: str
    bytes: int
    data_as_of: str | None

    def summary(self) -> str:
        """One line for the CLI."""
        return (
            f"snapshot {self.path}: {self.studies:,} studies, {self.bytes / 1e6:.1f} MB, "
            f"sha256 {self.sha256[:12]}…, integrity ok"
        )


def snapshot_name(day: str) -> str:
    """The file name of the snapshot of a day (YYYY-MM-DD)."""
    return f"{PREFIX}{day}.db"


def save_snapshot(
    db: sqlite_utils.Database, folder: str | Path, force: bool = False, day: str | None = None
) -> Snapshot:
    """Copy the catalog behind db into folder/catalog-DAY.db (today, UTC), check and record it."""
    folder = Path(folder)
    day = day or datetime.now(timezone.utc).strftime("%Y-%m-%d")
    target = folder / snapshot_name(day)
    if target.exists() and not force:
        raise HarvestError(
            f"{target} already exists: today's snapshot is taken (use --force to replace it)"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HarvestError(f"cannot create {folder}: {exc.strerror}") from None
    partial = folder / f".{target.name}.partial"
    partial.unlink(missing_ok=True)
    try:
        studies, data_as_of = _copy(db.conn, partial)
        digest, size = _fingerprint(partial)
        os.replace(partial, target)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise HarvestError(f"cannot write the snapshot {target}: {exc.strerror or exc}") from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    snap = Snapshot(
        file=target.name,
        path=str(target.resolve()),
        date=day,
        taken=utc_now(),
        studies=studies,
        sha256=digest,
        bytes=size,
        data_as_of=data_as_of,
    )
    save_snapshot_record(db, snap)
    return snap


def _copy(source: sqlite3.Connection, partial: Path) -> tuple[int, str | None]:
    """Back up source into partial in one step; (studies, last successful refresh) of the copy."""
    target = sqlite3.connect(str(partial), isolation_level=None)
    try:
        source.backup(target)  # pages=-1: one step, one read transaction, one consistent copy
        target.execute("pragma journal_mode = delete")
        problems = [row[0] for row in target.execute("pragma integrity_check")]
        if problems != ["ok"]:
            raise HarvestError(f"snapshot failed its integrity check: {'; '.join(problems[:5])}")
        studies = target.execute("select count(*) from studies").fetchone()[0]
        row = target.execute(
            "select max(finished) from harvest_runs where status = 'success'"
        ).fetchone()
        return studies, row[0] if row else None
    except sqlite3.DatabaseError as exc:
        raise HarvestError(f"cannot copy the catalog: {exc}") from None
    finally:
        target.close()


def _fingerprint(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    with open(path, "rb") as fp:
        for block in iter(lambda: fp.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest(), path.stat().st_size


def save_snapshot_record(db: sqlite_utils.Database, snap: Snapshot) -> None:
    """Record (or, for a replaced file, re-record) a snapshot in the live catalog."""
    conn = db.conn
    conn.execute("begin immediate")
    try:
        conn.execute("delete from snapshots where file = ?", (snap.file,))
        conn.execute(
            "insert into snapshots (file, path, date, taken, studies, sha256, bytes, data_as_of) "
            "values (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                snap.file,
                snap.path,
                snap.date,
                snap.taken,
                snap.studies,
                snap.sha256,
                snap.bytes,
                snap.data_as_of,
            ),
        )
    except BaseException:
        conn.execute("rollback")
        raise
    conn.execute("commit")


def latest_snapshot(db: sqlite_utils.Database) -> Snapshot | None:
    """The newest recorded snapshot (e.g. for the ledger: what a page was checked against)."""
    if not db["snapshots"].exists():
        return None
    row = db.conn.execute(
        "select file, path, date, taken, studies, sha256, bytes, data_as_of from snapshots "
        "order by date desc, taken desc, id desc limit 1"
    ).fetchone()
    return Snapshot(*row) if row else None
