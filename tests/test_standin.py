"""Conformance tests for the E-utilities stand-in (tests/standin.py) and its record generator."""

from __future__ import annotations

import gzip
import io
import json
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import requests
from Bio import Entrez

from tests.standin import EutilsStandin
from tests.standin_payloads import RETSTART_ERROR
from tests.standin_records import Markup, generate_corpus, make_article, make_book_article

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "ncbi-samples"
ESEARCH_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch '
    '20060628//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)
EFETCH_HEAD = (
    '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st '
    'January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    "<PubmedArticleSet>\n"
)
EFETCH_ERROR_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" ?>\n<!DOCTYPE eEfetchResult PUBLIC "-//NLM//DTD efetch '
    '20131226//EN" "https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20131226/efetch.dtd">\n'
)


def call(server: EutilsStandin, utility: str, method: str = "GET", **params: object):
    """One request to the stand-in; POST sends the parameters as a form."""
    url = f"{server.url}{utility}.fcgi"
    if method == "POST":
        return requests.post(url, data=params, timeout=5)
    return requests.get(url, params=params, timeout=5)


def ids_of(response: requests.Response) -> list[int]:
    """The PMIDs of an ESearch XML answer."""
    return [int(e.text) for e in ET.fromstring(response.content).iter("Id")]


def small_record(pmid: int, edat: date) -> tuple[int, str, date, date, date]:
    """A cheap, valid record tuple for bulk stores."""
    return pmid, make_article(pmid, edat=edat), edat, edat, edat


@pytest.fixture
def server():
    """A stand-in without rate limiting, holding three dated records."""
    with EutilsStandin(rate_limit=None, today=date(2025, 6, 30)) as s:
        s.add_record(make_article(101, year=2019, month=5, day=2, edat=date(2019, 5, 3)))
        s.add_record(make_article(102, year=2020, month=1, edat=date(2020, 2, 1)))
        s.add_record(make_article(103, year=2025, month=6, day=1, edat=date(2025, 6, 20)),
                     mdat=date(2025, 6, 25))  # fmt: skip
        yield s


@pytest.fixture(scope="module")
def corpus():
    """12,000 generated records and the seconds it took."""
    started = time.perf_counter()
    records = generate_corpus(12_000, seed=7)
    return records, time.perf_counter() - started


@pytest.fixture(scope="module")
def big(corpus):
    """A stand-in holding the 12,000-record corpus (more than the 9,999 window)."""
    with EutilsStandin(rate_limit=None) as s:
        s.add_records(corpus[0])
        yield s


# --- server basics -------------------------------------------------------------------------------


def test_url_and_restart_on_same_port(server):
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/entrez/eutils/", server.url)
    url = server.url
    with server.unreachable():
        with pytest.raises(requests.ConnectionError):
            call(server, "esearch", term="x")
    assert server.url == url
    assert call(server, "esearch", term="x").status_code == 200


def test_esearch_xml_layout_headers_and_order(server):
    r = call(server, "esearch", db="pubmed", term="ketamine", tool="t", email="e@x.org", foo="1")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/xml; charset=UTF-8"
    assert r.headers["Server"] == "Finatra"
    assert r.text == (
        ESEARCH_HEAD + "<eSearchResult><Count>3</Count><RetMax>3</RetMax><RetStart>0</RetStart>"
        "<IdList>\n<Id>103</Id>\n<Id>102</Id>\n<Id>101</Id>\n</IdList><TranslationSet/>"
        "<QueryTranslation>ketamine</QueryTranslation></eSearchResult>\n"
    )


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="ncbi-samples not present")
def test_headers_match_real_samples(server):
    esearch = (SAMPLES / "esearch1.xml").read_text().splitlines(keepends=True)[:2]
    assert "".join(esearch) == ESEARCH_HEAD
    pubmed = (SAMPLES / "pubmed1.xml").read_text().splitlines(keepends=True)[:3]
    assert "".join(pubmed) == EFETCH_HEAD
    epost = (SAMPLES / "epost1.xml").read_text()
    assert call(server, "epost", id="101").text.startswith(epost[: epost.index("<ePostResult>")])


def test_esearch_paging_and_default_retmax(big):
    first = ids_of(call(big, "esearch", term="x"))
    assert len(first) == 20
    assert ids_of(call(big, "esearch", term="x", retstart=5, retmax=3)) == first[5:8]
    records = [big.record(i) for i in first]
    assert [(r.edat, r.pmid) for r in records] == sorted(
        ((r.edat, r.pmid) for r in records), reverse=True
    )


def test_esearch_json_twin_and_history_fields(server):
    plain = call(server, "esearch", term="x", retmode="json").json()
    assert plain == {
        "header": {"type": "esearch", "version": "0.3"},
        "esearchresult": {"count": "3", "retmax": "3", "retstart": "0",
                          "idlist": ["103", "102", "101"], "translationset": [],
                          "querytranslation": "x"},
    }  # fmt: skip
    hist = call(server, "esearch", term="x", retmode="json", usehistory="y", retmax=1).json()
    result = hist["esearchresult"]
    assert (result["querykey"], result["idlist"], result["count"]) == ("1", ["103"], "3")
    assert re.fullmatch(r"MCID_[0-9a-f]{24}", result["webenv"])


def test_rettype_count(server):
    r = call(server, "esearch", term="x", rettype="count")
    assert r.text == ESEARCH_HEAD + "<eSearchResult><Count>3</Count></eSearchResult>\n"
    j = call(server, "esearch", term="x", rettype="count", retmode="json").json()
    assert j["esearchresult"] == {"count": "3"}


def test_empty_term_is_an_error(server):
    r = call(server, "esearch", term="  ")
    assert r.status_code == 200
    assert ET.fromstring(r.content).findtext("ERROR") == "Empty term and query_key - nothing todo"
    j = call(server, "esearch", term="", retmode="json").json()
    assert j["esearchresult"] == {"ERROR": "Empty term and query_key - nothing todo"}


@pytest.mark.parametrize(
    ("datetype", "mindate", "maxdate", "expected"),
    [
        ("edat", "2019", "2019", [101]),
        ("edat", "2020/02", "2020/02", [102]),
        ("edat", "2019/05/03", "2020/02/01", [102, 101]),  # inclusive at both ends
        ("edat", "2019/05/04", "2020/01/31", []),
        ("pdat", "2020", "2020/01", [102]),
        ("mdat", "2025/06/25", "2025/06/25", [103]),
        ("", "2019/05/02", "2019/05/02", [101]),  # PubMed's default datetype here: pdat
    ],
)
def test_date_windows(server, datetype, mindate, maxdate, expected):
    r = call(server, "esearch", term="x", datetype=datetype, mindate=mindate, maxdate=maxdate)
    assert ids_of(r) == expected


def test_reldate_and_lonely_mindate(server):
    assert ids_of(call(server, "esearch", term="x", datetype="edat", reldate=10)) == [103]
    translation = ET.fromstring(call(server, "esearch", term="x", reldate=10).content)
    assert translation.findtext("QueryTranslation") == (
        "(x) AND 2025/06/20:2025/06/30[Date - Publication]"
    )
    err = ET.fromstring(call(server, "esearch", term="x", mindate="2020").content)
    assert err.findtext("ERROR") == "Both mindate and maxdate must be specified"


def test_zero_hits_has_pubmed_shape(server):
    r = call(server, "esearch", term="abcXYZ", mindate="1900", maxdate="1901")
    assert r.text == (
        ESEARCH_HEAD + "<eSearchResult><Count>0</Count><RetMax>0</RetMax><RetStart>0</RetStart>"
        "<IdList/><TranslationSet/><QueryTranslation>(abcXYZ) AND 1900/01/01:1901/12/31"
        "[Date - Publication]</QueryTranslation><ErrorList><PhraseNotFound>abcXYZ</PhraseNotFound>"
        "</ErrorList><WarningList><OutputMessage>No items found.</OutputMessage></WarningList>"
        "</eSearchResult>\n"
    )
    j = call(server, "esearch", term="abcXYZ", mindate="1900", maxdate="1901", retmode="json")
    assert j.json()["esearchresult"]["errorlist"] == {
        "phrasesnotfound": ["abcXYZ"],
        "fieldsnotfound": [],
    }
    assert j.json()["esearchresult"]["warninglist"]["outputmessages"] == ["No items found."]


# --- the 9,999 window ----------------------------------------------------------------------------


def test_retmax_is_clamped_with_a_warning(big):
    root = ET.fromstring(call(big, "esearch", term="x", retmax=100_000).content)
    assert root.findtext("Count") == "12000"
    assert root.findtext("RetMax") == "9999"
    assert len(root.find("IdList")) == 9999
    assert [m.text for m in root.iter("OutputMessage")] == [
        "Restrictions achieved. start and count adjusted to 0, 9999"
    ]
    assert (
        ET.fromstring(call(big, "esearch", term="x", retmax=9999).content).find("WarningList")
        is None
    )


def test_page_crossing_the_window_edge(big):
    root = ET.fromstring(call(big, "esearch", term="x", retstart=9998, retmax=2).content)
    assert len(list(root.iter("Id"))) == 1
    assert root.findtext("WarningList/OutputMessage") == (
        "Restrictions achieved. start and count adjusted to 9998, 1"
    )


def test_retstart_past_the_window_is_an_error(big):
    r = call(big, "esearch", term="x", retstart=9999)
    assert r.status_code == 200
    assert ET.fromstring(r.content).findtext("ERROR") == RETSTART_ERROR
    assert "Exception:\n'retstart' cannot be larger than 9998." in RETSTART_ERROR
    j = call(big, "esearch", term="x", retstart=10_000, retmode="json")
    assert "Exception:\n'retstart'" in j.text  # raw control character, as NCBI sends it
    with pytest.raises(json.JSONDecodeError):
        j.json()
    assert json.loads(j.text, strict=False)["esearchresult"]["ERROR"] == RETSTART_ERROR


def test_small_set_past_the_window_is_an_empty_page(server):
    root = ET.fromstring(call(server, "esearch", term="x", retstart=9999).content)
    assert (root.findtext("Count"), list(root.iter("Id"))) == ("3", [])
    assert root.findtext("WarningList/OutputMessage").endswith("adjusted to 9999, 0")


# --- history -------------------------------------------------------------------------------------


def test_history_query_keys_increment_and_efetch_pages(server):
    first = ET.fromstring(call(server, "esearch", term="x", usehistory="y").content)
    webenv = first.findtext("WebEnv")
    assert first.findtext("QueryKey") == "1"
    second = ET.fromstring(
        call(server, "esearch", term="y", usehistory="y", webenv=webenv, mindate="2020",
             maxdate="2025").content  # lower-case `webenv` works too
    )  # fmt: skip
    assert (second.findtext("QueryKey"), second.findtext("WebEnv")) == ("2", webenv)
    fetched = call(server, "efetch", "POST", WebEnv=webenv, query_key=2, retstart=1, retmax=5)
    assert [a.findtext(".//PMID") for a in ET.fromstring(fetched.content)] == ["102"]
    beyond = call(server, "efetch", WebEnv=webenv, query_key=2, retstart=2)
    assert beyond.status_code == 400
    assert ET.fromstring(beyond.content).findtext("ERROR") == (
        "Cannot retrieve history data: OUT OF RANGE. Parameter retstart=2 + 1 is greater than "
        "number of records available in history. History includes 2 IDs."
    )


def test_history_efetch_is_limited_to_9999(big):
    webenv = ET.fromstring(call(big, "esearch", term="x", usehistory="y").content).findtext(
        "WebEnv"
    )
    last = call(big, "efetch", WebEnv=webenv, query_key=1, retstart=9998, retmax=500)
    assert len(ET.fromstring(last.content)) == 1
    past = call(big, "efetch", WebEnv=webenv, query_key=1, retstart=9999, retmax=500)
    assert past.status_code == 400
    assert "History includes 9999 IDs." in past.text


def test_expired_history(server):
    webenv = ET.fromstring(call(server, "esearch", term="x", usehistory="y").content).findtext(
        "WebEnv"
    )
    server.expire_history()
    r = call(server, "efetch", WebEnv=webenv, query_key=1)
    assert r.status_code == 200
    assert r.text == (
        EFETCH_ERROR_HEAD
        + "<eFetchResult>\n\t<ERROR>Unable to obtain query #1</ERROR>\n</eFetchResult>\n"
    )
    with pytest.raises(RuntimeError):  # offline: efetch.dtd is not shipped with Biopython
        Entrez.read(io.BytesIO(r.content))


def test_history_ttl():
    with EutilsStandin(rate_limit=None, history_ttl=0.2) as s:
        s.add_record(make_article(5))
        webenv = ET.fromstring(call(s, "esearch", term="x", usehistory="y").content).findtext(
            "WebEnv"
        )
        assert call(s, "efetch", WebEnv=webenv, query_key=1).text.count("<PubmedArticle>") == 1
        time.sleep(0.3)
        assert "Unable to obtain query #1" in call(s, "efetch", WebEnv=webenv, query_key=1).text


# --- efetch and epost ----------------------------------------------------------------------------


def test_efetch_by_id_layout(server):
    r = call(server, "efetch", id="103,99999999,101", retmode="xml")
    articles = "".join(server.record(p).xml for p in (103, 101))
    assert r.text == EFETCH_HEAD + articles + "</PubmedArticleSet>"  # no final newline
    assert call(server, "efetch", "POST", id="101,102").text.count("<PubmedArticle>") == 2
    assert call(server, "efetch", id="99999999").text == EFETCH_HEAD + "</PubmedArticleSet>"


def test_efetch_id_errors(server):
    empty = call(server, "efetch", id="")
    assert (empty.status_code, ET.fromstring(empty.content).findtext("ERROR")) == (
        200,
        "Supplied id parameter is empty.",
    )
    bad = call(server, "efetch", id="00000000,abc")
    assert (bad.status_code, ET.fromstring(bad.content).findtext("ERROR")) == (
        400,
        "ID list is empty! Possibly it has no correct IDs.",
    )
    assert bad.text.startswith(EFETCH_ERROR_HEAD)


def test_epost_then_efetch(server):
    posted = ET.fromstring(call(server, "epost", "POST", id="101,102").content)
    webenv = posted.findtext("WebEnv")
    assert posted.findtext("QueryKey") == "1"
    again = ET.fromstring(call(server, "epost", id="103", WebEnv=webenv).content)
    assert (again.findtext("QueryKey"), again.findtext("WebEnv")) == ("2", webenv)
    fetched = ET.fromstring(call(server, "efetch", WebEnv=webenv, query_key=1).content)
    assert [a.findtext(".//PMID") for a in fetched] == ["101", "102"]
    empty = ET.fromstring(call(server, "epost", id="").content)
    assert [e.text for e in empty.iter("ERROR")] == ["Empty ID list; Nothing to store"]
    huge = ET.fromstring(call(server, "epost", id="99999999999999999999999999999999").content)
    assert [e.text for e in huge.iter("ERROR")] == [
        "Empty ID list; Nothing to store",
        "Some IDs have invalid value and were omitted. Maximum ID value 18446744073709551615",
    ]


def test_other_db_and_unknown_path(server):
    assert ET.fromstring(call(server, "epost", db="nothing", id="1").content).findtext("ERROR") == (
        "Invalid db name specified: nothing"
    )
    assert call(server, "elink").status_code == 404


def test_record_changes_show_in_searches(server):
    server.remove_from_search(102)
    assert ids_of(call(server, "esearch", term="x")) == [103, 101]
    assert '<PMID Version="1">102</PMID>' in call(server, "efetch", id="102").text
    server.update_record(101, make_article(101, title="Changed."), mdat=date(2025, 6, 29))
    changed = call(server, "esearch", term="x", datetype="mdat", mindate="2025/06/29",
                   maxdate="2025/06/29")  # fmt: skip
    assert ids_of(changed) == [101]
    assert "Changed." in call(server, "efetch", id="101").text
    server.delete_record(103)
    assert call(server, "efetch", id="103").text == EFETCH_HEAD + "</PubmedArticleSet>"


def test_add_record_reads_dates_from_xml(server):
    xml = make_article(7, year=2001, month="Mar", day=4, edat=date(2001, 2, 5),
                       date_revised=date(2010, 1, 2))  # fmt: skip
    server.add_record(xml)
    stored = server.record(7)
    assert (stored.edat, stored.mdat, stored.pdat) == (
        date(2001, 2, 5),
        date(2010, 1, 2),
        date(2001, 3, 4),
    )


def test_pmid_ranges_in_the_term(server):
    r = call(server, "esearch", term="(ketamine) AND 101:102[uid]")
    assert ids_of(r) == [102, 101]
    assert "<QueryTranslation>(ketamine) AND 101:102[UID]</QueryTranslation>" in r.text
    assert ids_of(call(server, "esearch", term="x AND 102:999[pmid]")) == [103, 102]
    dated = call(server, "esearch", term="(x) AND 1:102[uid]", datetype="edat",
                 mindate="2020", maxdate="2020")  # fmt: skip
    assert ids_of(dated) == [102]


def test_a_new_entry_date_rewrites_the_xml_history(server):
    server.update_record(101, edat=date(2024, 3, 5))
    xml = server.record(101).xml
    assert 'PubStatus="entrez"><Year>2024</Year><Month>3</Month><Day>5</Day>' in xml
    assert 'PubStatus="pubmed"><Year>2024</Year><Month>3</Month><Day>5</Day>' in xml
    assert ids_of(call(server, "esearch", term="x")) == [103, 101, 102]  # 103: 2025-06-20


def test_expire_every_efetch_and_ignore_limits(server):
    server.expire_every_efetch = True
    webenv = ET.fromstring(call(server, "esearch", term="x", usehistory="y").content).findtext(
        "WebEnv"
    )
    assert "Unable to obtain query #1" in call(server, "efetch", WebEnv=webenv, query_key=1).text
    assert '<PMID Version="1">102</PMID>' in call(server, "efetch", id="102").text
    server.ignore_limits = True
    limited = call(server, "esearch", term="(x) AND 1:101[uid]", datetype="edat",
                   mindate="2020", maxdate="2020")  # fmt: skip
    assert ids_of(limited) == [103, 102, 101]


# --- rate limiting, faults, log ------------------------------------------------------------------


def test_fourth_fast_request_gets_429(standin):
    session = requests.Session()
    answers = [session.get(standin.url + "esearch.fcgi", params={"term": "x"}) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers.get("X-RateLimit-Remaining") for a in answers[:3]] == ["2", "1", "0"]
    assert answers[3].text == (
        '{"error":"API rate limit exceeded","api-key":"127.0.0.1","count":"4","limit":"3"}'
    )
    assert standin.rate_limited_count == 1
    assert [r.rate_limited for r in standin.requests] == [False, False, False, True]


def test_api_key_raises_the_limit_and_the_window_slides():
    with EutilsStandin(rate_window=0.3, retry_after=1) as s:
        statuses = [call(s, "esearch", term="x", api_key="K").status_code for _ in range(11)]
        assert statuses == [200] * 10 + [429]
        last = call(s, "esearch", term="x", api_key="K")
        assert last.json() == {
            "error": "API rate limit exceeded",
            "api-key": "K",
            "count": "12",
            "limit": "10",
        }
        assert last.headers["Retry-After"] == "1"
        time.sleep(0.35)
        assert call(s, "esearch", term="x", api_key="K").status_code == 200


def test_fault_odds_are_seeded_and_near_their_rates(server):
    def run() -> list[int]:
        server.set_faults(http500=0.10, http502=0.05, spurious429=0.05, truncated=0.05, seed=1)
        session = requests.Session()
        return [session.get(server.url + "esearch.fcgi", params={"term": "x"}).status_code
                for _ in range(200)]  # fmt: skip

    first = run()
    counts = Counter(first)
    assert 10 <= counts[500] <= 32 and 3 <= counts[502] <= 18 and 3 <= counts[429] <= 18
    assert 3 <= server.fault_counts["truncated"] <= 18
    assert server.rate_limited_count == 0
    assert run() == first  # same seed, same faults


def test_forced_faults(server):
    server.inject("500", "502", "503", "429", "error200", "error400", "html200", "truncated", "ok")
    answers = [call(server, "efetch", id="101") for _ in range(9)]
    assert [a.status_code for a in answers] == [500, 502, 503, 429, 200, 400, 200, 200, 200]
    assert "WWW Error 500 Diagnostic" in answers[0].text
    assert answers[2].content == b""
    assert answers[3].json()["error"] == "API rate limit exceeded"
    assert server.rate_limited_count == 0 and server.fault_counts["429"] == 1
    assert ET.fromstring(answers[4].content).findtext("ERROR").startswith("NCBI C++ Exception")
    assert answers[6].headers["Content-Type"].startswith("text/html")
    truncated = answers[7].content
    assert truncated and answers[8].content.startswith(truncated)
    assert len(truncated) < len(answers[8].content)
    with pytest.raises(ET.ParseError):
        ET.fromstring(truncated)
    with pytest.raises(Entrez.Parser.CorruptedXMLError):
        Entrez.read(io.BytesIO(truncated))
    assert [r.fault for r in server.requests] == [
        "500", "502", "503", "429", "error200", "error400", "html200", "truncated", None,
    ]  # fmt: skip
    server.inject("error200", "truncated")
    assert "Search Backend failed: Unable to open connection to #PMQuerySrv" in (
        call(server, "esearch", term="x").text
    )
    raw = requests.get(server.url + "esearch.fcgi", params={"term": "x"},
                       headers={"Accept-Encoding": "identity"})  # fmt: skip
    assert (raw.status_code, len(raw.content)) == (200, int(raw.headers["Content-Length"]))
    assert raw.content[-3:].startswith(b"<")  # cut inside a tag


def test_slow_drop_and_expire_faults(server):
    server.set_faults(slow_seconds=0.3)
    server.inject("slow", "slow", "drop")
    started = time.perf_counter()
    assert call(server, "esearch", term="x").status_code == 200
    assert time.perf_counter() - started >= 0.3
    with pytest.raises(requests.Timeout):
        requests.get(server.url + "esearch.fcgi", params={"term": "x"}, timeout=0.1)
    with pytest.raises(requests.ConnectionError):
        call(server, "esearch", term="x")
    webenv = ET.fromstring(call(server, "esearch", term="x", usehistory="y").content).findtext(
        "WebEnv"
    )
    assert call(server, "efetch", WebEnv=webenv, query_key=1).text.count("<PubmedArticle>") == 3
    server.inject("expire")
    assert "Unable to obtain query #1" in call(server, "efetch", WebEnv=webenv, query_key=1).text


def test_request_log_and_reset(server):
    requests.post(server.url + "efetch.fcgi?db=pubmed", data={"id": "101", "retmode": "xml"})
    (entry,) = server.requests
    assert (entry.method, entry.path, entry.utility, entry.status, entry.fault) == (
        "POST",
        "/entrez/eutils/efetch.fcgi",
        "efetch",
        200,
        None,
    )
    assert entry.params == {"db": "pubmed", "id": "101", "retmode": "xml"}
    assert not entry.injected
    server.reset_log()
    assert server.requests == []


def test_gzip_only_when_asked(server):
    raw = requests.get(server.url + "esearch.fcgi", params={"term": "x"}, stream=True)
    assert raw.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(raw.raw.read()).startswith(b"<?xml")
    plain = requests.get(
        server.url + "esearch.fcgi", params={"term": "x"}, headers={"Accept-Encoding": "identity"}
    )
    assert "Content-Encoding" not in plain.headers


# --- Biopython and the record generator ----------------------------------------------------------


def test_biopython_reads_esearch_epost_and_efetch(big, corpus):
    search = Entrez.read(io.BytesIO(call(big, "esearch", term="x", retmax=10_000).content))
    assert search["Count"] == "12000" and len(search["IdList"]) == 9999
    assert Entrez.read(io.BytesIO(call(big, "epost", id="1,2").content))["QueryKey"] == "1"
    markers = ("PubmedBookArticle", "<MedlineDate>", "<Season>", "RetractionIn", "ErratumIn",
               "ExpressionOfConcernIn", "CollectiveName", 'Version="2"', "VernacularTitle",
               "<i>P</i>", "ORCID", 'Status="Publisher"', "ReferenceList",
               "DataBankList")  # fmt: skip
    chosen = {next(p for p, xml, *_ in corpus[0] if m in xml) for m in markers}
    chosen |= {p for p, *_ in corpus[0][::100]}
    r = call(big, "efetch", "POST", id=",".join(map(str, sorted(chosen))))
    parsed = Entrez.read(io.BytesIO(r.content))
    got = len(parsed["PubmedArticle"]) + len(parsed["PubmedBookArticle"])
    assert got == len(chosen)
    assert len(ET.fromstring(r.content)) == len(chosen)


DTD_ORDER = {
    "MedlineCitation": "PMID DateCompleted DateRevised Article MedlineJournalInfo ChemicalList "
    "SupplMeshList CitationSubset CommentsCorrectionsList GeneSymbolList MeshHeadingList "
    "NumberOfReferences PersonalNameSubjectList OtherID OtherAbstract KeywordList CoiStatement",
    "Article": "Journal ArticleTitle Pagination ELocationID Abstract AuthorList Language "
    "DataBankList GrantList PublicationTypeList VernacularTitle ArticleDate",
    "Journal": "ISSN JournalIssue Title ISOAbbreviation",
    "JournalIssue": "Volume Issue PubDate",
    "PubmedData": "History PublicationStatus ArticleIdList ObjectList ReferenceList",
    "Author": "LastName ForeName Initials Suffix CollectiveName Identifier AffiliationInfo",
    "MedlineJournalInfo": "Country MedlineTA NlmUniqueID ISSNLinking",
    "Grant": "GrantID Acronym Agency Country",
    "PubMedPubDate": "Year Month Day Hour Minute Second",
    "BookDocument": "PMID ArticleIdList Book LocationLabel ArticleTitle VernacularTitle "
    "Pagination Language AuthorList InvestigatorList PublicationType Abstract Sections "
    "KeywordList ContributionDate DateRevised GrantList ItemList ReferenceList",
    "Book": "Publisher BookTitle PubDate BeginningDate EndingDate AuthorList",
    "PubmedBookData": "History PublicationStatus ArticleIdList ObjectList",
}


def test_generated_records_follow_the_dtd_order(corpus):
    for _, xml, *_ in corpus[0][::20]:
        for element in ET.fromstring(xml).iter():
            if element.tag in DTD_ORDER:
                order = DTD_ORDER[element.tag].split()
                positions = [order.index(child.tag) for child in element]
                assert positions == sorted(positions), (element.tag, xml[:80])


def test_generator_is_fast_varied_and_repeatable(corpus):
    records, seconds = corpus
    assert seconds < 10
    assert len({p for p, *_ in records}) == 12_000
    assert [p for p, *_ in records] == sorted(p for p, *_ in records)
    years = Counter(edat.year for _, _, edat, *_ in records)
    assert min(years) <= 1991 and max(years) == 2025 and len(years) >= 30
    statuses = Counter(re.search(r'Status="([^"]+)"', xml).group(1)
                       for _, xml, *_ in records if "<MedlineCitation" in xml)  # fmt: skip
    assert set(statuses) == {"MEDLINE", "PubMed-not-MEDLINE", "In-Process", "In-Data-Review",
                             "Publisher"}  # fmt: skip
    assert all(mdat >= edat for _, _, edat, mdat, _ in records)
    assert generate_corpus(50, seed=3) == generate_corpus(50, seed=3)
    assert generate_corpus(50, seed=3) != generate_corpus(50, seed=4)


def test_make_article_escapes_and_keeps_markup(record_factory):
    xml = record_factory(
        9,
        title='Ketamine & <MDMA> "quoted"',
        abstract_sections=[("BACKGROUND", "a < b & c"), ("RESULTS", Markup("r<sup>2</sup>"))],
        authors=[("O'Brien", "Seán", "S"), {"collective": "Trials & Co"}],
        mesh=[("D007649", "Ketamine", True, [("Q000627", "therapeutic use", True)])],
        keywords=["PTSD"],
        comments_corrections=[("RetractionIn", "J X. 2023;1:2", 3456)],
        doi="10.1/x",
        pmcid="PMC1",
        medline_date="2019 Nov-Dec",
    )
    root = ET.fromstring(xml)
    assert root.findtext(".//ArticleTitle") == 'Ketamine & <MDMA> "quoted"'
    texts = root.findall(".//AbstractText")
    assert [(t.get("Label"), t.get("NlmCategory")) for t in texts] == [
        ("BACKGROUND", "BACKGROUND"),
        ("RESULTS", "RESULTS"),
    ]
    assert texts[0].text == "a < b & c" and texts[1].find("sup").text == "2"
    assert root.findtext(".//CollectiveName") == "Trials & Co"
    assert root.findtext(".//MedlineDate") == "2019 Nov-Dec"
    assert root.find(".//CommentsCorrections").get("RefType") == "RetractionIn"
    assert "\n" not in xml
    book = ET.fromstring(make_book_article(10, title="Esketamine"))
    assert book.tag == "PubmedBookArticle" and book.findtext(".//ArticleTitle") == "Esketamine"
    set_doc = record_factory.make_article_set([xml], deleted=[11])
    parsed = Entrez.read(io.BytesIO(set_doc.encode()))
    assert parsed["DeleteCitation"] == ["11"]


def test_eutils_env(eutils_env, standin):
    assert eutils_env["NCBI_EUTILS_URL"] == standin.url
    assert eutils_env["NCBI_EMAIL"] == "test@example.org"
    assert "NCBI_API_KEY" not in eutils_env


def test_runs_as_a_script():
    script = Path(__file__).with_name("standin.py")
    proc = subprocess.Popen(
        [sys.executable, str(script), "--port", "0", "--records", "30", "--no-rate-limit"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        url = re.search(r"(http://127\.0\.0\.1:\d+/entrez/eutils/) \(30 records\)", line).group(1)
        count = requests.get(url + "esearch.fcgi", params={"term": "x", "rettype": "count"})
        assert ET.fromstring(count.content).findtext("Count") == "30"
    finally:
        proc.terminate()
        proc.wait(timeout=5)
