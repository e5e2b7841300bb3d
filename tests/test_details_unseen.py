"""Study details on unseen-style text (issue 14): error classes of new real records, written as
own sentences with near-miss twins that must not change, as exact tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvest.tagging.details import extract_details, load_details

CONFIG = Path(__file__).resolve().parents[1] / "config" / "details.yml"
RULES = load_details(CONFIG)


def details(abstract: str, title: str = "Ketamine for PTSD", design: str = "rct", sections=None):
    record = {"title": title, "abstract": abstract}
    if sections is not None:
        record = {"title": title, "abstract_sections": sections}
    return extract_details(record, RULES, design=design, conditions=("ptsd",))


def doses(abstract: str, **kwargs) -> list[tuple]:
    return [(d["drug"], d["amount"], d["unit"]) for d in details(abstract, **kwargs).doses]


# -- an allocation ratio is not the start of a dose range --------------------------------------

RATIOS = [
    ("Sixty adults were randomised 1:1:1 to 0.2 mg/kg, 0.5 mg/kg or 1.0 mg/kg ketamine.",
     [("ketamine", 0.2, "mg/kg"), ("ketamine", 0.5, "mg/kg"), ("ketamine", 1, "mg/kg")]),
    ("Patients were randomised 2:1 to ketamine 0.5 mg/kg or saline.",
     [("ketamine", 0.5, "mg/kg")]),
    ("Patients were allocated in a 3:1 ratio to ketamine 0.5 mg/kg or midazolam.",
     [("ketamine", 0.5, "mg/kg")]),
    # twin: a real range keeps both ends
    ("Single doses ranged from 1 to 4 mg/kg of ketamine.",
     [("ketamine", 1, "mg/kg"), ("ketamine", 4, "mg/kg")]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), RATIOS)
def test_allocation_ratio_is_not_a_dose(abstract, expected):
    assert doses(abstract) == expected


# -- a total or cumulative dose is a sum of doses, not a dose -----------------------------------

TOTALS = [
    ("The median total intravenous dose was 50 mg.", []),
    ("Cumulative ketamine doses reached 300 mg over the course.", []),
    ("The mean total dose of ketamine per patient was 2.1 mg/kg.", []),
    # twins: a stated median dose, and "a total of two doses"
    ("The median dose was 50 mg of ketamine.", [("ketamine", 50, "mg")]),
    ("A total of two doses of ketamine 0.5 mg/kg were given.", [("ketamine", 0.5, "mg/kg")]),
]


@pytest.mark.parametrize(("abstract", "expected"), TOTALS)
def test_total_dose_is_not_a_dose(abstract, expected):
    assert doses(abstract) == expected


# -- one arm's doses by route are not dose arms ("4 mg/kg IM or 1 mg/kg IV") -------------------

ROUTE_ARMS = [
    ("Adults were randomised to ketamine (4 mg/kg IM or 1 mg/kg IV) or to haloperidol.",
     ["active-drug"]),
    ("Agitated adults were randomised to ketamine (5 mg/kg intramuscularly or 1 mg/kg IV) or to "
     "droperidol.", ["active-drug"]),
    # twins: two doses by the same route, and by one named route, are dose arms
    ("Adults were randomised to ketamine 0.5 mg/kg IV or ketamine 1.0 mg/kg IV.",
     ["dose-comparison"]),
    ("Children were randomised to rectal ketamine 4 mg/kg or 8 mg/kg.", ["dose-comparison"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "expected"), ROUTE_ARMS)
def test_route_alternatives_are_not_dose_arms(abstract, expected):
    assert details(abstract, title="Ketamine for agitation").comparators == expected


# -- a labelled section is what its label says, not an unlabelled abstract's background -------

OPINION = (
    "Across the trials, the commonest side effects were brief dissociation, nausea and a rise "
    "in blood pressure. Bladder symptoms were rare at the licensed doses. Cognition stayed "
    "stable in the long-term studies."
)


def test_expert_opinion_section_reports_harms():
    sections = [
        {"label": "INTRODUCTION", "category": "BACKGROUND", "text": "Ketamine acts fast."},
        {"label": "AREAS COVERED", "category": "UNASSIGNED", "text": "We review its safety."},
        {"label": "EXPERT OPINION", "category": "UNASSIGNED", "text": OPINION},
    ]
    found = details("", design="narrative-review", sections=sections)
    # "side effects were dissociation, nausea ...": the generic words only introduce them
    assert found.safety == ["dissociation", "cardiovascular", "urological", "nausea-vomiting"]


def test_unlabelled_opening_background_still_ignored():
    abstract = (
        "Dissociation and a rise in blood pressure are common side effects of ketamine. "
        "Twenty adults with PTSD were enrolled. Each received one infusion. Symptoms fell by half."
    )
    assert details(abstract, design="open-label-trial").safety == []


def safety(abstract: str, design: str = "observational") -> list[str]:
    record = {"title": "Ketamine harms", "abstract": abstract}
    return extract_details(record, RULES, design=design, conditions=()).safety


# -- harms reported as clinical features, toxicity, deaths and vital signs -------------------

REPORTED_HARMS = [
    ("Among the chronic users, 92% had features of ketamine cystitis.", "observational",
     ["urological"]),
    ("Frequent users presented with ulcerative cystitis and small bladder capacity.",
     "observational", ["urological"]),
    ("Liver toxicity was a feature of many MDMA intoxications.", "narrative-review", ["hepatic"]),
    ("Recreational use is a hidden cause of acute liver failure in the young.",
     "narrative-review", ["hepatic"]),
    ("Serious incidents were rare and brief.", "observational", ["serious-adverse-events"]),
    ("Two patients died and 14 recovered completely.", "observational",
     ["serious-adverse-events"]),
    ("Nobody died and major toxic reactions were uncommon.", "observational",
     ["serious-adverse-events", "general-tolerability"]),
    ("There were no fatalities.", "observational", ["serious-adverse-events"]),
    ("Vital signs stayed stable throughout the infusion.", "open-label-trial",
     ["cardiovascular"]),
    ("Palpitations were reported by three participants.", "open-label-trial",
     ["cardiovascular"]),
    ("It causes a range of toxic effects at ordinary doses.", "narrative-review",
     ["general-tolerability"]),
    ("Seizures occurred in two patients after the overdose.", "observational",
     ["general-tolerability"]),
    ("Users recalled fewer words, evidence of memory decrements.", "observational",
     ["general-tolerability"]),
    ("Changes in vital signs and adverse events were similar between groups.", "observational",
     ["cardiovascular", "general-tolerability"]),
    # twins: a mortality outcome and vital signs as covariates, ECT's therapeutic seizures, and
    # generic words that only introduce the harms they list
    ("Mortality at 30 days was the primary outcome.", "observational", []),
    ("Mortality was analysed by regression adjusted for age, vital signs and injury severity.",
     "observational", []),
    ("The ketamine group needed less stimulus to elicit seizures and had longer seizures than "
     "the thiopental group.", "rct", []),
    ("The seizure duration was longer with ketamine anaesthesia.", "rct", []),
    ("Adverse events were nausea and headache.", "rct", ["nausea-vomiting", "headache"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "design", "expected"), REPORTED_HARMS)
def test_reported_harms(abstract, design, expected):
    assert safety(abstract, design) == expected


# -- not reports: future work, a review's scope, other studies' findings in a trial -----------

NOT_REPORTED = [
    ("Research is urgently needed on how dosing shapes effectiveness and safety.", "case-report",
     []),
    ("Larger controlled trials are still required to settle long-term safety.",
     "open-label-trial", []),
    ("Further work must establish whether drug-induced neurotoxicity explains these links.",
     "observational", []),
    ("This review sets out the evidence and the particular side effects that should shape "
     "treatment choices.", "narrative-review", []),
    ("Throughout, we weigh trial results, tolerability and research quality.",
     "narrative-review", []),
    ("Several randomized trials have found transient dissociation and a rise in blood "
     "pressure.", "case-report", []),
    ("Ketamine has been shown to raise blood pressure in earlier work.", "open-label-trial", []),
    # twins: a finding beside "such studies are needed", a review's own findings, this trial's
    ("Recent studies suggest it is well tolerated; such studies are needed before approval.",
     "narrative-review", ["general-tolerability"]),
    ("In the included trials the side effects were mild and brief.", "narrative-review",
     ["general-tolerability"]),
    ("Several randomized trials have found transient dissociation and a rise in blood "
     "pressure.", "narrative-review", ["dissociation", "cardiovascular"]),
    ("In this trial, transient dissociation and a rise in blood pressure were observed.", "rct",
     ["dissociation", "cardiovascular"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "design", "expected"), NOT_REPORTED)
def test_not_reported_harms(abstract, design, expected):
    assert safety(abstract, design) == expected


def comparators(abstract: str, design: str = "rct", sections=None) -> list[str]:
    record = {"title": "Ketamine trial", "abstract": abstract}
    if sections is not None:
        record = {"title": "Ketamine trial", "abstract_sections": sections}
    return extract_details(record, RULES, design=design, conditions=("ptsd",)).comparators


# -- comparators: a follow-up is not a dose step, "than with", memory tests, a study's own
# -- design stated under BACKGROUND ----------------------------------------------------------

COMPARED = [
    ("Participants will be randomized to ketamine 0.5 mg/kg, ketamine 0.2 mg/kg or placebo, "
     "given twice a week for 4 weeks and followed by a 4-week follow-up period.", "protocol",
     ["placebo", "dose-comparison"]),
    ("Adults were randomised to ketamine 0.5 mg/kg or ketamine 1.0 mg/kg, followed by an "
     "observation period of two hours.", "rct", ["dose-comparison"]),
    ("Pain scores were lower with ketamine than with propofol.", "rct", ["active-drug"]),
    ("Depression scores improved more with ketamine than with thiopental.", "meta-analysis",
     ["active-drug"]),
    ("Immediate or delayed memory scores did not change after ketamine.", "open-label-trial",
     []),
    # twins: one arm's dose steps, an inert comparison by "than with", a delayed start
    ("Patients were randomized to ketamine 0.5 mg/kg followed by 1.0 mg/kg, or placebo.", "rct",
     ["placebo"]),
    ("Pain scores were lower with ketamine than with placebo.", "rct", ["placebo"]),
    ("Patients were randomised to immediate or delayed treatment with psilocybin.", "rct",
     ["waitlist"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "design", "expected"), COMPARED)
def test_comparators_unseen(abstract, design, expected):
    assert comparators(abstract, design) == expected


METHODS = {"label": "METHODS", "category": "METHODS", "text": "We enrolled 160 women."}


@pytest.mark.parametrize(
    ("background", "expected"),
    [
        (
            "This randomised, double-blind, placebo-controlled trial examined different doses "
            "of esketamine for pain after surgery.",
            ["placebo", "dose-comparison"],
        ),
        # twins: earlier trials, and this trial's motivation
        (
            "Earlier placebo-controlled trials examined different doses of esketamine for pain "
            "after surgery.",
            [],
        ),
        ("This trial is needed because placebo-controlled evidence is scarce.", []),
    ],
)
def test_background_section_describing_this_trial(background, expected):
    sections = [{"label": "BACKGROUND", "category": "BACKGROUND", "text": background}, METHODS]
    assert comparators("", sections=sections) == expected


# -- harms in the words of sedation and procedure trials; more of other studies' findings -----

PROCEDURE_HARMS = [
    ("No serious side effects occurred.", "rct", ["serious-adverse-events"]),
    ("Minor complications occurred in 39% of patients; no patient had a major complication.",
     "observational", ["serious-adverse-events", "general-tolerability"]),
    ("Side effects recorded were nightmares and delusions.", "rct", ["psychotic-symptoms"]),
    ("Vital signs stayed within physiological limits.", "rct", ["cardiovascular"]),
    ("Midazolam premedication reduced ketamine-induced recovery agitation.", "rct",
     ["general-tolerability"]),
    ("Pilot data and case reports have suggested that ketamine may be safe in PTSD.", "rct", []),
    ("Case reports have described bladder damage with daily ketamine use.", "open-label-trial",
     []),
    # twins: complications as an outcome named only, a review's own literature, this trial's data
    ("Postoperative complications were the primary outcome.", "rct", []),
    ("Case reports have described bladder damage with daily ketamine use.", "narrative-review",
     ["urological"]),
    ("In our pilot data ketamine was safe and well tolerated.", "rct", ["general-tolerability"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "design", "expected"), PROCEDURE_HARMS)
def test_procedure_harms(abstract, design, expected):
    assert safety(abstract, design) == expected


# -- doses: not a concentration, a spread or a change; a mean dose is its mean ---------------

NOT_DOSES = [
    ("Esketamine analgesia", "The pump held esketamine 0.3 mg/ml with ropivacaine.", []),
    ("Ketamine for PTSD", "During maintenance the mean ketamine dose was 0.91 +/- 0.28 mg/kg.",
     [("ketamine", 0.91, "mg/kg")]),
    ("Ketamine for PTSD", "The mean dose was 0.9 \u00b1 0.3 mg/kg of ketamine.",
     [("ketamine", 0.9, "mg/kg")]),
    ("Ketamine for alcohol withdrawal", "Benzodiazepine needs changed by -40.0 mg at 12 hours "
     "after ketamine was started.", []),
    # twins: a dose per kilogram, a range and a range written with a dash stay doses
    ("Esketamine analgesia", "Each patient received esketamine 0.3 mg/kg with ropivacaine.",
     [("esketamine", 0.3, "mg/kg")]),
    ("Ketamine for PTSD", "Ketamine doses ranged from 0.5 to 1.0 mg/kg.",
     [("ketamine", 0.5, "mg/kg"), ("ketamine", 1, "mg/kg")]),
    ("Ketamine for PTSD", "Patients received ketamine 0.5 mg/kg-1.0 mg/kg over 40 minutes.",
     [("ketamine", 0.5, "mg/kg"), ("ketamine", 1, "mg/kg")]),
]  # fmt: skip


@pytest.mark.parametrize(("title", "abstract", "expected"), NOT_DOSES)
def test_concentrations_spreads_and_changes(title, abstract, expected):
    assert doses(abstract, title=title) == expected


# -- sessions: "twice as likely" is a comparison, not a repeat -------------------------------


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ("Dizziness was more than twice as likely with ketamine.", 1),
        ("Pain fell three times more with ketamine.", 1),
        # twin: a dose given twice
        ("Both were given twice.", 2),
    ],
)
def test_multiplier_is_not_a_repeat(tail, expected):
    abstract = f"Patients were randomised to ketamine 0.2 mg/kg or saline. {tail}"
    assert details(abstract, title="Ketamine for pain").sessions == expected


# -- reviews: the study drug against "other drugs" or "these drugs alone" ---------------------

OTHER_DRUGS = [
    ("The incidence did not differ between ketamine and other pharmacological interventions.",
     "meta-analysis", ["active-drug"]),
    ("Ketamine has no advantage over other anti-shivering drugs.", "meta-analysis",
     ["active-drug"]),
    ("Esketamine added to an SSRI worked better than either of these drugs alone.",
     "systematic-review", ["active-drug"]),
    # twins: another drug's comparison, a list of drugs reviewed, an inert comparison
    ("Clozapine lowered suicide attempts compared with other antipsychotics.",
     "systematic-review", []),
    ("Ketamine and other glutamate modulators were reviewed.", "systematic-review", []),
    ("Compared with placebo, ketamine lowered shivering.", "meta-analysis", ["placebo"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "design", "expected"), OTHER_DRUGS)
def test_reviews_against_other_drugs(abstract, design, expected):
    assert comparators(abstract, design) == expected


# -- midazolam in a "randomized, controlled" sedation trial is a drug compared ----------------

MIDAZOLAM = [
    ("Does midazolam alter ketamine sedation in children? A double-blind, randomized, "
     "controlled, emergency department trial.",
     "Children given ketamine were randomly assigned to midazolam or no midazolam.", (),
     ["active-drug"]),
    ("Intranasal sedation with ketamine and midazolam for dental treatment: protocol for a "
     "randomized controlled trial.", "Children will be randomly allocated to intranasal ketamine "
     "with midazolam or to oral ketamine with midazolam.", (), ["active-drug"]),
    # twins: a midazolam-controlled design, a psychedelic trial's blinding drug, a stated control
    ("Ketamine for depression: a midazolam-controlled trial.",
     "Patients were randomized to ketamine or midazolam.", ("depression",), ["active-placebo"]),
    ("Psilocybin versus niacin: a randomized controlled trial.",
     "Participants were randomised to psilocybin or niacin.", ("depression",),
     ["active-placebo"]),
]  # fmt: skip


@pytest.mark.parametrize(("title", "abstract", "conditions", "expected"), MIDAZOLAM)
def test_midazolam_in_controlled_sedation_trials(title, abstract, conditions, expected):
    design = "protocol" if "protocol" in title else "rct"
    record = {"title": title, "abstract": abstract}
    assert extract_details(record, RULES, design=design, conditions=conditions).comparators == (
        expected
    )


# -- dissociation improving in a trauma study is the target, not a harm -----------------------

DISSOCIATION = [
    ("Anxiety and dissociation decreased, and emotion regulation improved.", ("ptsd",), []),
    ("Dissociative symptoms fell markedly over the eight weeks of treatment.", ("ptsd",), []),
    # twins: the acute effect, a side effect, and outside a trauma study
    ("Dissociation peaked at 40 minutes and decreased by 2 hours.", ("ptsd",), ["dissociation"]),
    ("Dissociative side effects were reduced with the slower infusion.", ("ptsd",),
     ["dissociation"]),
    ("Anxiety and dissociation decreased, and emotion regulation improved.", ("depression",),
     ["dissociation"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "conditions", "expected"), DISSOCIATION)
def test_dissociation_as_trauma_symptom(abstract, conditions, expected):
    record = {"title": "Ketamine for PTSD", "abstract": abstract}
    found = extract_details(record, RULES, design="open-label-trial", conditions=conditions)
    assert found.safety == expected


# -- a drug every arm gets and a trial's setting are not comparators --------------------------

EVERY_ARM = [
    ("Ketamine for agitation", "A randomised, open-label pilot study at one institution, run as "
     "real-world standard care. Adults were randomised to ketamine or haloperidol.", (),
     ["active-drug"]),
    ("Ketamine for agitation", "The trial ran as part of routine care. Adults were randomised to "
     "ketamine or haloperidol.", (), ["active-drug"]),
    ("Rectal ketamine dose finding", "We compared three doses of rectal ketamine, each mixed "
     "with a fixed dose of midazolam.", (), ["dose-comparison"]),
    # twins: standard care and treatment as usual as the arm; midazolam as the arm
    ("Ketamine for PTSD", "Veterans were randomised to ketamine or to standard care.", ("ptsd",),
     ["usual-care"]),
    ("Ketamine for PTSD", "Veterans were randomised to ketamine or to treatment as usual.",
     ("ptsd",), ["usual-care"]),
    ("Ketamine for depression", "We compared ketamine with midazolam in a randomised trial.",
     ("depression",), ["active-placebo"]),
    ("Psilocybin for depression", "Participants were randomised to psilocybin or niacin, each "
     "given with psychological support.", ("depression",), ["active-placebo"]),
]  # fmt: skip


@pytest.mark.parametrize(("title", "abstract", "conditions", "expected"), EVERY_ARM)
def test_every_arm_and_setting(title, abstract, conditions, expected):
    record = {"title": title, "abstract": abstract}
    assert extract_details(record, RULES, design="rct", conditions=conditions).comparators == (
        expected
    )


# -- harm surveillance and case series: deaths, fatal cases, renal harm, counted cases --------

SURVEILLANCE = [
    ("Deaths rose year on year with the number of drug seizures and prices.", "observational",
     ["serious-adverse-events"]),
    ("Of 70 severely intoxicated patients, more than 40% died.", "narrative-review",
     ["serious-adverse-events"]),
    ("Some 20 cases of hepatitis, a few of them fatal, have been reported.", "narrative-review",
     ["hepatic", "serious-adverse-events"]),
    ("We identified 394 ecstasy deaths in the registers.", "observational",
     ["serious-adverse-events"]),
    ("A boy developed acute kidney injury after eating the mushrooms.", "case-report",
     ["general-tolerability"]),
    ("Eight patients had psychotic syndromes after MDMA use.", "observational",
     ["psychotic-symptoms"]),
    # twins: drug seizures by the police, a history, a death rate as exposure
    ("Police seizures of ecstasy tablets rose, and prices fell.", "observational", []),
    ("Patients had a history of psychosis or mania.", "rct", []),
    ("The death rate of the region was the exposure.", "observational", []),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "design", "expected"), SURVEILLANCE)
def test_harm_surveillance(abstract, design, expected):
    assert safety(abstract, design) == expected


# -- hedges: a stated safety finding beside "may be useful", events that "may have gone
# -- unreported"; neurocognition reported either way -----------------------------------------

HEDGES = [
    ("Ketamine is generally safe and may be useful in palliative care.", "systematic-review",
     ["general-tolerability"]),
    ("Neurocognition improved after six ketamine infusions.", "open-label-trial",
     ["general-tolerability"]),
    ("With small samples, rare but serious adverse events may have gone unreported.",
     "narrative-review", []),
    # twins: a hedge with no finding, a finding with no hedge
    ("Ketamine may be useful; its long-term safety needs study.", "systematic-review", []),
    ("No serious adverse events were reported.", "narrative-review", ["serious-adverse-events"]),
]  # fmt: skip


@pytest.mark.parametrize(("abstract", "design", "expected"), HEDGES)
def test_hedges_and_neurocognition(abstract, design, expected):
    assert safety(abstract, design) == expected


@pytest.mark.parametrize(
    ("abstract", "design", "expected"),
    [
        ("The decoction is used for insomnia and irritability.", "preclinical", []),
        ("Melatonin is widely given for insomnia.", "rct", []),
        # twins: insomnia as the harm
        ("Ketamine caused insomnia in two patients.", "rct", ["general-tolerability"]),
        ("Insomnia was the commonest side effect.", "rct", ["general-tolerability"]),
    ],
)
def test_insomnia_as_indication_is_not_a_harm(abstract, design, expected):
    assert safety(abstract, design) == expected


BOTH_FORMS = "Racemic ketamine and esketamine for depression: a meta-analysis"


@pytest.mark.parametrize(
    ("title", "abstract", "design", "expected"),
    [
        # a review's "trials of X or Y": the drugs reviewed
        (BOTH_FORMS, "We pooled randomized trials of racemic ketamine or esketamine in "
         "depression.", "meta-analysis", []),
        # twins: the review's pooled comparison, a trial's randomised arms
        (BOTH_FORMS, "Pooled response was higher with intravenous ketamine than with intranasal "
         "esketamine.", "meta-analysis", ["active-drug"]),
        ("Racemic ketamine versus esketamine for depression", "Patients were randomized to "
         "racemic ketamine or esketamine.", "rct", ["active-drug"]),
    ],
)  # fmt: skip
def test_review_scope_of_two_forms(title, abstract, design, expected):
    record = {"title": title, "abstract": abstract}
    found = extract_details(record, RULES, design=design, conditions=("depression",))
    assert found.comparators == expected


@pytest.mark.parametrize(
    ("abstract", "expected"),
    [
        ("One patient died of septic shock on day 29, probably not because of ketamine.", []),
        ("One patient died of sepsis, unrelated to the study drug.", []),
        # twin: a death from the drug
        ("One patient died of a ketamine overdose.", ["serious-adverse-events"]),
    ],
)
def test_a_death_judged_unrelated_is_not_a_harm(abstract, expected):
    assert safety(abstract) == expected
