"""Study details on unseen-style text (issue 14, session 6): the error classes of the new
tuning records t460+, written as own sentences with near-miss twins that must not change."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvest.tagging.details import extract_details, load_details

CONFIG = Path(__file__).resolve().parents[1] / "config" / "details.yml"
RULES = load_details(CONFIG)


def found(abstract: str, title: str = "Ketamine for depression", design: str = "rct",
          conditions=("depression",), sections=None):  # fmt: skip
    record = {"title": title, "abstract": abstract}
    if sections is not None:
        record = {"title": title, "abstract_sections": sections}
    return extract_details(record, RULES, design=design, conditions=conditions)


def safety(abstract: str, design: str = "rct", **kwargs) -> list[str]:
    return found(abstract, design=design, **kwargs).safety


# -- harm vocabulary: light-headedness, lethargy, psychomimetic, psychedelic reactions ----------

VOCABULARY = [
    ("Transient light-headedness occurred in nine women given ketamine.",
     ["general-tolerability"]),
    ("Two patients felt lightheaded after the infusion.", ["general-tolerability"]),
    ("Only one patient had worsening lethargy.", ["general-tolerability"]),
    ("Eleven patients had a psychomimetic or dysphoric reaction.", ["psychotic-symptoms"]),
    ("The ketamine arm had more, self-limiting, psychedelic phenomena.", ["psychotic-symptoms"]),
    ("Two patients became manic after the second infusion.", ["psychotic-symptoms"]),
    ("Dissociation peaked 40 minutes after the start of the infusion.", ["dissociation"]),
    ("Esketamine was better tolerated than quetiapine.", ["general-tolerability"]),
    # twins: no harm named
    ("Mood lightened in nine women given ketamine.", []),
    ("Psychedelic therapy is a growing field.", []),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), VOCABULARY)
def test_harm_vocabulary(abstract, expected):
    assert safety(abstract) == expected


# -- "dissociative" as the drug's class or a dose level is no harm ------------------------------

DESCRIPTOR = [
    ("Ketamine, a dissociative anaesthetic, improved mood within hours in this series.", []),
    ("Ketamine is a dissociative drug whose antidepressant effects were examined here.", []),
    ("Sub-dissociative doses of ketamine were given to every patient.", []),
    # twins: dissociation as an effect
    ("Dissociative symptoms were transient and resolved within two hours.", ["dissociation"]),
    ("Dissociation was mild and resolved by 2 hours.", ["dissociation"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), DESCRIPTOR)
def test_dissociative_descriptor(abstract, expected):
    assert safety(abstract, design="observational") == expected


# -- a history or an exclusion of mania or psychosis is no harm ---------------------------------

HISTORY = [
    ("Findings held after excluding patients with past hypomanic episodes.", []),
    ("Results were unchanged when participants with prior psychotic episodes were excluded.", []),
    ("We describe a 30-year-old man with no psychotic illness who drank 6 litres of water.", []),
    # twins: emergent mania or psychosis is a harm
    ("One patient developed hypomanic symptoms after the third infusion.",
     ["psychotic-symptoms"]),
    ("No psychotic symptoms emerged during the trial.", ["psychotic-symptoms"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), HISTORY)
def test_history_or_exclusion_of_psychosis(abstract, expected):
    assert safety(abstract, design="observational") == expected


# -- "serious AEs were reported" is not a list of harms; "no adverse effect was serious" ---------

SERIOUS = [
    ("No treatment-emergent serious adverse events were reported, and moderate side effects "
     "resolved within a day.", ["serious-adverse-events", "general-tolerability"]),
    ("No adverse effect was serious enough to need admission.", ["serious-adverse-events"]),
    # twins: a list of named harms keeps only them; serious adverse events alone are SAEs
    ("Adverse events were nausea and headache.", ["nausea-vomiting", "headache"]),
    ("No serious adverse events were reported.", ["serious-adverse-events"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), SERIOUS)
def test_serious_events_and_other_side_effects(abstract, expected):
    assert safety(abstract) == expected


# -- hearsay, worries and things still to be established are not reports ----------------------

HEARSAY = [
    ("Its long-term safety still has to be established.", []),
    ("Parenteral ketamine is said to cause marked side effects.", []),
    ("Clinicians have voiced worries about the potential for abuse of ketamine.", []),
    ("There are fears of dependence with repeated ketamine use.", []),
    # twins: the same harms reported
    ("Its long-term safety was established over two years of follow-up.",
     ["general-tolerability"]),
    ("Parenteral ketamine caused marked side effects in four patients.",
     ["general-tolerability"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), HEARSAY)
def test_hearsay_is_not_a_report(abstract, expected):
    assert safety(abstract, design="narrative-review") == expected


# -- an aim with safety words is no report ------------------------------------------------------

AIMS = [
    ("In this meta-analysis we pooled earlier trials to draw conclusions about the efficacy and "
     "safety of psilocybin.", []),
    ("We set out to characterise the tolerability of repeated esketamine dosing.", []),
    # twin: an aim that names a harm still reports it as a monitored outcome
    ("We set out to characterise blood pressure changes with repeated esketamine dosing.",
     ["cardiovascular"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), AIMS)
def test_aims_with_safety_words(abstract, expected):
    assert safety(abstract, design="meta-analysis") == expected


# -- a review's scope clause names topics; a clause after it reports ------------------------------

SCOPE = [
    ("In this mini review we describe case reports of seizures after psychedelics; on balance "
     "they indicate that psychedelics are safe under supervision.", ["general-tolerability"]),
    # twins: the scope alone names topics only
    ("In this review we describe case reports of seizures after psychedelics.", []),
    ("We discuss blood pressure monitoring; then we turn to dosing schedules.", []),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), SCOPE)
def test_review_scope_clause(abstract, expected):
    assert (
        safety(abstract, design="narrative-review", title="Psychedelics and seizures") == expected
    )


# -- another treatment's harms (no drug compared head to head) are not the study drug's ----------

OTHER_TREATMENT = [
    ("He had stopped six antidepressants for lack of effect or poor tolerability.", [],
     "case-report"),
    ("Conventional antidepressants are often limited by side effects in late life.", [],
     "narrative-review"),
    ("Earlier SSRIs had caused nausea and sexual dysfunction.", [], "case-report"),
    # twins: the study drug named, or another drug only as a measure of the trial
    ("Unlike her earlier antidepressants, esketamine caused only mild nausea.",
     ["nausea-vomiting"], "case-report"),
    ("Morphine consumption and side effects (nausea, delusions) were recorded for 48 h.",
     ["psychotic-symptoms", "nausea-vomiting"], "rct"),
    ("It was better tolerated than SSRIs.", ["general-tolerability"], "case-report"),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected", "design"), OTHER_TREATMENT)
def test_other_treatments_harms(abstract, expected, design):
    assert safety(abstract, design=design) == expected


def test_another_drug_compared_keeps_its_harms():
    text = (
        "Patients were randomised to ketamine or sertraline. "
        "Sertraline caused more nausea than ketamine did in the first week."
    )
    result = found(text)
    assert result.comparators == ["active-drug"]
    assert result.safety == ["nausea-vomiting"]


def comparators(abstract: str, title: str = "Ketamine for depression", design: str = "rct",
                conditions=("depression",)) -> list[str]:  # fmt: skip
    return found(abstract, title=title, design=design, conditions=conditions).comparators


# -- every match of a cue counts, not only the first ("or intranasal ketamine ... with NSAIDs") --

EVERY_MATCH = [
    ("In adults with renal colic, what are the effects of intravenous or intranasal ketamine on "
     "pain compared with NSAIDs and/or opioids?", ["active-drug"]),
    ("Trials of racemic ketamine or esketamine were pooled against placebo.", ["placebo"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), EVERY_MATCH)
def test_every_match_of_a_cue(abstract, expected):
    assert comparators(abstract, design="systematic-review", conditions=()) == expected


# -- "behavioural control", "pain control" are no control arm: midazolam there is a drug compared -

AGITATION = [
    ("We compared ketamine against a combination of midazolam and haloperidol for behavioural "
     "control of agitated emergency department patients.", ["active-drug"]),
    ("Ketamine or midazolam was given for pain control before the procedure in a randomised "
     "trial.", ["active-drug"]),
    # twin: a midazolam arm called the control stays an active placebo
    ("Patients were randomised to ketamine or to midazolam as an active control.",
     ["active-placebo"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), AGITATION)
def test_control_of_symptoms_is_no_control_arm(abstract, expected):
    assert comparators(abstract, title="Ketamine for agitation", conditions=()) == expected


# -- abbreviations and brand names of the study drug; a reference treatment ---------------------

NAMES = [
    ("ESCAPE-TRD was a randomised study comparing the efficacy of ESK-NS with quetiapine "
     "extended release.", ["active-drug"]),
    ("This trial compared Spravato with quetiapine in 676 adults.", ["active-drug"]),
    ("The trial against a reference treatment, escitalopram, found no difference.",
     ["active-drug"]),
    # twin: the abbreviation alone, no other drug
    ("ESK-NS was given twice weekly in this randomised phase.", []),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), NAMES)
def test_abbreviations_and_reference_treatments(abstract, expected):
    assert comparators(abstract, title="Esketamine nasal spray in TRD") == expected


# -- a control regimen of another drug (add-on designs against the other drug alone) ------------

CONTROL_REGIMEN = [
    ("Women were randomly allocated to the control regimen (sufentanil 2 µg/kg plus tropisetron "
     "10 mg) or to the same regimen with esketamine added.", ["active-drug"]),
    ("Adults were allocated to a control arm of intravenous metoclopramide or to intranasal "
     "ketamine.", ["active-drug"]),
    # twins: a control of saline is a placebo; an unspecified control group gets none
    ("Women were randomly allocated to the control group (saline) or to esketamine.",
     ["placebo"]),
    ("Women were randomly allocated to a control group or to esketamine.", []),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), CONTROL_REGIMEN)
def test_control_regimen_of_another_drug(abstract, expected):
    assert comparators(abstract, title="Esketamine after caesarean section") == expected


# -- "placebo-controlled" as the design's name beside an active comparator; another part --------

DESIGN_WORDS = [
    ("In a randomized, placebo-controlled trial, adults were allocated to a control arm of "
     "intravenous metoclopramide or to intranasal ketamine.", ["active-drug"], "rct"),
    # twin: no control arm named, so the placebo-controlled design has a placebo arm too
    ("In a randomized, placebo-controlled trial, adults were allocated to intravenous "
     "metoclopramide or to intranasal ketamine.", ["placebo", "active-drug"], "rct"),
    ("The randomised, placebo-controlled part two of the trial has recently been completed.",
     [], "open-label-trial"),
    # twins: a placebo arm named besides; this trial's own placebo arm
    ("Adults were randomized to metoclopramide, intranasal ketamine or placebo.",
     ["placebo", "active-drug"], "rct"),
    ("In this randomised, placebo-controlled trial, 40 adults received ketamine or placebo.",
     ["placebo"], "rct"),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected", "design"), DESIGN_WORDS)
def test_placebo_design_words(abstract, expected, design):
    assert comparators(abstract, design=design) == expected


# -- usual care: an arm named "as usual care", and "standard therapy" that is the active arm -----

CARE = [
    ("Trauma patients were randomised to the institutional regimen as usual care (UC) or to UC "
     "plus a ketamine infusion.", ["usual-care"]),
    ("Patients were allocated to metoclopramide or to intranasal ketamine. Ketamine was not "
     "better than standard therapy.", ["active-drug"]),
    # twins: usual care named beside an active drug; usual care as the setting of both arms
    ("Patients were randomised to ketamine versus sertraline versus usual care.",
     ["active-drug", "usual-care"]),
    ("The trial was run as part of usual care in two hospitals; patients received ketamine or "
     "placebo.", ["placebo"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), CARE)
def test_usual_care_arms(abstract, expected):
    assert comparators(abstract) == expected


def doses(abstract: str, title: str = "Ketamine for depression", design: str = "rct",
          sections=None) -> list[tuple]:  # fmt: skip
    result = found(abstract, title=title, design=design, sections=sections)
    return [(d["drug"], d["amount"], d["unit"]) for d in result.doses]


# -- a dose after the placebo is the study drug's; "control pain" is a verb --------------------

DOSE_OWNER = [
    ("Patients were randomly assigned to intranasal ketamine or intranasal saline solution at "
     "0.75 mg/kg.", [("ketamine", 0.75, "mg/kg")]),
    ("Rats received ketamine or vehicle at 10 mg/kg.", [("ketamine", 10, "mg/kg")]),
    ("We asked whether low doses of ketamine, 0.3 mg/kg, control pain in renal colic.",
     [("ketamine", 0.3, "mg/kg")]),
    # twins: the comparator's dose stays out; a control dose stays out
    ("Patients were randomly assigned to ketamine or midazolam at 0.05 mg/kg.", []),
    ("Participants took psilocybin 25 mg or 1 mg (control).", [("psilocybin", 25, "mg")]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), DOSE_OWNER)
def test_whose_dose(abstract, expected):
    assert doses(abstract) == expected


# -- an observational comparison of two forms studies both; a trial's comparator form does not ---

TWO_FORMS = "Comparative effectiveness of intravenous ketamine and intranasal esketamine"
FORMS_TEXT = (
    "Adults received up to 6 IV ketamine treatments (0.5 mg/kg) or up to 8 IN esketamine "
    "treatments (56 or 84 mg)."
)


def test_observational_comparison_lists_both_forms():
    assert doses(FORMS_TEXT, title=TWO_FORMS, design="observational") == [
        ("ketamine", 0.5, "mg/kg"),
        ("esketamine", 56, "mg"),
        ("esketamine", 84, "mg"),
    ]


def test_trial_of_two_forms_leaves_out_the_comparator_form():
    assert doses(FORMS_TEXT, title=TWO_FORMS, design="rct") == [("ketamine", 0.5, "mg/kg")]


# -- an aim stated in a BACKGROUND or CONTEXT section is the objective ---------------------------


def test_aim_in_background_section_is_read():
    sections = [
        {"label": "CONTEXT", "category": "BACKGROUND",
         "text": "Opioids are a concern in renal colic. They asked whether ketamine, 0.3 mg/kg, "
                 "relieves the pain."},
        {"label": "METHODS", "category": "METHODS", "text": "Thirty-four adults took part."},
    ]  # fmt: skip
    assert doses("", sections=sections) == [("ketamine", 0.3, "mg/kg")]


def test_background_without_aim_stays_background():
    sections = [
        {"label": "BACKGROUND", "category": "BACKGROUND",
         "text": "Earlier trials gave ketamine 0.5 mg/kg. Opioids are a concern."},
        {"label": "METHODS", "category": "METHODS", "text": "Thirty-four adults took part."},
    ]  # fmt: skip
    assert doses("", sections=sections) == []


# -- round 4: a psychoactive control, i.v. versus i.m., a low-dose combination, caps and steps ---

ROUND4_COMPARATORS = [
    ("Ketamine for OCD", "Randomised participants received single doses of ketamine 0.5 mg/kg, "
     "ketamine 1.0 mg/kg or fentanyl 50 µg as the psychoactive control.", (),
     ["active-placebo", "dose-comparison"]),
    ("Ketamine for OCD", "Participants were randomised to ketamine 0.5 mg/kg or fentanyl 50 µg.",
     (), ["active-drug"]),
    ("A randomized trial of i.v. versus i.m. ketamine for sedation",
     "Children were randomized to ketamine 1 mg/kg i.v. or 4 mg/kg i.m.", (), ["active-drug"]),
    ("Intramuscular versus intravenous ketamine",
     "Patients were randomized to ketamine 0.5 mg/kg as an I.V. infusion, 0.5 mg/kg I.M. or "
     "0.25 mg/kg I.M.", ("depression",), ["active-drug", "dose-comparison"]),
    ("Midazolam or a low-dose combination of midazolam-ketamine for cannulation stress",
     "Children were randomized to midazolam, midazolam with ketamine, or honey alone as placebo.",
     ("anxiety",), ["placebo", "active-drug"]),
    # twin: a low-dose psilocybin control is an active placebo
    ("Psilocybin for depression",
     "Patients were randomized to psilocybin 25 mg or a low dose of psilocybin as the control.",
     ("depression",), ["active-placebo"]),
]  # fmt: skip


@pytest.mark.parametrize(("title", "abstract", "conditions", "expected"), ROUND4_COMPARATORS)
def test_round4_comparators(title, abstract, conditions, expected):
    assert comparators(abstract, title=title, conditions=conditions) == expected


ROUND4_DOSES = [
    ("Ketamine 0.3 mg/kg was given intravenously, with a maximum dose of 30 mg.",
     [("ketamine", 0.3, "mg/kg")]),
    ("Oral ketamine was started at 50 mg every 3 days and raised by 25 mg every 3 days.",
     [("ketamine", 50, "mg")]),
    ("Doses were titrated in increments of 10 mg from 0.5 mg/kg.", [("ketamine", 0.5, "mg/kg")]),
    # twin: a stated second dose is a dose
    ("Ketamine 0.3 mg/kg was given, and a second dose of 15 mg if pain persisted.",
     [("ketamine", 0.3, "mg/kg"), ("ketamine", 15, "mg")]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), ROUND4_DOSES)
def test_caps_and_steps_are_not_doses(abstract, expected):
    assert doses(abstract, design="observational") == expected


def test_review_dose_without_a_name_is_the_title_drug():
    text = (
        "We reviewed oral ketamine, esketamine and r-ketamine for depression. "
        "Doses ranged from 0.5 to 1.25 mg/kg."
    )
    assert doses(text, title="Oral ketamine for depression", design="systematic-review") == [
        ("ketamine", 0.5, "mg/kg"),
        ("ketamine", 1.25, "mg/kg"),
    ]
    assert (
        doses(text, title="Oral NMDA antagonists for depression", design="systematic-review") == []
    )


ROUND4_SAFETY = [
    ("In cocaine use disorder ketamine reduced craving and raised abstinence.", ("substance-use",),
     []),
    ("Time to first micturition was assessed in both groups.", ("pain",),
     ["urological"]),
    ("Ketamine does not impair acquisition or retrieval of cued fear or spatial memory.", (),
     ["general-tolerability"]),
    # twins: craving as a harm in a depression study; craving rising in a use study
    ("Craving for ketamine was reported by two patients.", ("depression",), ["abuse-liability"]),
    ("Craving increased after the third infusion in two participants.", ("substance-use",),
     ["abuse-liability"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "conditions", "expected"), ROUND4_SAFETY)
def test_round4_safety(abstract, conditions, expected):
    assert safety(abstract, conditions=conditions) == expected


# -- sessions: the last ordinal infusion, a consecutive course, a group dosing session ----------

SESSIONS = [
    ("Two weeks after the sixth ketamine infusion, anhedonia was rated again.", 6),
    ("After six consecutive low-dose esketamine infusions, depressive symptoms had improved.", 6),
    ("Cohorts took part in three group preparatory sessions, one group session with a high dose "
     "(25 mg) of psilocybin and three group integration sessions.", 1),
    # twins: "after two infusions" is a time point; preparation and integration are no dosing
    ("Response after two infusions predicted remission.", None),
    ("Cohorts took part in three group preparatory sessions and three group integration "
     "sessions.", None),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), SESSIONS)
def test_sessions_fresh(abstract, expected):
    assert found(abstract, design="open-label-trial").sessions == expected


def test_last_ordinal_yields_to_a_stated_count():
    text = (
        "Patients received four ketamine infusions over two weeks. "
        "Mood was rated after the second infusion."
    )
    assert found(text, design="open-label-trial").sessions == 4


# -- round 6: another formulation of one drug; urination; memory unaffected ----------------------

FORMULATIONS = [
    ("To compare intranasal ketamine given as drops with ketamine given as an atomized spray in "
     "children.", ["active-drug"]),
    ("Children were randomly assigned to receive ketamine as drops at one visit and as an "
     "atomised spray at the next.", ["active-drug"]),
    # twins: one formulation with a placebo; an add-on taken as tablets by every arm
    ("Patients were randomised to esketamine as a nasal spray or placebo, each with an oral "
     "antidepressant taken as tablets.", ["placebo"]),
    ("Ketamine was given as drops to all children, who were randomised to two sedation depths.",
     []),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), FORMULATIONS)
def test_another_formulation_is_head_to_head(abstract, expected):
    assert comparators(abstract, title="Intranasal ketamine for dental sedation") == expected


ROUND6_SAFETY = [
    ("Persistent adverse events included urination problems and acne.", "observational",
     ["urological"]),
    ("Spatial and working memory were not affected.", "preclinical", ["general-tolerability"]),
    ("Working memory stayed intact after repeated dosing.", "preclinical",
     ["general-tolerability"]),
    # twin: memory named without any effect on it
    ("Spatial memory was tested in a Y maze.", "preclinical", []),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "design", "expected"), ROUND6_SAFETY)
def test_round6_safety(abstract, design, expected):
    assert safety(abstract, design=design, conditions=()) == expected


# -- round 7: a list of arms whose other drug has its own route and dose ------------------------

ARM_LISTS = [
    ("In a four-session double-blind study, users received oral MDMA (0.75 and 1.5 mg/kg), "
     "intranasal oxytocin (20 or 40 IU) and placebo.",
     ["placebo", "active-drug", "dose-comparison"]),
    ("In a four-session study, volunteers received MDMA (0.75 and 1.5 mg/kg) and placebo.",
     ["placebo", "dose-comparison"]),
    # twins: two doses of the study drug by two routes, no other drug, are no dose arms; an
    # add-on trial's placebo arm
    ("Patients were randomised to MDMA 10 mg intravenously or a 25 mg sublingual wafer.", []),
    ("Patients were randomised to MDMA plus an antidepressant or the antidepressant plus "
     "placebo.", ["placebo"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), ARM_LISTS)
def test_lists_of_arms(abstract, expected):
    assert comparators(abstract, title="MDMA and oxytocin", conditions=()) == expected


# -- an unstructured abstract may open with four background sentences before its aim ------------

OPENING = (
    "The population is ageing fast. Depression becomes more common with age. Its symptoms can "
    "include sadness and, when severe, suicidal thoughts. Conventional treatments are often "
    "limited by side effects. This review considers psychedelic treatment in older adults."
)


def test_four_background_sentences_before_the_aim():
    assert safety(OPENING, design="narrative-review", conditions=()) == []


def test_a_harm_after_the_aim_still_counts():
    text = OPENING + " Across trials psilocybin was well tolerated by older adults."
    assert safety(text, design="narrative-review", conditions=()) == ["general-tolerability"]


# -- dissociation as a predictor or mediator of response is no reported harm ---------------------

PREDICTORS = [
    ("We meta-analysed how subjective symptoms and dissociation correlate with therapeutic "
     "outcome after ketamine.", []),
    ("Dissociation did not predict the antidepressant response.", []),
    # twins: dissociation reported as an effect, or peaking during the infusion
    ("Dissociation was mild and transient in every patient.", ["dissociation"]),
    ("Peak dissociation during the infusion correlated with improvement.", ["dissociation"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), PREDICTORS)
def test_dissociation_as_a_predictor(abstract, expected):
    assert safety(abstract, design="meta-analysis") == expected


# -- a finding before a call for further work still counts ---------------------------------------

FINDING_THEN_WORK = [
    ("Esketamine reduces postoperative depression but carries a higher risk of adverse effects, "
     "so dosing strategies to limit them need further work.", ["general-tolerability"]),
    ("Blood pressure rose transiently in a third of patients, but larger trials are needed.",
     ["cardiovascular"]),
    # twins: the call for work alone; hearsay after a semicolon
    ("Larger trials are needed to weigh risks such as abuse liability.", []),
    ("Concern about the risks was lower than before; few agreed that use raises the risk of "
     "cognitive impairment.", []),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), FINDING_THEN_WORK)
def test_finding_before_a_call_for_work(abstract, expected):
    assert safety(abstract, design="meta-analysis", conditions=()) == expected


def test_comparator_arm_of_another_drug():
    assert comparators("The comparator arm received sertraline 50 mg daily.") == ["active-drug"]
    assert comparators("The comparison group was given escitalopram.") == ["active-drug"]
    assert comparators("The comparison group received saline.") == ["placebo"]


@pytest.mark.parametrize(
    "abstract, design, expected",
    [
        (
            "MDMA use was associated with memory dysfunction that persisted for two years.",
            "observational",
            ["general-tolerability"],
        ),
        (
            "Ketamine-exposed fetal brains showed more apoptotic neurodegeneration than controls.",
            "preclinical",
            ["general-tolerability"],
        ),
        (
            "MDA is therefore toxic to serotonin neurons in rats.",
            "preclinical",
            ["general-tolerability"],
        ),
        # twin: a function that improved is no harm named
        ("Executive function scores improved after six ketamine infusions.", "rct", []),
    ],
)
def test_cognitive_and_neurotoxic_harms_are_general_tolerability(abstract, design, expected):
    assert safety(abstract, design) == expected


@pytest.mark.parametrize(
    "abstract, expected",
    [
        # a verdict on the harms counts beside the specific ones it names
        (
            "Adverse effects were mostly mild, although some patients had short-lived rises in "
            "blood pressure.",
            ["cardiovascular", "general-tolerability"],
        ),
        # a list's opening does not
        (
            "Adverse effects were nausea and a rise in blood pressure.",
            ["cardiovascular", "nausea-vomiting"],
        ),
    ],
)
def test_a_verdict_on_harms_is_general_tolerability(abstract, expected):
    assert safety(abstract, "rct") == expected


@pytest.mark.parametrize(
    "abstract, expected",
    [
        # the agitation the trial targets is its outcome, not a harm
        ("Emergence agitation occurred in 12% with ketamine and 35% with saline.", []),
        # a harm beside it still counts
        (
            "Emergence agitation was less frequent with ketamine; two children had nausea and "
            "ketamine was well tolerated.",
            ["nausea-vomiting", "general-tolerability"],
        ),
    ],
)
def test_the_targeted_perioperative_outcome_is_no_harm(abstract, expected):
    title = "Ketamine for emergence agitation in children after sevoflurane anaesthesia"
    assert safety(abstract, "rct", title=title) == expected


@pytest.mark.parametrize(
    "abstract, expected",
    [
        ("Participants reported no harm and no one reported drug dependency.", ["abuse-liability"]),
        ("Population studies show psilocybin causes no dependent use.", ["abuse-liability"]),
        # twin: a target condition named "dependence" by its substance is no harm
        ("Patients with alcohol dependence received ketamine infusions.", []),
    ],
)
def test_dependency_and_dependent_use_are_abuse_liability(abstract, expected):
    assert safety(abstract, "observational") == expected


@pytest.mark.parametrize(
    "abstract, expected",
    [
        # suicidality among the efficacy outcomes of a depression review: not a harm
        (
            "Outcomes were response, remission, change in depression severity, suicidality and "
            "drop-outs.",
            [],
        ),
        # suicidality reported as a harm still counts
        ("No treatment-emergent suicidal ideation was observed.", ["suicidality-safety"]),
    ],
)
def test_suicidality_among_efficacy_outcomes_is_no_harm(abstract, expected):
    assert safety(abstract, "meta-analysis") == expected
