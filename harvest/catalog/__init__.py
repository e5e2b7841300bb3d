"""The catalog: SQLite schema, saving records, runs and the lock, status, and the jobs."""

from harvest.catalog.db import ensure_schema, open_db
from harvest.catalog.jobs import import_files, refresh, retag
from harvest.catalog.runs import catalog_lock
from harvest.catalog.status import status_report
from harvest.catalog.store import Run, Stats, save_records

__all__ = [
    "Run",
    "Stats",
    "catalog_lock",
    "ensure_schema",
    "import_files",
    "open_db",
    "refresh",
    "retag",
    "save_records",
    "status_report",
]
