"""Tagging classes found on unseen real text (issue 12), as our own sentences with near-miss
twins that must not change: design words of chart reviews, quantitative and narrative reviews,
eligible study types, pooled open-label studies; other drugs only beside a target substance;
recreational harms reviews and substance use."""

from pathlib import Path

import pytest

from harvest.errors import ConfigError
from harvest.tagging.taxonomy import load_taxonomy
from tests.tagging_support import edited_taxonomy, tags

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "title, abstract, expected",
    [
        # a "review" of numbered cases or records is a chart review: observational
        ("Ketamine users seen in two emergency departments: a review of 148 cases",
         "Objective: To describe presentations after ketamine use. Methods: Retrospective "
         "review of case notes over four years. Results: Most patients were young men.",
         "observational"),
        ("Esketamine in a university clinic: a 3-year review of 64 patient records",
         "We describe esketamine treatment for treatment-resistant depression at one centre. "
         "Response rates were recorded at one month.", "observational"),
        # twin: a review of the literature stays a narrative review
        ("Ketamine users in the emergency department: a review",
         "This review describes what is known about ketamine toxicity in the emergency "
         "department and how it is managed.", "narrative-review"),
        # a quantitative review pools: a meta-analysis
        ("Memory in ecstasy users: a quantitative review",
         "We used meta-analytic methods to estimate effect sizes across 20 studies of "
         "memory in MDMA users.", "meta-analysis"),
        # twin: a qualitative review is no meta-analysis
        ("Patients' experiences of psilocybin therapy: a review of qualitative studies",
         "This review brings together what patients say about psilocybin therapy for "
         "depression.", "narrative-review"),
        # a narrative review with a qualifier, even after a database search
        ("Esketamine for depression: a narrative clinical review",
         "We searched the main databases for papers on esketamine and depression and answer "
         "common questions with the evidence.", "narrative-review"),
        ("Ketamine for suicidal ideation: a non-systematic literature review",
         "We searched PubMed for trials of ketamine for suicidal ideation.", "narrative-review"),
        # twin: a systematic review that searched databases stays one
        ("Esketamine for depression: a systematic review",
         "We searched PubMed and Embase; eleven studies met the inclusion criteria.",
         "systematic-review"),
        # meta-analyses as study types a systematic review took in are not its own pooling
        ("Intranasal esketamine with an SSRI in resistant depression: a systematic review",
         "Following PRISMA we searched PubMed. Eligible were randomised controlled trials and "
         "meta-analyses in English reporting depressive symptoms. Four trials met the criteria.",
         "systematic-review"),
        # twin: a review that pools is a meta-analysis
        ("Intranasal esketamine in resistant depression: a systematic review and meta-analysis",
         "We searched PubMed and pooled the standardised mean differences of four trials "
         "with a random-effects model.", "meta-analysis"),
        # trial data pooled from open-label studies: an open-label trial analysis
        ("Anhedonia over a year of ketamine: a pooled analysis of open-label studies",
         "We analysed data of three open-label extension studies in which adults with "
         "depression received repeated ketamine infusions.", "open-label-trial"),
        # twin: pooled randomised trials stay rct
        ("Dissociation and response: a pooled analysis of randomized esketamine trials",
         "Data were pooled from three randomized double-blind trials of esketamine nasal "
         "spray in adults with treatment-resistant depression.", "rct"),
    ],
)  # fmt: skip
def test_design_words_of_unseen_text(taxonomy, title, abstract, expected):
    assert tags(taxonomy, title, abstract).design == expected


@pytest.mark.parametrize(
    "title, abstract, expected",
    [
        # no target substance studied: the other antidepressant is the study drug, not "another"
        ("Trazodone once a day and quality of life in major depressive disorder",
         "Methods: Adults with major depressive disorder were prescribed trazodone or an SSRI "
         "for eight weeks. Results: Quality of life improved in both groups.", ()),
        # twin: the same drug beside esketamine is another drug
        ("Esketamine nasal spray with trazodone in treatment-resistant depression",
         "Methods: Adults with treatment-resistant depression received esketamine nasal spray "
         "with trazodone for eight weeks. Results: Depression scores fell.",
         ("ketamine", "esketamine", "other-drug")),
        # analgesics and sedatives given with or against ketamine are other drugs
        ("Intranasal ketamine versus fentanyl for pain in children with fractures",
         "Methods: Children with limb fractures were randomised to intranasal ketamine or "
         "intranasal fentanyl. Results: Pain scores fell in both groups.",
         ("ketamine", "other-drug")),
        ("Ketamine with morphine after trauma: a randomised trial",
         "Methods: Injured adults received morphine plus ketamine or morphine plus saline. "
         "Results: Opioid use was lower with ketamine.", ("ketamine", "other-drug")),
        ("Ketamine for agitation after failed droperidol sedation",
         "Methods: Patients not sedated by droperidol or lorazepam were given intramuscular "
         "ketamine. Results: Most were sedated within 20 minutes.", ("ketamine", "other-drug")),
        # twin: midazolam as the active placebo is not another drug (the guide)
        ("Ketamine versus midazolam for suicidal ideation: a randomised trial",
         "Methods: Depressed adults with suicidal ideation were randomised to ketamine or the "
         "active placebo midazolam. Results: Suicidal ideation fell more with ketamine.",
         ("ketamine",)),
        ("Ketamine or midazolam infusion for chronic PTSD",
         "Adults with chronic PTSD were randomised to one infusion of ketamine or midazolam; "
         "PTSD symptoms fell more after ketamine.", ("ketamine",)),
        # twin: midazolam given with ketamine for sedation or premedication is another drug
        ("Oral ketamine with midazolam as premedication in children",
         "Children having day-case surgery were randomised to oral midazolam alone or "
         "midazolam with ketamine before induction; sedation at separation was better with "
         "the combination.", ("ketamine", "other-drug")),
        ("Ketamine and atropine for sedation in children: a randomised trial",
         "Children having painful procedures received intravenous ketamine with atropine or "
         "ketamine alone; hypersalivation was less with atropine.", ("ketamine", "other-drug")),
    ],
)  # fmt: skip
def test_other_drugs_are_those_beside_a_target_substance(taxonomy, title, abstract, expected):
    assert tags(taxonomy, title, abstract).modalities == expected


def test_a_missing_beside_target_tag_is_a_config_error(tmp_path):
    path = edited_taxonomy(tmp_path, "beside_target: [other-drug]", "beside_target: [other-drugs]")
    with pytest.raises(ConfigError, match=r"roles\.beside_target names 'other-drugs'"):
        load_taxonomy(path)


@pytest.mark.parametrize(
    "title, abstract, expected",
    [
        # harms of recreational use with no use disorder named: no condition (the guide's
        # substance-use is a use disorder targeted)
        ("Seizures and hyponatraemia after ecstasy ingestion: a case series",
         "Methods: Poison centre enquiries about MDMA were screened. Results: Twelve young "
         "people had seizures and low serum sodium after taking ecstasy at parties.", ()),
        ("Liver injury after recreational MDMA: a review",
         "This review describes how MDMA taken at dance parties damages the liver and how the "
         "injury is managed.", ()),
        # twins: the people studied have a use disorder ("abusers", "dependence")
        ("Ecstasy abusers presenting to emergency departments: a review of 96 cases",
         "Methods: Retrospective review of case notes. Results: Most ecstasy abusers had "
         "agitation and tachycardia.", ("substance-use",)),
        ("Bladder symptoms in hallucinogen abusers attending a urology clinic",
         "We describe lower urinary tract symptoms in 40 hallucinogen abusers seen over two "
         "years.", ("substance-use",)),
    ],
)  # fmt: skip
def test_recreational_harms_name_no_condition_unless_a_use_disorder(
    taxonomy, title, abstract, expected
):
    found = tags(taxonomy, title, abstract)
    assert found.conditions == expected
    assert found.on_topic == 0


@pytest.mark.parametrize(
    "title, abstract, expected",
    [
        # a review's background lists the field's other uses: not what the review is about
        ("Long-term safety of esketamine in depression",
         "Esketamine nasal spray was approved for treatment-resistant depression and is also "
         "being studied in PTSD and anxiety disorders. This review covers what is known about "
         "its long-term safety in depression.", ("depression",)),
        ("Psilocybin for alcohol use disorder: a review",
         "Psychedelics have more evidence in depression and post-traumatic stress disorder "
         "than in addiction. This review describes trials of psilocybin for alcohol use "
         "disorder.", ("substance-use",)),
        # twin: a narrower form named in the review's own sentences is kept
        ("Esketamine in depression: a review of biomarkers",
         "This review summarises biomarker studies of esketamine. Most enrolled patients with "
         "treatment-resistant depression, and response went with higher BDNF levels.",
         ("depression", "treatment-resistant-depression")),
        # twin: a condition in the review's own statement of scope is part of its aim
        ("Ketamine for treatment-resistant depression: current evidence",
         "We review the trials of ketamine in treatment-resistant depression, including its "
         "effects on suicidal ideation.",
         ("depression", "treatment-resistant-depression", "suicidality")),
        # twin: a review naming no condition in its title or aim keeps what its text names
        ("Ketamine: a review of mechanisms",
         "This review describes how ketamine acts on glutamate signalling and how that may "
         "relieve depression and suicidal ideation.", ("depression", "suicidality")),
    ],
)  # fmt: skip
def test_a_reviews_conditions_are_those_of_its_title_and_aim(taxonomy, title, abstract, expected):
    found = tags(taxonomy, title, abstract)
    assert found.design == "narrative-review"
    assert found.conditions == expected


@pytest.mark.parametrize(
    "title, abstract, expected",
    [
        # a review's list of treatments, or a call for integration, delivers no psychotherapy
        ("Neuroplasticity and depression: a review",
         "This review explains how effective treatments for depression, among them "
         "antidepressants, ketamine and psychotherapy, may act on neuroplasticity.",
         ("ketamine",)),
        ("Psilocybin in psychiatry: an overview",
         "This review describes psilocybin trials in depression. Wider access will need "
         "better integration with psychotherapy.", ("psilocybin",)),
        # a commentary on "psilocybin therapy" names no therapy given with the substance
        ("Doubts about brain-network findings with psilocybin in depression",
         "This commentary questions whether psilocybin therapy changes brain networks in "
         "depressed patients.", ("psilocybin",)),
        # twins: a review of the assisted therapy, named with the substance or in the title
        ("MDMA for PTSD: a review",
         "This review describes trials of MDMA-assisted psychotherapy for PTSD and their "
         "effect sizes.", ("mdma", "psychotherapy")),
        ("Ketamine-assisted psychotherapy for depression: a review",
         "This review describes how ketamine is combined with talking therapy.",
         ("ketamine", "psychotherapy")),
    ],
)  # fmt: skip
def test_a_review_delivers_psychotherapy_only_with_the_substance(
    taxonomy, title, abstract, expected
):
    assert tags(taxonomy, title, abstract).modalities == expected


def test_psychedelic_therapy_alone_is_no_psychotherapy(taxonomy):
    """A trial of "psychedelic therapy" names the drug treatment; its psychological support is
    tagged when the text says so."""
    bare = tags(taxonomy, "Psychedelic therapy with psilocybin for depression: an open-label "
                "trial", "Adults with depression received psilocybin 25 mg orally in an "
                "open-label trial; depression scores fell.")  # fmt: skip
    assert bare.modalities == ("psilocybin",)
    supported = tags(taxonomy, "Psychedelic therapy with psilocybin for depression: an "
                     "open-label trial", "Adults with depression received psilocybin 25 mg "
                     "orally with psychological support; depression scores fell.")  # fmt: skip
    assert supported.modalities == ("psilocybin", "psychotherapy")


@pytest.mark.parametrize(
    "abstract, expected",
    [
        # an analgesic measured as an outcome is no arm of the study
        ("Adults having abdominal surgery were randomised to ketamine or saline; cumulative "
         "morphine consumption over 24 hours was lower with ketamine.", ("ketamine",)),
        ("Ketamine was opioid-sparing: opioid requirements fell after surgery.", ("ketamine",)),
        # twin: the analgesic given with ketamine is another drug
        ("Adults having abdominal surgery were randomised to ketamine plus morphine or "
         "morphine alone for pain.", ("ketamine", "other-drug")),
    ],
)  # fmt: skip
def test_an_analgesic_measured_as_an_outcome_is_no_other_drug(taxonomy, abstract, expected):
    assert tags(taxonomy, "Ketamine after abdominal surgery", abstract).modalities == expected


@pytest.mark.parametrize(
    "line, key",
    [
        ("reviewed_therapy_words: [assisted]", "reviewed_therapy_words"),
        ("active_placebos: [midazolam, niacin, methylphenidate, diphenhydramine]",
         "active_placebos"),
    ],
)  # fmt: skip
def test_an_empty_word_list_of_the_roles_is_a_config_error(tmp_path, line, key):
    path = edited_taxonomy(tmp_path, line, f"{key}: []")
    with pytest.raises(ConfigError, match=rf"roles\.{key} must be a non-empty list of words"):
        load_taxonomy(path)


@pytest.mark.parametrize(
    "title, abstract, expected",
    [
        # the street names and ingestion: recreational use and its harms
        ("Acute hepatitis after ecstasy ingestion",
         "We describe a young man who developed hepatitis after taking ecstasy at a party; "
         "he recovered with supportive care.", 0),
        ("Psychiatric complications of ecstasy: eleven cases",
         "Eleven patients were seen with depression, panic attacks or psychosis after "
         "repeated ecstasy use.", 0),
        ("Adverse experiences needing emergency medical treatment after magic mushroom use",
         "In an online survey, 1% of people who had used magic mushrooms sought emergency "
         "medical treatment, mostly for anxiety and panic.", 0),
        # twins: therapy trials that name the street drug or a dose being ingested
        ("MDMA-assisted therapy for severe PTSD: a randomized placebo-controlled trial",
         "MDMA, sold on the street as ecstasy, is being studied as an aid to psychotherapy. "
         "Adults with severe PTSD were randomized to MDMA or placebo in three sessions with "
         "therapy; PTSD symptoms fell more with MDMA.", 1),
        ("Psilocybin for treatment-resistant depression: a randomised trial",
         "Adults with treatment-resistant depression were randomised to psilocybin 25 mg or "
         "1 mg; participants ingested the capsule with psychological support. Depression "
         "scores fell more with 25 mg.", 1),
    ],
)  # fmt: skip
def test_street_names_and_ingestion_are_recreational_use(taxonomy, title, abstract, expected):
    assert tags(taxonomy, title, abstract).on_topic == expected


@pytest.mark.parametrize(
    "title, abstract, expected",
    [
        ("A scientometric analysis of research on ketamine for depression",
         "We retrieved 2,400 papers from the Web of Science Core Collection; keyword and "
         "co-citation analyses showed treatment-resistant depression as a hotspot.", 0),
        ("Co-citation analysis of psilocybin research in depression, 2000-2024",
         "Publications were retrieved from Scopus and mapped by country and keyword.", 0),
        # twin: a review of the same field is evidence
        ("Ketamine for depression: a review of recent research",
         "This review summarises trials of ketamine for depression since 2000.", 1),
    ],
)  # fmt: skip
def test_scientometric_analyses_are_not_evidence(taxonomy, title, abstract, expected):
    assert tags(taxonomy, title, abstract).on_topic == expected


@pytest.mark.parametrize(
    "title, abstract, expected",
    [
        # a design paper of a trial still running is a protocol
        ("Ketamine infusions for PTSD in veterans: methods of a randomized controlled trial",
         "We describe the design and methods of a multisite trial. Participants will be "
         "randomized to ketamine or placebo twice a week for four weeks.", "protocol"),
        ("Psilocybin for anorexia nervosa: design of a randomised placebo-controlled trial",
         "This ongoing trial will enrol 60 women; the primary outcome will be weight gain.",
         "protocol"),
        # twin: the completed trial's report is the trial
        ("Ketamine infusions for PTSD in veterans: a randomized controlled trial",
         "Veterans were randomized to ketamine or placebo twice a week for four weeks; PTSD "
         "symptoms fell in both groups.", "rct"),
        # a pooled estimate across studies, Cochrane style, is a meta-analysis
        ("Ketamine for bipolar depression",
         "We searched MEDLINE, Embase and PsycINFO for randomised trials. Ten studies were "
         "included. Against placebo, ketamine gave more responders across two studies with 33 "
         "participants (odds ratio 11.6, 95% CI 1.3 to 108).", "meta-analysis"),
        # twin: a narrative synthesis across trials is a systematic review
        ("Ketamine for bipolar depression",
         "We searched MEDLINE, Embase and PsycINFO for randomised trials. Ten studies were "
         "included. Across three trials, ketamine improved depression within a day.",
         "systematic-review"),
    ],
)  # fmt: skip
def test_design_papers_and_cochrane_estimates(taxonomy, title, abstract, expected):
    assert tags(taxonomy, title, abstract).design == expected


def test_antidepressant_resistant_ptsd_is_not_resistant_depression(taxonomy):
    text = "Adults with antidepressant-resistant {} received ketamine infusions."
    ptsd = tags(taxonomy, "Ketamine for antidepressant-resistant PTSD", text.format("PTSD"))
    assert ptsd.conditions == ("ptsd", "psychological-trauma")
    depression = text.format("depression")
    trd = tags(taxonomy, "Ketamine for antidepressant-resistant depression", depression)
    assert trd.conditions == ("depression", "treatment-resistant-depression")


@pytest.mark.parametrize(
    "sentence, expected",
    [
        # an age range names every age group it reaches into
        ("We found 17 patients aged 15 to 26 years.", ("adults", "adolescents")),
        ("Patients were 13 to 60 years old (median 22).", ("adults", "adolescents")),
        ("Children aged 2 to 15 years needing a painful procedure were enrolled.",
         ("adolescents", "children")),
        # a single case's age
        ("A 15-year-old boy developed kidney injury after taking mushrooms.", ("adolescents",)),
        ("A 32-year-old woman was admitted with hyponatraemia.", ("adults",)),
        # twins: ranges inside one group, and ages that are not a person's
        ("Children aged 2 to 9 years were sedated with ketamine.", ("children",)),
        ("The 2- to 30-day course was given to every participant.", ()),
        ("Follow-up lasted 2 to 30 days after the infusion.", ()),
    ],
)  # fmt: skip
def test_age_ranges_and_ages_name_their_age_groups(taxonomy, sentence, expected):
    found = tags(taxonomy, "Ketamine in the emergency department", sentence)
    assert found.populations == expected


@pytest.mark.parametrize(
    "abstract, expected",
    [
        # "physically healthy adults with MDD" are patients: their outcomes are conditions
        ("We searched for trials of psilocybin in physically healthy adults with major "
         "depressive disorder. Psilocybin improved anxiety and suicidal ideation.",
         ("depression", "anxiety", "suicidality")),
        ("Medically healthy adults with major depressive disorder received psilocybin; "
         "anxiety improved too.", ("depression", "anxiety")),
        # twin: healthy volunteers' acute effects are no condition studied (the title's stays)
        ("Healthy volunteers received psilocybin; anxiety rose during the session.",
         ("depression",)),
    ],
)  # fmt: skip
def test_healthy_adults_with_a_diagnosis_are_patients(taxonomy, abstract, expected):
    found = tags(taxonomy, "Psilocybin for major depressive disorder", abstract)
    assert found.conditions == expected


@pytest.mark.parametrize(
    "title, abstract, conditions, modalities",
    [
        # a procedure's fear in children sedated for it is no anxiety studied, and midazolam
        # given with ketamine there is another drug
        ("Intranasal ketamine and midazolam for uncooperative dental patients",
         "Children aged 3 to 6 years with high dental anxiety were randomised to intranasal or "
         "oral midazolam plus ketamine for sedation.", (), ("ketamine", "other-drug")),
        ("Ketamine sedation for painless procedures in children",
         "Procedural anxiety and crying were recorded during sedation with ketamine.", (),
         ("ketamine",)),
        # twin: an anxiety disorder treated is anxiety, and midazolam is its active placebo
        ("Ketamine for social anxiety disorder: a randomised trial",
         "Adults with social anxiety disorder were randomised to ketamine or midazolam; "
         "anxiety scores fell more with ketamine.", ("anxiety",), ("ketamine",)),
    ],
)  # fmt: skip
def test_procedural_fear_is_no_anxiety_studied(taxonomy, title, abstract, conditions, modalities):
    found = tags(taxonomy, title, abstract)
    assert (found.conditions, found.modalities) == (conditions, modalities)


@pytest.mark.parametrize(
    "title, abstract, expected",
    [
        # a title that calls the study observational decides over 'open-label'
        ("Trazodone and quality of life in depression: a prospective, observational study",
         "In this 8-week prospective, observational, open-label, multicentre study, adults "
         "with depression were prescribed trazodone or an SSRI.", "observational"),
        # patients treated in routine care at a clinic: observational
        ("Childhood maltreatment and response to intravenous ketamine",
         "We looked at patients with treatment-resistant depression treated with intravenous "
         "ketamine in a community outpatient clinic; 115 had one infusion.", "observational"),
        # twins: an open-label trial that gives the drug stays a trial
        ("Repeated ketamine infusions for depression",
         "In this open-label trial, 24 adults with treatment-resistant depression received "
         "six ketamine infusions over two weeks.", "open-label-trial"),
        ("Ketamine for depression in the clinic",
         "Patients who were treated in a randomised trial at our clinic received ketamine or "
         "midazolam.", "rct"),
    ],
)  # fmt: skip
def test_routine_care_and_observational_titles(taxonomy, title, abstract, expected):
    assert tags(taxonomy, title, abstract).design == expected


@pytest.mark.parametrize(
    "abstract, expected",
    [
        # the anaesthetic's effect on the depression ECT treats, as the efficacy measure
        ("We compared six anaesthetic agents, ketamine among them, used for ECT in depressive "
         "disorders. Efficacy was judged from depression scores after six ECT sessions.", 1),
        # twin: the anaesthetic's seizure and recovery effects are the ECT anaesthetic itself
        ("We compared six anaesthetic agents, ketamine among them, used for ECT in depressive "
         "disorders. Efficacy was judged from seizure duration and recovery time.", 0),
    ],
)  # fmt: skip
def test_an_efficacy_measure_is_the_primary_outcome(taxonomy, abstract, expected):
    title = "Anaesthetic agents for electroconvulsive therapy in major depression: a meta-analysis"
    assert tags(taxonomy, title, abstract).on_topic == expected


@pytest.mark.parametrize(
    "abstract, expected",
    [
        # an abstract that calls itself a case series of a few patients: a case report
        ("Methods: Retrospective case series. Results: We found 17 patients aged 15 to 26 "
         "with low sodium after ecstasy.", "case-report"),
        # twin: a case series of many patients is observational (the guide's small series)
        ("Methods: Retrospective case series. Results: We found 140 patients aged 15 to 26 "
         "with low sodium after ecstasy.", "observational"),
        # twin: a retrospective review without the words stays observational
        ("Methods: Retrospective review of poison centre records. Results: We found 17 "
         "patients aged 15 to 26 with low sodium after ecstasy.", "observational"),
    ],
)  # fmt: skip
def test_a_small_case_series_named_in_the_abstract(taxonomy, abstract, expected):
    assert tags(taxonomy, "Hyponatraemia after ecstasy", abstract).design == expected


@pytest.mark.parametrize(
    "title, abstract, expected",
    [
        # ketamine given for analgesia or at surgery, the target condition only a secondary
        # outcome: the guide's anaesthesia and analgesia
        ("Perioperative ketamine and postoperative depression in fracture surgery",
         "Patients having surgery for fractures received ketamine or saline at induction; "
         "pain and opioid use were recorded, and depression scores at one month were a "
         "secondary outcome.", 0),
        ("Ketamine analgesia in injured adults and later PTSD",
         "Injured adults received ketamine for analgesia in the ambulance; PTSD symptoms at "
         "three months were measured as a secondary outcome.", 0),
        # twins: the target condition is the primary outcome, or named with no such ranking
        ("Perioperative ketamine and postoperative depression in fracture surgery",
         "Patients having surgery for fractures received ketamine or saline at induction; "
         "the primary outcome was depression at one month, which was lower with ketamine.", 1),
        ("Intraoperative esketamine for postpartum depression after caesarean delivery",
         "Women having caesarean delivery received esketamine or saline; postpartum "
         "depression at 42 days was lower with esketamine.", 1),
    ],
)  # fmt: skip
def test_a_target_only_as_a_secondary_outcome_of_analgesia(taxonomy, title, abstract, expected):
    assert tags(taxonomy, title, abstract).on_topic == expected


@pytest.mark.parametrize(
    "title, abstract, expected",
    [
        # "differences in response to" a drug is no letter in response to a paper
        ("Sex differences in response to esketamine: a post hoc analysis of a phase 3 trial",
         "Data from a trial in which adults with treatment-resistant depression were assigned "
         "to esketamine or placebo nasal spray were reanalysed by sex.", "rct"),
        # twin: a letter that opens "In response to" is a commentary
        ("Ketamine for depression",
         "In response to the recent trial by Smith and colleagues, we question its choice of "
         "placebo.", "commentary"),
        # a systematic review "without meta-analysis" pools nothing
        ("Ketamine for suicidal ideation: a systematic review without meta-analysis",
         "We searched five databases; eleven studies met the inclusion criteria and were "
         "synthesised narratively.", "systematic-review"),
        # twin: with one, it does
        ("Ketamine for suicidal ideation: a systematic review with meta-analysis",
         "We searched five databases; eleven studies met the inclusion criteria and were "
         "pooled with a random-effects model.", "meta-analysis"),
    ],
)  # fmt: skip
def test_response_to_a_drug_and_reviews_without_pooling(taxonomy, title, abstract, expected):
    assert tags(taxonomy, title, abstract).design == expected


TRD_TRIAL = "Intravenous ketamine for treatment-resistant depression: an open-label trial"
TRD = ("depression", "treatment-resistant-depression")


@pytest.mark.parametrize(
    "sentence, expected",
    [
        # a baseline condition as a predictor of response is a covariate
        ("Baseline anxiety did not predict response.", TRD),
        ("Comorbid PTSD predicted a better response.", TRD),
        # a harm that did not appear is a safety outcome, not a condition studied
        ("Suicidal ideation did not worsen in any patient.", TRD),
        ("Anxiety was not worsened by the infusions.", TRD),
        # twins: outcomes the study reports on are conditions
        ("Suicidal ideation scores fell as well.", (*TRD, "suicidality")),
        ("Anxiety scores on the HAM-A fell too.", (*TRD, "anxiety")),
    ],
)  # fmt: skip
def test_predictors_and_harms_that_did_not_appear(taxonomy, sentence, expected):
    abstract = f"Thirty adults with TRD received six infusions. Depression scores fell. {sentence}"
    assert tags(taxonomy, TRD_TRIAL, abstract).conditions == expected


@pytest.mark.parametrize(
    "title, abstract, expected",
    [
        # a review of recreational harms: use itself is the exposure, not a use disorder
        ("The neuropsychology of ecstasy use: a review",
         "This review describes memory deficits in MDMA users and how recreational use at "
         "parties may damage serotonin neurons.", ()),
        # twin: the review names a use disorder
        ("Ecstasy abuse and dependence: a review",
         "This review describes MDMA dependence in heavy users and its treatment.",
         ("substance-use",)),
        # twin: a primary study of users keeps the use-survey rule
        ("Ecstasy use among festival-goers: an online survey",
         "In an online survey, 900 festival-goers reported their ecstasy use in the past year.",
         ("substance-use",)),
    ],
)  # fmt: skip
def test_a_harms_review_names_substance_use_only_as_a_disorder(taxonomy, title, abstract, expected):
    assert tags(taxonomy, title, abstract).conditions == expected


@pytest.mark.parametrize(
    "sentence, expected",
    [
        # adverse events named by their abbreviation: a harm, not a condition studied
        ("AEs of special interest were suicidality, psychosis and mania.", ()),
        ("TEAEs included anxiety and headache.", ()),
        # twin: a condition the review reports as an outcome
        ("Psilocybin reduced anxiety scores across the included trials.", ("anxiety",)),
    ],
)  # fmt: skip
def test_adverse_event_abbreviations_name_harms(taxonomy, sentence, expected):
    abstract = f"This review covers trials of high-dose psilocybin in adults. {sentence}"
    assert tags(taxonomy, "Adverse events of psilocybin: a review", abstract).conditions == expected
