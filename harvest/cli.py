"""The `harvest` command: a thin click layer over the library."""

from __future__ import annotations

import json
import logging
import os
import signal
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from harvest import __version__
from harvest.catalog.db import open_db
from harvest.catalog.jobs import import_files, make_enricher, retag_preview
from harvest.catalog.jobs import refresh as run_refresh
from harvest.catalog.jobs import retag as run_retag
from harvest.catalog.runs import StopRequest, catalog_lock, last_success, record_failed_run
from harvest.catalog.snapshot import save_snapshot
from harvest.catalog.status import parse_age, status_report
from harvest.catalog.trials import apply_registry_funding, refresh_trials
from harvest.citing.check import Online, check_report, render_report, report_failed
from harvest.citing.documents import read_document
from harvest.citing.ledger import pages_to_review, resolve_review, review_lines, scan_pages
from harvest.config import (
    PROJECT_DIR,
    default_config_dir,
    load_query,
    load_settings,
    load_trial_settings,
    require_email,
)
from harvest.errors import ConfigError, HarvestError
from harvest.pubmed.eutils import EutilsClient
from harvest.tagging.changes import format_changes
from harvest.tagging.details import load_details
from harvest.tagging.evaluate import evaluate_catalog
from harvest.tagging.taxonomy import load_taxonomy, tagger_version

DB_OPTION = click.option(
    "--db",
    "db_path",
    default="catalog.db",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite catalog file.",
)
CONFIG_OPTION = click.option(
    "--config",
    "config_dir",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder holding harvest.yml, queries.yml and taxonomy.yml "
    "[default: $HARVEST_CONFIG, ./config, or the checkout's config/].",
)
QUIET_OPTION = click.option("--quiet", "-q", is_flag=True, help="No progress, warnings or summary.")


@contextmanager
def errors_as_messages(code: int = 1):
    """Expected failures become one `Error: ...` line and exit `code`; no traceback."""
    try:
        yield
    except HarvestError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(code)
    except sqlite3.DatabaseError as exc:
        click.echo(f"Error: catalog database: {exc}", err=True)
        sys.exit(code)
    except KeyboardInterrupt:
        click.echo("Error: interrupted", err=True)
        sys.exit(130)


def _stop_on_sigterm() -> StopRequest:
    """systemd and kill send SIGTERM: the job stops after its current batch, recorded failed.

    The handler only sets a flag (it never raises where the signal lands); a second SIGTERM
    stops at once.
    """
    stop = StopRequest()

    def handle(signum, frame):
        if stop.reason:
            raise HarvestError("terminated (second SIGTERM) before the run finished")
        stop.request("terminated (SIGTERM)")

    signal.signal(signal.SIGTERM, handle)
    return stop


def _logging(quiet: bool, verbose: bool = False) -> None:
    level = logging.ERROR if quiet else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
    logging.getLogger("urllib3").setLevel(logging.WARNING)  # its debug lines carry URLs


def _progress(quiet: bool, label: str):
    """A progress bar on a TTY, nothing otherwise."""
    if quiet or not sys.stderr.isatty():
        return lambda items: items

    def wrap(items):
        with click.progressbar(items, label=label, file=sys.stderr, show_pos=True) as bar:
            yield from bar

    return wrap


def _rules(config_dir: Path | None) -> tuple:
    """The taxonomy and the study-details rules, each loaded (and checked) once."""
    folder = Path(config_dir or default_config_dir())
    taxonomy = load_taxonomy(folder / "taxonomy.yml")
    return taxonomy, load_details(folder / "details.yml", taxonomy)


def _enricher(config_dir: Path | None):
    return make_enricher(*_rules(config_dir))


@click.group()
@click.version_option(__version__, prog_name="harvest")
def cli():
    """Harvest PubMed studies on ketamine, psilocybin and MDMA for trauma into a SQLite catalog."""


@cli.command()
@DB_OPTION
@CONFIG_OPTION
@click.option(
    "--full", is_flag=True, help="Re-run the whole search and reconcile, not just changes."
)
@click.option("--show-query", is_flag=True, help="Print the PubMed query and exit.")
@click.option(
    "--skip-trials", is_flag=True, help="Do not ask ClinicalTrials.gov (config/trials.yml)."
)
@QUIET_OPTION
@click.option("--verbose", "-v", is_flag=True, help="Log every request and retry.")
def refresh(db_path, config_dir, full, show_query, skip_trials, quiet, verbose):
    """Bring the catalog up to date with PubMed, then with ClinicalTrials.gov.

    The first run (and --full) fetches every record matching config/queries.yml; later runs ask
    only for records entered or revised since the last successful refresh. The registry's
    trials (config/trials.yml) are refreshed after PubMed as a run of their own: a registry
    outage is reported (exit 1) but never undoes the PubMed part.

    \b
    Example:
        NCBI_EMAIL=you@clinic.org harvest refresh --db catalog.db
    """
    _logging(quiet, verbose)
    stop = _stop_on_sigterm()
    with errors_as_messages():
        config_dir = config_dir or default_config_dir()
        try:
            query = load_query(config_dir)
            if show_query:
                click.echo(query.term)
                return
            settings = load_settings(config_dir)
            require_email(settings)
            trial_settings = load_trial_settings(config_dir)
            enrich = _enricher(config_dir)
        except ConfigError as exc:
            _record_config_failure(db_path, full, exc)
            raise

        with catalog_lock(db_path):
            db = open_db(db_path)
            outcome = run_refresh(
                db,
                settings,
                query,
                enrich,
                full=full,
                progress=_progress(quiet, "Fetching"),
                stop=stop,
            )
            if not quiet:
                click.echo(outcome.summary())
            if trial_settings.enabled and not skip_trials:
                _refresh_trials(db, trial_settings, config_dir, full, quiet)


def _record_config_failure(db_path: Path, full: bool, exc: ConfigError) -> None:
    """A refresh that cannot start is still a failed run, so `harvest status` reports it."""
    if not Path(db_path).is_file():
        return
    try:
        with catalog_lock(db_path):
            db = open_db(db_path, create=False)
            mode = "full" if full or not last_success(db) else "incremental"
            record_failed_run(db, mode, "", f"configuration: {exc}")
    except HarvestError:  # locked, or not a catalog: the configuration error is what to say
        pass


def _refresh_trials(db, trial_settings, config_dir, full: bool, quiet: bool) -> None:
    """The registry part of `refresh`: its failure is one Error line and exit 1."""
    taxonomy = load_taxonomy(Path(config_dir) / "taxonomy.yml")
    classes = load_details(Path(config_dir) / "details.yml").registry_classes
    try:
        trial_outcome = refresh_trials(
            db, trial_settings, taxonomy, full=full, funding_classes=classes
        )
    except HarvestError as exc:
        click.echo(f"Error: trial refresh failed (PubMed part saved): {exc}", err=True)
        sys.exit(1)
    if not quiet:
        click.echo(trial_outcome.summary())


@cli.command(name="import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=True, path_type=Path))
@DB_OPTION
@CONFIG_OPTION
@QUIET_OPTION
def import_(files, db_path, config_dir, quiet):
    """Import PubMed XML (.xml, .xml.gz: efetch output, baseline and update files) or MEDLINE
    text (.txt, .nbib) exports.

    \b
    Example:
        harvest import pubmed26n1335.xml.gz export.nbib --db catalog.db
    """
    _logging(quiet)
    stop = _stop_on_sigterm()
    with errors_as_messages():
        taxonomy, details = _rules(config_dir)
        enrich = make_enricher(taxonomy, details)

        with catalog_lock(db_path):
            db = open_db(db_path)
            outcome = import_files(
                db, list(files), enrich, progress=_progress(quiet, "Importing"), stop=stop
            )
            apply_registry_funding(db, details.registry_classes)
        if not quiet:
            click.echo(outcome.summary())


@cli.command()
@DB_OPTION
@CONFIG_OPTION
@QUIET_OPTION
@click.option(
    "--dry-run",
    is_flag=True,
    help="Print per tag how many studies would gain or lose it (with sample PMIDs); write nothing.",
)
def retag(db_path, config_dir, quiet, dry_run):
    """Re-apply config/taxonomy.yml to every stored record, without network.

    \b
    Example:
        harvest retag --db catalog.db --dry-run && harvest retag --db catalog.db
    """
    _logging(quiet)
    stop = _stop_on_sigterm()
    with errors_as_messages():
        taxonomy, details = _rules(config_dir)
        enrich = make_enricher(taxonomy, details)
        if dry_run:
            db = open_db(db_path, create=False, read_only=True)
            changes = retag_preview(db, enrich, progress=_progress(quiet, "Tagging"))
            click.echo(format_changes(changes, taxonomy.tagger_version))
            return

        with catalog_lock(db_path):
            db = open_db(db_path, create=False)
            outcome = run_retag(db, enrich, progress=_progress(quiet, "Tagging"), stop=stop)
            apply_registry_funding(db, details.registry_classes)
        if not quiet:
            click.echo(outcome.summary())


@cli.command()
@DB_OPTION
@click.option(
    "--max-age",
    default="48h",
    show_default=True,
    help="Exit non-zero when the last successful refresh is older than this (e.g. 36h, 2d).",
)
@CONFIG_OPTION
def status(db_path, max_age, config_dir):
    """Show the last refresh, counts and recent changes; exit 1 when stale or failed.

    \b
    Example:
        harvest status --db catalog.db --max-age 36h || mail -s "catalog stale" staff@clinic.org
    """
    with errors_as_messages():
        limit = parse_age(max_age)
        db = open_db(db_path, create=False, read_only=True)
        taxonomy = Path(config_dir or default_config_dir()) / "taxonomy.yml"
        version = tagger_version(taxonomy) if taxonomy.is_file() else None
        report = status_report(db, limit, db_path=db_path, tagger_version=version)
        click.echo(report.text)
        if not report.healthy:
            sys.exit(1)


@cli.command()
@click.argument("labels", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@DB_OPTION
@CONFIG_OPTION
@click.option(
    "--text-only",
    is_flag=True,
    help="Re-tag the labelled studies with MeSH, substances and publication types removed "
    "(as In-Process and publisher records arrive) and score that.",
)
@click.option(
    "--summary",
    is_flag=True,
    help="Scores only: count the records it got wrong without listing them (a held-out set).",
)
def evaluate(labels, db_path, config_dir, text_only, summary):
    """Score the catalog's tags against gold labels (JSON: pmid -> facets).

    \b
    Example:
        harvest evaluate tests/fixtures/tagging_labels.json --db catalog.db [--text-only]
    """
    with errors_as_messages():
        db = open_db(db_path, create=False, read_only=True)
        taxonomy = load_taxonomy(Path(config_dir or default_config_dir()) / "taxonomy.yml")
        click.echo(evaluate_catalog(db, labels, taxonomy, text_only=text_only, summary=summary))


@cli.command()
@DB_OPTION
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8001, show_default=True, type=int, help="Port to listen on.")
@click.option(
    "--metadata",
    "metadata_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Datasette metadata file [default: ./metadata.yml, or the checkout's].",
)
@click.option(
    "--immutable",
    is_flag=True,
    help="Serve a snapshot that never changes (Datasette's -i: counted once, no locking).",
)
def serve(db_path, host, port, metadata_path, immutable):
    """Serve the catalog read-only with Datasette.

    \b
    Example:
        harvest serve --db catalog.db --port 8001
        harvest serve --immutable --db snapshots/catalog-2026-12-01.db
    """
    # Datasette takes about 0.7 s to import: only the commands that serve or describe a
    # catalog with it load it, so that `import`, `refresh` and the rest start without it.
    from harvest.publish.serve import serve as run_serve

    with errors_as_messages():
        metadata_path = _metadata_path(metadata_path)
        run_serve(db_path, host=host, port=port, metadata_path=metadata_path, immutable=immutable)


def _metadata_path(metadata_path: Path | None) -> Path:
    if metadata_path is None:
        local = Path("metadata.yml")
        metadata_path = local if local.exists() else PROJECT_DIR / "metadata.yml"
    return metadata_path


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
@DB_OPTION
@click.option("--force", is_flag=True, help="Replace today's snapshot if it was already taken.")
def snapshot(folder, db_path, force):
    """Write a dated, immutable copy of the catalog, FOLDER/catalog-YYYY-MM-DD.db (UTC date).

    Consistent even while a refresh writes (SQLite's online backup), integrity-checked, and
    recorded in the catalog's `snapshots` table with its study count and sha256. One a day:
    an existing snapshot of today is kept unless --force. Also writes FOLDER/metadata.json
    (metadata.yml with the taxonomy's labels) for `datasette -i` or `datasette publish`.

    \b
    Example:
        harvest snapshot snapshots/ --db catalog.db
        harvest serve --immutable --db snapshots/catalog-2026-12-01.db
    """
    from harvest.publish.serve import publish_metadata  # Datasette: see `serve`

    with errors_as_messages():
        db = open_db(db_path, create=False)
        snap = save_snapshot(db, folder, force=force)
        metadata = publish_metadata(snap.path, _metadata_path(None))
        (folder / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
        click.echo(snap.summary())


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@DB_OPTION
@CONFIG_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@click.option("--online", is_flag=True, help="Look up citations not in the catalog in PubMed.")
def check(files, db_path, config_dir, fmt, online):
    """Check a draft's citations against the catalog: status, flags, design, evidence level.

    Reads plain text, Markdown, HTML, .docx, RIS and nbib. Exits 1 when a cited study is
    retracted or under an expression of concern, 2 on bad input, 0 otherwise.

    \b
    Example:
        harvest check draft.md references.ris --db catalog.db --format json
    """
    with errors_as_messages(code=2):  # 1 means "problems found"
        documents = [(str(path), read_document(path)) for path in files]
        db = open_db(db_path, create=False, read_only=True)
        lookup = None
        if online:
            settings = load_settings(config_dir or default_config_dir())
            require_email(settings)
            lookup = Online(EutilsClient(settings), _enricher(config_dir))
        report = check_report(db.conn, documents, lookup)
    if fmt == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        click.echo(render_report(report))
    sys.exit(1 if report_failed(report) else 0)


@cli.group()
def ledger():
    """What each content page cites, and the pages to review when a cited study changes."""


@ledger.command("scan")
@click.argument("targets", nargs=-1, required=True, type=click.Path(path_type=Path))
@DB_OPTION
@click.option("--base-url", default=None, help="Name pages by URL: this + path under DIR.")
def ledger_scan(targets, db_path, base_url):
    """Record the studies each page cites (re-scanning updates; removals are kept, marked).

    \b
    Example:
        harvest ledger scan site/content --base-url https://clinic.example.org/ --db catalog.db
    """
    with errors_as_messages():
        db = open_db(db_path, create=False)
        outcome = scan_pages(db, list(targets), base_url)
        click.echo(outcome.summary())
        for line in review_lines(db):
            click.echo(line)


@ledger.command("review")
@DB_OPTION
def ledger_review(db_path):
    """List the pages to review, and pages for which stronger evidence is available.

    \b
    Example:
        harvest ledger review --db catalog.db
    """
    with errors_as_messages():
        db = open_db(db_path, create=False, read_only=True)
        lines = review_lines(db)
        click.echo("\n".join(lines) if lines else "No pages to review.")


@ledger.command("resolve")
@click.argument("page")
@click.argument("pmid", type=int)
@click.option("--note", required=True, help="What was checked or changed.")
@click.option("--by", "by", default=None, help="Who reviewed it [default: $USER].")
@DB_OPTION
def ledger_resolve(page, pmid, note, by, db_path):
    """Record that a page's citation of PMID was reviewed; it leaves the list until it changes.

    \b
    Example:
        harvest ledger resolve guides/ptsd.md 31065731 --note "citation removed" --db catalog.db
    """
    with errors_as_messages():
        by = by or os.environ.get("USER") or os.environ.get("LOGNAME")
        if not by:
            raise HarvestError("say who reviewed it: --by NAME (no $USER is set)")
        db = open_db(db_path, create=False)
        closed = resolve_review(db, page, pmid, by, note)
        left = len(pages_to_review(db))
        click.echo(f"resolved {closed} review(s) of {page} PMID {pmid} by {by}; {left} left")
