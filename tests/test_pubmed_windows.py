"""Past the 9,999 cap: windows chosen from where the records are, and every request counted."""

from datetime import date, timedelta
from math import ceil

import pytest

from harvest.config import Settings
from harvest.errors import NCBIError
from harvest.pubmed.eutils import EutilsClient
from harvest.pubmed.fetch import EARLIEST, SEARCH_CAP, fetch_records, fetch_windows

KEY = "feedfacefeedfacefeedfacefeedface0000"  # a fake key: 10 requests/s against the stand-in


def client_for(standin) -> EutilsClient:
    return EutilsClient(
        Settings(
            eutils_url=standin.url,
            email="t@example.org",
            api_key=KEY,
            backoff_base=0.05,
            backoff_max=0.5,
        )
    )


def harvest_all(client, windows, batch_size=500):
    """Every record of every window, as a full refresh fetches them."""
    return [
        item["pmid"]
        for window in windows
        for item in fetch_records(client, window, batch_size)
        if isinstance(item, dict)
    ]


def budget(n: int) -> int:
    return 1 + ceil(n / 500) + 2 * ceil(n / SEARCH_CAP)


@pytest.mark.parametrize("n, expected", [(12_000, 28), (25_000, 56)])
def test_requests_past_the_cap(standin, n, expected):
    standin.load_corpus(n, seed=11)
    client = client_for(standin)
    pmids = harvest_all(client, fetch_windows(client, "ketamine"))
    assert len(pmids) == len(set(pmids)) == n
    assert set(pmids) == set(standin.pmids())
    assert len(standin.requests) == client.requests == expected
    assert expected <= budget(n)  # 12,000: 29; 25,000: 57
    assert standin.rate_limited_count == 0


def test_a_single_day_over_the_cap_splits_by_pmid_range(standin):
    day = date(2024, 3, 5)
    pmids = standin.load_corpus(10_600, seed=12)  # oldest first
    for pmid in pmids[:10_400]:
        standin.update_record(pmid, edat=day)
    client = client_for(standin)
    windows = list(fetch_windows(client, "ketamine"))
    got = harvest_all(client, windows)
    assert sorted(got) == sorted(pmids)
    # whole search (200 newer + 9,799 of the day), the day's window, then PMIDs below those
    # listed, then the days before (none)
    below = min(windows[1].ids) - 1
    assert [(w.datetype, w.mindate, w.maxdate, w.uids) for w in windows] == [
        (None, None, None, None),
        ("edat", EARLIEST, day, None),
        ("edat", day, day, (1, below)),
        ("edat", EARLIEST, day - timedelta(days=1), None),
    ]
    assert [(w.count, w.start) for w in windows] == [(10_600, 0), (10_400, 9_799), (401, 0), (0, 0)]
    terms = [r.params["term"] for r in standin.requests_for("esearch")]
    assert terms[2] == f"(ketamine) AND 1:{below}[uid]"
    assert len(standin.requests) == 1 + 20 + 1 + 1 + 1 + 1 + 1 + 1 + 1


def test_incremental_entry_window_over_the_cap_is_split_the_same_way(standin):
    pmids = standin.load_corpus(10_500, seed=13)
    since = date(1996, 1, 1)
    for pmid in pmids[:300]:
        standin.update_record(pmid, edat=date(1995, 1, 1))
    expected = [p for p in pmids if standin.record(p).edat >= since]
    assert len(expected) > SEARCH_CAP
    client = client_for(standin)
    windows = list(fetch_windows(client, "ketamine", datetype="edat", since=since))
    got = harvest_all(client, windows)
    assert sorted(got) == sorted(expected)
    assert all(w.mindate == since for w in windows)
    assert len(standin.requests) <= budget(10_000)


def test_modification_window_over_the_cap_falls_back_to_a_full_run(standin):
    pmids = standin.load_corpus(10_200, seed=14)
    for pmid in pmids:
        standin.update_record(pmid, mdat=date(2025, 6, 1))
    client = client_for(standin)
    windows = list(fetch_windows(client, "ketamine", datetype="mdat", since=date(2025, 5, 1)))
    got = harvest_all(client, windows)
    assert sorted(got) == sorted(pmids)
    first = standin.requests_for("esearch")[0].params
    assert (first["datetype"], first["mindate"]) == ("mdat", "2025/05/01")
    assert [w.datetype for w in windows] == [None, "edat"]  # what a full run searches


def test_a_server_that_ignores_every_limit_fails_with_one_line(standin):
    standin.load_corpus(10_100, seed=15)
    client = client_for(standin)
    standin.ignore_limits = True
    with pytest.raises(NCBIError) as info:
        harvest_all(client, fetch_windows(client, "ketamine"))
    assert "cannot be split" in str(info.value)
    assert len(standin.requests) < 40
