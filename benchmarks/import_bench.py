# ruff: noqa: E501
"""Benchmark `harvest import` against a bare streaming ElementTree parse of the same file.

    python benchmarks/import_bench.py [--records 20000] [--gzip] [--keep DIR] [--trace]

Generates N realistic PubMed records (structured abstracts, authors with affiliations and ORCIDs,
MeSH with qualifiers, publication types, keywords, chemicals, grants, history, reference lists),
then, in the same run and each in a fresh subprocess:
  1. the floor: ElementTree.iterparse over the file, touching the fields the harvester stores;
  2. `harvest import FILE --db NEW.db` end to end (parse, normalise, tag, cite, store, FTS index).
Prints records/s, the ratio of import time to the floor, and each one's peak memory (max RSS);
also each one's CPU seconds summed over its process tree and their ratio, which other jobs on a
shared machine disturb less than the wall-clock ratio (the import's work, on however many cores).
Targets (issue 11): ratio <= 2.5 (the bar is 3.0) and import peak memory < 400 MB for the whole
process tree. `--trace` also prints how many cores the import's parent and each worker used,
second by second, and its phases (start-up, workers running, tail, the parent alone at the end).
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from import_trace import Trace  # noqa: E402

HEADER = (
    '<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, '
    '1st January 2025//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
    "<PubmedArticleSet>\n"
)
SUBSTANCES = ["ketamine", "esketamine", "psilocybin", "MDMA", "arketamine", "midazolam"]
CONDITIONS = [
    "post-traumatic stress disorder",
    "treatment-resistant depression",
    "major depressive disorder",
    "generalized anxiety disorder",
    "suicidal ideation",
    "alcohol use disorder",
    "acute pain after trauma",
]
DESIGNS = [
    (
        "D016449",
        "Randomized Controlled Trial",
        "a randomized, double-blind, placebo-controlled trial",
    ),
    ("D017418", "Meta-Analysis", "a systematic review and meta-analysis"),
    ("D064888", "Observational Study", "a retrospective cohort study"),
    ("D002363", "Case Reports", "a case report"),
    ("D016454", "Review", "a narrative review"),
    ("D016430", "Clinical Trial", "an open-label trial"),
]
MESH = [
    ("D006801", "Humans"),
    ("D008297", "Male"),
    ("D005260", "Female"),
    ("D000328", "Adult"),
    ("D008875", "Middle Aged"),
    ("D007649", "Ketamine"),
    ("D011562", "Psilocybin"),
    ("D018817", "N-Methyl-3,4-methylenedioxyamphetamine"),
    ("D013313", "Stress Disorders, Post-Traumatic"),
    ("D061218", "Depressive Disorder, Treatment-Resistant"),
    ("D003865", "Depressive Disorder, Major"),
    ("D001008", "Anxiety Disorders"),
    ("D059020", "Suicidal Ideation"),
    ("D014728", "Veterans"),
    ("D000928", "Antidepressive Agents"),
    ("D006213", "Hallucinogens"),
    ("D016896", "Treatment Outcome"),
    ("D004311", "Double-Blind Method"),
]
QUALIFIERS = [
    ("Q000188", "drug therapy"),
    ("Q000627", "therapeutic use"),
    ("Q000008", "administration & dosage"),
    ("Q000503", "physiopathology"),
]
WORDS = (
    "patients participants symptoms severity scores baseline week infusion dose response "
    "remission placebo treatment outcome primary secondary measure scale clinician rated "
    "self report adverse events dissociation blood pressure sessions therapy integration "
    "preparation follow-up months improvement significant difference group analysis model "
    "effect size confidence interval mixed effects sustained rapid onset tolerability"
).split()
LAST = ["Smith", "Garcia", "Nguyen", "Kim", "Müller", "Rossi", "Cohen", "Okafor", "Singh", "Lee"]
FORE = ["Anna", "James", "Li", "Maria", "Omar", "Sofia", "David", "Yuki", "Elena", "Samuel"]


def sentence(rng: random.Random, n: int) -> str:
    """A plausible sentence of n words."""
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def article(pmid: int, rng: random.Random, refs: bool = True) -> str:
    """One compact <PubmedArticle> line, shaped like 2025 efetch output."""
    substance, condition = rng.choice(SUBSTANCES), rng.choice(CONDITIONS)
    ui, pt, phrase = rng.choice(DESIGNS)
    year = rng.randint(1995, 2025)
    title = escape(f"{substance.capitalize()} for {condition} in adults: {phrase}.")
    sections = "".join(
        f'<AbstractText Label="{label}" NlmCategory="{label}">'
        + escape(" ".join(sentence(rng, rng.randint(12, 24)) for _ in range(rng.randint(2, 4))))
        + (
            ""
            if label != "RESULTS"
            else f" Of {rng.randint(12, 400)} participants randomized,"
            f" <i>p</i> &lt; 0.05 and r<sup>2</sup> = 0.{rng.randint(1, 9)}."
        )
        + "</AbstractText>"
        for label in ("BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS")
    )
    authors = "".join(
        f'<Author ValidYN="Y"><LastName>{rng.choice(LAST)}</LastName><ForeName>{rng.choice(FORE)}'
        f"</ForeName><Initials>{rng.choice('ABCDEFGH')}</Initials>"
        + (
            f'<Identifier Source="ORCID">0000-000{i}-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}'
            "</Identifier>"
            if i % 3 == 0
            else ""
        )
        + f"<AffiliationInfo><Affiliation>Department of Psychiatry, University {i}, City, "
        "Country.</Affiliation></AffiliationInfo></Author>"
        for i in range(rng.randint(3, 12))
    )
    mesh = "".join(
        f'<MeshHeading><DescriptorName UI="{u}" MajorTopicYN="{rng.choice("NY")}">{escape(n)}'
        "</DescriptorName>"
        + "".join(
            f'<QualifierName UI="{qu}" MajorTopicYN="N">{escape(qn)}</QualifierName>'
            for qu, qn in rng.sample(QUALIFIERS, rng.randint(0, 2))
        )
        + "</MeshHeading>"
        for u, n in rng.sample(MESH, rng.randint(0, 14))
    )
    references = "".join(
        f"<Reference><Citation>{escape(sentence(rng, 14))} J Psychiatr Res. {rng.randint(1990, 2024)};"
        f"{rng.randint(1, 200)}:{rng.randint(1, 999)}.</Citation><ArticleIdList><ArticleId "
        f'IdType="pubmed">{rng.randint(1000000, 39000000)}</ArticleId></ArticleIdList></Reference>'
        for _ in range(rng.randint(10, 40) if refs else 0)
    )
    month = rng.randint(1, 12)
    return (
        '<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM" IndexingMethod="Automated">'
        f'<PMID Version="1">{pmid}</PMID><DateCompleted><Year>{year}</Year><Month>{month:02d}'
        f"</Month><Day>15</Day></DateCompleted><DateRevised><Year>2025</Year><Month>01</Month>"
        '<Day>10</Day></DateRevised><Article PubModel="Print-Electronic"><Journal><ISSN '
        'IssnType="Electronic">1573-2517</ISSN><JournalIssue CitedMedium="Internet"><Volume>'
        f"{rng.randint(1, 400)}</Volume><Issue>{rng.randint(1, 12)}</Issue><PubDate><Year>{year}"
        f"</Year><Month>{month:02d}</Month></PubDate></JournalIssue><Title>Journal of affective "
        "disorders</Title><ISOAbbreviation>J Affect Disord</ISOAbbreviation></Journal>"
        f"<ArticleTitle>{title}</ArticleTitle><Pagination><MedlinePgn>{rng.randint(1, 500)}-"
        f'{rng.randint(501, 999)}</MedlinePgn></Pagination><ELocationID EIdType="doi" '
        f'ValidYN="Y">10.1016/j.jad.{year}.{pmid}</ELocationID><Abstract>{sections}</Abstract>'
        f'<AuthorList CompleteYN="Y">{authors}</AuthorList><Language>eng</Language><GrantList>'
        "<Grant><GrantID>R01 MH000001</GrantID><Acronym>MH</Acronym><Agency>NIMH NIH HHS</Agency>"
        "<Country>United States</Country></Grant></GrantList><PublicationTypeList>"
        '<PublicationType UI="D016428">Journal Article</PublicationType>'
        f'<PublicationType UI="{ui}">{pt}</PublicationType></PublicationTypeList><ArticleDate '
        f'DateType="Electronic"><Year>{year}</Year><Month>{month:02d}</Month><Day>02</Day>'
        "</ArticleDate></Article><MedlineJournalInfo><Country>Netherlands</Country><MedlineTA>"
        "J Affect Disord</MedlineTA><NlmUniqueID>7906073</NlmUniqueID></MedlineJournalInfo>"
        "<ChemicalList><Chemical><RegistryNumber>690G0D6V8H</RegistryNumber><NameOfSubstance "
        'UI="D007649">Ketamine</NameOfSubstance></Chemical></ChemicalList>'
        f"<MeshHeadingList>{mesh}</MeshHeadingList>"
        f'<KeywordList Owner="NOTNLM"><Keyword MajorTopicYN="N">{escape(substance)}</Keyword>'
        f'<Keyword MajorTopicYN="N">{escape(condition)}</Keyword></KeywordList>'
        "<CoiStatement>The authors declare no conflicts of interest.</CoiStatement>"
        "</MedlineCitation><PubmedData><History>"
        f'<PubMedPubDate PubStatus="received"><Year>{year}</Year><Month>01</Month><Day>03'
        f'</Day></PubMedPubDate><PubMedPubDate PubStatus="entrez"><Year>{year}</Year><Month>'
        f"{month:02d}</Month><Day>04</Day></PubMedPubDate></History><PublicationStatus>ppublish"
        f'</PublicationStatus><ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId>'
        f'<ArticleId IdType="doi">10.1016/j.jad.{year}.{pmid}</ArticleId></ArticleIdList>'
        f"<ReferenceList>{references}</ReferenceList></PubmedData></PubmedArticle>"
    )


def write_corpus(
    path: Path, n: int, seed: int = 7, compress: bool = False, refs: bool = True
) -> None:
    """Write n generated records to path (gzip when compress)."""
    rng = random.Random(seed)
    opener = gzip.open if compress else open
    with opener(path, "wt", encoding="utf-8") as fp:
        fp.write(HEADER)
        for i in range(n):
            fp.write(article(30_000_000 + i, rng, refs) + "\n")
        fp.write("</PubmedArticleSet>")


FLOOR = r"""
import gzip, sys, xml.etree.ElementTree as ET
path = sys.argv[1]
stream = gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb")
n = 0
# Every field `harvest import` stores, read the plainest way ElementTree allows.
texts = ("MedlineCitation/PMID", "MedlineCitation/Article/ArticleTitle",
         "MedlineCitation/Article/VernacularTitle", "MedlineCitation/Article/Journal/Title",
         "MedlineCitation/Article/Journal/ISOAbbreviation", "MedlineCitation/Article/Journal/ISSN",
         "MedlineCitation/Article/Journal/JournalIssue/Volume",
         "MedlineCitation/Article/Journal/JournalIssue/Issue",
         "MedlineCitation/Article/Journal/JournalIssue/PubDate/Year",
         "MedlineCitation/Article/Journal/JournalIssue/PubDate/Month",
         "MedlineCitation/Article/Journal/JournalIssue/PubDate/MedlineDate",
         "MedlineCitation/Article/Pagination/MedlinePgn", "MedlineCitation/Article/Language",
         "MedlineCitation/MedlineJournalInfo/MedlineTA",
         "MedlineCitation/MedlineJournalInfo/NlmUniqueID", "MedlineCitation/CoiStatement",
         "MedlineCitation/DateRevised/Year", "MedlineCitation/DateCompleted/Year",
         "PubmedData/PublicationStatus", "MedlineCitation/Article/Abstract/CopyrightInformation")
lists = {
    "MedlineCitation/Article/Abstract/AbstractText": (),
    "MedlineCitation/Article/AuthorList/Author": ("LastName", "ForeName", "Initials", "Suffix",
        "CollectiveName", "Identifier", "AffiliationInfo/Affiliation"),
    "MedlineCitation/MeshHeadingList/MeshHeading": ("DescriptorName", "QualifierName"),
    "MedlineCitation/Article/PublicationTypeList/PublicationType": (),
    "MedlineCitation/KeywordList/Keyword": (),
    "MedlineCitation/ChemicalList/Chemical": ("RegistryNumber", "NameOfSubstance"),
    "MedlineCitation/CommentsCorrectionsList/CommentsCorrections": ("RefSource", "PMID"),
    "MedlineCitation/Article/DataBankList/DataBank": ("DataBankName",
        "AccessionNumberList/AccessionNumber"),
    "MedlineCitation/Article/GrantList/Grant": ("GrantID", "Acronym", "Agency", "Country"),
    "MedlineCitation/Article/ELocationID": (),
    "MedlineCitation/Article/ArticleDate": ("Year", "Month", "Day"),
    "PubmedData/History/PubMedPubDate": ("Year", "Month", "Day"),
    "PubmedData/ArticleIdList/ArticleId": (),
}
for event, elem in ET.iterparse(stream, events=("end",)):
    if elem.tag != "PubmedArticle":
        continue
    touched = ["".join(e.itertext()) for e in map(elem.find, texts) if e is not None]
    for path, fields in lists.items():
        for item in elem.iterfind(path):
            touched.append(("".join(item.itertext()), item.attrib))
            touched.extend(item.findtext(f) for f in fields)
    n += 1
    elem.clear()
print(n)
"""


def _tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants (kB), from /proc."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields.get("PPid", "0").strip() or 0)
        rss[int(entry.name)] = int((fields.get("VmRSS", "0 kB").split() or ["0"])[0])
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sum(rss.get(pid, 0) for pid in tree)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], trace: bool = False) -> tuple[float, float, str, float]:
    """(seconds, peak resident memory of the whole process tree in MB, stdout, CPU seconds of
    the tree) for a command; with `trace`, its per-process CPU trace printed after it."""
    cpu_before = _children_cpu()
    start = time.perf_counter()
    process = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
    )
    peak_kb = 0
    tracer = Trace(process.pid) if trace else None
    while process.poll() is None:
        peak_kb = max(peak_kb, _tree_rss_kb(process.pid))
        if tracer:
            tracer.sample()
        time.sleep(0.2)
    stdout, stderr = process.communicate()
    seconds = time.perf_counter() - start
    if process.returncode != 0:
        sys.exit(f"benchmark command failed: {' '.join(cmd)}\n{stderr}")
    if tracer:
        print("\n".join(tracer.report()))
    return seconds, peak_kb / 1024, stdout.strip(), _children_cpu() - cpu_before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--gzip", action="store_true", help="benchmark a .xml.gz file")
    parser.add_argument(
        "--no-references", action="store_true", help="records without reference lists (lighter)"
    )
    parser.add_argument("--keep", type=Path, help="folder to keep the corpus and catalog in")
    parser.add_argument("--trace", action="store_true", help="per-process CPU of the import")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="import-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / ("corpus.xml.gz" if args.gzip else "corpus.xml")
    db = folder / "bench.db"
    for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        path.unlink(missing_ok=True)
    write_corpus(corpus, args.records, compress=args.gzip, refs=not args.no_references)
    size_mb = corpus.stat().st_size / 1e6
    python = sys.executable
    floor_s, floor_mb, count, floor_cpu = timed([python, "-c", FLOOR, str(corpus)])
    harvest = [python, "-m", "harvest", "import", str(corpus), "--db", str(db), "--quiet"]
    import_s, import_mb, _, import_cpu = timed(harvest, trace=args.trace)
    ratio = import_s / floor_s
    print(f"records: {count} ({size_mb:.1f} MB {'gzip ' if args.gzip else ''}XML)")
    print(f"floor (ElementTree iterparse): {floor_s:.2f}s, {int(count) / floor_s:,.0f} records/s")
    print(f"harvest import: {import_s:.2f}s, {int(count) / import_s:,.0f} records/s")
    print(f"ratio import/floor: {ratio:.2f}x (target <= 2.5, bar 3.0)")
    print(
        f"peak memory (all processes, RSS): import {import_mb:.0f} MB (target < 400), "
        f"floor {floor_mb:.0f} MB"
    )
    print(
        f"CPU (all processes): floor {floor_cpu:.2f}s, import {import_cpu:.2f}s, "
        f"ratio {import_cpu / floor_cpu:.2f}x; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
