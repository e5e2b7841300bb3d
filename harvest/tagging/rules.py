"""Record-level rules of the tagger: design, human, on-topic and the status flags.

Each rule returns its value with the provenance that explains it: (value, source, evidence).
"""

from __future__ import annotations

import re
from collections import Counter

from harvest.tagging.context import STRONG_ROLES, Doc
from harvest.tagging.taxonomy import Taxonomy

MA, SR = "meta-analysis", "systematic-review"
RETRACTED_TYPES = {"retracted publication", "D016441"}
RETRACTED_REFS = {"RetractionIn", "RetractedandRepublishedIn"}
ERRATUM_REFS = {"ErratumIn", "CorrectedandRepublishedIn"}
CONCERN_REFS = {"ExpressionOfConcernIn"}
RETRACTED_TITLE = ("retracted:", "retracted article:", "[retracted]")
NAMED = 3  # score of a design named by a publication type or the title
PRIMARY_DESIGNS = ("rct", "non-randomized-trial", "open-label-trial", "observational")
# Section labels of systematic-review abstracts (PRISMA, JAMA style).
REVIEW_LABELS = re.compile(
    r"DATA SOURCE|STUDY SELECTION|DATA EXTRACTION|DATA SYNTHESIS|ELIGIBILITY CRITERIA|"
    r"SEARCH METHOD|SEARCH STRATEGY|SELECTION CRITERIA|INFORMATION SOURCE|EVIDENCE ACQUISITION"
)
# Section labels of narrative reviews (Current Opinion, Expert Opinion journals).
NARRATIVE_LABELS = re.compile(r"PURPOSE OF REVIEW|RECENT FINDINGS|AREAS COVERED|EXPERT OPINION")


class DesignSignals:
    """Where each design is named: publication types, title, abstract (strong or weak cues)."""

    def __init__(self, record: dict, doc: Doc, taxonomy: Taxonomy, participants: bool = False):
        self.pt: dict[str, str] = {}
        self.pt_weak: dict[str, str] = {}
        for pt in record.get("publication_types") or []:
            name = pt.get("name") or ""
            for key in (pt.get("ui"), f"name:{name.lower()}"):
                for slug, weak in taxonomy.pt_index.get(key, ()) if key else ():
                    (self.pt_weak if weak else self.pt).setdefault(slug, name)
        self.title: dict[str, str] = {}
        self.title_weak: dict[str, str] = {}
        self.body: Counter = Counter()
        self.body_weak: Counter = Counter()
        self.evidence: dict[tuple[str, str], str] = {}
        for hit in doc.by_facet.get("design", ()):
            sentence = doc.sentence_of(hit)
            text = doc.snippet(hit)
            if sentence.source == "title":
                target = self.title_weak if hit.kind in ("weak", "weak_title") else self.title
                target.setdefault(hit.name, text)
            elif hit.kind in ("term", "weak") and sentence.role in STRONG_ROLES:
                (self.body if hit.kind == "term" else self.body_weak)[hit.name] += 1
                self.evidence.setdefault((hit.name, hit.kind), text)
        self.results = sum(
            1 for h in doc.cues.get("results", ()) if doc.sentence_of(h).source == "abstract"
        )
        self.has_abstract = doc.has_abstract
        self.participants = participants
        for pattern, slug in ((REVIEW_LABELS, SR), (NARRATIVE_LABELS, "narrative-review")):
            labels = [label for label in doc.labels if pattern.search(label)]
            if labels:
                self.body[slug] += 2
                self.evidence.setdefault((slug, "term"), labels[0].title())

    def score(self, slug: str) -> int:
        """3 if a publication type or the title names the design, plus abstract cues (max 3)."""
        return NAMED * (slug in self.pt or slug in self.title) + min(self.body[slug], 3)

    def named(self, slug: str) -> tuple[str, str] | None:
        """(source, evidence) when a publication type or the title names the design."""
        if slug in self.pt:
            return "publication_type", self.pt[slug]
        if slug in self.title:
            return "title", self.title[slug]
        return None

    def cited(self, slug: str, weak: bool = False) -> tuple[str, str] | None:
        """(source, evidence) when the title or the abstract's own sentences name the design."""
        named = self.named(slug) if not weak else None
        if named:
            return named
        if weak and slug in self.title_weak:
            return "title", self.title_weak[slug]
        counts = self.body_weak if weak else self.body
        if counts[slug]:
            return "abstract", self.evidence[(slug, "weak" if weak else "term")]
        return None


def decide_design(signals: DesignSignals, human: int) -> tuple[str, str, str]:
    """Exactly one design, by precedence; text can overrule a misleading publication type."""
    s = signals
    others = set(s.pt) - {"commentary"}
    if "commentary" in s.pt and not others:
        return "commentary", "publication_type", s.pt["commentary"]
    if "commentary" in s.title:
        return "commentary", "title", s.title["commentary"]
    protocol = _protocol(s)
    if protocol:
        return protocol
    synthesis = s.body[MA] and s.body[SR] and s.body[MA] + s.body[SR] >= 3
    if s.named(MA) or synthesis or (s.body[MA] and s.named(SR)):
        return MA, *(s.named(MA) or s.named(SR) or ("abstract", s.evidence[(MA, "term")]))
    if "narrative-review" in s.title and "narrative review" in s.title["narrative-review"].lower():
        return "narrative-review", "title", s.title["narrative-review"]
    if s.score(SR) >= 2:
        return SR, *(s.named(SR) or ("abstract", s.evidence[(SR, "term")]))
    for slug in ("guideline", "case-report"):
        if s.named(slug):
            return slug, *s.named(slug)
    if "narrative-review" in s.pt and not others & set(PRIMARY_DESIGNS):
        return "narrative-review", "publication_type", s.pt["narrative-review"]
    if s.body["commentary"]:
        return "commentary", "abstract", s.evidence[("commentary", "term")]
    review = s.cited("narrative-review")
    if review and not (set(s.pt) & set(PRIMARY_DESIGNS)):
        return "narrative-review", *review
    if s.cited("case-report"):
        return "case-report", *s.cited("case-report")
    if human == 0:
        return "preclinical", "rule", "animal or in-vitro study"
    for slug in PRIMARY_DESIGNS:
        found = s.cited(slug)
        if found:
            return slug, *found
        if slug == "open-label-trial" and "open-label-trial" in s.pt_weak:
            return slug, "publication_type", s.pt_weak[slug]
    for slug in ("open-label-trial", "observational", "case-report", "narrative-review"):
        found = s.cited(slug, weak=True)
        if found:
            return slug, *found
    if "commentary" in s.pt_weak or not s.has_abstract:
        return "commentary", *(
            ("publication_type", s.pt_weak["commentary"])
            if "commentary" in s.pt_weak
            else ("rule", "no abstract")
        )
    if s.results or s.participants:
        return "observational", "rule", "reports participants or results without naming a design"
    return "narrative-review", "rule", "no study design named"


def _protocol(s: DesignSignals) -> tuple[str, str, str] | None:
    """A protocol unless a publication type alone says so and the abstract reports results."""
    future = s.body["protocol"]
    named = s.named("protocol")
    if not (named or future >= 2 or ("protocol" in s.title_weak and future)):
        return None
    completed = s.results >= 2 and future == 0
    if "protocol" in s.title or not completed:
        if named:
            return ("protocol", *named)
        if "protocol" in s.title_weak:
            return "protocol", "title", s.title_weak["protocol"]
        return "protocol", "abstract", s.evidence[("protocol", "term")]
    return None


def decide_human(record: dict, doc: Doc) -> tuple[int, str, str]:
    """0 for animal or in-vitro studies, 1 otherwise (MeSH check tags first, then the text)."""
    names = {(m.get("name") or "").lower() for m in record.get("mesh") or []}
    if "humans" in names:
        return 1, "mesh", "Humans"
    if "animals" in names:
        return 0, "mesh", "Animals"
    animal = [h for h in doc.by_facet.get("populations", ()) if h.name == "animals"]
    animal = [h for h in animal if doc.strength(h) == "strong"]
    people = [h for h in doc.cues.get("human", ()) if doc.strength(h) == "strong"]
    if not animal:
        return 1, "rule", "no animal or in-vitro terms"
    evidence = doc.snippet(animal[0])
    in_title = [h for h in animal if doc.sentence_of(h).source == "title"]
    people_in_title = [h for h in people if doc.sentence_of(h).source == "title"]
    if in_title and not people_in_title:
        return 0, "title", evidence
    if len(people) <= 1 and len(animal) >= 2 * len(people):
        return 0, doc.sentence_of(animal[0]).source, evidence
    return 1, "rule", "human participants as well as animal terms"


def decide_on_topic(
    taxonomy: Taxonomy,
    doc: Doc,
    conditions: list[str],
    modalities: list[str],
    primary: set[str],
) -> tuple[int, str]:
    """1 when a target substance is studied for a target condition (treatment or mechanism)."""
    tags = taxonomy.tags
    substances = [m for m in modalities if tags[m].target]
    targets = [c for c in conditions if tags[c].target]
    if not substances:
        return 0, "no target substance studied"
    if not targets:
        return 0, "no target condition studied"
    primary_targets = {c for c in primary if tags[c].target}
    others = sorted(c for c in primary if not tags[c].target)
    if others and not primary_targets:
        return 0, f"primary condition is {', '.join(others)}"
    title_cues = _title_cues(doc)
    if "anaesthesia" in title_cues and not primary_targets:
        return 0, "anaesthesia, sedation or analgesia study"
    if "recreational" in title_cues and "therapeutic" not in title_cues:
        return 0, "recreational use or harms"
    recreational = _strong_count(doc, "recreational")
    if recreational >= 2 and recreational > _strong_count(doc, "therapeutic"):
        return 0, "recreational use or harms"
    return 1, f"{substances[0]} for {targets[0]}"


def _title_cues(doc: Doc) -> set[str]:
    """The cues named in the title (the first sentence, when there is a title)."""
    if not doc.sentences or doc.sentences[0].source != "title":
        return set()
    where = doc.where  # each cue's hits are in text order: the first is in the title, if any
    return {name for name, hits in doc.cues.items() if where[hits[0]] == 0}


def _strong_count(doc: Doc, cue: str) -> int:
    return sum(1 for h in doc.cues.get(cue, ()) if doc.sentence_of(h).role in STRONG_ROLES)


def decide_flags(record: dict) -> dict[str, tuple[int, str, str]]:
    """retracted / erratum / expression_of_concern for the article this record represents.

    A notice (a retraction, erratum or expression of concern) is not itself flagged.
    """
    flags = {"retracted": None, "erratum": None, "expression_of_concern": None}
    for pt in record.get("publication_types") or []:
        if pt.get("ui") in RETRACTED_TYPES or (pt.get("name") or "").lower() in RETRACTED_TYPES:
            flags["retracted"] = ("publication_type", pt.get("name") or pt.get("ui"))
    for ref in record.get("comments_corrections") or []:
        kind = ref.get("type")
        for flag, kinds in (
            ("retracted", RETRACTED_REFS),
            ("erratum", ERRATUM_REFS),
            ("expression_of_concern", CONCERN_REFS),
        ):
            if kind in kinds and flags[flag] is None:
                flags[flag] = ("rule", f"{kind}: {ref.get('source') or ref.get('pmid')}")
    title = (record.get("title") or "").lower()
    notice = any(
        (pt.get("name") or "").lower() == "retraction of publication"
        for pt in record.get("publication_types") or []
    ) or any(ref.get("type") == "RetractionOf" for ref in record.get("comments_corrections") or [])
    if flags["retracted"] is None and not notice and title.startswith(RETRACTED_TITLE):
        flags["retracted"] = ("title", record["title"][:40])
    return {k: (1, *v) if v else (0, "", "") for k, v in flags.items()}
