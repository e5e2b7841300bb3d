"""Citations (AMA, APA, Vancouver) for studies, carrying their retraction / correction notices."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple

from harvest.citing.flags import FLAG_LABELS, flag_notices, notice_targets, study_flags
from harvest.record import from_row, is_record, json_list

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
MINOR_WORDS = {"a", "an", "and", "as", "at", "by", "de", "der", "des", "du", "et", "for", "from",
               "in", "la", "le", "of", "on", "or", "the", "to", "und", "with"}  # fmt: skip
PAGES = re.compile(r"([A-Za-z]*)(\d+)\s*[-\u2013]\s*([A-Za-z]*)(\d+)")
PAGE = re.compile(r"([A-Za-z]*)(\d+)")


def _names(items: list) -> list[str]:
    """Names from a list of strings or of {"name": ...} dicts."""
    return [i["name"] if isinstance(i, dict) else str(i) for i in items if i]


def normalise(item: Mapping) -> dict:
    """A plain dict for the styles: a record as it is, or a studies row (whole, or the columns a
    query selected) read back through `harvest.record.from_row`; the row's other columns (flags,
    tags, citations) kept beside it."""
    data = {key: item[key] for key in item.keys()}
    record = data if is_record(data) else from_row(data)
    r = {**data, **record}
    r["authors"] = [a for a in json_list(record.get("authors")) if isinstance(a, dict)]
    r["keywords"] = [str(k) for k in json_list(record.get("keywords"))]
    mesh = json_list(record.get("mesh")) or json_list(data.get("mesh_terms"))
    r["mesh_terms"] = _names(mesh)
    r["publication_types"] = _names(json_list(record.get("publication_types")))
    for key in ("title", "journal", "journal_iso", "volume", "issue", "pages", "doi", "pmcid"):
        value = r.get(key)
        r[key] = str(value).strip() if value not in (None, "") else None
    if r.get("pub_year") in (None, "") and r.get("pub_date"):
        r["pub_year"] = str(r["pub_date"])[:4]
    return r


def _end(text: str) -> str:
    """Text closed with a period unless it already ends in . ? or !."""
    text = text.strip()
    return text if text.endswith((".", "?", "!")) else text + "."


# The element each style adds for a notice about the study (RefType -> phrase). AMA 11th ed. and
# NLM Citing Medicine name the notice after the reference ("Retracted in:" / "Retraction in:");
# APA 7 adds "(Retraction published year, Journal, vol[issue], page)" after the DOI.
AMA_PHRASES = {
    "RetractionIn": "Retracted in",
    "RetractedandRepublishedIn": "Retracted and republished in",
    "ExpressionOfConcernIn": "Expression of concern in",
    "ErratumIn": "Published correction appears in",
    "CorrectedandRepublishedIn": "Corrected and republished in",
}
NLM_PHRASES = {
    "RetractionIn": "Retraction in",
    "RetractedandRepublishedIn": "Retracted and republished in",
    "ExpressionOfConcernIn": "Expression of concern in",
    "ErratumIn": "Erratum in",
    "CorrectedandRepublishedIn": "Corrected and republished in",
}
APA_PHRASES = {
    "retracted": "Retraction published",
    "expression_of_concern": "Expression of concern published",
    "erratum": "Correction published",
}
# A notice record points to the study it concerns (Citing Medicine "Retraction of:", ...).
TARGET_PHRASES = {
    "retraction": "Retraction of",
    "erratum": "Erratum for",
    "expression_of_concern": "Expression of concern for",
}
SOURCE = re.compile(
    r"(?P<journal>.+?)\.\s+(?P<year>\d{4})\b[^;:]*"
    r"(?:;(?P<volume>[^(:]*)(?:\((?P<issue>[^)]*)\))?)?(?::(?P<pages>.+?))?\.?"
)


def _where(source: str | None, pmid: Any) -> str:
    """ "Source. PMID: n" from whichever is known."""
    return ". ".join(p for p in (source, f"PMID: {pmid}" if pmid else None) if p)


class _Facts(NamedTuple):
    """What the three styles share, read once per record: author names, journal, flags."""

    compact: list[str]  # AMA / Vancouver author names
    apa: list[str]  # APA author names
    journal: str | None  # the NLM abbreviation without periods
    flags: list[tuple[str, list[dict]]]  # (flag, its notices with a source or PMID)
    targets: list[dict]  # the studies a notice concerns


def _facts(r: Mapping) -> _Facts:
    """The shared facts of a normalised record."""
    flags = [
        (flag, [n for n in flag_notices(r, flag) if n["source"] or n["pmid"]])
        for flag in study_flags(r)
    ]
    return _Facts(
        [_name_compact(a) for a in r["authors"]],
        [_name_apa(a) for a in r["authors"]],
        iso_journal(r),
        flags,
        notice_targets(r),
    )


def _flagged(facts: _Facts) -> bool:
    """True when a citation must carry a flag or a notice element."""
    return bool(facts.flags or facts.targets)


def _flag_elements(facts: _Facts, phrases: Mapping[str, str]) -> list[str]:
    """AMA / NLM elements: "Retracted in: Source. PMID: n." per notice, most serious first."""
    elements = []
    for flag, notices in facts.flags:
        elements += [
            _end(f"{phrases[n['type']]}: {_where(n['source'], n['pmid'])}") for n in notices
        ]
        if not notices:
            elements.append(_end(FLAG_LABELS[flag]))
    for target in facts.targets:
        where = _where((target["source"] or "").strip().rstrip(".") or None, target["pmid"])
        elements.append(_end(f"{TARGET_PHRASES[target['kind']]}: {where or 'unknown'}"))
    return elements


def _apa_source(source: str) -> str:
    """APA 7 notice source "2024, Journal, 241[9], 1949" from a PubMed RefSource."""
    match = SOURCE.fullmatch(source.strip())
    if not match:
        return f"in {source}"
    volume = (match["volume"] or "").strip()
    volume += f"[{match['issue']}]" if match["issue"] else ""
    parts = (match["year"], match["journal"].strip(), volume, (match["pages"] or "").strip())
    return ", ".join(p for p in parts if p)


def _apa_flags(facts: _Facts) -> list[str]:
    """APA 7 parentheticals: "(Retraction published 2024, J, 241[9], 1949; PMID: n)"."""
    elements = []
    for flag, notices in facts.flags:
        for n in notices:
            where = "; ".join(
                p
                for p in (_apa_source(n["source"]) if n["source"] else None,
                          f"PMID: {n['pmid']}" if n["pmid"] else None)
                if p
            )  # fmt: skip
            elements.append(f"({APA_PHRASES[flag]} {where})")
        if not notices:
            elements.append(f"({FLAG_LABELS[flag]})")
    for target in facts.targets:
        where = _where((target["source"] or "").strip().rstrip(".") or None, target["pmid"])
        elements.append(f"({TARGET_PHRASES[target['kind']]}: {where or 'unknown'})")
    return elements


def date_parts(iso: str | None) -> tuple[int | None, int | None, int | None]:
    """(year, month, day) of an ISO date as precise as known."""
    parts = [int(p) for p in re.findall(r"\d+", iso or "")[:3]]
    return tuple(parts + [None] * (3 - len(parts)))  # type: ignore[return-value]


def page_range(pages: str | None) -> tuple[str | None, str | None]:
    """First and last page, with PubMed's shortened last page written in full ("113-25")."""
    if not pages:
        return None, None
    match = PAGES.fullmatch(pages.strip())
    if not match:
        return pages.strip(), None
    prefix, first, last_prefix, last = match.groups()
    if len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return prefix + first, (last_prefix or prefix) + last


def _full_pages(pages: str | None, dash: str = "-") -> str | None:
    """A page range with the last page in full."""
    first, last = page_range(pages)
    return f"{first}{dash}{last}" if last else first


def _short_pages(pages: str | None) -> str | None:
    """A page range shortened the NLM way: 113-125 -> 113-25."""
    first, last = page_range(pages)
    a, b = PAGE.fullmatch(first or ""), PAGE.fullmatch(last or "")
    if not (a and b and a[1] == b[1] and len(a[2]) == len(b[2])):
        return f"{first}-{last}" if last else first
    same = 0
    while same < len(b[2]) - 1 and a[2][same] == b[2][same]:
        same += 1
    return f"{first}-{b[2][same:]}"


def _name_compact(author: Mapping) -> str:
    """AMA/Vancouver form of one author: "Smith JA", "Smith JA Jr" or a collective name."""
    if author.get("collective_name"):
        return author["collective_name"]
    name = " ".join(p for p in (author.get("last_name"), author.get("initials")) if p)
    return f"{name} {author['suffix']}" if author.get("suffix") else name


def _name_apa(author: Mapping) -> str:
    """APA form of one author: "Smith, J. A." or a collective name."""
    if author.get("collective_name"):
        return author["collective_name"]
    initials = " ".join(f"{c}." for c in (author.get("initials") or "") if c.isalpha())
    name = ", ".join(p for p in (author.get("last_name"), initials) if p)
    return f"{name}, {author['suffix']}" if author.get("suffix") else name


def iso_journal(r: Mapping) -> str | None:
    """The NLM journal abbreviation without periods ("J. Magn. Reson." -> "J Magn Reson")."""
    iso = r.get("journal_iso") or r.get("medline_ta") or r.get("journal")
    return re.sub(r"\.(\s|$)", r"\1", iso).strip() if iso else None


def title_case(text: str) -> str:
    """Capitalise words except minor ones, leaving existing capitals alone (APA journal names)."""
    words = text.split(" ")
    return " ".join(
        w if (i and w.lower() in MINOR_WORDS) else w[:1].upper() + w[1:]
        for i, w in enumerate(words)
    )


def _volume_issue_pages(volume: str | None, issue: str | None, pages: str | None) -> str:
    """AMA/NLM "310(2):113-125" from whichever parts are known."""
    text = (volume or "") + (f"({issue})" if issue else "")
    return text + (f":{pages}" if pages else "")


def cite_ama(record: Mapping) -> str:
    """AMA 11th edition reference (up to 6 authors, else first 3 and "et al.")."""
    r = normalise(record)
    return _ama(r, _facts(r))


def _ama(r: dict, facts: _Facts) -> str:
    parts = []
    names = facts.compact
    if names:
        parts.append(
            _end(", ".join(names) if len(names) <= 6 else ", ".join(names[:3]) + ", et al")
        )
    if r["title"]:
        parts.append(_end(r["title"]))
    if facts.journal:
        parts.append(_end(facts.journal))
    vip = _volume_issue_pages(r["volume"], r["issue"], _full_pages(r["pages"]))
    year, month, day = date_parts(r.get("epub_date"))
    if not vip and year and month and day:
        parts.append(f"Published online {MONTHS[month - 1]} {day}, {year}.")
    elif r.get("pub_year") or vip:
        parts.append(";".join(str(p) for p in (r.get("pub_year"), vip) if p) + ".")
    if r["doi"]:
        parts.append(f"doi:{r['doi']}" + ("." if _flagged(facts) else ""))
    return " ".join(parts + _flag_elements(facts, AMA_PHRASES))


def _apa_authors(names: list[str]) -> str:
    """APA 7 author list: all up to 20 with "&", else first 19, an ellipsis and the last."""
    if len(names) > 20:
        return ", ".join(names[:19]) + ", . . . " + names[-1]
    if len(names) > 1:
        return ", ".join(names[:-1]) + ", & " + names[-1]
    return names[0]


def cite_apa(record: Mapping) -> str:
    """APA 7th edition reference."""
    r = normalise(record)
    return _apa(r, _facts(r))


def _apa(r: dict, facts: _Facts) -> str:
    parts = []
    names = facts.apa
    year = f"({r['pub_year']})." if r.get("pub_year") else "(n.d.)."
    if names:
        parts += [_end(_apa_authors(names)), year, _end(r["title"]) if r["title"] else ""]
    else:
        parts += [_end(r["title"]) if r["title"] else "", year]
    journal = r["journal"] or r["journal_iso"]
    if journal:
        source = title_case(journal.rstrip("."))
        if r["volume"]:
            source += f", {r['volume']}" + (f"({r['issue']})" if r["issue"] else "")
        if r["pages"]:
            source += f", {_full_pages(r['pages'], chr(0x2013))}"
        if not (r["volume"] or r["issue"] or r["pages"]):
            source += ". Advance online publication"
        parts.append(source + ".")
    if r["doi"]:
        parts.append(f"https://doi.org/{r['doi']}")
    return " ".join([p for p in parts if p] + _apa_flags(facts))


def _nlm_date(iso: str | None, year: Any = None) -> str:
    """NLM date "2022 Aug 1" from an ISO date as precise as known."""
    y, m, d = date_parts(iso)
    if not y:
        return str(year or "")
    return " ".join(str(p) for p in (y, MONTHS[m - 1][:3] if m else None, d if m else None) if p)


def cite_vancouver(record: Mapping) -> str:
    """Vancouver (NLM Citing Medicine) reference, as PubMed's "Cite" gives it."""
    r = normalise(record)
    return _vancouver(r, _facts(r))


def _vancouver(r: dict, facts: _Facts) -> str:
    parts = []
    names = facts.compact
    if names:
        parts.append(_end(", ".join(names[:6]) + (", et al" if len(names) > 6 else "")))
    if r["title"]:
        parts.append(_end(r["title"]))
    if facts.journal:
        parts.append(_end(facts.journal))
    vip = _volume_issue_pages(r["volume"], r["issue"], _short_pages(r["pages"]))
    ahead = not vip and bool(r.get("epub_date"))
    date = _nlm_date(r.get("epub_date") if ahead else r.get("pub_date"), r.get("pub_year"))
    if date or vip:
        parts.append(";".join(p for p in (date, vip) if p) + ".")
    if r["doi"]:
        parts.append(f"doi: {r['doi']}.")
    if ahead:
        parts.append("Epub ahead of print.")
    parts += _flag_elements(facts, NLM_PHRASES)
    ids = [f"PMID: {r['pmid']}"] if r.get("pmid") else []
    ids += [f"PMCID: {r['pmcid']}"] if r["pmcid"] else []
    if ids:
        parts.append("; ".join(ids) + ".")
    return " ".join(parts)


def citations(record: Mapping) -> dict[str, str]:
    """The studies columns citation (AMA), citation_apa and citation_vancouver, in one pass."""
    r = normalise(record)
    facts = _facts(r)
    return {
        "citation": _ama(r, facts),
        "citation_apa": _apa(r, facts),
        "citation_vancouver": _vancouver(r, facts),
    }
