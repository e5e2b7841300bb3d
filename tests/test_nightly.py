"""The unattended nightly refresh end to end: real `harvest` subprocesses against the stand-in.

Incremental runs pick up new and revised records (retractions, errata) in a few requests;
`--full` flags studies that left the search; one refresh at a time; kill -9 at any moment
leaves a sound catalog that the next run completes; Datasette keeps answering meanwhile;
`harvest status` exit codes for cron.
"""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest

from tests.cli_support import command, rows, run_harvest

ROOT = Path(__file__).resolve().parent.parent
INTERRUPTED = "interrupted: the process stopped before the run finished"
SUMMARY_TAIL = r"; (\d+) requests in \d+\.\ds\n"


def harvest(*args, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `python -m harvest ARGS` to completion."""
    return run_harvest(*args, env=env, timeout=timeout, pubmed_only=True)


def spawn(*args, env: dict, **kwargs) -> subprocess.Popen:
    """Start `python -m harvest ARGS` in the background."""
    return subprocess.Popen(
        command(args, pubmed_only=True),
        env=env,
        cwd=ROOT,
        text=True,
        **kwargs,
    )


def wait_for(condition, timeout: float, what: str, interval: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@pytest.fixture
def config(fast_config: Path) -> Path:
    """The project's config with short backoffs (see conftest.fast_config)."""
    return fast_config


@pytest.fixture
def env(eutils_env: dict, config: Path) -> dict:
    """Environment for harvest subprocesses: the stand-in's URL, an email, the fast config."""
    return dict(eutils_env, HARVEST_CONFIG=str(config))


def revise(xml: str, reftype: str, today: date, *, retracted: bool = False) -> str:
    """PubMed's revision of a record that gains a notice (RetractionIn, ErratumIn, ...).

    Adds a CommentsCorrections entry (the record must have none yet), the "Retracted
    Publication" type for a retraction, and today's DateRevised.
    """
    assert "<CommentsCorrectionsList>" not in xml
    notice = (
        f'<CommentsCorrectionsList><CommentsCorrections RefType="{reftype}">'
        f"<RefSource>J Notices. {today.year};1:1</RefSource>"
        '<PMID Version="1">49999999</PMID></CommentsCorrections></CommentsCorrectionsList>'
    )
    xml = re.sub(
        r"(<MeshHeadingList>|<KeywordList|<CoiStatement>|</MedlineCitation>)",
        lambda m: notice + m.group(1),
        xml,
        count=1,
    )
    if retracted:
        xml = xml.replace(
            "</PublicationTypeList>",
            '<PublicationType UI="D016441">Retracted Publication</PublicationType>'
            "</PublicationTypeList>",
        )
    revised = (
        f"<DateRevised><Year>{today.year}</Year><Month>{today.month:02d}</Month>"
        f"<Day>{today.day:02d}</Day></DateRevised>"
    )
    return re.sub(r"<DateRevised>.*?</DateRevised>", revised, xml, count=1)


def status_block(text: str, header: str) -> list[str]:
    """The indented lines under `header` in `harvest status` output."""
    lines = text.splitlines()
    start = lines.index(header) + 1
    block = []
    for line in lines[start:]:
        if not line.startswith("    "):
            break
        block.append(line)
    return block


# --- 1 and 2: incremental by default, retraction watch -----------------------------------------


def test_incremental_refresh_brings_new_studies_retractions_and_errata(
    standin, env, record_factory, tmp_path
):
    standin.load_corpus(200, seed=21)
    db = tmp_path / "catalog.db"
    first = harvest("refresh", "--db", db, env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("full: 200 new, 0 updated, 0 unchanged, 0 failed")
    plain = [
        pmid
        for (pmid,) in rows(
            db,
            "select pmid from studies where record_type = 'article' and retracted = 0 "
            "and erratum = 0 and expression_of_concern = 0 and comments_corrections = '[]' "
            "order by pmid",
        )
    ]
    retracted, corrected = plain[0:50:10], plain[5:55:10]
    flagged_before = rows(db, "select sum(retracted), sum(erratum) from studies")[0]
    today = date.today()
    for pmid in retracted:
        standin.update_record(
            pmid, revise(standin.record(pmid).xml, "RetractionIn", today, retracted=True)
        )
    for pmid in corrected:
        standin.update_record(pmid, revise(standin.record(pmid).xml, "ErratumIn", today))
    new = list(range(42_000_001, 42_000_031))
    for n, pmid in enumerate(new):
        title = f"Psilocybin-assisted therapy for PTSD in first responders: cohort {n + 1}."
        standin.add_record(record_factory(pmid, title=title, year=today.year, edat=today))
    standin.reset_log()

    done = harvest("refresh", "--db", db, env=env)

    assert done.returncode == 0, done.stderr
    log = standin.requests
    assert len(log) <= 12
    assert standin.rate_limited_count == 0
    assert re.fullmatch(
        "incremental: 30 new, 10 updated, 0 unchanged, 0 failed, 5 newly retracted, "
        "5 newly corrected" + SUMMARY_TAIL,
        done.stdout,
    ), done.stdout
    assert int(re.search(SUMMARY_TAIL, done.stdout).group(1)) == len(log)
    columns = {c for (_, c, *_) in rows(db, "pragma table_info(studies)")}
    assert {"retracted", "erratum", "in_search"} <= columns
    assert rows(db, "select count(*) from studies") == [(230,)]
    marks = ",".join("?" * 30)
    assert rows(
        db,
        f"select count(*), sum(in_search), sum(retracted) from studies where pmid in ({marks})",
        tuple(new),
    ) == [(30, 30, 0)]
    marks = ",".join("?" * 10)
    assert rows(
        db,
        f"select pmid, retracted, erratum from studies where pmid in ({marks}) order by pmid",
        (*retracted, *corrected),
    ) == sorted([(p, 1, 0) for p in retracted] + [(p, 0, 1) for p in corrected])
    assert rows(db, "select sum(retracted), sum(erratum) from studies") == [
        (flagged_before[0] + 5, flagged_before[1] + 5)
    ]
    (started, since, found, requests) = rows(
        db, "select started, since, found, requests from harvest_runs where id = 2"
    )[0]
    assert since == (date.fromisoformat(started[:10]) - timedelta(days=3)).isoformat()
    assert (found, requests) == (40, len(log))
    assert rows(db, "select id, mode, status, new, updated from harvest_runs order by id") == [
        (1, "full", "ok", 200, 0),
        (2, "incremental", "ok", 30, 10),
    ]
    assert rows(
        db,
        "select change, count(*) from study_changes where run_id = 2 group by change "
        "order by change",
    ) == [("erratum", 5), ("new", 30), ("retracted", 5), ("updated", 10)]

    status = harvest("status", "--db", db, env=env)
    assert status.returncode == 0, status.stdout + status.stderr
    assert "Changes in run 2: 30 new studies" in status.stdout.splitlines()
    titles = dict(rows(db, "select pmid, title from studies"))
    assert sorted(status_block(status.stdout, "  5 newly retracted:")) == sorted(
        f"    PMID {p}: {titles[p]}" for p in retracted
    )
    assert sorted(status_block(status.stdout, "  5 newly corrected (erratum):")) == sorted(
        f"    PMID {p}: {titles[p]}" for p in corrected
    )


def test_full_refresh_flags_studies_that_left_the_search_and_unflags_returns(
    standin, env, tmp_path
):
    pmids = standin.load_corpus(60, seed=22)
    db = tmp_path / "catalog.db"
    assert harvest("refresh", "--db", db, env=env).returncode == 0
    gone = [pmids[3], pmids[30], pmids[59]]
    for pmid in gone:
        standin.remove_from_search(pmid)

    full = harvest("refresh", "--db", db, "--full", env=env)

    assert full.returncode == 0, full.stderr
    assert re.fullmatch(
        "full: 0 new, 0 updated, 57 unchanged, 0 failed, 3 left the search" + SUMMARY_TAIL,
        full.stdout,
    ), full.stdout
    assert rows(db, "select count(*), sum(in_search) from studies") == [(60, 57)]
    assert rows(db, "select pmid from studies where in_search = 0 order by pmid") == [
        (p,) for p in sorted(gone)
    ]
    assert rows(
        db, "select pmid from study_changes where change = 'left_search' order by pmid"
    ) == [(p,) for p in sorted(gone)]
    status = harvest("status", "--db", db, env=env)
    assert status.returncode == 0
    assert "  3 no longer match the search (kept, in_search = 0)" in status.stdout.splitlines()

    standin.update_record(gone[1], in_search=True)
    again = harvest("refresh", "--db", db, "--full", env=env)

    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("full: 0 new, 0 updated, 58 unchanged, 0 failed;")
    assert rows(db, "select pmid from studies where in_search = 0 order by pmid") == [
        (p,) for p in sorted([gone[0], gone[2]])
    ]
    assert rows(db, "select count(*) from studies") == [(60,)]
    assert rows(
        db, "select pmid, run_id from study_changes where change = 'returned_to_search'"
    ) == [(gone[1], 3)]


# --- 3: one refresh at a time; kill -9 at any moment --------------------------------------------


def test_second_refresh_exits_at_once_while_one_is_running(standin, env, tmp_path):
    standin.load_corpus(100, seed=23)
    standin.set_faults(slow=1.0, slow_seconds=3)
    db = tmp_path / "catalog.db"
    lock = Path(f"{db}.lock")
    first = spawn("refresh", "--db", db, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: lock.exists() and lock.read_text() == str(first.pid), 20, "the first lock")
        started = time.monotonic()
        second = harvest("refresh", "--db", db, env=env, timeout=10)
        elapsed = time.monotonic() - started
        assert first.poll() is None, "the first refresh ended before the second started"
    finally:
        out, err = first.communicate(timeout=120)
    assert second.returncode == 1
    assert second.stdout == ""
    assert second.stderr == (
        f"Error: a refresh is already running on {db} (pid {first.pid}); try again later\n"
    )
    assert elapsed < 10
    assert first.returncode == 0, err
    assert out.startswith("full: 100 new, 0 updated, 0 unchanged, 0 failed")
    standin.clear_faults()
    third = harvest("refresh", "--db", db, env=env)
    assert third.returncode == 0, third.stderr
    assert third.stdout.startswith("incremental: 0 new, 0 updated, 0 unchanged, 0 failed;")
    assert rows(db, "select id, mode, status from harvest_runs order by id") == [
        (1, "full", "ok"),
        (2, "incremental", "ok"),
    ]


def test_kill_9_at_random_moments_then_the_next_refresh_completes(standin, env, tmp_path):
    standin.load_corpus(3_000, seed=24)
    db = tmp_path / "catalog.db"
    rng = random.Random(20261125)
    killed = []
    for attempt in range(1, 4):
        # A random moment inside the run: once the stand-in answers the k-th of its six efetch
        # requests (k <= 4 leaves work to do), plus a random delay: mid-parse or mid-save.
        after_fetch, delay = rng.randint(1, 4), rng.uniform(0.0, 0.6)
        standin.reset_log()
        proc = spawn(
            "refresh", "--db", db, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_for(lambda n=after_fetch: len(standin.requests_for("efetch")) >= n, 120, "efetch")
            time.sleep(delay)
            assert proc.poll() is None, f"refresh {attempt} finished before it could be killed"
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        killed.append(proc.pid)

        assert rows(db, "pragma integrity_check") == [("ok",)]
        assert rows(db, "select count(*) from harvest_runs where status = 'ok'") == [(0,)]
        assert rows(db, "select id, status, pid from harvest_runs order by id desc limit 1") == [
            (attempt, "running", proc.pid)
        ]
        (stored,) = rows(db, "select count(*) from studies")[0]
        assert stored % 500 == 0  # whole batches only
        assert rows(db, "select count(*) from studies_fts") == [(stored,)]
        assert rows(db, "select count(*) from study_changes where change = 'new'") == [(stored,)]
        assert Path(f"{db}.lock").read_text() == str(proc.pid)  # left behind by the dead process
        status = harvest("status", "--db", db, env=env)
        assert status.returncode == 1
        assert "Last successful refresh: never" in status.stdout.splitlines()

    (before,) = rows(db, "select count(*) from studies")[0]
    done = harvest("refresh", "--db", db, env=env)

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(
        f"full: {3_000 - before} new, 0 updated, {before} unchanged, 0 failed"
    ), done.stdout
    assert rows(db, "pragma integrity_check") == [("ok",)]
    assert {p for (p,) in rows(db, "select pmid from studies")} == set(standin.pmids())
    assert rows(db, "select count(*), sum(in_search) from studies") == [(3_000, 3_000)]
    assert rows(db, "select count(*) from study_changes where change = 'new'") == [(3_000,)]
    runs = rows(db, "select id, mode, status, error, pid from harvest_runs order by id")
    assert runs[:3] == [
        (1, "full", "failed", INTERRUPTED, killed[0]),
        (2, "full", "failed", INTERRUPTED, killed[1]),
        (3, "full", "failed", INTERRUPTED, killed[2]),
    ]
    assert [r[:4] for r in runs[3:]] == [(4, "full", "ok", None)]
    assert Path(f"{db}.lock").read_text() == ""  # released and emptied by the last run
    assert harvest("status", "--db", db, env=env).returncode == 0


def test_status_reports_a_killed_refresh_before_the_next_run(standin, env, tmp_path):
    standin.load_corpus(50, seed=27)
    db = tmp_path / "catalog.db"
    assert harvest("refresh", "--db", db, env=env).returncode == 0
    standin.set_faults(slow=1.0, slow_seconds=5)
    proc = spawn(
        "refresh", "--db", db, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_for(lambda: len(rows(db, "select 1 from harvest_runs where id = 2")) == 1, 20, "run 2")
        (started,) = rows(db, "select started from harvest_runs where id = 2")[0]
        clock = time.monotonic()
        running = harvest("status", "--db", db, env=env)
        assert time.monotonic() - clock < 5  # a reader does not wait for the writer
        assert proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert running.returncode == 0, running.stdout
    assert f"A refresh is running since {started} (pid {proc.pid})" in running.stdout.splitlines()

    killed = harvest("status", "--db", db, env=env)

    assert killed.returncode == 1, killed.stdout
    assert f"Last refresh FAILED at {started}: {INTERRUPTED}" in killed.stdout.splitlines()


# --- Datasette beside the refresh ---------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def harvest_serve(db: Path, env: dict) -> Iterator[str]:
    """`harvest serve --db DB --port P` in a child process; yields its base URL once it answers."""
    port = free_port()
    log = db.with_name("serve.log")
    with open(log, "w") as out:  # a file, not a pipe: uvicorn logs every request
        proc = spawn("serve", "--db", db, "--port", port, env=env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"harvest serve exited: {log.read_text()}")
        try:
            return httpx.get(f"{url}/-/versions.json", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(answers, 30, "harvest serve to answer", interval=0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


READER_PATHS = ("/catalog/studies.json?_size=5", "/catalog.json?sql=select+count(*)+from+studies")


def test_datasette_answers_every_request_during_a_refresh(standin, env, tmp_path):
    standin.load_corpus(2_000, seed=25)
    db = tmp_path / "catalog.db"
    empty = tmp_path / "empty.xml"
    empty.write_text('<?xml version="1.0" ?>\n<PubmedArticleSet></PubmedArticleSet>')
    assert harvest("import", empty, "--db", db, env=env).returncode == 0  # an empty catalog
    assert rows(db, "select count(*) from studies") == [(0,)]
    failures, counts = [], []
    with harvest_serve(db, env) as url, httpx.Client(base_url=url, timeout=5) as client:
        refresh = spawn(
            "refresh", "--db", db, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        try:
            while True:
                running = refresh.poll() is None
                for path in READER_PATHS:
                    try:
                        response = client.get(path)
                    except httpx.HTTPError as exc:
                        failures.append((path, repr(exc)))
                        continue
                    if response.status_code != 200:
                        failures.append((path, response.status_code, response.text[:200]))
                    elif "sql=" in path:
                        counts.append(response.json()["rows"][0][0])
                if not running:
                    break
                time.sleep(0.05)
        finally:
            out, err = refresh.communicate(timeout=120)
    assert refresh.returncode == 0, err
    assert out.startswith("full: 2000 new, 0 updated, 0 unchanged, 0 failed")
    assert failures == []
    assert len(counts) >= 20
    assert counts == sorted(counts)  # readers only ever see more committed batches
    assert {c % 500 for c in counts} == {0}
    assert counts[-1] == 2_000
    assert len(set(counts)) >= 3  # the reads really happened while batches were committed


# --- 4: `harvest status` for cron -----------------------------------------------------------------


def test_status_exit_codes(standin, env, tmp_path):
    standin.load_corpus(20, seed=26)
    db = tmp_path / "catalog.db"

    missing = harvest("status", "--db", db, env=env)
    assert missing.returncode == 1
    assert missing.stderr == (
        f"Error: no catalog at {db}: run `harvest refresh` or `harvest import` first\n"
    )

    with standin.unreachable():
        assert harvest("refresh", "--db", db, env=env).returncode == 1
    never = harvest("status", "--db", db, env=env)
    assert never.returncode == 1
    lines = never.stdout.splitlines()
    assert "Last successful refresh: never" in lines
    refused = f"cannot reach NCBI E-utilities at {standin.url}: connection refused"
    assert any(
        re.fullmatch(rf"Last refresh FAILED at \S+: {re.escape(refused)}", line) for line in lines
    ), never.stdout

    assert harvest("refresh", "--db", db, env=env).returncode == 0
    fresh = harvest("status", "--db", db, env=env)
    assert fresh.returncode == 0, fresh.stdout
    flags = "select sum(retracted), sum(erratum), sum(expression_of_concern) from studies"
    retracted, errata, concern = rows(db, flags)[0]
    assert fresh.stdout.splitlines()[0] == (
        f"Catalog: 20 studies (20 in the search, {retracted} retracted, {errata} with errata, "
        f"{concern} with expressions of concern, 0 deleted by PubMed)"
    )
    assert harvest("status", "--db", db, "--max-age", "1m", env=env).returncode == 0

    two_hours_ago = datetime.now(timezone.utc) - timedelta(hours=2)
    conn = sqlite3.connect(db)
    with conn:
        conn.execute(
            "update harvest_runs set finished = ? where status = 'ok'",
            (two_hours_ago.strftime("%Y-%m-%dT%H:%M:%SZ"),),
        )
    conn.close()
    stale = harvest("status", "--db", db, "--max-age", "1h", env=env)
    assert stale.returncode == 1
    (line,) = [x for x in stale.stdout.splitlines() if x.startswith("Last successful refresh:")]
    assert line.endswith("  STALE: older than 1.0 h")
    assert "(2.0 h ago, full)" in line
    assert harvest("status", "--db", db, "--max-age", "3h", env=env).returncode == 0
    assert harvest("status", "--db", db, env=env).returncode == 0  # default 48h

    with standin.unreachable():
        assert harvest("refresh", "--db", db, env=env).returncode == 1
    failed = harvest("status", "--db", db, "--max-age", "3h", env=env)
    assert failed.returncode == 1
    assert any(x.startswith("Last refresh FAILED at ") for x in failed.stdout.splitlines())

    assert harvest("refresh", "--db", db, env=env).returncode == 0
    assert harvest("status", "--db", db, "--max-age", "1m", env=env).returncode == 0

    bad = harvest("status", "--db", db, "--max-age", "soon", env=env)
    assert bad.returncode == 1
    assert bad.stderr == "Error: --max-age must look like 48h, 2d or 90m, got 'soon'\n"


# --- issue 8: signals, dying parents, configuration failures, imports and the search -------------


def stored_count(db: Path) -> int:
    """Studies committed so far (0 while the catalog is being created)."""
    try:
        return rows(db, "select count(*) from studies")[0][0]
    except sqlite3.OperationalError:
        return 0


def test_sigterm_stops_between_batches_and_records_the_run(standin, env, tmp_path):
    standin.load_corpus(3_000, seed=31)
    db = tmp_path / "catalog.db"
    proc = spawn("refresh", "--db", db, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: stored_count(db) > 0, 120, "the first batch")
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode == 1
    assert err == "Error: terminated (SIGTERM) before the run finished\n"
    (stored,) = rows(db, "select count(*) from studies")[0]
    assert stored % 500 == 0 and 0 < stored < 3_000  # whole batches, stopped before the end
    assert rows(db, "select mode, status, error, new from harvest_runs where mode != 'trials'") == [
        ("full", "failed", "terminated (SIGTERM) before the run finished", stored)
    ]
    assert rows(db, "pragma integrity_check") == [("ok",)]
    assert harvest("status", "--db", db, env=env).returncode == 1


def children(pid: int) -> list[int]:
    """Live (not zombie) processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z" and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
def test_kill_9_of_an_import_leaves_no_workers(record_factory, tmp_path):
    corpus = record_factory.generate_corpus(6_000, seed=41)
    big = tmp_path / "big.xml"
    big.write_text(record_factory.make_article_set(xml for _, xml, *_ in corpus))
    db = tmp_path / "catalog.db"
    env = {k: v for k, v in os.environ.items() if k != "NCBI_API_KEY"}
    proc = spawn(
        "import", big, "--db", db, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    workers: list[int] = []
    try:
        wait_for(lambda: len(children(proc.pid)) >= 2, 60, "two parsing workers")
        workers = children(proc.pid)
        assert proc.poll() is None
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        wait_for(lambda: not any(alive(w) for w in workers), 10, "the workers to die")
    finally:
        for worker in workers:
            if alive(worker):
                os.kill(worker, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL


def test_imported_studies_do_not_leave_the_search(standin, env, record_factory, tmp_path):
    standin.load_corpus(20, seed=43)
    extra = tmp_path / "extra.xml"
    extra.write_text(
        record_factory.make_article_set(record_factory(p) for p in (39000001, 39000002))
    )
    db = tmp_path / "catalog.db"
    assert harvest("import", extra, "--db", db, env=env).returncode == 0
    assert rows(db, "select pmid, in_search from studies order by pmid") == [
        (39000001, 0),
        (39000002, 0),
    ]
    done = harvest("refresh", "--full", "--db", db, env=env)
    assert done.returncode == 0, done.stderr
    assert ", left the search" not in done.stdout and "left the search" not in done.stdout
    assert rows(db, "select count(*) from study_changes where change = 'left_search'") == [(0,)]
    assert rows(db, "select sum(in_search), count(*) from studies") == [(20, 22)]
    status = harvest("status", "--db", db, env=env)
    assert "no longer match the search" not in status.stdout


@pytest.mark.parametrize(
    "broken, message",
    [
        ("harvest.yml", "Error: {folder}/harvest.yml: read_timeout must be a finite number, "
                        "got nan\n"),
        ("taxonomy.yml", None),
        ("email", "Error: no contact email for NCBI: set NCBI_EMAIL or `email` in "
                  "config/harvest.yml\n"),
    ],
)  # fmt: skip
def test_a_refresh_failing_on_configuration_is_a_failed_run(
    standin, env, fast_config, tmp_path, broken, message
):
    standin.load_corpus(10, seed=47)
    db = tmp_path / "catalog.db"
    assert harvest("refresh", "--db", db, env=env).returncode == 0
    assert harvest("status", "--db", db, env=env).returncode == 0
    if broken == "harvest.yml":
        with open(fast_config / "harvest.yml", "a") as out:
            out.write("read_timeout: .nan\n")
    elif broken == "taxonomy.yml":
        (fast_config / "taxonomy.yml").write_text("facets: [unclosed\n")
    else:
        env = {k: v for k, v in env.items() if k != "NCBI_EMAIL"}
        text = (fast_config / "harvest.yml").read_text()
        (fast_config / "harvest.yml").write_text(re.sub(r"(?m)^email:.*$", "", text))
    done = harvest("refresh", "--db", db, env=env)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: ")
    if message:
        assert done.stderr == message.format(folder=fast_config)
    error = done.stderr[len("Error: ") : -1]
    pubmed_runs = "select mode, status, error from harvest_runs where mode != 'trials' order by id"
    assert rows(db, pubmed_runs) == [
        ("full", "ok", None),
        ("incremental", "failed", f"configuration: {error}"),
    ]
    status = harvest("status", "--db", db, env=env)
    assert status.returncode == 1
    assert re.search(rf"^Last refresh FAILED at \S+: configuration: {re.escape(error)}$",
                     status.stdout, re.M), status.stdout  # fmt: skip


def test_a_configuration_failure_without_a_catalog_creates_none(env, fast_config, tmp_path):
    with open(fast_config / "harvest.yml", "a") as out:
        out.write("batch_size: 1.7\n")
    done = harvest("refresh", "--db", tmp_path / "catalog.db", env=env)
    assert done.returncode == 1
    assert done.stderr == (
        f"Error: {fast_config}/harvest.yml: batch_size must be a whole number, got 1.7\n"
    )
    assert not (tmp_path / "catalog.db").exists()
