"""End to end through the real `harvest` CLI (subprocess) against the HTTP stand-in."""

import gzip
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.cli_support import rows, run_harvest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"


def harvest(*args, env=None, cwd=None, timeout=300):
    return run_harvest(*args, env=env, cwd=cwd, timeout=timeout, pubmed_only=True)


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


# --- issue 8: the catalog's faults through the CLI ----------------------------------------------


@pytest.mark.parametrize("command", ["import", "refresh"])
def test_db_in_a_missing_directory_is_one_line(eutils_env, tmp_path, command):
    db = tmp_path / "nowhere" / "catalog.db"
    args = [FIXTURES / "export.nbib"] if command == "import" else []
    done = harvest(command, *args, "--db", db, env=eutils_env)
    assert done.returncode == 1
    assert done.stderr == (
        f"Error: cannot write beside the catalog {db}: No such file or directory\n"
    )
    assert not (tmp_path / "nowhere").exists()


@contextmanager
def tmpfs(path: Path, options: str):
    """A small tmpfs at `path` (root only: skips otherwise)."""
    path.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "none", str(path)])
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


def test_db_in_a_read_only_directory_is_one_line(tmp_path):
    with tmpfs(tmp_path / "ro", "ro,size=1m") as folder:
        db = folder / "catalog.db"
        done = harvest("import", FIXTURES / "export.nbib", "--db", db)
    assert done.returncode == 1
    assert done.stderr == f"Error: cannot write beside the catalog {db}: Read-only file system\n"


def test_disk_full_reports_the_cause_and_counts_only_what_was_committed(record_factory, tmp_path):
    corpus = record_factory.generate_corpus(3_000, seed=51)
    big = tmp_path / "big.xml"
    big.write_text(record_factory.make_article_set(xml for _, xml, *_ in corpus))
    with tmpfs(tmp_path / "small", "size=3m") as folder:
        db = folder / "catalog.db"
        done = harvest("import", big, "--db", db)
        assert done.returncode == 1
        assert done.stderr == "Error: catalog database: database or disk is full\n"
        (stored,) = rows(db, "select count(*) from studies")[0]
        assert rows(db, "select mode, status, error, new from harvest_runs") == [
            ("import", "failed", "catalog database: database or disk is full", stored)
        ]
        assert stored % 500 == 0 and stored < 3_000
        assert rows(db, "select count(*) from study_changes where change = 'new'") == [(stored,)]
        assert rows(db, "pragma integrity_check") == [("ok",)]


def test_a_catalog_from_a_newer_version_is_refused(tmp_path):
    db = tmp_path / "catalog.db"
    conn = sqlite3.connect(db)
    conn.execute("create table studies (pmid integer primary key)")
    conn.execute("pragma user_version = 999")
    conn.commit()
    conn.close()
    before = db.read_bytes()
    for args in (["import", FIXTURES / "export.nbib"], ["status"], ["retag"]):
        done = harvest(*args, "--db", db)
        assert done.returncode == 1
        assert done.stderr.startswith(f"Error: catalog {db} has schema version 999, newer than")
        assert done.stderr.count("\n") == 1
    assert db.read_bytes() == before
    assert rows(db, "select name from sqlite_master") == [("studies",)]


def test_medline_import_never_downgrades_a_record_from_xml(record_factory, tmp_path):
    xml = tmp_path / "rich.xml"
    mesh = [("D007649", "Ketamine", True), ("D006801", "Humans", False)]
    xml.write_text(record_factory.make_article_set([record_factory(39000011, mesh=mesh)]))
    db = tmp_path / "catalog.db"
    assert harvest("import", xml, "--db", db).returncode == 0
    before = rows(db, "select * from studies where pmid = 39000011")
    done = harvest("import", FIXTURES / "export.nbib", "--db", db)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("import: 1 new, 0 updated, 1 unchanged, 0 failed")
    assert rows(db, "select * from studies where pmid = 39000011") == before
    assert rows(db, "select pmid, record_source from studies order by pmid") == [
        (39000011, "xml"),
        (39000012, "medline"),
    ]
    names = rows(
        db, "select name, count(*) from mesh_descriptors group by name having count(*) > 1"
    )
    assert names == []
    assert rows(db, "select ui from mesh_descriptors where name = 'Ketamine'") == [("D007649",)]


def test_two_refreshes_through_a_symlink_share_the_lock(standin, eutils_env, tmp_path):
    standin.load_corpus(1_500, seed=53)  # three slow efetches: the first run holds the lock
    (tmp_path / "real").mkdir()
    db = tmp_path / "real" / "catalog.db"
    link = tmp_path / "link.db"
    link.symlink_to(db)
    standin.set_faults(slow=1.0, slow_seconds=3)
    first = subprocess.Popen(
        [sys.executable, "-m", "harvest", "refresh", "--db", str(db)],
        env=eutils_env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not standin.requests and time.monotonic() < deadline:
            time.sleep(0.05)
        second = harvest("refresh", "--db", link, env=eutils_env)
    finally:
        first.wait(timeout=120)
    assert second.returncode == 1
    assert re.fullmatch(
        rf"Error: a refresh is already running on {re.escape(str(link))} \(pid {first.pid}\); "
        r"try again later\n",
        second.stderr,
    )
    pubmed_runs = "select mode, status from harvest_runs where mode != 'trials'"
    assert rows(db, pubmed_runs) == [("full", "ok")]  # the second never started a run
