"""Parse MEDLINE tagged text exports (`.txt`, `.nbib`) with Bio.Medline into normalised records."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from Bio import Medline

from harvest.errors import FileFormatError
from harvest.pubmed.parse import Malformed, check_pmid, parse_free_date
from harvest.record import new_record

# Publication type names -> MeSH UIs (MEDLINE text carries names only).
PT_UIS = {
    "Journal Article": "D016428",
    "Randomized Controlled Trial": "D016449",
    "Clinical Trial": "D016430",
    "Clinical Trial, Phase I": "D017426",
    "Clinical Trial, Phase II": "D017427",
    "Clinical Trial, Phase III": "D017428",
    "Clinical Trial, Phase IV": "D017429",
    "Controlled Clinical Trial": "D018848",
    "Pragmatic Clinical Trial": "D065007",
    "Clinical Trial Protocol": "D000078325",
    "Meta-Analysis": "D017418",
    "Systematic Review": "D000078182",
    "Review": "D016454",
    "Observational Study": "D064888",
    "Case Reports": "D002363",
    "Comparative Study": "D003160",
    "Multicenter Study": "D016448",
    "Practice Guideline": "D017065",
    "Guideline": "D016431",
    "Editorial": "D016421",
    "Letter": "D016422",
    "Comment": "D016420",
    "Published Erratum": "D016425",
    "Retracted Publication": "D016441",
    "Retraction of Publication": "D016440",
    "Expression of Concern": "D000075742",
    "Preprint": "D000076942",
}
# MEDLINE comment/correction tags -> PubMed XML RefType.
COMMENT_TAGS = {
    "RIN": "RetractionIn",
    "ROF": "RetractionOf",
    "EIN": "ErratumIn",
    "EFR": "ErratumFor",
    "ECI": "ExpressionOfConcernIn",
    "ECF": "ExpressionOfConcernFor",
    "CIN": "CommentIn",
    "CON": "CommentOn",
    "CRI": "CorrectedandRepublishedIn",
    "CRF": "CorrectedandRepublishedFrom",
    "RRI": "RetractedandRepublishedIn",
    "RRF": "RetractedandRepublishedFrom",
    "UIN": "UpdateIn",
    "UOF": "UpdateOf",
}
SECTION = re.compile(r"(?:^|(?<=[.?!)\]]\s))([A-Z][A-Z0-9 ,&/()-]{2,60}):\s")
ID_WITH_KIND = re.compile(r"^(\S+)\s+\[(\w+)\]$")
PHST = re.compile(r"^(\d{4})/(\d{2})/(\d{2})(?:\s+\d{2}:\d{2})?\s+\[(\w[\w-]*)\]$")


def _list(rec: dict, tag: str) -> list[str]:
    value = rec.get(tag, [])
    return [value] if isinstance(value, str) else list(value)


def _one(rec: dict, tag: str) -> str | None:
    value = rec.get(tag)
    if isinstance(value, list):
        value = " ".join(value)
    return " ".join(value.split()) if value else None


def _compact_date(value: str | None) -> str | None:
    """'20060110' -> '2006-01-10'."""
    if value and re.fullmatch(r"\d{8}", value[:8]):
        return f"{value[:4]}-{value[4:6]}-{value[6:8]}"
    return None


def split_sections(abstract: str | None) -> list[dict]:
    """Recover 'BACKGROUND: ... METHODS: ...' sections from a MEDLINE abstract."""
    if not abstract:
        return []
    matches = list(SECTION.finditer(abstract))
    if not matches or matches[0].start() != 0:
        return [{"label": None, "category": None, "text": abstract}]
    sections = []
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(abstract)
        sections.append(
            {"label": m.group(1).strip(), "category": None, "text": abstract[m.end() : end].strip()}
        )
    return sections


def _authors(rec: dict) -> list[dict]:
    full, short = _list(rec, "FAU"), _list(rec, "AU")
    affiliations = _list(rec, "AD")
    authors = []
    for i, name in enumerate(full or short):
        last, _, fore = name.partition(", ") if full else (name.rsplit(" ", 1)[0], "", "")
        initials = short[i].rsplit(" ", 1)[-1] if i < len(short) and " " in short[i] else None
        authors.append(
            {
                "last_name": last or None,
                "fore_name": fore or None,
                "initials": initials,
                "suffix": None,
                "collective_name": None,
                "orcid": None,
                "affiliation": affiliations[i]
                if len(affiliations) == len(full or short)
                else (affiliations[0] if i == 0 and affiliations else None),
            }
        )
    for name in _list(rec, "CN"):
        authors.append(
            {
                "last_name": None,
                "fore_name": None,
                "initials": None,
                "suffix": None,
                "collective_name": name,
                "orcid": None,
                "affiliation": None,
            }
        )
    return authors


def _mesh(rec: dict) -> list[dict]:
    headings = []
    for entry in _list(rec, "MH"):
        descriptor, *qualifiers = entry.split("/")
        major = descriptor.startswith("*")
        quals = [
            {"ui": None, "name": q.lstrip("*"), "major": q.startswith("*")} for q in qualifiers
        ]
        headings.append(
            {
                "ui": None,
                "name": descriptor.lstrip("*"),
                "major": major or any(q["major"] for q in quals),
                "qualifiers": quals,
            }
        )
    return headings


def _ids(values: list[str]) -> dict[str, str]:
    ids: dict[str, str] = {}
    for value in values:
        m = ID_WITH_KIND.match(value.strip())
        if m and m.group(2) not in ids:
            ids[m.group(2)] = m.group(1)
    return ids


def _history(rec: dict) -> dict[str, str]:
    history: dict[str, str] = {}
    for value in _list(rec, "PHST"):
        m = PHST.match(value.strip())
        if m and m.group(4) not in history:
            history[m.group(4)] = f"{m.group(1)}-{m.group(2)}-{m.group(3)}"
    for tag, status in (("EDAT", "entrez"), ("MHDA", "medline"), ("CRDT", "pubmed")):
        value = _one(rec, tag)
        if value and status not in history:
            m = re.match(r"(\d{4})/(\d{2})/(\d{2})", value)
            if m:
                history[status] = "-".join(m.groups())
    return history


def _ref_pmid(text: str) -> int | None:
    try:
        return check_pmid(text)
    except ValueError:
        return None


def medline_to_record(rec: dict) -> dict:
    """One Bio.Medline record (dict of tag -> value) -> normalised record dict."""
    pmid = check_pmid(_one(rec, "PMID"))
    abstract = _one(rec, "AB")
    sections = split_sections(abstract)
    ids = _ids(_list(rec, "AID") + _list(rec, "LID"))
    year, pub_date = parse_free_date(_one(rec, "DP"))
    history = _history(rec)
    comments = []
    for tag, kind in COMMENT_TAGS.items():
        for value in _list(rec, tag):
            m = re.search(r"PMID:\s*(\d+)", value)
            comments.append(
                {
                    "type": kind,
                    "source": value.split(" PMID:")[0].strip(),
                    "pmid": _ref_pmid(m.group(1)) if m else None,
                    "note": None,
                }
            )
    pmc = _one(rec, "PMC")
    return new_record(
        pmid,
        source="medline",
        pmid_version=1,
        record_type="article",
        title=_one(rec, "TI") or _one(rec, "BTI"),
        vernacular_title=_one(rec, "TT"),
        abstract="\n".join(
            f"{s['label']}: {s['text']}" if s["label"] else s["text"] for s in sections
        )
        or None,
        abstract_sections=sections,
        copyright=_one(rec, "CI"),
        journal=_one(rec, "JT"),
        journal_iso=_one(rec, "TA"),
        issn=(_one(rec, "IS") or "").split(" ")[0] or None,
        nlm_unique_id=_one(rec, "JID"),
        medline_ta=_one(rec, "TA"),
        volume=_one(rec, "VI"),
        issue=_one(rec, "IP"),
        pages=_one(rec, "PG"),
        pub_year=year,
        pub_date=pub_date,
        pub_date_text=_one(rec, "DP"),
        epub_date=_compact_date(_one(rec, "DEP")),
        doi=ids.get("doi"),
        pmcid=pmc,
        pii=ids.get("pii"),
        authors=_authors(rec),
        language=(_list(rec, "LA") or [None])[0],
        languages=_list(rec, "LA"),
        publication_types=[{"ui": PT_UIS.get(p), "name": p} for p in _list(rec, "PT")],
        mesh=_mesh(rec),
        keywords=_list(rec, "OT"),
        chemicals=[
            {
                "ui": None,
                "name": re.sub(r"^\S+\s+\((.*)\)$", r"\1", c),
                "registry_number": c.split(" ")[0],
            }
            for c in _list(rec, "RN")
        ],
        comments_corrections=comments,
        databanks=[
            {"name": s.split("/", 1)[0], "accession": s.split("/", 1)[1]}
            for s in _list(rec, "SI")
            if "/" in s
        ],
        coi_statement=_one(rec, "COIS"),
        grants=[
            {"id": g, "acronym": None, "agency": None, "country": None} for g in _list(rec, "GR")
        ],
        status=_one(rec, "STAT"),
        owner=_one(rec, "OWN"),
        publication_status=_one(rec, "PST"),
        history=history,
        entrez_date=history.get("entrez") or history.get("pubmed"),
        date_revised=_compact_date(_one(rec, "LR")),
        date_completed=_compact_date(_one(rec, "DCOM")),
    )


def parse_medline(stream: IO[str]) -> Iterator[dict | Malformed]:
    """Yield records from a MEDLINE text stream; raises FileFormatError if it is not one."""
    found = False
    for rec in Medline.parse(stream):
        if not rec or "PMID" not in rec:
            continue
        found = True
        try:
            yield medline_to_record(rec)
        except (ValueError, TypeError, KeyError) as exc:
            yield Malformed(_one(rec, "PMID"), f"MEDLINE record: {exc}")
    if not found:
        raise FileFormatError("not a MEDLINE text file (no 'PMID- ' records found)")
