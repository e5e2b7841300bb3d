"""HTML pieces for the catalog's Datasette pages: links, badges, chips, the study page context."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from markupsafe import Markup

from harvest.citing.appraisal import appraisal_line
from harvest.citing.flags import (
    FLAG_LABELS,
    FLAG_ORDER,
    NOTICE_LABELS,
    flag_notes,
    flag_notices,
    notice_kind,
    notice_targets,
    study_flags,
)
from harvest.citing.styles import cite_ama, cite_apa, cite_vancouver, normalise

TAG_COLUMNS = ("conditions", "modalities", "routes", "populations")
FLAG_TEXT = {
    "retracted": "This study has been retracted. Do not rely on its findings.",
    "expression_of_concern": "The journal has published an expression of concern about this study.",
    "erratum": "An erratum (correction) has been published for this study.",
}
# The copy buttons of a study with one of these flags ask before they copy.
COPY_WARNINGS = {
    "retracted": "This study has been retracted. Copy its citation anyway? "
    "The copied text says it is retracted.",
    "expression_of_concern": "The journal has published an expression of concern about this "
    "study. Copy its citation anyway? The copied text says so.",
}
OWNED_COLUMNS = frozenset(
    {"pmid", "doi", "pmcid", "title", "author_list", "comments_corrections", *TAG_COLUMNS,
     *FLAG_ORDER}
)  # fmt: skip
FLAG_COLUMNS = frozenset({*FLAG_ORDER, "comments_corrections", "publication_types"})
MAX_CELL_CHARS = 300  # like Datasette's truncate_cells_html, for the cells the plugin renders


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
    return Markup('<span class="ec-badge ec-{}" title="{}">\u26a0 {}</span>').format(
        flag.replace("_", "-"), FLAG_TEXT[flag], FLAG_LABELS[flag]
    )


def notice_badge(row: Mapping, studies_url: str) -> Markup | None:
    """For a notice record: "Retraction notice, not evidence: concerns PMID n" (linked)."""
    kind = notice_kind(row)
    if kind is None:
        return None
    links = [
        link(f"{studies_url}/{t['pmid']}", f"PMID {t['pmid']}")
        for t in notice_targets(row)
        if t["pmid"]
    ]
    about = Markup(": concerns ") + Markup(", ").join(links) if links else Markup("")
    return Markup('<span class="ec-badge ec-notice" title="{}">{}, not evidence{}</span>').format(
        "A notice about another study; cite the study it concerns, not this record.",
        NOTICE_LABELS[kind],
        about,
    )


def title_html(title: Any, row: Mapping, studies_url: str) -> Markup | None:
    """A title badged with its study's flags (or as a notice); None when it has neither."""
    marks = [badge(f) for f in study_flags(row)]
    marks += [m for m in (notice_badge(row, studies_url),) if m]
    return Markup(" ").join([*marks, Markup.escape(title)]) if marks else None


def shorten(text: str, limit: int = MAX_CELL_CHARS) -> str:
    """Text cut to `limit` characters with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


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


class KeptCells:
    """Rendered cells kept by key, each used only with the very labels it was made with (a
    taxonomy change renders again); dropped when `limit` is reached, so memory stays bounded."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.cells: dict[tuple, tuple[Any, Any]] = {}

    def get(self, key: tuple, labels: Any, make: Callable[[], Any]) -> Any:
        """The kept cell for `key` made with `labels`, or `make()` kept for next time."""
        kept = self.cells.get(key)
        if kept is not None and kept[0] is labels:
            return kept[1]
        cell = make()
        if len(self.cells) >= self.limit:
            self.cells.clear()
        self.cells[key] = (labels, cell)
        return cell


TAG_CELLS = KeptCells(4096)


def tag_cell(
    column: str, value: Any, slugs: list, studies_url: str, labels: Mapping | None
) -> Markup:
    """A tag array's chips, kept by its JSON text: a page of 50 rows repeats the same few arrays."""
    key = (column, value if isinstance(value, str) else json.dumps(slugs), studies_url)
    # An empty list still needs a non-empty value, or Datasette shows the raw "[]".
    return TAG_CELLS.get(
        key,
        labels,
        lambda: (
            chips(column, slugs, studies_url, labels) or Markup('<span class="ec-none">none</span>')
        ),
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
    if column in FLAG_ORDER:
        return badge(column) if value in (1, "1", True) else None
    if column == "title":
        return title_html(value, row, studies_url)
    decoded = _json(value)
    if not isinstance(decoded, list):
        return None
    if column in TAG_COLUMNS:
        return tag_cell(column, value, decoded, studies_url, labels)
    if column == "author_list":
        return Markup.escape(shorten(study_authors({"author_list": decoded})))
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
    warnings = []
    flags = study_flags(row)
    for flag, note in zip(flags, flag_notes(row), strict=True):
        found = [n for n in flag_notices(row, flag) if n["pmid"]]
        url = pubmed_url(found[0]["pmid"]) if found else None
        warnings.append(
            {"flag": flag, "title": FLAG_LABELS[flag], "text": FLAG_TEXT[flag], "note": note,
             "notice": url}
        )  # fmt: skip
    # Computed from the row, so the copied text always carries the study's current flags.
    citations = [("AMA", cite_ama(row)), ("APA", cite_apa(row)), ("Vancouver", cite_vancouver(row))]
    kind = notice_kind(row)
    notice_of = [
        {"pmid": t["pmid"], "source": t["source"], "label": NOTICE_LABELS[t["kind"]]}
        for t in notice_targets(row)
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
        "copy_warning": next((COPY_WARNINGS[f] for f in flags if f in COPY_WARNINGS), None),
        "notice": {"label": NOTICE_LABELS[kind], "of": notice_of} if kind else None,
        "tag_lists": {c: tag_list(_json(r.get(c)) or [], labels.get(c)) for c in TAG_COLUMNS},
        "design": r.get("design"),
        "evidence_level": r.get("evidence_level"),
        "sample_size": r.get("sample_size"),
        "appraisal": appraisal_line(row),
        "publication_types": r["publication_types"],
        "mesh_terms": r["mesh_terms"],
        "keywords": r["keywords"],
        "tags": [dict(t) for t in tags],
    }
