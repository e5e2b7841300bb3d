"""Record-level flags of the tagger: human (animal or in-vitro work is not) and the status
flags of the article a record represents (retracted, erratum, expression of concern).

Each rule returns its value with the provenance that explains it: (value, source, evidence).
"""

from __future__ import annotations

from harvest.tagging.context import Doc

RETRACTED_TYPES = {"retracted publication", "D016441"}
RETRACTED_REFS = {"RetractionIn", "RetractedandRepublishedIn"}
ERRATUM_REFS = {"ErratumIn", "CorrectedandRepublishedIn"}
CONCERN_REFS = {"ExpressionOfConcernIn"}
RETRACTED_TITLE = ("retracted:", "retracted article:", "[retracted]")


def decide_human(record: dict, doc: Doc) -> tuple[int, str, str]:
    """0 for animal or in-vitro studies, 1 otherwise (MeSH check tags first, then the text)."""
    names = {(m.get("name") or "").lower() for m in record.get("mesh") or []}
    if "humans" in names:
        return 1, "mesh", "Humans"
    if "animals" in names:
        return 0, "mesh", "Animals"
    animal = [h for h in doc.by_facet.get("populations", ()) if h.name == "animals"]
    animal = [h for h in animal if doc.strength(h) == "strong"]
    if not animal:
        return 1, "rule", "no animal or in-vitro terms"
    people = [h for h in doc.cues.get("human", ()) if doc.strength(h) == "strong"]
    evidence = doc.snippet(animal[0])
    in_title = [h for h in animal if doc.sentence_of(h).source == "title"]
    people_in_title = [h for h in people if doc.sentence_of(h).source == "title"]
    if in_title and not people_in_title:
        return 0, "title", evidence
    if len(people) <= 1 and len(animal) >= 2 * len(people):
        return 0, doc.sentence_of(animal[0]).source, evidence
    return 1, "rule", "human participants as well as animal terms"


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
