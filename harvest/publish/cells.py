"""HTML pieces for the catalog's Datasette pages: links, badges, chips, the study page context."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, urlencode

from markupsafe import Markup

from harvest.citing.styles import cite_ama, cite_apa, cite_vancouver, normalise

TAG_COLUMNS = ("conditions", "modalities", "routes", "populations")
FLAGS = {
    "retracted": ("Retracted", "This study has been retracted. Do not rely on its findings."),
    "expression_of_concern": (
        "Expression of concern",
        "The journal has published an expression of concern about this study.",
    ),
    "erratum": ("Erratum", "An erratum (correction) has been published for this study."),
}
NOTICE_TYPES = {
    "retracted": "RetractionIn",
    "expression_of_concern": "ExpressionOfConcernIn",
    "erratum": "ErratumIn",
}
OWNED_COLUMNS = frozenset(
    {"pmid", "doi", "pmcid", "title", "author_list", "comments_corrections", *TAG_COLUMNS, *FLAGS}
)


def pubmed_url(pmid: Any) -> str:
    """The PubMed page of a PMID."""
    return f"https://pubmed.ncbi.nlm.nih.gov/{quote(str(pmid))}/"


def doi_url(doi: str) -> str:
    """The doi.org resolver link of a DOI."""
    return "https://doi.org/" + quote(doi.strip(), safe="/:;()._-")


def pmc_url(pmcid: str) -> str:
    """The PubMed Central page of a PMCID."""
    return f"https://pmc.ncbi.nlm.nih.gov/articles/{quote(pmcid.strip())}/"


def link(url: str, text: Any, css: str = "") -> Markup:
    """An escaped <a> element."""
    if css:
        return Markup('<a class="{}" href="{}">{}</a>').format(css, url, text)
    return Markup('<a href="{}">{}</a>').format(url, text)


def badge(flag: str) -> Markup:
    """A visible warning badge for retracted / erratum / expression_of_concern."""
    label, explanation = FLAGS[flag]
    return Markup('<span class="ec-badge ec-{}" title="{}">\u26a0 {}</span>').format(
        flag.replace("_", "-"), explanation, label
    )


def label(slug: str) -> str:
    """A readable label for a tag slug ("treatment-resistant-depression")."""
    return slug.replace("-", " ").replace("_", " ")


def tag_list(slugs: list, labels: Mapping | None) -> list[tuple[str, str, str]]:
    """(slug, label, description) for each tag, labels from the taxonomy where it has them."""
    labels = labels or {}
    return [(str(s), *(labels.get(str(s)) or (label(str(s)), ""))) for s in slugs]


def chips(column: str, slugs: list, studies_url: str, labels: Mapping | None = None) -> Markup:
    """Tag slugs as chips, each a link to the studies carrying that tag."""
    return Markup(" ").join(
        Markup('<a class="ec-chip" href="{}" title="{}">{}</a>').format(
            f"{studies_url}?{urlencode({column + '__arraycontains': slug})}", description, text
        )
        for slug, text, description in tag_list(slugs, labels)
    )


def _json(value: Any) -> Any:
    """Decode a JSON column; plain values pass through, undecodable text gives None."""
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except ValueError:
        return None


def _notices(value: Any) -> Markup:
    """comments_corrections as one line per item, PMIDs linked to PubMed."""
    items = [i for i in (_json(value) or []) if isinstance(i, dict)]
    lines = []
    for item in items:
        text = Markup("{}: {}").format(item.get("type") or "", item.get("source") or "")
        if item.get("pmid"):
            text += Markup(" ") + link(pubmed_url(item["pmid"]), f"PMID {item['pmid']}")
        lines.append(text)
    return Markup("<br>").join(lines)


def render_value(
    column: str,
    value: Any,
    row: Mapping,
    table: str | None,
    studies_url: str,
    study_url: str,
    labels: Mapping | None = None,
) -> Markup | None:
    """HTML for a cell the catalog owns, or None to leave it to Datasette."""
    if column not in OWNED_COLUMNS or value in (None, ""):
        return None
    if column == "pmid":
        if table == "studies":
            return link(pubmed_url(value), value)
        return link(study_url, value) + Markup(" ") + link(pubmed_url(value), "PubMed", "ec-ext")
    if column == "doi":
        return link(doi_url(str(value)), value)
    if column == "pmcid":
        return link(pmc_url(str(value)), value)
    if column in FLAGS:
        return badge(column) if value in (1, "1", True) else None
    if column == "title":
        flagged = [badge(f) for f in FLAGS if f in row.keys() and row[f] in (1, "1", True)]
        return Markup(" ").join([*flagged, Markup.escape(value)]) if flagged else None
    decoded = _json(value)
    if not isinstance(decoded, list):
        return None
    if column in TAG_COLUMNS:
        # An empty list still needs a non-empty value, or Datasette shows the raw "[]".
        return chips(column, decoded, studies_url, labels) or Markup(
            '<span class="ec-none">none</span>'
        )
    if column == "author_list":
        return Markup.escape(study_authors({"author_list": decoded}))
    return _notices(decoded)


def study_authors(row: Mapping) -> str:
    """The display list of a study's authors ("Smith JA, Doe J")."""
    names = []
    for a in normalise(row)["authors"]:
        compact = " ".join(p for p in (a.get("last_name"), a.get("initials")) if p)
        names.append(a.get("collective_name") or compact)
    return ", ".join(names)


def study_context(row: Mapping, tags: list[Mapping], labels: Mapping | None = None) -> dict:
    """What the study page shows, from a studies row, its study_tags rows and tag labels."""
    labels = labels or {}
    r = normalise(row)
    sections = [s for s in (_json(r.get("abstract_sections")) or []) if isinstance(s, dict)]
    if not sections and r.get("abstract"):
        sections = [{"label": None, "text": r["abstract"]}]
    links = [("PubMed", pubmed_url(r["pmid"]))]
    links += [("doi.org", doi_url(r["doi"]))] if r["doi"] else []
    links += [("PubMed Central", pmc_url(r["pmcid"]))] if r["pmcid"] else []
    notices = [i for i in (_json(r.get("comments_corrections")) or []) if isinstance(i, dict)]
    warnings = []
    for flag, (title, explanation) in FLAGS.items():
        if r.get(flag) in (1, "1", True):
            found = [n for n in notices if n.get("type") == NOTICE_TYPES[flag] and n.get("pmid")]
            url = pubmed_url(found[0]["pmid"]) if found else None
            warnings.append({"flag": flag, "title": title, "text": explanation, "notice": url})
    citations = [
        ("AMA", r.get("citation") or cite_ama(row)),
        ("APA", r.get("citation_apa") or cite_apa(row)),
        ("Vancouver", r.get("citation_vancouver") or cite_vancouver(row)),
    ]
    return {
        "pmid": r["pmid"],
        "title": r["title"],
        "authors": study_authors(row),
        "journal": r["journal"],
        "pub_year": r.get("pub_year"),
        "links": links,
        "sections": [{"label": s.get("label"), "text": s.get("text") or ""} for s in sections],
        "warnings": warnings,
        "citations": citations,
        "tag_lists": {c: tag_list(_json(r.get(c)) or [], labels.get(c)) for c in TAG_COLUMNS},
        "design": r.get("design"),
        "evidence_level": r.get("evidence_level"),
        "sample_size": r.get("sample_size"),
        "publication_types": r["publication_types"],
        "mesh_terms": r["mesh_terms"],
        "keywords": r["keywords"],
        "tags": [dict(t) for t in tags],
    }
