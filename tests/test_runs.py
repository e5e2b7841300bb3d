"""harvest/catalog/runs.py: harvest_runs bookkeeping, the lock, stopping between batches."""

import os
import subprocess
import sys
import textwrap

import pytest

from harvest.catalog.db import open_db
from harvest.catalog.runs import (
    INTERRUPTED,
    StopRequest,
    catalog_lock,
    close_abandoned_runs,
    finish_run,
    last_success,
    lock_held,
    lock_path,
    record_failed_run,
    start_run,
)
from harvest.errors import HarvestError, LockedError, Stopped

HOLD = textwrap.dedent(
    """
    import sys, time
    from harvest.catalog.runs import catalog_lock
    with catalog_lock(sys.argv[1]):
        print("held", flush=True)
        time.sleep(60)
    """
)


@pytest.fixture
def holder(tmp_path):
    """Another process holding the lock of tmp_path/real/catalog.db."""
    (tmp_path / "real").mkdir()
    db = tmp_path / "real" / "catalog.db"
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline() == "held\n"
    yield db
    process.kill()
    process.wait(timeout=10)


def test_a_symlinked_db_shares_the_lock(holder, tmp_path):
    link = tmp_path / "link.db"
    link.symlink_to(holder)
    assert lock_path(link) == lock_path(holder) == holder.resolve().with_name("catalog.db.lock")
    with pytest.raises(
        LockedError, match=r"a refresh is already running on .*link\.db \(pid \d+\)"
    ):
        with catalog_lock(link):
            pass
    assert lock_held(link) is True


def test_lock_held_sees_another_process_and_a_read_only_lock_file(holder):
    assert lock_held(holder) is True
    os.chmod(lock_path(holder), 0o444)  # a monitoring user may only read it
    assert lock_held(holder) is True


def test_lock_held_inside_the_holder_keeps_the_lock(tmp_path):
    db = tmp_path / "catalog.db"
    assert lock_held(db) is False
    with catalog_lock(db):
        assert lock_held(db) is True
        assert lock_held(db) is True  # asking twice must not have released it
        probe = subprocess.run(
            [sys.executable, "-c", HOLD, str(db)], capture_output=True, text=True, timeout=60
        )
        assert probe.returncode == 1
        assert "LockedError" in probe.stderr
    assert lock_held(db) is False


def test_lock_in_a_missing_or_read_only_directory_is_one_message(tmp_path):
    with pytest.raises(HarvestError) as missing:
        with catalog_lock(tmp_path / "nowhere" / "catalog.db"):
            pass
    assert str(missing.value) == (
        f"cannot write beside the catalog {tmp_path / 'nowhere' / 'catalog.db'}: "
        "No such file or directory"
    )
    if os.geteuid() == 0:
        pytest.skip("root may write into a read-only directory")
    locked = tmp_path / "ro"
    locked.mkdir(mode=0o555)
    with pytest.raises(HarvestError, match="Permission denied"):
        with catalog_lock(locked / "catalog.db"):
            pass


def test_run_rows_exact(tmp_path):
    db = open_db(tmp_path / "c.db")
    first = start_run(db, "full", "ketamine", None)
    finish_run(db, first, "ok", {"found": 3, "new": 3, "requests": 2})
    second = start_run(db, "incremental", "ketamine", "2026-01-01")
    assert close_abandoned_runs(db) == 1
    third = record_failed_run(db, "incremental", "", "configuration: bad YAML")
    columns = "id, mode, query, since, status, error, found, new, updated, failed, requests"
    assert db.execute(f"select {columns} from harvest_runs order by id").fetchall() == [
        (first, "full", "ketamine", None, "ok", None, 3, 3, 0, 0, 2),
        (second, "incremental", "ketamine", "2026-01-01", "failed", INTERRUPTED, 0, 0, 0, 0, 0),
        (third, "incremental", "", None, "failed", "configuration: bad YAML", 0, 0, 0, 0, 0),
    ]
    assert last_success(db)["id"] == first
    assert all(row[0] for row in db.execute("select finished from harvest_runs"))


def test_stop_request():
    stop = StopRequest()
    stop.check()  # nothing requested: goes on
    stop.request("terminated (SIGTERM)")
    with pytest.raises(Stopped, match=r"^terminated \(SIGTERM\) before the run finished$"):
        stop.check()
