"""Record-level rules of the tagger: the design (human and the status flags are in
harvest.tagging.record_flags).

Each rule returns its value with the provenance that explains it: (value, source, evidence).
"""

from __future__ import annotations

import re
from collections import Counter

from harvest.tagging.context import STRONG_ROLES, Doc
from harvest.tagging.sample_size import extract_sample_size
from harvest.tagging.taxonomy import Taxonomy
from harvest.tagging.topic_cues import is_recreational

NAMED = 3  # score of a design named by a publication type or the title
META_WORD = "meta"  # a pooling cue that names a meta-analysis ("meta-analysis", "meta-regression")
POOL_WORD = "pool"  # a pooling cue that says the data were pooled ("pooled estimates")
# trial cues that state randomisation (or its counterbalanced order), not only blinding or placebo
RANDOM_WORDS = ("random", "counterbalanc")
# A dose or a dosing session named in an intervention sentence: "received the three doses".
DOSE_WORDS = re.compile(
    r"\b(?:doses?|infusions?|injections?|dosing|sessions?|\d+(?:\.\d+)? ?(?:mg|µg))\b", re.I
)


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
        self.doc = doc
        self.meta_named = False  # the abstract's pooling cues include "meta-analysis" itself
        self.pool_named = False  # ... or say "pooled" (not only "forest plot", "I2")
        roles = taxonomy.roles
        trial, pooled = roles.primary_designs[0], roles.pooled_design
        self.randomised = False  # a design cue says "randomised" (not only "double-blind")
        for hit in doc.by_facet.get("design", ()):
            sentence = doc.sentence_of(hit)
            text = doc.snippet(hit)
            if hit.name == trial and sentence.role in STRONG_ROLES:
                lower = text.lower()
                if any(w in lower for w in RANDOM_WORDS):
                    self.randomised = True
            if sentence.source == "title":
                target = self.title_weak if hit.kind in ("weak", "weak_title") else self.title
                target.setdefault(hit.name, text)
            elif hit.kind in ("term", "weak") and sentence.role in STRONG_ROLES:
                (self.body if hit.kind == "term" else self.body_weak)[hit.name] += 1
                self.evidence.setdefault((hit.name, hit.kind), text)
                if hit.name == pooled:
                    lower = text.lower()
                    self.meta_named = self.meta_named or META_WORD in lower
                    self.pool_named = self.pool_named or POOL_WORD in lower
        self.results = sum(  # this study's results, not the background's
            1
            for h in doc.cues.get("results", ())
            if doc.sentence_of(h).source == "abstract"
            and doc.sentence_of(h).role not in ("background", "future")
        )
        self.has_abstract = doc.has_abstract
        self.participants = participants
        self.roles = roles = taxonomy.roles
        given = {
            doc.where[h]
            for h in doc.cues.get("intervention", ())
            if doc.sentence_of(h).role in ("methods", "results", "body")
            and doc.sentence_of(h).source == "abstract"
        }
        # ... and the sentence names a substance or a dose ("underwent polysomnography": none)
        dosed = {doc.where[h] for h in doc.by_facet.get("modalities", ())}
        dosed |= {
            i
            for i in given
            if DOSE_WORDS.search(doc.text, doc.sentences[i].start, doc.sentences[i].end)
        }
        self.intervention = bool(given & dosed)
        # "we gave psilocybin to healthy volunteers": the people who received it, uncounted
        self.given_to_people = bool(given & doc.cue_sentences("human"))
        for slug, label_parts in roles.section_labels:
            labels = [label for label in doc.labels if label_parts.search(label)]
            if labels:
                self.body[slug] += 2
                self.evidence.setdefault((slug, "term"), labels[0].title())
        self.human = 1

    def count(self) -> int | None:
        """The number of participants the abstract states (None when it states none)."""
        return extract_sample_size(self.doc, self.roles.primary_designs[0], self.roles)

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
    """Exactly one design: the first row of the taxonomy's precedence table that holds."""
    signals.human = human
    named = {*signals.pt, *signals.pt_weak, *signals.title, *signals.title_weak}
    named.update(signals.body, signals.body_weak)
    for rule in signals.roles.precedence:
        if rule.when in OWN_SIGNAL_TESTS and rule.design not in named:
            continue  # (most rows: a record names one or two designs)
        found = DESIGN_TESTS[rule.when](signals, rule)
        if found:
            return rule.design, *found
    raise AssertionError("the precedence table ends with `when: always`")  # checked at load


def _named(s: DesignSignals, rule) -> tuple[str, str] | None:
    return s.named(rule.design)


def _only_type(s: DesignSignals, rule) -> tuple[str, str] | None:
    if rule.design in s.pt and not set(s.pt) - {rule.design}:
        return "publication_type", s.pt[rule.design]
    return None


def _title(s: DesignSignals, rule) -> tuple[str, str] | None:
    return ("title", s.title[rule.design]) if rule.design in s.title else None


def _title_says(s: DesignSignals, rule) -> tuple[str, str] | None:
    text = s.title.get(rule.design)
    return ("title", text) if text and rule.option("text") in text.lower() else None


def _score(s: DesignSignals, rule) -> tuple[str, str] | None:
    if s.score(rule.design) >= rule.option("at_least"):
        return s.named(rule.design) or ("abstract", s.evidence[(rule.design, "term")])
    return None


def _in_abstract(s: DesignSignals, rule) -> tuple[str, str] | None:
    if s.body[rule.design]:
        return "abstract", s.evidence[(rule.design, "term")]
    return None


def _pooled(s: DesignSignals, rule) -> tuple[str, str] | None:
    """A pooled analysis: named, two pooling cues, or pooling with a systematic search."""
    ma, sr = rule.design, s.roles.systematic_design
    synthesis = (
        s.body[ma] and s.body[sr] and (s.body[ma] + s.body[sr] >= 3 or s.pool_named or s.meta_named)
    )
    if s.named(ma) or synthesis or s.body[ma] >= 2 or (s.body[ma] and s.named(sr)):
        return s.named(ma) or s.named(sr) or ("abstract", s.evidence[(ma, "term")])
    return None


def _protocol(s: DesignSignals, rule) -> tuple[str, str] | None:
    """A protocol unless a publication type alone says so and the abstract reports results."""
    slug = rule.design
    future = s.body[slug]
    named = s.named(slug)
    if not (named or future >= 2 or (slug in s.title_weak and future)):
        return None
    completed = s.results >= 2 and future == 0
    if slug in s.title or not completed:
        if named:
            return named
        if slug in s.title_weak:
            return "title", s.title_weak[slug]
        return "abstract", s.evidence[(slug, "term")]
    return None


def _type_without_primary(s: DesignSignals, rule) -> tuple[str, str] | None:
    others = set(s.pt) - {rule.design}
    if rule.design in s.pt and not others & set(s.roles.primary_designs):
        return "publication_type", s.pt[rule.design]
    return None


def _cited_without_primary_type(s: DesignSignals, rule) -> tuple[str, str] | None:
    found = s.cited(rule.design)
    return found if found and not set(s.pt) & set(s.roles.primary_designs) else None


def _weak_type(s: DesignSignals, rule) -> tuple[str, str] | None:
    if rule.design in s.pt_weak:
        return "publication_type", s.pt_weak[rule.design]
    return None


def _animal(s: DesignSignals, rule) -> tuple[str, str] | None:
    return ("rule", "animal or in-vitro study") if s.human == 0 else None


def _no_abstract(s: DesignSignals, rule) -> tuple[str, str] | None:
    return None if s.has_abstract else ("rule", "no abstract")


def _describes_intervention(s: DesignSignals, rule) -> tuple[str, str] | None:
    if (s.participants or s.results or s.given_to_people) and s.intervention:
        return "rule", "participants received an intervention in this study (no design named)"
    return None


def _describes_participants(s: DesignSignals, rule) -> tuple[str, str] | None:
    if s.results or s.participants:
        return "rule", "reports participants or results without naming a design"
    return None


def _named_alone(s: DesignSignals, rule) -> tuple[str, str] | None:
    """Named by the title or a publication type, and no primary design is named there too
    ("cost-effectiveness of ketamine versus ECT: a randomised trial" is a trial)."""
    primary = set(s.roles.primary_designs)
    if primary & (set(s.pt) | set(s.title)):
        return None
    return s.named(rule.design)


def _pooled_trials(s: DesignSignals, rule) -> tuple[str, str] | None:
    """Trial data pooled without a literature search or the word meta-analysis: a secondary
    analysis of the trials (the guide's rct), not a meta-analysis."""
    ma, sr = s.roles.pooled_design, s.roles.systematic_design
    named = s.named(ma)
    if (named and META_WORD in named[1].lower()) or s.named(sr) or s.body[sr] or s.meta_named:
        return None
    return s.cited(rule.design) if named or s.body[ma] else None


def _unrandomised_pharmacology(s: DesignSignals, rule) -> tuple[str, str] | None:
    """Healthy volunteers (or recreational users) given the substance under blinding or placebo,
    randomisation not stated: laboratory pharmacology (the guide's "the rest"), not an RCT."""
    rct = s.roles.primary_designs[0]
    trial = s.cited(rct) or s.cited(rct, weak=True)  # "double-blind", "compared with placebo"
    if not trial or s.randomised:
        return None
    if s.doc.healthy or is_recreational(s.doc):
        return "rule", f"pharmacology in healthy volunteers or users ({trial[1]}, not randomised)"
    return None


def _abstract_score(s: DesignSignals, rule) -> tuple[str, str] | None:
    """At least `at_least` mentions of the design in the abstract's own sentences."""
    if min(s.body[rule.design], NAMED) >= rule.option("at_least"):
        return "abstract", s.evidence[(rule.design, "term")]
    return None


def _weak_title_without_abstract(s: DesignSignals, rule) -> tuple[str, str] | None:
    """A title-only record whose title reads like a notice ("Error in Figure 2") and names no
    substance or condition ("Ketamine and the error of haste" is an editorial)."""
    if s.has_abstract or rule.design not in s.title_weak:
        return None
    doc = s.doc
    for facet in ("modalities", "conditions"):
        if any(doc.where[h] == 0 for h in doc.by_facet.get(facet, ())):
            return None
    return "title", s.title_weak[rule.design]


def _cued(s: DesignSignals, rule) -> tuple[str, str] | None:
    """A cue of the taxonomy (option `cue`) in the abstract's own sentences."""
    doc = s.doc
    for hit in doc.cue_hits(rule.option("cue")):
        sentence = doc.sentence_of(hit)
        if sentence.source == "abstract" and sentence.role in STRONG_ROLES:
            return "abstract", doc.snippet(hit)
    return None


def _cued_unrandomised(s: DesignSignals, rule) -> tuple[str, str] | None:
    """The cue `cue` in the abstract's own sentences and no randomisation stated (doses "given
    in that order" under double-blind conditions are a fixed-order trial, not an RCT)."""
    return None if s.randomised else _cued(s, rule)


def _large_case_series(s: DesignSignals, rule) -> tuple[str, str] | None:
    """A 'case series' of at least `at_least` patients: an observational study (the guide's
    case reports are single cases and small series)."""
    named = s.named(s.roles.single_case_design)
    count = s.count() if named else None
    if count and count >= rule.option("at_least"):
        return named[0], f"{named[1]} of {count}"
    return None


def _small_case_series(s: DesignSignals, rule) -> tuple[str, str] | None:
    """The abstract's own sentences call it a case report or series ("Retrospective case
    series") of at most `at_most` people: the guide's small case series."""
    found = s.cited(s.roles.single_case_design, weak=True)
    count = s.count() if found and found[0] == "abstract" else None
    if count and count <= rule.option("at_most"):
        return "abstract", f"{found[1]} of {count}"
    return None


def _few_participants(s: DesignSignals, rule) -> tuple[str, str] | None:
    """At most `at_most` participants who received an intervention or had results: a case
    report or small case series, whatever weaker cues say."""
    if not (s.intervention or s.results):
        return None
    count = s.count()
    if count and count <= rule.option("at_most"):
        return "rule", f"{count} participant(s) described"
    return None


# The tests that can hold only when the record names their row's design somewhere: in a
# publication type, the title or the abstract's own sentences (DesignSignals' pt, pt_weak,
# title, title_weak, body, body_weak).
OWN_SIGNAL_TESTS = frozenset({
    "named", "named_alone", "in_abstract", "weak_title_without_abstract", "only_type", "title",
    "title_says", "protocol", "pooled", "type_without_primary", "cited_without_primary_type",
    "cited", "weakly_cited", "weak_type",
})  # fmt: skip

DESIGN_TESTS = {
    "named": _named,
    "named_alone": _named_alone,
    "pooled_trials": _pooled_trials,
    "weak_title_without_abstract": _weak_title_without_abstract,
    "cued": _cued,
    "cued_unrandomised": _cued_unrandomised,
    "abstract_score": _abstract_score,
    "unrandomised_pharmacology": _unrandomised_pharmacology,
    "large_case_series": _large_case_series,
    "few_participants": _few_participants,
    "small_case_series": _small_case_series,
    "cited": lambda s, rule: s.cited(rule.design),
    "weakly_cited": lambda s, rule: s.cited(rule.design, weak=True),
    "in_abstract": _in_abstract,
    "only_type": _only_type,
    "title": _title,
    "title_says": _title_says,
    "score": _score,
    "pooled": _pooled,
    "protocol": _protocol,
    "type_without_primary": _type_without_primary,
    "cited_without_primary_type": _cited_without_primary_type,
    "weak_type": _weak_type,
    "animal": _animal,
    "no_abstract": _no_abstract,
    "describes_intervention": _describes_intervention,
    "describes_participants": _describes_participants,
    "always": lambda s, rule: ("rule", "no study design named or described"),
}
