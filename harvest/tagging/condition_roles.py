"""How a condition mention counts beyond its sentence: the senses of a bare "trauma", the
conditions a sample is split by, a review's and a use survey's conditions, and patients named
only in the background (issue 12; the tagging guide's "conditions: what the study is about").
"""

from __future__ import annotations

from harvest.tagging.context import POPULATION_BEFORE, STRONG_ROLES, Doc
from harvest.tagging.taxonomy import Taxonomy

STRATIFIER_GAP = 20  # characters between "with and without" and the condition it splits by


class Found:
    """Tags of one facet with their (source, evidence) pairs, in the order they were found."""

    def __init__(self):
        self.tags: dict[str, dict[str, str]] = {}

    def add(self, slug: str, source: str, evidence: str) -> None:
        sources = self.tags.get(slug)
        if sources is None:  # (not setdefault: no new dict for a tag already found)
            self.tags[slug] = {source: evidence}
        else:
            sources.setdefault(source, evidence)

    def merge(self, other: Found, only=None) -> None:
        for slug, sources in other.tags.items():
            if only is None or slug in only:
                for source, evidence in sources.items():
                    self.add(slug, source, evidence)

    def drop_text_only(self, slugs) -> None:
        """Remove the tags of `slugs` that no MeSH heading gives (an indexer's heading stays)."""
        for slug in set(slugs) & set(self.tags):
            if "mesh" not in self.tags[slug]:
                del self.tags[slug]


def trauma_senses(doc: Doc, taxonomy: Taxonomy, found: Found, review: bool) -> None:
    """Give a bare "trauma" the injury or the psychological sense from its context."""
    roles = taxonomy.roles
    PSYCH, INJURY = roles.psychological_trauma, roles.physical_injury
    specific = doc.by_facet.get("conditions", ())
    injury_near = doc.cue_sentences("injury_context")
    psych_near = doc.cue_sentences("psych_context") | {
        doc.where[h]
        for facet in ("conditions", "modalities")
        for h in doc.by_facet.get(facet, ())
        if h.name in roles.psychological_signals
    }
    implying_psych = {s for s in found.tags if PSYCH in taxonomy.implies[s] or s == PSYCH}
    for hit in doc.cues.get("trauma_bare", ()):
        if any(h.start <= hit.start < h.end for h in specific):
            continue
        if doc.strength(hit, review=review) != "strong":
            continue
        i = doc.where[hit]
        injury = i in injury_near
        psych = i in psych_near
        if not injury and not psych:
            injury, psych = INJURY in found.tags, bool(implying_psych)
        if not injury and not psych:  # the record's context ("prehospital ... trauma patients")
            injury, psych = bool(injury_near), bool(psych_near)
        if injury and not psych:
            found.add(INJURY, "rule", f"{doc.snippet(hit)} (injury context)")
        elif psych and not injury:
            found.add(PSYCH, "rule", f"{doc.snippet(hit)} (psychological context)")


def stratifiers(doc: Doc, found: Found) -> set[str]:
    """Conditions the record splits its sample by ("with and without comorbid anxiety"),
    unless a result reports on the condition itself ("PCL-5 scores fell in those with PTSD")."""
    out = set()
    hits = doc.by_facet.get("conditions", ())
    for cue in doc.cues.get("subgroup", ()):
        for hit in hits:
            if hit.name in found.tags and 0 <= hit.start - cue.end <= STRATIFIER_GAP:
                if doc.where[hit] == doc.where[cue]:
                    out.add(hit.name)
    for hit in hits:
        if hit.name in out and doc.sentence_of(hit).role == "results":
            start = max(doc.sentence_of(hit).start, hit.start - 40)
            if doc.judge(hit) == ("strong", "outcome") and not POPULATION_BEFORE.search(
                doc.lower, start, hit.start
            ):
                out.discard(hit.name)
    return out


def patients_described(doc: Doc) -> bool:
    """The study's own sentences describe patients (not healthy volunteers)."""
    if doc.healthy:
        return False
    return any(doc.sentence_of(h).role in STRONG_ROLES for h in doc.cue_hits("patients"))


def narrower(taxonomy: Taxonomy, found: Found, primary: set[str]) -> set[str]:
    """Tags narrower than a primary one (treatment-resistant depression in a review of
    depression) named outside the background: what a review is about, more precisely."""
    return {
        slug
        for slug, sources in found.tags.items()
        if set(taxonomy.implies[slug]) & primary
        and any(not e.startswith("background:") for e in sources.values())
    }


def review_scope(doc: Doc, found: Found, design: str) -> set[str]:
    """Tags named in a sentence where the review states its design and scope ("We review the
    evidence ... including effects on suicidal ideation"): the review's own aim."""
    scope = {doc.where[h] for h in doc.by_facet.get("design", ()) if h.name == design}
    return {
        h.name
        for h in doc.by_facet.get("conditions", ())
        if doc.where[h] in scope and h.name in found.tags and doc.sentence_of(h).source != "title"
    }


def surveys_users(doc: Doc, design: str, roles) -> bool:
    """A primary study that surveys people who use the substance ("clubbers reported MDMA
    use"): about substance use. Toxicity, harms or reviews of recreational use that survey
    nobody ("hyponatraemia after MDMA") name no use disorder, so no condition (the guide)."""
    if design not in roles.primary_designs:
        return False
    return any(doc.sentence_of(h).role in STRONG_ROLES for h in doc.cues.get("survey", ()))


def background_only(weak: Found) -> set[str]:
    """Weak tags found in background sentences (not adverse events or future work)."""
    return {
        slug
        for slug, sources in weak.tags.items()
        if any(e.startswith("background:") for e in sources.values())
    }


def harms_review(found: Found, survey: str, roles) -> None:
    """A review of recreational use or its harms names substance use as a condition only where
    it names a use disorder ("ecstasy abuse", "dependence"), not use itself ("ecstasy use",
    "MDMA users"): the guide's substance-use is a use disorder targeted."""
    words = roles.use_disorder_words
    if not any(w in e.lower() for e in found.tags[survey].values() for w in words):
        del found.tags[survey]
