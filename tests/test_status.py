"""harvest/catalog/status.py: the status text and health for people and for cron."""

from datetime import datetime, timedelta, timezone

import pytest

from harvest.catalog.db import open_db
from harvest.catalog.runs import INTERRUPTED, catalog_lock, finish_run, start_run
from harvest.catalog.status import parse_age, status_report
from harvest.errors import HarvestError

NOW = datetime(2026, 1, 2, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("48h", timedelta(hours=48)),
        ("2d", timedelta(days=2)),
        ("90m", timedelta(minutes=90)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("1.5h", timedelta(minutes=90)),
        ("3660d", timedelta(days=3660)),
    ],
)
def test_parse_age(text, expected):
    assert parse_age(text) == expected


@pytest.mark.parametrize(
    "text, message",
    [
        ("soon", "--max-age must look like 48h, 2d or 90m, got 'soon'"),
        ("2w", "--max-age must look like 48h, 2d or 90m, got '2w'"),
        ("99999999999d", "--max-age '99999999999d' is too long (at most 3660 days)"),
        ("3661d", "--max-age '3661d' is too long (at most 3660 days)"),
    ],
)
def test_parse_age_errors(text, message):
    with pytest.raises(HarvestError) as error:
        parse_age(text)
    assert str(error.value) == message


@pytest.fixture
def catalog(tmp_path):
    path = tmp_path / "data" / "catalog.db"
    path.parent.mkdir()
    db = open_db(path)
    db.conn.execute(
        "insert into harvest_runs (started, finished, mode, query, status, found, new, updated, "
        "unchanged, failed, deleted, requests) values ('2026-01-02T02:00:00Z', "
        "'2026-01-02T02:05:00Z', 'full', 'q', 'ok', 3, 3, 0, 0, 0, 0, 4)"
    )
    yield path, db
    db.conn.close()


def test_a_fresh_catalog_is_healthy(catalog):
    _, db = catalog
    report = status_report(db, timedelta(hours=48), now=NOW)
    assert report.healthy
    assert report.text.splitlines()[:2] == [
        "Catalog: 0 studies (0 in the search, 0 retracted, 0 with errata, "
        "0 with expressions of concern, 0 deleted by PubMed)",
        "Last successful refresh: 2026-01-02T02:05:00Z (9.9 h ago, full): 3 new, 0 updated, "
        "0 unchanged, 0 failed, 4 requests",
    ]
    stale = status_report(db, timedelta(hours=2), now=NOW)
    assert not stale.healthy
    assert stale.text.splitlines()[1].endswith("  STALE: older than 2.0 h")


def test_a_running_refresh_is_judged_by_the_lock_beside_the_catalog(catalog, tmp_path):
    path, db = catalog
    run = start_run(db, "incremental", "q")
    (started,) = db.execute("select started from harvest_runs where id = ?", [run]).fetchone()
    with catalog_lock(path):  # held by this very process, at the catalog (not ./.lock)
        running = status_report(db, timedelta(hours=48), now=NOW)
        again = status_report(db, timedelta(hours=48), now=NOW, db_path=path)
    assert running.healthy and again.healthy
    assert f"A refresh is running since {started} (pid " in running.text
    killed = status_report(db, timedelta(hours=48), now=NOW)
    assert not killed.healthy
    assert f"Last refresh FAILED at {started}: {INTERRUPTED}" in killed.text.splitlines()


def test_a_failed_last_refresh_is_unhealthy(catalog):
    _, db = catalog
    run = start_run(db, "incremental", "")
    finish_run(db, run, "failed", {}, "configuration: bad YAML")
    report = status_report(db, timedelta(hours=48), now=NOW)
    assert not report.healthy
    (line,) = [x for x in report.text.splitlines() if x.startswith("Last refresh FAILED at ")]
    assert line.endswith(": configuration: bad YAML")
    assert f"  run {run} (incremental, " in report.text
