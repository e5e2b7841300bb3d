"""Hostile servers: trickling and oversized answers, echoed keys, redirects, permanent errors,
and a history server that loses every WebEnv."""

import sqlite3
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from harvest.config import Settings
from harvest.errors import NCBIError
from harvest.pubmed.eutils import EutilsClient
from harvest.pubmed.fetch import fetch_records, fetch_windows, parse_esearch
from tests.standin_hostile import (
    ESEARCH_OK,
    HostileServer,
    echo,
    gzip_bomb,
    oversized,
    redirect,
    response,
    trickle,
)

KEY = "0123456789abcdef0123456789abcdef0123"
ROOT = Path(__file__).resolve().parent.parent


def settings_for(url: str, **changes) -> Settings:
    base = Settings(eutils_url=url, email="t@example.org", backoff_base=0.01, backoff_max=0.05)
    return replace(base, **changes)


def esearch(client: EutilsClient) -> dict:
    return client.call("esearch", {"db": "pubmed", "term": "ketamine"}, parse_esearch)


# --- deadline and size cap ---------------------------------------------------------------------


def test_deadline_defaults_to_four_read_timeouts():
    assert EutilsClient(settings_for("http://x/", read_timeout=3)).deadline == 12
    assert EutilsClient(settings_for("http://x/", request_deadline=5)).deadline == 5


@pytest.mark.parametrize("head_at_once", [False, True], ids=["whole-answer", "body-only"])
def test_one_byte_per_second_is_cut_at_the_deadline(head_at_once):
    server = HostileServer(lambda request, conn: None)
    server.answer = trickle(server, ESEARCH_OK, 1.0, head_at_once=head_at_once)
    settings = settings_for(server.url, read_timeout=2, request_deadline=2.5, max_attempts=2)
    with server:
        client = EutilsClient(settings)
        with pytest.raises(NCBIError) as info:
            esearch(client)
    assert str(info.value) == (
        "esearch: gave up after 2 attempts: no complete answer within 2.5s (request_deadline)"
    )
    assert len(server.requests) == 2
    assert server.sent < 2 * 10  # about 3 bytes per attempt; the answer was never finished


@pytest.mark.parametrize("announce", [True, False], ids=["content-length", "no-length"])
def test_an_answer_over_the_cap_is_abandoned(announce):
    server = HostileServer(lambda request, conn: None)
    total = 3 << 20 if announce else 200 << 20
    server.answer = oversized(server, total, announce=announce)
    settings = settings_for(server.url, max_response_bytes=1 << 20, max_attempts=2)
    with server:
        client = EutilsClient(settings)
        with pytest.raises(NCBIError) as info:
            esearch(client)
    assert str(info.value) == (
        "esearch: gave up after 2 attempts: answer larger than 1 MB (max_response_bytes)"
    )
    assert len(server.requests) == 2
    if not announce:  # reading stopped just past the cap: the 200 MB were never all sent
        assert server.sent < 2 * (16 << 20)


def test_a_gzip_bomb_is_abandoned_past_the_cap():
    with HostileServer(gzip_bomb(64 << 20)) as server:
        client = EutilsClient(settings_for(server.url, max_response_bytes=1 << 20, max_attempts=1))
        with pytest.raises(NCBIError) as info:
            esearch(client)
    assert str(info.value) == (
        "esearch: gave up after 1 attempts: answer larger than 1 MB (max_response_bytes)"
    )


# --- the API key never leaks ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, wrap_error, start",
    [
        ("200 OK", True, "esearch: NCBI answered with an error: Invalid query: tool="),
        ("400 Bad Request", True, "esearch: NCBI answered with an error: Invalid query: tool="),
        ("403 Forbidden", False, "esearch: HTTP 403 Forbidden from http://127.0.0.1:"),
        ("400 Bad Request", False, "esearch: HTTP 400 Bad Request from http://127.0.0.1:"),
    ],
)
def test_an_echoed_key_is_redacted_and_the_error_is_not_retried(status, wrap_error, start):
    with HostileServer(echo(status, wrap_error)) as server:
        client = EutilsClient(settings_for(server.url, api_key=KEY))
        with pytest.raises(NCBIError) as info:
            esearch(client)
    assert KEY in server.requests[0]  # the server did see (and echo) it
    message = str(info.value)
    assert message.startswith(start)
    assert KEY not in message and "api_key=***" in message
    assert len(server.requests) == 1


def test_an_echoed_key_is_not_in_the_error_line_or_the_run_row(tmp_path):
    db = tmp_path / "catalog.db"
    with HostileServer(echo("200 OK", True)) as server:
        env = {
            "PATH": "/usr/bin:/bin",
            "NCBI_EUTILS_URL": server.url,
            "NCBI_EMAIL": "t@example.org",
            "NCBI_API_KEY": KEY,
        }
        done = subprocess.run(
            [sys.executable, "-m", "harvest", "refresh", "--db", str(db)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )
    assert done.returncode == 1
    assert done.stderr.startswith("Error: esearch: NCBI answered with an error: Invalid query:")
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert KEY not in done.stderr + done.stdout
    conn = sqlite3.connect(db)
    try:
        ((status, error),) = conn.execute("select status, error from harvest_runs").fetchall()
        dump = "\n".join(conn.iterdump())
    finally:
        conn.close()
    assert status == "failed" and "api_key=***" in error
    assert KEY not in dump


def test_a_redirect_to_another_host_is_not_followed():
    with HostileServer(lambda request, conn: conn.sendall(response("200 OK", ESEARCH_OK))) as other:
        elsewhere = f"http://localhost:{other.port}/entrez/eutils/esearch.fcgi"
        with HostileServer(redirect(elsewhere)) as server:
            client = EutilsClient(settings_for(server.url, api_key=KEY))
            with pytest.raises(NCBIError) as info:
                esearch(client)
    assert str(info.value) == (
        f"esearch: {server.url}esearch.fcgi redirected to another host "
        f"(http://localhost:{other.port}); not following it (the request would carry the "
        "API key there)"
    )
    assert other.requests == []
    assert len(server.requests) == 1


def test_a_redirect_on_the_same_host_is_followed():
    def answer(request, conn):
        if request.startswith("POST /entrez/eutils/moved.fcgi"):
            conn.sendall(response("200 OK", ESEARCH_OK))
        else:
            redirect("/entrez/eutils/moved.fcgi")(request, conn)

    with HostileServer(answer) as server:
        client = EutilsClient(settings_for(server.url, api_key=KEY))
        assert esearch(client)["ids"] == (123,)
    assert [r.split(" ", 2)[:2] for r in server.requests] == [
        ["POST", "/entrez/eutils/esearch.fcgi"],
        ["POST", "/entrez/eutils/moved.fcgi"],
    ]


# --- permanent errors fail at once ---------------------------------------------------------------


def test_a_mistyped_url_fails_at_once(standin):
    client = EutilsClient(settings_for(standin.url + "typo/"))
    with pytest.raises(NCBIError) as info:
        esearch(client)
    assert str(info.value) == (
        f"esearch: HTTP 404 Not Found from {standin.url}typo/esearch.fcgi (is eutils_url right?)"
    )
    assert client.requests == 1 == len(standin.requests)


def test_429_and_5xx_are_still_retried(standin):
    standin.load_corpus(3, seed=1)
    standin.inject("429", "503", "error400")  # error400: a 400 with NCBI's transient <ERROR>
    client = EutilsClient(settings_for(standin.url))
    assert esearch(client)["count"] == 3
    assert client.requests == 4


# --- a history server that loses every WebEnv ----------------------------------------------------


def utilities(standin):
    return [(r.utility, "id" in r.params) for r in standin.requests]


def test_expiring_every_efetch_is_bounded_then_fetched_by_id(standin):
    pmids = standin.load_corpus(1_200, seed=3)
    standin.expire_every_efetch = True
    client = EutilsClient(settings_for(standin.url))
    (window,) = fetch_windows(client, "ketamine")
    got = [item["pmid"] for item in fetch_records(client, window, 500)]
    assert sorted(got) == sorted(pmids)
    assert utilities(standin) == [
        ("esearch", False),
        *[("efetch", False), ("esearch", False)] * 2,
        ("efetch", False),
        ("efetch", True),
        ("efetch", True),
        ("efetch", True),
    ]


def test_when_fetching_by_id_fails_too_the_error_is_one_line(standin):
    standin.load_corpus(40, seed=3)
    standin.expire_every_efetch = True
    client = EutilsClient(settings_for(standin.url, max_attempts=2))
    (window,) = fetch_windows(client, "ketamine")
    standin.inject("ok", "ok", "ok", "ok", "ok", "500", "500")
    with pytest.raises(NCBIError) as info:
        list(fetch_records(client, window, 500))
    assert str(info.value) == "efetch: gave up after 2 attempts: HTTP 500"
    assert len(standin.requests) == 8


def test_a_redirect_loop_fails_at_once_and_names_no_key():
    with HostileServer(redirect("/entrez/eutils/esearch.fcgi")) as server:
        client = EutilsClient(settings_for(server.url))
        with pytest.raises(NCBIError) as info:
            esearch(client)
    assert str(info.value) == f"esearch: {server.url}esearch.fcgi redirects in a loop"
    assert len(server.requests) == 4  # the request and three redirects, then no retry


def test_deadline_and_cap_settings_are_read_and_checked(tmp_path):
    from harvest.config import load_settings
    from harvest.errors import ConfigError

    (tmp_path / "harvest.yml").write_text("request_deadline: 7\nmax_response_bytes: 1000\n")
    settings = load_settings(tmp_path, env={})
    assert (settings.request_deadline, settings.max_response_bytes) == (7, 1000)
    assert EutilsClient(settings).deadline == 7
    (tmp_path / "harvest.yml").write_text("read_timeout: 30\n")
    assert EutilsClient(load_settings(tmp_path, env={})).deadline == 120
    (tmp_path / "harvest.yml").write_text("request_deadline: 0\n")
    with pytest.raises(ConfigError, match="request_deadline must be positive, got 0"):
        load_settings(tmp_path, env={})
