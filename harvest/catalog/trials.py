"""Trials in the catalog: save ClinicalTrials.gov registrations, link studies to them, and the
trial refresh as its own recorded run (a registry outage never fails the PubMed part)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlite_utils

from harvest.catalog.rows import study_registrations
from harvest.catalog.runs import finish_run, last_success, start_run, utc_now
from harvest.catalog.store import atomic
from harvest.config import TrialSettings
from harvest.errors import HarvestError
from harvest.registry.ctgov import CtgovClient, fetch_trials, parse_trial, search_params
from harvest.registry.ids import registry_url
from harvest.tagging.details import combine_funding
from harvest.tagging.tag import tag_record
from harvest.tagging.taxonomy import Taxonomy

MODE = "trials"
BATCH = 200
HASHED = (
    "title", "brief_title", "acronym", "overall_status", "why_stopped", "study_type", "phases",
    "enrollment", "lead_sponsor", "sponsor_class", "start_date", "primary_completion_date",
    "completion_date", "has_results", "last_update", "conditions", "interventions", "summary",
)  # fmt: skip


@dataclass
class TrialOutcome:
    """What a trial refresh did, for the summary line and harvest_runs."""

    run_id: int
    mode: str = MODE
    found: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    requests: int = 0
    links: int = 0
    changed: list[str] = field(default_factory=list)

    def counts(self) -> dict:
        """Counts as stored in harvest_runs."""
        return {
            "found": self.found,
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "requests": self.requests,
        }

    def summary(self) -> str:
        """One line for the refresh's output."""
        return (
            f"trials: {self.new} new, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.failed} unreadable, {self.links} study links; {self.requests} requests"
        )


def tag_trial(row: dict, taxonomy: Taxonomy) -> dict:
    """The catalog's condition and modality tags for a trial, from its registry text."""
    record = {
        "title": row.get("title") or row.get("brief_title"),
        "abstract": row.get("summary"),
        "keywords": json.loads(row["conditions"]) + json.loads(row["interventions"]),
    }
    tags = tag_record(record, taxonomy)
    return {
        "condition_tags": json.dumps(sorted(tags.conditions)),
        "modality_tags": json.dumps(sorted(tags.modalities)),
    }


def _hash(row: dict) -> str:
    pairs = [(key, row.get(key)) for key in HASHED]
    return hashlib.sha256(json.dumps(pairs, ensure_ascii=False).encode()).hexdigest()[:32]


def save_trials(
    db: sqlite_utils.Database, studies: Iterable[dict], taxonomy: Taxonomy, outcome: TrialOutcome
) -> None:
    """Upsert trials in batches (one transaction each) and their result-publication links."""
    batch: list[dict] = []
    for study in studies:
        outcome.found += 1
        row = parse_trial(study)
        if row is None:
            outcome.failed += 1
            continue
        batch.append(row)
        if len(batch) >= BATCH:
            _save_batch(db, batch, taxonomy, outcome)
            batch = []
    if batch:
        _save_batch(db, batch, taxonomy, outcome)


def _save_batch(db, rows: list[dict], taxonomy: Taxonomy, outcome: TrialOutcome) -> None:
    now = utc_now()
    ids = [r["nct_id"] for r in rows]
    marks = ",".join("?" * len(ids))
    known = {
        nct: digest
        for nct, digest in db.conn.execute(
            f"select nct_id, content_hash from trials where nct_id in ({marks})", ids
        )
    }
    counts = {"new": 0, "updated": 0, "unchanged": 0}
    changed = []
    with atomic(db) as conn:
        for row in rows:
            references = row.pop("result_pmids")
            row["content_hash"] = _hash(row)
            row["url"] = registry_url("ClinicalTrials.gov", row["nct_id"])
            nct = row["nct_id"]
            if nct in known and known[nct] == row["content_hash"]:
                counts["unchanged"] += 1
            else:
                row.update(tag_trial(row, taxonomy))
                row["last_changed"] = now
                if nct in known:
                    counts["updated"] += 1
                    changed.append(nct)
                else:
                    counts["new"] += 1
                    row["first_seen"] = now
                db["trials"].upsert(row, pk="nct_id")
            conn.execute(
                "delete from study_trials where registry_id = ? and source = 'registry'", (nct,)
            )
            conn.executemany(
                "insert or ignore into study_trials (pmid, registry_id, registry, source) "
                "values (?, ?, 'ClinicalTrials.gov', 'registry')",
                [(pmid, nct) for pmid in references],
            )
    # Counted only once committed: a batch rolled back adds nothing to the run.
    outcome.new += counts["new"]
    outcome.updated += counts["updated"]
    outcome.unchanged += counts["unchanged"]
    outcome.changed.extend(changed)


def link_studies(db: sqlite_utils.Database, pmids: Iterable[int] | None = None) -> int:
    """Rebuild the databank/text links of the given studies (all when None); returns links."""
    conn = db.conn
    where = ""
    if pmids is not None:
        pmids = list(pmids)
        if not pmids:
            return 0
        conn.execute("create temp table if not exists link_pmids (pmid integer primary key)")
        conn.execute("delete from link_pmids")
        conn.executemany("insert or ignore into link_pmids values (?)", ((p,) for p in pmids))
        where = " where pmid in (select pmid from link_pmids)"
    links = 0
    with atomic(db):
        conn.execute(
            "delete from study_trials where source in ('databank', 'text')"
            + (" and pmid in (select pmid from link_pmids)" if where else "")
        )
        cursor = conn.execute(f"select pmid, title, abstract, databanks from studies{where}")
        names = [d[0] for d in cursor.description]
        for values in cursor.fetchall():
            study = dict(zip(names, values, strict=True))
            rows = [(study["pmid"], tid, reg, src) for reg, tid, src in study_registrations(study)]
            conn.executemany(
                "insert or ignore into study_trials (pmid, registry_id, registry, source) "
                "values (?, ?, ?, ?)",
                rows,
            )
            links += len(rows)
    return links


def refresh_trials(
    db: sqlite_utils.Database,
    settings: TrialSettings,
    taxonomy: Taxonomy,
    *,
    full: bool = False,
    client: CtgovClient | None = None,
    funding_classes: dict[str, str | None] | None = None,
) -> TrialOutcome:
    """Fetch the topic's trials (only those updated since the last success, minus the overlap,
    unless `full`), save them, relink studies; recorded as its own run (mode 'trials')."""
    previous = None if full else last_success(db, (MODE,))
    since = None
    if previous:
        started = datetime.strptime(previous["started"][:10], "%Y-%m-%d").date()
        since = started - timedelta(days=settings.overlap_days)
    query = json.dumps(search_params(settings, since), sort_keys=True)
    run_id = start_run(db, MODE, query, since.isoformat() if since else None)
    outcome = TrialOutcome(run_id)
    client = client or CtgovClient(settings)
    try:
        save_trials(db, fetch_trials(client, since), taxonomy, outcome)
        link_studies(db)
        if funding_classes:
            apply_registry_funding(db, funding_classes)
        outcome.links = db.conn.execute("select count(*) from study_trials").fetchone()[0]
    except BaseException as exc:
        outcome.requests = client.requests
        message = str(exc) if isinstance(exc, HarvestError) else f"{type(exc).__name__}: {exc}"
        finish_run(db, run_id, "failed", outcome.counts(), message or type(exc).__name__)
        raise
    outcome.requests = client.requests
    finish_run(db, run_id, "ok", outcome.counts())
    return outcome


def apply_registry_funding(db: sqlite_utils.Database, classes: dict[str, str | None]) -> int:
    """Add each linked registration's sponsor class to its studies' funding; returns changed.

    `classes` maps ClinicalTrials.gov sponsor classes to funding kinds (config/details.yml).
    """
    conn = db.conn
    linked = conn.execute(
        "select distinct l.pmid, t.nct_id, t.lead_sponsor, t.sponsor_class from study_trials l "
        "join trials t on t.nct_id = l.registry_id join studies s on s.pmid = l.pmid "
        "order by l.pmid, t.nct_id"
    ).fetchall()
    by_study: dict[int, list[tuple]] = {}
    for pmid, nct, sponsor, sponsor_class in linked:
        kind = classes.get(sponsor_class or "")
        if kind:
            by_study.setdefault(pmid, []).append((kind, f"{nct}: {sponsor} ({sponsor_class})"))
    changed = 0
    with atomic(db):
        for pmid, kinds in by_study.items():
            own = {
                row[0]
                for row in conn.execute(
                    "select tag from study_tags where pmid = ? and facet = 'funding' "
                    "and source != 'registry'",
                    (pmid,),
                )
            }
            conn.execute(
                "delete from study_tags where pmid = ? and facet = 'funding' "
                "and source = 'registry'",
                (pmid,),
            )
            for kind, evidence in dict(kinds).items():
                conn.execute(
                    "insert or ignore into study_tags (pmid, facet, tag, source, evidence) "
                    "values (?, 'funding', ?, 'registry', ?)",
                    (pmid, kind, evidence),
                )
            funding = combine_funding(own | {kind for kind, _ in kinds})
            cursor = conn.execute(
                "update studies set funding = ? where pmid = ? and funding is not ?",
                (funding, pmid, funding),
            )
            changed += cursor.rowcount
    return changed
