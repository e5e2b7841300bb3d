"""Searching past the 9,999 cap, history batches, expired history, missing ids."""

from dataclasses import replace
from datetime import date

from harvest.config import Settings
from harvest.pubmed.eutils import EutilsClient
from harvest.pubmed.fetch import (
    EARLIEST,
    SEARCH_CAP,
    Search,
    fetch_records,
    fetch_search,
    fetch_windows,
)
from harvest.pubmed.parse import Malformed


def client_for(standin) -> EutilsClient:
    return EutilsClient(
        Settings(eutils_url=standin.url, email="t@example.org", backoff_base=0.05, backoff_max=0.5)
    )


def pmids_of(items):
    return [i["pmid"] for i in items if isinstance(i, dict)]


def test_small_search_is_one_window(standin):
    standin.load_corpus(40, seed=1)
    client = client_for(standin)
    (window,) = fetch_windows(client, "ketamine")
    assert (window.count, len(window.ids), window.datetype) == (40, 40, None)
    assert window.webenv.startswith("MCID_") and window.query_key == "1"
    assert client.requests == 1


def delivered(windows):
    """The ids each window fetches (from its start), in order."""
    return [i for w in windows for i in w.ids[w.start :]]


def test_large_search_split_into_date_windows(standin):
    standin.load_corpus(12_000, seed=5)
    client = client_for(standin)
    windows = list(fetch_windows(client, "ketamine"))
    assert len(windows) == 2
    assert [w.datetype for w in windows] == [None, "edat"]
    ids = delivered(windows)
    assert len(ids) == len(set(ids)) == 12_000
    assert set(ids) == set(standin.pmids())
    # the second window ends on the entry date of the first window's last (oldest) record
    oldest = standin.record(windows[0].ids[-1]).edat
    assert (windows[1].mindate, windows[1].maxdate) == (EARLIEST, oldest)
    assert windows[1].count - windows[1].start == 12_000 - SEARCH_CAP
    # one search, one entry-date lookup (an efetch of one id), one search for the rest
    assert [(r.utility, r.params.get("id")) for r in standin.requests] == [
        ("esearch", None),
        ("efetch", str(windows[0].ids[-1])),
        ("esearch", None),
    ]


def test_fetch_records_in_batches_exactly_once(standin):
    standin.load_corpus(1_200, seed=6)
    client = client_for(standin)
    (window,) = fetch_windows(client, "ketamine")
    items = list(fetch_records(client, window, batch_size=500))
    assert sorted(pmids_of(items)) == sorted(standin.pmids())
    assert [r.params.get("retstart") for r in standin.requests_for("efetch")] == [
        "0",
        "500",
        "1000",
    ]


def test_expired_history_reruns_the_search(standin):
    standin.load_corpus(1_000, seed=7)
    client = client_for(standin)
    (window,) = fetch_windows(client, "ketamine")
    standin.inject("ok", "expire")  # the second efetch finds its WebEnv gone
    items = list(fetch_records(client, window, batch_size=400))
    assert sorted(pmids_of(items)) == sorted(standin.pmids())
    assert [r.utility for r in standin.requests] == [
        "esearch",
        "efetch",
        "efetch",
        "esearch",
        "efetch",
        "efetch",
    ]


def test_ids_missing_from_history_are_fetched_by_id(standin):
    standin.load_corpus(30, seed=8)
    client = client_for(standin)
    window = fetch_search(client, Search("ketamine"))
    ghost = 99_999_999
    window = replace(window, ids=(*window.ids, ghost))
    items = list(fetch_records(client, window, batch_size=500))
    assert len(pmids_of(items)) == 30
    assert items[-1] == Malformed(str(ghost), "listed by esearch but not returned by efetch")
    assert standin.requests[-1].params["id"] == str(ghost)


def test_incremental_window_uses_entrez_dates(standin):
    pmids = standin.load_corpus(50, seed=9)
    recent = pmids[-5:]
    for pmid in recent:
        standin.update_record(pmid, edat=date(2031, 1, 2))
    client = client_for(standin)
    (window,) = fetch_windows(client, "ketamine", datetype="edat", since=date(2031, 1, 1))
    assert sorted(window.ids) == sorted(recent)
    params = standin.requests[-1].params
    assert (params["datetype"], params["mindate"]) == ("edat", "2031/01/01")
