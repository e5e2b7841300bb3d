"""`harvest serve`: a real server on 127.0.0.1 that reads the catalog and can never write it."""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import yaml
from datasette.database import Database
from datasette.utils import sqlite3 as datasette_sqlite3

from harvest.errors import HarvestError
from harvest.publish.plugin import SECURITY_HEADERS
from harvest.publish.serve import METADATA_PATH, make_datasette
from tests.catalog_factory import STUDIES, build_catalog, import_records, record

ROOT = Path(__file__).resolve().parent.parent
NEW_PMID = 36599999


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def harvest_serve(db: Path) -> Iterator[str]:
    """Run `harvest serve --db db --port P` in a child process; yield its base URL."""
    port = free_port()
    code = "from harvest.cli import cli; cli()"
    command = [sys.executable, "-c", code, "serve", "--db", str(db), "--port", str(port)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    pytest.fail(f"harvest serve did not start: {proc.stdout.read().decode()}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_serve_answers_and_never_changes_the_file(tmp_path):
    db = build_catalog(tmp_path / "x.db")
    before = digest(db)
    with (
        harvest_serve(db) as url,
        httpx.Client(base_url=url, timeout=10, follow_redirects=True) as client,
    ):
        metadata = client.get("/-/metadata.json").json()
        assert metadata["source"] == "PubMed, U.S. National Library of Medicine"
        assert [d["name"] for d in client.get("/-/databases.json").json()] == ["catalog"]
        for path in (
            "/",
            "/catalog",
            "/catalog/studies",
            "/catalog/studies?_search=midazolam",
            "/catalog/studies/24740528",
            "/catalog/evidence?condition=ptsd&modality=ketamine",
            "/catalog/new_studies.atom",
            "/catalog/studies.ris?_size=max",
            "/catalog/studies.bib?_size=max",
        ):
            assert client.get(path).status_code == 200, path
        insert = client.get(
            "/catalog.json", params={"sql": "insert into studies (pmid) values (1)"}
        )
        assert insert.status_code == 400
        assert insert.json()["error"] == "Statement must be a SELECT"
        pragma = client.get("/catalog.json", params={"sql": "pragma query_only = 0"})
        assert pragma.status_code == 400
    assert digest(db) == before


def test_rows_written_by_another_process_show_up_without_restart(tmp_path):
    db = build_catalog(tmp_path / "catalog.db")
    with harvest_serve(db) as url, httpx.Client(base_url=url, timeout=10) as client:
        assert client.get(f"/catalog/studies/{NEW_PMID}.json").status_code == 404
        new = record(
            NEW_PMID, "Ketamine for acute stress disorder.", ["Lee K"], ("BMJ", "BMJ"), 2025
        )
        import_records(db, [new], tmp_path / "more")  # `harvest import` in this process
        row = client.get(f"/catalog/studies/{NEW_PMID}.json?_shape=objects").json()["rows"][0]
        assert row["title"] == "Ketamine for acute stress disorder."
        count = client.get("/catalog/studies.json?_size=0").json()["filtered_table_rows_count"]
        assert count == len(STUDIES) + 1


def test_no_connection_can_write(tmp_path):
    db_path = build_catalog(tmp_path / "catalog.db")
    ds = make_datasette(db_path)
    database = ds.get_database("catalog")
    assert database.is_mutable is True
    assert database.path == str(db_path.resolve())
    with pytest.raises(HarvestError, match="served read-only"):
        asyncio.run(database.execute_write("delete from studies"))
    with pytest.raises(datasette_sqlite3.OperationalError, match="readonly database"):
        asyncio.run(database.execute("delete from studies"))
    with pytest.raises(sqlite3.OperationalError, match="readonly database"):
        database.connect().execute("pragma query_only = 0").execute("delete from studies")


def test_limits_for_a_staff_tool(tmp_path):
    ds = make_datasette(build_catalog(tmp_path / "catalog.db"))
    settings = asyncio.run(ds.client.get("/-/settings.json")).json()
    assert (settings["sql_time_limit_ms"], settings["max_returned_rows"]) == (3000, 200)
    assert settings["truncate_cells_html"] == 300
    assert settings["allow_download"] is False
    assert asyncio.run(ds.client.get("/catalog.db")).status_code == 403


def test_slow_sql_is_interrupted(tmp_path):
    ds = make_datasette(build_catalog(tmp_path / "catalog.db"), settings={"sql_time_limit_ms": 50})
    sql = "with recursive n(i) as (select 1 union all select i + 1 from n) select count(*) from n"
    response = asyncio.run(ds.client.get("/catalog.json", params={"sql": sql}))
    assert response.status_code == 400
    assert response.json()["title"] == "SQL Interrupted"


def test_missing_or_unreadable_catalog(tmp_path):
    with pytest.raises(HarvestError, match="no catalog at .*nope.db: run `harvest refresh` first"):
        make_datasette(tmp_path / "nope.db")
    text = tmp_path / "notes.db"
    text.write_text("not a database" * 100)
    with pytest.raises(HarvestError, match="is not a readable SQLite catalog"):
        make_datasette(text)
    sqlite3.connect(tmp_path / "empty.db").execute("create table t (x)").connection.close()
    with pytest.raises(HarvestError, match="has no studies table"):
        make_datasette(tmp_path / "empty.db")
    with pytest.raises(HarvestError, match="no Datasette metadata at"):
        make_datasette(build_catalog(tmp_path / "c.db"), metadata_path=tmp_path / "none.yml")


def test_every_answer_carries_the_security_headers(tmp_path):
    ds = make_datasette(build_catalog(tmp_path / "catalog.db"))
    for path in ("/", "/catalog/studies?_all=1", "/catalog/studies.json", "/nope",
                 "/-/evidence-catalog/catalog.js", "/catalog/studies.ris"):  # fmt: skip
        headers = asyncio.run(ds.client.get(path)).headers
        required = ("content-security-policy", "x-frame-options", "x-content-type-options")
        assert {k: headers.get(k) for k in required} == {
            k: SECURITY_HEADERS[k] for k in required
        }, path
        assert headers.get("referrer-policy") in ("same-origin", "no-referrer"), path
    assert SECURITY_HEADERS["x-frame-options"] == "DENY"
    assert SECURITY_HEADERS["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in SECURITY_HEADERS["content-security-policy"]


def test_the_plugin_leaves_other_databases_alone(tmp_path):
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute(
            "create table things (pmid integer primary key, title text, doi text, "
            "retracted integer, author_list text, journal text, pub_year integer)"
        )
        conn.execute("insert into things values (31065731, 'A <b>title</b>', '10.1/x', 1, "
                     "'[]', 'J', 2020)")  # fmt: skip
    ds = make_datasette(build_catalog(tmp_path / "catalog.db"))
    ds.add_database(Database(ds, path=str(other)), name="other")
    page = asyncio.run(ds.client.get("/other/things")).text
    assert "ec-badge" not in page and "https://doi.org/" not in page
    assert "things.ris" not in page and "things.bib" not in page
    for fmt in ("ris", "bib", "csljson", "atom"):
        assert asyncio.run(ds.client.get(f"/other/things.{fmt}")).status_code == 404, fmt
    catalog_page = asyncio.run(ds.client.get("/catalog/studies?_all=1")).text
    assert '<span class="ec-badge ec-retracted"' in catalog_page


def test_serve_merges_the_plugin_block_of_metadata(tmp_path):
    metadata = yaml.safe_load(METADATA_PATH.read_text(encoding="utf-8"))
    metadata.setdefault("plugins", {})["evidence-catalog"] = {
        "tags": {"conditions": {"ptsd": ["Post-traumatic stress (site label)", "ours"]}},
        "contact": "evidence@example.org",
    }
    path = tmp_path / "metadata.yml"
    path.write_text(yaml.safe_dump(metadata), encoding="utf-8")
    ds = make_datasette(build_catalog(tmp_path / "catalog.db"), metadata_path=path)
    config = ds.plugin_config("evidence-catalog")
    assert config["contact"] == "evidence@example.org"
    assert config["tags"]["conditions"]["ptsd"] == ["Post-traumatic stress (site label)", "ours"]
    assert config["tags"]["modalities"]["ketamine"][0] == "Ketamine"  # the taxonomy's, merged


def wide_catalog(tmp_path: Path, copies: int) -> Path:
    """The test catalog with its studies cloned `copies` times (long abstracts and all)."""
    db = build_catalog(tmp_path / "catalog.db")
    with sqlite3.connect(db) as conn:
        columns = [r[1] for r in conn.execute("pragma table_info(studies)")]
        others = ", ".join(f"[{c}]" for c in columns if c not in ("pmid", "abstract"))
        for k in range(1, copies):
            conn.execute(
                f"insert into studies (pmid, abstract, {others}) select pmid + {k * 100000000}, "
                f"abstract || ' ' || printf('%.2000c', 'x'), {others} from studies "
                "where pmid < 100000000"
            )
    return db


def test_a_heavy_page_is_bounded_and_others_are_answered_meanwhile(tmp_path):
    db = wide_catalog(tmp_path, 150)  # 1,500 studies, 2 kB abstracts
    # The SQL part runs in a thread (slow on purpose, under the time limit); the page it renders
    # is bounded by max_returned_rows rows and truncate_cells_html characters per cell.
    heavy_sql = (
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < 400000) "
        "select s.* from studies s where (select count(*) from n) > 0"
    )
    done: list[str] = []
    with harvest_serve(db) as url, httpx.Client(base_url=url, timeout=60) as client:
        results: dict[str, httpx.Response] = {}

        def heavy() -> None:
            results["heavy"] = client.get("/catalog", params={"sql": heavy_sql})
            done.append("heavy")

        worker = threading.Thread(target=heavy)
        worker.start()
        time.sleep(0.2)  # let the heavy request reach the server first (ordering, not timing)
        for i in range(3):
            assert client.get("/-/versions.json").status_code == 200
            done.append(f"trivial {i}")
        worker.join()
    assert done.index("trivial 2") < done.index("heavy")
    page = results["heavy"]
    assert page.status_code in (200, 400)  # 400 only if the time limit cut the SQL off
    if page.status_code == 200:
        assert page.text.count('<td class="col-pmid">') == 200
        assert "Custom SQL query returning more than 200 rows" in page.text
        assert "x" * 301 not in page.text and "\u2026" in page.text
