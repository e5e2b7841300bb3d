"""Comparators of a study (placebo, active placebo, head-to-head drug or treatment, waitlist,
usual care, dose arms), each with the sentence it came from; rules in config/details.yml."""

from __future__ import annotations

import re

from harvest.tagging.details_config import DetailRules
from harvest.tagging.details_dose_arms import control_dose_only, find_dose_arms
from harvest.tagging.details_doses import record_drugs
from harvest.tagging.details_sessions import listed_drugs
from harvest.tagging.details_text import Gated, Text
from harvest.tagging.details_vocab import COMPARATORS

# "X plus placebo" is an add-on trial's placebo arm; "..., methamphetamine 20 mg and placebo"
# lists the arms.
ADD_ON = re.compile(
    r"\b(?:alone|only)\b|(?<!mg )(?<!mg/kg )(?<!\u00b5g )(?<!\) )\b(?:plus|and) (?:an? |matching )?"
    r"placebo\b",
    re.I,
)
ROUTE_WORDS = (
    r"(?:\b(?:oral|intravenous|iv|intranasal|intramuscular|subcutaneous|sublingual)(?:ly)?\b"
    r"|\bi\.[vm]\.)"  # "i.v. versus i.m. ketamine"
)
ROUTE = re.compile(ROUTE_WORDS)
ROUTE_LAST = re.compile(ROUTE_WORDS + r"\s*$", re.I)
DRUG_ROUTE_LAST = re.compile(
    r"\b(?:ketamine|esketamine|arketamine|psilocybin|mdma)\b,?\s+" + ROUTE_WORDS + r"\s*$", re.I
)
ASSIGNED = re.compile(
    r"\b(?:randomi[sz]\w*|assigned|allocated|allocation|received|receive|compar\w*|versus|vs\.?|"
    r"arms?|groups?|cross-?over|crossed)\b",
    re.I,
)
CARE_ALONE = re.compile(r"\s*(?:alone|only)\b", re.I)
CARE_VERSUS = re.compile(
    r"\b(?:versus|vs\.?|or|compared (?:with|to)|to|against)\s+(?:\w+\s+)?$", re.I
)
ACTIVE_PLACEBO_NAMED = Gated(
    r"(?:psycho)?active[- ]placebo|midazolam|niacin|methylphenidate|diphenhydramine"
)
DOSE_TAIL = re.compile(r"\d+(?:\.\d+)?(?:\s*(?:,|or|and|to|-|\u2013)\s*\d+(?:\.\d+)?)*\s*\S*$")
# The design's name ("a double-blind, randomized, controlled, emergency department trial"): no
# control arm named ("midazolam-controlled" is one).
TRIAL_DESIGN = re.compile(
    r"(?<!-)\bcontrolled\b(?=(?:,? [\w-]+){0,3} (?:trials?|study|studies)\b)", re.I
)
# "a control arm of intravenous metoclopramide": the control is a drug, not a placebo.
CONTROL_ARM = re.compile(
    r"\b(?:control|comparator|comparison) (?:regimens?|groups?|arms?|conditions?)\b,?\s*"
    r"(?:\(|of |receiving |received |given |with |consisting of |took |was given |were given )"
    r"(?!(?:an? |the |matching |normal |0\.9% )?(?:placebo|saline|vehicle|sham|inactive|inert)\b)",
    re.I,
)
MIMICKING = re.compile(r"\b(?:psycho)?active[- ]placebo\b|\bpsychoactive[- ]control", re.I)
PLACEBO_DESIGN = re.compile(r"\bplacebo[- ]controlled\b", re.I)
# "compared with placebo, niacin ...": an inert placebo as well.
INERT_TOO = re.compile(
    r"\b(?:and|or|versus|vs\.?|with|to|against|included|including|used) "
    r"(?:an? |inert |saline |matching )*(?:placebo|saline)\b"
    r"(?![- ]controlled)(?!\s*\((?:[\w-]+ )?(?:midazolam|niacin|methylphenidate|diphenhydramine))",
    re.I,
)


def extract_comparators(
    text: Text, reporting: set[int], rules: DetailRules, focal: set[str], found, design, conditions
) -> None:
    """The comparators of a trial, protocol or review into `found` (a details.Details)."""
    _comparators(text, reporting, rules, focal, found, design)
    blinds = bool(rules.blinding_drugs & (focal or record_drugs(text, rules)))
    if not blinds and rules.active_placebo_conditions & set(conditions):
        # "ketamine or midazolam premedication for preoperative anxiety": a drug compared
        blinds = text.has(rules.psychiatric_context) or not text.has(rules.perioperative_context)
    if "active-placebo" in found.comparators and not blinds:
        # "ketamine or midazolam for cocaine use disorder" with the condition untagged
        blinds = text.has(rules.psychiatric_context) and not text.has(rules.perioperative_context)
        # "methylphenidate (40 mg/70 kg)": dosed as a psychedelic trial's active placebo
        blinds = blinds or text.has(rules.comparator_checks["blinder_dose"])
    if not blinds or _titled(text, rules):
        _active_drug_not_placebo(rules, found)
    _placebo_design_only(text, reporting, rules, found)
    _care_is_the_active_arm(rules, found)
    _mimicking_control(found)


def _comparators(
    text: Text, reporting: set[int], rules: DetailRules, focal: set[str], found, design
) -> None:
    usable: dict[int, bool] = {}  # a comparison, and not a no-comparison sentence
    pooled = design in rules.pooled_designs
    for slug, group in rules.comparators:
        for i in text.where(group, reporting):
            if pooled and _not_pooled(slug, text, i, rules):
                continue
            if pooled and slug == "active-drug" and _either_drug(text, i, group, rules):
                continue  # "trials of racemic ketamine or esketamine": the review's scope
            # a head-to-head cue's every match: "intravenous or intranasal ketamine ... compared
            # with NSAIDs" (the others' first matches suffice)
            read = text.every_match if slug == "active-drug" else text.matches
            if not any(_counts(slug, m, text, i, rules, focal) for m in read(group, i)):
                continue
            if i not in usable:
                usable[i] = bool(
                    text.search(rules.comparison_context, i)
                    and not text.search(rules.no_comparison, i)
                )
            if usable[i]:
                found.comparators.append(slug)
                found.provenance.append(("comparators", slug, *text.sentences[i][::2]))
                break
    _partnered_blinder(rules, found)
    _both_arms_get(text, rules, found)
    control_dose_only(text, rules, found)
    if "dose-comparison" not in found.comparators:
        find_dose_arms(text, reporting, rules, found, design in rules.dose_group_designs, pooled)
    if "active-placebo" in found.comparators and "placebo" in found.comparators:
        row = next(r for r in found.provenance if r[:2] == ("comparators", "placebo"))
        named = ACTIVE_PLACEBO_NAMED.search(row[3])
        if named and not INERT_TOO.search(row[3]) and not _titled(text, rules):
            found.comparators.remove("placebo")  # "midazolam placebo": one comparator
            found.provenance.remove(row)
    if "dose-comparison" in found.comparators and text.has(rules.flexible_dosing):
        row = next(r for r in found.provenance if r[:2] == ("comparators", "dose-comparison"))
        if not any(rules.stated_dose_comparison.search(s.text) for s in text.sentences):
            found.comparators.remove("dose-comparison")  # one flexibly dosed arm
            found.provenance.remove(row)
    if "active-drug" in found.comparators and "placebo" in found.comparators:
        placebo = dict(rules.comparators)["placebo"]
        told = [i for i in text.where(placebo, reporting) if text.first(placebo, i)]
        if told and all(rules.dummy_placebo.search(text.sentences[i].text) for i in told):
            # "psilocybin with daily placebo, or escitalopram": the placebo keeps it blind
            row = next(r for r in found.provenance if r[:2] == ("comparators", "placebo"))
            found.comparators.remove("placebo")
            found.provenance.remove(row)
    if "active-drug" in found.comparators and "placebo" in found.comparators:
        row = next(r for r in found.provenance if r[:2] == ("comparators", "active-drug"))
        listed = [i for i, s in enumerate(text.sentences) if s.text == row[3]]
        if ADD_ON.search(row[3]) and listed_drugs(text, listed[0], rules) < 3:
            # "esketamine plus an antidepressant did not beat the antidepressant alone" in a
            # placebo-controlled add-on trial: the comparison arm is the placebo one.
            found.comparators.remove("active-drug")
            found.provenance.remove(row)


def _not_pooled(slug: str, text: Text, i: int, rules: DetailRules) -> bool:
    """In a review, whether sentence `i` says nothing of what was pooled: a placebo in its search
    or in one trial's result, a dose range across the included trials."""
    checks = rules.comparator_checks
    if slug == "placebo":
        searched = text.search(checks["searched"], i) and not text.search(
            checks["stated_against"], i
        )
        return bool(searched or text.search(checks["not_pooled"], i))
    return slug == "dose-comparison" and bool(text.search(checks["pooled_doses"], i))


def _either_drug(text: Text, i: int, group, rules: DetailRules) -> bool:
    """In a review, whether sentence `i`'s only head-to-head cue is "X or <study drug>" ("trials
    of racemic ketamine or esketamine"): the drugs reviewed, not a comparison."""
    found = list(text.every_match(group, i))
    return bool(found) and all(
        m.group(0)[:3].lower() == "or "
        and any(r.pattern.fullmatch(m.group(0)[3:].split()[-1]) for _, r in rules.drug_names)
        for m in found
    )


def _both_arms_get(text: Text, rules: DetailRules, found) -> None:
    """No waitlist from a delayed start whose control takes placebo first (unless a waiting list
    is named), no therapy alone beside "placebo with therapy" (the therapy is in both arms)."""
    if "placebo" not in found.comparators:
        return
    checks = rules.comparator_checks
    drop = set()
    if "waitlist" in found.comparators and not text.has(checks["waitlist_named"]):
        drop.add("waitlist")
    if "active-non-drug" in found.comparators and text.has(checks["therapy_both_arms"]):
        row = next(r for r in found.provenance if r[:2] == ("comparators", "active-non-drug"))
        if checks["therapy_alone"].pattern.search(row[3]):
            drop.add("active-non-drug")
    for slug in drop:
        found.comparators.remove(slug)
        found.provenance[:] = [r for r in found.provenance if r[:2] != ("comparators", slug)]


def _placebo_design_only(text: Text, reporting: set[int], rules: DetailRules, found) -> None:
    """A "placebo-controlled" trial whose only control is an active placebo ("ketamine or
    midazolam") or an active drug ("a placebo-controlled trial ... allocated to metoclopramide or
    to intranasal ketamine"): no inert placebo besides."""
    if "placebo" not in found.comparators:
        return
    if "active-placebo" not in found.comparators and not (
        "active-drug" in found.comparators
        and any(CONTROL_ARM.search(text.sentences[i].text) for i in reporting)
    ):
        return  # an active drug besides a placebo-controlled design is an arm more
    placebo = dict(rules.comparators)["placebo"]
    told = [i for i in text.where(placebo, reporting) if text.first(placebo, i)]
    if told and all(_design_word_only(text.sentences[i].text, placebo) for i in told):
        row = next(r for r in found.provenance if r[:2] == ("comparators", "placebo"))
        found.comparators.remove("placebo")
        found.provenance.remove(row)


def _mimicking_control(found) -> None:
    """A drug the sentence calls the psychoactive control or active placebo ("ketamine 0.5 mg/kg
    or fentanyl 50 µg as the psychoactive control") is that, not a head-to-head drug too."""
    rows = {r[1]: r for r in found.provenance if r[0] == "comparators"}
    if "active-placebo" not in rows or "active-drug" not in rows:
        return
    if rows["active-drug"][3] == rows["active-placebo"][3] and MIMICKING.search(
        rows["active-drug"][3]
    ):
        found.comparators.remove("active-drug")
        found.provenance.remove(rows["active-drug"])


def _care_is_the_active_arm(rules: DetailRules, found) -> None:
    """ "Not better than standard therapy" in a trial against an active drug or treatment names
    that arm, not usual care, unless the sentence says usual care (`care_named`)."""
    if "usual-care" not in found.comparators:
        return
    if not {"active-drug", "active-non-drug"} & set(found.comparators):
        return
    row = next(r for r in found.provenance if r[:2] == ("comparators", "usual-care"))
    if not rules.comparator_checks["care_named"].pattern.search(row[3]):
        found.comparators.remove("usual-care")
        found.provenance.remove(row)


def _design_word_only(sentence: str, placebo) -> bool:
    """Whether a sentence names a placebo only as the design ("placebo-controlled")."""
    rest = PLACEBO_DESIGN.sub(" ", sentence)
    return not any(rule.pattern.search(rest) for rule in placebo.rules)


def _partnered_blinder(rules: DetailRules, found) -> None:
    """A blinding drug given with a head-to-head drug ("acetaminophen with codeine plus
    diphenhydramine") is part of an active regimen, not an active placebo."""
    if "active-placebo" not in found.comparators:
        return
    row = next(r for r in found.provenance if r[:2] == ("comparators", "active-placebo"))
    if rules.active_placebo_words.search(row[3]) or not rules.partnered_blinder.search(row[3]):
        return
    found.provenance.remove(row)
    found.comparators.remove("active-placebo")
    if "active-drug" not in found.comparators:
        found.comparators.append("active-drug")
        found.comparators.sort(key=COMPARATORS.index)
        found.provenance.append(("comparators", "active-drug", row[2], row[3]))


def _titled(text: Text, rules: DetailRules) -> bool:
    """Whether the title names an active-placebo drug as a drug compared ("Comparative effects
    of methylphenidate, modafinil and MDMA"), not as the control ("midazolam-controlled")."""
    first = text.sentences[0] if text.sentences else None
    if not first or first.source != "title" or not ACTIVE_PLACEBO_NAMED.search(first.text):
        return False
    return not rules.active_placebo_words.search(first.text)


def _active_drug_not_placebo(rules: DetailRules, found) -> None:
    """Outside the conditions where it blinds, a named midazolam arm is a head-to-head drug."""
    if "active-placebo" not in found.comparators:
        return
    index = next(
        k for k, r in enumerate(found.provenance) if r[:2] == ("comparators", "active-placebo")
    )
    row = found.provenance[index]
    if rules.active_placebo_words.search(TRIAL_DESIGN.sub(" ", row[3])):
        return  # "midazolam as the control", not "a randomized, controlled trial"
    del found.provenance[index]
    found.comparators.remove("active-placebo")
    if "active-drug" not in found.comparators:
        found.comparators.append("active-drug")
        found.comparators.sort(key=COMPARATORS.index)
        found.provenance.append(("comparators", "active-drug", row[2], row[3]))


def _counts(slug: str, match: re.Match, text: Text, i: int, rules: DetailRules, focal) -> bool:
    """Whether a comparator match names a comparison arm."""
    if slug == "active-drug" and (
        _studied_drug(match, text, i, rules, focal) or _title_drug(match, text, rules, focal)
    ):
        return False
    if slug == "dose-comparison" and any(c.isdigit() for c in match.group(0)):
        if rules.list_steps.search(text.sentences[i].text):
            return False  # "56 mg on day 1, then 56 or 84 mg": one arm's steps
        tail = DOSE_TAIL.search(match.group(0))
        at = match.start() + (tail.start() if tail else 0)
        if rules.control_dose_before.search(text.sentences[i].text[max(0, at - 40) : at]):
            return False  # "a low (placebo-like) dose (1 or 3 mg/70 kg)": the control's
    if slug == "dose-comparison" and rules.one_arm_doses.search(text.sentences[i].text):
        # "after open-label esketamine (56 or 84 mg), patients were randomized to ...": the
        # doses of the phase before randomisation are not arms
        return bool(match.re.search(rules.one_arm_doses.sub(" ", text.sentences[i].text)))
    if slug == "active-placebo" and rules.care_both_arms.search(
        text.sentences[i].text, max(0, match.start() - 45), match.start()
    ):
        return False  # "three doses of ketamine, each mixed with midazolam": every arm gets it
    if slug == "usual-care":  # "all patients continued usual care": both arms get it
        sentence = text.sentences[i].text
        if rules.care_both_arms.search(sentence) and not (
            CARE_ALONE.match(sentence, match.end())
            or CARE_VERSUS.search(sentence[max(0, match.start() - 30) : match.start()])
        ):
            return False
    if slug == "active-non-drug":
        sentence = text.sentences[i].text
        history = rules.treatment_history.search(
            sentence, max(0, match.start() - 60), match.start()
        )
        if history and not ASSIGNED.search(sentence[history.end() : match.start()]):
            return False  # "had not responded to other drugs or to ECT": a history, not an arm
    if slug in ("active-drug", "active-non-drug") and match.group(0)[:3].lower() == "or ":
        sentence = text.sentences[i].text
        ours = any(rule.pattern.search(match.group(0).split()[-1]) for _, rule in rules.drug_names)
        if (
            not ours
            and rules.drug_last.search(sentence, 0, match.start())
            and not any(
                rule.pattern.search(sentence, max(0, match.start() - 25), match.start())
                for _, rule in rules.drug_names
            )
        ):
            # "lithium or valproate", "(sertraline or venlafaxine)": one arm's options; not
            # "metoclopramide or to intranasal ketamine", the study drug's arm
            return False
        return bool(ASSIGNED.search(sentence))  # not "ketamine or esketamine"
    return True


def _title_drug(match: re.Match, text: Text, rules: DetailRules, focal) -> bool:
    """Whether an active-drug match ends on the record's own drug when that is not one of ours:
    the title names it and none of the study drugs ("Ketorolac for ...": "control group or
    ketorolac 1 mg/kg" compares ketorolac with an unspecified control)."""
    first = text.sentences[0] if text.sentences else None
    if focal or not first or first.source != "title":
        return False
    named = [m.group(0).lower() for m in rules.other_drugs.pattern.finditer(match.group(0))]
    title = {m.group(0).lower() for m in rules.other_drugs.pattern.finditer(first.text)}
    return bool(named) and named[-1] in title


def _studied_drug(match: re.Match, text: Text, i: int, rules: DetailRules, focal) -> bool:
    """Whether an active-drug match names the studied drug itself ("placebo or esketamine"):
    true unless it is not the title's drug or the sentence names another drug or route first."""
    compared = match.group(0)  # the drug the match ends on is the one compared with
    named = {
        drug
        for drug, rule in rules.drug_names
        if any(m.end() == len(compared) for m in rule.pattern.finditer(compared))
    }
    if not named or (focal and not named & focal):
        return False
    before = text.sentences[i].text[: match.start()]
    if rules.drug_last.search(before):
        return False  # "sertraline or ketamine": the other drug is the comparison
    if ROUTE_LAST.search(before):
        # "intranasal or intravenous esketamine": one drug, two routes; "intramuscular versus
        # intravenous ketamine" and "ketamine intravenously or a sublingual ketamine wafer"
        # compare the routes
        return compared[:3].lower() == "or " and not DRUG_ROUTE_LAST.search(before)
    if {drug for drug, rule in rules.drug_names if rule.pattern.search(before)} - named:
        return False  # "intravenous ketamine or intranasal esketamine"
    routes = set(ROUTE.findall(compared.lower()))
    return not (routes and set(ROUTE.findall(before.lower())) - routes)
