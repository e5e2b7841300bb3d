"""End to end through the real `harvest` CLI (subprocess) against the HTTP stand-in."""

import gzip
import math
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"


def harvest(*args, env=None, cwd=None, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "harvest", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd or ROOT,
        timeout=timeout,
    )


def rows(db, sql, params=()):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


KNOWN = dict(
    title="Ketamine infusion for chronic PTSD: a randomized clinical trial",
    abstract_sections=[
        ("BACKGROUND", "PTSD is common & disabling."),
        ("METHODS", "Adults (n = 41) received ketamine or midazolam."),
    ],
    journal="The American journal of psychiatry",
    iso="Am J Psychiatry",
    year=2021,
    month=6,
    day=1,
    doi="10.1176/appi.ajp.2021.20050596",
    authors=[("Feder", "Adriana", "A"), ("Costi", "Sara", "S")],
    publication_types=[("D016428", "Journal Article"), ("D016449", "Randomized Controlled Trial")],
)


def test_refresh_stores_exact_fields_within_request_budget(
    standin, eutils_env, record_factory, tmp_path
):
    standin.load_corpus(99, seed=11)
    standin.add_record(record_factory(34000001, **KNOWN))
    db = tmp_path / "catalog.db"
    done = harvest("refresh", "--db", db, env=eutils_env)
    assert done.returncode == 0, done.stderr
    n = 100
    log = standin.requests
    assert len(log) <= math.ceil(n / 500) + 6
    assert standin.rate_limited_count == 0
    assert all(r.params.get("tool") and r.params.get("email") == "test@example.org" for r in log)
    assert re.fullmatch(
        rf"full: 100 new, 0 updated, 0 unchanged, 0 failed(, \d+ newly corrected)?"
        rf"(, \d+ new expressions? of concern)?; {len(log)} requests in \d+\.\ds\n",
        done.stdout,
    ), done.stdout
    assert rows(db, "select count(*) from studies") == [(100,)]
    (row,) = rows(
        db,
        "select title, doi, journal, journal_iso, pub_year, abstract, authors from studies "
        "where pmid = 34000001",
    )
    assert row == (
        KNOWN["title"],
        KNOWN["doi"],
        KNOWN["journal"],
        KNOWN["iso"],
        2021,
        "BACKGROUND: PTSD is common & disabling.\n"
        "METHODS: Adults (n = 41) received ketamine or midazolam.",
        "Feder A, Costi S",
    )
    runs = rows(db, "select mode, status, found, new, requests from harvest_runs")
    assert runs == [("full", "ok", 100, 100, len(log))]


def test_second_refresh_changes_no_row(standin, eutils_env, tmp_path):
    standin.load_corpus(120, seed=12)
    db = tmp_path / "catalog.db"
    assert harvest("refresh", "--db", db, env=eutils_env).returncode == 0
    before = rows(db, "select * from studies order by pmid")
    done = harvest("refresh", "--db", db, env=eutils_env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("incremental: 0 new, 0 updated, 0 unchanged, 0 failed;")
    assert rows(db, "select * from studies order by pmid") == before
    assert rows(db, "select count(*), sum(status = 'ok') from harvest_runs") == [(2, 2)]
    full = harvest("refresh", "--db", db, "--full", env=eutils_env)
    assert full.stdout.startswith("full: 0 new, 0 updated, 120 unchanged, 0 failed;")
    assert rows(db, "select * from studies order by pmid") == before


def test_every_record_arrives_through_faults(standin, eutils_env, fast_config, tmp_path):
    standin.load_corpus(2_600, seed=13)
    standin.set_faults(http500=0.10, http502=0.05, spurious429=0.05, truncated=0.05, seed=3)
    db = tmp_path / "catalog.db"
    done = harvest("refresh", "--db", db, "--config", fast_config, env=eutils_env)
    assert done.returncode == 0, done.stderr
    assert rows(db, "select count(*) from studies") == [(2_600,)]
    assert {p for (p,) in rows(db, "select pmid from studies")} == set(standin.pmids())
    assert sum(standin.fault_counts.values()) > 0
    assert standin.rate_limited_count == 0


def test_unreachable_pubmed_is_one_line_and_a_failed_run(eutils_env, tmp_path):
    env = dict(eutils_env, NCBI_EUTILS_URL="http://127.0.0.1:9/entrez/eutils/")
    db = tmp_path / "catalog.db"
    done = harvest("refresh", "--db", db, env=env)
    assert done.returncode == 1
    assert done.stderr == (
        "Error: cannot reach NCBI E-utilities at http://127.0.0.1:9/entrez/eutils/: "
        "connection refused\n"
    )
    assert rows(db, "select mode, status, error from harvest_runs") == [
        (
            "full",
            "failed",
            "cannot reach NCBI E-utilities at http://127.0.0.1:9/entrez/eutils/: "
            "connection refused",
        )
    ]


def test_no_email_is_refused(eutils_env, tmp_path):
    env = {k: v for k, v in eutils_env.items() if k != "NCBI_EMAIL"}
    done = harvest("refresh", "--db", tmp_path / "c.db", env=env)
    assert done.returncode == 1
    assert done.stderr == (
        "Error: no contact email for NCBI: set NCBI_EMAIL or `email` in config/harvest.yml\n"
    )


def test_bad_config_is_one_line(eutils_env, tmp_path):
    folder = tmp_path / "config"
    shutil.copytree(ROOT / "config", folder)
    (folder / "harvest.yml").write_text("batch_size: [1, 2\n")
    done = harvest("refresh", "--db", tmp_path / "c.db", "--config", folder, env=eutils_env)
    assert done.returncode == 1
    assert done.stderr.startswith(f"Error: cannot read {folder / 'harvest.yml'}: ")
    assert done.stderr.count("\n") == 1


def test_import_xml_gz_and_medline(tmp_path):
    gz = tmp_path / "update.xml.gz"
    gz.write_bytes(gzip.compress((FIXTURES / "parse_cases.xml").read_bytes()))
    db = tmp_path / "catalog.db"
    done = harvest("import", gz, FIXTURES / "export.nbib", "--db", db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        "import: 7 new, 0 updated, 0 unchanged, 1 failed, 2 deleted, 2 newly retracted, "
        "2 newly corrected, 1 new expression of concern; 0 requests in "
    )
    assert rows(db, "select count(*) from studies") == [(7,)]
    assert rows(db, "select pmid from deleted_citations order by pmid") == [
        (30000001,),
        (30000002,),
    ]
    assert rows(db, "select pmid, reason from failed_records") == [(None, "PubmedArticle: no PMID")]
    (title,) = rows(db, "select title from studies where pmid = 39000011")[0]
    assert title.startswith("Esketamine nasal spray")


def test_delete_citation_flags_a_stored_record(tmp_path):
    db = tmp_path / "catalog.db"
    assert harvest("import", FIXTURES / "export.nbib", "--db", db).returncode == 0
    update = tmp_path / "pubmed26n1400.xml"
    update.write_text(
        '<?xml version="1.0" ?>\n<PubmedArticleSet><DeleteCitation><PMID Version="1">39000012'
        "</PMID></DeleteCitation></PubmedArticleSet>"
    )
    done = harvest("import", update, "--db", db)
    assert done.returncode == 0, done.stderr
    assert rows(db, "select pmid, deleted from studies order by pmid") == [
        (39000011, 0),
        (39000012, 1),
    ]
    assert rows(db, "select change from study_changes where pmid = 39000012") == [
        ("new",),
        ("retracted",),
        ("deleted",),
    ]


@pytest.mark.parametrize(
    "name, content, message",
    [
        ("missing.xml", None, "Error: no such file: {path}\n"),
        (
            "notes.txt",
            "just some notes\n",
            "Error: {path} is not a PubMed file (expected PubMed XML, .xml.gz, or MEDLINE text)\n",
        ),
        (
            "search.xml",
            "<eSearchResult><Count>0</Count></eSearchResult>",
            "Error: {path}: not a PubMed XML file (root element <eSearchResult>, "
            "expected <PubmedArticleSet>)\n",
        ),
        (
            "cut.xml",
            "<PubmedArticleSet><PubmedArticle><MedlineCitation>",
            "Error: {path}: truncated PubMed XML: the file ends inside a record or before "
            "</PubmedArticleSet>\n",
        ),
    ],
)
def test_bad_import_files(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_text(content)
    db = tmp_path / "catalog.db"
    done = harvest("import", path, "--db", db)
    assert done.returncode == 1
    assert done.stderr == message.format(path=path)
    if content is not None and name != "notes.txt":
        assert rows(db, "select mode, status from harvest_runs") == [("import", "failed")]


def test_help_has_examples():
    for command in ("refresh", "import", "status", "retag", "evaluate", "serve"):
        done = harvest(command, "--help")
        assert done.returncode == 0
        assert "Example:" in done.stdout, command


def test_twelve_thousand_records_past_the_search_cap(standin, eutils_env, tmp_path):
    standin.load_corpus(12_000, seed=21)
    db = tmp_path / "catalog.db"
    done = harvest("refresh", "--db", db, "--quiet", env=eutils_env, timeout=600)
    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == ("", "")
    assert rows(db, "select count(*), count(distinct pmid) from studies") == [(12_000, 12_000)]
    assert {p for (p,) in rows(db, "select pmid from studies")} == set(standin.pmids())
    assert rows(db, "select status, found, new from harvest_runs") == [("ok", 12_000, 12_000)]
    assert standin.rate_limited_count == 0
    # each date window is fetched in batches of 500: a few more batches than 12,000 / 500
    assert 24 <= len(standin.requests_for("efetch")) <= 30
