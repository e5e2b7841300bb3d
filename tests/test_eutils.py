"""The E-utilities client against the real HTTP stand-in: rules, retries, errors, secrets."""

import logging
from dataclasses import replace

import pytest

from harvest.config import Settings
from harvest.errors import HistoryExpired, NCBIError
from harvest.pubmed.eutils import EutilsClient, check_xml_body, redact
from harvest.pubmed.fetch import parse_efetch, parse_esearch

KEY = "0123456789abcdef0123456789abcdef0123"


def settings_for(standin, **changes) -> Settings:
    base = Settings(
        eutils_url=standin.url, email="team@clinic.example", backoff_base=0.05, backoff_max=0.5
    )
    return replace(base, **changes)


def esearch(client, **params):
    return client.call("esearch", {"db": "pubmed", "term": "ketamine", **params}, parse_esearch)


def test_tool_email_on_every_request_and_no_429(standin):
    standin.load_corpus(30, seed=1)
    client = EutilsClient(settings_for(standin))
    for _ in range(7):
        assert esearch(client)["count"] == 30
    log = standin.requests
    assert len(log) == 7 == client.requests
    assert all(r.params["tool"] == "evidence-catalog" for r in log)
    assert all(r.params["email"] == "team@clinic.example" for r in log)
    assert all("api_key" not in r.params for r in log)
    assert standin.rate_limited_count == 0
    gaps = [b.at - a.at for a, b in zip(log, log[1:], strict=False)]
    assert min(gaps) >= 1 / 3


def test_api_key_sent_never_logged(standin, caplog):
    client = EutilsClient(settings_for(standin, api_key=KEY, max_attempts=2))
    standin.inject("500", "500")
    with caplog.at_level(logging.DEBUG), pytest.raises(NCBIError) as info:
        esearch(client)
    assert [r.params["api_key"] for r in standin.requests] == [KEY, KEY]
    assert KEY not in str(info.value)
    assert KEY not in caplog.text
    assert str(info.value) == "esearch: gave up after 2 attempts: HTTP 500"
    assert "retry 1" in caplog.text


def test_key_raises_the_rate(standin):
    client = EutilsClient(settings_for(standin, api_key=KEY))
    assert client.throttle.interval == pytest.approx(0.11)
    for _ in range(8):
        esearch(client)
    assert standin.rate_limited_count == 0


@pytest.mark.parametrize(
    "faults",
    [
        ("500", "502", "503"),
        ("429", "429"),
        ("truncated", "html200", "error200"),
        ("drop",),
    ],
)
def test_transient_faults_are_retried(standin, faults):
    standin.load_corpus(5, seed=2)
    client = EutilsClient(settings_for(standin))
    standin.inject(*faults)
    answer = client.call(
        "efetch", {"db": "pubmed", "id": ",".join(map(str, standin.pmids()))}, parse_efetch
    )
    assert len(answer) == 5
    assert client.retries == len(faults)
    assert client.requests == len(faults) + 1


def test_retry_after_is_honoured(standin):
    standin.retry_after = 1
    sleeps = []
    client = EutilsClient(settings_for(standin), sleep=lambda s: sleeps.append(s))
    standin.inject("429")
    esearch(client)
    assert max(sleeps) >= 1.0


def test_permanent_error_in_200_body_is_not_retried(standin):
    standin.load_corpus(3, seed=1)
    client = EutilsClient(settings_for(standin))
    with pytest.raises(NCBIError, match="Empty term and query_key - nothing todo"):
        client.call("esearch", {"db": "pubmed", "term": ""}, parse_esearch)
    assert client.requests == 1


def test_cap_error_is_permanent():
    body = (
        b"<eSearchResult><ERROR>Search Backend failed: Exception:\n'retstart' cannot be larger "
        b"than 9998. For PubMed, ESearch can only retrieve the first 9,999 records</ERROR>"
        b"</eSearchResult>"
    )
    with pytest.raises(NCBIError, match="cannot be larger than 9998"):
        check_xml_body(body, "esearch")


def test_expired_history(standin):
    standin.load_corpus(3, seed=1)
    client = EutilsClient(settings_for(standin))
    found = esearch(client, usehistory="y")
    standin.expire_history()
    with pytest.raises(HistoryExpired, match="Unable to obtain query #1"):
        client.call(
            "efetch",
            {"db": "pubmed", "WebEnv": found["webenv"], "query_key": found["query_key"]},
            parse_efetch,
        )


def test_long_id_lists_are_posted(standin):
    pmids = standin.load_corpus(250, seed=4)
    client = EutilsClient(settings_for(standin))
    items = client.call("efetch", {"db": "pubmed", "id": ",".join(map(str, pmids))}, parse_efetch)
    assert len(items) == 250
    assert standin.requests[-1].method == "POST"
    esearch(client)
    assert standin.requests[-1].method == "GET"


def test_unreachable_server_fails_fast_with_one_message(standin):
    url = standin.url
    standin.stop()
    client = EutilsClient(settings_for(standin, eutils_url=url))
    with pytest.raises(NCBIError) as info:
        esearch(client)
    assert str(info.value) == f"cannot reach NCBI E-utilities at {url}: connection refused"
    assert client.requests == 3


def test_redact():
    assert redact(f"https://x/esearch.fcgi?api_key={KEY}&db=pubmed", KEY) == (
        "https://x/esearch.fcgi?api_key=***&db=pubmed"
    )
    assert redact("api_key=other&x=1", None) == "api_key=***&x=1"


@pytest.mark.parametrize(
    "body, message",
    [
        (b"", "empty answer"),
        (b'{"error":"API rate limit exceeded","count":"4","limit":"3"}', "JSON where XML"),
        (b"<!DOCTYPE html><html><body>Error</body></html>", "HTML page"),
        (b"Unable to route request!", "not XML"),
    ],
)
def test_wrong_bodies_are_transient(body, message):
    from harvest.pubmed.eutils import Transient

    with pytest.raises(Transient, match=message):
        check_xml_body(body, "efetch")
