"""One `PubmedArticle` or `PubmedBookArticle` element -> a normalised study record."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from harvest.pubmed.parse_text import (
    _date_elem,
    _find,
    _findall,
    _int,
    _ref_pmid,
    _t,
    check_pmid,
    child_text,
    parse_pub_date,
    text_of,
)
from harvest.record import new_record


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


# An author's name elements and the record fields they fill.
AUTHOR_NAMES = (
    ("LastName", "last_name"),
    ("ForeName", "fore_name"),
    ("Initials", "initials"),
    ("Suffix", "suffix"),
    ("CollectiveName", "collective_name"),
)


def parse_authors(author_list: ET.Element | None) -> list[dict]:
    """Authors (not editors) in order; invalid entries (ValidYN=N) skipped."""
    if author_list is None or author_list.get("Type", "authors") != "authors":
        return []
    authors = []
    for author in author_list.findall("Author"):
        if author.get("ValidYN", "Y") == "N":
            continue
        orcid = None
        first: dict = {}  # each tag's first child, as find() gives it: one pass over them
        for child in author:
            tag = child.tag
            if tag == "Identifier":
                if (child.get("Source") or "").upper() == "ORCID" and child.text:
                    orcid = child.text.strip().rsplit("/", 1)[-1]
            elif tag not in first:
                first[tag] = child
        entry = {field: child_text(first.get(tag)) for tag, field in AUTHOR_NAMES}
        entry["orcid"] = orcid
        entry["affiliation"] = _t(first.get("AffiliationInfo"), "Affiliation")
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
        label = text_of(name)  # None for a missing or empty name
        if not label:
            continue
        qualifiers = [
            {"ui": q.get("UI"), "name": text_of(q), "major": q.get("MajorTopicYN") == "Y"}
            for q in heading.findall("QualifierName")
        ]
        major = name.get("MajorTopicYN") == "Y" or any(q["major"] for q in qualifiers)
        headings.append(
            {"ui": name.get("UI"), "name": label, "major": major, "qualifiers": qualifiers}
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
