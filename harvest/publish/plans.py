"""Indexed equivalents of the filters Datasette writes for the studies table.

Datasette filters `COLUMN__arraycontains=slug` with `:p0 in (select value from
json_each(studies.COLUMN))`, which reads every row's JSON (the column sits behind the abstract, in
overflow pages): about 0.3 s per count or facet at 50,000 studies. `study_tags` holds the same
(pmid, tag) pairs for every tag column (written in the same transaction as the row), indexed on
(facet, tag, pmid), so the same filter is `studies.pmid in (select pmid from study_tags where
facet = 'COLUMN' and tag = :p0)`: an index range instead of a scan, with the same rows.

An `in (...)` on the primary key makes SQLite fetch every matching row and sort them all, even
for one page of 50 (a full-text search for a common word fetched 25,000 rows for each page). A
page sorted by an indexed column with a limit reads that index in order instead and checks each
row against the list (`+pmid`: SQLite keeps the list and walks the index), stopping after 51.
Ties of a one-column order follow the primary key, the order Datasette's next page assumes (the
index walked backwards gave them in reverse, so a tie across a page boundary could repeat rows).
"""

from __future__ import annotations

import re

# JSON-array columns of `studies` whose tags study_tags holds under the column's own name.
TAG_ARRAY_COLUMNS = frozenset(
    {"conditions", "modalities", "routes", "populations", "comparators", "safety", "dose_band"}
)
ARRAY_CONTAINS = re.compile(
    r":(?P<param>\w+) in \(select value from json_each\("
    r"(?:studies|\[studies\]|\"studies\")\.(?:(?P<bare>\w+)|[\[\"](?P<quoted>\w+)[\]\"])\)\)"
)
# The membership tests the rewrite above writes, and Datasette's full-text search filter.
PK_IN = re.compile(
    r"(?<![\w.+\]])(?P<pk>studies\.pmid|pmid) in \(select (?:pmid from study_tags|rowid from "
    r"studies_fts) where"
)
# Columns with an index whose order a page can follow (harvest/catalog/db.py INDEXES).
INDEXED_ORDER = re.compile(
    r"\border by (?:pmid|pub_date|first_seen|design|evidence_level|pub_year)\b[^()]*\blimit\b",
    re.IGNORECASE,
)
# A page sorted by one column alone: ties follow the primary key, as Datasette's next page does.
ONE_COLUMN_ORDER = re.compile(r"\border by (?!pmid\b)(\w+)( desc)? limit\b", re.IGNORECASE)
STUDIES_FROM = re.compile(r"\bfrom (?:studies|\[studies\]|\"studies\")(?:\s|$)")


def _tag_filter(match: re.Match) -> str:
    column = match.group("bare") or match.group("quoted")
    if column not in TAG_ARRAY_COLUMNS:
        return match.group(0)
    return (
        f"studies.pmid in (select pmid from study_tags where facet = '{column}' "
        f"and tag = :{match.group('param')})"
    )


def plan_sql(sql: str) -> str:
    """sql with tag filters read from study_tags and, for an indexed page, list membership
    checked while walking the sort index; any other SQL is returned unchanged."""
    if "studies" not in sql or not STUDIES_FROM.search(sql):
        return sql
    planned = ARRAY_CONTAINS.sub(_tag_filter, sql)
    planned = ONE_COLUMN_ORDER.sub(r"order by \1\2, pmid limit", planned)
    if INDEXED_ORDER.search(planned):
        planned = PK_IN.sub(lambda m: "+" + m.group(0), planned)
    return planned
