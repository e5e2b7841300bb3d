"""`harvest status`: freshness, counts, failures and recent changes, for people and for cron."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlite_utils

from harvest.catalog.runs import INTERRUPTED, lock_held
from harvest.citing.ledger import pages_to_review, review_lines
from harvest.errors import HarvestError

REFRESH_MODES = ("full", "incremental")
MAX_AGE_DAYS = 3660  # ten years: anything longer is a typo
FLAG_LABELS = {
    "retracted": "newly retracted",
    "erratum": "newly corrected (erratum)",
    "expression_of_concern": "new expression of concern",
}


@dataclass(frozen=True)
class StatusReport:
    """The text to print and whether the catalog is healthy (fresh, last refresh ok)."""

    text: str
    healthy: bool


def parse_age(text: str) -> timedelta:
    """'48h', '2d', '90m', '1d12h' -> timedelta."""
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([dhm])", text.strip().lower())
    if not parts or re.sub(r"[\d.\sdhm]", "", text.lower()):
        raise HarvestError(f"--max-age must look like 48h, 2d or 90m, got {text!r}")
    unit = {"d": "days", "h": "hours", "m": "minutes"}
    total = timedelta()
    too_long = HarvestError(f"--max-age {text!r} is too long (at most {MAX_AGE_DAYS} days)")
    try:
        for number, u in parts:
            total += timedelta(**{unit[u]: float(number)})
    except OverflowError:
        raise too_long from None
    if total > timedelta(days=MAX_AGE_DAYS):
        raise too_long
    return total


def _parse_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)


def _age(delta: timedelta) -> str:
    hours = delta.total_seconds() / 3600
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def database_file(db: sqlite_utils.Database) -> str | None:
    """The file behind the main database (None in memory)."""
    for _, name, file in db.conn.execute("pragma database_list"):
        if name == "main":
            return file or None
    return None


def _one(db, sql, params=()):
    rows = list(db.query(sql, params))
    return rows[0] if rows else None


def status_report(
    db: sqlite_utils.Database,
    max_age: timedelta,
    now: datetime | None = None,
    db_path: str | Path | None = None,
    tagger_version: str | None = None,
) -> StatusReport:
    """Build the status text; unhealthy when the last success is too old or the last run failed.

    `db_path` (for the lock beside it) defaults to the file the database was opened from.
    """
    now = now or datetime.now(timezone.utc)
    db_path = db_path or database_file(db)
    lines, healthy = [], True
    counts = _one(
        db,
        "select count(*) as total, coalesce(sum(in_search), 0) as in_search, "
        "coalesce(sum(retracted), 0) as retracted, coalesce(sum(erratum), 0) as erratum, "
        "coalesce(sum(expression_of_concern), 0) as concern, coalesce(sum(deleted), 0) as deleted "
        "from studies",
    )
    lines.append(
        f"Catalog: {counts['total']} studies ({counts['in_search']} in the search, "
        f"{counts['retracted']} retracted, {counts['erratum']} with errata, "
        f"{counts['concern']} with expressions of concern, {counts['deleted']} deleted by PubMed)"
    )
    modes = ",".join(f"'{m}'" for m in REFRESH_MODES)
    success = _one(
        db,
        f"select * from harvest_runs where status = 'ok' and mode in ({modes}) "
        "order by id desc limit 1",
    )
    if success:
        age = now - _parse_time(success["finished"])
        fresh = age <= max_age
        healthy &= fresh
        lines.append(
            f"Last successful refresh: {success['finished']} ({_age(age)} ago, {success['mode']}): "
            f"{success['new']} new, {success['updated']} updated, {success['unchanged']} unchanged,"
            f" {success['failed']} failed, {success['requests']} requests"
            + ("" if fresh else f"  STALE: older than {_age(max_age)}")
        )
    else:
        healthy = False
        lines.append("Last successful refresh: never")
    last = _one(db, f"select * from harvest_runs where mode in ({modes}) order by id desc limit 1")
    if last and last["status"] == "failed":
        healthy = False
        lines.append(
            f"Last refresh FAILED at {last['finished'] or last['started']}: {last['error']}"
        )
    elif last and last["status"] == "running":
        if db_path and lock_held(db_path) is False:  # nobody holds the lock: it was killed
            healthy = False
            lines.append(f"Last refresh FAILED at {last['started']}: {INTERRUPTED}")
        else:
            lines.append(f"A refresh is running since {last['started']} (pid {last['pid']})")
    failures = list(
        db.query(
            "select id, mode, started, error from harvest_runs where status = 'failed' "
            "order by id desc limit 5"
        )
    )
    if failures:
        lines.append("Recent failures:")
        lines.extend(
            f"  run {f['id']} ({f['mode']}, {f['started']}): {f['error']}" for f in failures
        )
    if tagger_version:
        lines.append(_retag_line(db, tagger_version, counts["total"]))
    trial_lines, trials_ok = _trial_refresh(db)
    lines.extend(trial_lines)
    healthy &= trials_ok
    lines.extend(_recent_changes(db, success))
    lines.extend(review_lines(db))  # pages citing a study that changed: unhealthy until resolved
    healthy &= not pages_to_review(db)
    return StatusReport("\n".join(lines), healthy)


def _retag_line(db, version: str, total: int) -> str:
    """Whether the stored tags come from the current taxonomy and tagger (a retag is due)."""
    columns = set(db["studies"].columns_dict)
    stale = total
    if "tagger_version" in columns:
        stale = _one(
            db,
            "select count(*) as n from studies where coalesce(tagger_version, '') != ?",
            (version,),
        )["n"]
    if not stale:
        return f"Tags: current (tagger {version})"
    return (
        f"Tags: RETAG DUE: {stale} of {total} studies were tagged by another taxonomy or tagger "
        f"version (now {version}); run `harvest retag --dry-run`, then `harvest retag`"
    )


def _trial_refresh(db) -> tuple[list[str], bool]:
    """The last ClinicalTrials.gov refresh (its own run, mode 'trials'); unhealthy if it failed."""
    last = _one(db, "select * from harvest_runs where mode = 'trials' order by id desc limit 1")
    if not last:
        return [], True
    if last["status"] == "failed":
        when = last["finished"] or last["started"]
        return [f"Last trial refresh (ClinicalTrials.gov) FAILED at {when}: {last['error']}"], False
    trials = _one(db, "select count(*) as n from trials")["n"] if db["trials"].exists() else 0
    if last["status"] == "running":
        return [f"A trial refresh is running since {last['started']}"], True
    return [
        f"Last trial refresh (ClinicalTrials.gov): {last['finished']}: {last['new']} new, "
        f"{last['updated']} updated, {last['unchanged']} unchanged; {trials} trials in the catalog"
    ], True


def _recent_changes(db, success) -> list[str]:
    """New, retracted and corrected studies recorded by the last successful refresh."""
    if not success:
        return []
    rows = list(
        db.query(
            "select c.change, c.pmid, s.title from study_changes c "
            "left join studies s on s.pmid = c.pmid where c.run_id = ? order by c.id",
            (success["id"],),
        )
    )
    new = sum(1 for r in rows if r["change"] == "new")
    lines = [f"Changes in run {success['id']}: {new} new studies"]
    for change, label in FLAG_LABELS.items():
        flagged = [r for r in rows if r["change"] == change]
        if flagged:
            lines.append(f"  {len(flagged)} {label}:")
            lines.extend(f"    PMID {r['pmid']}: {r['title']}" for r in flagged)
    left = [r for r in rows if r["change"] == "left_search"]
    if left:
        lines.append(f"  {len(left)} no longer match the search (kept, in_search = 0)")
    return lines
