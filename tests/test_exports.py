"""Complete exports (issue 9 item 2): RIS, BibTeX and CSL-JSON of a whole selection, streamed.

The catalog is built as production builds it (`harvest import` of PubMed XML: real parser, tagger
and citations); Datasette answers through its own test client; files are read back with rispy,
bibtexparser and json.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from datetime import date
from urllib.parse import urlencode

import bibtexparser
import httpx
import pytest
import rispy
from click.testing import CliRunner

from harvest.citing.exports import stream_export
from harvest.cli import cli
from harvest.publish.serve import make_datasette
from tests.standin_records import make_article, make_article_set

KETAMINE = 120  # studies the filtered view selects
FLAGGED = 31  # i % 16 in (3, 7, 11): 23 of the 120 ketamine trials, 8 of the 40 psilocybin
RCT = (("D016449", "Randomized Controlled Trial"), ("D016428", "Journal Article"))
PTSD = ("D013313", "Stress Disorders, Post-Traumatic", True)
NOTICES = {  # pmid offset -> the link that flags it
    3: ("RetractionIn", "J Affect Disord. 2024;350:12", 39000003),
    7: ("ExpressionOfConcernIn", "J Affect Disord. 2024;351:1", 39000007),
    11: ("ErratumIn", "J Affect Disord. 2023 Jan;320(1):5", None),
}
FLAG_OF = {"RetractionIn": "Retracted", "ExpressionOfConcernIn": "Expression of concern",
           "ErratumIn": "Corrected (erratum)"}  # fmt: skip


def article(pmid: int, drug: str, i: int) -> str:
    """A trial of `drug` for PTSD; every 4th study of a drug carries a flag by its links."""
    links = [NOTICES[i % 16]] if i % 16 in NOTICES else None
    return make_article(
        pmid,
        title=f"{drug.title()} for posttraumatic stress disorder: randomized trial {i} {{x}}",
        abstract_sections=[(None, f"In this randomized controlled trial, {40 + i} adults with "
                                  f"chronic PTSD received intravenous {drug} or placebo.")],
        year=2000 + i % 25, month=1 + i % 12, day=1 + i % 28, volume=str(100 + i), issue=f"{i}}}",
        pages=f"{i}-{i + 9}", doi=f"10.5555/{drug}.{i}_x", publication_types=RCT,
        mesh=[PTSD], keywords=[drug, "PTSD"], comments_corrections=links,
        authors=[("Ng", "Kim", "K"), ("Østergaard", "Søren", "S")],
        edat=date(2020, 1, 1 + i % 28),
    )  # fmt: skip


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    """160 imported studies: 120 ketamine trials, 40 psilocybin trials."""
    folder = tmp_path_factory.mktemp("exports")
    xml = [article(40000000 + i, "ketamine", i) for i in range(KETAMINE)]
    xml += [article(41000000 + i, "psilocybin", i) for i in range(40)]
    path = folder / "catalog.db"
    (folder / "all.xml").write_text(make_article_set(xml), encoding="utf-8")
    import_records_xml(path, folder / "all.xml")
    return path


@pytest.fixture(scope="module")
def ds(catalog):
    """Datasette on the catalog, as `harvest serve` builds it."""
    return make_datasette(catalog)


def import_records_xml(db, xml) -> None:
    """`harvest import` one XML file."""
    result = CliRunner().invoke(cli, ["import", str(xml), "--db", str(db), "--quiet"])
    assert result.exit_code == 0, result.output


def get(ds, path: str) -> httpx.Response:
    """GET through Datasette's test client."""
    return asyncio.run(ds.client.get(path))


def selected(catalog, where: str, order: str = "pmid") -> list[int]:
    """PMIDs the catalog holds for a condition, by SQL."""
    with sqlite3.connect(catalog) as conn:
        return [
            r[0] for r in conn.execute(f"select pmid from studies where {where} order by {order}")
        ]


def flagged(catalog) -> dict[int, list[str]]:
    """{pmid: flag columns set} for every flagged study."""
    with sqlite3.connect(catalog) as conn:
        rows = conn.execute(
            "select pmid, retracted, expression_of_concern, erratum from studies "
            "where retracted or expression_of_concern or erratum"
        ).fetchall()
    names = ("Retracted", "Expression of concern", "Corrected (erratum)")
    return {r[0]: [n for n, v in zip(names, r[1:], strict=True) if v] for r in rows}


KETAMINE_WHERE = "exists (select 1 from json_each(modalities) where value = 'ketamine')"


def test_the_filtered_view_selects_120_studies(catalog):
    assert len(selected(catalog, KETAMINE_WHERE)) == KETAMINE
    flags = flagged(catalog)
    expected = {p + i: [FLAG_OF[NOTICES[i % 16][0]]] for p, n in ((40000000, KETAMINE),
                (41000000, 40)) for i in range(n) if i % 16 in NOTICES}  # fmt: skip
    assert flags == expected
    assert len(flags) == FLAGGED


def test_ris_of_a_filtered_sorted_table_holds_exactly_its_studies_in_order(catalog, ds):
    response = get(ds, "/catalog/studies.ris?modalities__arraycontains=ketamine&_sort=pub_date")
    assert response.status_code == 200
    assert response.headers["content-disposition"] == 'attachment; filename="studies.ris"'
    entries = rispy.loads(response.text)
    expected = selected(catalog, KETAMINE_WHERE, "pub_date, pmid")
    assert [int(e["accession_number"]) for e in entries] == expected
    flags = flagged(catalog)
    for e in entries:
        pmid = int(e["accession_number"])
        want = flags.get(pmid, [])
        assert [k for k in e["keywords"] if k in FLAG_OF.values()] == want, pmid
        assert [n.split(". ")[0] for n in e.get("notes", []) if not n.startswith("Study: ")] == want
    retracted = next(e for e in entries if int(e["accession_number"]) == 40000003)
    assert retracted["notes"] == [
        "Retracted. Retraction in: J Affect Disord. 2024;350:12. PMID: 39000003",
        "Study: RCT \u00b7 n = 43 \u00b7 vs placebo \u00b7 1 infusion",
    ]


def test_bibtex_of_a_search_holds_every_match_and_parses(catalog, ds):
    text = get(ds, "/catalog/studies.bib?_search=psilocybin").text
    library = bibtexparser.parse_string(text)
    assert library.failed_blocks == []
    pmids = [int(e["pmid"]) for e in library.entries]
    assert sorted(pmids) == selected(catalog, "pmid >= 41000000")
    entry = next(e for e in library.entries if e["pmid"] == "41000007")
    assert entry["number"] == r"7\textbraceright{}"
    assert entry["doi"] == "10.5555/psilocybin.7_x"
    assert entry["keywords"].startswith("Expression of concern, ")
    assert entry["note"] == (
        "Expression of concern. Expression of concern in: J Affect Disord. 2024;351:1. "
        "PMID: 39000007. Study: RCT \u00b7 n = 47 \u00b7 vs placebo \u00b7 1 infusion"
    )


def test_csl_json_of_a_canned_query_holds_its_whole_result(catalog, ds):
    response = get(ds, "/catalog/evidence.csljson?condition=ptsd&modality=ketamine")
    assert response.headers["content-type"] == (
        "application/vnd.citationstyles.csl+json; charset=utf-8"
    )
    items = json.loads(response.text)
    shown = get(ds, "/catalog/evidence.json?condition=ptsd&modality=ketamine&_shape=array")
    assert [int(i["PMID"]) for i in items] == [r["pmid"] for r in shown.json()]
    assert len(items) == KETAMINE - 8  # the 8 retracted ketamine trials are not evidence
    required = {"id", "type", "title", "author", "issued", "container-title", "DOI", "PMID"}
    assert all(required <= item.keys() for item in items)
    first = next(i for i in items if i["PMID"] == "40000000")
    assert first["author"] == [{"family": "Ng", "given": "Kim"},
                               {"family": "Østergaard", "given": "Søren"}]  # fmt: skip
    assert first["issued"] == {"date-parts": [[2000, 1, 1]]}
    assert first["container-title"] == "Journal of affective disorders"
    assert (first["volume"], first["issue"], first["page"]) == ("100", "0}", "0-9")
    concern = next(i for i in items if i["PMID"] == "40000007")
    assert concern["keyword"].startswith("Expression of concern, ")
    assert concern["note"].startswith("Expression of concern. Expression of concern in: ")


def test_csl_json_of_ad_hoc_sql(catalog, ds):
    sql = "select pmid from studies where pmid % 10 = 0 order by pmid desc"
    items = json.loads(get(ds, "/catalog.csljson?" + urlencode({"sql": sql})).text)
    assert [int(i["PMID"]) for i in items] == selected(catalog, "pmid % 10 = 0", "pmid desc")


def test_stream_export_yields_one_record_at_a_time():
    rows = ({"pmid": i, "title": f"T{i}", "authors": []} for i in range(1, 4))
    chunks = list(stream_export(rows, "csljson"))
    assert len(chunks) == 5  # "[", three items, "]"
    assert [i["PMID"] for i in json.loads("".join(chunks))] == ["1", "2", "3"]
    assert "".join(stream_export([], "csljson")).split() == ["[", "]"]
    assert "".join(stream_export([], "ris")) == ""


@pytest.fixture(scope="module")
def big_catalog(catalog, tmp_path_factory):
    """20,000 studies: the imported 160 (real tags, flags, citations), cloned under new PMIDs."""
    path = tmp_path_factory.mktemp("big") / "catalog.db"
    with sqlite3.connect(catalog) as src, sqlite3.connect(path) as copy:
        src.backup(copy)  # whole database, WAL included
    with sqlite3.connect(path) as conn:
        columns = [r[1] for r in conn.execute("pragma table_info(studies)")]
        others = ", ".join(f"[{c}]" for c in columns if c != "pmid")
        conn.execute("create temp table seed as select * from studies")
        for k in range(1, 125):
            conn.execute(
                f"insert into studies (pmid, {others}) select pmid + {k * 1000}, {others} from seed"
            )
        assert conn.execute("select count(*) from studies").fetchone()[0] == 20000
    return path


@pytest.mark.parametrize("fmt", ["ris", "bib", "csljson"])
def test_the_whole_20000_study_catalog_exports_as_one_file(big_catalog, fmt):
    ds = make_datasette(big_catalog)
    text = get(ds, f"/catalog/studies.{fmt}").text
    if fmt == "ris":
        pmids = [int(e["accession_number"]) for e in rispy.loads(text)]
    elif fmt == "bib":
        library = bibtexparser.parse_string(text)
        assert library.failed_blocks == []
        pmids = [int(e["pmid"]) for e in library.entries]
    else:
        pmids = [int(i["PMID"]) for i in json.loads(text)]
    assert len(pmids) == 20000
    assert sorted(pmids) == selected(big_catalog, "1")
    flags = flagged(big_catalog)
    assert len(flags) == FLAGGED * 125
    marked = text.count("Retraction in: J Affect Disord. 2024;350:12")
    assert marked == sum("Retracted" in f for f in flags.values())
