"""Indexed equivalents of the filters Datasette writes for the studies table.

Datasette filters `COLUMN__arraycontains=slug` with `:p0 in (select value from
json_each(studies.COLUMN))`, which reads every row's JSON (the column sits behind the abstract, in
overflow pages): about 0.3 s per count or facet at 50,000 studies. `study_tags` holds the same
(pmid, tag) pairs for every tag column (written in the same transaction as the row), indexed on
(facet, tag, pmid), so the same filter is `studies.pmid in (select pmid from study_tags where
facet = 'COLUMN' and tag = :p0)`: an index range instead of a scan, with the same rows.

An `in (...)` on the primary key makes SQLite fetch every matching row and sort them all, even
for one page of 50 (a full-text search for a common word fetched 25,000 rows for each page). A
page sorted by an indexed column with a limit reads that index in order instead, stopping after
51 rows: each row's tags checked by a primary-key lookup in study_tags (1 ms for a tag half the
studies carry, 60 ms at worst for one none has, against 10-20 ms to list a common tag's pmids),
search matches against their list (`+pmid`: SQLite keeps the list and walks the index).
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
# A column facet (facets.py TagFacet): counts read from the column's index, the list checked there.
COLUMN_FACET = re.compile(r"^select [\w\[\]\"]+ as value, count\(\*\) as count from \(select ")
STUDIES_FROM = re.compile(r"\bfrom (?:studies|\[studies\]|\"studies\")(?:\s|$)")


def _tag_filter(match: re.Match, page: bool) -> str:
    column = match.group("bare") or match.group("quoted")
    if column not in TAG_ARRAY_COLUMNS:
        return match.group(0)
    tag = f"facet = '{column}' and tag = :{match.group('param')}"
    if page:  # checked per row while walking the sort index: a primary-key lookup
        return f"exists (select 1 from study_tags where study_tags.pmid = studies.pmid and {tag})"
    return f"studies.pmid in (select pmid from study_tags where {tag})"


def plan_sql(sql: str) -> str:
    """sql with tag filters read from study_tags and, for an indexed page, the sort index walked
    (tags checked per row, search matches against their list); other SQL is unchanged."""
    if "studies" not in sql or not STUDIES_FROM.search(sql):
        return sql
    planned = ONE_COLUMN_ORDER.sub(r"order by \1\2, pmid limit", sql)
    page = bool(INDEXED_ORDER.search(planned))
    planned = ARRAY_CONTAINS.sub(lambda m: _tag_filter(m, page), planned)
    if page or COLUMN_FACET.match(planned):
        planned = PK_IN.sub(lambda m: "+" + m.group(0), planned)
    return planned
