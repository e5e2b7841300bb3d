"""harvest.publish.cells (cells, study page) and harvest.publish.atom (feeds): pure functions."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest
from markupsafe import Markup

from harvest.publish.atom import rfc3339, to_atom
from harvest.publish.cells import doi_url, render_value, study_context

STUDIES = "/catalog/studies"
ATOM = "{http://www.w3.org/2005/Atom}"


def cell(column: str, value, row: dict | None = None, table: str | None = "studies"):
    """render_value with the catalog's URLs."""
    return render_value(column, value, row or {}, table, STUDIES, f"{STUDIES}/{value}")


def test_columns_it_does_not_own_and_empty_values_are_left_alone():
    assert cell("journal", "<b>BMJ</b>") is None
    assert cell("doi", None) is None
    assert cell("conditions", "") is None
    assert cell("retracted", 0) is None
    assert cell("title", "A title", {"retracted": 0}) is None
    assert cell("conditions", "not json") is None


def test_identifier_links():
    assert cell("pmid", 123) == '<a href="https://pubmed.ncbi.nlm.nih.gov/123/">123</a>'
    assert cell("pmid", 123, table=None) == (
        '<a href="/catalog/studies/123">123</a> '
        '<a class="ec-ext" href="https://pubmed.ncbi.nlm.nih.gov/123/">PubMed</a>'
    )
    assert cell("doi", "10.1002/(SICI)1097<x>") == (
        '<a href="https://doi.org/10.1002/(SICI)1097%3Cx%3E">10.1002/(SICI)1097&lt;x&gt;</a>'
    )
    assert cell("pmcid", "PMC8205851") == (
        '<a href="https://pmc.ncbi.nlm.nih.gov/articles/PMC8205851/">PMC8205851</a>'
    )


def test_doi_url_quotes_what_a_url_cannot_hold():
    assert doi_url(" 10.1000/a b#c ") == "https://doi.org/10.1000/a%20b%23c"


@pytest.mark.parametrize(
    ("column", "label"),
    [
        ("retracted", "Retracted"),
        ("erratum", "Corrected (erratum)"),
        ("expression_of_concern", "Expression of concern"),
    ],
)
def test_flags_become_badges(column, label):
    html = cell(column, 1)
    assert isinstance(html, Markup)
    assert html.startswith(f'<span class="ec-badge ec-{column.replace("_", "-")}" title="')
    assert html.endswith(f'">\u26a0 {label}</span>')


def test_title_of_a_retracted_study_carries_the_badge_and_is_escaped():
    html = cell("title", "<script>alert(1)</script>", {"retracted": 1, "erratum": 0})
    assert html.startswith('<span class="ec-badge ec-retracted"')
    assert html.endswith("</span> &lt;script&gt;alert(1)&lt;/script&gt;")


def test_tags_become_chips_linking_to_their_studies():
    labels = {"mdma": ["MDMA", "3,4-methylenedioxy-<N>-methylamphetamine"]}
    html = render_value("modalities", '["mdma", "<x>-y"]', {}, "studies", STUDIES, "", labels)
    assert html == (
        '<a class="ec-chip" href="/catalog/studies?modalities__arraycontains=mdma" '
        'title="3,4-methylenedioxy-&lt;N&gt;-methylamphetamine">MDMA</a> '
        '<a class="ec-chip" href="/catalog/studies?modalities__arraycontains=%3Cx%3E-y" '
        'title="">&lt;x&gt; y</a>'
    )


def test_kept_tag_cells_follow_the_labels_they_were_made_with():
    value = '["mdma"]'
    first = render_value("modalities", value, {}, "studies", STUDIES, "", {"mdma": ["MDMA", ""]})
    again = render_value("modalities", value, {}, "studies", STUDIES, "", {"mdma": ["M", ""]})
    assert ">MDMA</a>" in first
    assert again == (
        '<a class="ec-chip" href="/catalog/studies?modalities__arraycontains=mdma" title="">M</a>'
    )
    assert render_value("modalities", value, {}, "studies", "/x/studies", "", None) == (
        '<a class="ec-chip" href="/x/studies?modalities__arraycontains=mdma" title="">mdma</a>'
    )


def test_an_empty_tag_list_says_none():
    assert cell("routes", "[]") == '<span class="ec-none">none</span>'


def test_title_of_a_study_flagged_only_by_its_links_is_badged():
    row = {"comments_corrections": '[{"type": "ExpressionOfConcernIn", "pmid": 7}]'}
    html = cell("title", "T", row)
    assert html.startswith('<span class="ec-badge ec-expression-of-concern"')
    assert html.endswith("\u26a0 Expression of concern</span> T")


def test_a_notice_title_says_not_evidence_and_links_the_study_it_concerns():
    row = {
        "publication_types": '[{"ui": "D016440", "name": "Retraction of Publication"}]',
        "comments_corrections": '[{"type": "RetractionOf", "source": "Lancet", "pmid": 31065731}]',
    }
    assert cell("title", "Retraction <note>", row) == (
        '<span class="ec-badge ec-notice" title="A notice about another study; cite the study it '
        'concerns, not this record.">Retraction notice, not evidence: concerns '
        '<a href="/catalog/studies/31065731">PMID 31065731</a></span> Retraction &lt;note&gt;'
    )
    context = study_context(dict(row, pmid=39150510, title="Retraction note"), [])
    assert context["notice"] == {
        "label": "Retraction notice",
        "of": [{"pmid": 31065731, "source": "Lancet", "label": "Retraction notice"}],
    }
    assert context["warnings"] == [] and context["copy_warning"] is None
    assert context["citations"][0] == (
        "AMA",
        "Retraction note. Retraction of: Lancet. PMID: 31065731.",
    )


def test_long_author_lists_are_cut():
    authors = [{"last_name": f"Author{i:02d}", "initials": "AB"} for i in range(60)]
    text = cell("author_list", json.dumps(authors))
    assert len(text) == 299 and text.endswith("Author22 AB,\u2026")
    assert text.startswith("Author00 AB, Author01 AB")


def test_author_list_and_notices():
    authors = [{"last_name": "Feder", "initials": "A"}, {"collective_name": "<Group>"}]
    assert cell("author_list", json.dumps(authors)) == "Feder A, &lt;Group&gt;"
    notice = [{"type": "RetractionIn", "source": "J <X>", "pmid": 9}]
    assert cell("comments_corrections", json.dumps(notice)) == (
        'RetractionIn: J &lt;X&gt; <a href="https://pubmed.ncbi.nlm.nih.gov/9/">PMID 9</a>'
    )


def test_study_context():
    row = {
        "pmid": 5,
        "title": "T",
        "author_list": '[{"last_name": "Lee", "initials": "K"}]',
        "journal": "BMJ",
        "journal_iso": "BMJ",
        "pub_year": 2024,
        "doi": "10.1/x",
        "pmcid": None,
        "abstract": "Plain.",
        "abstract_sections": "[]",
        "retracted": 1,
        "erratum": 0,
        "expression_of_concern": 0,
        "conditions": '["ptsd"]',
        "modalities": None,
        "comments_corrections": '[{"type": "RetractionIn", "source": "BMJ", "pmid": 7}]',
        "citation": None,
        "citation_apa": "stored APA",
        "citation_vancouver": None,
    }
    context = study_context(
        row, [{"facet": "conditions", "tag": "ptsd", "source": "title", "evidence": "PTSD"}]
    )
    assert context["authors"] == "Lee K"
    assert context["links"] == [
        ("PubMed", "https://pubmed.ncbi.nlm.nih.gov/5/"),
        ("doi.org", "https://doi.org/10.1/x"),
    ]
    assert context["sections"] == [{"label": None, "text": "Plain."}]
    assert context["warnings"] == [
        {
            "flag": "retracted",
            "title": "Retracted",
            "text": "This study has been retracted. Do not rely on its findings.",
            "note": "Retracted. Retraction in: BMJ. PMID: 7",
            "notice": "https://pubmed.ncbi.nlm.nih.gov/7/",
        }
    ]
    # Computed from the row (not the stored columns), so the copied text carries the flag.
    assert context["citations"] == [
        ("AMA", "Lee K. T. BMJ. 2024. doi:10.1/x. Retracted in: BMJ. PMID: 7."),
        ("APA", "Lee, K. (2024). T. BMJ. Advance online publication. https://doi.org/10.1/x "
                "(Retraction published in BMJ; PMID: 7)"),
        ("Vancouver", "Lee K. T. BMJ. 2024. doi: 10.1/x. Retraction in: BMJ. PMID: 7. PMID: 5."),
    ]  # fmt: skip
    assert context["copy_warning"].startswith("This study has been retracted. Copy its citation")
    assert context["notice"] is None
    assert context["tag_lists"]["conditions"] == [("ptsd", "ptsd", "")]
    labelled = study_context(row, [], {"conditions": {"ptsd": ["PTSD", "Post-traumatic"]}})
    assert labelled["tag_lists"]["conditions"] == [("ptsd", "PTSD", "Post-traumatic")]
    assert context["tag_lists"]["modalities"] == []
    assert context["tags"] == [
        {"facet": "conditions", "tag": "ptsd", "source": "title", "evidence": "PTSD"}
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01", "2024-05-01T00:00:00Z"),
        ("2024-05-01 02:03", "2024-05-01T02:03:00Z"),
        ("2024-05-01T02:03:04", "2024-05-01T02:03:04Z"),
        ("2024-05-01T02:03:04Z", "2024-05-01T02:03:04Z"),
        ("2024-05-01T02:03:04+02:00", "2024-05-01T02:03:04+02:00"),
    ],
)
def test_rfc3339(value, expected):
    assert rfc3339(value) == expected


def test_atom_feed():
    rows = [
        {
            "atom_id": "urn:a",
            "atom_title": "A & B",
            "atom_updated": "2024-01-02",
            "atom_link": "https://x/a",
            "atom_author_name": "Lee K",
            "atom_content_html": "<p>a</p>",
        },
        {"atom_id": 2, "atom_title": "C", "atom_updated": "2024-03-04T05:06:07Z"},
    ]
    feed = ET.fromstring(to_atom(rows, feed_id="https://h/feed.atom", title="New"))
    assert feed.findtext(f"{ATOM}id") == "https://h/feed.atom"
    assert feed.findtext(f"{ATOM}updated") == "2024-03-04T05:06:07Z"
    first, second = feed.findall(f"{ATOM}entry")
    assert first.findtext(f"{ATOM}title") == "A & B"
    assert first.findtext(f"{ATOM}author/{ATOM}name") == "Lee K"
    assert first.find(f"{ATOM}content").attrib == {"type": "html"}
    assert first.findtext(f"{ATOM}content") == "<p>a</p>"
    assert second.findtext(f"{ATOM}id") == "2"
    assert second.find(f"{ATOM}content") is None


def test_empty_atom_feed_is_still_valid():
    feed = ET.fromstring(to_atom([], feed_id="urn:x", title="Nothing yet"))
    assert feed.findall(f"{ATOM}entry") == []
    assert len(feed.findtext(f"{ATOM}updated")) == len("2024-01-01T00:00:00Z")
