"""Parse PubMed XML (efetch output, baseline and update files) into normalised record dicts.

Streaming with ElementTree's iterparse: memory stays flat whatever the file size. Biopython's
`Entrez.parse` cannot stream a `PubmedArticleSet` and `Entrez.read` holds the whole document,
so it is used for MEDLINE text only (see `parse_medline.py`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from harvest.errors import FileFormatError
from harvest.record import new_record

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


@dataclass(frozen=True)
class Deleted:
    """A `DeleteCitation` entry: PubMed withdrew this PMID."""

    pmid: int


@dataclass(frozen=True)
class Malformed:
    """A record that could not be read; logged and counted, never silently dropped."""

    pmid: str | None
    reason: str


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
    return text_of(_find(elem, path)) if elem is not None else None


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


def parse_abstract(abstract: ET.Element | None) -> tuple[str | None, list[dict], str | None]:
    """(abstract text with 'LABEL: ' prefixes joined by newlines, sections, copyright)."""
    if abstract is None:
        return None, [], None
    sections = []
    for part in abstract.findall("AbstractText"):
        text = text_of(part)
        if not text:
            continue
        label = (part.get("Label") or "").strip() or None
        category = part.get("NlmCategory") or None
        sections.append({"label": label, "category": category, "text": text})
    joined = "\n".join(f"{s['label']}: {s['text']}" if s["label"] else s["text"] for s in sections)
    return joined or None, sections, _t(abstract, "CopyrightInformation")


def parse_authors(author_list: ET.Element | None) -> list[dict]:
    """Authors (not editors) in order; invalid entries (ValidYN=N) skipped."""
    if author_list is None or author_list.get("Type", "authors") != "authors":
        return []
    authors = []
    for author in author_list.findall("Author"):
        if author.get("ValidYN", "Y") == "N":
            continue
        orcid = None
        for ident in author.findall("Identifier"):
            if (ident.get("Source") or "").upper() == "ORCID" and ident.text:
                orcid = ident.text.strip().rsplit("/", 1)[-1]
        affiliation = _t(author, "AffiliationInfo/Affiliation")
        entry = {
            "last_name": _t(author, "LastName"),
            "fore_name": _t(author, "ForeName"),
            "initials": _t(author, "Initials"),
            "suffix": _t(author, "Suffix"),
            "collective_name": _t(author, "CollectiveName"),
            "orcid": orcid,
            "affiliation": affiliation,
        }
        if entry["last_name"] or entry["collective_name"]:
            authors.append(entry)
    return authors


def _ids(id_list: ET.Element | None) -> dict[str, str]:
    ids: dict[str, str] = {}
    if id_list is not None:
        for article_id in id_list.findall("ArticleId"):
            kind, value = article_id.get("IdType"), (article_id.text or "").strip()
            if kind and value and kind not in ids:
                ids[kind] = value
    return ids


def _mesh(citation: ET.Element) -> list[dict]:
    headings = []
    for heading in _findall(citation, "MeshHeadingList/MeshHeading"):
        name = heading.find("DescriptorName")
        if name is None or not text_of(name):
            continue
        qualifiers = [
            {"ui": q.get("UI"), "name": text_of(q), "major": q.get("MajorTopicYN") == "Y"}
            for q in heading.findall("QualifierName")
        ]
        major = name.get("MajorTopicYN") == "Y" or any(q["major"] for q in qualifiers)
        headings.append(
            {"ui": name.get("UI"), "name": text_of(name), "major": major, "qualifiers": qualifiers}
        )
    return headings


def _comments(citation: ET.Element) -> list[dict]:
    return [
        {
            "type": cc.get("RefType"),
            "source": _t(cc, "RefSource"),
            "pmid": _ref_pmid(_t(cc, "PMID")),
            "note": _t(cc, "Note"),
        }
        for cc in _findall(citation, "CommentsCorrectionsList/CommentsCorrections")
        if cc.get("RefType") != "Cites"
    ]


def _history(pubmed_data: ET.Element | None) -> dict[str, str]:
    history: dict[str, str] = {}
    if pubmed_data is not None:
        for date in _findall(pubmed_data, "History/PubMedPubDate"):
            status = date.get("PubStatus")
            if status and status not in history:
                history[status] = _date_elem(date)
    return history


def _common(record: dict, languages: ET.Element, keywords: ET.Element) -> None:
    """Languages and keywords, which articles and books keep in different places."""
    record["languages"] = [t for t in (text_of(x) for x in languages.findall("Language")) if t]
    record["language"] = record["languages"][0] if record["languages"] else None
    record["keywords"] = [
        t for t in (text_of(k) for k in _findall(keywords, "KeywordList/Keyword")) if t
    ]


def parse_article(elem: ET.Element) -> dict:
    """One `PubmedArticle` element -> normalised record dict."""
    citation = elem.find("MedlineCitation")
    if citation is None:
        raise ValueError("no MedlineCitation")
    pmid_elem = citation.find("PMID")
    pmid = check_pmid(text_of(pmid_elem))
    article = citation.find("Article")
    if article is None:
        raise ValueError("no Article")
    journal = article.find("Journal")
    pub_year, pub_date, pub_date_text = parse_pub_date(
        _find(journal, "JournalIssue/PubDate") if journal is not None else None
    )
    abstract, sections, copyright_ = parse_abstract(article.find("Abstract"))
    pubmed_data = elem.find("PubmedData")
    ids = _ids(pubmed_data.find("ArticleIdList") if pubmed_data is not None else None)
    doi = None
    for loc in article.findall("ELocationID"):
        if loc.get("EIdType") == "doi" and loc.get("ValidYN", "Y") == "Y" and text_of(loc):
            doi = text_of(loc)
            break
    doi = doi or ids.get("doi")
    pii = ids.get("pii") or next(
        (text_of(x) for x in article.findall("ELocationID") if x.get("EIdType") == "pii"), None
    )
    epub = next(
        (
            _date_elem(d)
            for d in article.findall("ArticleDate")
            if d.get("DateType", "Electronic") == "Electronic"
        ),
        None,
    )
    history = _history(pubmed_data)
    info = citation.find("MedlineJournalInfo")
    record = new_record(
        pmid,
        source="xml",
        pmid_version=_int(pmid_elem.get("Version")) or 1,
        record_type="article",
        title=_t(article, "ArticleTitle"),
        vernacular_title=_t(article, "VernacularTitle"),
        abstract=abstract,
        abstract_sections=sections,
        copyright=copyright_,
        journal=_t(journal, "Title"),
        journal_iso=_t(journal, "ISOAbbreviation"),
        issn=_t(journal, "ISSN"),
        nlm_unique_id=_t(info, "NlmUniqueID"),
        medline_ta=_t(info, "MedlineTA"),
        volume=_t(journal, "JournalIssue/Volume"),
        issue=_t(journal, "JournalIssue/Issue"),
        pages=_t(article, "Pagination/MedlinePgn")
        or _pages(_t(article, "Pagination/StartPage"), _t(article, "Pagination/EndPage")),
        pub_year=pub_year,
        pub_date=pub_date,
        pub_date_text=pub_date_text,
        epub_date=epub,
        doi=doi,
        pmcid=ids.get("pmc"),
        pii=pii,
        authors=parse_authors(article.find("AuthorList")),
        publication_types=[
            {"ui": pt.get("UI"), "name": text_of(pt)}
            for pt in _findall(article, "PublicationTypeList/PublicationType")
            if text_of(pt)
        ],
        mesh=_mesh(citation),
        chemicals=[
            {
                "ui": c.find("NameOfSubstance").get("UI"),
                "name": _t(c, "NameOfSubstance"),
                "registry_number": _t(c, "RegistryNumber"),
            }
            for c in _findall(citation, "ChemicalList/Chemical")
            if c.find("NameOfSubstance") is not None
        ],
        comments_corrections=_comments(citation),
        databanks=[
            {"name": _t(bank, "DataBankName"), "accession": text_of(acc)}
            for bank in _findall(article, "DataBankList/DataBank")
            for acc in _findall(bank, "AccessionNumberList/AccessionNumber")
        ],
        coi_statement=_t(citation, "CoiStatement"),
        grants=[
            {
                "id": _t(g, "GrantID"),
                "acronym": _t(g, "Acronym"),
                "agency": _t(g, "Agency"),
                "country": _t(g, "Country"),
            }
            for g in _findall(article, "GrantList/Grant")
        ],
        status=citation.get("Status"),
        owner=citation.get("Owner"),
        publication_status=_t(pubmed_data, "PublicationStatus"),
        history=history,
        entrez_date=history.get("entrez") or history.get("pubmed"),
        date_revised=_date_elem(citation.find("DateRevised")),
        date_completed=_date_elem(citation.find("DateCompleted")),
    )
    _common(record, article, citation)
    return record


def _pages(start: str | None, end: str | None) -> str | None:
    if start and end:
        return f"{start}-{end}"
    return start


def parse_book(elem: ET.Element) -> dict:
    """One `PubmedBookArticle` element -> normalised record dict (book or chapter)."""
    doc = elem.find("BookDocument")
    if doc is None:
        raise ValueError("no BookDocument")
    pmid_elem = doc.find("PMID")
    pmid = check_pmid(text_of(pmid_elem))
    book = doc.find("Book")
    pub_year, pub_date, pub_date_text = parse_pub_date(
        book.find("PubDate") if book is not None else None
    )
    abstract, sections, copyright_ = parse_abstract(doc.find("Abstract"))
    ids = _ids(doc.find("ArticleIdList"))
    book_data = elem.find("PubmedBookData")
    history = _history(book_data)
    authors = []
    for author_list in doc.findall("AuthorList"):
        authors.extend(parse_authors(author_list))
    title = _t(doc, "ArticleTitle") or _t(book, "BookTitle")
    record = new_record(
        pmid,
        source="xml",
        pmid_version=_int(pmid_elem.get("Version")) or 1,
        record_type="book",
        title=title,
        vernacular_title=_t(doc, "VernacularTitle"),
        abstract=abstract,
        abstract_sections=sections,
        copyright=copyright_,
        journal=_t(book, "BookTitle"),
        journal_iso=None,
        issn=None,
        nlm_unique_id=None,
        medline_ta=None,
        volume=_t(book, "Volume"),
        issue=None,
        pages=_t(doc, "Pagination/MedlinePgn"),
        pub_year=pub_year,
        pub_date=pub_date,
        pub_date_text=pub_date_text,
        epub_date=None,
        doi=ids.get("doi"),
        pmcid=ids.get("pmc"),
        pii=None,
        authors=authors,
        publication_types=[
            {"ui": pt.get("UI"), "name": text_of(pt)}
            for pt in doc.findall("PublicationType")
            if text_of(pt)
        ],
        mesh=[],
        chemicals=[],
        comments_corrections=[],
        databanks=[],
        coi_statement=None,
        grants=[
            {"id": _t(g, "GrantID"), "acronym": None, "agency": _t(g, "Agency"), "country": None}
            for g in _findall(doc, "GrantList/Grant")
        ],
        status=None,
        owner=None,
        publication_status=_t(book_data, "PublicationStatus"),
        history=history,
        entrez_date=history.get("entrez") or history.get("pubmed"),
        date_revised=_date_elem(doc.find("DateRevised")),
        date_completed=None,
        publisher=_t(book, "Publisher/PublisherName"),
    )
    _common(record, doc, doc)
    return record


PARSERS = {b"PubmedArticle": parse_article, b"PubmedBookArticle": parse_book}
TOP_LEVEL = re.compile(rb"<(PubmedArticle|PubmedBookArticle|DeleteCitation)[\s>]")
PMID_BYTES = re.compile(rb"<PMID[^>]*>([^<]{0,64})</PMID>")
ROOT_TAG = re.compile(rb"<([A-Za-z_][\w.:-]*)[\s>/]")
ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([\w.-]+)[\"']")
MATHML = b'<wrap xmlns:mml="http://www.w3.org/1998/Math/MathML">'
EMPTY_SET = re.compile(rb"<PubmedArticleSet[^>]*/>")
BLOCK = 1 << 22
# No real record comes near this; a record whose end tag is not found within it is broken, and
# the reader moves on to the next record start without holding more of the file.
MAX_RECORD = 1 << 25
BROKEN_HEAD = 1 << 16  # bytes of a broken record passed on, enough to name its PMID


def _root_tag(head: bytes) -> bytes | None:
    """The document element's name, skipping the XML declaration, DOCTYPE and comments."""
    body = re.sub(rb"<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(\[.*?\])?\s*>", b"", head, flags=re.S)
    match = ROOT_TAG.search(body)
    return match.group(1) if match else None


def _without_references(chunk: bytes) -> bytes:
    """Drop PubmedData's trailing ReferenceList(s): the catalog does not store cited works."""
    start = chunk.find(b"<ReferenceList")
    if start < 0:
        return chunk
    end = chunk.rfind(b"</ReferenceList>")
    if end < start:
        return chunk
    return chunk[:start] + chunk[end + len(b"</ReferenceList>") :]


def _element(chunk: bytes, declaration: bytes) -> ET.Element:
    chunk = _without_references(chunk)
    try:
        return ET.fromstring(declaration + chunk)
    except ET.ParseError as exc:
        if "unbound prefix" not in str(exc):
            raise
        return ET.fromstring(declaration + MATHML + chunk + b"</wrap>")[0]


def pubmed_chunks(stream: IO[bytes]) -> Iterator[tuple[bytes, bytes, bytes]]:
    """Yield (declaration, tag, bytes) for each top-level record of a PubmedArticleSet.

    Records are cut out at the byte level and parsed one by one with ElementTree's C parser:
    faster than iterparse's per-element events, memory bounded by one block, and one broken
    record cannot take the rest of the file with it.
    """
    buffer = stream.read(BLOCK)
    root = _root_tag(buffer)
    while root is None and len(buffer) < (1 << 20):
        more = stream.read(BLOCK)
        if not more:
            break
        buffer += more
        root = _root_tag(buffer)
    if root is None:
        raise FileFormatError("empty file or no XML found")
    if root != b"PubmedArticleSet":
        raise FileFormatError(
            f"not a PubMed XML file (root element <{root.decode(errors='replace')}>, "
            "expected <PubmedArticleSet>)"
        )
    encoding = ENCODING.match(buffer)
    declaration = b""
    if encoding and encoding.group(1).lower() not in (b"utf-8", b"utf8"):
        declaration = b'<?xml version="1.0" encoding="' + encoding.group(1) + b'"?>'
    pos, eof, closed = 0, False, False
    while True:
        match = TOP_LEVEL.search(buffer, pos)
        if match is None:
            if eof:
                break
            keep = max(pos, len(buffer) - 64)
            closed = closed or b"</PubmedArticleSet>" in buffer[pos:keep]
            more = stream.read(BLOCK)
            eof = not more
            buffer, pos = buffer[keep:] + more, 0
            continue
        tag, start = match.group(1), match.start()
        closing = b"</" + tag + b">"
        scan, ended = match.end(), False
        while True:
            end = buffer.find(closing, scan)
            following = TOP_LEVEL.search(buffer, scan, end if end >= 0 else len(buffer))
            if following is not None:  # the next record starts before this one ended
                cut = min(following.start(), start + BROKEN_HEAD)
                yield declaration, tag, buffer[start:cut]
                pos = following.start()
                break
            if end >= 0:
                pos = end + len(closing)
                yield declaration, tag, buffer[start:pos]
                break
            ended = ended or b"</PubmedArticleSet>" in buffer[scan:]  # the file ends in it
            if len(buffer) - start > MAX_RECORD or (eof and ended):  # resynchronise further on
                yield declaration, tag, buffer[start : start + BROKEN_HEAD]
                closed, pos = closed or ended, len(buffer) if eof else len(buffer) - 64
                break
            if eof:
                raise FileFormatError(
                    "truncated PubMed XML: the file ends inside a record or before "
                    "</PubmedArticleSet>"
                )
            more = stream.read(BLOCK)
            eof = not more
            scan = max(scan, len(buffer) - 64) - start
            buffer, start = buffer[start:] + more, 0
    tail = buffer[pos:]
    closed = closed or b"</PubmedArticleSet>" in tail or EMPTY_SET.search(buffer) is not None
    if not closed:
        raise FileFormatError(
            "truncated PubMed XML: the file ends inside a record or before </PubmedArticleSet>"
        )


def _pmid_text(chunk: bytes) -> str | None:
    """The first PMID's text in a record's bytes (for failures), or None."""
    found = PMID_BYTES.search(chunk)
    text = found.group(1).decode("utf-8", "replace").strip() if found else ""
    return text or None


def parse_chunk(declaration: bytes, tag: bytes, chunk: bytes) -> list[dict | Deleted | Malformed]:
    """Parse one top-level element cut out by `pubmed_chunks`; failures name their PMID."""
    name = tag.decode()
    if not chunk.rstrip().endswith(b"</" + tag + b">"):
        return [Malformed(_pmid_text(chunk), f"{name} without its closing tag")]
    try:
        elem = _element(chunk, declaration)
    except ET.ParseError as exc:
        return [Malformed(_pmid_text(chunk), f"malformed XML: {exc}")]
    if tag == b"DeleteCitation":
        return [_deleted(text_of(pmid)) for pmid in elem.findall("PMID")]
    try:
        return [PARSERS[tag](elem)]
    except (ValueError, AttributeError, TypeError) as exc:
        return [Malformed(_pmid_text(chunk), f"{name}: {exc}")]


def _deleted(text: str | None) -> Deleted | Malformed:
    try:
        return Deleted(check_pmid(text))
    except ValueError as exc:
        return Malformed(text, f"DeleteCitation: {exc}")


def parse_pubmed_xml(stream: IO[bytes]) -> Iterator[dict | Deleted | Malformed]:
    """Yield records, `Deleted` and `Malformed` items from a PubMed XML stream, in file order.

    Raises FileFormatError when the stream is not a PubmedArticleSet or ends mid-record.
    """
    for declaration, tag, chunk in pubmed_chunks(stream):
        yield from parse_chunk(declaration, tag, chunk)
