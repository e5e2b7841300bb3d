"""A small, realistic catalog file for the Datasette tests, built as production builds it: PubMed
XML through `harvest import` (the real parser, tagger and citations).

The first three studies and the retracted MDMA analysis follow published papers (authors, journal,
volume, pages, DOI); the others are invented to cover the cases the pages must handle: a
meta-analysis, an ahead-of-print study with a collective author and a "?" title, an erratum, an
expression of concern, an off-topic paper and an unsigned editorial.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from harvest.cli import cli
from tests.standin_records import make_article, make_article_set

FIRST_SEEN = ("2025-01-06T02:00:00Z", "2025-03-03T02:00:00Z")
MIDAZOLAM_PMIDS = {24740528, 33397139}


def authors(*names: str) -> list[dict]:
    """Author dicts from "Last Initials" names; a name without initials is a collective name."""
    result = []
    for name in names:
        last, _, initials = name.rpartition(" ")
        if not last or not initials.isupper() or len(initials) > 3:
            result.append({"last_name": None, "fore_name": None, "initials": None,
                           "suffix": None, "collective_name": name, "orcid": None,
                           "affiliation": None})  # fmt: skip
            continue
        result.append({"last_name": last, "fore_name": initials, "initials": initials,
                       "suffix": None, "collective_name": None, "orcid": None,
                       "affiliation": None})  # fmt: skip
    return result


def sections(*pairs: tuple[str, str]) -> list[dict]:
    """Structured abstract sections."""
    return [{"label": label, "category": label, "text": text} for label, text in pairs]


def record(pmid: int, title: str, names: list[str], journal: tuple[str, str], year: int,
           **fields) -> dict:  # fmt: skip
    """A normalised record as parse_* yields it (DESIGN.md), with sensible defaults."""
    abstract_sections = fields.pop("abstract_sections", [])
    rec = {
        "pmid": pmid, "pmid_version": 1, "record_type": "article", "title": title,
        "vernacular_title": None, "copyright": None, "journal": journal[0],
        "journal_iso": journal[1], "issn": None, "nlm_unique_id": None, "medline_ta": journal[1],
        "volume": None, "issue": None, "pages": None, "pub_year": year,
        "pub_date": str(year), "pub_date_text": str(year), "epub_date": None, "doi": None,
        "pmcid": None, "pii": None, "authors": authors(*names), "language": "eng",
        "languages": ["eng"], "publication_types": [{"ui": "D016428", "name": "Journal Article"}],
        "mesh": [], "keywords": [], "chemicals": [], "comments_corrections": [],
        "databanks": [], "coi_statement": None, "grants": [], "status": "MEDLINE",
        "owner": "NLM", "publication_status": "ppublish", "history": {},
        "entrez_date": f"{year}-01-15", "date_revised": f"{year + 1}-01-10",
        "date_completed": None, "abstract_sections": abstract_sections,
        "abstract": "\n".join(f"{s['label']}: {s['text']}" for s in abstract_sections) or None,
    }  # fmt: skip
    rec.update(fields)
    return rec


def mesh(*names: str) -> list[dict]:
    """MeSH headings without qualifiers."""
    return [{"ui": None, "name": n, "major": False, "qualifiers": []} for n in names]


def types(*names: str) -> list[dict]:
    """Publication types."""
    return [{"ui": None, "name": n} for n in names]


RCT = types("Journal Article", "Randomized Controlled Trial")
STUDIES = [
    record(24740528,
        "Efficacy of intravenous ketamine for treatment of chronic posttraumatic stress disorder: "
        "a randomized clinical trial.",
        ["Feder A", "Parides MK", "Murrough JW", "Perez AM", "Morgan JE", "Saxena S",
         "Kirkwood K", "Aan Het Rot M", "Lapidus KA", "Wan LB", "Iosifescu D", "Charney DS"],
        ("JAMA psychiatry", "JAMA Psychiatry"), 2014, volume="71", issue="6", pages="681-8",
        pub_date="2014-06", doi="10.1001/jamapsychiatry.2014.62", publication_types=RCT,
        mesh=mesh("Ketamine", "Stress Disorders, Post-Traumatic", "Midazolam"),
        keywords=["ketamine", "PTSD"],
        abstract_sections=sections(
            ("IMPORTANCE", "Few pharmacotherapies have demonstrated efficacy in chronic PTSD."),
            ("DESIGN, SETTING, AND PARTICIPANTS", "Proof-of-concept, randomized, double-blind, "
             "crossover trial comparing ketamine with midazolam in 41 patients with chronic PTSD."),
            ("CONCLUSIONS AND RELEVANCE", "Ketamine infusion was associated with rapid reduction "
             "in symptom severity."))),
    record(33397139,
        "A Randomized Controlled Trial of Repeated Ketamine Administration for Chronic "
        "Posttraumatic Stress Disorder.",
        ["Feder A", "Costi S", "Rutter SB", "Collins AB", "Govindarajulu U", "Jha MK",
         "Horn SR", "Kautz M", "Corniquel M", "Collins KA", "Bevilacqua L", "Glasgow AM",
         "Brallier J", "Pietrzak RH", "Murrough JW", "Charney DS"],
        ("The American journal of psychiatry", "Am J Psychiatry"), 2021, volume="178",
        issue="2", pages="193-202", pub_date="2021-02-01", doi="10.1176/appi.ajp.2020.20050596",
        publication_types=RCT, mesh=mesh("Ketamine", "Midazolam"), keywords=["ketamine"],
        abstract_sections=sections(
            ("OBJECTIVE", "To test repeated ketamine infusions for chronic PTSD."),
            ("METHODS", "Thirty participants were randomized to six infusions of ketamine or "
             "midazolam over two weeks."),
            ("RESULTS", "Ketamine reduced CAPS-5 scores more than midazolam."))),
    record(33972795,
        "MDMA-assisted therapy for severe PTSD: a randomized, double-blind, placebo-controlled "
        "phase 3 study.",
        ["Mitchell JM", "Bogenschutz M", "Lilienstein A", "Harrison C", "Kleiman S",
         "Parker-Guilbert K", "Ot'alora G M", "Garas W", "Paleos C", "Gorman I", "Nicholas C",
         "Mithoefer M", "Carlin S", "Poulter B", "Mithoefer A", "Quevedo S", "Wells G",
         "Klaire SS", "van der Kolk B", "Tzarfaty K", "Amiaz R", "Worthy R", "Shannon S",
         "Woolley JD", "Marta C", "Gelfand Y", "Hapke E", "Amar S", "Wallach Y", "Brown R",
         "Hamilton S", "Wang JB", "Coker A", "Matthews R", "de Boer A", "Yazar-Klosinski B",
         "Emerson A", "Doblin R"],
        ("Nature medicine", "Nat Med"), 2021, volume="27", issue="6", pages="1025-1033",
        pub_date="2021-06", doi="10.1038/s41591-021-01336-3", pmcid="PMC8205851",
        publication_types=RCT, mesh=mesh("N-Methyl-3,4-methylenedioxyamphetamine"),
        abstract_sections=sections(("RESULTS", "MDMA-assisted therapy reduced CAPS-5 scores."))),
    record(36500001,
        "Ketamine and esketamine for posttraumatic stress disorder: a systematic review and "
        "meta-analysis.",
        ["Almeida TM", "Lacerda Á", "Nguyen H"],
        ("Journal of affective disorders", "J. Affect. Disord."), 2023, volume="325",
        pages="110-119", pub_date="2023-03-15", doi="10.1016/j.jad.2023.01.001",
        publication_types=types("Journal Article", "Systematic Review", "Meta-Analysis"),
        keywords=["ketamine", "esketamine", "PTSD", "meta-analysis"],
        abstract_sections=sections(("RESULTS", "Eight trials (n = 334) were pooled; "
                                    "ketamine was superior to midazolam or saline."))),
    record(31065731,
        "MDMA-assisted psychotherapy for treatment of PTSD: study design and rationale for phase "
        "3 trials based on pooled analysis of six phase 2 randomized controlled trials.",
        ["Mithoefer MC", "Feduccia AA", "Jerome L", "Mithoefer A", "Wagner M", "Walsh Z",
         "Hamilton S", "Yazar-Klosinski B", "Emerson A", "Doblin R"],
        ("Psychopharmacology", "Psychopharmacology (Berl)"), 2019, volume="236", issue="9",
        pages="2735-2745", pub_date="2019-09", doi="10.1007/s00213-019-05249-5",
        publication_types=types("Journal Article", "Retracted Publication"),
        comments_corrections=[{"type": "RetractionIn", "source": "Psychopharmacology (Berl). "
                               "2024;241(9):1949", "pmid": 39150510, "note": None}],
        abstract_sections=sections(("RESULTS", "Pooled phase 2 data favoured MDMA."))),
    record(36500002, "Does psilocybin reduce PTSD symptoms in veterans?",
        ["Psilocybin Veterans Study Group", "Okafor CN"],
        ("Journal of psychopharmacology (Oxford, England)", "J Psychopharmacol"), 2025,
        pub_date="2025", epub_date="2025-03-10", doi="10.1177/02698811251234567",
        publication_status="aheadofprint", keywords=["psilocybin", "veterans"],
        abstract_sections=sections(("METHODS", "Open-label pilot in 15 veterans."))),
    record(36500003, "Intranasal esketamine for depression with comorbid PTSD: a case report.",
        ["Rossi L", "Bianchi G"], ("Cureus", "Cureus"), 2020, volume="12", issue="4",
        pages="e7760", pub_date="2020-04-20", doi="10.7759/cureus.7760",
        publication_types=types("Case Reports"),
        comments_corrections=[{"type": "ErratumIn", "source": "Cureus. 2020;12(6):c31",
                               "pmid": 36500099, "note": None}],
        abstract_sections=sections(("CASE", "A veteran improved after esketamine."))),
    record(36500004, "Recreational ecstasy use among festival attendees.",
        ["Smith JA", "Doe J"], ("Drug and alcohol dependence", "Drug Alcohol Depend"), 2022,
        volume="231", pages="109-115", pub_date="2022-02-01", doi="10.1016/j.dad.2022.0001",
        abstract="Survey of 500 festival attendees about ecstasy use."),
    record(36500005, "Psychedelics and trauma: cautious optimism.", [],
        ("The Lancet. Psychiatry", "Lancet Psychiatry"), 2022, volume="9", issue="3",
        pages="181", pub_date="2022-03", publication_types=types("Editorial"),
        abstract="MDMA-assisted therapy and psilocybin are being tested for posttraumatic stress "
                 "disorder (PTSD); this editorial weighs the early trials."),
    record(36500006,
        "Single-dose ketamine for treatment-resistant depression: a randomized trial.",
        ["Kowalski P", "Novak J", "Horvat E", "Lind S", "Berg T", "Dahl K", "Moe R"],
        ("Biological psychiatry", "Biol Psychiatry"), 2019, volume="85", issue="10",
        pages="820-829", pub_date="2019-05-15", doi="10.1016/j.biopsych.2019.01.002",
        publication_types=RCT, keywords=["ketamine", "depression"],
        comments_corrections=[{"type": "ExpressionOfConcernIn", "source": "Biol Psychiatry. "
                               "2024;95(1):1", "pmid": 38000002, "note": None}],
        abstract_sections=sections(
            ("METHODS", "Sixty adults with treatment-resistant depression were randomized to "
             "one intravenous infusion of ketamine or saline."),
            ("RESULTS", "Ketamine outperformed active placebo."))),
]  # fmt: skip
FIRST_BATCH = 7  # studies saved at FIRST_SEEN[0]; the rest at FIRST_SEEN[1]


# Publication type names -> MeSH UIs, for the XML.
TYPE_UIS = {"Journal Article": "D016428", "Randomized Controlled Trial": "D016449",
            "Systematic Review": "D000078182", "Meta-Analysis": "D017418",
            "Retracted Publication": "D016441", "Case Reports": "D002363", "Editorial": "D016421",
            "Retraction of Publication": "D016440"}  # fmt: skip
# A retraction notice as PubMed indexes it: a record of its own, pointing to the study it retracts.
NOTICE = record(39150510,
    "Retraction Note: MDMA-assisted psychotherapy for treatment of PTSD: study design and "
    "rationale for phase 3 trials based on pooled analysis of six phase 2 randomized controlled "
    "trials.", ["Mithoefer MC", "Feduccia AA"], ("Psychopharmacology", "Psychopharmacology (Berl)"),
    2024, volume="241", issue="9", pages="1949", pub_date="2024-09",
    doi="10.1007/s00213-024-06670-1", publication_types=types("Retraction of Publication"),
    comments_corrections=[{"type": "RetractionOf", "source": "Psychopharmacology (Berl). "
                           "2019;236(9):2735-2745", "pmid": 31065731, "note": None}],
    abstract="The publisher has retracted this article.")  # fmt: skip


def record_xml(rec: dict) -> str:
    """One <PubmedArticle> for a record dict (the parser's shape), through the stand-in builder."""
    year, month, day = (list(map(int, rec["pub_date"].split("-"))) + [None, None])[:3]
    epub = rec.get("epub_date")
    sections = [(s["label"], s["text"]) for s in rec["abstract_sections"]]
    if not sections and rec.get("abstract"):
        sections = [(None, rec["abstract"])]
    authors = [
        {"collective": a["collective_name"]} if a["collective_name"]
        else {"last": a["last_name"], "fore": a["fore_name"], "initials": a["initials"]}
        for a in rec["authors"]
    ]  # fmt: skip
    return make_article(
        rec["pmid"], title=rec["title"], abstract_sections=sections or None,
        journal=rec["journal"], iso=rec["journal_iso"], volume=rec["volume"],
        issue=rec["issue"], pages=rec["pages"], year=year, month=month, day=day,
        doi=rec["doi"], pmcid=rec["pmcid"], authors=authors,
        mesh=[(m["ui"] or "D000000", m["name"], False) for m in rec["mesh"]],
        publication_types=[(TYPE_UIS[t["name"]], t["name"]) for t in rec["publication_types"]],
        keywords=rec["keywords"],
        comments_corrections=[(c["type"], c["source"], c["pmid"])
                              for c in rec["comments_corrections"]],
        publication_status=rec["publication_status"],
        epub_date=date.fromisoformat(epub) if epub else None,
        edat=date.fromisoformat(rec["entrez_date"]),
    )  # fmt: skip


def import_records(db_path: Path | str, records: list[dict], folder: Path) -> None:
    """Write records as PubMed XML and `harvest import` them (real parser, tagger, citations)."""
    folder.mkdir(parents=True, exist_ok=True)
    xml = folder / f"import-{records[0]['pmid']}-{len(records)}.xml"
    xml.write_text(make_article_set(record_xml(r) for r in records), encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", str(xml), "--db", str(db_path), "--quiet"])
    if result.exit_code != 0:
        raise RuntimeError(f"harvest import failed: {result.output}")


def build_catalog(path: Path | str, with_notice: bool = False) -> Path:
    """Write the test catalog to `path` (a new file) through `harvest import`, and return it.

    Tags, flags and citations are the real tagger's. first_seen is then set to two fixed dates
    (the first FIRST_BATCH studies, then the rest) so the feed of new studies is reproducible.
    """
    path = Path(path)
    records = [*STUDIES, *([NOTICE] if with_notice else [])]
    import_records(path, records, path.parent / "xml")
    conn = sqlite3.connect(path)
    with conn:
        for now, batch in zip(FIRST_SEEN, (records[:FIRST_BATCH], records[FIRST_BATCH:]),
                              strict=True):  # fmt: skip
            marks = ", ".join("?" for _ in batch)
            conn.execute(f"update studies set first_seen = ? where pmid in ({marks})",
                         [now, *(r["pmid"] for r in batch)])  # fmt: skip
    conn.close()
    return path
