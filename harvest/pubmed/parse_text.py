"""Text, dates and PMIDs of PubMed XML elements: the small pure readers the record parser uses."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

MONTHS = {
    m: i
    for i, m in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}
SEASONS = {"spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12}
# Inline markup whose boundaries are word boundaries when NCBI dropped the spaces around it.
WORD_TAGS = {"i", "b", "u", "em", "strong"}
WS = re.compile(r"\s+")
PMID_MAX = 2**63 - 1  # SQLite's INTEGER
PMID_TEXT = re.compile(r"[+-]?\d+")


def check_pmid(text: str | None) -> int:
    """The PMID in `text` as an int; ValueError saying why when it cannot be a catalog key."""
    value = (text or "").strip()
    if not value:
        raise ValueError("no PMID")
    if not PMID_TEXT.fullmatch(value):
        raise ValueError(f"PMID {value[:40]!r} is not a number")
    number = int(value)
    if number <= 0:
        raise ValueError(f"PMID {value[:40]} is not a positive number")
    if number > PMID_MAX:
        raise ValueError(f"PMID {value[:40]} is larger than a catalog key can be (2**63-1)")
    return number


def _ref_pmid(text: str | None) -> int | None:
    """A referenced PMID (comments, corrections), or None when it is not a usable one."""
    try:
        return check_pmid(text)
    except ValueError:
        return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].split(":")[-1]


def _render(node: ET.Element) -> str:
    out = node.text or ""
    for child in node:
        spaced = _local(child.tag) in WORD_TAGS
        for piece in (_render(child), child.tail or ""):
            if spaced and out[-1:].isalnum() and piece[:1].isalnum():
                out += " "
            out += piece
    return out


def text_of(elem: ET.Element | None) -> str | None:
    """Text of an element with inline markup (i, b, sup, MathML ...) removed, spacing kept."""
    if elem is None:
        return None
    text = _render(elem) if len(elem) else elem.text
    if not text:
        return None
    return " ".join(text.split()) or None


def _find(elem: ET.Element | None, path: str) -> ET.Element | None:
    """`_find(elem, "A/B")` through C-level single-tag finds (ElementPath is slow)."""
    for tag in path.split("/"):
        if elem is None:
            return None
        elem = elem.find(tag)
    return elem


def _findall(elem: ET.Element | None, path: str) -> list[ET.Element]:
    """`_findall(elem, "A/B")` through C-level single-tag finds."""
    if elem is None:
        return []
    outer, _, inner = path.partition("/")
    if not inner:
        return elem.findall(outer)
    return [found for parent in elem.findall(outer) for found in _findall(parent, inner)]


def _t(elem: ET.Element | None, path: str) -> str | None:
    """`text_of(_find(elem, path))`, with the common case (a plain child, no markup) inline."""
    if elem is None:
        return None
    return child_text(_find(elem, path) if "/" in path else elem.find(path))


def child_text(found: ET.Element | None) -> str | None:
    """`text_of(found)` for a found child, the common case (no markup) inline."""
    if found is None:
        return None
    if len(found):
        return text_of(found)
    text = found.text
    return (" ".join(text.split()) or None) if text else None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _month(value: str | None) -> int | None:
    if not value:
        return None
    value = value.strip().lower()
    if value.isdigit():
        number = int(value)
        return number if 1 <= number <= 12 else None
    return MONTHS.get(value[:3])


def iso_date(year: int | None, month: int | None = None, day: int | None = None) -> str | None:
    """ISO date as precise as known: YYYY, YYYY-MM or YYYY-MM-DD."""
    if not year:
        return None
    if not month:
        return f"{year:04d}"
    if not day:
        return f"{year:04d}-{month:02d}"
    return f"{year:04d}-{month:02d}-{day:02d}"


def parse_free_date(text: str | None) -> tuple[int | None, str | None]:
    """Year and ISO date from free text such as '1998 Mar-Apr', '2000 Spring', '2021 Jan 5'."""
    if not text:
        return None, None
    match = re.search(r"\b(1[6-9]\d\d|2\d\d\d)\b", text)
    if not match:
        return None, None
    year = int(match.group(1))
    rest = text[match.end() :].strip().lower()
    words = re.findall(r"[a-z]+|\d+", rest)
    month = day = None
    if words:
        first = words[0]
        month = _month(first) if not first.isdigit() else None
        if month is None and first in SEASONS:
            return year, iso_date(year)
        if month and len(words) > 1 and words[1].isdigit() and "-" not in rest.split()[0]:
            day = _int(words[1])
            if day and not 1 <= day <= 31:
                day = None
    return year, iso_date(year, month, day)


def _date_elem(elem: ET.Element | None) -> str | None:
    if elem is None:
        return None
    year = _int(_t(elem, "Year"))
    return iso_date(year, _month(_t(elem, "Month")), _int(_t(elem, "Day")))


def parse_pub_date(pub_date: ET.Element | None) -> tuple[int | None, str | None, str | None]:
    """(pub_year, pub_date ISO, pub_date_text) from a PubDate element."""
    if pub_date is None:
        return None, None, None
    medline = _t(pub_date, "MedlineDate")
    if medline:
        year, iso = parse_free_date(medline)
        return year, iso, medline
    year = _int(_t(pub_date, "Year"))
    month_text, day_text, season = (
        _t(pub_date, "Month"),
        _t(pub_date, "Day"),
        _t(pub_date, "Season"),
    )
    printed = " ".join(p for p in (str(year) if year else None, month_text, day_text, season) if p)
    return year, iso_date(year, _month(month_text), _int(day_text)), printed or None
