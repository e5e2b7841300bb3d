"""Study details a clinician appraises: comparators, doses, sessions, reported harms, funding.

`extract_details(record, rules, design=..., conditions=...)` reads the title, abstract, grants
and COI statement with the rules of config/details.yml (loaded once by `load_details`) and
returns the values with the sentence each came from. Pure: no database, no network. The rules
run only on the sentences holding their literals (harvest.tagging.details_text); doses live in
details_doses.py, harms and funding in details_safety.py.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from itertools import chain

from harvest.tagging.details_config import (
    COMPARATORS,
    DRUGS,
    FUNDING,
    SAFETY,
    UNITS,
    DetailRules,
    load_details,
)
from harvest.tagging.details_doses import dose_arms, extract_doses, record_drugs, title_drugs
from harvest.tagging.details_safety import combine_funding, extract_funding, extract_safety
from harvest.tagging.details_text import Text, sentences

__all__ = ["COMPARATORS", "DRUGS", "FUNDING", "SAFETY", "UNITS", "DetailRules", "Details",
           "combine_funding", "detail_columns", "extract_details", "load_details"]  # fmt: skip

# Sentence roles (from abstract section labels) that report on the study itself.
REPORTING = frozenset({"title", "objective", "methods", "results", "conclusions", "body"})
SESSION_ROLES = frozenset({"title", "objective", "methods", "results", "body"})
NUMBER_WORDS = {
    "one": 1, "single": 1, "a single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15,
    "thirteen": 13, "fourteen": 14, "sixteen": 16, "eighteen": 18, "twenty": 20,
    "twenty-four": 24, "fifty-two": 52, "once": 1, "twice": 2, "two times": 2, "three times": 3,
    "thrice": 3, "other": 2, "second": 2,
}  # fmt: skip
MAX_SESSIONS = 52
DAY_NUMBER = re.compile(r"\d+")
AFTER = re.compile(r"\b(?:after|following)\s+$", re.I)
GIVEN = re.compile(r"\s+(?:given|administered|delivered|received)\b", re.I)
THEN = re.compile(r"\b(?:then|followed by|thereafter)\b", re.I)
DOSED_TIMES = re.compile(
    r"\b(?:given|administered|dosed|received|repeated|infused)\s+(?:\w+\s+){0,2}?"
    r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve) times\b",
    re.I,
)
# "one of two doses", "randomized to three doses", "two doses levels": dose arms, not sessions.
ARMS_BEFORE = re.compile(
    r"(?:\b(?:one|either|each|any|both) of (?:the |these )?|\ball (?:the |these )?|"
    r"\b(?:randomi[sz]ed|assigned|allocated|"
    r"compar\w*)(?: to| between)?(?: receive)?(?: one of)?(?: the)?\s)$",
    re.I,
)
ARMS_AFTER = re.compile(r"\s*(?:levels?|arms?|groups?|conditions?)\b", re.I)
ADD_ON = re.compile(r"\b(?:alone|only)\b|\b(?:plus|and) (?:an? |matching )?placebo\b", re.I)
ROUTE_WORDS = r"\b(?:oral|intravenous|iv|intranasal|intramuscular|subcutaneous|sublingual)(?:ly)?"
ROUTE = re.compile(ROUTE_WORDS + r"\b")
ROUTE_LAST = re.compile(ROUTE_WORDS + r"\s*$", re.I)
DRUG_ROUTE_LAST = re.compile(
    r"\b(?:ketamine|esketamine|arketamine|psilocybin|mdma)\b,?\s+" + ROUTE_WORDS + r"\s*$", re.I
)
ASSIGNED = re.compile(
    r"\b(?:randomi[sz]\w*|assigned|allocated|allocation|received|receive|compar\w*|versus|vs\.?|"
    r"arms?|groups?|cross-?over|crossed)\b",
    re.I,
)
# Between two items of a list of drugs: a dose in brackets, then a comma, "and" or "or".
LIST_GAP = re.compile(r"(?:\s*\([^)]{0,30}\))?\s*(?:,\s*(?:and\s+|or\s+)?|\s(?:and|or)\s+)", re.I)
JOINED = re.compile(r"\s+(?:plus|with|combined with|together with)\s+", re.I)
CARE_ALONE = re.compile(r"\s*(?:alone|only)\b", re.I)
CARE_VERSUS = re.compile(
    r"\b(?:versus|vs\.?|or|compared (?:with|to)|to|against)\s+(?:\w+\s+)?$", re.I
)
ACTIVE_PLACEBO_NAMED = re.compile(
    r"(?:psycho)?active[- ]placebo|midazolam|niacin|methylphenidate|diphenhydramine", re.I
)
BLINDING_DRUG = re.compile(r"\b(?:midazolam|niacin|methylphenidate|diphenhydramine)\b", re.I)
# "compared with placebo, niacin ...": an inert placebo as well.
INERT_TOO = re.compile(
    r"\b(?:and|or|versus|vs\.?|with|to|against) (?:an? |inert |saline |matching )*placebo\b"
    r"(?![- ]controlled)",
    re.I,
)


@dataclass
class Details:
    """What `extract_details` found; `provenance` rows are (facet, tag, source, evidence)."""

    comparators: list[str] = field(default_factory=list)
    doses: list[dict] = field(default_factory=list)
    dose_band: list[str] = field(default_factory=list)
    sessions: int | None = None
    safety: list[str] = field(default_factory=list)
    funding: str = "unknown"
    provenance: list[tuple[str, str, str, str]] = field(default_factory=list)

    def as_columns(self) -> dict:
        """The studies columns (lists as Python lists; the store serialises them)."""
        return {
            "comparators": self.comparators,
            "doses": self.doses,
            "dose_band": self.dose_band,
            "sessions": self.sessions,
            "safety": self.safety,
            "funding": self.funding,
        }


def extract_details(
    record: dict, rules: DetailRules, *, design: str | None = None, conditions=()
) -> Details:
    """Comparators, doses, sessions, harms and funding of one record, with provenance."""
    found = Details()
    text = Text(sentences(record), rules.automaton)
    reporting = {i for i, s in enumerate(text.sentences) if s.role in REPORTING}
    focal = title_drugs(text, rules)
    if design in rules.comparator_designs:
        _comparators(text, reporting, rules, focal, found)
        blinds = bool(rules.blinding_drugs & (focal or record_drugs(text, rules)))
        blinds = blinds or bool(rules.active_placebo_conditions & set(conditions))
        if "active-placebo" in found.comparators and not blinds:
            # "ketamine or midazolam for cocaine use disorder" with the condition untagged
            blinds = text.has(rules.psychiatric_context) and not text.has(
                rules.perioperative_context
            )
        if not blinds or _titled(text, rules):
            _active_drug_not_placebo(rules, found)
    extract_doses(text, reporting, rules, focal, found)
    if design in rules.session_designs:
        _sessions(text, reporting, rules, design, found)
    extract_safety(text, reporting, rules, set(conditions), design, found)
    extract_funding(record, text, rules, found)
    return found


def _comparators(
    text: Text, reporting: set[int], rules: DetailRules, focal: set[str], found: Details
) -> None:
    usable: dict[int, bool] = {}  # a comparison, and not a no-comparison sentence
    for slug, group in rules.comparators:
        for i in text.where(group, reporting):
            if not any(_counts(slug, m, text, i, rules, focal) for m in text.matches(group, i)):
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
    if "dose-comparison" not in found.comparators:
        _dose_arms(text, reporting, rules, found)
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
        told = [i for i in text.where(placebo, reporting) if any(text.matches(placebo, i))]
        if told and all(rules.dummy_placebo.search(text.sentences[i].text) for i in told):
            # "psilocybin with daily placebo, or escitalopram": the placebo keeps it blind
            row = next(r for r in found.provenance if r[:2] == ("comparators", "placebo"))
            found.comparators.remove("placebo")
            found.provenance.remove(row)
    if "active-drug" in found.comparators and "placebo" in found.comparators:
        row = next(r for r in found.provenance if r[:2] == ("comparators", "active-drug"))
        listed = [i for i, s in enumerate(text.sentences) if s.text == row[3]]
        if ADD_ON.search(row[3]) and _listed_drugs(text, listed[0], rules) < 3:
            # "esketamine plus an antidepressant did not beat the antidepressant alone" in a
            # placebo-controlled add-on trial: the comparison arm is the placebo one.
            found.comparators.remove("active-drug")
            found.provenance.remove(row)


def _dose_arms(text: Text, reporting: set[int], rules: DetailRules, found: Details) -> None:
    """A dose comparison from a randomising sentence stating two single doses of one study
    drug ("ketamine 0.5 mg/kg or 1.0 mg/kg, or placebo"), not one arm's steps or a phase's."""
    controls = {r[3] for r in found.provenance if r[:2] == ("comparators", "active-placebo")}
    for i in text.where(rules.dose, reporting):
        sentence = text.sentences[i].text
        if not text.search(rules.dose_arms, i) or rules.dose_steps.search(sentence):
            continue
        if sentence in controls and not BLINDING_DRUG.search(sentence):
            continue  # "25 mg psilocybin or 1 mg psilocybin, which served as the control"
        if rules.one_arm_doses.search(sentence) or text.search(rules.no_comparison, i):
            continue
        if any(len(amounts) > 1 for amounts in dose_arms(text, i, rules).values()):
            found.comparators.append("dose-comparison")
            found.comparators.sort(key=COMPARATORS.index)
            found.provenance.append(("comparators", "dose-comparison", *text.sentences[i][::2]))
            return


def _titled(text: Text, rules: DetailRules) -> bool:
    """Whether the title names an active-placebo drug as a drug compared ("Comparative effects
    of methylphenidate, modafinil and MDMA"), not as the control ("midazolam-controlled")."""
    first = text.sentences[0] if text.sentences else None
    if not first or first.source != "title" or not ACTIVE_PLACEBO_NAMED.search(first.text):
        return False
    return not rules.active_placebo_words.search(first.text)


def _active_drug_not_placebo(rules: DetailRules, found: Details) -> None:
    """Outside the conditions where it blinds, a named midazolam arm is a head-to-head drug."""
    if "active-placebo" not in found.comparators:
        return
    index = next(
        k for k, r in enumerate(found.provenance) if r[:2] == ("comparators", "active-placebo")
    )
    row = found.provenance[index]
    if rules.active_placebo_words.search(row[3]):
        return
    del found.provenance[index]
    found.comparators.remove("active-placebo")
    if "active-drug" not in found.comparators:
        found.comparators.append("active-drug")
        found.comparators.sort(key=COMPARATORS.index)
        found.provenance.append(("comparators", "active-drug", row[2], row[3]))


def _counts(slug: str, match: re.Match, text: Text, i: int, rules: DetailRules, focal) -> bool:
    """Whether a comparator match names a comparison arm."""
    if slug == "active-drug" and _studied_drug(match, text, i, rules, focal):
        return False
    if slug == "dose-comparison" and rules.one_arm_doses.search(text.sentences[i].text):
        # "after open-label esketamine (56 or 84 mg), patients were randomized to ...": the
        # doses of the phase before randomisation are not arms
        return bool(match.re.search(rules.one_arm_doses.sub(" ", text.sentences[i].text)))
    if slug == "usual-care":  # "all patients continued usual care": both arms get it
        sentence = text.sentences[i].text
        if rules.care_both_arms.search(sentence) and not (
            CARE_ALONE.match(sentence, match.end())
            or CARE_VERSUS.search(sentence[max(0, match.start() - 30) : match.start()])
        ):
            return False
    if slug in ("active-drug", "active-non-drug") and match.group(0)[:3].lower() == "or ":
        sentence = text.sentences[i].text
        if rules.drug_last.search(sentence, 0, match.start()) and not any(
            rule.pattern.search(sentence, max(0, match.start() - 25), match.start())
            for _, rule in rules.drug_names
        ):
            return False  # "lithium or valproate", "(sertraline or venlafaxine)": one arm's options
        return bool(ASSIGNED.search(sentence))  # not "ketamine or esketamine"
    return True


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


def _number(word: str) -> int | None:
    word = word.lower().strip()
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word)


def _schedule(text: Text, i: int, rules: DetailRules) -> list[int]:
    """Sessions from "twice weekly for four weeks" (8) and "weekly for six weeks" (6); phases
    joined by "then" add up ("twice weekly for 4 weeks, then weekly for 4 weeks": 12)."""
    found = []
    for match in text.finditer(rules.per_week, i):
        times, weeks = _number(match.group(1)), _number(match.group(2))
        if times and weeks:
            found.append((match.start(), match.end(), times * weeks))
    firsts = chain(text.finditer(rules.weeks_first, i), text.finditer(rules.phase_weeks, i))
    for match in firsts:
        weeks, times = (g for g in match.groups() if g)
        if any(s < match.end() and match.start() < e for s, e, _ in found):
            continue  # "for 4 weeks, then once weekly": the rate already read with its weeks
        if _number(times) and _number(weeks):
            found.append((match.start(), match.end(), _number(times) * _number(weeks)))
    for match in text.finditer(rules.interval, i):
        n = _every(match)
        if n:
            found.append((match.start(), match.end(), n))
    taken = [(s, e) for s, e, _ in found]
    sentence = text.sentences[i].text
    for match in text.finditer(rules.dosing_days, i):
        dosed = rules.dosed_before.search(sentence, max(0, match.start() - 60), match.start())
        if dosed and rules.days_rated.search(sentence, max(0, match.start() - 80), match.start()):
            continue  # "rated before the infusion and on days 2, 3 and 7": rating days
        if dosed and not any(s <= match.start() < e for s, e in taken):
            found.append((match.start(), match.end(), len(DAY_NUMBER.findall(match["days"]))))
    taken = [(s, e) for s, e, _ in found]
    for match in text.finditer(rules.weeks_of, i):
        weeks = _number(match.group(1))
        if weeks and not any(s <= match.start() < e for s, e in taken):
            found.append((match.start(), match.end(), weeks))
    found.sort()
    out: list[int] = []
    for k, (start, _, n) in enumerate(found):
        if k and out and THEN.search(sentence, found[k - 1][1], start):
            out[-1] += n
        else:
            out.append(n)
    return out


def _every(match: re.Match) -> int | None:
    """Sessions of "every other week for 8 weeks" (4) or "monthly for three months" (3)."""
    span = _number(match["span"])
    months = match["unit"].lower().startswith("month")
    if not span:
        return None
    if match["month"]:
        return span if months else None
    every = 2 if match["fortnight"] else _number(match["every"])
    if months or not every or span % every:
        return None
    return span // every


def _counted(text: Text, i: int, rules: DetailRules) -> list[int] | None:
    """Sessions from "six infusions", "a single dose"; None for "up to six infusions"."""
    sentence = text.sentences[i].text
    out = []
    for match in text.finditer(rules.session_words, i):
        phrase = match.group(0)
        n = _number(match.group("n"))
        if phrase.lower().endswith(("doses", "treatments")) and (
            ARMS_BEFORE.search(sentence[max(0, match.start() - 40) : match.start()])
            or ARMS_AFTER.match(sentence, match.end())
        ):
            continue  # "one of two doses": dose arms
        if rules.not_dosing.search(phrase) and not rules.dosing.search(phrase):
            continue  # "three preparatory sessions", "three times higher"
        if phrase.lower().endswith("times") and not DOSED_TIMES.search(sentence):
            continue
        before = sentence[max(0, match.start() - 30) : match.start()]
        if (
            rules.up_to.search(before)
            or rules.range_before.search(before)
            or rules.range_after.search(sentence[match.end("n") :])
        ):
            return None  # no fixed number: "up to six", "4-6 infusions", "two or three"
        if rules.not_a_count.search(before) and not (
            AFTER.search(before)
            and (match.group("n").lower().endswith("single") or GIVEN.match(sentence, match.end()))
        ):
            continue  # "after two infusions" is no count; "after a single infusion" is one, so
            # is "after six treatments given on alternating days"
        if n and n <= MAX_SESSIONS:
            out.append(n)
    if not out and text.search(rules.single, i):
        out.append(1)
    if not out:  # "administered twice, three weeks apart"
        out.extend(
            _number(m["n"])
            for m in text.finditer(rules.times_given, i)
            if rules.given_before.search(sentence, max(0, m.start() - 60), m.start())
        )
    return out


def _tally(text: Text, rows: set[int], rules: DetailRules) -> dict[int, list[int]] | None:
    """Each session count the sentences `rows` state, with the sentences stating it; None
    when one says there is no fixed number ("up to six infusions")."""
    stated: dict[int, list[int]] = {}
    where = {i for rule in rules.schedules for i in text.where(rule, rows)}
    for rule in (rules.session_words, rules.single, rules.times_given, rules.rate_arms):
        where.update(text.where(rule, rows))
    for i in sorted(where):
        candidates = _schedule(text, i, rules)
        if not candidates:
            candidates = _counted(text, i, rules)
            if candidates is None:
                return None
            if candidates and _open_schedule(text, i, rules):
                continue  # daily or flexible dosing here: its numbers are not sessions
        if (len(set(candidates)) > 1 or text.search(rules.rate_arms, i)) and text.search(
            rules.differing_arms, i
        ):
            return None  # "randomized to a single infusion or to six infusions": arms differ
        for n in candidates:
            stated.setdefault(n, []).append(i)
    return stated


def _sessions(
    text: Text, reporting: set[int], rules: DetailRules, design: str, found: Details
) -> None:
    roles = {i for i in reporting if text.sentences[i].role in SESSION_ROLES}
    if any(text.search(rules.extension_phase, i) for i in text.where(rules.extension_phase, roles)):
        return  # an open-label phase adds sessions to some participants: no one number
    stated = _tally(text, roles, rules)
    if stated == {}:  # nothing in the methods or results: "a single dose" in the conclusions
        stated = _tally(
            text, {i for i in reporting if text.sentences[i].role == "conclusions"}, rules
        )
    if stated is None:
        return
    best = max(stated, key=lambda n: (len(stated[n]), n)) if stated else None
    sentence = stated[best][0] if stated else None
    if best is None:  # "received ketamine 0.5 mg/kg during surgery": given once
        moment = [j for j in text.where(rules.single_moment, roles) if _given_once(text, j, rules)]
        if moment:
            best, sentence = 1, moment[0]
    if best is None and design in rules.given_once_designs:
        given = _given_dose(text, roles, reporting, rules, design, found)
        if given is not None:  # "participants received psilocybin 25 mg", never repeated
            best, sentence = 1, given
    if best in (None, 1, 2) and design in rules.crossover_designs:
        periods = _periods(text, roles, rules) or _conditions(text, roles, rules)
        if periods:  # "a three-period crossover": one session per period
            best, sentence = periods
        elif best != 2:
            cross = [
                j for j in text.where(rules.crossover, roles) if text.search(rules.crossover, j)
            ]
            if cross:  # each arm of a crossover once: its control session counts
                best, sentence = 2, cross[0]
    if best is not None:
        found.sessions = best
        found.provenance.append(("sessions", str(best), *text.sentences[sentence][::2]))


def _given_dose(
    text: Text,
    roles: set[int],
    reporting: set[int],
    rules: DetailRules,
    design: str,
    found: Details,
) -> int | None:
    """The sentence giving a stated dose of the study drug, when no reporting sentence speaks
    of giving it again (more sessions, a rate, a schedule, a flexible or daily regimen)."""
    dosed = {row[3] for row in found.provenance if row[0] == "doses"}
    # a sentence giving the dose ("received psilocybin 25 mg") first, else any stating it
    # ("psilocybin (0.17 mg/kg) produced ..."), else one giving the drug ("patients were
    # randomized to ketamine or saline", "received intravenous ketamine")
    stating = [
        i
        for i in sorted(roles)
        if text.sentences[i].text in dosed
        or (text.search(rules.dose, i) and any(text.search(r, i) for _, r in rules.drug_names))
    ]
    given = [i for i in stating if rules.administered.search(text.sentences[i].text)] or stating
    if not given and design in rules.given_drug_designs:
        given = [i for i in sorted(roles) if text.search(rules.given_drug, i)]
    if not given or any(
        text.search(rules.repeat_cues, j) for j in text.where(rules.repeat_cues, reporting)
    ):
        return None
    return given[0]


def _periods(text: Text, rows: set[int], rules: DetailRules) -> tuple[int, int] | None:
    """(periods, sentence) of the first "three-period crossover" among `rows`."""
    for i in text.where(rules.crossover_periods, rows):
        match = text.search(rules.crossover_periods, i)
        if match:
            return _number(match["n"]), i
    return None


def _conditions(text: Text, rows: set[int], rules: DetailRules) -> tuple[int, int] | None:
    """(conditions, sentence) of a crossover that gives each participant three or more
    ("received each of the three drugs and placebo", "four treatment conditions", "single doses
    of LSD, MDMA, d-amphetamine and placebo"): one session per condition."""
    for j in text.where(rules.crossover, rows):
        if not text.search(rules.crossover, j):
            continue
        match = text.search(rules.conditions, j)
        if match:
            n = _number(match["n"] or match["n2"]) or 0
            n += 1 if match["plus"] else 0
            if n >= 3:
                return n, j
        if rules.administered.search(text.sentences[j].text):
            listed = _listed_drugs(text, j, rules)
            if listed >= 3:
                return listed, j
    return None


def _listed_drugs(text: Text, j: int, rules: DetailRules) -> int:
    """Items of the longest list of drugs in sentence `j` ("LSD (0.1 mg), MDMA (125 mg),
    d-amphetamine (40 mg) and placebo": 4; "placebo, ketanserin, psilocybin and psilocybin plus
    ketanserin": 4)."""
    sentence = text.sentences[j].text
    spans = sorted(
        (m.start(), m.end(), m.group(0).lower())
        for rule in (*(r for _, r in rules.drug_names), rules.other_drugs)
        for m in text.finditer(rule, j)
    )
    best, run, last = 0, 0, None
    for start, end, _ in spans:
        gap = sentence[last:start] if last is not None else ""
        if last is None or not (LIST_GAP.fullmatch(gap) or JOINED.fullmatch(gap)):
            run = 1  # a new list
        elif LIST_GAP.fullmatch(gap):
            run += 1  # the next item; "psilocybin plus ketanserin" is one
        best, last = max(best, run), end
    return best


def _open_schedule(text: Text, i: int, rules: DetailRules) -> bool:
    """Whether sentence `i` doses daily or flexibly; not when that schedule is the placebo's or
    a co-medication's ("with six weeks of daily placebo", "an antidepressant taken daily")."""
    sentence = text.sentences[i].text
    for match in text.finditer(rules.open_schedules, i):
        window = sentence[max(0, match.start() - 30) : match.end() + 30]
        if not rules.co_medication.search(window) or any(
            rule.pattern.search(window) for _, rule in rules.drug_names
        ):
            return True
    return False


def _given_once(text: Text, i: int, rules: DetailRules) -> bool:
    """A sentence doses a study drug at one moment of an operation, not continuously."""
    return bool(
        text.search(rules.single_moment, i)
        and text.search(rules.dose, i)
        and not text.search(rules.open_schedules, i)
    )


def detail_columns(found: Details) -> dict:
    """The studies columns of `found`, lists as JSON text."""
    columns = found.as_columns()
    for key in ("comparators", "doses", "dose_band", "safety"):
        columns[key] = json.dumps(columns[key], ensure_ascii=False)
    return columns
