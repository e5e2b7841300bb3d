"""The catalog's Datasette: metadata, canned queries, facets, search, exports and pages.

Datasette runs through its own test client (`ds.client`) on a catalog file written by
tests/catalog_factory.py through harvest.catalog.db and harvest.save.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

import bibtexparser
import httpx
import pytest
import rispy
from markupsafe import escape

from harvest.publish.serve import load_metadata, make_datasette, tag_labels
from tests.catalog_factory import MIDAZOLAM_PMIDS, NOTICE, STUDIES, build_catalog

ATOM = "{http://www.w3.org/2005/Atom}"
ALL = [*STUDIES, NOTICE]
FTS_SHADOW = ("studies_fts",)


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    """The test catalog file."""
    return build_catalog(tmp_path_factory.mktemp("plugin") / "catalog.db", with_notice=True)


@pytest.fixture(scope="module")
def ds(catalog):
    """Datasette on the test catalog, as `harvest serve` builds it."""
    return make_datasette(catalog)


@pytest.fixture(scope="module")
def conn(catalog):
    """A read-only SQLite connection to the same file, to compute expected values."""
    connection = sqlite3.connect(f"file:{catalog}?mode=ro", uri=True)
    yield connection
    connection.close()


def get(ds, path: str) -> httpx.Response:
    """GET a path through Datasette's test client, following redirects."""
    return asyncio.run(ds.client.get(path, follow_redirects=True))


def sql_url(fmt: str, sql: str, **args: str) -> str:
    """The database's URL running `sql` in format `fmt`."""
    return f"/catalog.{fmt}?" + urlencode({"sql": sql, **args})


def get_json(ds, path: str):
    """GET a .json path and decode it, insisting on 200."""
    response = get(ds, path)
    assert response.status_code == 200, response.text
    return response.json()


def test_metadata_has_title_license_and_source(ds):
    metadata = get_json(ds, "/-/metadata.json")
    assert metadata["title"] == "Evidence catalog — ketamine, psilocybin and MDMA for trauma"
    assert metadata["license"] == (
        "NLM Terms and Conditions (abstracts may be under publisher copyright)"
    )
    assert metadata["license_url"] == (
        "https://www.nlm.nih.gov/databases/download/terms_and_conditions.html"
    )
    assert metadata["source"] == "PubMed, U.S. National Library of Medicine"
    assert metadata["source_url"] == "https://pubmed.ncbi.nlm.nih.gov/"


def test_every_table_and_column_a_user_sees_is_described(conn):
    tables = load_metadata()["databases"]["catalog"]["tables"]
    names = {
        row[0]
        for row in conn.execute("select name from sqlite_master where type = 'table'")
        if not row[0].startswith(FTS_SHADOW) and not row[0].startswith("sqlite_")
    }
    assert set(tables) == names
    for name, table in tables.items():
        columns = [row[1] for row in conn.execute(f"pragma table_info([{name}])")]
        if table.get("hidden"):
            continue
        assert table["description"], name
        assert list(table["columns"]) == columns, name
        assert all(table["columns"].values()), name


def test_every_canned_query_runs(ds):
    queries = load_metadata()["databases"]["catalog"]["queries"]
    assert sorted(queries) == [
        "evidence",
        "evidence_map",
        "new_studies",
        "pages_to_review",
        "recruiting_trials",
        "refreshes",
        "reported_harms",
        "retractions_and_corrections",
        "studies_by_journal",
        "studies_by_year",
        "unpublished_trials",
    ]
    # Queries over tables this catalog leaves empty (registered trials, the page ledger).
    empty_here = {"pages_to_review", "recruiting_trials", "reported_harms", "unpublished_trials"}
    for name, query in queries.items():
        assert query["title"] and query["description"], name
        data = get_json(ds, f"/catalog/{name}.json")
        assert data["ok"] is True, name
        assert bool(data["rows"]) is (name not in empty_here), name


def facet_counts(data: dict, name: str) -> dict:
    """{value: count} of one facet in a table's JSON."""
    return {r["value"]: r["count"] for r in data["facet_results"][name]["results"]}


def test_default_facets_count_what_the_catalog_holds(ds, conn):
    data = get_json(ds, "/catalog/studies.json")
    assert sorted(data["facet_results"]) == [
        "comparators",
        "conditions",
        "design",
        "dose_band",
        "evidence_level",
        "funding",
        "modalities",
        "populations",
        "pub_year",
        "routes",
        "safety",
    ]
    for column in ("design", "evidence_level", "pub_year"):
        sql = f"select {column}, count(*) from studies group by {column}"
        assert facet_counts(data, column) == dict(conn.execute(sql).fetchall()), column
    for column in ("conditions", "modalities", "routes", "populations"):
        sql = f"select j.value, count(*) from studies, json_each(studies.{column}) j group by 1"
        assert facet_counts(data, column) == dict(conn.execute(sql).fetchall()), column
    assert facet_counts(data, "conditions") == {  # the real tagger's, notice included
        "ptsd": 9,
        "psychological-trauma": 9,
        "depression": 2,
        "substance-use": 1,
        "treatment-resistant-depression": 1,
    }


def test_facet_selection_filters(ds):
    data = get_json(ds, "/catalog/studies.json?modalities__arraycontains=ketamine&_facet=design")
    assert data["filtered_table_rows_count"] == 5


def test_newest_first_by_default(ds, conn):
    data = get_json(ds, "/catalog/studies.json?_shape=objects&_col=pub_date")
    expected = [r[0] for r in conn.execute("select pmid from studies order by pub_date desc")]
    assert [r["pmid"] for r in data["rows"]] == expected


def test_full_text_search(ds):
    data = get_json(ds, "/catalog/studies.json?_search=midazolam&_shape=array&_col=pmid")
    assert {r["pmid"] for r in data} == MIDAZOLAM_PMIDS | {36500001}


def test_evidence_query_orders_by_level_then_newest(ds):
    rows = get_json(ds, "/catalog/evidence.json?condition=ptsd&modality=ketamine&_shape=array")
    assert [(r["pmid"], r["evidence_level"], r["pub_year"]) for r in rows] == [
        (36500001, 1, 2023),
        (33397139, 2, 2021),
        (24740528, 2, 2014),
        (36500003, 4, 2020),
    ]


def test_evidence_query_without_parameters_leaves_out_retracted_off_topic_and_notices(ds):
    rows = get_json(ds, "/catalog/evidence.json?_shape=array")
    assert len(rows) == 8
    assert {31065731, 36500004, NOTICE["pmid"]}.isdisjoint(r["pmid"] for r in rows)


def test_retractions_and_corrections(ds):
    rows = get_json(ds, "/catalog/retractions_and_corrections.json?_shape=array")
    flags = [(r["pmid"], r["retracted"], r["erratum"], r["expression_of_concern"]) for r in rows]
    assert flags == [(31065731, 1, 0, 0), (36500006, 0, 0, 1), (36500003, 0, 1, 0)]


def test_counts_by_year_and_journal(ds):
    years = get_json(ds, "/catalog/studies_by_year.json?_shape=array")
    assert [(r["pub_year"], r["studies"]) for r in years][:3] == [(2025, 1), (2024, 1), (2023, 1)]
    assert sum(r["studies"] for r in years) == len(ALL)
    journals = get_json(ds, "/catalog/studies_by_journal.json?_shape=array")
    assert len(journals) == len(STUDIES)  # the notice shares its study's journal


def test_new_studies_atom_feed(ds):
    response = get(ds, "/catalog/new_studies.atom")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}title") == "New studies in the evidence catalog"
    assert feed.findtext(f"{ATOM}updated") == "2025-03-03T02:00:00Z"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(ALL)
    notice, first = entries[:2]
    assert notice.findtext(f"{ATOM}title").startswith(
        "[Retraction notice, not evidence] Retraction Note: MDMA-assisted psychotherapy"
    )
    assert first.findtext(f"{ATOM}id") == "https://pubmed.ncbi.nlm.nih.gov/36500006/"
    assert first.findtext(f"{ATOM}title") == (
        "[Expression of concern] Single-dose ketamine for treatment-resistant depression: "
        "a randomized trial."
    )
    assert first.findtext(f"{ATOM}updated") == "2025-03-03T02:00:00Z"
    assert first.find(f"{ATOM}link").get("href") == "https://pubmed.ncbi.nlm.nih.gov/36500006/"
    content = first.find(f"{ATOM}content")
    assert content.get("type") == "html"
    assert content.text.startswith("<p>Kowalski P, Novak J, Horvat E, et al. Single-dose")
    assert (
        "Expression of concern in: Biol Psychiatry. 2024;95(1):1. PMID: 38000002." in content.text
    )
    retracted = next(e for e in entries if e.findtext(f"{ATOM}id").endswith("/31065731/"))
    assert retracted.findtext(f"{ATOM}title").startswith("[Retracted] MDMA-assisted")
    assert retracted.find(f"{ATOM}content").text.startswith("<p><strong>RETRACTED.</strong>")


def test_atom_from_arbitrary_sql_is_text_and_needs_its_columns(ds):
    sql = "select 1 as atom_id, 'T' as atom_title, '2024-01-02' as atom_updated, "
    sql += "'<script>x</script>' as atom_content_html"
    feed = ET.fromstring(get(ds, sql_url("atom", sql)).content)
    content = feed.find(f"{ATOM}entry/{ATOM}content")
    assert (content.get("type"), content.text) == ("text", "<script>x</script>")
    assert feed.findtext(f"{ATOM}entry/{ATOM}updated") == "2024-01-02T00:00:00Z"
    response = get(ds, sql_url("atom", "select 1 as atom_id"))
    assert response.status_code == 400
    assert response.text == "Atom export needs the columns: atom_title, atom_updated"


def test_ris_export_of_all_studies(ds, conn):
    response = get(ds, "/catalog/studies.ris?_size=max")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-research-info-systems; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="studies.ris"'
    entries = rispy.loads(response.text)
    assert len(entries) == len(ALL)
    retracted = next(e for e in entries if e["accession_number"] == "31065731")
    assert retracted["keywords"][0] == "Retracted"
    assert retracted["notes"] == [
        "Retracted. Retraction in: Psychopharmacology (Berl). 2024;241(9):1949. PMID: 39150510",
        "Study: Protocol",
    ]
    notice = next(e for e in entries if e["accession_number"] == "39150510")
    assert notice["notes"] == [
        "Retraction notice for PMID 31065731 (Psychopharmacology (Berl). 2019;236(9):2735-2745); "
        "not evidence"
    ]
    dois = {r[0] for r in conn.execute("select doi from studies where doi is not null")}
    assert {e["doi"] for e in entries if "doi" in e} == dois
    feder = next(e for e in entries if e["accession_number"] == "24740528")
    assert feder["authors"][:2] == ["Feder, A", "Parides, MK"]
    assert (feder["start_page"], feder["end_page"]) == ("681", "688")


def test_bibtex_export_of_all_studies(ds, conn):
    response = get(ds, "/catalog/studies.bib?_size=max")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-bibtex; charset=utf-8"
    library = bibtexparser.parse_string(response.text)
    assert library.failed_blocks == []
    assert len(library.entries) == len(ALL)
    dois = {r[0] for r in conn.execute("select doi from studies where doi is not null")}
    assert {e["doi"] for e in library.entries if "doi" in e.fields_dict} == dois
    concern = next(e for e in library.entries if e.key == "kowalski2019_36500006")
    assert concern["keywords"].startswith("Expression of concern, ")
    assert concern["note"] == (
        "Expression of concern. Expression of concern in: Biol Psychiatry. 2024;95(1):1. "
        "PMID: 38000002. Study: RCT \u00b7 n = 60 \u00b7 vs placebo / active placebo "
        "\u00b7 1 infusion"
    )
    keys = {e.key for e in library.entries}
    assert {"feder2014_24740528", "feder2021_33397139", "anon2022_36500005"} <= keys


def test_exports_of_a_query_and_of_a_filtered_table(ds):
    ris = get(ds, "/catalog/evidence.ris?condition=ptsd&modality=ketamine")
    assert [e["accession_number"] for e in rispy.loads(ris.text)] == [
        "36500001",
        "33397139",
        "24740528",
        "36500003",
    ]
    assert ris.headers["content-disposition"] == 'attachment; filename="evidence.ris"'
    bib = get(ds, "/catalog/studies.bib?_search=midazolam")
    assert len(bibtexparser.parse_string(bib.text).entries) == 3


def test_exports_need_a_pmid_and_read_the_studies_of_any_table(ds, conn):
    response = get(ds, "/catalog/harvest_runs.ris")
    assert response.status_code == 400
    assert response.text == "Export failed: export needs a pmid column; harvest_runs has none"
    response = get(ds, sql_url("bib", "select title from studies"))
    assert response.status_code == 400
    assert response.text == "Export failed: export needs a pmid column in the result"
    response = get(ds, "/catalog/no_such_thing.ris")
    assert response.status_code == 404
    # study_tags lists a study once per tag; its export holds each tagged study once.
    tagged = {r[0] for r in conn.execute("select distinct pmid from study_tags")}
    entries = rispy.loads(get(ds, "/catalog/study_tags.ris?facet=design").text)
    assert sorted(int(e["accession_number"]) for e in entries) == sorted(tagged)
    # One row of a table through Datasette's renderer.
    row = rispy.loads(get(ds, "/catalog/studies/31065731.ris").text)
    assert [(e["accession_number"], e["keywords"][0]) for e in row] == [("31065731", "Retracted")]


def test_export_links_only_where_they_work(ds, conn):
    page = get(ds, "/catalog/studies?modalities__arraycontains=ketamine").text
    count = conn.execute(
        "select count(*) from studies where exists "
        "(select 1 from json_each(modalities) where value = 'ketamine')"
    ).fetchone()[0]
    assert (
        f'<p class="ec-export-all">Export all {count} studies:\n'
        '  <a href="/catalog/studies.ris?modalities__arraycontains=ketamine">RIS</a> &middot;\n'
        '  <a href="/catalog/studies.bib?modalities__arraycontains=ketamine">BibTeX</a> &middot;\n'
        '  <a href="/catalog/studies.csljson?modalities__arraycontains=ketamine">CSL-JSON</a>\n'
    ) in page
    query = get(ds, "/catalog/evidence?condition=ptsd&modality=ketamine").text
    assert "Export all 4 studies:" in query
    assert '<a href="/catalog/evidence.csljson?condition=ptsd&amp;modality=ketamine">' in query
    page = get(ds, "/catalog/study_tags").text
    assert ".ris" not in page and ".bib" not in page
    assert "new_studies.atom" in get(ds, "/catalog/new_studies").text


def test_study_page_links_citation_abstract_and_tags(ds):
    page = get(ds, "/catalog/studies/24740528").text
    assert '<a class="ec-link" href="https://pubmed.ncbi.nlm.nih.gov/24740528/">PubMed</a>' in page
    assert 'href="https://doi.org/10.1001/jamapsychiatry.2014.62">doi.org</a>' in page
    citation = STUDIES[0]
    assert (
        '<p id="citation-ama" class="ec-citation-text">Feder A, Parides MK, Murrough JW, et al. '
        "Efficacy of intravenous ketamine for treatment of chronic posttraumatic stress disorder: "
        "a randomized clinical trial. JAMA Psychiatry. 2014;71(6):681-688. "
        "doi:10.1001/jamapsychiatry.2014.62</p>"
    ) in page
    assert citation["pmid"] == 24740528
    assert 'data-copy="citation-ama">Copy AMA citation</button>' in page
    assert '<strong class="ec-section-label">DESIGN, SETTING, AND PARTICIPANTS:</strong>' in page
    assert "<td>conditions</td><td>ptsd</td><td>title</td><td>title: posttraumatic stress" in page
    label, description = tag_labels()["modalities"]["ketamine"]
    assert (
        '<a class="ec-chip" href="/catalog/studies?modalities__arraycontains=ketamine" '
        f'title="{escape(description)}">{label}</a>'
    ) in page
    assert "ec-warning" not in page


def test_study_page_links_pmc(ds):
    page = get(ds, "/catalog/studies/33972795").text
    assert 'href="https://pmc.ncbi.nlm.nih.gov/articles/PMC8205851/">PubMed Central</a>' in page


def test_retracted_study_page_says_so(ds):
    page = get(ds, "/catalog/studies/31065731").text
    assert '<div class="ec-warning ec-retracted" role="alert">' in page
    assert "<strong>&#9888; Retracted.</strong> This study has been retracted." in page
    assert (
        '<a href="https://pubmed.ncbi.nlm.nih.gov/39150510/">Read the notice on PubMed</a>' in page
    )


def test_retracted_study_page_copies_the_retraction_after_a_warning(ds):
    page = get(ds, "/catalog/studies/31065731").text
    ama = (
        '<p id="citation-ama" class="ec-citation-text">Mithoefer MC, Feduccia AA, Jerome L, et al. '
        "MDMA-assisted psychotherapy for treatment of PTSD: study design and rationale for phase 3 "
        "trials based on pooled analysis of six phase 2 randomized controlled trials. "
        "Psychopharmacology (Berl). 2019;236(9):2735-2745. doi:10.1007/s00213-019-05249-5. "
        "Retracted in: Psychopharmacology (Berl). 2024;241(9):1949. PMID: 39150510.</p>"
    )
    assert ama in page
    assert (
        "(Retraction published 2024, Psychopharmacology (Berl), 241[9], 1949; PMID: 39150510)"
        in page
    )
    assert "Retraction in: Psychopharmacology (Berl). 2024;241(9):1949. PMID: 39150510." in page
    warning = 'data-confirm="This study has been retracted. Copy its citation anyway?'
    assert page.count(warning) == 3
    assert 'data-copy="citation-ama">Copy AMA citation</button>' not in page
    ordinary = get(ds, "/catalog/studies/24740528").text
    assert "data-confirm" not in ordinary


def test_a_notice_page_points_to_the_study_it_concerns(ds):
    page = get(ds, f"/catalog/studies/{NOTICE['pmid']}").text
    assert '<div class="ec-warning ec-notice" role="note">' in page
    assert "<strong>Retraction notice: not evidence.</strong>" in page
    assert (
        '<a class="ec-notice-target" href="/catalog/studies/31065731">PMID 31065731</a> '
        "(Psychopharmacology (Berl). 2019;236(9):2735-2745)."
    ) in page


def test_titles_are_badged_wherever_they_are_listed(ds):
    sql = "select pmid, title from studies order by pmid"  # no flag columns in the result
    page = get(ds, "/catalog?" + urlencode({"sql": sql})).text
    assert page.count('<span class="ec-badge ec-retracted"') == 1
    assert page.count('<span class="ec-badge ec-expression-of-concern"') == 1
    assert page.count('<span class="ec-badge ec-erratum"') == 1
    assert (
        '<span class="ec-badge ec-notice" title="A notice about another study; cite the study it '
        'concerns, not this record.">Retraction notice, not evidence: concerns '
        '<a href="/catalog/studies/31065731">PMID 31065731</a></span>'
    ) in page
    search = get(ds, "/catalog/studies?_search=MDMA&_all=1").text
    assert '<span class="ec-badge ec-retracted"' in search
    assert '<span class="ec-badge ec-notice"' in search


def test_table_cells_badges_chips_and_links(ds):
    page = get(ds, "/catalog/studies?_all=1").text
    assert '<span class="ec-badge ec-retracted"' in page
    assert '<span class="ec-badge ec-erratum"' in page
    label, description = tag_labels()["populations"]["veterans-military"]
    assert (
        '<a class="ec-chip" href="/catalog/studies?populations__arraycontains=veterans-military" '
        f'title="{escape(description)}">{label}</a>'
    ) in page
    assert '<a href="https://doi.org/10.1038/s41591-021-01336-3">' in page
    query = get(ds, "/catalog/evidence?condition=ptsd&modality=ketamine").text
    assert (
        '<a href="/catalog/studies/24740528">24740528</a> '
        '<a class="ec-ext" href="https://pubmed.ncbi.nlm.nih.gov/24740528/">PubMed</a>'
    ) in query


def test_studies_table_shows_main_columns_unless_asked(ds):
    compact = get(ds, "/catalog/studies").text
    assert 'data-column="title"' in compact and 'data-column="abstract"' not in compact
    assert "Show all columns" in compact
    full = get(ds, "/catalog/studies?_all=1").text
    assert 'data-column="abstract"' in full and "Show all columns" not in full


def test_index_describes_the_catalog(ds):
    page = get(ds, "/").text
    assert "The search behind it:" in page
    assert '<a href="/catalog/new_studies.atom">feed of new studies</a>' in page


def test_static_assets_are_served(ds):
    css = get(ds, "/-/evidence-catalog/catalog.css")
    assert css.status_code == 200 and ".ec-badge" in css.text
    js = get(ds, "/-/evidence-catalog/catalog.js")
    assert js.status_code == 200 and "navigator.clipboard.writeText" in js.text


def test_html_escape_sql_function(ds):
    rows = get_json(
        ds, sql_url("json", "select html_escape('<a href=\"x\">&') as h", _shape="array")
    )
    assert rows == [{"h": "&lt;a href=&#34;x&#34;&gt;&amp;"}]


def test_json_columns_stay_json(ds):
    row = get_json(ds, "/catalog/studies/24740528.json?_shape=objects")["rows"][0]
    assert json.loads(row["conditions"]) == ["ptsd", "psychological-trauma"]
