"""Synthetic ketamine/psilocybin/MDMA corpus for the E-utilities stand-in (see standin_records).

MeSH and publication-type UIs follow ../shared/eutils-notes.md §6-§7 (a few are marked unverified
there); journal identifiers are plausible, not authoritative.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from itertools import accumulate
from typing import Any
from xml.sax.saxutils import escape

from tests.standin_records import MONTHS, Markup, make_article, make_book_article

# key, display name, MeSH (ui, name), chemical (ui, name, registry number)
DRUGS = (
    ("ketamine", "Ketamine", ("D007649", "Ketamine"), ("D007649", "Ketamine", "690G0D6V8H")),
    ("esketamine", "Esketamine", ("D007649", "Ketamine"), ("D007649", "Ketamine", "690G0D6V8H")),
    (
        "psilocybin",
        "Psilocybin",
        ("D011562", "Psilocybin"),
        ("D011562", "Psilocybin", "2RV7212BP0"),
    ),
    (
        "MDMA",
        "MDMA",
        ("D018817", "N-Methyl-3,4-methylenedioxyamphetamine"),
        ("D018817", "N-Methyl-3,4-methylenedioxyamphetamine", "KE1SEN21RM"),
    ),
)

# long name, short name, MeSH (ui, name)
CONDITIONS = (
    ("posttraumatic stress disorder", "PTSD", ("D013313", "Stress Disorders, Post-Traumatic")),
    (
        "treatment-resistant depression",
        "TRD",
        ("D061218", "Depressive Disorder, Treatment-Resistant"),
    ),
    ("major depressive disorder", "MDD", ("D003865", "Depressive Disorder, Major")),
    ("anxiety disorders", "anxiety", ("D001008", "Anxiety Disorders")),
    ("psychological trauma", "trauma", ("D000071896", "Psychological Trauma")),
)

POPULATIONS = (
    ("military veterans", ("D014728", "Veterans")),
    ("adults", ("D000328", "Adult")),
    ("adolescents", ("D000293", "Adolescent")),
    ("patients with advanced cancer", ("D009369", "Neoplasms")),
    ("first responders", ("D000328", "Adult")),
    ("older adults", ("D000368", "Aged")),
)

# title, ISO abbreviation, ISSN, ISSN type, NLM unique id, country
JOURNALS = (
    ("The American journal of psychiatry", "Am J Psychiatry", "0002-953X", "Print", "0370512",
     "United States"),
    ("JAMA psychiatry", "JAMA Psychiatry", "2168-6238", "Electronic", "101589550", "United States"),
    ("Journal of affective disorders", "J Affect Disord", "0165-0327", "Print", "7906073",
     "Netherlands"),
    ("Nature medicine", "Nat Med", "1546-170X", "Electronic", "9502015", "United States"),
    ("Journal of psychopharmacology (Oxford, England)", "J Psychopharmacol", "1461-7285",
     "Electronic", "8907828", "United States"),
    ("Frontiers in psychiatry", "Front Psychiatry", "1664-0640", "Print", "101545006",
     "Switzerland"),
    ("The New England journal of medicine", "N Engl J Med", "1533-4406", "Electronic", "0255562",
     "United States"),
    ("Psychopharmacology", "Psychopharmacology (Berl)", "1432-2072", "Electronic", "7608025",
     "Germany"),
    ("Neuropsychopharmacology : official publication of the American College of "
     "Neuropsychopharmacology", "Neuropsychopharmacology", "1740-634X", "Electronic", "8904907",
     "England"),
    ("Journal of traumatic stress", "J Trauma Stress", "1573-6598", "Electronic", "8809259",
     "United States"),
)  # fmt: skip

LAST_NAMES = (
    "Smith", "García", "Müller", "Nguyen", "O'Brien", "Kowalski", "Rossi", "Chen", "Johansson",
    "Dubois", "Yamamoto", "Okafor", "Kaur", "Silva", "Novak", "Cohen", "Andersen", "Ivanova",
    "Papadopoulos", "Hernández", "Murphy", "Schmidt", "Li", "Wang", "Kim", "Patel", "Brown",
    "Lefèvre", "Van der Berg", "Fitzgerald",
)  # fmt: skip
FIRST_NAMES = (
    "Jane A", "John", "María José", "Wei", "Anna", "Mohammed", "Sarah", "David", "Yuki", "Olga",
    "Pierre", "Chinedu", "Priya", "Lucas", "Eva", "Daniel", "Ingrid", "Rachel", "Tomás", "Hana",
    "Michael J", "Laura", "Jan-Erik", "Sofia", "Rahul", "Emily", "Kwame", "Lena", "Paul", "Aisha",
)  # fmt: skip
AFFILIATIONS = (
    "Department of Psychiatry, Yale School of Medicine, New Haven, CT, USA.",
    "Centre for Psychedelic Research, Imperial College London, London, UK.",
    "National Center for PTSD, U.S. Department of Veterans Affairs, White River Junction, VT, USA.",
    "Department of Psychiatry & Behavioral Sciences, Johns Hopkins University, Baltimore, MD, USA.",
    "Charité - Universitätsmedizin Berlin, Berlin, Germany.",
    "Department of Psychiatry, University of Toronto, Toronto, ON, Canada.",
)
GRANTS = (
    ("R01 MH112345", "MH", "NIMH NIH HHS", "United States"),
    ("I01 CX001234", "CX", "VA Office of Research and Development", "United States"),
    ("MR/N012345/1", None, "Medical Research Council", "United Kingdom"),
)

PT = {
    "ja": ("D016428", "Journal Article"),
    "rct": ("D016449", "Randomized Controlled Trial"),
    "ct": ("D016430", "Clinical Trial"),
    "phase2": ("D017427", "Clinical Trial, Phase II"),
    "ma": ("D017418", "Meta-Analysis"),
    "sr": ("D000078182", "Systematic Review"),
    "review": ("D016454", "Review"),
    "obs": ("D064888", "Observational Study"),
    "case": ("D002363", "Case Reports"),
    "letter": ("D016422", "Letter"),
    "editorial": ("D016421", "Editorial"),
    "comment": ("D016420", "Comment"),
    "erratum": ("D016425", "Published Erratum"),
    "retracted": ("D016441", "Retracted Publication"),
    "nonus": ("D013485", "Research Support, Non-U.S. Gov't"),
    "nih": ("D052061", "Research Support, N.I.H., Extramural"),
}

# design key, weight, title templates, publication types, abstract kind
DESIGNS = (
    ("rct", 14, (
        "{Drug}-assisted therapy for {cond} in {pop}: a randomized, double-blind, "
        "placebo-controlled trial.",
        "Efficacy and safety of {drug} in {pop} with {cond}: a randomized clinical trial.",
    ), ("ja", "rct", "phase2", "nih"), "structured"),
    ("open", 8, (
        "Open-label {drug} in {pop} with {cond}: a pilot study.",
        "Repeated {drug} sessions for {cond} & comorbid alcohol use: a feasibility trial.",
    ), ("ja", "ct"), "structured"),
    ("srma", 8, (
        "{Drug} for {cond}: a systematic review and meta-analysis.",
        "Efficacy of {drug} versus placebo in {cond}: a meta-analysis of randomized trials.",
    ), ("ja", "ma", "sr"), "structured"),
    ("review", 12, (
        "The therapeutic potential of {drug} in {cond}: a narrative review.",
        "{Drug} and the neurobiology of {cond}: mechanisms and clinical implications.",
    ), ("ja", "review"), "plain"),
    ("obs", 10, (
        "Real-world outcomes of {drug} treatment for {cond} among {pop}: a retrospective cohort "
        "study.",
        "Naturalistic use of {drug} and symptoms of {cond} in {pop}: a cross-sectional survey.",
    ), ("ja", "obs"), "structured"),
    ("case", 6, (
        "Rapid remission of {cond} after {drug} in a 34-year-old veteran: a case report.",
        "\"Breakthrough\" experiences with {drug} in {cond}: a case series.",
    ), ("ja", "case"), "plain"),
    ("animal", 8, (
        "{Drug} facilitates fear extinction in a rat model of {short}.",
        "Sustained effects of {drug} on stress-induced behaviour in mice.",
    ), ("ja", "nonus"), "plain"),
    ("letter", 5, ("Re: {drug} for {cond} in {pop}.", "{Drug} in {short}: caution is warranted."),
     ("letter", "comment"), "none"),
    ("editorial", 3, ("{Drug} for {cond}: promise and peril.",), ("editorial",), "none"),
    ("offtopic", 6, (
        "Ketamine versus propofol for procedural sedation in children: a randomized trial.",
        "Recreational MDMA use and hyponatraemia: a case series from an emergency department.",
        "Low-dose ketamine infusion for postoperative pain after spine surgery.",
    ), ("ja",), "plain"),
    ("erratum", 2, ("Erratum: {Drug}-assisted therapy for {cond} in {pop}.",), ("erratum",),
     "none"),
)  # fmt: skip


# --- synthetic corpus -------------------------------------------------------------------------

CORPUS_START = date(1990, 1, 1)
CORPUS_END = date(2025, 11, 30)
_YEARS = list(range(CORPUS_START.year, CORPUS_END.year + 1))
_YEAR_CUM = list(accumulate((y - 1985) ** 2 for y in _YEARS))
_DESIGN_CUM = list(accumulate(d[1] for d in DESIGNS))
_SEASONS = ("Winter", "Spring", "Summer", "Fall")


def build_corpus(n: int, seed: int = 0) -> list[tuple[int, str, date, date, date]]:
    """Build n reproducible, varied records as (pmid, xml, edat, mdat, pdat), oldest first."""
    rng = random.Random(seed)
    edats = sorted(_random_edat(rng) for _ in range(n))
    records, last = [], 0
    for edat in edats:
        # PMIDs grow with the entry date, roughly as in PubMed (2.1M in 1990, 41M in 2025).
        last = max(
            last + rng.randint(1, 40),
            2_100_000 + (edat - CORPUS_START).days * 3000 + rng.randrange(3000),
        )
        records.append(_corpus_record(rng, last, edat))
    return records


def _random_edat(rng: random.Random) -> date:
    year = rng.choices(_YEARS, cum_weights=_YEAR_CUM)[0]
    return min(date(year, 1, 1) + timedelta(days=rng.randrange(365)), CORPUS_END)


def _initials(fore: str) -> str:
    return "".join(part[0] for part in re.split(r"[ -]", fore) if part)


def _authors(rng: random.Random) -> list[dict]:
    authors = []
    for _ in range(rng.choice((1, 2, 3, 4, 5, 6, 8, 12))):
        fore = rng.choice(FIRST_NAMES)
        author = {"last": rng.choice(LAST_NAMES), "fore": fore, "initials": _initials(fore)}
        author["affiliation"] = rng.choice(AFFILIATIONS)
        if rng.random() < 0.3:
            digits = [rng.randint(1, 3), rng.randrange(10000), rng.randrange(10000)]
            author["orcid"] = f"0000-000{digits[0]}-{digits[1]:04d}-{digits[2]:04d}"
        authors.append(author)
    if rng.random() < 0.05:
        authors.append({"collective": "Psychedelic Trauma Research Consortium"})
    return authors


def _abstract_for(rng: random.Random, kind: str, drug: str, cond: str, n: int) -> list | None:
    if kind == "none" or rng.random() < 0.03:
        return None
    if kind == "plain":
        return [
            (
                None,
                f"We describe the use of {drug} in {cond}. Findings from {n} patients "
                "suggest rapid but transient improvement; controlled studies are needed.",
            )
        ]
    p_value = "<i>P</i> &lt; 0.001" if rng.random() < 0.3 else "P < .001"
    results = (
        escape(
            f"Of {n} participants randomized, {n - rng.randint(0, n // 5)} completed "
            f"the study. {drug.capitalize()} reduced symptom scores (d = 0.9; "
        )
        + (p_value if p_value.startswith("<i>") else escape(p_value))
        + ")."
    )
    sections = [
        ("BACKGROUND", f"{cond.capitalize()} is common and often treatment resistant."),
        ("METHODS", f"A total of {n} adults with {cond} received {drug} or placebo."),
        ("RESULTS", Markup(results)),
        ("CONCLUSIONS", f"{drug.capitalize()} may be an effective treatment for {cond}."),
    ]
    if rng.random() < 0.3:
        sections.append(
            ("TRIAL REGISTRATION", f"ClinicalTrials.gov: NCT0{rng.randint(1_000_000, 6_999_999)}.")
        )
    return sections


def _pub_fields(rng: random.Random, edat: date) -> tuple[dict, date]:
    pdat = min(max(edat + timedelta(days=rng.randint(-30, 90)), CORPUS_START), CORPUS_END)
    r, y = rng.random(), pdat.year
    if r < 0.03 and pdat.month < 12:
        medline = f"{y} {MONTHS[pdat.month - 1]}-{MONTHS[pdat.month]}"
        return {"year": y, "month": None, "medline_date": medline}, date(y, pdat.month, 1)
    if r < 0.05:
        return {"year": y, "month": None, "season": rng.choice(_SEASONS)}, date(y, 1, 1)
    if r < 0.12:
        return {"year": y, "month": None}, date(y, 1, 1)
    if r < 0.45:
        return {"year": y, "month": pdat.month}, date(y, pdat.month, 1)
    return {"year": y, "month": pdat.month, "day": pdat.day}, pdat


def _corpus_record(rng: random.Random, pmid: int, edat: date) -> tuple[int, str, date, date, date]:
    design, _, titles, pts, abstract_kind = rng.choices(DESIGNS, cum_weights=_DESIGN_CUM)[0]
    drug_key, drug_name, drug_mesh, chemical = rng.choice(DRUGS)
    cond, short, cond_mesh = rng.choice(CONDITIONS)
    pop, pop_mesh = rng.choice(POPULATIONS)
    drug = drug_key if drug_key == "MDMA" else drug_key.lower()
    title = rng.choice(titles).format(Drug=drug_name, drug=drug, cond=cond, short=short, pop=pop)
    mdat = min(edat + timedelta(days=rng.randint(0, 1500)), CORPUS_END)
    pub, pdat = _pub_fields(rng, edat)
    if rng.random() < 0.005:
        pdat = date(pdat.year, pdat.month, 1)
        xml = make_book_article(
            pmid, title=drug_name, year=pdat.year, month=pdat.month, edat=edat, date_revised=mdat,
            keywords=[drug, short], book_accession=f"NBK{pmid % 1_000_000:06d}",
        )  # fmt: skip
        return pmid, xml, edat, mdat, pdat
    journal, iso, issn, issn_type, nlm_id, country = rng.choice(JOURNALS)
    status = _status(rng, edat, iso)
    fields: dict[str, Any] = {
        "title": title, "journal": journal, "iso": iso, "issn": issn, "issn_type": issn_type,
        "nlm_unique_id": nlm_id, "country": country, "status": status, "edat": edat,
        "date_revised": mdat, "authors": _authors(rng),
        "abstract_sections": _abstract_for(rng, abstract_kind, drug, cond, rng.randint(12, 420)),
        "publication_types": [PT[p] for p in pts], "volume": str(max(1, pdat.year - 1960)),
        "issue": str(rng.randint(1, 12)), "pages": f"{(s := rng.randint(1, 900))}-{s + 9}",
        "pub_model": "Print" if pdat.year < 2000 else ("Electronic-eCollection" if
                     issn_type == "Electronic" and rng.random() < 0.3 else "Print-Electronic"),
        **pub,
    }  # fmt: skip
    if fields["pub_model"] != "Print":
        fields["epub_date"] = edat - timedelta(days=rng.randint(0, 5))
    if status in ("MEDLINE", "PubMed-not-MEDLINE") and rng.random() < 0.9:
        fields["doi"] = f"10.{rng.randint(1000, 1099)}/{iso.split()[0].lower()}.{pdat.year}.{pmid}"
    if rng.random() < 0.25:
        fields["pmcid"] = f"PMC{rng.randint(1_000_000, 12_000_000)}"
    if status == "MEDLINE":
        fields["date_completed"] = min(edat + timedelta(days=rng.randint(20, 120)), mdat)
        species = [("D006801", "Humans", False), pop_mesh + (False,)]
        if design == "animal":
            species = [("D000818", "Animals", False), ("D051381", "Rats", False)]
        fields["mesh"] = [
            drug_mesh + (True, [("Q000627", "therapeutic use", True)]),
            cond_mesh + (True, [("Q000188", "drug therapy", True)]),
            *species, ("D008297", "Male", False), ("D005260", "Female", False),
        ]  # fmt: skip
        fields["chemicals"] = [chemical]
    _extras(rng, fields, design, pmid, pdat.year, iso, drug, short)
    return pmid, make_article(pmid, **fields), edat, mdat, pdat


def _status(rng: random.Random, edat: date, iso: str) -> str:
    if (CORPUS_END - edat).days < 150:
        return rng.choice(("Publisher", "In-Process", "In-Data-Review", "PubMed-not-MEDLINE"))
    if iso == "Front Psychiatry" or rng.random() < 0.05:
        return "PubMed-not-MEDLINE"
    return "MEDLINE"


def _extras(rng: random.Random, fields: dict, design: str, pmid: int, year: int, iso: str,
            drug: str, short: str) -> None:  # fmt: skip
    """Add the rarer parts: corrections, retractions, trials, grants, languages, versions."""
    ref = f"{iso}. {year + 1};{rng.randint(1, 60)}:{rng.randint(1, 900)}"
    other = pmid + rng.randint(1_000, 900_000)
    r = rng.random()
    if design == "erratum":
        fields["comments_corrections"] = [("ErratumFor", ref, pmid - rng.randint(1, 99_999))]
    elif r < 0.015 and design in ("rct", "obs", "open"):
        fields["comments_corrections"] = [("RetractionIn", ref, other)]
        fields["publication_types"] = [*fields["publication_types"], PT["retracted"]]
    elif r < 0.035:
        fields["comments_corrections"] = [("ErratumIn", ref, other)]
    elif r < 0.042:
        fields["comments_corrections"] = [("ExpressionOfConcernIn", ref, other)]
    elif r < 0.08:
        fields["comments_corrections"] = [("CommentIn", ref, other)]
    if design in ("rct", "open"):
        fields["databanks"] = [("ClinicalTrials.gov", [f"NCT0{rng.randint(1_000_000, 6_999_999)}"])]
    if rng.random() < 0.3:
        fields["grants"] = rng.sample(GRANTS, rng.randint(1, 2))
    if rng.random() < 0.5:
        fields["keywords"] = [drug, short, "psychedelic-assisted therapy"][: rng.randint(1, 3)]
    if rng.random() < 0.25:
        fields["coi_statement"] = "The authors declare no competing interests."
    if year >= 2019 and rng.random() < 0.2:
        fields["references"] = [f"Doe J, et al. {short} outcomes. {iso}. {year - k};1:1-9."
                                for k in range(1, 4)]  # fmt: skip
    if rng.random() < 0.04:
        fields["language"], vernacular = rng.choice(_FOREIGN)
        fields["vernacular_title"] = vernacular
        fields["title"] = f"[{fields['title'].rstrip('.')}]."
    if rng.random() < 0.005:
        fields["version"] = 2


_FOREIGN = (
    ("ger", "Ketamin bei therapieresistenter Depression."),
    ("fre", "La psilocybine dans le trouble de stress post-traumatique."),
    ("spa", "MDMA en el trastorno de estrés postraumático."),
)
