"""Citations (AMA, APA, Vancouver) and exports (RIS, BibTeX) for studies; pure functions."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

MONTHS = [
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
]  # fmt: skip
MINOR_WORDS = {"a", "an", "and", "as", "at", "by", "de", "der", "des", "du", "et", "for", "from",
               "in", "la", "le", "of", "on", "or", "the", "to", "und", "with"}  # fmt: skip
PAGES = re.compile(r"([A-Za-z]*)(\d+)\s*[-\u2013]\s*([A-Za-z]*)(\d+)")
# Letters that Unicode does not decompose into an ASCII base letter.
TRANSLITERATE = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "Ae",
                               "ß": "ss", "đ": "d", "Đ": "D", "þ": "th", "œ": "oe"})  # fmt: skip
PAGE = re.compile(r"([A-Za-z]*)(\d+)")


def _json_list(value: Any) -> list:
    """Decode a JSON array column (or pass a list through); anything else is []."""
    if isinstance(value, list):
        return value
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            decoded = json.loads(value)
        except ValueError:
            return []
        return decoded if isinstance(decoded, list) else []
    return []


def _names(items: list) -> list[str]:
    """Names from a list of strings or of {"name": ...} dicts."""
    return [i["name"] if isinstance(i, dict) else str(i) for i in items if i]


def _authors(record: Mapping) -> list[dict]:
    """Author dicts from a record (`authors` list) or a studies row (`author_list` JSON)."""
    keys = record.keys()
    value = record["author_list"] if "author_list" in keys else None
    if value is None and "authors" in keys:
        value = record["authors"]
    if isinstance(value, str) and not value.strip().startswith("["):
        # Only the display string "Smith JA, Doe J" is there: keep each name as written.
        return [{"collective_name": name.strip()} for name in value.split(",") if name.strip()]
    return [a for a in _json_list(value) if isinstance(a, dict)]


def normalise(record: Mapping) -> dict:
    """A plain dict with decoded lists, from a record dict or a studies row."""
    r = {key: record[key] for key in record.keys()}
    r["authors"] = _authors(record)
    r["keywords"] = [str(k) for k in _json_list(r.get("keywords"))]
    mesh = r.get("mesh_terms") if r.get("mesh_terms") is not None else r.get("mesh")
    r["mesh_terms"] = _names(_json_list(mesh))
    r["publication_types"] = _names(_json_list(r.get("publication_types")))
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


def _date_parts(iso: str | None) -> tuple[int | None, int | None, int | None]:
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


def _iso_journal(r: Mapping) -> str | None:
    """The NLM journal abbreviation without periods ("J. Magn. Reson." -> "J Magn Reson")."""
    iso = r.get("journal_iso") or r.get("medline_ta") or r.get("journal")
    return re.sub(r"\.(\s|$)", r"\1", iso).strip() if iso else None


def _title_case(text: str) -> str:
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
    return _ama(normalise(record))


def _ama(r: dict) -> str:
    parts = []
    names = [_name_compact(a) for a in r["authors"]]
    if names:
        parts.append(
            _end(", ".join(names) if len(names) <= 6 else ", ".join(names[:3]) + ", et al")
        )
    if r["title"]:
        parts.append(_end(r["title"]))
    if _iso_journal(r):
        parts.append(_end(_iso_journal(r)))
    vip = _volume_issue_pages(r["volume"], r["issue"], _full_pages(r["pages"]))
    year, month, day = _date_parts(r.get("epub_date"))
    if not vip and year and month and day:
        parts.append(f"Published online {MONTHS[month - 1]} {day}, {year}.")
    elif r.get("pub_year") or vip:
        parts.append(";".join(str(p) for p in (r.get("pub_year"), vip) if p) + ".")
    if r["doi"]:
        parts.append(f"doi:{r['doi']}")
    return " ".join(parts)


def _apa_authors(names: list[str]) -> str:
    """APA 7 author list: all up to 20 with "&", else first 19, an ellipsis and the last."""
    if len(names) > 20:
        return ", ".join(names[:19]) + ", . . . " + names[-1]
    if len(names) > 1:
        return ", ".join(names[:-1]) + ", & " + names[-1]
    return names[0]


def cite_apa(record: Mapping) -> str:
    """APA 7th edition reference."""
    return _apa(normalise(record))


def _apa(r: dict) -> str:
    parts = []
    names = [_name_apa(a) for a in r["authors"]]
    year = f"({r['pub_year']})." if r.get("pub_year") else "(n.d.)."
    if names:
        parts += [_end(_apa_authors(names)), year, _end(r["title"]) if r["title"] else ""]
    else:
        parts += [_end(r["title"]) if r["title"] else "", year]
    journal = r["journal"] or r["journal_iso"]
    if journal:
        source = _title_case(journal.rstrip("."))
        if r["volume"]:
            source += f", {r['volume']}" + (f"({r['issue']})" if r["issue"] else "")
        if r["pages"]:
            source += f", {_full_pages(r['pages'], chr(0x2013))}"
        if not (r["volume"] or r["issue"] or r["pages"]):
            source += ". Advance online publication"
        parts.append(source + ".")
    if r["doi"]:
        parts.append(f"https://doi.org/{r['doi']}")
    return " ".join(p for p in parts if p)


def _nlm_date(iso: str | None, year: Any = None) -> str:
    """NLM date "2022 Aug 1" from an ISO date as precise as known."""
    y, m, d = _date_parts(iso)
    if not y:
        return str(year or "")
    return " ".join(str(p) for p in (y, MONTHS[m - 1][:3] if m else None, d if m else None) if p)


def cite_vancouver(record: Mapping) -> str:
    """Vancouver (NLM Citing Medicine) reference, as PubMed's "Cite" gives it."""
    return _vancouver(normalise(record))


def _vancouver(r: dict) -> str:
    parts = []
    names = [_name_compact(a) for a in r["authors"]]
    if names:
        parts.append(_end(", ".join(names[:6]) + (", et al" if len(names) > 6 else "")))
    if r["title"]:
        parts.append(_end(r["title"]))
    if _iso_journal(r):
        parts.append(_end(_iso_journal(r)))
    vip = _volume_issue_pages(r["volume"], r["issue"], _short_pages(r["pages"]))
    ahead = not vip and bool(r.get("epub_date"))
    date = _nlm_date(r.get("epub_date") if ahead else r.get("pub_date"), r.get("pub_year"))
    if date or vip:
        parts.append(";".join(p for p in (date, vip) if p) + ".")
    if r["doi"]:
        parts.append(f"doi: {r['doi']}.")
    if ahead:
        parts.append("Epub ahead of print.")
    ids = [f"PMID: {r['pmid']}"] if r.get("pmid") else []
    ids += [f"PMCID: {r['pmcid']}"] if r["pmcid"] else []
    if ids:
        parts.append("; ".join(ids) + ".")
    return " ".join(parts)


def citations(record: Mapping) -> dict[str, str]:
    """The studies columns citation (AMA), citation_apa and citation_vancouver, in one pass."""
    r = normalise(record)
    return {"citation": _ama(r), "citation_apa": _apa(r), "citation_vancouver": _vancouver(r)}


def _ris_name(author: Mapping) -> str:
    """RIS "Last, First, Suffix" (collective names as they are)."""
    if author.get("collective_name"):
        return author["collective_name"]
    first = author.get("fore_name") or author.get("initials")
    return ", ".join(p for p in (author.get("last_name"), first, author.get("suffix")) if p)


def _one_line(value: Any) -> str:
    """A value on one line, whitespace collapsed."""
    return " ".join(str(value).split())


def ris_record(row: Mapping) -> str:
    """One RIS reference (TY .. ER) for a study."""
    r = normalise(row)
    first, last = page_range(r["pages"])
    y, m, d = _date_parts(r.get("pub_date"))
    date = "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate((y, m, d)) if p)
    lines: list[tuple[str, Any]] = [("TY", "BOOK" if r.get("record_type") == "book" else "JOUR")]
    lines += [("TI", r["title"])] + [("AU", _ris_name(a)) for a in r["authors"]]
    journal = _title_case(r["journal"]) if r["journal"] else None
    lines += [("PY", r.get("pub_year")), ("DA", date), ("T2", journal)]
    lines += [("J2", _iso_journal(r)), ("VL", r["volume"]), ("IS", r["issue"])]
    lines += [("SP", first), ("EP", last), ("SN", r.get("issn")), ("DO", r["doi"])]
    lines += [("AN", r.get("pmid")), ("C2", r["pmcid"]), ("LA", r.get("language"))]
    pmid = r.get("pmid")
    lines += [("UR", f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None)]
    lines += [("AB", r.get("abstract"))]
    keywords = dict.fromkeys(r["keywords"] + r["mesh_terms"])
    lines += [("KW", k) for k in keywords]
    if r.get("retracted"):
        lines.append(("N1", "RETRACTED: this study has been retracted."))
    body = [f"{tag}  - {_one_line(value)}" for tag, value in lines if value not in (None, "")]
    return "\n".join(body + ["ER  - "]) + "\n"


def to_ris(rows: Iterable[Mapping]) -> str:
    """RIS (Zotero, EndNote) for studies rows or records."""
    return "\n".join(ris_record(row) for row in rows)


def _ascii_word(text: str) -> str:
    """Lower-case ASCII letters of the first word of a name."""
    text = text.translate(TRANSLITERATE)
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z]+", folded)
    return words[0].lower() if words else ""


def bibtex_key(row: Mapping) -> str:
    """Stable key: first author's surname + year + "_" + PMID ("smith2022_12345678")."""
    r = normalise(row)
    first = r["authors"][0] if r["authors"] else {}
    surname = _ascii_word(first.get("last_name") or first.get("collective_name") or "") or "anon"
    return f"{surname}{r.get('pub_year') or 'nd'}_{r.get('pmid')}"


_BIBTEX_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%",
                   "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}",
                   "^": r"\textasciicircum{}"}  # fmt: skip


def bibtex_escape(value: Any) -> str:
    """A value made safe inside BibTeX braces (LaTeX specials escaped, one line)."""
    return "".join(_BIBTEX_ESCAPES.get(c, c) for c in _one_line(value))


def _bibtex_name(author: Mapping) -> str:
    """BibTeX "Last, Jr, First" (collective names braced so they stay whole)."""
    if author.get("collective_name"):
        return "{" + bibtex_escape(author["collective_name"]) + "}"
    first = author.get("fore_name") or author.get("initials")
    parts = (author.get("last_name"), author.get("suffix"), first)
    return ", ".join(bibtex_escape(p) for p in parts if p)


def bibtex_record(row: Mapping) -> str:
    """One @article entry for a study."""
    r = normalise(row)
    pmid = r.get("pmid")
    fields = [
        ("author", " and ".join(_bibtex_name(a) for a in r["authors"]) or None),
        ("title", "{" + bibtex_escape(r["title"]) + "}" if r["title"] else None),
        ("journal", bibtex_escape(_title_case(r["journal"] or r["journal_iso"] or "")) or None),
        ("year", r.get("pub_year")),
        ("volume", r["volume"]),
        ("number", r["issue"]),
        ("pages", _full_pages(r["pages"], "--")),
        ("doi", r["doi"]),
        ("pmid", pmid),
        ("pmcid", r["pmcid"]),
        ("url", f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None),
        ("keywords", ", ".join(bibtex_escape(k) for k in r["keywords"]) or None),
        ("abstract", bibtex_escape(r["abstract"]) if r.get("abstract") else None),
        ("note", "Retracted publication" if r.get("retracted") else None),
    ]
    body = ",\n".join(
        f"  {name} = {{{value}}}" for name, value in fields if value not in (None, "")
    )
    return f"@article{{{bibtex_key(r)},\n{body}\n}}\n"


def to_bibtex(rows: Iterable[Mapping]) -> str:
    """BibTeX entries for studies rows or records."""
    return "\n".join(bibtex_record(row) for row in rows)
