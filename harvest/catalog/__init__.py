"""The catalog: SQLite schema, saving records, runs and the lock, status, and the jobs."""

from harvest.catalog.db import ensure_schema, open_db
from harvest.catalog.jobs import import_files, refresh, retag
from harvest.catalog.runs import catalog_lock
from harvest.catalog.status import status_report

__all__ = [
    "catalog_lock",
    "ensure_schema",
    "import_files",
    "open_db",
    "refresh",
    "retag",
    "status_report",
]
