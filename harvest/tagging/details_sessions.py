"""Dosing sessions per participant, from the sentences of a record (config/details.yml
`sessions`): counts ("six infusions"), schedules ("twice weekly for four weeks"), a crossover's
periods and conditions, and one stated dose that nothing says is given again."""

from __future__ import annotations

import re
from itertools import chain

from harvest.tagging.details_config import DetailRules
from harvest.tagging.details_once import (
    given_dose,
    given_during,
    given_once,
    open_schedule,
    own_single,
)
from harvest.tagging.details_text import Text

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
# Between two items of a list of drugs: a dose in brackets, then a comma, "and" or "or".
# ("MDMA plus LSD, MDMA alone, LSD alone and placebo": "alone" ends an item)
LIST_GAP = re.compile(
    r"(?:\s*\([^)]{0,30}\))?(?:\s+(?:alone|only))?\s*(?:,\s*(?:and\s+|or\s+)?|\s(?:and|or)\s+)",
    re.I,
)
# What a count's session word is "of" ("four sessions of therapy", "three sessions of MDMA").
OF_WHAT = re.compile(r"\s+of\s+(?:[\w-]+\s+){0,2}?[\w-]+", re.I)
# "eight infusions of placebo, low-dose ketamine or standard-dose ketamine": every arm's count
CONTROL_OF = re.compile(r"\s+of\s+(?:[\w-]+\s+){0,2}?(?:placebo|saline|sham)\b", re.I)
ORDINALS = {"second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
            "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12}  # fmt: skip
# "after six consecutive infusions" counts the course, unlike "after two infusions" (a time).
CONSECUTIVE = re.compile(r"\b(?:consecutive|successive)\b", re.I)
# "one group session with a high dose (25 mg) of psilocybin": a dosing session.
WITH_DOSE = re.compile(
    r"\s+(?:with|of|on)\s+(?:an?\s+|the\s+)?[^,;.]{0,30}?\b(?:doses?|ketamine|esketamine|"
    r"psilocybin|mdma)\b",
    re.I,
)
JOINED = re.compile(r"(?:\s*\([^)]{0,30}\))?\s+(?:plus|with|combined with|together with)\s+", re.I)


def _number(word: str) -> int | None:
    word = word.lower().strip()
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word)


def _schedule(text: Text, i: int, rules: DetailRules, stop: int | None = None) -> list[int]:
    """Sessions from "twice weekly for four weeks" (8) and "weekly for six weeks" (6); phases
    joined by "then" add up ("twice weekly for 4 weeks, then weekly for 4 weeks": 12); nothing
    from `stop` on (an optional extension's clause)."""
    found = []
    for match in text.finditer(rules.per_week, i):
        times = _number(match.group(1))
        weeks = _number(match.group(2)) if match.group(2) else None
        days = _number(match.group(3)) if match.group(3) else None
        if days and days % 7 == 0:  # "three times a week for 21 days": three weeks
            weeks = days // 7
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
    match = text.search(rules.weeks_of, i)
    while match:  # "twice weekly for 4 weeks and weekly for the next 4 weeks": the second
        if any(s <= match.start() < e for s, e in taken):  # "weekly", after the first's
            match = rules.weeks_of.pattern.search(sentence, match.start() + 1)
            continue
        if _number(match.group(1)):
            found.append((match.start(), match.end(), _number(match.group(1))))
        match = rules.weeks_of.pattern.search(sentence, match.end())
    found.sort()
    if stop is not None:
        found = [row for row in found if row[0] < stop]
    out: list[int] = []
    for k, (start, _, n) in enumerate(found):
        if k and out and rules.phase_join.search(sentence[found[k - 1][1] : start]):
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


def _counted(text: Text, i: int, rules: DetailRules, stop: int | None = None) -> list[int] | None:
    """Sessions from "six infusions", "a single dose"; None for "up to six infusions"; nothing
    from `stop` on (an optional extension's clause)."""
    sentence = text.sentences[i].text
    if stop is None:
        stop = len(sentence)
    out = []
    kept: list[re.Match] = []  # the counted matches, for "two blinded ... and one open-label"
    controls: list[re.Match] = []  # "one placebo session": no count alone, but in a sum
    opening: list[int] = []  # "After two blinded sessions, a third ...": before an ordinal
    for match in text.finditer(rules.session_words, i):
        if match.start() >= stop:
            break
        phrase = match.group(0)
        n = _number(match.group("n"))
        if phrase.lower().endswith(("doses", "treatments")) and (
            rules.arms_before.search(sentence[max(0, match.start() - 40) : match.start()])
            or rules.arms_after.match(sentence, match.end())
        ):
            continue  # "one of two doses": dose arms
        if (
            rules.not_dosing.search(phrase)
            and not rules.dosing.search(phrase)
            and not WITH_DOSE.match(sentence, match.end())
        ):
            if rules.control_count.search(phrase):
                controls.append(match)
            continue  # "three preparatory sessions", "three times higher"
        of = OF_WHAT.match(sentence, match.end())
        if (
            of
            and rules.not_dosing.search(of.group(0))
            and not rules.dosing.search(of.group(0))
            and not (
                CONTROL_OF.match(of.group(0))
                and rules.dosing.search(sentence[of.end() : of.end() + 100])
            )
        ):
            continue  # "four sessions of therapy" (not "eight infusions of placebo or ketamine")
        if phrase.lower().endswith("times") and not rules.dosed_times.search(sentence):
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
            and (
                match.group("n").lower().endswith("single")
                or GIVEN.match(sentence, match.end())
                or CONSECUTIVE.search(phrase)
            )
        ):
            if n and match.start() <= 20 and AFTER.search(before):
                opening.append(n)
            continue  # "after two infusions" is no count; "after a single infusion" is one, so
            # is "after six treatments given on alternating days"
        if n and n <= MAX_SESSIONS:
            out.append(n)
            kept.append(match)
    out = _joined_counts(sentence, kept, controls, out, rules)
    following = text.search(rules.next_session, i)
    n = ORDINALS[following["ord"].lower()] if following and following.start() < stop else 0
    if n - 1 in out:
        out = [n if k == n - 1 else k for k in out]
    elif n - 1 in opening and not out:
        out = [n]
    if not out and (
        _before(text.search(rules.first_second, i), stop)
        or _before(text.search(rules.second_dose, i), stop)
    ):
        out.append(2)
    if not out and _before(text.search(rules.single, i), stop):
        out.append(1)
    if not out:  # "administered twice, three weeks apart", "infused in a series of three"
        out.extend(
            _number(m["n"])
            for m in text.finditer(rules.times_given, i)
            if m.start() < stop
            and rules.given_before.search(sentence, max(0, m.start() - 60), m.start())
        )
    return out


def _before(match: re.Match | None, stop: int) -> bool:
    return match is not None and match.start() < stop


def _joined_counts(
    sentence: str, kept: list[re.Match], controls: list[re.Match], out: list[int], rules
) -> list[int]:
    """Two joined counts that every participant has add up: a blinded and an open-label one
    ("two double-blind MDMA sessions and one open-label MDMA session": 3), a control and a
    drug one ("one placebo session followed by two psilocybin sessions": 3); not "... for the
    placebo group"."""
    both = sorted(kept + controls, key=lambda m: m.start())
    for first, second in zip(both, both[1:], strict=False):
        if first in controls and second in controls:
            continue
        paired = (first in controls or second in controls) or (
            rules.blinded_count.search(first.group(0)) and rules.open_count.search(second.group(0))
        )
        if (
            paired
            and rules.count_join.search(sentence[first.end() : second.start()])
            and not rules.some_only.match(sentence, second.end())
        ):
            total = _number(first["n"]) + _number(second["n"])
            return [total] if total <= MAX_SESSIONS else out
    return out


def _tally(
    text: Text, rows: set[int], rules: DetailRules, stops: dict[int, int] | None = None
) -> dict[int, list[int]] | None:
    """Each session count the sentences `rows` state, with the sentences stating it; None
    when one says there is no fixed number ("up to six infusions"); a sentence of `stops` is
    read only up to its optional extension."""
    stops = stops or {}
    stated: dict[int, list[int]] = {}
    where = {i for rule in rules.schedules for i in text.where(rule, rows)}
    for rule in (rules.session_words, rules.single, rules.times_given, rules.rate_arms):
        where.update(text.where(rule, rows))
    for i in sorted(where):
        candidates = _schedule(text, i, rules, stops.get(i))
        if not candidates:
            candidates = _counted(text, i, rules, stops.get(i))
            if candidates is None:
                return None
            if candidates and open_schedule(text, i, rules):
                continue  # daily or flexible dosing here: its numbers are not sessions
        if (len(set(candidates)) > 1 or text.search(rules.rate_arms, i)) and text.search(
            rules.differing_arms, i
        ):
            return None  # "randomized to a single infusion or to six infusions": arms differ
        for n in candidates:
            stated.setdefault(n, []).append(i)
    return stated


def extract_sessions(
    text: Text, reporting: set[int], rules: DetailRules, design: str, found
) -> None:
    """The dosing sessions per participant the record states, with the sentence, into `found`."""
    roles = {i for i in reporting if text.sentences[i].role in SESSION_ROLES}
    if design in rules.own_study_designs:
        own_single(text, roles, reporting, rules, found)
        return
    stops = {}  # sentence: where its optional extension begins
    for i in text.where(rules.extension_phase, roles):
        extension = text.search(rules.extension_phase, i)
        if extension is None:
            continue
        if rules.everyone_after.match(text.sentences[i].text, extension.end()):
            continue  # "after unblinding, all received MDMA in a third session"
        offered = text.search(rules.optional_extension, i)
        if offered is None:
            return  # an open-label phase adds sessions to some participants: no one number
        stops[i] = min(extension.start(), offered.start())
    stated = _tally(text, roles, rules, stops)
    if stated == {}:  # nothing in the methods or results: "a single dose" in the conclusions
        stated = _tally(
            text, {i for i in reporting if text.sentences[i].role == "conclusions"}, rules
        )
    if stated is None:
        return
    best = max(stated, key=lambda n: (len(stated[n]), n)) if stated else None
    sentence = stated[best][0] if stated else None
    if best is None:  # "received ketamine 0.5 mg/kg during surgery": given once
        moment = [j for j in text.where(rules.single_moment, roles) if given_once(text, j, rules)]
        if moment:
            best, sentence = 1, moment[0]
    if best is None and design in rules.given_once_designs:
        given = given_dose(text, roles, reporting, rules, design, found, stops)
        if given is not None:  # "participants received psilocybin 25 mg", never repeated
            best, sentence = 1, given
    if best is None and design in rules.given_drug_designs:
        during = given_during(text, roles, reporting, rules)
        if during is not None:  # "scanned awake and during ketamine infusion": once
            best, sentence = 1, during
    if best is None and design in rules.given_once_designs:
        last = _last_ordinal(text, roles, rules)
        if last is not None:  # "two weeks after the sixth ketamine infusion"
            best, sentence = last
    if best is None and design in rules.given_once_designs:
        after = _course_after(text, roles, rules)
        if after is not None:  # "rated again after two doses of psilocybin" in the methods
            best, sentence = after
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


def _last_ordinal(text: Text, rows: set[int], rules: DetailRules) -> tuple[int, int] | None:
    """(n, sentence) of the highest "after the nth infusion" the rows report, if any."""
    found = [
        (ORDINALS[m["ord"].lower()], j)
        for j in text.where(rules.last_ordinal, rows)
        for m in text.finditer(rules.last_ordinal, j)
    ]
    return max(found) if found else None


def _course_after(text: Text, rows: set[int], rules: DetailRules) -> tuple[int, int] | None:
    """(n, sentence) of the first "after two doses of psilocybin" in the methods or objective,
    when every such count the rows state agrees."""
    found = [
        (_number(m["n"]), j)
        for j in text.where(rules.course_after, rows)
        if text.sentences[j].role in ("methods", "objective")
        for m in text.finditer(rules.course_after, j)
    ]
    return found[0] if found and len({n for n, _ in found}) == 1 else None


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
            listed = listed_drugs(text, j, rules)
            if listed >= 3:
                return listed, j
    return None


def listed_drugs(text: Text, j: int, rules: DetailRules) -> int:
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
