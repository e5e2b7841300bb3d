"""Reference exports of studies: RIS, BibTeX and CSL-JSON, streamed one record at a time.

Every entry carries its study's flags (retracted, expression of concern, erratum) in a note and
a keyword; a notice record (a retraction, erratum or expression of concern) says which study it
concerns. `stream_export(rows, fmt)` yields text chunks, so a file of any size is written in
bounded memory.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from harvest.citing.appraisal import appraisal_line
from harvest.citing.flags import (
    FLAG_LABELS,
    NOTICE_LABELS,
    flag_notes,
    is_notice,
    notice_kind,
    notice_targets,
    study_flags,
)
from harvest.citing.styles import date_parts, iso_journal, normalise, page_range, title_case
from harvest.errors import HarvestError

# fmt -> (content type, file extension, columns a selection must have)
FORMATS = {
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "bib": ("application/x-bibtex; charset=utf-8", "bib"),
    "csljson": ("application/vnd.citationstyles.csl+json; charset=utf-8", "json"),
}
EXPORT_COLUMNS = ("pmid", "title", "author_list", "journal", "pub_year")
# Letters that Unicode does not decompose into an ASCII base letter.
TRANSLITERATE = str.maketrans({"ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "Æ": "Ae",
                               "ß": "ss", "đ": "d", "Đ": "D", "þ": "th", "œ": "oe"})  # fmt: skip


def _one_line(value: Any) -> str:
    """A value on one line, whitespace collapsed."""
    return " ".join(str(value).split())


def _pubmed(pmid: Any) -> str | None:
    """The PubMed address of a PMID."""
    return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else None


def notice_notes(r: Mapping) -> list[str]:
    """For a notice record: "Retraction notice for PMID n (Source); not evidence"."""
    kind = notice_kind(r)
    if kind is None:
        return []
    targets = notice_targets(r) or [{"kind": kind, "source": None, "pmid": None}]
    notes = []
    for t in targets:
        about = " ".join(p for p in (f"PMID {t['pmid']}" if t["pmid"] else None,
                                     f"({t['source']})" if t["source"] else None) if p)  # fmt: skip
        notes.append(f"{NOTICE_LABELS[t['kind']]} for {about or 'another study'}; not evidence")
    return notes


def export_notes(r: Mapping, row: Mapping | None = None) -> list[str]:
    """The notes an exported entry carries: its flags and notices, or what it is a notice of,
    then the clinician's one-liner of the study (design, n, comparator, dose, harms, funding)."""
    appraisal = appraisal_line(row) if row is not None and not is_notice(r) else ""
    return flag_notes(r) + notice_notes(r) + ([f"Study: {appraisal}"] if appraisal else [])


def export_keywords(r: Mapping) -> list[str]:
    """Flag keywords ("Retracted", ...) first, then a notice's kind, then the study's keywords."""
    flags = [FLAG_LABELS[f] for f in study_flags(r)]
    kind = notice_kind(r)
    return list(dict.fromkeys(flags + ([NOTICE_LABELS[kind]] if kind else []) + r["keywords"]))


# --- RIS --------------------------------------------------------------------------------------


def _ris_name(author: Mapping) -> str:
    """RIS "Last, First, Suffix" (collective names as they are)."""
    if author.get("collective_name"):
        return author["collective_name"]
    first = author.get("fore_name") or author.get("initials")
    return ", ".join(p for p in (author.get("last_name"), first, author.get("suffix")) if p)


def ris_record(row: Mapping) -> str:
    """One RIS reference (TY .. ER) for a study, its flags in N1 notes and KW keywords."""
    r = normalise(row)
    first, last = page_range(r["pages"])
    y, m, d = date_parts(r.get("pub_date"))
    date = "/".join(f"{p:02d}" if i else str(p) for i, p in enumerate((y, m, d)) if p)
    lines: list[tuple[str, Any]] = [("TY", "BOOK" if r.get("record_type") == "book" else "JOUR")]
    lines += [("TI", r["title"])] + [("AU", _ris_name(a)) for a in r["authors"]]
    journal = title_case(r["journal"]) if r["journal"] else None
    lines += [("PY", r.get("pub_year")), ("DA", date), ("T2", journal)]
    lines += [("J2", iso_journal(r)), ("VL", r["volume"]), ("IS", r["issue"])]
    lines += [("SP", first), ("EP", last), ("SN", r.get("issn")), ("DO", r["doi"])]
    lines += [("AN", r.get("pmid")), ("C2", r["pmcid"]), ("LA", r.get("language"))]
    lines += [("UR", _pubmed(r.get("pmid"))), ("AB", r.get("abstract"))]
    keywords = dict.fromkeys(export_keywords(r) + r["mesh_terms"])
    lines += [("KW", k) for k in keywords]
    lines += [("N1", note) for note in export_notes(r, row)]
    body = [f"{tag}  - {_one_line(value)}" for tag, value in lines if value not in (None, "")]
    return "\n".join(body + ["ER  - "]) + "\n"


# --- BibTeX -----------------------------------------------------------------------------------


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
    year = re.sub(r"\D", "", str(r.get("pub_year") or "")) or "nd"
    pmid = re.sub(r"\D", "", str(r.get("pmid") or "")) or "0"
    return f"{surname}{year}_{pmid}"


# Braces become \textbraceleft{} / \textbraceright{}: a lone "}" escaped as "\}" still closes
# the field for BibTeX, which counts braces whatever precedes them.
_BIBTEX_ESCAPES = {"\\": r"\textbackslash{}", "{": r"\textbraceleft{}",
                   "}": r"\textbraceright{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                   "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}  # fmt: skip
_VERBATIM_ESCAPES = {"\\": "%5C", "{": "%7B", "}": "%7D", " ": "%20"}


def bibtex_escape(value: Any) -> str:
    """A value made safe inside BibTeX braces (LaTeX specials escaped, one line)."""
    return "".join(_BIBTEX_ESCAPES.get(c, c) for c in _one_line(value))


def bibtex_verbatim(value: Any) -> str:
    """A DOI or URL kept as written except braces, backslashes and spaces, percent-encoded."""
    return "".join(_VERBATIM_ESCAPES.get(c, c) for c in _one_line(value))


def _bibtex_name(author: Mapping) -> str:
    """BibTeX "Last, Jr, First" (collective names braced so they stay whole)."""
    if author.get("collective_name"):
        return "{" + bibtex_escape(author["collective_name"]) + "}"
    first = author.get("fore_name") or author.get("initials")
    parts = (author.get("last_name"), author.get("suffix"), first)
    return ", ".join(bibtex_escape(p) for p in parts if p)


def bibtex_record(row: Mapping) -> str:
    """One @article entry for a study; every field escaped, flags in note and keywords."""
    r = normalise(row)
    pmid = r.get("pmid")
    first, last = page_range(r["pages"])
    pages = f"{first}--{last}" if last else first
    text = {
        "journal": title_case(r["journal"] or r["journal_iso"] or "") or None,
        "year": r.get("pub_year"),
        "volume": r["volume"],
        "number": r["issue"],
        "pages": pages,
    }
    fields = [
        ("author", " and ".join(_bibtex_name(a) for a in r["authors"]) or None),
        ("title", "{" + bibtex_escape(r["title"]) + "}" if r["title"] else None),
    ]
    fields += [(k, bibtex_escape(v) if v not in (None, "") else None) for k, v in text.items()]
    fields += [
        ("doi", bibtex_verbatim(r["doi"]) if r["doi"] else None),
        ("pmid", bibtex_escape(pmid) if pmid else None),
        ("pmcid", bibtex_escape(r["pmcid"]) if r["pmcid"] else None),
        ("url", bibtex_verbatim(_pubmed(pmid)) if pmid else None),
        ("keywords", ", ".join(bibtex_escape(k) for k in export_keywords(r)) or None),
        ("abstract", bibtex_escape(r["abstract"]) if r.get("abstract") else None),
        ("note", bibtex_escape(". ".join(export_notes(r, row))) or None),
    ]
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
    kind = "book" if r.get("record_type") == "book" else "article"
    return f"@{kind}{{{bibtex_key(r)},\n{body}\n}}\n"


# --- CSL-JSON ---------------------------------------------------------------------------------


def _csl_name(author: Mapping) -> dict:
    """CSL name: {"family", "given"[, "suffix"]} or {"literal"} for a collective name."""
    if author.get("collective_name") or not author.get("last_name"):
        return {"literal": author.get("collective_name") or ""}
    name = {"family": author["last_name"]}
    given = author.get("fore_name") or author.get("initials")
    if given:
        name["given"] = given
    if author.get("suffix"):
        name["suffix"] = author["suffix"]
    return name


def csl_item(row: Mapping) -> dict:
    """One CSL-JSON item (Zotero, Pandoc, word-processor add-ins) with flags in note/keyword."""
    r = normalise(row)
    y, m, d = date_parts(r.get("pub_date"))
    year = y or (int(r["pub_year"]) if str(r.get("pub_year") or "").isdigit() else None)
    first, last = page_range(r["pages"])
    item: dict[str, Any] = {
        "id": bibtex_key(r),
        "type": "book" if r.get("record_type") == "book" else "article-journal",
        "title": r["title"] or "",
        "author": [_csl_name(a) for a in r["authors"]],
        "issued": {"date-parts": [[p for p in (year, m, d) if p]]} if year else {"literal": ""},
        "container-title": r["journal"] or r["journal_iso"] or "",
        "container-title-short": iso_journal(r),
        "volume": r["volume"],
        "issue": r["issue"],
        "page": f"{first}-{last}" if last else first,
        "DOI": r["doi"],
        "PMID": str(r["pmid"]) if r.get("pmid") else None,
        "PMCID": r["pmcid"],
        "URL": _pubmed(r.get("pmid")),
        "language": r.get("language"),
        "abstract": r.get("abstract"),
        "note": ". ".join(export_notes(r, row)) or None,
        "keyword": ", ".join(export_keywords(r)) or None,
    }
    required = ("id", "type", "title", "author", "issued", "container-title")
    return {k: v for k, v in item.items() if k in required or v not in (None, "", [])}


# --- streaming --------------------------------------------------------------------------------


def _csl_record(row: Mapping) -> str:
    """One CSL-JSON item as text."""
    return json.dumps(csl_item(row), ensure_ascii=False)


# fmt -> (before the first record, between records, after the last, one record's text)
FRAMES: dict[str, tuple[str, str, str, Callable[[Mapping], str]]] = {
    "ris": ("", "\n", "", ris_record),
    "bib": ("", "\n", "", bibtex_record),
    "csljson": ("[\n", ",\n", "\n]\n", _csl_record),
}


def export_frame(fmt: str) -> tuple[str, str, str, Callable[[Mapping], str]]:
    """(head, separator, tail, record builder) of a format, for writers that page their rows."""
    if fmt not in FRAMES:
        raise HarvestError(f"unknown export format {fmt!r}: use one of {', '.join(FRAMES)}")
    return FRAMES[fmt]


def stream_export(rows: Iterable[Mapping], fmt: str) -> Iterator[str]:
    """Text chunks of an export ("ris", "bib" or "csljson"), one record at a time."""
    head, separator, tail, build = export_frame(fmt)

    def chunks() -> Iterator[str]:
        yield head
        for i, row in enumerate(rows):
            yield (separator if i else "") + build(row)
        yield tail

    return chunks()


def to_ris(rows: Iterable[Mapping]) -> str:
    """RIS (Zotero, EndNote) for studies rows or records."""
    return "".join(stream_export(rows, "ris"))


def to_bibtex(rows: Iterable[Mapping]) -> str:
    """BibTeX entries for studies rows or records."""
    return "".join(stream_export(rows, "bib"))


def to_csl_json(rows: Iterable[Mapping]) -> str:
    """A CSL-JSON array for studies rows or records."""
    return "".join(stream_export(rows, "csljson"))


def export_filename(name: str | None, fmt: str) -> str:
    """A safe attachment file name ("studies.ris", "evidence.json")."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name or "catalog").strip("-.") or "catalog"
    return f"{stem}.{FORMATS[fmt][1]}"
