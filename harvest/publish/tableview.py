"""The studies table for staff: hides off-topic and animal studies by default (and says so),
makes any search text a safe FTS query, names columns and coded values, and answers an unknown
`_sort` with a message instead of a 500."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasette import views as datasette_views
from datasette.utils import to_css_class
from datasette.utils.asgi import Response
from datasette.views.base import DatasetteError
from markupsafe import Markup, escape

from harvest.publish.cells import KeptCells
from harvest.publish.evidence import LEVEL_NAMES
from harvest.publish.search import build_fts_query

STUDIES_PATH = "/catalog/studies"
DEFAULT_FILTERS = (("on_topic", "1"), ("human", "1"))
SHOW_ALL = ("_studies", "all")
YEAR_BOUNDS = ("pub_year__gte", "pub_year__lte")
SORT_ARGS = ("_sort", "_sort_desc")
COLUMN_LABELS = {
    "pmid": "PMID",
    "title": "Title",
    "authors": "Authors",
    "journal": "Journal",
    "journal_iso": "Journal (abbrev.)",
    "pub_year": "Year",
    "pub_date": "Published",
    "design": "Design",
    "evidence_level": "Evidence level",
    "conditions": "Conditions",
    "modalities": "Treatments",
    "routes": "Routes",
    "populations": "Populations",
    "sample_size": "Participants",
    "human": "In people",
    "on_topic": "On topic",
    "retracted": "Retracted",
    "erratum": "Erratum",
    "expression_of_concern": "Expression of concern",
    "citation": "Citation (AMA)",
    "citation_apa": "Citation (APA)",
    "citation_vancouver": "Citation (Vancouver)",
    "doi": "DOI",
    "pmcid": "PMC",
    "abstract": "Abstract",
    "first_seen": "Added to catalog",
}
# The columns the studies page shows unless the address picks its own (_col, _nocol, _all) ...
MAIN_COLUMNS = (
    "pmid", "title", "authors", "journal", "pub_year", "design", "evidence_level", "conditions",
    "modalities", "retracted",
)  # fmt: skip
# ... and the ones read with them: a title's flag badges (citing/flags.py), the default order.
FLAG_SOURCE_COLUMNS = (
    "erratum", "expression_of_concern", "comments_corrections", "publication_types", "pub_date",
)  # fmt: skip
COLUMN_ARGS = ("_col", "_nocol", "_all")
YES_NO = {
    "human": {1: "In people", 0: "Animal or lab study"},
    "on_topic": {1: "On topic", 0: "Off-topic"},
}
LABELLED_COLUMNS = frozenset({"design", "evidence_level", *YES_NO})


LABEL_CELLS = KeptCells(1024)


def label_cell(column: str, value: Any, labels: Mapping) -> Markup | None:
    """Design, evidence level, human and on_topic as words (the code kept in a tooltip).

    Kept per (column, value) for the labels they were made with: a handful of values repeat.
    """
    if value is None or value == "":
        return None
    return LABEL_CELLS.get((column, value), labels, lambda: _label_cell(column, value, labels))


def _label_cell(column: str, value: Any, labels: Mapping) -> Markup | None:
    if column == "design":
        entry = (labels.get("design") or {}).get(str(value))
        text, tip = (entry[0], entry[1]) if entry else (str(value), "")
    elif column == "evidence_level":
        name = LEVEL_NAMES.get(value) if isinstance(value, int) else None
        if name is None:
            return None
        text, tip = f"{value} · {name}", f"Level {value} of 5 (1 is strongest)"
    else:
        text = YES_NO[column].get(value) if isinstance(value, int) else None
        if text is None:
            return None
        tip = f"{column} = {value}"
    return Markup('<span class="ec-label" title="{}">{}</span>').format(tip, text)


def _is_studies_html(scope: Mapping) -> bool:
    return scope.get("type") == "http" and scope.get("path") == STUDIES_PATH


def _json_ok(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def rewrite_query(path: str, query: list[tuple[str, str]]) -> list[tuple[str, str]] | None:
    """The studies table's query made safe, or None if unchanged: every `_search` (and
    `_search_COLUMN`) as a raw FTS query built by build_fts_query, blank year bounds (from the
    year-range form) and an unreadable `_through` dropped."""
    if not path.startswith(STUDIES_PATH) or "/" in path[len(STUDIES_PATH) :].lstrip("."):
        return None
    rewritten, searched = [], False
    for key, value in query:
        if key in YEAR_BOUNDS and not value.strip():
            continue
        if key == "_through" and not _json_ok(value):
            continue
        if key == "_searchmode":
            continue
        if key == "_search" or key.startswith("_search_"):
            safe = build_fts_query(value)
            if safe:
                rewritten.append((key, safe))
                searched = True
            continue
        rewritten.append((key, value))
    if searched:
        rewritten.append(("_searchmode", "raw"))
    return rewritten if rewritten != query else None


def wrap_table_requests(app: Callable) -> Callable:
    """ASGI middleware: the default studies view, and safe search text for the studies table."""

    async def wrapped(scope: dict, receive: Callable, send: Callable) -> None:
        if scope.get("type") == "http":
            raw = scope.get("query_string", b"").decode("latin-1")
            if _is_studies_html(scope) and not raw:
                location = f"{STUDIES_PATH}?{urlencode(DEFAULT_FILTERS)}"
                await Response.redirect(location, status=302).asgi_send(send)
                return
            query = parse_qsl(raw, keep_blank_values=True)
            rewritten = rewrite_query(scope.get("path", ""), query)
            if rewritten is not None:
                scope = {**scope, "query_string": urlencode(rewritten).encode("latin-1")}
        await app(scope, receive, send)

    return wrapped


async def columns_to_select(self: Any, table_columns: list, pks: list, request: Any) -> list:
    """The shown columns, their flags and the sort column; all when the address asks."""
    if any(arg in request.args for arg in COLUMN_ARGS):
        return await datasette_views.table.TableView.columns_to_select(
            self, table_columns, pks, request
        )
    wanted = {*pks, *MAIN_COLUMNS, *FLAG_SOURCE_COLUMNS}
    wanted.update(request.args.get(arg) for arg in SORT_ARGS if request.args.get(arg))
    return [column for column in table_columns if column in wanted]


@cache
def studies_view_class() -> type:
    """Datasette's table view reading only the columns the studies page shows.

    Datasette selects and renders all 65 columns for a page that shows 10 (render_cell on 3,250
    cells); the JSON, CSV and exports keep every column. Built on first use: this module loads
    while Datasette is still importing its views (the plugin's entry point), so the table view
    class is looked up once Datasette has finished.
    """
    base = datasette_views.table.TableView
    return type("StudiesTableView", (base,), {"columns_to_select": columns_to_select})


async def studies_table(request: Any, datasette: Any) -> Response:
    """/catalog/studies (HTML): the table view over the shown columns."""
    return await studies_view_class()(datasette).dispatch_request(request)


def table_context(request: Any, labels: Mapping) -> dict:
    """The studies page's extras: the default-view note, the year range, column labels."""
    args = request.args
    hidden = [name for name, value in DEFAULT_FILTERS if args.get(name) == value]
    keep = [(k, v) for k, v in parse_qsl(request.query_string) if (k, v) not in DEFAULT_FILTERS]
    show_all = f"{STUDIES_PATH}?{urlencode(keep or [SHOW_ALL])}"
    hides = []
    if "on_topic" in hidden:
        hides.append("off-topic studies")
    if "human" in hidden:
        hides.append("animal and laboratory studies")
    year_args = [
        (k, v) for k, v in parse_qsl(request.query_string)
        if not k.startswith("pub_year__") and k != "_next"
    ]  # fmt: skip
    return {
        "ec_hidden": " and ".join(hides),
        "ec_show_all_url": show_all,
        "ec_year_from": args.get("pub_year__gte") or "",
        "ec_year_to": args.get("pub_year__lte") or "",
        "ec_year_args": year_args,
        "ec_search_text": args.get("_search") or "",
        "ec_column_labels": Markup(json.dumps(COLUMN_LABELS).replace("<", "\\u003c")),
        "ec_column_css": column_css(),
        "ec_main_columns": MAIN_COLUMNS,
        "ec_table_body": table_body,
    }


def table_body(display_rows: list, show_all: Any) -> Markup:
    """The studies table's rows as HTML in one pass: a 50-row page is 500 cells, and Jinja's
    async rendering costs more per cell than the cell itself (same markup as Datasette's)."""
    out = []
    for row in display_rows:
        out.append("<tr>")
        for cell in row:
            column = cell["column"]
            if show_all or column in MAIN_COLUMNS:
                out.append(
                    f'<td class="col-{escape(to_css_class(column))} '
                    f'type-{escape(cell["value_type"])}">{escape(cell["value"])}</td>'
                )
        out.append("</tr>")
    return Markup("\n".join(out))


def column_css() -> Markup:
    """Phone layout labels by column class (not position), so hidden columns cannot shift them."""
    rules = [
        f'.rows-and-columns td.col-{name}:before {{ content: "{escape(label)}"; }}'
        for name, label in COLUMN_LABELS.items()
    ]
    return Markup("\n".join(rules))


def _page(title: str, text: str, back: str) -> Response:
    body = (
        f"<!DOCTYPE html><html><head><title>{escape(title)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1"></head><body>'
        f'<h1>{escape(title)}</h1><p>{escape(text)} <a href="{escape(back)}">Show the same '
        'studies in the usual way</a> or go to the <a href="/">home page</a>.</p></body></html>'
    )
    return Response.html(body, status=400)


def error_response(request: Any, exception: Exception) -> Response | None:
    """A plain 400 page instead of Datasette's 500 or "Invalid SQL" for a table's options:
    an unknown `_sort` column, a facet or filter option that does not fit the table."""
    if not isinstance(exception, DatasetteError) or request is None:
        return None
    message = str(exception.message)
    if "Cannot sort table by" in message:
        column = message.split("Cannot sort table by", 1)[1].strip()
        keep = [(k, v) for k, v in parse_qsl(request.query_string) if k not in SORT_ARGS]
        back = request.path + (f"?{urlencode(keep)}" if keep else "")
        return _page(
            f"Cannot sort by “{column}”",
            "That is not a column this table can be sorted by.",
            back,
        )
    table_page = request.path.startswith("/catalog/") and "sql" not in request.args
    if exception.title == "Invalid SQL" and table_page:
        keep = [(k, v) for k, v in parse_qsl(request.query_string) if not k.startswith("_")]
        back = request.path + (f"?{urlencode(keep)}" if keep else "")
        return _page(
            "That page cannot be shown",
            "An option in the address (one starting with _) does not fit this table.",
            back,
        )
    return None
