"""Where the on-topic rules look: the title's cues, the study's own sentences, the clause
stating its primary outcome, and whether a record is about recreational use (issue 12)."""

from __future__ import annotations

import re

from harvest.tagging.context import STRONG_ROLES, Doc


def in_title_or_aim(doc: Doc, cue: str) -> bool:
    """A cue named in the title or in an objective sentence."""
    return any(doc.sentence_of(h).role in ("title", "objective") for h in doc.cues.get(cue, ()))


TIME_BEFORE = re.compile(r"\b(?:after|following|before|since|post)\s+(?:the\s+)?$")


def primary_outcome_targeted(doc: Doc, tags, allowed=()) -> bool | None:
    """True when a clause stating the study's primary outcome names a target condition, False
    when one names another use instead (pain, delirium, sedation, haemodynamics: another
    condition, drug use among them, or an anaesthesia cue), None otherwise (none stated, or
    feasibility, safety).

    The clause is the sentence cut at "secondary" and semicolons ("pain was the primary
    outcome; anxiety and depression were secondary" names pain only).
    """
    stated = [h for h in doc.cue_hits("primary_outcome") if own(doc, h)]
    if not stated:
        return None
    conditions = doc.by_facet.get("conditions", ())
    others = [h for h in conditions if not tags[h.name].target and h.name not in allowed]
    # (not a time: "remission on the third day after surgery")
    others += [
        h
        for h in doc.cues.get("anaesthesia", ())
        if not TIME_BEFORE.search(doc.lower, max(0, h.start - 12), h.start)
    ]
    spans = []
    for hit in stated:
        sentence = doc.sentence_of(hit)
        text = doc.lower[sentence.start : sentence.end]
        start, end = _clause(text, hit.start - sentence.start, hit.end - sentence.start)
        spans.append((start + sentence.start, end + sentence.start))

    def named(hits):
        return any(a <= h.start < b and own(doc, h) for h in hits for a, b in spans)

    if named(h for h in conditions if tags[h.name].target):
        return True
    return False if named(others) else None


# "the primary outcomes were ...", "co-primary endpoints": a list of primary outcomes follows
PLURAL_ENDS = ("outcomes", "endpoints", "end points", "measures")


def _clause(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of `text` around [start, end) bounded by "secondary" or a semicolon; before a
    later "secondary" in the same clause, a single primary outcome is also cut at the first
    "and" or comma ("pain was the primary outcome and depression a secondary one"), a list of
    them is not ("the primary outcomes were pain and depression; secondary ...")."""
    before = max(text.rfind("secondar", 0, start), text.rfind(";", 0, start))
    secondary = text.find("secondar", end)
    semicolon = text.find(";", end)
    after = [i for i in (secondary, semicolon) if i >= 0]
    single = not text[start:end].endswith(PLURAL_ENDS)
    if secondary >= 0 and (semicolon < 0 or secondary < semicolon) and single:
        after += [i for i in (text.find(" and ", end, secondary), text.find(",", end, secondary))
                  if i >= 0]  # fmt: skip
    return (before + 1 if before >= 0 else 0), (min(after) if after else len(text))


def own(doc: Doc, hit, review: bool = False) -> bool:
    """The hit is in one of the sentences that describe the study itself (for a review, its
    background sentences too: they describe the topic reviewed)."""
    role = doc.sentence_of(hit).role
    return (role in STRONG_ROLES or (review and role == "background")) and not doc.excluded(hit)


def is_recreational(doc: Doc) -> bool:
    """The record is about recreational use or harms of the substance (not therapy)."""
    if "recreational" not in doc.cues:
        return False  # (the therapeutic cue is matched on demand: only when it is needed)
    therapy = doc.cue_hits("therapeutic")
    therapy_in_title = bool(therapy) and doc.where[therapy[0]] == 0
    if "recreational" in cues_in_title(doc) and not therapy_in_title:
        return True
    recreational = _strong_count(doc, "recreational")
    # "misuse of esketamine in clinical practice": a therapy's abuse liability is its safety
    weight = 2 if therapy_in_title else 1
    return recreational >= 2 and recreational > weight * _strong_count(doc, "therapeutic")


def is_use_survey(doc: Doc) -> bool:
    """A survey of substance users: conditions measured in it are exposures, not targets."""
    return is_recreational(doc) and bool(doc.cues.get("survey") or doc.cues.get("recreational"))


def cues_in_title(doc: Doc) -> set[str]:
    """The cues named in the title (the first sentence, when there is a title), of those
    matched so far (on-demand cues only once asked for)."""
    if not doc.sentences or doc.sentences[0].source != "title":
        return set()
    where = doc.where  # each cue's hits are in text order: the first is in the title, if any
    named = {name for name, hits in doc.cues.items() if where[hits[0]] == 0}
    return named.union(name for name, titled in doc.titled.items() if titled)


def in_title(doc: Doc, cue: str) -> bool:
    """An on-demand cue named in the title (the first sentence, when there is a title)."""
    return doc.in_title(cue)


def _strong_count(doc: Doc, cue: str) -> int:
    return sum(1 for h in doc.cue_hits(cue) if doc.sentence_of(h).role in STRONG_ROLES)


def secondary_only(doc: Doc, tags) -> bool:
    """Every mention of a target condition in the abstract's own sentences is in a clause
    naming it a secondary outcome ("depression at one month was a secondary outcome")."""
    hits = [
        h
        for h in doc.by_facet.get("conditions", ())
        if tags[h.name].target and own(doc, h) and doc.sentence_of(h).source == "abstract"
    ]
    for hit in hits:
        sentence = doc.sentence_of(hit)
        start = doc.lower.rfind(";", sentence.start, hit.start) + 1 or sentence.start
        end = doc.lower.find(";", hit.end, sentence.end)
        if "secondar" not in doc.lower[start : end if end >= 0 else sentence.end]:
            return False
    return bool(hits)
