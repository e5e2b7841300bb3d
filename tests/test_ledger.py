"""The ledger of what each page cites (harvest/citing/ledger.py): scans and re-scans, reviews when
a cited study changes, resolving them, stronger evidence; and end to end, a refresh through the
E-utilities stand-in that retracts a cited study, seen by `harvest status`, the canned query
`pages_to_review` and its Atom feed."""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from harvest.catalog.db import open_db
from harvest.catalog.snapshot import save_snapshot
from harvest.citing.ledger import (
    pages_to_review,
    resolve_review,
    review_cited_studies,
    scan_pages,
    stronger_evidence,
)
from harvest.errors import HarvestError
from harvest.publish.serve import make_datasette
from tests.standin_records import make_article_set
from tests.test_check import check_catalog
from tests.test_nightly import harvest, revise, rows

ROOT = Path(__file__).resolve().parent.parent
ATOM = "{http://www.w3.org/2005/Atom}"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def site(tmp_path) -> Path:
    folder = tmp_path / "site"
    write(
        folder,
        "guides/ptsd.md",
        "# Ketamine\n\nPMID: 24740528\n\nSee doi:10.1176/appi.ajp.2020.20050596.\n",
    )
    write(folder, "mdma.html", '<p><a href="https://pubmed.ncbi.nlm.nih.gov/33972795/">trial</a></p>\n'
                               "<p>Unknown: doi:10.9999/none.1</p>\n")  # fmt: skip
    write(folder, ".drafts/hidden.md", "PMID: 31065731\n")
    write(folder, "logo.png", "not a page")
    return folder


@pytest.fixture
def db(tmp_path):
    catalog = open_db(check_catalog(tmp_path / "catalog.db"))
    yield catalog
    catalog.conn.close()


def citations(db) -> list[tuple]:
    return [
        tuple(r)
        for r in db.conn.execute(
            "select page, pmid, kind, line, first_seen, last_seen, removed, removed_at "
            "from page_citations order by page, pmid"
        )
    ]


def test_scan_records_each_pages_citations(db, site):
    outcome = scan_pages(db, [site], now="2026-01-05T02:00:00Z")
    assert outcome.summary() == (
        "ledger: 2 pages, 3 cited studies (3 new, 0 removed), 1 citations not in the catalog, "
        "0 to review"
    )
    t = "2026-01-05T02:00:00Z"
    assert citations(db) == [
        ("guides/ptsd.md", 24740528, "pmid", 3, t, t, 0, None),
        ("guides/ptsd.md", 33397139, "doi", 5, t, t, 0, None),
        ("mdma.html", 33972795, "pmid", 1, t, t, 0, None),
    ]
    assert [
        tuple(r)
        for r in db.conn.execute(
            "select page, path, first_seen, last_scanned, citations, unmatched from pages "
            "order by page"
        )
    ] == [
        ("guides/ptsd.md", str(site / "guides/ptsd.md"), t, t, 2, 0),
        ("mdma.html", str(site / "mdma.html"), t, t, 1, 1),
    ]


def test_a_page_records_the_snapshot_it_was_checked_against(db, site, tmp_path):
    scan_pages(db, [site / "mdma.html"])
    assert db.conn.execute("select snapshot from pages").fetchall() == [(None,)]
    snap = save_snapshot(db, tmp_path / "snapshots", day="2026-01-04")
    scan_pages(db, [site / "mdma.html"])
    assert snap.file == "catalog-2026-01-04.db"
    assert db.conn.execute("select snapshot from pages").fetchall() == [(snap.file,)]


def test_rescan_updates_and_marks_removed_never_deletes(db, site):
    scan_pages(db, [site], now="2026-01-05T02:00:00Z")
    write(
        site, "guides/ptsd.md", "Now: https://pubmed.ncbi.nlm.nih.gov/36500001/\n\nPMID: 24740528\n"
    )
    outcome = scan_pages(db, [site], now="2026-02-01T02:00:00Z")
    assert (outcome.added, outcome.removed) == (1, 1)
    old, new = "2026-01-05T02:00:00Z", "2026-02-01T02:00:00Z"
    assert citations(db) == [
        ("guides/ptsd.md", 24740528, "pmid", 3, old, new, 0, None),
        ("guides/ptsd.md", 33397139, "doi", 5, old, old, 1, new),
        ("guides/ptsd.md", 36500001, "pmid", 1, new, new, 0, None),
        ("mdma.html", 33972795, "pmid", 1, old, new, 0, None),
    ]
    write(site, "guides/ptsd.md", "Back: doi:10.1176/appi.ajp.2020.20050596\n")
    scan_pages(db, [site], now="2026-03-01T02:00:00Z")
    assert [r[1:3] + r[6:] for r in citations(db) if r[0] == "guides/ptsd.md"] == [
        (24740528, "pmid", 1, "2026-03-01T02:00:00Z"),
        (33397139, "doi", 0, None),
        (36500001, "pmid", 1, "2026-03-01T02:00:00Z"),
    ]


def test_base_url_names_pages_by_url_and_files_by_their_path(db, site):
    scan_pages(db, [site], base_url="https://clinic.example.org/", now="2026-01-05T02:00:00Z")
    scan_pages(db, [site / "mdma.html"], now="2026-01-05T02:00:00Z")
    assert [r[0] for r in db.conn.execute("select page from pages order by page")] == [
        str(site / "mdma.html"),
        "https://clinic.example.org/guides/ptsd.md",
        "https://clinic.example.org/mdma.html",
    ]


def test_a_bad_file_stops_the_scan_before_anything_is_written(db, site):
    (site / "broken.md").write_bytes(b"%PDF-1.4 binary")
    with pytest.raises(HarvestError, match=r"broken\.md: not a plain text"):
        scan_pages(db, [site])
    assert db.conn.execute("select count(*) from page_citations").fetchone() == (0,)
    with pytest.raises(HarvestError, match="no such file or folder"):
        scan_pages(db, [site / "missing"])


def test_every_reason_lists_the_page_until_resolved_and_again_on_the_next_change(db, site):
    scan_pages(db, [site], now="2026-01-05T02:00:00Z")
    conn = db.conn
    conn.execute("update studies set retracted = 1 where pmid = 24740528")
    conn.execute("update studies set expression_of_concern = 1 where pmid = 33397139")
    conn.execute("update studies set deleted = 1 where pmid = 33972795")
    assert review_cited_studies(db, run_id=7, now="2026-01-06T02:00:00Z") == 3
    assert [(r["page"], r["pmid"], r["reason"], r["label"], r["detected"])
            for r in pages_to_review(db)] == [
        ("guides/ptsd.md", 24740528, "retracted", "retracted", "2026-01-06T02:00:00Z"),
        ("guides/ptsd.md", 33397139, "expression_of_concern", "under an expression of concern",
         "2026-01-06T02:00:00Z"),
        ("mdma.html", 33972795, "deleted", "deleted by PubMed", "2026-01-06T02:00:00Z"),
    ]  # fmt: skip
    # a second refresh with nothing new lists nothing twice
    assert review_cited_studies(db, run_id=8, now="2026-01-07T02:00:00Z") == 3
    assert resolve_review(db, "guides/ptsd.md", 24740528, "editor", "replaced the citation") == 1
    assert [r["pmid"] for r in pages_to_review(db)] == [33397139, 33972795]
    assert review_cited_studies(db, run_id=9) == 2  # resolved stays resolved
    conn.execute("update studies set erratum = 1 where pmid = 24740528")  # the next change
    assert review_cited_studies(db, run_id=10, now="2026-01-08T02:00:00Z") == 3
    assert [(r["pmid"], r["reason"]) for r in pages_to_review(db)] == [
        (33397139, "expression_of_concern"), (33972795, "deleted"), (24740528, "erratum"),
    ]  # fmt: skip
    resolved = conn.execute(
        "select page, pmid, reason, run_id, resolved_by, note, cleared_at from page_reviews "
        "where resolved_at is not null"
    ).fetchall()
    assert resolved == [
        ("guides/ptsd.md", 24740528, "retracted", 7, "editor", "replaced the citation", None)
    ]


def test_a_study_unflagged_or_dropped_from_the_page_clears_its_review(db, site):
    scan_pages(db, [site], now="2026-01-05T02:00:00Z")
    db.conn.execute("update studies set erratum = 1 where pmid in (24740528, 33972795)")
    assert review_cited_studies(db) == 2
    write(site, "mdma.html", "<p>No citations now.</p>\n")
    assert scan_pages(db, [site], now="2026-01-09T02:00:00Z").to_review == 1
    assert [r["pmid"] for r in pages_to_review(db)] == [24740528]
    assert db.conn.execute(
        "select pmid, cleared_at from page_reviews where cleared_at is not null"
    ).fetchall() == [(33972795, "2026-01-09T02:00:00Z")]


def test_left_search_means_a_recorded_departure_not_an_import(db, site):
    scan_pages(db, [site])
    db.conn.execute("update studies set in_search = 0 where pmid in (24740528, 33397139)")
    assert review_cited_studies(db) == 0  # imported studies start outside the search
    db.conn.execute(
        "insert into study_changes (run_id, pmid, change, at) "
        "values (3, 24740528, 'left_search', '2026-01-06T02:00:00Z')"
    )
    assert review_cited_studies(db) == 1
    assert [(r["pmid"], r["reason"]) for r in pages_to_review(db)] == [(24740528, "left_search")]


def test_resolve_errors(db, site):
    scan_pages(db, [site])
    with pytest.raises(HarvestError, match=r"^no page 'nowhere\.md' in the ledger"):
        resolve_review(db, "nowhere.md", 24740528, "editor", "x")
    with pytest.raises(HarvestError, match=r"^nothing to review for guides/ptsd\.md and PMID 1$"):
        resolve_review(db, "guides/ptsd.md", 1, "editor", "x")


def test_stronger_evidence_is_listed_for_weakly_supported_pairs(db, tmp_path):
    conn = db.conn
    conn.execute(
        "update studies set conditions = '[\"ptsd\"]', modalities = '[\"psilocybin\"]', "
        "evidence_level = case pmid when 36500002 then 3 when 36500001 then 1 else 4 end "
        "where pmid in (36500002, 36500001, 36500005)"
    )
    folder = tmp_path / "pages"
    write(folder, "weak.md", "PMID: 36500002\n")
    write(folder, "strong.md", "PMID: 36500002 and PMID: 36500001\n")
    scan_pages(db, [folder])
    assert stronger_evidence(db) == [
        {"page": "weak.md", "condition": "ptsd", "modality": "psilocybin", "cited_level": 3,
         "stronger": [36500001]},
    ]  # fmt: skip


# --- end to end: a refresh retracts a cited study ------------------------------------------------


@pytest.fixture
def env(eutils_env: dict, fast_config: Path) -> dict:
    return dict(eutils_env, HARVEST_CONFIG=str(fast_config))


def plain_pmids(db: Path) -> list[int]:
    return [
        pmid
        for (pmid,) in rows(
            db,
            "select pmid from studies where record_type = 'article' and retracted = 0 "
            "and erratum = 0 and expression_of_concern = 0 and comments_corrections = '[]' "
            "and in_search = 1 order by pmid",
        )
    ]


def feed_entries(body: str) -> list[tuple[str, str]]:
    root = ET.fromstring(body)
    return [(e.findtext(f"{ATOM}title"), e.find(f"{ATOM}link").get("href"))
            for e in root.findall(f"{ATOM}entry")]  # fmt: skip


def test_ledger_across_a_refresh_that_retracts_a_cited_study(standin, env, tmp_path):
    standin.load_corpus(40, seed=31)
    db = tmp_path / "catalog.db"
    assert harvest("refresh", "--db", db, env=env).returncode == 0
    cited, other = plain_pmids(db)[:2]
    site = tmp_path / "site"
    write(
        site, "guides/ptsd.md", f"# PTSD\n\nSee PMID: {cited} and pubmed.ncbi.nlm.nih.gov/{other}\n"
    )
    write(site, "news.html", f'<p><a href="https://pubmed.ncbi.nlm.nih.gov/{other}/?x=1">x</a></p>')
    base = "https://clinic.example.org/"
    scan = harvest("ledger", "scan", site, "--db", db, "--base-url", base, env=env)
    assert scan.returncode == 0, scan.stderr
    assert scan.stdout.splitlines()[0] == (
        "ledger: 2 pages, 3 cited studies (3 new, 0 removed), 0 citations not in the catalog, "
        "0 to review"
    )
    assert harvest("status", "--db", db, env=env).returncode == 0

    today = date.today()
    standin.update_record(cited, revise(standin.record(cited).xml, "RetractionIn", today,
                                        retracted=True))  # fmt: skip
    refresh = harvest("refresh", "--db", db, env=env)
    assert refresh.returncode == 0, refresh.stderr
    assert "1 newly retracted" in refresh.stdout

    status = harvest("status", "--db", db, env=env)
    assert status.returncode == 1, status.stdout
    title = rows(db, "select title from studies where pmid = ?", (cited,))[0][0]
    page = "https://clinic.example.org/guides/ptsd.md"
    lines = status.stdout.splitlines()
    assert "Pages to review: 1" in lines
    [line] = [x for x in lines if x.startswith(f"  {page}: ")]
    assert re.fullmatch(
        rf"  {re.escape(page)}: PMID {cited} retracted \(since \d{{4}}-\d\d-\d\dT[\d:]+Z\): "
        + re.escape(title),
        line,
    )
    run_id = rows(db, "select max(id) from harvest_runs where mode = 'incremental'")[0][0]
    assert rows(db, "select page, pmid, reason, run_id from page_reviews") == [
        (page, cited, "retracted", run_id)
    ]

    ds = make_datasette(db, metadata_path=ROOT / "metadata.yml")
    answer = asyncio.run(ds.client.get("/catalog/pages_to_review.json?_shape=objects")).json()
    assert [(r["page"], r["pmid"], r["reason"], r["title"]) for r in answer["rows"]] == [
        (page, cited, "retracted", title)
    ]
    feed = asyncio.run(ds.client.get("/catalog/pages_to_review.atom"))
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("application/atom+xml")
    [(entry_title, link)] = feed_entries(feed.text)
    assert link == page
    assert entry_title.endswith(f"{page}: PMID {cited} retracted")  # the feed may add a badge

    resolve = harvest("ledger", "resolve", page, cited, "--note", "citation replaced",
                      "--db", db, env=dict(env, USER="a.writer"))  # fmt: skip
    assert resolve.returncode == 0, resolve.stderr
    assert resolve.stdout == f"resolved 1 review(s) of {page} PMID {cited} by a.writer; 0 left\n"
    assert rows(db, "select resolved_by, note from page_reviews") == [
        ("a.writer", "citation replaced")
    ]
    assert harvest("status", "--db", db, env=env).returncode == 0
    again = asyncio.run(ds.client.get("/catalog/pages_to_review.json?_shape=objects")).json()
    assert again["rows"] == []


def test_ledger_cli_errors(tmp_path):
    db = check_catalog(tmp_path / "catalog.db")
    missing = harvest("ledger", "scan", tmp_path / "nothing", "--db", db, env=None)
    assert (missing.returncode, missing.stdout) == (1, "")
    assert missing.stderr == f"Error: no such file or folder: {tmp_path / 'nothing'}\n"
    resolve = harvest("ledger", "resolve", "x.md", "1", "--note", "n", "--by", "me", "--db", db,
                      env=None)  # fmt: skip
    assert resolve.returncode == 1
    assert resolve.stderr == (
        "Error: no page 'x.md' in the ledger: run `harvest ledger scan` first\n"
    )
    review = harvest("ledger", "review", "--db", db, env=None)
    assert (review.returncode, review.stdout) == (0, "No pages to review.\n")


def test_an_update_file_that_deletes_a_cited_study_lists_the_page(db, site, tmp_path):
    scan_pages(db, [site])
    update = tmp_path / "pubmed26n1400.xml"
    update.write_text(make_article_set([], deleted=[33972795]))
    done = harvest("import", update, "--db", db.conn.execute("pragma database_list").fetchone()[2],
                   env=None)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert [(r["page"], r["pmid"], r["reason"]) for r in pages_to_review(db)] == [
        ("mdma.html", 33972795, "deleted")
    ]
