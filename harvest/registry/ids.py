"""Trial registration ids (NCT, ISRCTN, EudraCT / CTIS, ACTRN, ChiCTR, DRKS, CTRI) found in text."""

from __future__ import annotations

import re
from collections.abc import Iterable

# One pattern per registry; each match is normalised by `normalise_id`.
PATTERNS = {
    "ClinicalTrials.gov": re.compile(r"\bNCT\s?(\d{8})\b", re.I),
    "ISRCTN": re.compile(r"\bISRCTN\s?(\d{8})\b", re.I),
    "CTIS": re.compile(r"\b((?:19|20)\d{2}-5\d{5}-\d{2}-\d{2})\b"),
    "EudraCT": re.compile(r"\b((?:19|20)\d{2}-\d{6}-\d{2})\b(?!-\d)"),
    "ANZCTR": re.compile(r"\bACTRN\s?(\d{14})\b", re.I),
    "ChiCTR": re.compile(r"\bChiCTR[-\s]?((?:[A-Z]{2,5}-)?\d{8,10})\b", re.I),
    "DRKS": re.compile(r"\bDRKS\s?(\d{8})\b", re.I),
    "CTRI": re.compile(r"\bCTRI\s?/\s?(\d{4})\s?/\s?(\d{2,3})\s?/\s?(\d{6})\b", re.I),
}
# One pass to tell whether a text holds any id at all (most abstracts hold none).
ANY_ID = re.compile("|".join(f"(?:{p.pattern})" for p in PATTERNS.values()), re.I)
# Cheaper still, and run first: every id holds one of these in its case-folded text (no i or
# s, which re.I also matches to İ, ı and ſ; case-folding turns the Kelvin sign into k) ...
ID_LETTERS = ("nct", "rctn", "ctr", "drk")  # NCT; ISRCTN; ACTRN, ChiCTR, CTRI; DRKS
# ... or, EudraCT and CTIS, six digits between hyphens
ID_DIGITS = re.compile(r"-\d{6}-")
# PubMed's DataBankList names, and other spellings, mapped to the registry names above.
DATABANKS = {
    "clinicaltrials.gov": "ClinicalTrials.gov",
    "isrctn": "ISRCTN",
    "eudract": "EudraCT",
    "ctis": "CTIS",
    "anzctr": "ANZCTR",
    "chictr": "ChiCTR",
    "drks": "DRKS",
    "ctri": "CTRI",
}
URLS = {
    "ClinicalTrials.gov": "https://clinicaltrials.gov/study/{id}",
    "ISRCTN": "https://www.isrctn.com/{id}",
    "EudraCT": "https://www.clinicaltrialsregister.eu/ctr-search/search?query={id}",
    "CTIS": "https://euclinicaltrials.eu/search-for-clinical-trials/?lang=en&EUCT={id}",
    "ANZCTR": "https://www.anzctr.org.au/TrialSearch.aspx?searchTxt={id}",
    "ChiCTR": "https://www.chictr.org.cn/searchprojEN.html?regno={id}",
    "DRKS": "https://drks.de/search/en/trial/{id}",
    "CTRI": "https://ctri.nic.in/Clinicaltrials/advsearch.php?trialno={id}",
}


def _canonical(registry: str, match: re.Match) -> str:
    groups = match.groups()
    if registry == "ClinicalTrials.gov":
        return f"NCT{groups[0]}"
    if registry == "ISRCTN":
        return f"ISRCTN{groups[0]}"
    if registry == "ANZCTR":
        return f"ACTRN{groups[0]}"
    if registry == "DRKS":
        return f"DRKS{groups[0]}"
    if registry == "ChiCTR":
        rest = groups[0].upper()
        return f"ChiCTR-{rest}" if rest[0].isalpha() else f"ChiCTR{rest}"
    if registry == "CTRI":
        return "CTRI/{}/{}/{}".format(*groups)
    return groups[0]


def _may_hold_id(text: str) -> bool:
    """False when `text` cannot hold a registry id (a tenth of ANY_ID's time on an abstract)."""
    folded = text.casefold()
    return any(letters in folded for letters in ID_LETTERS) or bool(ID_DIGITS.search(text))


def find_registry_ids(text: str | None) -> list[tuple[str, str]]:
    """(registry, normalised id) pairs in the order they first appear, without repeats."""
    if not text or not _may_hold_id(text) or not ANY_ID.search(text):
        return []
    found: dict[str, tuple[int, str]] = {}
    for registry, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            trial_id = _canonical(registry, match)
            if trial_id not in found:
                found[trial_id] = (match.start(), registry)
    ordered = sorted(found.items(), key=lambda item: item[1][0])
    return [(registry, trial_id) for trial_id, (_, registry) in ordered]


def normalise_id(registry_name: str | None, accession: str) -> tuple[str, str] | None:
    """A DataBankList accession (with its bank's name) as (registry, normalised id), or None."""
    hits = find_registry_ids(accession)
    if hits:
        return hits[0]
    registry = DATABANKS.get((registry_name or "").strip().lower())
    accession = accession.strip()
    if registry and accession:
        return registry, accession
    return None


def registry_ids(texts: Iterable[str | None]) -> list[tuple[str, str]]:
    """Registry ids across several texts (title, abstract, ...), first appearance first."""
    seen: dict[str, str] = {}
    for text in texts:
        for registry, trial_id in find_registry_ids(text):
            seen.setdefault(trial_id, registry)
    return [(registry, trial_id) for trial_id, registry in seen.items()]


def registry_url(registry: str, trial_id: str) -> str | None:
    """The public page of a registration, when the registry has one."""
    template = URLS.get(registry)
    return template.format(id=trial_id) if template else None
