"""PubMed XML record builders for the E-utilities stand-in (2025 DTD element order, compact).

`make_article` / `make_book_article` return one `<PubmedArticle>` / `<PubmedBookArticle>` on a
single line, as EFetch emits them. Text is XML-escaped; wrap a string in `Markup` to insert inline
markup (`<i>`, `<sup>`, …) verbatim. `generate_corpus` builds many varied records quickly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any
from xml.sax.saxutils import escape

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DOCTYPE_PUBMED = (
    '<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    '"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">'
)
_CATEGORIES = {
    label: category
    for category, labels in {
        "BACKGROUND": ("BACKGROUND", "INTRODUCTION", "CONTEXT"),
        "OBJECTIVE": ("PURPOSE", "OBJECTIVE", "OBJECTIVES", "AIM", "AIMS"),
        "METHODS": (
            "METHODS",
            "DESIGN",
            "SETTING",
            "PARTICIPANTS",
            "INTERVENTIONS",
            "MEASUREMENTS",
        ),
        "RESULTS": ("RESULTS", "FINDINGS"),
        "CONCLUSIONS": ("CONCLUSIONS", "CONCLUSION", "INTERPRETATION"),
    }.items()
    for label in labels
}


class Markup(str):
    """A string inserted into the XML verbatim (inline markup such as `<i>P</i> &lt; 0.05`)."""


def esc(text: Any) -> str:
    """Escape text for XML character data unless it is `Markup`."""
    if isinstance(text, Markup):
        return text
    text = str(text)
    return escape(text) if ("&" in text or "<" in text or ">" in text) else text


def attr(text: Any) -> str:
    """Escape text for a double-quoted XML attribute value."""
    return escape(str(text), {'"': "&quot;"})


def _ymd(tag: str, d: date, padded: bool = True, extra: str = "", attrs: str = "") -> str:
    m, dd = (f"{d.month:02d}", f"{d.day:02d}") if padded else (str(d.month), str(d.day))
    return f"<{tag}{attrs}><Year>{d.year}</Year><Month>{m}</Month><Day>{dd}</Day>{extra}</{tag}>"


def _pubmed_date(status: str, d: date, minute: int = 0) -> str:
    extra = f"<Hour>6</Hour><Minute>{minute}</Minute>"
    return _ymd("PubMedPubDate", d, False, extra, f' PubStatus="{status}"')


def _pub_date(year: int, month: int | str | None, day: int | None, season: str | None,
              medline_date: str | None) -> str:  # fmt: skip
    if medline_date:
        return f"<PubDate><MedlineDate>{esc(medline_date)}</MedlineDate></PubDate>"
    parts = f"<Year>{year}</Year>"
    if season:
        parts += f"<Season>{esc(season)}</Season>"
    elif month is not None:
        name = MONTHS[month - 1] if isinstance(month, int) else month
        parts += f"<Month>{esc(name)}</Month>" + (f"<Day>{day:02d}</Day>" if day else "")
    return f"<PubDate>{parts}</PubDate>"


def _abstract(sections: Sequence[tuple] | None, copyright_: str | None) -> str:
    if not sections:
        return ""
    out = []
    for section in sections:
        label, text = section[0], section[-1]
        if label is None:
            out.append(f"<AbstractText>{esc(text)}</AbstractText>")
            continue
        category = section[1] if len(section) == 3 else _CATEGORIES.get(label.upper(), "UNASSIGNED")
        attrs = f'Label="{attr(label)}" NlmCategory="{category}"'
        out.append(f"<AbstractText {attrs}>{esc(text)}</AbstractText>")
    tail = f"<CopyrightInformation>{esc(copyright_)}</CopyrightInformation>" if copyright_ else ""
    return f"<Abstract>{''.join(out)}{tail}</Abstract>"


def _author(author: tuple | dict) -> str:
    # An author is (last, fore, initials) or a dict with last/fore/initials/suffix/collective/
    # orcid/affiliation (str or list)/equal_contrib.
    a = (
        author
        if isinstance(author, dict)
        else dict(zip(("last", "fore", "initials"), (*author, "", "")[:3], strict=True))
    )
    if a.get("collective"):
        name = f"<CollectiveName>{esc(a['collective'])}</CollectiveName>"
    else:
        name = f"<LastName>{esc(a['last'])}</LastName>"
        for key, tag in (("fore", "ForeName"), ("initials", "Initials"), ("suffix", "Suffix")):
            name += f"<{tag}>{esc(a[key])}</{tag}>" if a.get(key) else ""
    if a.get("orcid"):
        name += f'<Identifier Source="ORCID">https://orcid.org/{esc(a["orcid"])}</Identifier>'
    for aff in (
        [a["affiliation"]] if isinstance(a.get("affiliation"), str) else a.get("affiliation") or []
    ):
        name += f"<AffiliationInfo><Affiliation>{esc(aff)}</Affiliation></AffiliationInfo>"
    equal = ' EqualContrib="Y"' if a.get("equal_contrib") else ""
    return f'<Author ValidYN="Y"{equal}>{name}</Author>'


def _author_list(authors: Sequence[tuple | dict] | None, kind: str = "") -> str:
    if not authors:
        return ""
    type_ = f' Type="{kind}"' if kind else ""
    return f'<AuthorList CompleteYN="Y"{type_}>{"".join(_author(a) for a in authors)}</AuthorList>'


def _mesh(mesh: Sequence[tuple] | None) -> str:
    if not mesh:
        return ""
    out = []
    for entry in mesh:
        ui, name, major = entry[:3]
        quals = "".join(
            f'<QualifierName UI="{q[0]}" MajorTopicYN="{"Y" if q[2] else "N"}">{esc(q[1])}'
            "</QualifierName>"
            for q in (entry[3] if len(entry) > 3 else ())
        )
        out.append(
            f'<MeshHeading><DescriptorName UI="{ui}" MajorTopicYN="{"Y" if major else "N"}">'
            f"{esc(name)}</DescriptorName>{quals}</MeshHeading>"
        )
    return f"<MeshHeadingList>{''.join(out)}</MeshHeadingList>"


def _wrap(tag: str, items: Iterable[str]) -> str:
    body = "".join(items)
    return f"<{tag}>{body}</{tag.split()[0]}>" if body else ""


def _comments(refs: Sequence[tuple] | None) -> str:
    items = []
    for ref in refs or ():
        reftype, source, pmid = ref[:3]
        note = f"<Note>{esc(ref[3])}</Note>" if len(ref) > 3 and ref[3] else ""
        pm = f'<PMID Version="1">{pmid}</PMID>' if pmid else ""
        items.append(
            f'<CommentsCorrections RefType="{reftype}"><RefSource>{esc(source)}</RefSource>'
            f"{pm}{note}</CommentsCorrections>"
        )
    return _wrap("CommentsCorrectionsList", items)


def _history(edat: date, received: date | None, accepted: date | None, medline: bool) -> str:
    out = [_ymd("PubMedPubDate", received, False, "", ' PubStatus="received"')] if received else []
    if accepted:
        out.append(_ymd("PubMedPubDate", accepted, False, "", ' PubStatus="accepted"'))
    out += [_pubmed_date("entrez", edat), _pubmed_date("pubmed", edat)]
    out.append(_pubmed_date("medline", edat + timedelta(days=30 if medline else 0), 1))
    return f"<History>{''.join(out)}</History>"


def _article_ids(pmid: int, pmcid: str | None, doi: str | None, pii: str | None) -> str:
    ids = f'<ArticleId IdType="pubmed">{pmid}</ArticleId>'
    ids += f'<ArticleId IdType="pmc">{esc(pmcid)}</ArticleId>' if pmcid else ""
    ids += f'<ArticleId IdType="doi">{esc(doi)}</ArticleId>' if doi else ""
    ids += f'<ArticleId IdType="pii">{esc(pii)}</ArticleId>' if pii else ""
    return f"<ArticleIdList>{ids}</ArticleIdList>"


def _pagination(pages: str | None, doi: str | None, pii: str | None) -> str:
    out = ""
    if pages:
        first, _, last = pages.partition("-")
        end = f"<EndPage>{esc(last)}</EndPage>" if last else ""
        out = f"<Pagination><StartPage>{esc(first)}</StartPage>{end}<MedlinePgn>{esc(pages)}"
        out += "</MedlinePgn></Pagination>"
    out += f'<ELocationID EIdType="pii" ValidYN="Y">{esc(pii)}</ELocationID>' if pii else ""
    out += f'<ELocationID EIdType="doi" ValidYN="Y">{esc(doi)}</ELocationID>' if doi else ""
    return out or "<Pagination><MedlinePgn/></Pagination>"


def make_article(
    pmid: int,
    *,
    title: str = "Ketamine for treatment-resistant depression: a randomized controlled trial.",
    abstract_sections: Sequence[tuple] | None = None,
    journal: str = "Journal of affective disorders",
    iso: str = "J Affect Disord",
    issn: str = "0165-0327",
    issn_type: str = "Print",
    nlm_unique_id: str = "7906073",
    country: str = "Netherlands",
    volume: str | None = "310",
    issue: str | None = None,
    pages: str | None = None,
    year: int = 2022,
    month: int | str | None = 8,
    day: int | None = None,
    season: str | None = None,
    medline_date: str | None = None,
    doi: str | None = None,
    pii: str | None = None,
    pmcid: str | None = None,
    authors: Sequence[tuple | dict] | None = (("Smith", "Jane A", "JA"),),
    mesh: Sequence[tuple] | None = None,
    publication_types: Sequence[tuple[str, str]] = (("D016428", "Journal Article"),),
    keywords: Sequence[str] | None = None,
    comments_corrections: Sequence[tuple] | None = None,
    chemicals: Sequence[tuple[str, str, str]] | None = None,
    grants: Sequence[tuple] | None = None,
    databanks: Sequence[tuple[str, Sequence[str]]] | None = None,
    references: Sequence[str] | None = None,
    coi_statement: str | None = None,
    copyright: str | None = None,
    vernacular_title: str | None = None,
    language: str | Sequence[str] = "eng",
    status: str = "MEDLINE",
    owner: str = "NLM",
    indexing_method: str | None = None,
    version: int = 1,
    pub_model: str = "Print-Electronic",
    publication_status: str | None = None,
    epub_date: date | None = None,
    edat: date | None = None,
    date_completed: date | None = None,
    date_revised: date | None = None,
    received: date | None = None,
    accepted: date | None = None,
    citation_subsets: Sequence[str] = ("IM",),
) -> str:
    """Build one compact `<PubmedArticle>` in the 2025 DTD element order."""
    edat = edat or date(year, month if isinstance(month, int) else 1, day or 1)
    indexed = status in ("MEDLINE", "OLDMEDLINE")
    method = f' IndexingMethod="{attr(indexing_method)}"' if indexing_method else ""
    head = f'<MedlineCitation Status="{status}" Owner="{owner}"{method}>'
    head += f'<PMID Version="{version}">{pmid}</PMID>'
    head += _ymd("DateCompleted", date_completed) if date_completed and indexed else ""
    head += _ymd("DateRevised", date_revised or edat)
    cited = "Internet" if issn_type == "Electronic" else "Print"
    issue_xml = f"<Volume>{esc(volume)}</Volume>" if volume else ""
    issue_xml += f"<Issue>{esc(issue)}</Issue>" if issue else ""
    issue_xml += _pub_date(year, month, day, season, medline_date)
    journal_xml = (
        f'<Journal><ISSN IssnType="{issn_type}">{issn}</ISSN><JournalIssue CitedMedium="{cited}">'
        f"{issue_xml}</JournalIssue><Title>{esc(journal)}</Title>"
        f"<ISOAbbreviation>{esc(iso)}</ISOAbbreviation></Journal>"
    )
    languages = [language] if isinstance(language, str) else list(language)
    banks = "".join(
        f"<DataBank><DataBankName>{esc(name)}</DataBankName>"
        + _wrap(
            "AccessionNumberList", (f"<AccessionNumber>{esc(a)}</AccessionNumber>" for a in acc)
        )
        + "</DataBank>"
        for name, acc in databanks or ()
    )
    grant_xml = "".join(_grant(g) for g in grants or ())
    article = (
        f'<Article PubModel="{pub_model}">{journal_xml}<ArticleTitle>{esc(title)}</ArticleTitle>'
        + _pagination(pages, doi, pii)
        + _abstract(abstract_sections, copyright)
        + _author_list(authors)
        + "".join(f"<Language>{esc(lang)}</Language>" for lang in languages)
        + _wrap("DataBankList", [banks])
        + (f'<GrantList CompleteYN="Y">{grant_xml}</GrantList>' if grant_xml else "")
        + _wrap(
            "PublicationTypeList",
            (
                f'<PublicationType UI="{ui}">{esc(n)}</PublicationType>'
                for ui, n in publication_types
            ),
        )  # fmt: skip
        + (
            f"<VernacularTitle>{esc(vernacular_title)}</VernacularTitle>"
            if vernacular_title
            else ""
        )
        + (_ymd("ArticleDate", epub_date, attrs=' DateType="Electronic"') if epub_date else "")
        + "</Article>"
    )
    info = (
        f"<MedlineJournalInfo><Country>{esc(country)}</Country><MedlineTA>{esc(iso)}</MedlineTA>"
        f"<NlmUniqueID>{nlm_unique_id}</NlmUniqueID><ISSNLinking>{issn}</ISSNLinking>"
        "</MedlineJournalInfo>"
    )
    chem = _wrap("ChemicalList", (
        f"<Chemical><RegistryNumber>{esc(rn)}</RegistryNumber>"
        f'<NameOfSubstance UI="{ui}">{esc(name)}</NameOfSubstance></Chemical>'
        for ui, name, rn in chemicals or ()
    ))  # fmt: skip
    subsets = "".join(f"<CitationSubset>{s}</CitationSubset>" for s in citation_subsets if indexed)
    kw = _wrap('KeywordList Owner="NOTNLM"', (
        f'<Keyword MajorTopicYN="N">{esc(k)}</Keyword>' for k in keywords or ()
    ))  # fmt: skip
    coi = f"<CoiStatement>{esc(coi_statement)}</CoiStatement>" if coi_statement else ""
    citation = (
        head + article + info + chem + subsets + _comments(comments_corrections)
        + _mesh(mesh if indexed else None) + kw + coi + "</MedlineCitation>"
    )  # fmt: skip
    status_text = publication_status or _publication_status(status, pub_model)
    refs = _wrap("ReferenceList", (f"<Reference><Citation>{esc(r)}</Citation></Reference>"
                                   for r in references or ()))  # fmt: skip
    data = (
        f"<PubmedData>{_history(edat, received, accepted, indexed)}"
        f"<PublicationStatus>{status_text}</PublicationStatus>"
        f"{_article_ids(pmid, pmcid, doi, pii)}{refs}</PubmedData>"
    )
    return f"<PubmedArticle>{citation}{data}</PubmedArticle>"


def _grant(grant: tuple) -> str:
    gid, acronym, agency, country = (tuple(grant) + (None,) * 4)[:4]
    out = f"<GrantID>{esc(gid)}</GrantID>" if gid else ""
    out += f"<Acronym>{esc(acronym)}</Acronym>" if acronym else ""
    out += f"<Agency>{esc(agency)}</Agency>"
    out += f"<Country>{esc(country)}</Country>" if country else ""
    return f"<Grant>{out}</Grant>"


def _publication_status(status: str, pub_model: str) -> str:
    if status == "Publisher":
        return "aheadofprint"
    return "epublish" if pub_model.startswith("Electronic") else "ppublish"


def make_book_article(
    pmid: int,
    *,
    title: str = "Ketamine",
    book_title: str = "Psychedelic Medicine [Internet]",
    publisher: str = "Evidence Press",
    location: str = "Bethesda (MD)",
    year: int = 2024,
    month: int | None = 1,
    authors: Sequence[tuple | dict] | None = (("Doe", "John", "J"),),
    editors: Sequence[tuple | dict] | None = (("Roe", "Richard", "R"),),
    abstract_sections: Sequence[tuple] | None = None,
    book_accession: str = "NBK000001",
    language: str = "eng",
    edat: date | None = None,
    date_revised: date | None = None,
    keywords: Sequence[str] | None = None,
) -> str:
    """Build one compact `<PubmedBookArticle>` (a book chapter record)."""
    edat = edat or date(year, month or 1, 1)
    pub_date = _pub_date(year, month, None, None, None)
    book = (
        f"<Book><Publisher><PublisherName>{esc(publisher)}</PublisherName>"
        f"<PublisherLocation>{esc(location)}</PublisherLocation></Publisher>"
        f'<BookTitle book="{attr(book_accession.lower())}">{esc(book_title)}</BookTitle>'
        f"{pub_date}{_author_list(editors, 'editors')}</Book>"
    )
    kw = _wrap('KeywordList Owner="NOTNLM"', (
        f'<Keyword MajorTopicYN="N">{esc(k)}</Keyword>' for k in keywords or ()
    ))  # fmt: skip
    doc = (
        f'<BookDocument><PMID Version="1">{pmid}</PMID><ArticleIdList>'
        f'<ArticleId IdType="bookaccession">{esc(book_accession)}</ArticleId></ArticleIdList>'
        f'{book}<LocationLabel Type="chapter">{esc(title)}</LocationLabel>'
        f"<ArticleTitle>{esc(title)}</ArticleTitle><Language>{language}</Language>"
        f"{_author_list(authors, 'authors')}"
        '<PublicationType UI="D016454">Review</PublicationType>'
        f"{_abstract(abstract_sections, None)}{kw}{_ymd('DateRevised', date_revised or edat)}"
        "</BookDocument>"
    )
    history = "".join(_pubmed_date(s, edat) for s in ("pubmed", "medline", "entrez"))
    data = (
        f"<PubmedBookData><History>{history}</History>"
        "<PublicationStatus>ppublish</PublicationStatus>"
        f'<ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId></ArticleIdList>'
        "</PubmedBookData>"
    )
    return f"<PubmedBookArticle>{doc}{data}</PubmedBookArticle>"


def make_article_set(articles: Iterable[str], deleted: Iterable[int] = ()) -> str:
    """Wrap articles (and optional `DeleteCitation` PMIDs) as an EFetch/baseline document."""
    gone = "".join(f'<PMID Version="1">{p}</PMID>' for p in deleted)
    tail = f"<DeleteCitation>{gone}</DeleteCitation>" if gone else ""
    return (
        f'<?xml version="1.0" ?>\n{DOCTYPE_PUBMED}\n<PubmedArticleSet>\n'
        f"{''.join(articles)}{tail}</PubmedArticleSet>"
    )


_PMID = re.compile(r"<PMID Version=\"\d+\">(\d+)</PMID>")
_ENTREZ = re.compile(r'PubStatus="entrez"><Year>(\d+)</Year><Month>(\d+)</Month><Day>(\d+)</Day>')
_REVISED = re.compile(r"<DateRevised><Year>(\d+)</Year><Month>(\d+)</Month><Day>(\d+)</Day>")
_PUBDATE = re.compile(r"<PubDate>(.*?)</PubDate>")


def _month_number(text: str) -> int:
    text = text.strip()[:3]
    return (
        int(text)
        if text.isdigit()
        else MONTHS.index(text.title()) + 1
        if text.title() in MONTHS
        else 1
    )


def record_dates(xml: str) -> tuple[int, date | None, date | None, date | None]:
    """Read (pmid, entrez date, revised date, publication date) out of one record's XML."""
    pmid_match = _PMID.search(xml)
    if not pmid_match:
        raise ValueError("record has no <PMID>")
    found = [_ENTREZ.search(xml), _REVISED.search(xml)]
    edat, mdat = (date(*map(int, m.groups())) if m else None for m in found)
    pdat = None
    if pub := _PUBDATE.search(xml):
        inner = pub.group(1)
        year = re.search(r"(\d{4})", inner)
        month = re.search(r"<Month>([^<]+)</Month>", inner) or re.search(
            r"\d{4} ([A-Za-z]{3})", inner
        )
        day = re.search(r"<Day>(\d+)</Day>", inner)
        if year:
            pdat = date(
                int(year.group(1)),
                _month_number(month.group(1)) if month else 1,
                int(day.group(1)) if day else 1,
            )
    return int(pmid_match.group(1)), edat, mdat, pdat


def generate_corpus(n: int, seed: int = 0) -> list[tuple[int, str, date, date, date]]:
    """Build n reproducible, varied records as (pmid, xml, edat, mdat, pdat), oldest first."""
    from tests.standin_corpus import build_corpus  # deferred: standin_corpus builds on this module

    return build_corpus(n, seed)
