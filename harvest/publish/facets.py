"""Datasette facets for the catalog: exact tag counts from the indexed `study_tags` table, the
taxonomy's labels for titles and values, and results kept until the catalog changes.

`study_tags` holds one row per (study, facet, tag, source), indexed on (facet, tag, pmid), so a tag
facet counts `distinct pmid` from the index instead of unpacking every row's JSON array (about
0.9 s per facet at 50,000 studies). Results, and the table's row count (see `cached_execute`),
are kept per SQLite data version: any commit by another connection (a refresh) clears them.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from datasette.database import QueryInterrupted, Results
from datasette.facets import Facet
from datasette.utils import (
    escape_sqlite,
    path_with_added_args,
    path_with_removed_args,
    sqlite3,
    sqlite_timelimit,
)

from harvest.catalog.db import read_only_connection
from harvest.publish.evidence import LEVEL_NAMES
from harvest.publish.plans import plan_sql

PLUGIN_NAME = "evidence-catalog"
CACHE_ATTRIBUTE = "evidence_catalog_cache"
SETTINGS_ATTRIBUTE = "evidence_catalog_settings"
TAG_TABLE = "study_tags"
ORDERS = {"count": "count desc, value", "value": "value", "value_desc": "value desc"}
WHERE = re.compile(r"\bwhere\b", re.IGNORECASE)
# A result that depends on the clock or on chance may change without a commit: never kept.
VOLATILE = re.compile(
    r"\b(now|random|randomblob|current_date|current_time|current_timestamp|julianday|unixepoch)\b",
    re.IGNORECASE,
)
MAX_KEPT_ROWS = 1000  # bigger results (exports) are computed every time, not kept
# Titles for facets over columns the taxonomy does not describe.
COLUMN_TITLES = {"evidence_level": "Evidence level", "pub_year": "Year published"}


class ResultCache:
    """Query results kept until another connection commits to the database.

    `PRAGMA data_version` changes, on a given connection, whenever another connection has
    committed since that connection last asked. Every connection checks before reading the
    cache; a change it sees starts a new generation for all of them, and a result is stored
    only if no generation started while it was computed, so nothing older than the newest
    commit any reader has seen is ever served.
    """

    def __init__(self, size: int = 512, path: str | None = None) -> None:
        self.size = size
        self.path = path
        self._watch: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._generation = 0
        self._versions: dict[int, int] = {}
        self._entries: OrderedDict[tuple, Any] = OrderedDict()
        self._pending: dict[tuple, tuple[threading.Event, list]] = {}

    def generation(self, conn: sqlite3.Connection) -> int:
        """The current generation, after starting a new one if conn has seen a commit.

        With a path, one watching connection tells (a reader's new connection, whose first
        data_version says nothing, would otherwise clear every result).
        """
        if self.path:
            with self._lock:
                if self._watch is None:
                    self._watch = read_only_connection(self.path, check_same_thread=False)
                conn = self._watch
                version = conn.execute("pragma data_version").fetchone()[0]
        else:
            version = conn.execute("pragma data_version").fetchone()[0]
        with self._lock:
            if self._versions.get(id(conn)) != version:
                self._versions[id(conn)] = version
                self._generation += 1
                self._entries.clear()
            return self._generation

    def get(
        self,
        conn: sqlite3.Connection,
        key: tuple,
        compute: Callable[[], Any],
        keep: Callable[[Any], bool] = lambda value: True,
    ) -> Any:
        """The cached value for key, or compute() on conn's current data (kept if keep(value)).

        One thread computes a missing key while others asking for it wait and share its result
        (computed from data no older than their request's own start, give or take that one
        computation): after a refresh commits, twenty readers of a page cost one computation,
        and while a refresh keeps committing, at most one per key runs at a time.
        """
        generation = self.generation(conn)
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
            pending = self._pending.get(key)
            if pending is None:
                done, box = threading.Event(), []
                self._pending[key] = (done, box)
        if pending is not None:
            pending[0].wait(timeout=60)
            if pending[1]:
                return pending[1][0]
            return compute()  # the computation failed (e.g. timed out): try on our own
        try:
            value = compute()
            box.append(value)
            with self._lock:
                if self._generation == generation and keep(value):
                    self._entries[key] = value
                    while len(self._entries) > self.size:
                        self._entries.popitem(last=False)
        finally:
            with self._lock:
                del self._pending[key]
            done.set()
        return value


def cache_for(db: Any) -> ResultCache:
    """The result cache of one Datasette database (created on first use)."""
    cache = getattr(db, CACHE_ATTRIBUTE, None)
    if cache is None:
        cache = ResultCache(path=getattr(db, "path", None))
        setattr(db, CACHE_ATTRIBUTE, cache)
    return cache


def _params_key(params: Any) -> tuple:
    if isinstance(params, Mapping):
        return tuple(sorted((k, repr(v)) for k, v in params.items()))
    return tuple(repr(v) for v in params or ())


def cacheable(sql: str) -> bool:
    """True for SQL whose result only a commit can change (no clock, no randomness)."""
    return not VOLATILE.search(sql)


async def cached_execute(db: Any, sql: str, params: Any = None, time_limit_ms: int = 0) -> Results:
    """Run a read-only query on a Datasette database, answering from the cache when unchanged.

    Results of up to MAX_KEPT_ROWS rows are kept; SQL using the clock or randomness is run
    every time.
    """
    params = params if params is not None else {}
    sql = plan_sql(sql)  # facets call this directly: their filters read study_tags too
    limit = time_limit_ms or db.ds.setting("sql_time_limit_ms")

    def run(conn: sqlite3.Connection) -> Results:
        def compute() -> Results:
            with sqlite_timelimit(conn, limit):
                try:
                    cursor = conn.execute(sql, params)
                    return Results(cursor.fetchall(), False, cursor.description)
                except sqlite3.OperationalError as e:
                    if e.args == ("interrupted",):
                        raise QueryInterrupted(e, sql, params) from None
                    raise

        if not cacheable(sql):
            return compute()
        key = (sql, _params_key(params))
        return cache_for(db).get(conn, key, compute, lambda r: len(r.rows) <= MAX_KEPT_ROWS)

    return await db.execute_fn(run)


def plugin_settings(datasette: Any) -> dict:
    """This plugin's configuration (tag labels, facet titles), read once per Datasette instance.

    `Datasette.plugin_config` re-resolves the whole configuration on every call (0.3 ms with
    the taxonomy's labels): once per cell it cost a studies page 60 ms.
    """
    settings = getattr(datasette, SETTINGS_ATTRIBUTE, None)
    if settings is None:
        settings = datasette.plugin_config(PLUGIN_NAME) or {}
        setattr(datasette, SETTINGS_ATTRIBUTE, settings)
    return settings


class TagFacet(Facet):
    """`_facet_tags=COLUMN`: tag columns counted from study_tags, others grouped; with labels.

    Config (metadata.yml `facets:`): `- tags: conditions` or
    `- tags: {column: pub_year, sort: value_desc, label: Year published}`; sort is count
    (default), value or value_desc. A JSON-array column of the studies table that study_tags
    describes is counted from study_tags and filtered with `COLUMN__arraycontains=slug`; any
    other column is grouped like Datasette's column facet and filtered with `COLUMN=value`.
    """

    type = "tags"

    async def suggest(self) -> list:
        """Never suggests itself: the catalog's facets are configured in metadata.yml."""
        return []

    async def facet_results(self) -> tuple[list[dict], list[str]]:
        """([facet result], [timed-out columns]) for every `tags` facet configured or asked for."""
        results, timed_out = [], []
        db = self.ds.get_database(self.database)
        for source_and_config in self.get_configs():
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            try:
                results.append(await self._one(db, column, config, source_and_config["source"]))
            except QueryInterrupted:
                timed_out.append(column)
        return results, timed_out

    async def _one(self, db: Any, column: str, config: dict, source: str) -> dict:
        settings = plugin_settings(self.ds)
        labels = (settings.get("tags") or {}).get(column) or {}
        is_tags = await self._is_tag_column(db, column)
        size = self.get_facet_size()
        order = ORDERS.get(config.get("sort") or "count", ORDERS["count"])
        sql, params = (
            self._tag_sql(column, order, size) if is_tags else self._column_sql(column, order, size)
        )
        limit = self.ds.setting("facet_time_limit_ms")
        rows = (await cached_execute(db, sql, params, limit)).rows
        param = f"{column}__arraycontains" if is_tags else column
        if param.startswith("_"):
            param = f"{column}__exact"
        pairs = self.get_querystring_pairs()
        values = []
        for row in rows[:size]:
            value = row["value"]
            selected = (param, str(value)) in pairs
            if selected:
                path = path_with_removed_args(self.request, {param: str(value)})
            else:
                path = path_with_added_args(self.request, {param: value})
            values.append(
                {
                    "value": value,
                    "label": self._label(column, value, labels),
                    "count": row["count"],
                    "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(path)),
                    "selected": selected,
                }
            )
        title = (
            config.get("label")
            or (settings.get("facet_labels") or {}).get(column)
            or COLUMN_TITLES.get(column)
            or column
        )
        return {
            "name": column,
            "label": title,
            "type": self.type,
            "hideable": source != "metadata",
            "toggle_url": self.ds.urls.path(
                path_with_removed_args(self.request, {"_facet_tags": column})
            ),
            "results": values,
            "truncated": len(rows) > size,
        }

    def _filtered(self) -> bool:
        return bool(self.params) or bool(WHERE.search(self.sql))

    def _tag_sql(self, column: str, order: str, size: int) -> tuple[str, dict]:
        params = {**(self.params or {}), "_tags_facet": column}
        within = f"and pmid in (select pmid from ({self.sql}))" if self._filtered() else ""
        sql = (
            "select tag as value, count(distinct pmid) as count "
            f"from {TAG_TABLE} where facet = :_tags_facet {within} "
            f"group by tag order by {order} limit {size + 1}"
        )
        return sql, params

    def _column_sql(self, column: str, order: str, size: int) -> tuple[str, Any]:
        col = escape_sqlite(column)
        sql = (
            f"select {col} as value, count(*) as count from ({self.sql}) "
            f"where {col} is not null group by {col} order by {order} limit {size + 1}"
        )
        return sql, self.params

    async def _is_tag_column(self, db: Any, column: str) -> bool:
        """True for a JSON-array column of the studies table that study_tags describes."""
        if self.table != "studies" or not await db.table_exists(TAG_TABLE):
            return False
        col = escape_sqlite(column)
        sql = f"select {col} from studies where {col} is not null limit 1"
        try:
            rows = (await cached_execute(db, sql)).rows
        except sqlite3.OperationalError:
            return False
        return bool(rows) and str(rows[0][0]).startswith("[")

    def _label(self, column: str, value: Any, labels: Mapping) -> str:
        if column == "evidence_level" and value in LEVEL_NAMES:
            return f"{value} · {LEVEL_NAMES[value]}"
        entry = labels.get(str(value))
        return entry[0] if entry else str(value)
