"""Build and run Datasette on the catalog, read-only, with metadata.yml and the catalog plugin."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import uvicorn
from datasette.app import Datasette
from datasette.database import Database
from datasette.plugins import pm
from datasette.utils import parse_metadata

from harvest.config import default_config_dir
from harvest.errors import HarvestError
from harvest.publish import plugin
from harvest.tagging.taxonomy import load_taxonomy

DATABASE_NAME = "catalog"
PACKAGE_DIR = Path(__file__).resolve().parent
METADATA_PATH = PACKAGE_DIR.parent.parent / "metadata.yml"

# Limits for a staff tool; nothing here lets a request write.
SETTINGS: dict[str, Any] = {
    "sql_time_limit_ms": 3000,
    "max_returned_rows": 5000,
    "default_page_size": 50,
    "facet_time_limit_ms": 1000,
    "facet_suggest_time_limit_ms": 200,
    "suggest_facets": False,
    "allow_download": False,
    "truncate_cells_html": 300,
    "num_sql_threads": 3,
}


class ReadOnlyDatabase(Database):
    """A mutable (re-read on every query) database whose connections can never write."""

    def connect(self, write: bool = False) -> sqlite3.Connection:
        """A `mode=ro` connection with query_only set; asking for a write connection fails."""
        if write:
            raise HarvestError(f"the catalog {self.path} is served read-only")
        conn = super().connect(write=False)
        conn.execute("PRAGMA query_only = 1")
        return conn


def load_metadata(path: Path | str | None = None) -> dict:
    """Parse metadata.yml (the project's own by default)."""
    path = Path(path) if path else METADATA_PATH
    if not path.is_file():
        raise HarvestError(f"no Datasette metadata at {path}")
    return parse_metadata(path.read_text(encoding="utf-8"))


def tag_labels(taxonomy_path: Path | str | None = None) -> dict:
    """{facet: {slug: [label, description]}} from taxonomy.yml; {} when there is none."""
    path = Path(taxonomy_path) if taxonomy_path else default_config_dir() / "taxonomy.yml"
    if not path.is_file():
        return {}
    facets = load_taxonomy(path).facets
    return {
        name: {tag.slug: [tag.label, tag.description] for tag in facet.tags}
        for name, facet in facets.items()
    }


def check_catalog(db_path: Path) -> None:
    """Fail early, read-only, if db_path is not a SQLite catalog with a studies table."""
    try:
        conn = sqlite3.connect(f"{db_path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            found = conn.execute("select 1 from sqlite_master where name = 'studies'").fetchall()
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise HarvestError(f"{db_path} is not a readable SQLite catalog: {e}") from e
    if not found:
        raise HarvestError(f"{db_path} has no studies table: run `harvest refresh` first")


def make_datasette(
    db_path: Path | str,
    metadata_path: Path | str | None = None,
    settings: dict[str, Any] | None = None,
    taxonomy_path: Path | str | None = None,
) -> Datasette:
    """A Datasette serving db_path read-only as database `catalog`, with the catalog plugin."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise HarvestError(f"no catalog at {db_path}: run `harvest refresh` first")
    check_catalog(db_path)
    if not pm.is_registered(plugin):
        pm.register(plugin, name="evidence_catalog")
    metadata = load_metadata(metadata_path)
    metadata.setdefault("plugins", {})[plugin.PLUGIN_NAME] = {"tags": tag_labels(taxonomy_path)}
    ds = Datasette(
        [],
        metadata=metadata,
        settings={**SETTINGS, **(settings or {})},
        template_dir=str(PACKAGE_DIR / "templates"),
        static_mounts=[(plugin.STATIC_MOUNT, str(PACKAGE_DIR / "static"))],
    )
    ds.remove_database("_memory")
    ds.add_database(ReadOnlyDatabase(ds, path=str(db_path.resolve())), name=DATABASE_NAME)
    return ds


def serve(
    db_path: Path | str,
    host: str = "127.0.0.1",
    port: int = 8001,
    metadata_path: Path | str | None = None,
) -> None:
    """Serve the catalog until interrupted (blocks)."""

    ds = make_datasette(db_path, metadata_path)
    uvicorn.run(ds.app(), host=host, port=port, log_level="info", lifespan="on", workers=1)
