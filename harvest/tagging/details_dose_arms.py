"""Dose arms among a study's comparators: a dose comparison read from the doses a randomising
(or, in animal designs, a dosing) sentence states, not one arm's steps, a control dose or one
arm's dose per route (used by details_comparators)."""

from __future__ import annotations

import re

from harvest.tagging.details_config import DetailRules
from harvest.tagging.details_doses import INERT, dose_amounts, dose_arms, drug_spans
from harvest.tagging.details_text import Text
from harvest.tagging.details_vocab import COMPARATORS

ROUTE = re.compile(
    r"\b(?:oral|intravenous|iv|intranasal|intramuscular|subcutaneous|sublingual)(?:ly)?\b"
)
BLINDING_DRUG = re.compile(r"\b(?:midazolam|niacin|methylphenidate|diphenhydramine)\b", re.I)
# The route written after a dose, abbreviations too ("4 mg/kg IM or 1 mg/kg IV": one arm)
ROUTE_AFTER = re.compile(
    r"\s*\b(oral|intravenous|iv|intranasal|intramuscular|im|subcutaneous|sc|sublingual|rectal|"
    r"buccal|i\.v(?=\.)|i\.m(?=\.))(?:ly)?\b",
    re.I,
)


def find_dose_arms(
    text: Text, reporting: set[int], rules: DetailRules, found, animals: bool, pooled
) -> None:
    """A dose comparison from a randomising (or, in `animals` designs, a dosing) sentence
    stating two single doses of one study drug ("ketamine 0.5 mg/kg or 1.0 mg/kg, or
    placebo"), not one arm's steps or a phase's; doses given once each in turn ("two single
    doses, 1 mg and then 10 mg") count; in animals a range given is dose groups; in a review the
    included trials' doses are not (`pooled`)."""
    controls = {r[3] for r in found.provenance if r[:2] == ("comparators", "active-placebo")}
    checks = rules.comparator_checks
    for i in text.where(rules.dose, reporting):
        if pooled and text.search(checks["pooled_doses"], i):
            continue  # "included trials used 0.5 or 1.0 mg/kg": the review's range
        sentence = text.sentences[i].text
        groups = animals and text.search(rules.dose_groups, i)
        if (
            groups
            and text.search(checks["dose_range"], i)
            and not text.search(checks["range_not_arms"], i)
        ):
            _add_dose_comparison(text, i, found)  # "one dose of ketamine (2.5 to 20 mg/kg)"
            return
        series = text.search(checks["dose_series"], i)  # "two single doses, 1 mg and then 10 mg"
        arms = text.search(rules.dose_arms, i) or groups or series
        if not arms or (rules.dose_steps.search(sentence) and not series):
            continue
        if sentence in controls and not BLINDING_DRUG.search(sentence):
            continue  # "25 mg psilocybin or 1 mg psilocybin, which served as the control"
        if rules.one_arm_doses.search(sentence) or text.search(rules.no_comparison, i):
            continue
        if len({r.removesuffix("ly") for r in ROUTE.findall(sentence.lower())}) > 1 and not any(
            drug == "other" and not INERT.fullmatch(sentence[start:end])
            for start, end, drug in drug_spans(text, i, rules)
        ):
            # "10 mg intravenously or a 25 mg sublingual wafer": routes compared (with another
            # drug named, "oral MDMA (0.75 and 1.5 mg/kg), intranasal oxytocin", a route may be
            # that drug's)
            continue
        arms = dose_arms(text, i, rules)
        if _routes_only(text, i, rules, arms):
            continue  # "ketamine (4 mg/kg IM or 1 mg/kg IV)": one arm, a dose per route
        # "ketamine (0 or 10 mg/kg)": a zero dose is the vehicle, not a dose arm
        if any(len(amounts - {0.0}) > 1 for amounts in arms.values()):
            _add_dose_comparison(text, i, found)
            return


def _routes_only(text: Text, i: int, rules: DetailRules, arms: dict) -> bool:
    """Whether sentence `i`'s doses of the study drug differ only by the route each is given by
    ("4 mg/kg IM or 1 mg/kg IV"), not within one route ("0.5 mg/kg IM or 0.25 mg/kg IM")."""
    ours = {(unit, a) for (_, unit, _), amounts in arms.items() for a in amounts}
    by_route: dict[str, set] = {}
    sentence = text.sentences[i].text
    for match in text.finditer(rules.dose, i):
        route = ROUTE_AFTER.match(sentence, match.end())
        if not route:
            continue
        unit, found = dose_amounts(match)
        amounts = {(unit, amount) for amount in found}
        if amounts <= ours:
            key = route.group(1).lower().removesuffix("ly")
            by_route.setdefault(key, set()).update(amounts)
    return len(by_route) > 1 and all(len(a) == 1 for a in by_route.values())


def _add_dose_comparison(text: Text, i: int, found) -> None:
    found.comparators.append("dose-comparison")
    found.comparators.sort(key=COMPARATORS.index)
    found.provenance.append(("comparators", "dose-comparison", *text.sentences[i][::2]))


def control_dose_only(text: Text, rules: DetailRules, found) -> None:
    """No dose comparison from a sentence whose second dose is the control ("psilocybin 25 mg or
    psilocybin 1 mg as the control"): only when its doses, the control's left out, still differ."""
    rows = {slug: r for r in found.provenance if r[0] == "comparators" for slug in (r[1],)}
    if "dose-comparison" not in rows or "active-placebo" not in rows:
        return
    sentence = rows["dose-comparison"][3]
    if sentence != rows["active-placebo"][3] or BLINDING_DRUG.search(sentence):
        return
    i = next(k for k, s in enumerate(text.sentences) if s.text == sentence)
    if not any(len(amounts - {0.0}) > 1 for amounts in dose_arms(text, i, rules).values()):
        found.comparators.remove("dose-comparison")
        found.provenance.remove(rows["dose-comparison"])
