"""`harvest snapshot` (harvest/catalog/snapshot.py): dated, checked, recorded copies of the catalog,
consistent while another process writes, served immutable like the live catalog."""

from __future__ import annotations

import asyncio
import hashlib
import json
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from harvest.catalog.db import open_db
from harvest.catalog.snapshot import latest_snapshot, save_snapshot, snapshot_name
from harvest.cli import cli
from harvest.errors import HarvestError
from harvest.publish.serve import make_datasette
from tests.catalog_factory import STUDIES, build_catalog

TODAY = datetime.now(timezone.utc).strftime("%Y-%m-%d")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_catalog(tmp_path_factory.mktemp("live") / "catalog.db")


@pytest.fixture
def live(tmp_path, built) -> Path:
    """A fresh copy of the test catalog (snapshots are recorded in it)."""
    path = tmp_path / "live" / "catalog.db"
    path.parent.mkdir()
    source, target = sqlite3.connect(built), sqlite3.connect(path)
    source.backup(target)
    source.close(), target.close()
    return path


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_snapshot_writes_checks_and_records(tmp_path, live):
    folder = tmp_path / "snapshots"
    result = run("snapshot", str(folder), "--db", str(live))
    assert result.exit_code == 0, result.output
    target = folder / f"catalog-{TODAY}.db"
    assert result.output.startswith(f"snapshot {target.resolve()}: {len(STUDIES)} studies, ")
    assert result.output.rstrip().endswith("integrity ok")
    assert sorted(p.name for p in folder.iterdir()) == [target.name, "metadata.json"]
    copy = sqlite3.connect(f"{target.as_uri()}?mode=ro", uri=True)
    assert copy.execute("pragma journal_mode").fetchone()[0] == "delete"
    assert copy.execute("pragma integrity_check").fetchone()[0] == "ok"
    assert copy.execute("select count(*) from studies").fetchone()[0] == len(STUDIES)
    copy.close()
    conn = sqlite3.connect(live)
    rows = conn.execute("select file, date, studies, sha256, bytes from snapshots").fetchall()
    conn.close()
    assert rows == [(target.name, TODAY, len(STUDIES), sha256(target), target.stat().st_size)]
    metadata = json.loads((folder / "metadata.json").read_text())
    assert metadata["databases"]["catalog"]["tables"]["studies"]["facets"][0] == {
        "tags": "conditions"
    }
    labels = metadata["plugins"]["evidence-catalog"]["tags"]["conditions"]["ptsd"]
    assert labels[0] == "PTSD"


def test_same_day_snapshot_is_refused_unless_forced(tmp_path, live):
    folder = tmp_path / "snapshots"
    assert run("snapshot", str(folder), "--db", str(live)).exit_code == 0
    target = folder / f"catalog-{TODAY}.db"
    before = target.stat().st_mtime_ns
    again = run("snapshot", str(folder), "--db", str(live))
    assert again.exit_code == 1
    assert again.output == (
        f"Error: {target} already exists: today's snapshot is taken (use --force to replace it)\n"
    )
    assert target.stat().st_mtime_ns == before
    forced = run("snapshot", str(folder), "--db", str(live), "--force")
    assert forced.exit_code == 0, forced.output
    conn = sqlite3.connect(live)
    files = conn.execute("select file from snapshots where file = ?", (target.name,)).fetchall()
    conn.close()
    assert files == [(target.name,)]
    assert not list(folder.glob(".*partial"))


def test_latest_snapshot_and_the_ledger_column(tmp_path, live):
    db = open_db(live)
    assert latest_snapshot(db) is None
    save_snapshot(db, tmp_path / "s", day="2026-11-30")
    newer = save_snapshot(db, tmp_path / "s", day="2026-12-01")
    assert latest_snapshot(db) == newer
    assert newer.file == snapshot_name("2026-12-01") == "catalog-2026-12-01.db"
    assert "snapshot" in db["pages"].columns_dict


def test_unwritable_folder_is_one_error_line(tmp_path, live):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run("snapshot", str(blocker / "snapshots"), "--db", str(live))
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot create ")
    assert "Traceback" not in result.output
    missing = run("snapshot", str(tmp_path / "s"), "--db", str(tmp_path / "none.db"))
    assert missing.exit_code == 1 and missing.output.startswith("Error: no catalog at ")


WRITER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
conn.execute("create table if not exists churn (batch int, n int)")
batch = 0
while True:
    conn.execute("begin immediate")
    conn.executemany("insert into churn values (?, ?)", [(batch, i) for i in range(100)])
    conn.execute("commit")
    batch += 1
    if batch == 5:
        print("writing", flush=True)
    time.sleep(0.001)
"""


def test_snapshot_is_consistent_while_another_process_writes(tmp_path, live):
    db_path = live
    open_db(db_path)  # WAL, as the catalog always is
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout.readline() == "writing\n"
        counts = []
        for day in ("2026-12-01", "2026-12-02", "2026-12-03"):
            snap = save_snapshot(open_db(db_path), tmp_path / "s", day=day)
            copy = sqlite3.connect(snap.path)
            rows, batches = copy.execute(
                "select count(*), count(distinct batch) from churn"
            ).fetchone()
            copy.close()
            counts.append(rows)
            assert rows == batches * 100  # whole transactions only
            time.sleep(0.05)
        assert writer.poll() is None  # the writer was never blocked out
    finally:
        writer.kill()
        writer.wait()
    assert counts[0] >= 500 and counts[-1] > counts[0]


def test_immutable_snapshot_answers_as_the_live_catalog(tmp_path, live):
    snap = save_snapshot(open_db(live), tmp_path / "s", day="2026-12-01")
    pages = [
        "/catalog/studies.json?_shape=objects&_size=max&_facet_size=max",
        "/catalog/studies.json?conditions__arraycontains=ptsd&_shape=objects",
        f"/catalog/studies/{STUDIES[0]['pmid']}.json",
    ]
    answers = {}
    for name, path, immutable in (("live", live, False), ("snapshot", snap.path, True)):
        ds = make_datasette(path, immutable=immutable)
        assert ds.get_database("catalog").is_mutable is (not immutable)
        answers[name] = [asyncio.run(ds.client.get(page)).json() for page in pages]
    for live_answer, snap_answer in zip(answers["live"], answers["snapshot"], strict=True):
        for volatile in ("query_ms", "database_color"):
            live_answer.pop(volatile, None), snap_answer.pop(volatile, None)
        assert snap_answer == live_answer
    assert answers["snapshot"][0]["filtered_table_rows_count"] == len(STUDIES)


def test_snapshot_refuses_a_non_catalog(tmp_path):
    db = open_db(tmp_path / "empty.db")
    db.conn.execute("drop table studies")
    with pytest.raises(HarvestError, match="cannot copy the catalog: no such table: studies"):
        save_snapshot(db, tmp_path / "s")
    assert not list((tmp_path / "s").iterdir())
