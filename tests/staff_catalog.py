"""A small catalog for the staff pages, built as production builds it: PubMed XML through
`harvest import` (the real parser, tagger and citations), so every tag on the pages is real.

Covers what the finder, home page, map and search must handle: a meta-analysis and trials of
ketamine for PTSD, MDMA trials (one retracted, with its retraction notice as a record),
psilocybin trials for depression before and after 2020, an erratum and its notice, an
expression of concern, an off-topic survey, an animal study and an editorial.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner

from harvest.cli import cli
from tests.standin_records import make_article, make_article_set

RCT = (("D016449", "Randomized Controlled Trial"), ("D016428", "Journal Article"))
META = (("D017418", "Meta-Analysis"), ("D000078182", "Systematic Review"))
PTSD_MESH = ("D013313", "Stress Disorders, Post-Traumatic", True)
KETAMINE_MESH = ("D007649", "Ketamine", True)
MDMA_MESH = ("D018817", "N-Methyl-3,4-methylenedioxyamphetamine", True)
PSILO_MESH = ("D011562", "Psilocybin", True)
DEPRESSION_MESH = ("D003866", "Depressive Disorder", True)
HUMANS = ("D006801", "Humans", False)


def _a(pmid: int, title: str, abstract: str, year: int, **fields) -> str:
    fields.setdefault("abstract_sections", [("", abstract)])
    fields.setdefault("doi", f"10.5555/test.{pmid}")
    fields.setdefault("edat", date(year, 3, 1))
    return make_article(pmid, title=title, year=year, **fields)


ARTICLES = [
    _a(24740528, "Efficacy of intravenous ketamine for treatment of chronic posttraumatic stress "
       "disorder: a randomized clinical trial.",
       "In this randomized, double-blind, crossover trial, 41 patients with chronic PTSD received "
       "an intravenous infusion of ketamine or midazolam. Ketamine rapidly reduced PTSD symptoms.",
       2014, journal="JAMA psychiatry", iso="JAMA Psychiatry", volume="71", issue="6",
       pages="681-8", authors=[("Feder", "Adriana", "A"), ("Parides", "Michael K", "MK")],
       publication_types=RCT, mesh=[PTSD_MESH, KETAMINE_MESH, HUMANS]),
    _a(33397139, "A randomized controlled trial of repeated ketamine administration for chronic "
       "posttraumatic stress disorder.",
       "Thirty participants with chronic PTSD were randomized to six intravenous infusions of "
       "ketamine or midazolam. Ketamine reduced PTSD severity more than midazolam.",
       2021, journal="The American journal of psychiatry", iso="Am J Psychiatry", volume="178",
       authors=[("Feder", "Adriana", "A"), ("Costi", "Sara", "S")], publication_types=RCT,
       mesh=[PTSD_MESH, KETAMINE_MESH, HUMANS]),
    _a(36500001, "Ketamine for posttraumatic stress disorder: a systematic review and "
       "meta-analysis.",
       "We pooled eight randomized trials (n = 334) of ketamine for PTSD. Ketamine was superior "
       "to control for PTSD symptoms.",
       2023, journal="Journal of affective disorders", iso="J Affect Disord",
       authors=[("Almeida", "Tiago M", "TM")], publication_types=META,
       mesh=[PTSD_MESH, KETAMINE_MESH, HUMANS], keywords=["ketamine", "PTSD", "meta-analysis"]),
    _a(33972795, "MDMA-assisted therapy for severe PTSD: a randomized, double-blind, "
       "placebo-controlled phase 3 study.",
       "In this randomized placebo-controlled trial, 90 participants with severe PTSD received "
       "MDMA-assisted therapy or placebo with therapy. MDMA reduced PTSD symptoms.",
       2021, journal="Nature medicine", iso="Nat Med", volume="27",
       authors=[("Mitchell", "Jennifer M", "JM")], publication_types=RCT,
       mesh=[PTSD_MESH, MDMA_MESH, HUMANS]),
    _a(31065731, "MDMA-assisted psychotherapy for treatment of PTSD: a pooled analysis of six "
       "phase 2 randomized controlled trials.",
       "We pooled six randomized trials of MDMA-assisted psychotherapy in 105 participants with "
       "PTSD. MDMA reduced PTSD symptoms.",
       2019, journal="Psychopharmacology", iso="Psychopharmacology (Berl)", volume="236",
       authors=[("Mithoefer", "Michael C", "MC")],
       publication_types=(("D016441", "Retracted Publication"), *META),
       comments_corrections=[("RetractionIn", "Psychopharmacology (Berl). 2024;241(9):1949",
                              39150510)],
       mesh=[PTSD_MESH, MDMA_MESH, HUMANS]),
    _a(39150510, "Retraction Note: MDMA-assisted psychotherapy for treatment of PTSD: a pooled "
       "analysis of six phase 2 randomized controlled trials.",
       "The editors have retracted this article about MDMA for PTSD.", 2024,
       journal="Psychopharmacology", iso="Psychopharmacology (Berl)", volume="241",
       authors=None, publication_types=(("D016440", "Retraction of Publication"),),
       comments_corrections=[("RetractionOf", "Psychopharmacology (Berl). 2019;236(9):2735-2745",
                              31065731)]),
    _a(34000001, "Psilocybin for major depressive disorder: a randomized clinical trial.",
       "In this randomized, double-blind trial, 104 adults with major depressive disorder "
       "received psilocybin or placebo. Psilocybin reduced depressive symptoms.",
       2023, journal="JAMA", iso="JAMA", authors=[("Raison", "Charles L", "CL")],
       publication_types=RCT, mesh=[DEPRESSION_MESH, PSILO_MESH, HUMANS]),
    _a(34000002, "Psilocybin with psychological support for treatment-resistant depression: a "
       "randomized controlled trial.",
       "In this randomized trial, 59 adults with moderate to severe major depressive disorder "
       "received psilocybin or escitalopram. Depression scores fell in both groups.",
       2018, journal="The New England journal of medicine", iso="N Engl J Med",
       authors=[("Carhart-Harris", "Robin", "R")], publication_types=RCT,
       mesh=[DEPRESSION_MESH, PSILO_MESH, HUMANS]),
    _a(34000003, "Psilocybin for posttraumatic stress disorder in veterans: an open-label "
       "pilot trial.",
       "In this open-label pilot trial, 15 veterans with PTSD received two doses of oral "
       "psilocybin. PTSD symptoms decreased.",
       2025, journal="Journal of psychopharmacology", iso="J Psychopharmacol",
       authors=[("Okafor", "Chioma N", "CN")], mesh=[PTSD_MESH, PSILO_MESH, HUMANS]),
    _a(36500003, "Intranasal esketamine for depression with comorbid PTSD: a case report.",
       "We report a veteran with PTSD and major depressive disorder who improved after "
       "intranasal esketamine.", 2020, journal="Cureus", iso="Cureus", volume="12",
       authors=[("Rossi", "Luca", "L")], publication_types=(("D002363", "Case Reports"),),
       comments_corrections=[("ErratumIn", "Cureus. 2020;12(6):c31", 36500099)],
       mesh=[PTSD_MESH, HUMANS]),
    _a(36500099, "Erratum: Intranasal esketamine for depression with comorbid PTSD: a case "
       "report.", "This corrects the article on esketamine for PTSD.", 2020,
       journal="Cureus", iso="Cureus", authors=None,
       publication_types=(("D016425", "Published Erratum"),),
       comments_corrections=[("ErratumFor", "Cureus. 2020;12(4):e7760", 36500003)]),
    _a(36500006, "Single-dose ketamine for treatment-resistant depression: a randomized trial.",
       "In this randomized trial, 60 adults with treatment-resistant depression received "
       "intravenous ketamine or midazolam. Ketamine outperformed active placebo.",
       2019, journal="Biological psychiatry", iso="Biol Psychiatry",
       authors=[("Kowalski", "Piotr", "P")], publication_types=RCT,
       comments_corrections=[("ExpressionOfConcernIn", "Biol Psychiatry. 2024;95(1):1",
                              38000002)], mesh=[DEPRESSION_MESH, KETAMINE_MESH, HUMANS]),
    _a(36500004, "Recreational ecstasy use among festival attendees.",
       "We surveyed 500 festival attendees about recreational ecstasy use and its harms.", 2022,
       journal="Drug and alcohol dependence", iso="Drug Alcohol Depend",
       authors=[("Smith", "Jane A", "JA")]),
    _a(36500007, "Ketamine reverses fear memory in a rat model of posttraumatic stress "
       "disorder.",
       "Male rats exposed to single prolonged stress, a model of PTSD, received ketamine. "
       "Ketamine reduced freezing in rats.", 2022, journal="Neuropharmacology",
       iso="Neuropharmacology", authors=[("Lee", "Min", "M")],
       mesh=[PTSD_MESH, KETAMINE_MESH, ("D051381", "Rats", False), ("D000818", "Animals", False)]),
    _a(36500005, "Psychedelics and trauma: cautious optimism about MDMA and psilocybin for PTSD.",
       "Editorial on MDMA and psilocybin therapy for PTSD.", 2022,
       journal="The Lancet. Psychiatry", iso="Lancet Psychiatry", authors=None,
       publication_types=(("D016421", "Editorial"),)),
]  # fmt: skip


def build_staff_catalog(folder: Path) -> Path:
    """Write the articles as PubMed XML and `harvest import` them into folder/catalog.db."""
    folder.mkdir(parents=True, exist_ok=True)
    xml = folder / "staff.xml"
    xml.write_text(make_article_set(ARTICLES), encoding="utf-8")
    db = folder / "catalog.db"
    result = CliRunner().invoke(cli, ["import", str(xml), "--db", str(db), "--quiet"])
    if result.exit_code != 0:
        raise RuntimeError(f"harvest import failed: {result.output}")
    return db
