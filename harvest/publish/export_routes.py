"""Complete, streamed RIS / BibTeX / CSL-JSON exports of any table view or query of the catalog.

`/catalog/<table>.ris` (with the view's filters, search and sort), `/catalog/<canned query>.bib`
(with its parameters) and `/catalog.csljson?sql=...` export the whole selection, not the page on
screen. The selection's PMIDs are read in one query (the SQL Datasette builds for the table view,
or the query's own); then its studies are read from `studies` and written out PAGE_SIZE at a
time, so memory holds the PMIDs and one page of studies whatever the size.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.utils import derive_named_parameters, sqlite_timelimit, tilde_decode
from datasette.utils.asgi import AsgiStream, Response

from harvest.citing.exports import FORMATS, export_filename, export_frame

DATABASE_NAME = "catalog"
PAGE_SIZE = 500
LIMIT = re.compile(r"\s+limit\s+\d+\s*$", re.IGNORECASE)
FORMAT_PATTERN = "|".join(FORMATS)
# Table-view arguments that shape the page rather than select studies.
PAGE_ARGS = {"_col", "_nocol", "_size", "_next", "_shape", "_facet", "_facet_array",
             "_facet_date", "_labels", "_extra", "_json", "_nofacet", "_nocount",
             "_nosuggest", "_trace", "_stream", "_dl", "_all"}  # fmt: skip


def query_args(request: Any) -> list[tuple[str, str]]:
    """The request's query arguments, in order, repeats kept."""
    return parse_qsl(request.query_string, keep_blank_values=True)


def export_url(datasette: Any, name: str | None, fmt: str, args: Any = ()) -> str:
    """The complete export of a table/query (or the database's SQL when name is None)."""
    base = (
        datasette.urls.database(DATABASE_NAME, format=fmt)
        if name is None
        else datasette.urls.table(DATABASE_NAME, name, format=fmt)
    )
    items = [(k, v) for k, v in args if k not in PAGE_ARGS and not k.startswith("_facet")]
    return base + ("?" + urlencode(items) if items else "")


async def _table_sql(datasette: Any, name: str, request: Any) -> tuple[str, dict]:
    """The SQL (and parameters) Datasette runs for a table view, without its page limit."""
    selection = [(k, v) for k, v in query_args(request) if k not in PAGE_ARGS]
    shape = [("_col", "pmid"), ("_shape", "objects"), ("_size", "1")]
    shape += [("_nofacet", "1"), ("_nocount", "1"), ("_nosuggest", "1")]
    path = datasette.urls.table(DATABASE_NAME, name, format="json")
    response = await datasette.client.get(f"{path}?{urlencode(selection + shape)}")
    if response.status_code != 200:
        raise ExportError(response.status_code, _error_text(response))
    query = response.json()["query"]
    return LIMIT.sub("", query["sql"]), query["params"] or {}


def _error_text(response: Any) -> str:
    """The error Datasette gave for a page, as text."""
    try:
        return str(response.json().get("error") or response.text)
    except ValueError:
        return response.text


class ExportError(Exception):
    """A selection that cannot be exported: status and message for the response."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


async def read(db: Any, sql: str, params: Any) -> list:
    """Rows of one query on the catalog's read connection, under Datasette's SQL time limit.

    Not through `db.execute`: the serve layer keeps small untruncated results until the catalog
    changes (facets.py), and an export's pages would fill that cache with studies.
    """
    limit = db.ds.setting("sql_time_limit_ms")

    def run(conn: sqlite3.Connection) -> list:
        with sqlite_timelimit(conn, limit):
            cursor = conn.cursor()
            cursor.row_factory = sqlite3.Row
            return cursor.execute(sql, params).fetchall()

    return await db.execute_fn(run)


async def _selection(db: Any, sql: str, params: dict, first: bool) -> list[int]:
    """PMIDs of a whole result, in its order.

    One query reads only the PMIDs (a few bytes each), so the selection is one consistent
    snapshot: paging the query itself (OFFSET, or Datasette's keyset on a sort column with ties)
    can repeat or skip studies. `first`: the PMID is the result's first column (a table view's
    SQL); otherwise the query is wrapped to pick its pmid column.
    """
    if not first:
        sql = f"select pmid from (\n{sql.strip().rstrip(';')}\n)"
    return [row[0] for row in await read(db, sql, params)]


async def _studies(db: Any, pmids: list[int]) -> list:
    """The studies rows of some PMIDs, in the order given (unknown PMIDs skipped)."""
    marks = ", ".join("?" for _ in pmids)
    rows = await read(db, f"select * from studies where pmid in ({marks})", pmids)
    by_pmid = {row["pmid"]: row for row in rows}
    return [by_pmid[p] for p in pmids if p in by_pmid]


async def _query_selection(datasette: Any, request: Any, name: str | None) -> tuple[str, dict]:
    """(sql, params) of a canned query or of `?sql=`, checking the actor may run it."""
    actor = request.actor
    if name is None:
        sql = request.args.get("sql") or ""
        if not sql:
            raise ExportError(400, "export needs ?sql= or a table or canned query")
        allowed = await datasette.permission_allowed(
            actor, "execute-sql", resource=DATABASE_NAME, default=True
        )
    else:
        query = await datasette.get_canned_query(DATABASE_NAME, name, actor)
        if query is None:
            raise ExportError(404, f"no table or canned query named {name!r}")
        sql = query["sql"]
        allowed = await datasette.permission_allowed(
            actor, "view-query", resource=(DATABASE_NAME, name), default=True
        )
    if not allowed:
        raise ExportError(403, "not allowed to run this query")
    db = datasette.get_database(DATABASE_NAME)
    names = await derive_named_parameters(db, sql)
    return sql, {n: request.args.get(n) or "" for n in names}


async def _check_pmid_column(db: Any, sql: str, params: dict) -> None:
    """Refuse (400) a query whose result has no pmid column."""
    probe = await db.execute(f"select * from (\n{sql.strip().rstrip(';')}\n) limit 0", params)
    if "pmid" not in probe.columns:
        raise ExportError(400, "export needs a pmid column in the result")


async def export_view(datasette: Any, request: Any) -> Any:
    """Stream the whole selection of a table view, canned query or SQL as one file."""
    fmt = request.url_vars["fmt"]
    name = tilde_decode(request.url_vars["name"]) if request.url_vars.get("name") else None
    db = datasette.get_database(DATABASE_NAME)
    try:
        if name is not None and (await db.table_exists(name) or name in await db.view_names()):
            allowed = await datasette.permission_allowed(
                request.actor, "view-table", resource=(DATABASE_NAME, name), default=True
            )
            if not allowed:
                raise ExportError(403, "not allowed to view this table")
            if "pmid" not in await db.table_columns(name):
                raise ExportError(400, f"export needs a pmid column; {name} has none")
            sql, params = await _table_sql(datasette, name, request)
            selection = await _selection(db, sql, params, first=True)
        else:
            sql, params = await _query_selection(datasette, request, name)
            await _check_pmid_column(db, sql, params)
            selection = await _selection(db, sql, params, first=False)
    except ExportError as e:
        return Response.text(f"Export failed: {e.message}", status=e.status)
    except sqlite3.OperationalError as e:  # interrupted by the time limit, or bad SQL
        return Response.text(f"Export failed: {e}", status=400)
    head, separator, tail, build = export_frame(fmt)

    async def write(writer: Any) -> None:
        seen: set[int] = set()
        await writer.write(head)
        for start in range(0, len(selection), PAGE_SIZE):
            pmids = selection[start : start + PAGE_SIZE]
            fresh = [p for p in dict.fromkeys(pmids) if p not in seen]
            rows = await _studies(db, fresh) if fresh else []
            chunk = separator.join(build(row) for row in rows)
            if chunk:
                await writer.write((separator if seen else "") + chunk)
            seen.update(row["pmid"] for row in rows)
        await writer.write(tail)

    filename = export_filename(name or DATABASE_NAME, fmt)
    headers = {"content-disposition": f'attachment; filename="{filename}"'}
    return AsgiStream(write, headers=headers, content_type=FORMATS[fmt][0])


async def _selection_count(db: Any, sql: str, params: dict) -> int | None:
    """How many distinct studies a query selects (None when it cannot say in time)."""
    count_sql = f"select count(distinct pmid) from (\n{sql.strip().rstrip(';')}\n)"
    try:
        return (await db.execute(count_sql, params)).rows[0][0]
    except (sqlite3.DatabaseError, QueryInterrupted):  # too slow: the page says "every study"
        return None


@hookimpl
def extra_template_vars(view_name: str, database: str, request: Any, datasette: Any):
    """On a canned query or SQL page over the catalog: the complete export's links and size."""
    # A canned query is served by the table view, ?sql= by the database view.
    if view_name not in ("", "table", "database") or database != DATABASE_NAME or not request:
        return {}
    if view_name == "database" and not request.args.get("sql"):
        return {}

    async def inner() -> dict:
        name = request.url_vars.get("table")
        name = tilde_decode(name) if name else None
        db = datasette.get_database(DATABASE_NAME)
        if name is not None and (await db.table_exists(name) or name in await db.view_names()):
            return {}  # a table: its own template says how many studies it exports
        try:
            sql, params = await _query_selection(datasette, request, name)
            await _check_pmid_column(db, sql, params)
        except (ExportError, sqlite3.DatabaseError, QueryInterrupted):
            return {}
        labels = {"ris": "RIS", "bib": "BibTeX", "csljson": "CSL-JSON"}
        links = [(labels[f], export_url(datasette, name, f, query_args(request))) for f in FORMATS]
        return {"ec_export": {"count": await _selection_count(db, sql, params), "links": links}}

    return inner


@hookimpl
def register_routes(datasette: Any) -> list[tuple]:
    """Complete exports at the URLs Datasette's renderers use, for the catalog database only."""
    return [
        (rf"^/{DATABASE_NAME}/(?P<name>[^/]+)\.(?P<fmt>{FORMAT_PATTERN})$", export_view),
        (rf"^/{DATABASE_NAME}\.(?P<fmt>{FORMAT_PATTERN})$", export_view),
    ]
