"""Abstract sections and sentences: each section's role from its NLM category or label (inline
"Methods:" labels are split out), and each section's sentences (abbreviations do not end one).

Shared by the tagger (harvest.tagging.context) and the study-details extractor.
"""

from __future__ import annotations

import re
from functools import lru_cache

CATEGORY_ROLES = {
    "BACKGROUND": "background",
    "OBJECTIVE": "objective",
    "METHODS": "methods",
    "RESULTS": "results",
    "CONCLUSIONS": "conclusions",
}
# Section labels, checked in order, for UNASSIGNED or missing NLM categories.
LABEL_ROLES = (
    (re.compile(r"REGISTR|FUNDING|CLINICALTRIALS|PROSPERO|LEVEL OF EVIDENCE|SPONSOR"), "meta"),
    (re.compile(r"EXCLUSION"), "exclusion"),
    (re.compile(r"LIMITATION|FUTURE"), "future"),
    (re.compile(r"BACKGROUND|INTRODUCTION|CONTEXT|RATIONALE|IMPORTANCE|SIGNIFICANCE"),
     "background"),
    (re.compile(r"OBJECTIVE|AIM|PURPOSE|QUESTION|HYPOTHES|GOAL"), "objective"),
    (re.compile(r"CONCLU|DISCUSSION|INTERPRETATION|IMPLICATION|MEANING|RELEVANCE"), "conclusions"),
    (re.compile(r"RESULT|FINDING|OUTCOME"), "results"),
    (re.compile(r"METHOD|DESIGN|PARTICIPANT|SETTING|INTERVENTION|MEASURE|PROCEDURE|MATERIAL|"
                r"PATIENT|SUBJECT|CASE|SAMPLE|POPULATION|ANALYS|SEARCH|SELECTION|DATA|STUDY"),
     "methods"),
)  # fmt: skip
INLINE_LABEL = re.compile(
    r"(?:^|(?<=[.!?] ))((?:background|introduction|context|rationale|importance|objectives?|"
    r"aims?|purpose|methods?|design|participants|results?|findings|conclusions?|discussion|"
    r"limitations|interpretation|trial registration|search methods|search strategy|"
    r"selection criteria|data collection and analysis|main results|authors' conclusions|"
    r"data sources|study selection|data extraction|data synthesis|eligibility criteria|"
    r"evidence acquisition|evidence synthesis|main outcomes? (?:and )?measures?|"
    # labels real abstracts also use ("Materials and Methods:", "Research Question:")
    r"(?:materials|patients|subjects) and methods|study design|research questions?|"
    r"settings?|interventions?|exposures?|measurements|outcome measures?|case presentation|"
    r"case reports?|hypothes[ie]s|design,? settings?,? and participants)"
    r"(?: (?:and|&) (?:aims?|objectives?|purpose|methods?|design|results?|conclusions?|"
    r"relevance|implications|participants|setting))?)"
    r"\s*:\s+",
    re.IGNORECASE,
)
SENTENCE_END = re.compile(r"[.!?]\s+(?=[A-Z0-9(\[\"'])")
NO_BREAK_AFTER = ("vs.", "e.g.", "i.e.", "al.", "approx.", "fig.", "no.", "dr.", "ca.", "cf.")
ABBREVIATION_ENDS = frozenset(a[-2] for a in NO_BREAK_AFTER) | {
    a[-2].upper() for a in NO_BREAK_AFTER
}


def _lower(text: str) -> str:
    lower = text.lower()
    if len(lower) == len(text):
        return lower
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


# The tagger and then study details split each abstract section, a batch at a time (stage by
# stage over the import's batches of 50 records): the second split of a text is a lookup.
@lru_cache(maxsize=2048)
def _split_sentences(text: str) -> tuple[str, ...]:
    out, begin = [], 0
    for m in SENTENCE_END.finditer(text):
        end = m.start() + 1
        # every abbreviation ends with one of ABBREVIATION_ENDS and a full stop
        if (
            text[end - 1] == "."
            and end - 2 >= begin
            and text[end - 2] in ABBREVIATION_ENDS
            and text[max(begin, end - 7) : end].lower().endswith(NO_BREAK_AFTER)
        ):
            continue
        out.append(text[begin:end])
        begin = m.end()
    out.append(text[begin:])
    return tuple(s for s in out if s.strip())


@lru_cache(maxsize=4096)
def label_role(label: str | None, category: str | None) -> str:
    """The role of an abstract section from its NLM category or label."""
    upper = (label or "").upper()
    for pattern, role in LABEL_ROLES[:3]:
        if pattern.search(upper):
            return role
    if LABEL_ROLES[3][0].search(upper) and LABEL_ROLES[4][0].search(upper):
        return "body"  # "Background and aims": background, then the aim statement
    if category in CATEGORY_ROLES:
        return CATEGORY_ROLES[category]
    for pattern, role in LABEL_ROLES[3:]:
        if pattern.search(upper):
            return role
    return "body"


def _sections(record: dict) -> list[tuple[str, str | None, str | None]]:
    """(text, label, category) per abstract section; inline 'Methods:' labels are split, also
    inside a labelled section ("BACKGROUND" holding "... OBJECTIVES: ... METHODS: ...")."""
    sections = record.get("abstract_sections") or []
    if sections:
        raw = [(s.get("text") or "", s.get("label"), s.get("category")) for s in sections]
    elif record.get("abstract"):
        raw = [(record["abstract"], None, None)]
    else:
        return []
    out = []
    for text, label, category in raw:
        if ":" not in text or not INLINE_LABEL.search(text):  # every inline label has a colon
            out.append((text, label, category))
            continue
        pieces = INLINE_LABEL.split(text)
        if pieces[0].strip():
            out.append((pieces[0], label, category))
        for i in range(1, len(pieces) - 1, 2):
            out.append((pieces[i + 1], pieces[i], None))
    return out
