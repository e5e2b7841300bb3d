"""Datasette plugin for the evidence catalog: RIS/BibTeX/Atom output, cell rendering, study page."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from datasette import hookimpl
from datasette.utils import tilde_decode
from datasette.utils.asgi import Response, asgi_static
from jinja2 import ChoiceLoader, FileSystemLoader
from markupsafe import escape

from harvest.citing.exports import to_bibtex, to_csl_json, to_ris
from harvest.publish import check_page, home, pagecache, pages, search, tableview, warmup
from harvest.publish.atom import ATOM_COLUMNS, to_atom
from harvest.publish.cells import FLAG_COLUMNS, OWNED_COLUMNS, render_value, study_context
from harvest.publish.export_routes import DATABASE_NAME
from harvest.publish.facets import PLUGIN_NAME as PLUGIN_NAME  # re-exported for serve.py
from harvest.publish.facets import TagFacet, plugin_settings

STATIC_MOUNT = "-/evidence-catalog"
# Served by the plugin itself, so plain `datasette -i` (a published snapshot) looks the same.
PACKAGE_DIR = Path(__file__).resolve().parent
RIS_COLUMNS = ("pmid", "title", "author_list", "journal", "pub_year")
BIBTEX_COLUMNS = ("pmid", "title", "author_list", "journal", "pub_year")
# Sent with every answer (issue 8 item 12). Datasette's own pages use inline scripts and styles.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}


def missing_columns(required: Iterable[str], columns: Iterable[str]) -> list[str]:
    """The required columns a result lacks, in the order they are required."""
    present = set(columns)
    return [c for c in required if c not in present]


# The catalog's formats do not exist for other databases Datasette may serve.
NOT_HERE = {"body": "Not found", "status_code": 404, "content_type": "text/plain; charset=utf-8"}


def _missing_response(fmt: str, missing: list[str]) -> dict:
    """400 naming the columns a renderer needs but did not get."""
    # A dict, not a Response: Datasette's query view overrides a Response's status with 200.
    return {
        "body": f"{fmt} export needs the columns: {', '.join(missing)}",
        "status_code": 400,
        "content_type": "text/plain; charset=utf-8",
    }


def _export(
    fmt: str, required: tuple, build: Callable, content_type: str, ext: str
) -> Callable[..., Response | dict]:
    """An output renderer that checks its columns, then serialises the rows."""

    def render(
        columns: list, rows: list, table: str | None, query_name: str | None, data: dict,
        database: str,
    ):  # fmt: skip
        if database != DATABASE_NAME:
            return NOT_HERE
        missing = missing_columns(required, columns)
        if missing:
            return _missing_response(fmt, missing)
        filename = f"{table or query_name or 'catalog'}.{ext}"
        headers = {"content-disposition": f'attachment; filename="{filename}"'}
        if data.get("next_url"):
            headers["link"] = f'<{data["next_url"]}>; rel="next"'
        return Response(build(rows), content_type=content_type, headers=headers)

    return render


async def _with_flags(db: Any, rows: list) -> list[dict]:
    """Rows as dicts with their studies' flag columns (looked up by pmid) added."""
    pmids = [row["pmid"] for row in rows if row["pmid"] is not None]
    sql = "select pmid, retracted, erratum, expression_of_concern, comments_corrections, "
    sql += f"publication_types from studies where pmid in ({', '.join('?' for _ in pmids)})"
    flags = {r["pmid"]: dict(r) for r in (await db.execute(sql, pmids)).rows} if pmids else {}
    return [{**flags.get(row["pmid"], {}), **dict(row)} for row in rows]


async def _render_atom(
    datasette: Any, request: Any, columns: list, rows: list, query_name: str | None, database: str
) -> Response | dict:
    """The Atom feed of a query with atom_id, atom_title and atom_updated columns."""
    if database != DATABASE_NAME:
        return NOT_HERE
    missing = missing_columns(ATOM_COLUMNS, columns)
    if missing:
        return _missing_response("Atom", missing)
    queries = (datasette.metadata("queries", database=database) or {}) if query_name else {}
    title = (queries.get(query_name) or {}).get("title") or query_name or "Evidence catalog"
    if "pmid" in columns:  # badge entries with the flags of their studies, whatever the query
        rows = await _with_flags(datasette.get_database(database), rows)
    # HTML content is trusted only from canned queries, whose SQL escapes what it embeds.
    body = to_atom(rows, feed_id=request.url, title=title, html=query_name in queries)
    return Response(body, content_type="application/atom+xml; charset=utf-8")


@hookimpl
def register_facet_classes() -> list:
    """Tag facets counted from study_tags, with labels (harvest/publish/facets.py)."""
    return [TagFacet]


@hookimpl
def register_output_renderer(datasette: Any) -> list[dict]:
    """RIS and BibTeX for any table or query over studies; Atom for feed-shaped queries."""

    # Only for the catalog. Table and query URLs (/catalog/studies.ris) are answered by the
    # complete, streamed export (export_routes.py); these render a single row's page.
    # The studies table's HTML page selects only the columns it shows (tableview.py), but its
    # export links stay: /catalog/studies.ris is answered by the complete export regardless.
    def can(required: tuple, whole_table: bool = True) -> Callable[..., bool]:
        return lambda columns, database, table: (
            database == DATABASE_NAME
            and ((whole_table and table == "studies") or not missing_columns(required, columns))
        )

    return [
        {
            "extension": "ris",
            "render": _export(
                "RIS", RIS_COLUMNS, to_ris, "application/x-research-info-systems", "ris"
            ),
            "can_render": can(RIS_COLUMNS),
        },
        {
            "extension": "bib",
            "render": _export(
                "BibTeX", BIBTEX_COLUMNS, to_bibtex, "application/x-bibtex; charset=utf-8", "bib"
            ),
            "can_render": can(BIBTEX_COLUMNS),
        },
        {
            "extension": "csljson",
            "render": _export(
                "CSL-JSON",
                RIS_COLUMNS,
                to_csl_json,
                "application/vnd.citationstyles.csl+json",
                "json",
            ),
            "can_render": can(RIS_COLUMNS),
        },  # fmt: skip
        {
            "extension": "atom",
            "render": _render_atom,
            "can_render": can(ATOM_COLUMNS, whole_table=False),
        },
    ]


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str, datasette):
    """Links for PMID/DOI/PMCID, warning badges for flags, chips for tag arrays (catalog only)."""
    if database == DATABASE_NAME and column in tableview.LABELLED_COLUMNS:
        return tableview.label_cell(column, value, tag_labels(datasette))
    if column not in OWNED_COLUMNS or database != DATABASE_NAME:
        return None
    studies_url = _studies_url(datasette)
    study_url = f"{studies_url}/{value}" if column == "pmid" else ""
    labels = tag_labels(datasette).get(column)
    keys = row.keys()
    if column == "title" and value and "pmid" in keys and not FLAG_COLUMNS & set(keys):
        # A query that lists titles without the flag columns: look the study's flags up.
        async def flagged_title() -> Any:
            sql = "select retracted, erratum, expression_of_concern, comments_corrections, "
            sql += "publication_types from studies where pmid = ?"
            found = (await datasette.get_database(database).execute(sql, [row["pmid"]])).rows
            flags = dict(found[0]) if found else {}
            return render_value(column, value, flags, table, studies_url, study_url, labels)

        return flagged_title
    return render_value(column, value, row, table, studies_url, study_url, labels)


def _studies_url(datasette: Any) -> str:
    """The studies table's path, built once per Datasette instance (base_url is fixed at start)."""
    url = getattr(datasette, "_evidence_catalog_studies_url", None)
    if url is None:
        url = datasette.urls.table(DATABASE_NAME, "studies")
        datasette._evidence_catalog_studies_url = url
    return url


def tag_labels(datasette: Any) -> dict:
    """{facet: {slug: [label, description]}} from the taxonomy, as `harvest serve` configures."""
    return plugin_settings(datasette).get("tags") or {}


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable:
    """Security headers (CSP, X-Frame-Options, X-Content-Type-Options) on every answer."""

    def wrap(app: Callable) -> Callable:
        app = tableview.wrap_table_requests(app)  # default studies view, safe search text
        app = pagecache.wrap_pages(app, datasette, DATABASE_NAME)  # pages kept per data version

        async def with_headers(scope: dict, receive: Callable, send: Callable) -> None:
            async def send_with_headers(message: dict) -> None:
                if message["type"] == "http.response.start":
                    present = {k.lower() for k, _ in message.get("headers", [])}
                    extra = [
                        (k.encode(), v.encode())
                        for k, v in SECURITY_HEADERS.items()
                        if k.encode() not in present
                    ]
                    message = {**message, "headers": [*message.get("headers", []), *extra]}
                await send(message)

            await app(scope, receive, send_with_headers if scope["type"] == "http" else send)

        return with_headers

    return wrap


@hookimpl
def startup(datasette: Any) -> Callable:
    """Render the staff pages ahead of their first reader when `harvest serve` asked (warmup.py)."""

    async def inner() -> None:
        warmup.start_warmup(datasette, DATABASE_NAME)

    return inner


@hookimpl
def prepare_connection(conn: Any, database: str) -> None:
    """SQL function html_escape(text), for canned queries that build HTML (the Atom feed)."""
    if database != DATABASE_NAME:
        return
    conn.create_function(
        "html_escape", 1, lambda v: None if v is None else str(escape(v)), deterministic=True
    )


@hookimpl
def extra_css_urls(datasette: Any) -> list[str]:
    """The catalog's stylesheet."""
    return [datasette.urls.path(f"/{STATIC_MOUNT}/catalog.css")]


@hookimpl
def extra_js_urls(datasette: Any) -> list[dict]:
    """The copy-citation script."""
    return [
        {"url": datasette.urls.path(f"/{STATIC_MOUNT}/catalog.js"), "module": False},
        {"url": datasette.urls.path(f"/{STATIC_MOUNT}/staff.js"), "module": False},
    ]


@hookimpl
def extra_template_vars(view_name: str, table: str | None, database: str, request, datasette):
    """On a study's page: the study, its tags with their evidence, and its citations."""
    if view_name == "index":

        async def home_vars() -> dict:
            return {"home": await home.home_context(datasette)}

        return home_vars
    if view_name == "table" and table == "studies" and database == DATABASE_NAME and request:
        return tableview.table_context(request, tag_labels(datasette))
    if view_name != "row" or table != "studies" or request is None or database != DATABASE_NAME:
        return {}

    async def inner() -> dict:
        db = datasette.get_database(database)
        pmid = tilde_decode(request.url_vars["pks"])
        rows = (await db.execute("select * from studies where pmid = ?", [pmid])).rows
        if not rows:
            return {}
        tags: list = []
        if await db.table_exists("study_tags"):
            sql = "select facet, tag, source, evidence from study_tags where pmid = ? "
            tags = (await db.execute(sql + "order by facet, tag", [pmid])).rows
        return {"study": study_context(rows[0], tags, tag_labels(datasette))}

    return inner


@hookimpl
def register_routes(datasette: Any) -> list[tuple]:
    """Staff pages: the evidence finder (HTML, JSON, RIS/BibTeX/CSL-JSON)."""
    return [
        # Before Datasette's own table route: the studies page reads only the columns it shows.
        (r"^/(?P<database>catalog)/(?P<table>studies)(?P<format>)$", tableview.studies_table),
        (r"^/-/evidence$", pages.evidence_page),
        (r"^/-/evidence\.json$", pages.evidence_json),
        (r"^/-/evidence\.(?P<format>ris|bib|csljson)$", pages.evidence_export),
        (r"^/$", home.home_page),
        (r"^/-/map$", home.map_page),
        (r"^/-/search$", search.search_page),
        (r"^/-/check$", check_page.check_page),
        (rf"^/{STATIC_MOUNT}/(?P<path>.*)$", asgi_static(str(PACKAGE_DIR / "static"))),
    ]


@hookimpl
def prepare_jinja2_environment(env: Any, datasette: Any) -> None:
    """The catalog's templates first, also under plain `datasette` (which finds a plugin's
    templates only in a package's folder, and this plugin is a module)."""
    env.loader = ChoiceLoader([FileSystemLoader(str(PACKAGE_DIR / "templates")), env.loader])


@hookimpl
def skip_csrf(datasette: Any, scope: dict) -> bool | None:
    """/-/check writes nothing, and its file uploads are multipart, which asgi-csrf cannot read
    with the installed python-multipart (it passes FileClass=, since removed)."""
    return True if scope.get("path") == datasette.urls.path("/-/check") else None


@hookimpl
def handle_exception(datasette: Any, request: Any, exception: Exception) -> Response | None:
    """An unknown `_sort` or a table option that does not fit: a 400 page with a way back."""
    return tableview.error_response(request, exception)
