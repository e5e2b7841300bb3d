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

from harvest.catalog.db import read_only_connection
from harvest.config import default_config_dir
from harvest.errors import HarvestError
from harvest.publish import export_routes, plugin, trial_pages, warmup
from harvest.publish.facets import cached_execute
from harvest.publish.plans import plan_sql
from harvest.tagging.taxonomy import load_taxonomy

DATABASE_NAME = export_routes.DATABASE_NAME
PACKAGE_DIR = Path(__file__).resolve().parent
METADATA_PATH = PACKAGE_DIR.parent.parent / "metadata.yml"

# Limits for a staff tool; nothing here lets a request write. One page renders at most
# max_returned_rows rows of cells cut at truncate_cells_html characters (the plugin cuts its own
# cells too), so one heavy ad-hoc query cannot hold the event loop for long; complete exports
# stream past this limit (export_routes.py).
SETTINGS: dict[str, Any] = {
    "sql_time_limit_ms": 3000,
    "max_returned_rows": 200,
    "default_page_size": 50,
    "facet_time_limit_ms": 1000,
    "facet_suggest_time_limit_ms": 200,
    "suggest_facets": False,
    "allow_download": False,
    "truncate_cells_html": 300,
    "num_sql_threads": 3,
}


class ReadOnlyDatabase(Database):
    """The catalog, whose connections can never write: mutable (re-read on every query) for the
    live catalog, immutable for a snapshot (`harvest serve --immutable`)."""

    def connect(self, write: bool = False) -> sqlite3.Connection:
        """A `mode=ro` connection with query_only set; asking for a write connection fails."""
        if write:
            raise HarvestError(f"the catalog {self.path} is served read-only")
        conn = super().connect(write=False)
        conn.execute("PRAGMA query_only = 1")
        return conn

    async def execute(self, sql: str, params: Any = None, truncate: bool = False, **kwargs: Any):
        """As Datasette's, but tag filters read study_tags (plans.py) and a result (a count, a
        page's summary) is kept until the catalog changes (facets.py). Truncated queries (table
        rows, ad-hoc SQL) always run."""
        sql = plan_sql(sql)
        if not truncate:
            return await cached_execute(self, sql, params, kwargs.get("custom_time_limit") or 0)
        return await super().execute(sql, params, truncate, **kwargs)


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


def facet_titles(taxonomy_path: Path | str | None = None) -> dict:
    """{facet: label} from taxonomy.yml, titles for the tag facets; {} when there is none."""
    path = Path(taxonomy_path) if taxonomy_path else default_config_dir() / "taxonomy.yml"
    if not path.is_file():
        return {}
    return {name: facet.label for name, facet in load_taxonomy(path).facets.items()}


def check_catalog(db_path: Path) -> None:
    """Fail early, read-only, if db_path is not a SQLite catalog with a studies table."""
    try:
        conn = read_only_connection(db_path)
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
    immutable: bool = False,
    warm: bool = False,
) -> Datasette:
    """A Datasette serving db_path read-only as database `catalog`, with the catalog plugin;
    `immutable` for a snapshot that never changes (Datasette's `-i`); `warm` renders the staff
    pages ahead of their first reader, at start-up and after each change (warmup.py)."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise HarvestError(f"no catalog at {db_path}: run `harvest refresh` first")
    check_catalog(db_path)
    if not pm.is_registered(plugin):
        pm.register(plugin, name="evidence_catalog")
    if not pm.is_registered(export_routes):
        pm.register(export_routes, name="evidence_catalog_exports")
    if not pm.is_registered(trial_pages):
        pm.register(trial_pages, name="evidence_catalog_trials")
    metadata = load_metadata(metadata_path)
    # Merge into a plugins.evidence-catalog block metadata.yml may already have; never replace it.
    block = metadata.setdefault("plugins", {}).setdefault(plugin.PLUGIN_NAME, {})
    block["tags"] = {**tag_labels(taxonomy_path), **(block.get("tags") or {})}
    metadata["plugins"][plugin.PLUGIN_NAME]["facet_labels"] = facet_titles(taxonomy_path)
    ds = Datasette(
        [],
        metadata=metadata,
        settings={**SETTINGS, **(settings or {})},
        template_dir=str(PACKAGE_DIR / "templates"),
        static_mounts=[(plugin.STATIC_MOUNT, str(PACKAGE_DIR / "static"))],
    )
    ds.remove_database("_memory")
    catalog = ReadOnlyDatabase(ds, path=str(db_path.resolve()), is_mutable=not immutable)
    ds.add_database(catalog, name=DATABASE_NAME)
    if warm:
        warmup.enable_warmup(ds)
    return ds


def publish_metadata(db_path: Path | str, metadata_path: Path | str | None = None) -> dict:
    """The metadata `harvest serve` uses (metadata.yml and the plugin's taxonomy labels), for
    serving or publishing a snapshot with plain Datasette (`datasette -i DB -m metadata.json`)."""
    return make_datasette(db_path, metadata_path).metadata()


def serve(
    db_path: Path | str,
    host: str = "127.0.0.1",
    port: int = 8001,
    metadata_path: Path | str | None = None,
    immutable: bool = False,
) -> None:
    """Serve the catalog until interrupted (blocks); `immutable` for a snapshot."""

    ds = make_datasette(db_path, metadata_path, immutable=immutable, warm=True)
    uvicorn.run(ds.app(), host=host, port=port, log_level="info", lifespan="on", workers=1)
