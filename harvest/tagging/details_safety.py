"""Reported harms (the safety lens) and who funded the study."""

from __future__ import annotations

import re

from harvest.tagging.details_config import DetailRules
from harvest.tagging.details_doses import record_drugs
from harvest.tagging.details_text import Gated, Text
from harvest.tagging.details_vocab import SAFETY

GENERIC = ("serious-adverse-events", "general-tolerability")
# Suicidality as a harm, when it is the study's target: "treatment-emergent suicidal ideation".
SUICIDALITY_AS_HARM = re.compile(
    r"\b(?:adverse|safety|emergent|worsen\w*|harm)\b[^.;]{0,40}\b(?:suicid|self-harm)|"
    r"\b(?:suicid\w*|self-harm)\b[^.;]{0,40}\b(?:adverse|emergent|worsen\w*|as a harm)\b",
    re.I,
)
# Suicidality listed among efficacy outcomes ("response, remission, change in depression
# severity, suicidality and drop-outs"): an outcome treated, not a harm.
EFFICACY_OUTCOMES = re.compile(
    r"\b(?:response(?: rates?)?|remission|depression severity|depressive symptoms|efficacy)\b"
    r"[^.;]{0,80}\bsuicid\w*",
    re.I,
)
# "Adverse events (side effects) ...": the generic words, taken out to see what else is named.
ADVERSE_WORDS = Gated(
    r"\b(?:(?:serious )?adverse (?:events?|effects?|reactions?)|side[- ]effects?)\b"
)
# "Adverse events were nausea and headache": the generic words only introduce specific harms.
LISTS_HARMS = Gated(
    r"\b(?:adverse (?:events?|effects?|reactions?)|side[- ]effects?)\b[^.;]{0,30}?"
    r"(?:\b(?:includ\w*|such as|consist\w*|compris\w*|mainly|mostly|most commonly)\b"
    # not "changes in vital signs and adverse events were similar": a comparison, not a list
    r"|\b(?:were|was)\b(?! (?:similar|comparable|equal|alike|balanced|(?:not |no )?differ\w*))"
    r"|[:,])|\b(?:were|was) (?:the )?(?:most )?(?:common(?:est)?|frequent|main|only) "
    r"(?:adverse|side)"
)
# "Adverse effects were mostly mild, although ...": a verdict on the harms, not a list's opening
# ("side effects were mostly transient perceptual disturbances").
HARMS_JUDGED = Gated(
    r"\b(?:adverse (?:events?|effects?|reactions?)|side[- ]effects?)\b (?:were|was) "
    r"(?:(?:mostly|mainly|generally|usually|largely|all|predominantly) )?"
    r"(?:mild|minor|transient|few|rare|uncommon|infrequent|short-lived|self-limit\w*|tolerable|"
    r"manageable)\b(?:\s*[,;.)]|\s+(?:and|but|although|though|while|whereas)\b|\s*$)"
)
# "a trial to test the efficacy and safety of ...": an aim, wherever it stands.
AIM_PHRASE = Gated(
    r"\bto (?:test|assess|evaluate|examine|investigate|determine|compare|establish|explore|"
    r"draw|reach|gain|understand|clarify|characteri[sz]e|describe|review|summari[sz]e|study|"
    r"measure|quantify|analy[sz]e|estimate|synthesi[sz]e|learn)\b"
    r"[^.;]{0,50}\b(?:safety|tolerability)\b|\b(?:trials?|study|studies) (?:of|on|assessing|"
    r"evaluating) (?:the )?(?:efficacy and )?(?:safety|tolerability)\b"
)
# A sentence that calls a topic a harm ("adverse events were headache and nausea").
AS_HARM = re.compile(r"\b(?:adverse|side[- ]effects?|emergent|worsen\w*|harms?)\b", re.I)
# A history or an exclusion of psychosis or mania ("no recent manic or hypomanic episodes").
HISTORY = re.compile(
    r"\b(?:(?:a |no |any )?(?:personal |family )?history of|no recent|no prior|no previous|"
    r"lifetime|past|previous|prior|excluded (?:for|if)|exclusion of|"
    r"exclud\w* (?:\w+ ){0,3}?(?:with|for|if|who had|who reported))\b[^.;]{0,20}?\b"
    r"(?:psychos[ie]s|psychotic\w*|"
    r"mania|manic|hypomani\w*)(?:(?:,| or| and) (?:psychos[ie]s|psychotic\w*|mania|manic|"
    r"hypomani\w*))*(?: (?:episodes?|disorders?|symptoms?))?",
    re.I,
)
# Other studies' findings ("several randomized trials have found ... side effects", "ketamine
# has been shown to raise blood pressure"): in a trial or a case report, background; in a
# review they are its findings.
OTHERS_FOUND = re.compile(
    r"\b(?:several|previous|prior|earlier|other|many|some|recent|existing|published|most|"
    r"numerous|a few|two|three|four) (?:[\w-]+ ){0,3}?(?:trials|studies|reports|research|reviews|"
    r"meta-analyses|investigations|case series) (?:have|has) (?:also |consistently |repeatedly )?"
    r"(?:found|shown|reported|demonstrated|suggested|documented|described|linked|noted)\b"
    r"|\b(?:pilot|preliminary|earlier|prior|animal|preclinical|observational) "
    r"(?:data|work|evidence)\b"
    r"(?: and [\w -]{3,30}?)? (?:have|has) (?:also )?(?:found|shown|reported|suggested|noted)\b"
    r"|\b(?:case reports|case series|the literature) (?:have|has) (?:also )?(?:found|shown|"
    r"reported|suggested|described|noted)\b"
    r"|\b(?:has|have) (?:previously |repeatedly |consistently )?been (?:shown|reported|"
    r"demonstrated|documented|described) to\b",
    re.I,
)
# Dissociation is also a trauma symptom: "anxiety and dissociation decreased" in a PTSD study
# reports the target improving, not a harm (not "dissociation peaked at 40 minutes").
TRAUMA_SYMPTOMS = frozenset({"dissociation"})
TRAUMA_TARGETS = frozenset({"ptsd", "psychological-trauma"})
# So are craving and dependence in a substance-use study: "it reduced craving" is the target.
USE_SYMPTOMS = frozenset({"abuse-liability"})
USE_TARGETS = frozenset({"substance-use"})
IMPROVED = Gated(
    r"\b(?:decreased|decreasing|improved|improving|reduced|reductions?|lessened|fell|declined|"
    r"diminished|eased|lower(?:ed)?)\b"
)
ACUTE = re.compile(
    r"\b(?:peak\w*|transient\w*|acute\w*|minutes?|min|hours?|h|post-?(?:infusion|dose|dosing)|"
    r"during (?:the )?(?:infusion|session|dosing)|"
    r"after (?:the |each )?(?:infusion|dose|session))\b",
    re.I,
)
# "how dissociation correlates with therapeutic outcome": a predictor of response, not a harm.
PREDICTOR = Gated(r"\b(?:correlat\w*|predict\w*|mediat\w*|moderat(?:ed|es|ing|ors?|ion))\b")
# Where a finding gives way to a call for work: "... carries a higher risk of adverse effects,
# so dosing needs further work" (a clause after a semicolon may still be hearsay).
CLAUSE = re.compile(r",\s+(?:and )?(?:so|but|while|whereas|though|although)\s+", re.I)
HEDGED = Gated(r"\b(?:may|might|could|suggests?|possibly|perhaps)\b", re.I)
# "morphine consumption", "opioid requirements": another drug as the trial's measure.
CO_MEDICATION = re.compile(
    r"\s*(?:consumption|requirements?|use|usage|needs?|doses?|dosing|rescue|equivalents?|"
    r"sparing|intake)\b"
)
SAFETY_ROLES = frozenset({"objective", "methods", "results", "conclusions", "body"})


def _others_found(sentence: str) -> bool:
    """OTHERS_FOUND in `sentence`; each of its forms holds "has" or "have", so a sentence with
    neither is passed over without the search (33 us a sentence: its alternations are slow)."""
    lower = sentence.lower()
    return ("has " in lower or "have " in lower) and OTHERS_FOUND.search(sentence) is not None


def extract_safety(
    text: Text, reporting: set[int], rules: DetailRules, conditions: set, design, found
) -> None:
    """The harms the study reports on, either way, from its own sentences, into `found`."""
    targets_suicidality = rules.suicidality_target in conditions
    title = text.sentences[0].text if text.sentences and text.sentences[0].role == "title" else ""
    targets = {slug for slug, pattern in rules.title_targets.items() if pattern.search(title)}
    groups = dict(rules.safety)
    psychotic = groups["psychotic-symptoms"]
    intended = None
    tolerability = groups["general-tolerability"]
    serious = groups["serious-adverse-events"]
    reviews = rules.scope_designs | rules.pooled_designs
    hits: dict[int, list[str]] = {}
    first: dict[int, int] = {}  # where a sentence's first harm is named
    for slug, group in rules.safety:
        for i in text.where(group, reporting):
            if match := text.first(group, i):
                hits.setdefault(i, []).append(slug)
                first[i] = min(first.get(i, match.start()), match.start())
    compared = "active-drug" in found.comparators
    for i in sorted(hits):
        sentence = text.sentences[i]
        if sentence.role not in SAFETY_ROLES:
            continue
        if text.search(rules.not_reported, i):
            hits[i] = _reported_clauses(sentence.text, hits[i], rules)
            if not hits[i]:  # "larger trials are needed to weigh the risk of abuse"
                continue  # a finding in a clause before the call for work still counts
        if design in rules.scope_designs and (scope := rules.review_scope.search(sentence.text)):
            hits[i] = _after_scope(sentence.text, scope, hits[i], rules)
            if not hits[i]:  # a review's scope ("we discuss monitoring of blood pressure")
                continue  # names topics; a clause after it ("; they show it is safe") reports
        if not compared and _other_treatments(text, i, first[i], rules):
            continue  # "antidepressants are limited by side effects": not the study drug's harms
        if design not in reviews and _others_found(sentence.text):
            continue  # "previous trials have found transient dissociation": not this study's
        slugs = []
        context = None
        for slug in hits[i]:
            if slug not in GENERIC:
                if context is None:
                    context = bool(text.search(rules.harm_context, i))
                if not context:
                    continue
            if slug == "general-tolerability" and (
                sentence.role == "objective"
                or AIM_PHRASE.search(sentence.text)
                or (design in rules.scope_designs and HEDGED.search(sentence.text))
            ):
                # an aim ("to test efficacy and tolerability") or a review's hedge ("work
                # suggests it is safe") is not a report; a named harm (dizziness) still is
                rest = rules.bare_safety.sub("", sentence.text)
                if not any(rule.pattern.search(rest) for rule in tolerability.rules):
                    continue
            if (
                slug == "suicidality-safety"
                and (targets_suicidality or EFFICACY_OUTCOMES.search(sentence.text))
                and not SUICIDALITY_AS_HARM.search(sentence.text)
            ):
                continue  # the target, or one of the efficacy outcomes ("remission, suicidality")
            if slug in targets and not AS_HARM.search(sentence.text):
                # "ketamine did not lower migraine pain": the condition treated; for a trial of
                # emergence agitation its agitation, not its "well tolerated"
                if slug not in GENERIC:
                    continue
                rest = rules.title_targets[slug].sub("", sentence.text)
                if not any(r.pattern.search(rest) for r in tolerability.rules):
                    continue
            if (
                slug in TRAUMA_SYMPTOMS
                and (
                    (conditions & TRAUMA_TARGETS and IMPROVED.search(sentence.text))
                    or PREDICTOR.search(sentence.text)
                )
                and not AS_HARM.search(sentence.text)
                and not ACUTE.search(sentence.text)
            ):
                # "anxiety and dissociation decreased": the trauma target improving;
                # "dissociation correlated with outcome": a predictor of response
                continue
            if (
                slug in USE_SYMPTOMS
                and conditions & USE_TARGETS
                and IMPROVED.search(sentence.text)
                and not AS_HARM.search(sentence.text)
            ):
                continue  # "in cocaine use disorder it reduced craving": the target improving
            if slug == "psychotic-symptoms" and intended is None:
                drugs = record_drugs(text, rules)
                one = next(iter(drugs)) if len(drugs) == 1 else None
                intended = rules.intended_effects.get(one) or False
            if slug == "psychotic-symptoms" and HISTORY.search(sentence.text):
                rest = HISTORY.sub("", sentence.text)
                if not any(rule.pattern.search(rest) for rule in psychotic.rules):
                    continue  # "no recent manic or hypomanic episodes": a history, not a harm
            if slug == "psychotic-symptoms" and intended and intended.search(sentence.text):
                rest = intended.sub("", sentence.text)
                if not any(rule.pattern.search(rest) for rule in psychotic.rules):
                    continue  # "psilocybin produced acute perceptual changes": its effect
            slugs.append(slug)
        specific = [s for s in slugs if s not in GENERIC]  # "serious AEs were reported": no list
        if "general-tolerability" in slugs and specific:
            if LISTS_HARMS.search(sentence.text) and not HARMS_JUDGED.search(sentence.text):
                # then: are harms named besides the words?
                rest = ADVERSE_WORDS.sub("", sentence.text)
                if not any(rule.pattern.search(rest) for rule in tolerability.rules):
                    slugs.remove("general-tolerability")  # "adverse events included nausea"
        if "general-tolerability" in slugs and "serious-adverse-events" in slugs:
            rest = sentence.text
            for rule in serious.rules:
                rest = rule.pattern.sub("", rest)
            if not any(rule.pattern.search(rest) for rule in tolerability.rules):
                slugs.remove("general-tolerability")  # "no serious or unexpected adverse events"
        for slug in slugs:
            if slug not in found.safety:
                found.safety.append(slug)
                found.provenance.append(("safety", slug, sentence.source, sentence.text))
    found.safety.sort(key=SAFETY.index)


def _reported_clauses(sentence: str, slugs: list[str], rules: DetailRules) -> list:
    """The topics of `slugs` named in a clause of `sentence` that neither looks ahead nor
    explains ("... but carries a higher risk of adverse effects, so dosing needs further work")."""
    clauses = [c for c in CLAUSE.split(sentence) if not rules.not_reported.pattern.search(c)]
    return _named_in(" ; ".join(clauses), slugs, rules) if clauses else []


def _after_scope(sentence: str, scope: re.Match, slugs: list[str], rules: DetailRules) -> list:
    """The topics of `slugs` still named after the clause of a review's scope statement."""
    end = sentence.find(";", scope.end())
    return _named_in(sentence[end + 1 :] if end >= 0 else "", slugs, rules)


def _named_in(text: str, slugs: list[str], rules: DetailRules) -> list:
    """The topics of `slugs` whose safety patterns match in `text`."""
    groups = dict(rules.safety)
    return [s for s in slugs if any(r.pattern.search(text) for r in groups[s].rules)]


def _other_treatments(text: Text, i: int, harm: int, rules: DetailRules) -> bool:
    """Whether sentence `i` speaks of another treatment's harms: it names one (an SSRI,
    "antidepressants") before its first harm and names no study drug; used where no drug is
    compared head to head ("had stopped six antidepressants for poor tolerability")."""
    named = (
        m
        for m in text.finditer(rules.other_treatments, i)
        if m.start() < harm and not CO_MEDICATION.match(text.sentences[i].text, m.end())
    )
    if next(named, None) is None:
        return False
    return not any(text.search(rule, i) for _, rule in rules.drug_names)


def extract_funding(record: dict, text: Text, rules: DetailRules, found) -> None:
    """industry / public / mixed / unknown from grants, funding sentences and the COI."""
    kinds: dict[str, tuple[str, str]] = {}
    for grant in record.get("grants") or []:
        agency = " ".join(filter(None, (grant.get("agency"), grant.get("acronym"))))
        if agency:
            kind = "industry" if rules.industry.search(agency) else "public"
            kinds.setdefault(kind, ("grants", agency))
    for i in text.where(rules.funding_sentence):
        sentence = text.sentences[i]
        if sentence.source == "title" or not text.search(rules.funding_sentence, i):
            continue
        if sentence.source == "coi" and rules.personal_coi.search(sentence.text):
            continue
        if (
            sentence.source == "abstract"
            and sentence.role != "meta"
            and not rules.funded_by.search(sentence.text)
        ):
            continue
        if rules.no_funding.search(sentence.text):
            continue
        if rules.industry.search(sentence.text):
            kinds.setdefault("industry", (sentence.source, sentence.text))
        if rules.public.search(sentence.text):
            kinds.setdefault("public", (sentence.source, sentence.text))
    found.funding = combine_funding(set(kinds))
    for kind, (source, evidence) in kinds.items():
        found.provenance.append(("funding", kind, source, evidence))


def combine_funding(kinds: set[str]) -> str:
    """industry + public -> mixed; one of them -> it; none -> unknown."""
    kinds = kinds & {"industry", "public"} | ({"industry", "public"} if "mixed" in kinds else set())
    if kinds == {"industry", "public"}:
        return "mixed"
    return next(iter(kinds)) if kinds else "unknown"
