"""Search that helps: safe FTS5 queries from any text, bm25 ranking, snippets, identifiers, and
the studies table's search, year range, default view and `_sort` guard through Datasette."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from harvest.publish.search import build_fts_query, find_identifier, highlight
from harvest.publish.serve import make_datasette
from tests.staff_catalog import build_staff_catalog

HOSTILE = ['"', '""', "'", "(", ")", "*", "AND", "OR OR", "NOT", "near(", "title:", "^", "-",
           'ketamine"', '"a" OR', "%", "\\", "😀", "a" * 500, "NEAR(ketamine mdma)"]  # fmt: skip


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    return make_datasette(build_staff_catalog(tmp_path_factory.mktemp("search")))


def get(ds, path: str) -> httpx.Response:
    return asyncio.run(ds.client.get(path))


def pmids(html: str) -> list[str]:
    return re.findall(r'<li class="ec-result[^"]*" data-pmid="(\d+)"', html)


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("midaz*", "midaz*"),
        ("ketamine OR mdma", "ketamine OR mdma"),
        ("ketamine and psilocybin", "ketamine AND psilocybin"),
        ('"treatment resistant" depression', '"treatment resistant" depression'),
        ('"unclosed phrase', '"unclosed phrase"'),
        ("post-traumatic", '"post-traumatic"'),
        ("a NOT b", "a NOT b"),
        ("OR ketamine AND", "ketamine"),
        ("title:ketamine", '"title ketamine"'),
        ('"', None),
        ("  ", None),
    ],
)
def test_build_fts_query(text, query):
    assert build_fts_query(text) == query


def test_identifiers():
    assert find_identifier("24740528") == ("pmid", "24740528")
    assert find_identifier("PMID: 24740528") == ("pmid", "24740528")
    assert find_identifier("https://doi.org/10.1001/JAMAPsychiatry.2014.62.") == (
        "doi",
        "10.1001/jamapsychiatry.2014.62",
    )
    assert find_identifier("ketamine 2014") is None


def test_highlight_escapes_everything_but_the_marks():
    assert highlight("<b>\x02ketamine\x03</b>") == "&lt;b&gt;<mark>ketamine</mark>&lt;/b&gt;"


def test_prefix_search_ranked_with_snippets(ds):
    html = get(ds, "/-/search?q=midaz*").text
    assert sorted(pmids(html)) == ["24740528", "33397139", "36500006"]
    assert "<mark>midazolam</mark>" in html
    assert "<strong>3 studies</strong>, best matches first." in html


def test_bm25_puts_title_matches_first(ds):
    found = pmids(get(ds, "/-/search?q=meta-analysis").text)
    assert found[0] == "36500001"  # "meta-analysis" in its title and keywords


def test_or_and_phrases(ds):
    assert sorted(pmids(get(ds, "/-/search?q=psilocybin+AND+veterans").text)) == ["34000003"]
    either = pmids(get(ds, "/-/search?q=escitalopram+OR+festival").text)
    assert sorted(either) == ["34000002", "36500004"]
    phrase = pmids(get(ds, '/-/search?q="single prolonged stress"').text)
    assert phrase == ["36500007"]


def test_author_journal_pmid_and_doi_are_searchable(ds):
    assert sorted(pmids(get(ds, "/-/search?q=Feder").text)) == ["24740528", "33397139"]
    assert pmids(get(ds, "/-/search?q=Neuropharmacology").text) == ["36500007"]
    assert pmids(get(ds, "/-/search?q=33972795").text) == ["33972795"]
    assert pmids(get(ds, "/-/search?q=10.5555/TEST.36500004").text) == ["36500004"]


def test_flags_and_notices_are_labelled(ds):
    html = get(ds, "/-/search?q=pooled+analysis").text
    retracted = html.split('data-pmid="31065731"')[1].split("</li>")[0]
    assert "&#9888; Retracted</span>" in retracted
    notice = html.split('data-pmid="39150510"')[1].split("</li>")[0]
    assert "Notice, not evidence" in notice


@pytest.mark.parametrize("text", HOSTILE)
def test_any_input_is_a_page_never_an_error(ds, text):
    response = asyncio.run(ds.client.get("/-/search", params={"q": text}))
    assert response.status_code == 200
    assert "rror" not in response.text.split('<section class="content">')[1]
    table = asyncio.run(ds.client.get("/catalog/studies", params={"_search": text}))
    assert table.status_code == 200, text
    assert "Invalid SQL" not in table.text


def test_no_match_says_what_to_try(ds):
    html = get(ds, "/-/search?q=zzzqqq").text
    assert "No studies match &#39;zzzqqq&#39;. Try fewer words, OR between alternatives" in html


def test_table_search_prefix_and_or(ds):
    data = get(ds, "/catalog/studies.json?_search=midaz*&_shape=array&_col=pmid").json()
    assert sorted(r["pmid"] for r in data) == [24740528, 33397139, 36500006]
    data = get(ds, "/catalog/studies.json?_search=festival+OR+escitalopram&_shape=array").json()
    assert sorted(r["pmid"] for r in data) == [34000002, 36500004]


def test_default_studies_view_hides_off_topic_and_animal(ds):
    response = get(ds, "/catalog/studies")
    assert response.status_code == 302
    assert response.headers["location"] == "/catalog/studies?on_topic=1&human=1"
    html = get(ds, "/catalog/studies?on_topic=1&human=1").text
    assert "11 rows" in html  # not the survey, the rat study or the two notices (off-topic)
    note = re.search(r'<p class="ec-default-note" role="note">(.*?)</p>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", note) == (
        "Showing on-topic studies in people: off-topic studies and animal and laboratory "
        "studies are hidden. Show all studies"
    )
    assert 'href="/catalog/studies?_studies=all">Show all studies</a>' in note
    assert "15 rows" in get(ds, "/catalog/studies?_studies=all").text


def test_year_range_filter(ds):
    data = get(
        ds, "/catalog/studies.json?pub_year__gte=2023&pub_year__lte=&_shape=array&_col=pmid"
    ).json()
    assert sorted(r["pmid"] for r in data) == [34000001, 34000003, 36500001, 39150510]
    html = get(ds, "/catalog/studies?on_topic=1&human=1").text
    assert '<input type="number" name="pub_year__gte"' in html


def test_unknown_sort_is_a_400_with_a_way_back(ds):
    response = get(ds, "/catalog/studies?on_topic=1&_sort=nope")
    assert response.status_code == 400
    assert "<h1>Cannot sort by “nope”</h1>" in response.text
    assert '<a href="/catalog/studies?on_topic=1">' in response.text
    assert get(ds, "/catalog/studies.json?_sort_desc=nope").status_code == 400


def test_coded_values_read_as_words(ds):
    html = get(ds, "/catalog/studies?on_topic=1&human=1&_col=design&_col=evidence_level").text
    assert '<span class="ec-label" title="Level 2 of 5 (1 is strongest)">2 · Randomised' in html
    assert ">Randomised controlled trial</span>" in html


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("_facet=nope", 400),
        ("_facet_array=title", 400),
        ("_facet_date=nope", 400),
        ("_where=1=", 400),
        ("_through={bad", 200),
        ("_search_title=%22", 200),
        ("_search=%22&_searchmode=raw", 200),
        ("_searchmode=raw&_search=AND", 200),
        ("pub_year__gte=abc", 200),
        ("_next=zzz", 200),
    ],
)
def test_table_options_never_give_a_500_or_an_sql_error(ds, query, status):
    response = get(ds, f"/catalog/studies?{query}")
    assert response.status_code == status
    assert "Invalid SQL" not in response.text
    if status == 400:
        assert "<h1>That page cannot be shown</h1>" in response.text
        assert '<a href="/catalog/studies">Show the same studies in the usual way</a>' in (
            response.text
        )
