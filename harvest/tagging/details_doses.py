"""Doses of the study drug and their bands (config/details.yml `dose_bands`)."""

from __future__ import annotations

import re

from harvest.tagging.details_config import DetailRules
from harvest.tagging.details_text import Text
from harvest.tagging.details_vocab import DRUGS, NUM

EXCLUDED_BEFORE = re.compile(
    r"(?:up to|maximum(?: of)?|max\.?|at most|"
    # "a maximum dose of 30 mg", "raised by 25 mg every 3 days": a cap or a step, not a dose
    r"\b(?:maximum|max\.?|ceiling)(?: (?:single|total|daily))? doses? (?:of |was |at )?|"
    r"\b(?:raised|increased|decreased|reduced|lowered|titrated|escalated|tapered)(?: \w+)? by|"
    r"\b(?:increments?|steps?) of|\u2264|\u2265|<|>|cap(?:ped)? at|more than|less than|"
    r"greater than|at least|over|above|below|under|exceeding)\s*$"
    # "the median total intravenous dose was 50 mg", "cumulative doses of 300 mg": a sum of doses
    r"|\b(?:total|cumulative)\s+(?:(?!of\b)[\w-]+\s+){0,2}?doses?\b[^.;\d]{0,40}$"
    # "changed by -40.0 mg": a change, not a dose
    r"|(?:^|[\s(])[-\u2212]$",
    re.I,
)
# "1 mg (control)", "(1 mg) as an active placebo": the control arm's dose, not the study drug's.
CONTROL_AFTER = re.compile(
    r"\s*\)?\s*[(,]?\s*(?:(?:which |that )?(?:served |serving |used |was used )?as "
    r"(?:an? |the )?|the )?"
    r"(?:active )?(?:control|comparator|placebo)\b"
    # not the verb: "0.3 mg/kg, control pain"
    r"(?!\s+(?:pain|symptoms?|agitation|anxiety|depress\w*|mood|the|their|his|her|its|of)\b)",
    re.I,
)
# "a placebo/active control group (0-40 mg of MDMA)": the control group's dose.
CONTROL_BEFORE = re.compile(
    r"\b(?:control|placebo)(?:\s+(?:group|arm|condition|dose))?\s*\(\s*$", re.I
)
# "56 mg or more": a threshold, not a dose.
EXCLUDED_AFTER = re.compile(
    r"\s*(?:or|and) (?:more|less|higher|lower|above|below|greater|over)\b"
    r"|\s*(?:nasal spray )?devices?\b"  # "two 28-mg devices" make one 56 mg dose
    r"|\s*/\s*(?i:ml|l|dl|cc)\b"  # "esketamine 0.3 mg/ml": a concentration
)
# "a mean dose of 0.91 +/- 0.28 mg/kg": the number before the spread is the dose
MEAN_SPREAD = re.compile(rf"({NUM})\s*(?:\u00b1|\+/-|\+-)\s*$")
# "compared with intranasal esketamine 84 mg": the comparison arm's drug (not the title's).
COMPARED_BEFORE = re.compile(
    r"\b(?:compared (?:with|to)|versus|vs\.?|than|against|relative to)\s+(?:\w+\s+){0,2}$", re.I
)
EQUIVALENT_AFTER = re.compile(r"[^.;]{0,20}equivalent", re.I)
DRUG_FOLLOWS = re.compile(
    r"\)?\s*(?:doses?\s+)?(?:of\s+)?(?:(?:iv|intravenous|oral|intranasal|racemic)\s+)?", re.I
)
PARTNER_BEFORE = re.compile(r"\b(?:plus|with|combined with)\s+(?:\w+\s+)?$", re.I)
PARTNER_AFTER = re.compile(r"\s*(?:\([^)]*\)\s*)?(?:plus|with|combined with)\s+", re.I)
RANGE = re.compile(rf"{NUM}\s*(?:-|\u2013|to)\s*{NUM}")
# Forms of one drug a head-to-head trial compares, and a title comparing them.
FORMS = frozenset({"ketamine", "esketamine", "arketamine"})
FORMS_COMPARED = re.compile(r"\b(?:or|versus|vs\.?|compar\w*|against|and)\b", re.I)
INERT = re.compile(r"placebo|saline|vehicle", re.I)
RATE = re.compile(r"/\s*(?:h|hr|hour|min|minute|week|wk)|per\s*(?:hour|h|minute|min|week)", re.I)


def title_drugs(text: Text, rules: DetailRules) -> set[str]:
    """The study drugs the title names (the studied treatment, when it names one)."""
    if not text.sentences or text.sentences[0].source != "title":
        return set()
    return {drug for drug, rule in rules.drug_names if text.search(rule, 0)}


def record_drugs(text: Text, rules: DetailRules) -> set[str]:
    """The study drugs the title or abstract names (worked out once per record)."""
    found = text.cache.get("record_drugs")
    if found is None:
        found = text.cache["record_drugs"] = {
            drug
            for drug, rule in rules.drug_names
            if any(
                text.search(rule, i) for i in text.where(rule) if text.sentences[i].source != "coi"
            )
        }
    return found


def drug_spans(text: Text, i: int, rules: DetailRules) -> list[tuple[int, int, str]]:
    """(start, end, drug or "other") of every drug named in sentence `i`, in order."""
    spans: list[tuple[int, int, str]] = []
    for drug, rule in rules.drug_names:
        for match in text.finditer(rule, i):
            if not any(s <= match.start() < e for s, e, _ in spans):
                spans.append((match.start(), match.end(), drug))
    for match in text.finditer(rules.other_drugs, i):
        spans.append((match.start(), match.end(), "other"))
    return sorted(spans)


def extract_doses(
    text: Text, reporting: set[int], rules: DetailRules, focal, found, design=None
) -> None:
    """Every distinct stated dose of a study drug, with its band, into `found`; in a design
    without arms (observational) both forms a title compares are studied."""
    only = record_drugs(text, rules)
    # the record's one study drug, else the title's ("Oral ketamine for depression")
    pick = only if len(only) == 1 else focal if len(focal) == 1 else ()
    only_drug = next(iter(pick)) if pick else None
    controls = _control_doses(text, reporting, rules)
    arms = design is None or design in rules.comparator_designs
    compared = _compared_form(text, rules) if arms and len(set(focal) & FORMS) > 1 else None
    seen: set[tuple] = set()
    for i in text.where(rules.dose, reporting):
        sentence = text.sentences[i]
        spans = None
        for match in text.finditer(rules.dose, i):
            per = match.group("per") or ""
            if RATE.search(per) or EXCLUDED_BEFORE.search(sentence.text[: match.start()]):
                continue
            after = match.end()
            if any(p.match(sentence.text, after) for p in (EQUIVALENT_AFTER, EXCLUDED_AFTER)):
                continue
            if CONTROL_AFTER.match(sentence.text, after) or _control_before(sentence.text, match):
                continue
            spread = MEAN_SPREAD.search(sentence.text, 0, match.start())
            unit, amounts = dose_amounts(match, [spread.group(1)] if spread else None)
            if all((a, unit) in controls for a in amounts):
                continue  # "79 received 1 mg": the control dose named elsewhere
            if spans is None:
                spans = drug_spans(text, i, rules)
                # the record's one study drug, unless the sentence names another one
                named = {d for *_, d in spans if d != "other"} - {only_drug}
            drug, at = _dose_drug(spans, match, sentence.text, None if named else only_drug)
            if drug not in DRUGS or drug == compared:
                continue
            if focal and drug not in focal and COMPARED_BEFORE.search(sentence.text[:at]):
                continue  # the comparator's dose
            for amount in amounts:
                amount = int(amount) if amount == int(amount) else amount
                key = (drug, amount, unit)
                if amount > 0 and key not in seen:
                    seen.add(key)
                    found.doses.append({"drug": drug, "amount": amount, "unit": unit})
                    found.provenance.append(
                        ("doses", f"{drug} {amount} {unit}", sentence.source, sentence.text)
                    )
                    _band(found, rules, drug, amount, unit, sentence)


def _compared_form(text: Text, rules: DetailRules) -> str | None:
    """The form a title compares its studied form with ("esketamine or racemic ketamine":
    ketamine), whose doses are the comparator's; None unless the title names two forms."""
    if not text.sentences or text.sentences[0].source != "title":
        return None
    named = []
    for *_, drug in drug_spans(text, 0, rules):
        if drug != "other" and drug not in named:
            named.append(drug)
    if (
        len(named) != 2
        or not set(named) <= FORMS
        or not FORMS_COMPARED.search(text.sentences[0].text)
    ):
        return None
    return named[1]


def _control_doses(text: Text, reporting: set[int], rules: DetailRules) -> set[tuple]:
    """(amount, unit) of every dose the record calls the control ("1 mg (the control)")."""
    out = set()
    for i in text.where(rules.dose, reporting):
        sentence = text.sentences[i].text
        for match in text.finditer(rules.dose, i):
            if CONTROL_AFTER.match(sentence, match.end()) or _control_before(sentence, match):
                unit, amounts = dose_amounts(match)
                out.update((amount, unit) for amount in amounts)
    return out


def _control_before(sentence: str, match: re.Match) -> bool:
    return bool(CONTROL_BEFORE.search(sentence, max(0, match.start() - 40), match.start()))


def _dose_drug(spans, match: re.Match, text: str, fallback: str | None):
    """The drug a dose belongs to and where that drug is named."""
    for start, _, drug in spans:  # "0.5 mg/kg of intravenous ketamine"
        if start >= match.end() and DRUG_FOLLOWS.fullmatch(text[match.end() : start]):
            return drug, start
    before = [s for s in spans if s[1] <= match.start()]
    while len(before) > 1 and INERT.fullmatch(text[before[-1][0] : before[-1][1]]):
        before.pop()  # "ketamine or saline at 0.75 mg/kg": a placebo has no dose
    if before:
        return before[-1][2], before[-1][0]
    return fallback, match.start()


def dose_amounts(match: re.Match, numbers: list[str] | None = None) -> tuple[str, list[float]]:
    """The unit and amounts of a dose match: its numbers (or `numbers`) in that unit, each
    divided as the unit asks ("10 mg/70 kg": mg/kg, 10 / 70)."""
    unit, divisor = dose_unit(match.group("unit"), match.group("per") or "")
    raw = re.findall(NUM, match.group("nums")) if numbers is None else numbers
    return unit, [round(float(n) / divisor, 4) for n in raw]


def dose_unit(raw: str, per: str) -> tuple[str, float]:
    """The unit of a dose match and the divisor its numbers take ("10 mg/70 kg": mg/kg, 70)."""
    raw = raw.lower().replace(" ", "")
    if "70" in per:
        return "mg/kg", 70.0
    if raw.startswith("mg") and "kg" in raw:  # mg/kg, mg kg-1, mg\u00b7kg\u22121
        return "mg/kg", 1.0
    if raw.endswith("/kg"):
        return "\u00b5g/kg", 1.0
    if "kg" in per:
        return "mg/kg", 1.0
    return "mg", 1.0


def _band(found, rules: DetailRules, drug: str, amount, unit: str, sentence) -> None:
    for row in rules.dose_bands.get(drug, ()):
        if row["unit"] != unit:
            continue
        if amount < row.get("min", float("-inf")) or amount > row.get("max", float("inf")):
            continue
        slug = f"{drug}-{row['band']}"
        if slug not in found.dose_band:
            found.dose_band.append(slug)
            found.provenance.append(("dose_band", slug, sentence.source, sentence.text))
        return


def dose_arms(text: Text, i: int, rules: DetailRules) -> dict[tuple[str, str, bool], set]:
    """{(drug, unit, combined): amounts} of sentence `i`'s single stated doses of a study drug
    ("0.5 mg/kg or 1.0 mg/kg"): both ends of a range, rates, caps and control doses left out;
    a dose combined with another drug ("propofol 0.5 mg/kg plus ketamine 0.5 mg/kg") apart."""
    sentence = text.sentences[i].text
    spans = drug_spans(text, i, rules)
    only = record_drugs(text, rules)
    only_drug = next(iter(only)) if len(only) == 1 else None
    fallback = None if {d for *_, d in spans if d != "other"} - {only_drug} else only_drug
    arms: dict[tuple[str, str], set] = {}
    for match in text.finditer(rules.dose, i):
        per = match.group("per") or ""
        if RATE.search(per) or EXCLUDED_BEFORE.search(sentence[: match.start()]):
            continue
        if (
            _control_before(sentence, match)
            or RANGE.search(match.group("nums"))
            or any(
                p.match(sentence, match.end())
                for p in (EQUIVALENT_AFTER, EXCLUDED_AFTER, CONTROL_AFTER)
            )
        ):
            continue
        drug, at = _dose_drug(spans, match, sentence, fallback)
        if drug in DRUGS:
            unit, amounts = dose_amounts(match)
            combined = _combined(spans, sentence, at, match.end())
            arms.setdefault((drug, unit, combined), set()).update(amounts)
    return arms


def _combined(spans, sentence: str, at: int, end: int) -> bool:
    """Whether the study drug named at `at` (its dose ending at `end`) is given with another
    drug: "propofol 0.5 mg/kg plus ketamine", "s-ketamine 1 mg/kg with midazolam"."""
    others = [(s, e) for s, e, d in spans if d == "other"]
    before = PARTNER_BEFORE.search(sentence, 0, at)
    if before and any(before.start() - 30 <= e <= before.start() + 1 for _, e in others):
        return True
    after = PARTNER_AFTER.match(sentence, end)
    return bool(after and any(after.end() <= s <= after.end() + 15 for s, _ in others))
