"""The evidence finder (/-/evidence, .json, .ris/.bib/.csljson) on a `harvest import`ed catalog.

Datasette runs through its own test client on a real SQLite file; the parameters are what staff
type (labels or slugs, any case); notices are never evidence; exports hold exactly the results.
"""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from pathlib import Path

import bibtexparser
import httpx
import pytest
import rispy
from datasette.utils import MultiParams

from harvest.publish.evidence import ChoiceError, parse_selection, plural, resolve_tag
from harvest.publish.serve import make_datasette, tag_labels
from tests.staff_catalog import build_staff_catalog

KETAMINE_PTSD = [36500001, 33397139, 24740528, 36500003]  # level 1, 2, 2, 4; newest first
NOTICES = {39150510, 36500099}


@pytest.fixture(scope="module")
def ds(tmp_path_factory):
    """Datasette on the staff catalog."""
    return make_datasette(build_staff_catalog(tmp_path_factory.mktemp("evidence")))


def get(ds, path: str) -> httpx.Response:
    """GET a path through Datasette's test client."""
    return asyncio.run(ds.client.get(path))


def Args(**values) -> MultiParams:
    """request.args as Datasette builds it."""
    return MultiParams({k: v if isinstance(v, list) else [v] for k, v in values.items()})


def test_labels_and_slugs_resolve_in_any_case():
    labels = tag_labels()
    assert resolve_tag("conditions", "PTSD", labels) == "ptsd"
    assert resolve_tag("conditions", "treatment resistant DEPRESSION", labels) == (
        "treatment-resistant-depression"
    )
    assert resolve_tag("modalities", "ketamine", labels) == "ketamine"
    assert resolve_tag("design", "Randomised controlled trial", labels) == "rct"
    with pytest.raises(ChoiceError) as error:
        resolve_tag("modalities", "LSD", labels)
    assert str(error.value).startswith('No treatment called "LSD" in the catalog. Choose one of: ')
    assert "Ketamine, Esketamine, Arketamine, Psilocybin, MDMA" in str(error.value)


def test_selection_reads_repeats_commas_years_and_toggles():
    labels = tag_labels()
    args = Args(condition=["PTSD, depression"], treatment=["MDMA"], year_from="2024",
                year_to="2020", include_animal="1", include_retracted="on")  # fmt: skip
    selection = parse_selection(args, labels)
    assert selection.tags == {"conditions": ["ptsd", "depression"], "modalities": ["mdma"]}
    assert (selection.year_from, selection.year_to) == (2020, 2024)
    assert selection.toggles == {
        "include_animal": True, "include_off_topic": False, "include_retracted": True,
    }  # fmt: skip
    assert selection.query_string() == (
        "condition=ptsd&condition=depression&modality=mdma&year_from=2020&year_to=2024"
        "&include_animal=1&include_retracted=1"
    )
    with pytest.raises(ChoiceError, match='"20x0" is not a year'):
        parse_selection(Args(year_from="20x0"), labels)


def test_plural_design_labels():
    assert plural("Meta-analysis", 3) == "3 meta-analyses"
    assert plural("Randomised controlled trial", 1) == "1 randomised controlled trial"
    assert plural("Case report or series", 2) == "2 case reports or series"
    assert plural("Commentary or editorial", 4) == "4 commentaries or editorial"
    assert plural("Preclinical study", 2) == "2 preclinical studies"


def test_json_ketamine_for_ptsd_by_label_any_case(ds):
    response = get(ds, "/-/evidence.json?condition=ptsd&modality=KETAMINE")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    body = response.json()
    assert set(body) == {"results", "counts_by_level", "total"}
    assert [r["pmid"] for r in body["results"]] == KETAMINE_PTSD
    assert body["counts_by_level"] == {"1": 1, "2": 2, "3": 0, "4": 1, "5": 0}
    assert body["total"] == 4
    first = body["results"][0]
    assert set(first) == {
        "pmid", "title", "citation", "design", "evidence_level", "sample_size", "pub_year", "flags",
    }  # fmt: skip
    assert first == {
        "pmid": 36500001,
        "title": "Ketamine for posttraumatic stress disorder: a systematic review and "
        "meta-analysis.",
        "citation": "Almeida TM. Ketamine for posttraumatic stress disorder: a systematic review "
        "and meta-analysis. J Affect Disord. 2023;310. doi:10.5555/test.36500001",
        "design": "meta-analysis",
        "evidence_level": 1,
        "sample_size": 334,
        "pub_year": 2023,
        "flags": [],
    }
    erratum = body["results"][3]
    assert erratum["flags"] == ["erratum"]
    assert (
        "Published correction appears in: Cureus. 2020;12(6):c31. PMID: 36500099"
        in (erratum["citation"])
    )


def test_json_never_lists_notices_animal_or_retracted_by_default(ds):
    body = get(ds, "/-/evidence.json").json()
    pmids = {r["pmid"] for r in body["results"]}
    assert not pmids & NOTICES
    assert 31065731 not in pmids  # retracted
    assert 36500007 not in pmids  # rats
    assert 36500004 not in pmids  # off-topic
    assert body["total"] == 10 == len(body["results"])
    levels = [r["evidence_level"] for r in body["results"]]
    assert levels == sorted(levels)


def test_toggles_add_retracted_animal_and_off_topic_but_never_notices(ds):
    body = get(
        ds, "/-/evidence.json?include_retracted=1&include_animal=1&include_off_topic=1"
    ).json()
    pmids = {r["pmid"] for r in body["results"]}
    assert {31065731, 36500007, 36500004} <= pmids
    assert not pmids & NOTICES
    flags = {r["pmid"]: r["flags"] for r in body["results"]}
    assert flags[31065731] == ["retracted"]
    assert flags[36500007] == ["animal"]
    assert flags[36500004] == ["off_topic"]
    assert flags[36500006] == ["expression_of_concern"]


def test_rcts_of_psilocybin_for_depression_since_2020(ds):
    body = get(
        ds, "/-/evidence.json?condition=Depression&treatment=Psilocybin&design=rct&year_from=2020"
    ).json()
    assert [r["pmid"] for r in body["results"]] == [34000001]
    body = get(ds, "/-/evidence.json?condition=depression&modality=psilocybin&design=rct").json()
    assert [r["pmid"] for r in body["results"]] == [34000001, 34000002]


def test_unknown_value_is_a_clear_message(ds):
    response = get(ds, "/-/evidence.json?condition=PTSDX")
    assert response.status_code == 400
    assert response.json()["error"].startswith('No condition called "PTSDX" in the catalog.')
    page = get(ds, "/-/evidence?condition=PTSDX&modality=ketamine")
    assert page.status_code == 400
    assert "No condition called &#34;PTSDX&#34; in the catalog. Choose one of: PTSD," in page.text
    assert '<select name="condition"' in page.text  # the form is still there to choose again


def test_page_groups_by_named_level_with_full_citations(ds):
    page = get(ds, "/-/evidence?condition=PTSD&modality=Ketamine")
    assert page.status_code == 200
    html = page.text
    headings = re.findall(r"<h2>(.*?) <span", html)
    assert headings == [
        "1 · Systematic reviews and meta-analyses",
        "2 · Randomised controlled trials",
        "4 · Case reports and case series",
    ]
    assert re.findall(r'<li class="ec-result[^"]*" data-pmid="(\d+)"', html) == [
        str(p) for p in KETAMINE_PTSD
    ]
    summary = re.search(r'<p class="ec-summary">(.*?)</p>', html, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", summary) == (
        "4 studies on PTSD · Ketamine: 1 meta-analysis, 2 randomised controlled trials with 71 "
        "participants, 1 case report or series with 1 participant"
    )
    assert (
        '<p class="ec-citation-text" id="cite-24740528">Feder A, Parides MK. Efficacy of '
        "intravenous ketamine for treatment of chronic posttraumatic stress disorder: a "
        "randomized clinical trial. JAMA Psychiatry. 2014;71(6):681-688. "
        "doi:10.5555/test.24740528</p>"
    ) in html
    assert 'data-copy="cite-24740528"' in html
    assert 'href="/catalog/studies/24740528"' in html
    assert "Corrected (erratum)" in html
    assert '<option value="ptsd" selected>PTSD (7)</option>' in html
    assert '<option value="rct">Randomised controlled trial (6)</option>' in html
    permalink = re.search(r'id="ec-permalink" href="([^"]+)"', html).group(1)
    assert permalink == "/-/evidence?condition=ptsd&amp;modality=ketamine"
    assert 'href="/-/evidence.ris?condition=ptsd&amp;modality=ketamine"' in html


def test_retracted_only_under_their_warning(ds):
    html = get(ds, "/-/evidence?condition=ptsd&modality=mdma&include_retracted=1").text
    sections = re.findall(r'<section class="ec-level ec-level-(\w+)"', html)
    assert sections == ["2", "5", "retracted"]
    retracted = html.split('id="level-retracted"')[1]
    assert "These studies have been retracted. Do not cite them as evidence." in retracted
    assert 'data-pmid="31065731"' in retracted
    assert 'data-pmid="31065731"' not in html.split('id="level-retracted"')[0]
    assert "Retraction in: Psychopharmacology (Berl). 2024;241(9):1949. PMID: 39150510" in html
    assert 'data-pmid="39150510"' not in html  # the notice itself


def test_show_more_pages_one_level(ds, monkeypatch):
    monkeypatch.setattr("harvest.publish.pages.PER_GROUP", 1)
    html = get(ds, "/-/evidence?condition=ptsd&modality=ketamine").text
    more = re.search(r'<p class="ec-more"><a href="([^"]+)">Show more (.*?)</a>', html)
    assert more.group(2) == "randomised controlled trials (1 more)"
    url = more.group(1).replace("&amp;", "&")
    assert url == "/-/evidence?condition=ptsd&modality=ketamine&level=2&offset=1"
    page = get(ds, url).text
    assert re.findall(r'data-pmid="(\d+)"', page) == ["24740528"]
    assert "Back to all levels" in page


def test_exports_hold_exactly_the_results(ds):
    ris = get(ds, "/-/evidence.ris?condition=PTSD&modality=Ketamine")
    assert ris.status_code == 200
    assert ris.headers["content-disposition"] == 'attachment; filename="evidence.ris"'
    entries = rispy.loads(ris.text)
    assert [int(e["accession_number"]) for e in entries] == KETAMINE_PTSD
    bib = bibtexparser.parse_string(
        get(ds, "/-/evidence.bib?condition=ptsd&modality=ketamine").text
    )
    assert len(bib.entries) == 4
    csl = json.loads(get(ds, "/-/evidence.csljson?condition=ptsd&modality=ketamine").text)
    assert [item["PMID"] for item in csl] == [str(p) for p in KETAMINE_PTSD]
    flagged = get(ds, "/-/evidence.csljson?condition=ptsd&modality=mdma&include_retracted=1")
    items = {item["PMID"]: item for item in json.loads(flagged.text)}
    assert set(items) == {"33972795", "36500005", "31065731"}
    assert "Retracted" in items["31065731"]["note"]
    bad = get(ds, "/-/evidence.ris?design=anecdote")
    assert bad.status_code == 400
    assert bad.text.startswith('Error: No design called "anecdote" in the catalog.')


def test_a_query_over_the_time_limit_is_a_message_not_a_500(tmp_path):
    slow = make_datasette(build_staff_catalog(tmp_path), settings={"sql_time_limit_ms": 0.0001})
    page = get(slow, "/-/evidence?condition=ptsd")
    assert page.status_code == 503
    assert "The catalog is busy and this selection took too long to gather." in page.text
    assert '<select name="condition"' in page.text
    body = get(slow, "/-/evidence.json?condition=ptsd")
    assert body.status_code == 503
    assert body.json()["error"].startswith("The catalog is busy")


def harm_catalog(tmp_path_factory) -> Path:
    """The staff catalog with known safety tags: the tagger's own replaced by these rows."""
    db = build_staff_catalog(tmp_path_factory.mktemp("harms"))
    rows = [
        (36500001, "dissociation", "abstract", "Dissociation peaked at 40 minutes."),
        (33397139, "dissociation", "abstract", "CADSS scores rose transiently."),
        (33397139, "dissociation", "mesh", "No dissociative symptoms persisted at 24 hours."),
        (36500006, "dissociation", "abstract", "Dissociation was mild in both arms."),
        (36500003, "cardiovascular", "abstract", "Blood pressure rose by 10 mmHg."),
        (36500007, "urological", "abstract", "Bladder wall thickening in rats."),  # animal
        (36500099, "urological", "abstract", "A notice is never evidence."),  # notice
        (34000003, "hepatic", "abstract", "Liver enzymes were normal."),  # psilocybin
    ]
    conn = sqlite3.connect(db)
    with conn:
        conn.execute("delete from study_tags where facet = 'safety'")
        conn.execute("update studies set safety = '[]'")
        conn.executemany(
            "insert into study_tags (pmid, facet, tag, source, evidence) "
            "values (?, 'safety', ?, ?, ?)",
            [(pmid, tag, source, text) for pmid, tag, source, text in rows],
        )
        conn.execute(
            "update studies set safety = (select json_group_array(distinct tag) from "
            "study_tags t where t.pmid = studies.pmid and t.facet = 'safety') "
            "where pmid in (select pmid from study_tags where facet = 'safety')"
        )
    conn.close()
    return db


def harm_blocks(html: str) -> dict[str, str]:
    """{slug: the topic's HTML} from the finder's harms section, in page order."""
    section = html.split('<section class="ec-harms" id="harms">', 1)[1].split("</section>", 1)[0]
    parts = re.split(r'<details class="ec-harm" data-harm="([\w-]+)">', section)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_harms_for_a_treatment_count_studies_and_quote_sentences(tmp_path_factory):
    ds = make_datasette(harm_catalog(tmp_path_factory))
    html = get(ds, "/-/evidence?modality=Ketamine").text
    blocks = harm_blocks(html)
    assert list(blocks) == ["dissociation", "cardiovascular"]  # the vocabulary's order
    assert '<strong>Dissociation</strong> <span class="ec-count">(3 studies)</span>' in html
    assert "<strong>Blood pressure and heart (cardiovascular)</strong>" in html
    assert '<span class="ec-count">(1 study)</span>' in blocks["cardiovascular"]
    results = [r["pmid"] for r in get(ds, "/-/evidence.json?modality=ketamine").json()["results"]]
    expected = [p for p in results if p in {36500001, 33397139, 36500006}]
    shown = [int(p) for p in re.findall(r'<li class="ec-harm-study[^"]*" data-pmid="(\d+)"',
                                        blocks["dissociation"])]  # fmt: skip
    assert shown == expected and len(shown) == 3
    sentences = re.findall(r'<blockquote class="ec-harm-sentence">([^<]*)</blockquote>',
                           blocks["dissociation"])  # fmt: skip
    assert sorted(sentences) == sorted([
        "Dissociation peaked at 40 minutes.", "CADSS scores rose transiently.",
        "No dissociative symptoms persisted at 24 hours.", "Dissociation was mild in both arms.",
    ])  # fmt: skip
    concern = blocks["dissociation"].split('data-pmid="36500006"')[1].split("</li>")[0]
    assert "&#9888; Expression of concern</span>" in concern
    assert '<a href="/catalog/studies/36500006">' in concern
    erratum = blocks["cardiovascular"].split('data-pmid="36500003"')[1].split("</li>")[0]
    assert "&#9888; Corrected (erratum)</span>" in erratum
    assert "Blood pressure rose by 10 mmHg." in erratum
    for absent in ("Bladder wall", "never evidence", "Liver enzymes"):
        assert absent not in html
    ptsd = harm_blocks(get(ds, "/-/evidence?condition=PTSD&modality=ketamine").text)
    assert '<span class="ec-count">(2 studies)</span>' in ptsd["dissociation"]
    assert 'data-pmid="36500006"' not in ptsd["dissociation"]  # depression, not PTSD
    assert 'class="ec-harms"' not in get(ds, "/-/evidence?condition=PTSD").text
