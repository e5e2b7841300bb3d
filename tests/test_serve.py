"""`harvest serve`: a real server on 127.0.0.1 that reads the catalog and can never write it."""

from __future__ import annotations

import asyncio
import hashlib
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from datasette.utils import sqlite3 as datasette_sqlite3

from harvest.catalog.db import open_db
from harvest.catalog.store import Run, save_records
from harvest.errors import HarvestError
from harvest.publish.serve import make_datasette
from tests.catalog_factory import STUDIES, build_catalog, enrich, record

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
    with harvest_serve(db) as url, httpx.Client(base_url=url, timeout=10) as client:
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
        STUDIES.append(
            (
                new,
                {
                    "conditions": ["ptsd"],
                    "modalities": ["ketamine"],
                    "routes": [],
                    "populations": [],
                    "design": "rct",
                    "evidence_level": 2,
                    "sample_size": 20,
                },
            )
        )
        try:
            writer = open_db(db)
            save_records(writer, [new], run=Run(None, "2025-04-07T02:00:00Z", enrich, True))
            writer.conn.close()
        finally:
            STUDIES.pop()
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
    assert (settings["sql_time_limit_ms"], settings["max_returned_rows"]) == (3000, 5000)
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
