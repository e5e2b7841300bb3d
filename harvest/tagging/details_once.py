"""One administration, for the sessions of config/details.yml (details_sessions.py): a stated
dose that no sentence says is given again, a dose at one moment of an operation, a bounded
infusion ("a 30-minute continuous infusion ... 1 mg/kg/h"), "during ketamine infusion", and the
one administration an observational or review record gives its own participants."""

from __future__ import annotations

import re

from harvest.tagging.details_config import DetailRules
from harvest.tagging.details_text import Text


def given_dose(
    text: Text,
    roles: set[int],
    reporting: set[int],
    rules: DetailRules,
    design: str,
    found,
    stops: dict[int, int],
) -> int | None:
    """The sentence giving a stated dose of the study drug, when no reporting sentence speaks
    of giving it again (more sessions, a rate, a schedule, a flexible or daily regimen) outside
    a bounded infusion or an optional extension's clause."""
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
    return None if not given or repeated(text, reporting, rules, stops) else given[0]


def repeated(text: Text, reporting: set[int], rules: DetailRules, stops=None) -> bool:
    """Whether a reporting sentence speaks of giving the drug again (repeat_cues), outside a
    bounded infusion and before an optional extension's clause (`stops`)."""
    stops = stops or {}
    return any(
        unbounded(text, j, rules.repeat_cues, rules, stops.get(j))
        for j in text.where(rules.repeat_cues, reporting)
    )


def unbounded(
    text: Text, i: int, rule, rules: DetailRules, stop: int | None = None
) -> re.Match | None:
    """The first match of `rule` in sentence `i` before `stop` and outside every bounded
    infusion ("a 30-minute continuous infusion ... 1 mg/kg/h": no repeat, no open schedule)."""
    bounded = None
    for match in text.finditer(rule, i):
        if stop is not None and match.start() >= stop:
            return None
        if bounded is None:
            bounded = [m.span() for m in text.finditer(rules.bounded_infusion, i)]
        if not any(s <= match.start() and match.end() <= e for s, e in bounded):
            return match
    return None


def own_single(text: Text, roles: set[int], reporting: set[int], rules: DetailRules, found):
    """In an own-study design (observational, narrative review), one administration a
    sentence gives this study's participants ("measured in 24 volunteers after a single oral
    dose of psilocybin") is one session, when nothing speaks of repeats."""
    for i in text.where(rules.own_single, roles):
        sentence = text.sentences[i].text
        if (
            text.search(rules.own_single, i)
            and rules.own_study.search(sentence)
            and not rules.not_own_study.search(sentence)
        ):
            if repeated(text, reporting, rules):
                return
            found.sessions = 1
            found.provenance.append(("sessions", "1", *text.sentences[i][::2]))
            return


def given_during(text: Text, roles: set[int], reporting: set[int], rules: DetailRules):
    """The sentence measuring "during ketamine infusion", when no control is given too and
    nothing speaks of repeats."""
    during = [
        i for i in text.where(rules.given_during, roles) if text.search(rules.given_during, i)
    ]
    if not during or text.has(rules.within_control) or repeated(text, reporting, rules):
        return None
    return during[0]


def open_schedule(text: Text, i: int, rules: DetailRules) -> bool:
    """Whether sentence `i` doses daily or flexibly; not when that schedule is the placebo's or
    a co-medication's ("with six weeks of daily placebo", "an antidepressant taken daily")."""
    sentence = text.sentences[i].text
    bounded = None
    for match in text.finditer(rules.open_schedules, i):
        if bounded is None:
            bounded = [m.span() for m in text.finditer(rules.bounded_infusion, i)]
        if any(s <= match.start() and match.end() <= e for s, e in bounded):
            continue  # "a 30-minute continuous infusion": one session
        if rules.no_schedule.search(sentence[max(0, match.start() - 25) : match.end() + 25]):
            continue  # "maintenance was not provided"
        window = sentence[max(0, match.start() - 30) : match.end() + 30]
        if not rules.co_medication.search(window) or any(
            rule.pattern.search(window) for _, rule in rules.drug_names
        ):
            return True
    return False


def given_once(text: Text, i: int, rules: DetailRules) -> bool:
    """A sentence doses a study drug at one moment of an operation, not continuously."""
    return bool(
        text.search(rules.single_moment, i)
        and text.search(rules.dose, i)
        and not unbounded(text, i, rules.open_schedules, rules)
    )
