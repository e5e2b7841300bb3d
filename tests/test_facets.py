"""Tag facets (harvest/publish/facets.py): exact counts against SQL on a generated catalog built
by `harvest import`, taxonomy labels, toggles, and results that follow the catalog's changes."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from click.testing import CliRunner

from harvest.cli import cli
from harvest.publish.evidence import LEVEL_NAMES
from harvest.publish.facets import ResultCache, cacheable
from harvest.publish.plans import plan_sql
from harvest.publish.serve import make_datasette, tag_labels
from tests.standin_records import generate_corpus, make_article_set

TAG_COLUMNS = ("conditions", "modalities", "routes", "populations")
STUDIES = 500


@pytest.fixture(scope="module")
def catalog(tmp_path_factory) -> Path:
    """500 generated PubMed records imported (parsed, tagged, stored) by `harvest import`."""
    folder = tmp_path_factory.mktemp("facets")
    corpus = folder / "corpus.xml"
    corpus.write_text(make_article_set(xml for _, xml, *_ in generate_corpus(STUDIES, seed=11)))
    db = folder / "catalog.db"
    result = CliRunner().invoke(cli, ["import", str(corpus), "--db", str(db), "--quiet"])
    assert result.exit_code == 0, result.output
    return db


def get_json(ds, path: str) -> dict:
    response = asyncio.run(ds.client.get(path))
    assert response.status_code == 200, response.text[:500]
    return response.json()


def sql_counts(db: Path, column: str, where: str = "", params: tuple = ()) -> Counter:
    """What json_each says: studies per tag of an array column (optionally filtered)."""
    conn = sqlite3.connect(db)
    sql = (
        f"select j.value, count(distinct s.pmid) from studies s, json_each(s.{column}) j "
        f"{'where ' + where if where else ''} group by j.value"
    )
    counts = Counter(dict(conn.execute(sql, params).fetchall()))
    conn.close()
    return counts


def facet_counts(data: dict, column: str) -> Counter:
    return Counter({r["value"]: r["count"] for r in data["facet_results"][column]["results"]})


def test_tag_facets_match_sql_exactly(catalog):
    ds = make_datasette(catalog)
    data = get_json(ds, "/catalog/studies.json?_facet_size=max")
    assert data["filtered_table_rows_count"] == STUDIES
    for column in TAG_COLUMNS:
        assert facet_counts(data, column) == sql_counts(catalog, column), column
        assert data["facet_results"][column]["type"] == "tags"
    assert sum(facet_counts(data, "conditions").values()) > STUDIES / 2  # the corpus is tagged
    conn = sqlite3.connect(catalog)
    for column in ("design", "evidence_level", "pub_year"):
        expected = dict(
            conn.execute(
                f"select {column}, count(*) from studies where {column} is not null "
                f"group by {column}"
            ).fetchall()
        )
        assert dict(facet_counts(data, column)) == expected, column


def test_filtered_page_counts_match_sql(catalog):
    ds = make_datasette(catalog)
    data = get_json(ds, "/catalog/studies.json?conditions__arraycontains=ptsd&_facet_size=max")
    conn = sqlite3.connect(catalog)
    ptsd = "exists (select 1 from json_each(s.conditions) c where c.value = 'ptsd')"
    total = conn.execute(f"select count(*) from studies s where {ptsd}").fetchone()[0]
    assert 0 < total < STUDIES
    assert data["filtered_table_rows_count"] == total
    for column in TAG_COLUMNS:
        assert facet_counts(data, column) == sql_counts(catalog, column, ptsd), column
    assert facet_counts(data, "conditions")["ptsd"] == total
    design = dict(
        conn.execute(f"select design, count(*) from studies s where {ptsd} group by design")
    )
    assert dict(facet_counts(data, "design")) == design


def test_labels_order_and_toggles(catalog):
    ds = make_datasette(catalog)
    labels = tag_labels()
    data = get_json(ds, "/catalog/studies.json?conditions__arraycontains=ptsd")
    conditions = data["facet_results"]["conditions"]
    assert conditions["label"] == "Conditions"
    by_value = {r["value"]: r for r in conditions["results"]}
    assert by_value["ptsd"]["label"] == labels["conditions"]["ptsd"][0] == "PTSD"
    assert by_value["ptsd"]["selected"] is True
    removed = dict(parse_qsl(urlsplit(by_value["ptsd"]["toggle_url"]).query))
    assert "conditions__arraycontains" not in removed
    counts = [r["count"] for r in conditions["results"]]
    assert counts == sorted(counts, reverse=True)
    modality = data["facet_results"]["modalities"]["results"][0]
    added = parse_qsl(urlsplit(modality["toggle_url"]).query)
    assert ("modalities__arraycontains", modality["value"]) in added
    assert ("conditions__arraycontains", "ptsd") in added
    levels = data["facet_results"]["evidence_level"]["results"]
    assert [r["value"] for r in levels] == sorted(r["value"] for r in levels)
    assert levels[0]["label"] == f"{levels[0]['value']} · {LEVEL_NAMES[levels[0]['value']]}"
    years = [r["value"] for r in data["facet_results"]["pub_year"]["results"]]
    assert years == sorted(years, reverse=True)
    assert data["facet_results"]["pub_year"]["label"] == "Year published"
    design = data["facet_results"]["design"]["results"][0]
    assert design["label"] == labels["design"][design["value"]][0]
    assert ("design", design["value"]) in parse_qsl(urlsplit(design["toggle_url"]).query)


def test_html_page_shows_labels_not_slugs(catalog):
    ds = make_datasette(catalog)
    response = asyncio.run(ds.client.get("/catalog/studies", follow_redirects=True))
    assert response.status_code == 200
    html = response.text
    assert "<strong>Conditions" in html and "(tags)" not in html and "(array)" not in html
    assert ">PTSD</a>" in html
    assert ">Year published" in html


def test_counts_follow_a_write_by_another_connection(tmp_path, catalog):
    db = tmp_path / "copy.db"
    source, target = sqlite3.connect(catalog), sqlite3.connect(db)
    source.backup(target)
    source.close()
    ds = make_datasette(db)
    before = get_json(ds, "/catalog/studies.json?conditions__arraycontains=ptsd")
    again = get_json(ds, "/catalog/studies.json?conditions__arraycontains=ptsd")
    assert again["filtered_table_rows_count"] == before["filtered_table_rows_count"]
    pmid = target.execute(
        "select pmid from studies where conditions not like '%\"ptsd\"%' limit 1"
    ).fetchone()[0]
    conditions = json.loads(
        target.execute(f"select conditions from studies where pmid = {pmid}").fetchone()[0]
    )
    with target:
        target.execute(
            "update studies set conditions = ? where pmid = ?",
            (json.dumps([*conditions, "ptsd"]), pmid),
        )
        target.execute(
            "insert into study_tags (pmid, facet, tag, source, evidence) "
            "values (?, 'conditions', 'ptsd', 'title', 'PTSD')",
            (pmid,),
        )
    after = get_json(ds, "/catalog/studies.json?conditions__arraycontains=ptsd")
    assert after["filtered_table_rows_count"] == before["filtered_table_rows_count"] + 1
    ptsd = facet_counts(after, "conditions")["ptsd"]
    assert ptsd == facet_counts(before, "conditions")["ptsd"] + 1
    target.close()


def test_result_cache_starts_a_generation_on_each_commit(tmp_path):
    path = tmp_path / "c.db"
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("create table t (x)")
    readers = [sqlite3.connect(path) for _ in range(2)]
    cache = ResultCache(size=2)
    calls = []

    def count(conn):
        calls.append(1)
        return conn.execute("select count(*) from t").fetchone()[0]

    assert cache.get(readers[0], ("n",), lambda: count(readers[0])) == 0
    assert cache.get(readers[1], ("n",), lambda: count(readers[1])) == 0
    assert cache.get(readers[0], ("n",), lambda: count(readers[0])) == 0
    first_calls = len(calls)
    writer.execute("insert into t values (1)")
    assert cache.get(readers[0], ("n",), lambda: count(readers[0])) == 1
    assert cache.get(readers[1], ("n",), lambda: count(readers[1])) == 1
    assert len(calls) > first_calls
    for i in range(3):
        cache.get(readers[0], ("k", i), lambda i=i: i)
    assert len(cache._entries) == 2


def test_one_thread_computes_a_missing_result_while_others_wait(tmp_path):
    path = tmp_path / "c.db"
    conns = [sqlite3.connect(path, check_same_thread=False) for _ in range(6)]
    cache = ResultCache()
    for conn in conns:
        cache.generation(conn)  # Datasette's connections live as long as their threads
    calls = []
    started = threading.Event()

    def slow():
        calls.append(1)
        started.set()
        time.sleep(0.2)
        return 42

    results: list = []
    threads = [
        threading.Thread(target=lambda c=c: results.append(cache.get(c, ("page",), slow)))
        for c in conns
    ]
    threads[0].start()
    assert started.wait(5)
    for thread in threads[1:]:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [42] * 6
    assert len(calls) == 1


def test_clock_and_chance_are_never_kept():
    assert (
        cacheable("select count(*) from studies where first_seen > date('now', '-7 days')") is False
    )
    assert cacheable("select * from studies order by random() limit 1") is False
    assert cacheable("select count(*) from studies where on_topic = 1") is True


def test_tag_filters_read_study_tags_with_the_same_rows(catalog):
    """Two tag filters and a search: the page's rows, order and counts are what json_each says."""
    ds = make_datasette(catalog)
    conn = sqlite3.connect(catalog)
    ptsd = "exists (select 1 from json_each(s.conditions) c where c.value = 'ptsd')"
    ketamine = "exists (select 1 from json_each(s.modalities) m where m.value = 'ketamine')"
    path = "/catalog/studies.json?conditions__arraycontains=ptsd&modalities__arraycontains=ketamine"
    data = get_json(ds, path + "&_facet_size=max&_size=20&_shape=objects")
    expected = [
        r[0]
        for r in conn.execute(
            f"select pmid from studies s where {ptsd} and {ketamine} "
            "order by pub_date desc, pmid limit 20"
        )
    ]
    assert [row["pmid"] for row in data["rows"]] == expected
    total = conn.execute(f"select count(*) from studies s where {ptsd} and {ketamine}").fetchone()
    assert data["filtered_table_rows_count"] == total[0] > 0
    assert facet_counts(data, "routes") == sql_counts(catalog, "routes", f"{ptsd} and {ketamine}")
    fts = "s.pmid in (select rowid from studies_fts where studies_fts match 'ketamine')"
    data = get_json(ds, "/catalog/studies.json?_search=ketamine&_size=20&_shape=objects")
    expected = [
        r[0]
        for r in conn.execute(
            f"select pmid from studies s where {fts} order by pub_date desc, pmid limit 20"
        )
    ]
    assert [row["pmid"] for row in data["rows"]] == expected
    total = conn.execute(f"select count(*) from studies s where {fts}").fetchone()[0]
    assert data["filtered_table_rows_count"] == total > 20
    assert facet_counts(data, "conditions") == sql_counts(catalog, "conditions", fts)


def test_plan_sql_rewrites_tag_columns_only():
    sql = (
        'select pmid from studies where :p0 in (select value from json_each("studies"."safety"))'
        " and :p1 in (select value from json_each(studies.keywords)) order by pub_date desc"
        " limit 51"
    )
    assert plan_sql(sql) == (
        "select pmid from studies where exists (select 1 from study_tags where"
        " study_tags.pmid = studies.pmid and facet = 'safety' and tag = :p0) and :p1 in"
        " (select value from json_each(studies.keywords)) order by pub_date desc, pmid limit 51"
    )
    count = "select count(*) from studies where pmid in (select rowid from studies_fts where x)"
    assert plan_sql(count) == count  # no page order: the list drives the lookups
    other = "select value from json_each(:p0) where :p0 in (select value from json_each(t.c))"
    assert plan_sql(other) == other


def test_pages_are_kept_until_a_commit(tmp_path, catalog):
    """The same page twice is the same answer; a write by another connection shows at once."""
    db = tmp_path / "copy.db"
    source, target = sqlite3.connect(catalog), sqlite3.connect(db)
    source.backup(target)
    source.close()
    ds = make_datasette(db)
    path = "/catalog/studies?conditions__arraycontains=ptsd"
    first = asyncio.run(ds.client.get(path))
    again = asyncio.run(ds.client.get(path))
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert again.headers["x-frame-options"] == "DENY"
    total = target.execute(
        "select count(distinct pmid) from study_tags where facet = 'conditions' and tag = 'ptsd'"
    ).fetchone()[0]
    assert f"{total:,} rows where conditions contains" in first.text.replace("\n", " ")
    pmid = target.execute(
        "select pmid from studies where conditions not like '%\"ptsd\"%' limit 1"
    ).fetchone()[0]
    with target:
        target.execute(
            "update studies set conditions = json_insert(conditions, '$[#]', 'ptsd')"
            " where pmid = ?",
            (pmid,),
        )
        target.execute(
            "insert into study_tags (pmid, facet, tag, source, evidence) "
            "values (?, 'conditions', 'ptsd', 'title', 'PTSD')",
            (pmid,),
        )
    after = asyncio.run(ds.client.get(path))
    assert f"{total + 1:,} rows where conditions contains" in after.text.replace("\n", " ")
    target.close()


def test_studies_page_reads_the_columns_it_shows(catalog):
    """The HTML page selects its ten columns and the flags; JSON and `_all=1` keep all."""
    ds = make_datasette(catalog)
    html = asyncio.run(ds.client.get("/catalog/studies?on_topic=1&human=1")).text
    shown = re.findall(r'<th [^>]*data-column="(\w+)"', html)
    assert shown == [
        "pmid", "title", "journal", "pub_year", "authors", "conditions", "modalities", "design",
        "evidence_level", "retracted",
    ]  # fmt: skip
    everything = asyncio.run(ds.client.get("/catalog/studies?on_topic=1&human=1&_all=1")).text
    assert 'data-column="abstract"' in everything and 'data-column="abstract"' not in html
    data = get_json(ds, "/catalog/studies.json?on_topic=1&human=1&_size=1")
    assert "abstract" in data["columns"] and len(data["columns"]) > 60
