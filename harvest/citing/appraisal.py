"""A clinician's one-line appraisal of a study, from its row: design, n, comparator, dose,
sessions, reported harms, funding ("RCT · n = 158 · vs placebo · ketamine 0.2 and 0.5 mg/kg IV ·
8 infusions · reported: dissociation, cardiovascular · funding: public")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harvest.record import json_list

DESIGNS = {
    "meta-analysis": "Meta-analysis",
    "systematic-review": "Systematic review",
    "rct": "RCT",
    "open-label-trial": "Open-label trial",
    "observational": "Observational study",
    "case-report": "Case report",
    "narrative-review": "Narrative review",
    "commentary": "Commentary",
    "protocol": "Protocol",
    "preclinical": "Preclinical study",
    "notice": "Notice (not evidence)",
    "other": "Not evidence (news, model or bibliometrics)",
}
COMPARATORS = {
    "placebo": "placebo",
    "active-placebo": "active placebo",
    "active-drug": "another drug",
    "active-non-drug": "a non-drug treatment",
    "waitlist": "waitlist",
    "usual-care": "usual care",
    "dose-comparison": "other doses",
}
ROUTES = {
    "intravenous": "IV",
    "intranasal": "intranasal",
    "oral": "oral",
    "intramuscular": "IM",
    "subcutaneous": "SC",
    "sublingual": "sublingual",
}
HARMS = {
    "dissociation": "dissociation",
    "cardiovascular": "cardiovascular",
    "hyponatremia": "hyponatremia",
    "abuse-liability": "misuse",
    "suicidality-safety": "suicidality",
    "psychotic-symptoms": "psychotic symptoms",
    "urological": "urological",
    "hepatic": "liver",
    "nausea-vomiting": "nausea",
    "headache": "headache",
    "serious-adverse-events": "serious adverse events",
    "general-tolerability": "tolerability",
}
DRUG_NAMES = {"mdma": "MDMA"}


def _amount(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def _doses(doses: list, routes: list) -> str:
    groups: dict[tuple[str, str], list[str]] = {}
    for dose in doses:
        if isinstance(dose, Mapping) and dose.get("drug") and dose.get("unit"):
            key = (dose["drug"], dose["unit"])
            groups.setdefault(key, []).append(_amount(dose.get("amount")))
    route = " ".join(ROUTES.get(r, r) for r in routes)  # a route added later: its slug
    parts = []
    for (drug, unit), amounts in groups.items():
        listed = ", ".join(amounts[:-1]) + " and " + amounts[-1] if len(amounts) > 1 else amounts[0]
        parts.append(" ".join(filter(None, (DRUG_NAMES.get(drug, drug), listed, unit, route))))
    return "; ".join(parts)


def appraisal_line(row: Mapping) -> str:
    """The one-liner for a studies row (or record with the same keys); "" when nothing is known."""
    if not hasattr(row, "get"):  # sqlite3.Row
        row = dict(zip(row.keys(), tuple(row), strict=True))
    parts = []
    design = row.get("design")
    if design:
        parts.append(DESIGNS.get(design, design.replace("-", " ").capitalize()))
    if row.get("sample_size"):
        parts.append(f"n = {row['sample_size']:,}")
    comparators = [COMPARATORS.get(c, c) for c in json_list(row.get("comparators"))]
    if comparators:
        parts.append("vs " + " / ".join(comparators))
    routes = json_list(row.get("routes"))
    doses = _doses(json_list(row.get("doses")), routes)
    if doses:
        parts.append(doses)
    sessions = row.get("sessions")
    if isinstance(sessions, int) and sessions > 0:
        word = "infusion" if "intravenous" in routes else "session"
        parts.append(f"{sessions} {word}{'s' if sessions != 1 else ''}")
    harms = [HARMS.get(h, h) for h in json_list(row.get("safety"))]
    if harms:
        parts.append("reported: " + ", ".join(harms))
    funding = row.get("funding")
    if funding and funding != "unknown":
        parts.append(f"funding: {funding}")
    return " \u00b7 ".join(parts)
