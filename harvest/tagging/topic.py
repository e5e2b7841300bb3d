"""On-topic: whether a record belongs in the catalog (the guide's `on_topic`).

A target substance studied for a target condition, or in a mental-health context, is on-topic;
anaesthesia, analgesia, sedation, surgery, another indication, substance use alone, recreational
use and healthy-volunteer pharmacology are not (tests: tests/test_roles.py,
tests/test_topic_more.py).
"""

from __future__ import annotations

import re

from harvest.tagging.context import POPULATION_BEFORE, TARGET_BEFORE, Doc
from harvest.tagging.taxonomy import Taxonomy
from harvest.tagging.topic_cues import (
    cues_in_title,
    in_title,
    in_title_or_aim,
    is_recreational,
    is_use_survey,
    own,
    primary_outcome_targeted,
    secondary_only,
)

# "for alcohol use disorder", "ketamine-assisted buprenorphine initiation", "an animal model
# of alcohol relapse": an indication
INDICATION_BEFORE = re.compile(
    r"\b(?:for|treat|treats|treated|treating|treatment of|in|with|assisted|models? of)\s+"
    r"(?:[a-z-]+\s+){0,3}$"
)
# "changes in substance use": the condition is an outcome, not an indication
CHANGE_BEFORE = re.compile(
    r"\b(?:changes?|increases?|decreases?|reductions?|trends?|patterns?) in\s+(?:[a-z-]+\s+){0,3}$"
)
# "depressed patients", "depression patients": the participants have the condition
PATIENTS_AFTER = re.compile(r"\s*(?:patients|participants|adults|women|men|individuals)\b")


def decide_on_topic(
    taxonomy: Taxonomy,
    doc: Doc,
    conditions: list[str],
    modalities: list[str],
    primary: set[str],
    review: bool = False,
) -> tuple[int, str]:
    """1 when a target substance is studied for a target condition (treatment or mechanism),
    or, with no condition named, in a mental-health context (mechanism, safety, practice)."""
    tags, roles = taxonomy.tags, taxonomy.roles
    substances = [m for m in modalities if tags[m].target]
    targets = [c for c in conditions if tags[c].target]
    classed = False
    if not substances:
        # "providers' attitudes to psychedelic-assisted therapy": psilocybin and MDMA therapy
        if not in_title(doc, "psychedelic_therapy") or doc.cue_hits("other_psychedelic"):
            return 0, "no target substance studied"  # (LSD-assisted therapy: another drug)
        substances, classed = [doc.snippet(doc.cue_hits("psychedelic_therapy")[0]).lower()], True
    if in_title_or_aim(doc, "developmental_exposure") and not _diagnosed(doc, tags):
        # "neonatal ketamine exposure and anxiety-like behaviour": a harm of the exposure
        return 0, "developmental or anaesthetic exposure, not a model of therapy"
    context = None
    if not targets:
        roles = taxonomy.roles
        therapy_only = classed or bool(roles.therapy_only & set(substances))
        context = _untargeted_context(doc, therapy_only, review)
        # another indication tagged anywhere (pain); injury is a population, substance use
        # a use survey's exposure or, in the title or aim, checked below; a mention in a
        # record whose title names the mental-health context ("palliative care providers'
        # views on psilocybin therapy ... pain management") counts only from the title or aim
        allowed = {roles.physical_injury, roles.use_survey_condition}
        titled = in_title(doc, "mental_health")
        if any(c not in allowed and (c in primary or not titled) for c in conditions):
            context = None
        if context is None:
            if roles.use_survey_condition in primary and not is_use_survey(doc):
                return 0, f"primary condition is {roles.use_survey_condition}"
            return 0, "no target condition studied"
        survey = roles.use_survey_condition
        enrolled = survey not in primary and _enrolled_for(doc, survey)  # (the title: below)
        if survey in conditions and enrolled and not is_use_survey(doc):
            # "patients with opioid use disorder received ketamine during buprenorphine
            # initiation": substance use is the target (the guide's "substance-use alone")
            return 0, "substance use is the only condition studied"
    primary_targets = {c for c in primary if tags[c].target}
    others = sorted(c for c in primary if not tags[c].target)
    if context is not None:  # injured people in a mental-health study (no analgesia) are its
        others = [c for c in others if c != taxonomy.roles.physical_injury]  # population
    if others == [roles.use_survey_condition] and _therapy_safety(doc, others[0]):
        # "substance use changes among patients treated with medical ketamine": its safety
        others = []
    if others and not primary_targets:
        return 0, f"primary condition is {', '.join(others)}"
    title_cues = cues_in_title(doc)
    if "anaesthesia" in title_cues and not primary_targets and not in_title(doc, "mental_health"):
        # "ketamine: from anaesthetic to antidepressant" is about its psychiatric use
        return 0, "anaesthesia, sedation or analgesia study"
    if "other_indication" in title_cues and not primary_targets:
        if not (targets and in_title(doc, "psychiatric_symptoms")):
            # (not "psilocybin for neuropsychiatric symptoms in Parkinson's disease" with
            # depression and anxiety its outcomes: the illness's mental-health symptoms)
            return 0, "another indication (the guide's OCD, anorexia, headache, pain)"
    if "perioperative" in title_cues and not primary_targets:
        # given around surgery for anaesthesia, analgesia or delirium; "intraoperative
        # esketamine for postpartum depression" is therapeutic use (the guide's purposes)
        return 0, "perioperative use"
    allowed = (roles.physical_injury, roles.use_survey_condition)
    indications = [c for c in others if c not in allowed]
    if primary_targets and ("other_indication" in title_cues or indications):
        if primary_outcome_targeted(doc, tags, allowed) is False:  # "pain and depression"
            return 0, "another indication is the primary outcome"
    if primary_targets and roles.use_survey_condition in others and not is_use_survey(doc):
        # "psilocybin for cocaine use disorder with comorbid depression", cocaine use
        # the primary outcome: a substance-use target (the guide's "substance-use alone")
        if primary_outcome_targeted(doc, tags, (roles.physical_injury,)) is False:
            return 0, "substance use is the primary outcome"
    if targets and not primary_targets and context is None and not in_title(doc, "mental_health"):
        if _around_surgery(doc) and primary_outcome_targeted(doc, tags, allowed) is not True:
            if any(own(doc, h) for h in doc.cue_hits("primary_outcome")):
                # "patients undergoing cholecystectomy ... the primary outcome was quality of
                # recovery": anxiety and depression scores are a surgical trial's secondary ones
                return 0, "perioperative use (its primary outcome is no target condition)"
        uses = _other_uses(doc, tags, allowed, review)
        if uses > sum(1 for h in doc.by_facet.get("conditions", ()) if tags[h.name].target
                      and own(doc, h, review)):  # fmt: skip
            # a review of ketamine in emergency medicine or palliative care that also names
            # suicidality or depression
            return 0, "anaesthesia, analgesia or another indication outweighs the target"
    if title_cues.intersection(("anaesthesia", "perioperative")):
        targeted = primary_outcome_targeted(doc, tags, allowed)
        if "anaesthesia" in title_cues and in_title(doc, "ect") and not targeted:
            # the ECT anaesthetic, unless its antidepressant effect is the primary outcome or,
            # none stated, an outcome its aim or results name ("depression scores fell more")
            if targeted is False or not _target_outcome(doc, tags):
                return 0, "anaesthesia for electroconvulsive therapy"
        if targeted is False:
            # "postoperative anxiety and depression" in the title, pain the primary outcome
            return 0, "perioperative use (its primary outcome is no target condition)"
        if targeted is None and secondary_only(doc, tags):
            # "ketamine at induction ...; depression at 1 month was a secondary outcome"
            return 0, "perioperative or analgesic use (the target only a secondary outcome)"
    if primary_targets and _recovery_trial(doc, tags, title_cues, allowed):
        # "esketamine for postoperative sleep disturbance, anxiety and depression in elderly
        # surgical patients": recovery, emergence or sleep first, mood one outcome of several
        return 0, "perioperative use (recovery, emergence or sleep; mood among its outcomes)"
    if primary_targets == {roles.anxiolysis_condition} and _anxiolysis(doc, tags, title_cues):
        # "preoperative esketamine nasal spray reduces anxiety and emergence agitation in
        # children": anxiolysis before surgery, not an anxiety outcome (the guide)
        return 0, "pre-operative anxiolysis or sedation"
    if doc.healthy and "healthy" in title_cues and not in_title(doc, "patients"):
        return 0, "healthy-volunteer pharmacology"
    if is_recreational(doc):
        return 0, "recreational use or harms"
    if context is not None:
        return 1, f"{substances[0]} in a mental-health context ({context})"
    return 1, f"{substances[0]} for {targets[0]}"


def _target_outcome(doc: Doc, tags) -> bool:
    """A target condition named as an outcome in the aim or the results ("to find out
    whether ... better depression ratings"), not as the population ("patients with MDD")."""
    for hit in doc.by_facet.get("conditions", ()):
        sentence = doc.sentence_of(hit)
        if not tags[hit.name].target or sentence.role not in ("objective", "results"):
            continue
        if not doc.excluded(hit) and not POPULATION_BEFORE.search(
            doc.lower, max(sentence.start, hit.start - 40), hit.start
        ):
            return True
    return False


OFF_TOPIC_CONTEXT = ("anaesthesia", "perioperative", "other_indication")


def _untargeted_context(doc: Doc, therapy_only: bool = False, review: bool = False) -> str | None:
    """The mental-health cue that makes a record naming no target condition on-topic, or None.

    With no such cue, patients given a `therapy_only` substance (psilocybin, MDMA), or a review
    of one, are its therapeutic use. Not for healthy volunteers, nor when anaesthesia, surgery
    or another indication is named in the study's own sentences, unless the title names the
    mental-health context and none of them (a non-target condition in the title or aim is
    checked after). In a human study of people who are not patients, volunteers or acute
    effects (mood, well-being, empathy) are healthy-volunteer pharmacology.
    """
    if doc.healthy:
        return None
    context = doc.cue_hits("mental_health")
    if context and not review and not _patients_or_animals(doc):
        if any(own(doc, h) and doc.snippet(h).lower().startswith("volunteer")
               for h in doc.cues.get("human", ())):  # fmt: skip
            return None  # "volunteers received psilocybin": pharmacology, not patients
        effects = {h.start for h in doc.cue_hits("acute_effects")}
        context = [h for h in context if h.start not in effects]
    off_title = cues_in_title(doc).intersection(OFF_TOPIC_CONTEXT)
    titled = bool(context) and in_title(doc, "mental_health") and not off_title
    for cue in OFF_TOPIC_CONTEXT if not titled else ():  # the title says what it is about
        if any(own(doc, h) and not _harm_word(doc, h) for h in doc.cues.get(cue, ())):
            return None
    for hit in context:
        sentence = doc.sentence_of(hit)
        if sentence.role not in ("meta", "exclusion", "future") and not doc.excluded(hit):
            return doc.snippet(hit)
    if not therapy_only:
        return None
    if review:
        return "a review of a substance with no medical use but therapy"
    for hit in doc.cue_hits("patients"):  # patients given psilocybin or MDMA: therapy
        if own(doc, hit):
            return doc.snippet(hit)
    return None


def _harm_word(doc: Doc, hit) -> bool:
    """Another indication's word used as an adverse effect ("headache and nausea were common"):
    in an abstract sentence about adverse events, not naming whom it enrols or treats."""
    i = doc.where[hit]
    if hit.name != "other_indication" or i not in doc.adverse:
        return False
    sentence = doc.sentences[i]
    if sentence.source != "abstract":
        return False
    before = doc.lower[max(sentence.start, hit.start - 40) : hit.start]
    return not (POPULATION_BEFORE.search(before) or TARGET_BEFORE.search(before))


def _patients_or_animals(doc: Doc) -> bool:
    """The study's own sentences name patients, or it is animal work."""
    animals = doc.roles.animals
    if any(h.name == animals for h in doc.by_facet.get("populations", ())):
        return True
    return any(own(doc, h) for h in doc.cue_hits("patients"))


def _recovery_trial(doc: Doc, tags, title_cues: set[str], allowed) -> bool:
    """A perioperative trial whose title leads with a surgical recovery outcome (recovery,
    emergence, sleep, pain) before any target condition, with no primary outcome naming a
    target and no participants diagnosed with one (the guide's anaesthesia)."""
    if not (title_cues.intersection(("anaesthesia", "perioperative")) or _around_surgery(doc)):
        return False
    recovery = [h for h in doc.cue_hits("surgical_outcome") if doc.where[h] == 0]
    if not recovery or doc.sentences[0].source != "title":
        return False
    named = [h for h in doc.by_facet.get("conditions", ())
             if doc.where[h] == 0 and tags[h.name].target]  # fmt: skip
    if named and named[0].start < recovery[0].start:
        return False  # "postoperative depression and sleep quality": depression leads
    if primary_outcome_targeted(doc, tags, allowed):
        return False
    return not _diagnosed(doc, tags)


def _anxiolysis(doc: Doc, tags, title_cues: set[str]) -> bool:
    """Anxiety as the target of a perioperative or sedation study whose participants are not
    diagnosed with it."""
    setting = title_cues.intersection(("anaesthesia", "perioperative")) or _around_surgery(doc)
    return bool(setting) and not _diagnosed(doc, tags)


def _diagnosed(doc: Doc, tags) -> bool:
    """The study's own sentences enrol people with a target condition ("patients with major
    depression", "depressed patients")."""
    lower = doc.lower
    for hit in doc.by_facet.get("conditions", ()):
        if not tags[hit.name].target or not own(doc, hit):
            continue
        start = doc.sentence_of(hit).start
        if POPULATION_BEFORE.search(lower, max(start, hit.start - 40), hit.start):
            return True
        if PATIENTS_AFTER.match(lower, hit.end):
            return True
    return False


def _enrolled_for(doc: Doc, slug: str) -> bool:
    """The study's own sentences enrol people with `slug` ("patients with opioid use
    disorder")."""
    return any(
        h.name == slug
        and own(doc, h)
        and POPULATION_BEFORE.search(doc.lower, max(doc.sentence_of(h).start, h.start - 40),
                                     h.start)
        for h in doc.by_facet.get("conditions", ())
    )  # fmt: skip


def _indication_in_title(doc: Doc, slug: str) -> bool:
    """The title names `slug` as what the substance is given for ("for alcohol use
    disorder", "in opioid withdrawal"; not "changes in substance use"), or does not name it."""
    hits = [h for h in doc.by_facet.get("conditions", ()) if h.name == slug and doc.where[h] == 0]
    if not hits or doc.sentences[0].source != "title":
        return True
    lower = doc.lower
    return any(
        INDICATION_BEFORE.search(lower, max(0, h.start - 40), h.start)
        and not CHANGE_BEFORE.search(lower, max(0, h.start - 40), h.start)
        for h in hits
    )


def _therapy_safety(doc: Doc, slug: str) -> bool:
    """Substance use measured as a safety outcome of therapeutic use: the title names the
    therapy's setting (medical ketamine, a ketamine clinic) and the substance use, not as the
    indication ("substance use changes among patients treated with medical ketamine")."""
    return in_title(doc, "mental_health") and not _indication_in_title(doc, slug)


def _around_surgery(doc: Doc) -> bool:
    """The study's own sentences set it around surgery or anaesthesia."""
    return any(
        own(doc, h) for cue in ("perioperative", "anaesthesia") for h in doc.cues.get(cue, ())
    )


def _other_uses(doc: Doc, tags, allowed, review: bool = False) -> int:
    """Own-sentence mentions of anaesthesia, sedation or analgesia, and of another tagged
    indication (pain); a list of other indications a review names is not counted. A review's
    background sentences describe its own topic ("ketamine is used for anaesthesia, sedation,
    analgesia and, more recently, depression"), so they count for a review."""
    count = sum(1 for h in doc.cues.get("anaesthesia", ()) if own(doc, h, review))
    conditions = doc.by_facet.get("conditions", ())
    # a sentence naming a target among other conditions lists uses ("studies of alcohol use
    # disorder, anorexia, migraine, chronic pain and depression"): its others do not count
    listed = {doc.where[h] for h in conditions if tags[h.name].target}
    return count + sum(
        1
        for h in conditions
        if not tags[h.name].target
        and h.name not in allowed
        and doc.where[h] not in listed
        and own(doc, h, review)
    )
