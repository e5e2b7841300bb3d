"""Tagging classes found on the session-6 unseen real records (t460+, issue 12), written as our
own sentences, each with near-miss twins that must not change: an association question is no
ketamine-associated harm, labels real abstracts use, injuries an emergency department treats,
reviews of another indication, animal work named in a human study, conditions used as
covariates, mediators or baseline predictors, and harms felt during a dosing session."""

from pathlib import Path

import pytest

from harvest.tagging.tag import tag_record
from tests.tagging_support import record, tags

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    "title, abstract, conditions, on_topic",
    [
        # "Is ketamine associated with ...": an association studied, not a harm of use
        ("Is early ketamine associated with fewer PTSD diagnoses after combat injury?",
         "Methods: We reviewed the records of 300 injured service members given ketamine or "
         "opioids. Results: PTSD was diagnosed less often after ketamine.",
         ("ptsd", "psychological-trauma", "physical-injury"), 1),
        ("Esketamine associated with lower suicidal ideation in adolescents with depression",
         "Methods: A cohort of 90 depressed adolescents received esketamine. Results: "
         "Suicidal ideation scores fell by half.", ("depression", "suicidality"), 1),
        # twin: a ketamine-associated harm of recreational use stays recreational
        ("Ketamine-associated cystitis in young recreational users",
         "Methods: We describe 40 young adults who used street ketamine every week. Results: "
         "Most had bladder pain and frequency.", ("substance-use",), 0),
    ],
)  # fmt: skip
def test_an_association_question_is_no_harm_of_use(taxonomy, title, abstract, conditions, on_topic):
    found = tags(taxonomy, title, abstract)
    assert (found.conditions, found.on_topic) == (conditions, on_topic)


@pytest.mark.parametrize(
    "abstract, conditions",
    [
        # "Materials and Methods:" and "Research Question:" are the study's own sections: the
        # methods sentences before an aim cue are not background
        ("Introduction: Ketamine is given for analgesia after injury. Materials and Methods: "
         "Records of 200 injured adults were reviewed. PTSD diagnoses were taken from the "
         "registry. We compared PTSD between patients given ketamine and those given opioids.",
         ("ptsd", "psychological-trauma", "physical-injury")),
        ("Research Question: Does ketamine ease depression in the intensive care unit? "
         "Study Design and Methods: Charts of 30 patients were reviewed. Anxiety scores "
         "were recorded daily. We compared mood before and after ketamine.",
         ("depression", "anxiety")),
        # twin: a real background sentence before the aim stays background
        ("Background: Anxiety is common in intensive care. Methods: Charts of 30 patients "
         "with depression given ketamine were reviewed.", ("depression",)),
    ],
)  # fmt: skip
def test_labels_real_abstracts_use(taxonomy, abstract, conditions):
    assert tags(taxonomy, "Ketamine in hospital", abstract).conditions == conditions


@pytest.mark.parametrize(
    "title, conditions",
    [
        ("Intranasal ketamine for children having laceration repair", ("physical-injury",)),
        ("Ketamine sedation for shoulder dislocations in the emergency department",
         ("physical-injury",)),
        ("Psilocybin and persisting symptoms after sports concussions", ("physical-injury",)),
        ("Ketamine sedation after head injuries in older adults", ("physical-injury",)),
        # twins: a moral injury is psychological; self-injury is no physical injury
        ("Ketamine for moral injury in veterans", ("psychological-trauma",)),
        ("Ketamine and non-suicidal self-injury in adolescents", ("suicidality",)),
    ],
)  # fmt: skip
def test_injuries_an_emergency_department_treats(taxonomy, title, conditions):
    assert tags(taxonomy, title, "").conditions == conditions


@pytest.mark.parametrize(
    "title, abstract, design",
    [
        # a systematic review that says it meta-analysed, in its own sentence, pools
        ("Subjective effects and outcome of ketamine and psilocybin",
         "We carried out a systematic review and meta-analysis of how dissociation relates to "
         "outcome after ketamine in depression. Twenty studies were included.", "meta-analysis"),
        ("Esketamine and suicidal ideation",
         "This systematic review and meta-analysis covers eight trials of esketamine in "
         "depressed adults with suicidal ideation.", "meta-analysis"),
        # twins: no pooling was possible, or meta-analyses were only the studies searched for
        ("Esketamine and suicidal ideation",
         "We carried out a systematic review; a meta-analysis was not possible because the "
         "eight trials differed too much.", "systematic-review"),
        ("Esketamine and suicidal ideation",
         "In this systematic review, trials and meta-analyses published since 2010 were "
         "searched for in PubMed.", "systematic-review"),
    ],
)  # fmt: skip
def test_a_systematic_review_that_meta_analysed(taxonomy, title, abstract, design):
    assert tags(taxonomy, title, abstract).design == design


@pytest.mark.parametrize(
    "abstract, human, design",
    [
        # cultured cells are in-vitro work
        ("Methods: BV-2 microglia were stimulated with lipopolysaccharide and treated with "
         "esketamine. Results: Cytokine release fell.", 0, "preclinical"),
        ("Methods: SH-SY5Y cells were exposed to ketamine for 24 hours. Results: Neurite "
         "growth increased.", 0, "preclinical"),
        # twin: microglial activation measured in patients is a human study
        ("Methods: Twenty patients with depression had PET scans of microglial activation "
         "before and after one ketamine infusion. Results: Binding fell after ketamine.", 1,
         "open-label-trial"),
    ],
)  # fmt: skip
def test_cultured_cells_are_in_vitro_work(taxonomy, abstract, human, design):
    found = tags(taxonomy, "Esketamine and inflammation", abstract)
    assert (found.human, found.design) == (human, design)


@pytest.mark.parametrize(
    "title, abstract, conditions",
    [
        # a review of another indication: the catalog's conditions are its background
        ("Psychedelics for obsessive-compulsive disorder: a review",
         "Psychedelics are studied for depression, PTSD and substance use disorders. Small "
         "trials suggest psilocybin may also ease OCD. This review weighs that evidence.", ()),
        ("Psilocybin for anorexia nervosa: promise and pitfalls",
         "Psilocybin has eased depression and anxiety in trials. This review asks whether it "
         "can help anorexia nervosa.", ()),
        # twins: a review of a catalog condition keeps it; a review naming both keeps both
        ("Psychedelics for depression: a review",
         "Psychedelics are studied for depression. This review weighs that evidence.",
         ("depression",)),
        ("Psilocybin for depression with comorbid obsessive-compulsive disorder: a review",
         "This review weighs trials of psilocybin for depression.", ("depression",)),
    ],
)  # fmt: skip
def test_a_review_of_another_indication(taxonomy, title, abstract, conditions):
    assert tags(taxonomy, title, abstract).conditions == conditions


@pytest.mark.parametrize(
    "title, abstract, populations",
    [
        # a human review citing rodent work has no animal population
        ("MDMA for PTSD: a review",
         "MDMA enhances fear extinction in rats and mice. This review covers the trials in "
         "adults with PTSD.", ("adults",)),
        ("Ketamine's antidepressant action: a systematic review",
         "We searched PubMed for trials in adults with depression; findings in animal models "
         "were summarised as well.", ("adults",)),
        # twins: the title names the animals; a trial with its own rodent experiment keeps them
        ("MDMA and sociability: studies in humans and laboratory animals",
         "MDMA raises sociability in rats and in people. This review compares both.",
         ("animals",)),
        ("Ketamine and reward in adults with depression",
         "Methods: Forty adults with depression were randomised to ketamine or saline, and "
         "rats were given ketamine in a matched experiment.", ("adults", "animals")),
    ],
)  # fmt: skip
def test_animal_work_named_in_a_human_review(taxonomy, title, abstract, populations):
    assert tags(taxonomy, title, abstract).populations == populations


@pytest.mark.parametrize(
    "title, abstract, modalities",
    [
        # no psychological therapy is given to animals
        ("Psilocybin and fear extinction in mice",
         "Mice given psilocybin before extinction training, a model of exposure-based therapy, "
         "froze less.", ("psilocybin",)),
        # "psilocybin therapy" names the drug treatment, not a psychological therapy
        ("Psilocybin therapy and suicidal ideation: a meta-analysis",
         "We pooled six trials of psilocybin in adults with depression.", ("psilocybin",)),
        # twins: psilocybin-assisted therapy and psychological support are delivered therapy
        ("Psilocybin-assisted therapy for depression: an open-label trial",
         "Methods: Twenty adults with depression received psilocybin with psychological "
         "support.", ("psilocybin", "psychotherapy")),
        ("Psilocybin therapy for depression: an open-label trial",
         "Methods: Twenty adults with depression received psilocybin with psychological "
         "support before and after the session.", ("psilocybin", "psychotherapy")),
    ],
)  # fmt: skip
def test_psychotherapy_only_where_delivered(taxonomy, title, abstract, modalities):
    assert tags(taxonomy, title, abstract).modalities == modalities


@pytest.mark.parametrize(
    "title, abstract, design, on_topic",
    [
        # a survey of professionals is observational, whatever the title's review words
        ("Attitudes to psilocybin and MDMA as novel therapies among nurses",
         "Psychedelic-assisted therapy has looked promising for depression. We surveyed 500 "
         "nurses online about their knowledge of it. Most were open to its use.",
         "observational", 1),
        # twin: the same title over a review stays a review
        ("Psilocybin and MDMA as novel therapies for depression",
         "Psychedelic-assisted therapy has looked promising for depression. This review "
         "summarises the trials.", "narrative-review", 1),
        # a title naming psychedelic interventions (no substance) is psychedelic therapy
        ("Psychedelic interventions for late-life depression: a review",
         "This review covers the promise of psychedelic substances for depression in older "
         "adults.", "narrative-review", 1),
        # twin: a review naming no psychedelic at all is not on topic
        ("Novel interventions for late-life depression: a review",
         "This review covers the promise of new antidepressants for depression in older "
         "adults.", "narrative-review", 0),
    ],
)  # fmt: skip
def test_surveys_and_psychedelic_interventions(taxonomy, title, abstract, design, on_topic):
    found = tags(taxonomy, title, abstract)
    assert (found.design, found.on_topic) == (design, on_topic)


TRD_COHORT = (
    "Methods: We reviewed 80 adults with treatment-resistant depression given six ketamine "
    "infusions. Results: Depressive symptoms fell by 40%. "
)


@pytest.mark.parametrize(
    "sentence, conditions",
    [
        # a condition as a predictor, mediator or baseline covariate of response
        ("Baseline anxiety was not associated with response.", ()),
        ("Comorbid PTSD was associated with a poorer response.", ()),
        ("Higher baseline anxiety predicted smaller improvements.", ()),
        ("Improvements were larger in those with lower pre-treatment PTSD severity.", ()),
        ("Reductions in anxiety mediated part of the antidepressant effect.", ()),
        ("Patients with comorbid anxiety responded as well as those without.", ()),
        ("Response did not vary by PTSD status.", ()),
        # ... or a harm felt while the drug acted
        ("Two participants felt anxiety during the infusion.", ()),
        # twins: the condition measured as an outcome stays
        ("Ketamine was associated with lower anxiety at one month.", ("anxiety",)),
        ("Anxiety scores also fell from baseline to week four.", ("anxiety",)),
        ("The reduction from baseline in PTSD symptoms was 12 points.",
         ("ptsd", "psychological-trauma")),
        ("Anxiety fell over the month after the infusions.", ("anxiety",)),
    ],
)  # fmt: skip
def test_conditions_as_predictors_mediators_and_harms(taxonomy, sentence, conditions):
    found = tags(taxonomy, "Ketamine for treatment-resistant depression", TRD_COHORT + sentence)
    others = tuple(
        c for c in found.conditions if c not in ("depression", "treatment-resistant-depression")
    )
    assert others == conditions


@pytest.mark.parametrize(
    "abstract, on_topic",
    [
        # a list of primary outcomes naming a target: the target is primary
        ("Methods: 200 women having caesarean delivery were randomised to esketamine or "
         "saline. The primary outcomes were pain on the NRS and postpartum depression on the "
         "EPDS; secondary outcomes were sedation scores.", 1),
        ("Methods: 200 women having caesarean delivery were randomised to esketamine or "
         "saline. The co-primary endpoints were pain at 24 h and postpartum depression at "
         "six weeks.", 1),
        # twins: a single primary outcome naming pain, the target a secondary one
        ("Methods: 200 women having caesarean delivery were randomised to esketamine or "
         "saline. The primary outcome was pain at 24 h and postpartum depression a secondary "
         "outcome.", 0),
        ("Methods: 200 women having caesarean delivery were randomised to esketamine or "
         "saline. The primary outcome was pain at 24 h; postpartum depression was a secondary "
         "outcome.", 0),
    ],
)  # fmt: skip
def test_a_list_of_primary_outcomes(taxonomy, abstract, on_topic):
    title = "Esketamine for pain and postpartum depression after caesarean section"
    assert tags(taxonomy, title, abstract).on_topic == on_topic


@pytest.mark.parametrize(
    "title, abstract, modalities",
    [
        # drugs compared with or given beside ketamine in emergency and psychiatric care
        ("Intranasal ketamine versus metoclopramide for headache in the emergency department",
         "Methods: Adults with headache were randomised to intranasal ketamine or intravenous "
         "metoclopramide.", ("ketamine", "other-drug")),
        ("Ketamine versus opioids for renal colic: a meta-analysis",
         "We pooled eight randomised trials comparing ketamine with opioids or NSAIDs.",
         ("ketamine", "other-drug")),
        ("Esketamine with clozapine in resistant depression: a case series",
         "Three patients on clozapine received esketamine nasal spray.",
         ("ketamine", "esketamine", "other-drug")),
        # a commentary or reply whose title names the comparison
        ("Esketamine nasal spray versus quetiapine for resistant depression. Reply.", "",
         ("ketamine", "esketamine", "other-drug")),
        # twins: a hormone measured is no drug given; a review's background list is the field
        ("Plasma oxytocin after MDMA in healthy volunteers",
         "Methods: Volunteers received MDMA or placebo and plasma oxytocin was measured.",
         ("mdma",)),
        ("Esketamine for resistant depression: a narrative review",
         "Depression often fails to respond to SSRIs and quetiapine augmentation. This review "
         "covers esketamine.", ("ketamine", "esketamine")),
    ],
)  # fmt: skip
def test_other_drugs_compared_or_given(taxonomy, title, abstract, modalities):
    assert tags(taxonomy, title, abstract).modalities == modalities


def _sectioned(title, sections):
    """A record whose abstract has labelled sections [(label, text), ...]."""
    found = record(title, "")
    found["abstract_sections"] = [
        {"label": label, "category": label, "text": text} for label, text in sections
    ]
    found["abstract"] = " ".join(text for _, text in sections)
    return found


@pytest.mark.parametrize(
    "sections, human, design",
    [
        # inline labels inside a labelled section are split too: the methods are the study's
        ([("BACKGROUND", "MDMA with psychotherapy eases PTSD. OBJECTIVES: To model the MDMA "
                         "effect. METHODS: In mice, fear extinction was measured after MDMA. "
                         "RESULTS: MDMA enhanced extinction.")], 0, "preclinical"),
        # twin: rodent work in a background section before a human trial stays background
        ([("BACKGROUND", "In mice, MDMA enhances fear extinction."),
          ("METHODS", "Forty adults with PTSD were randomised to MDMA or placebo with "
                      "therapy."),
          ("RESULTS", "PTSD symptoms fell more with MDMA.")], 1, "rct"),
    ],
)  # fmt: skip
def test_inline_labels_inside_a_labelled_section(taxonomy, sections, human, design):
    found = tag_record(_sectioned("MDMA and fear extinction", sections), taxonomy)
    assert (found.human, found.design) == (human, design)


@pytest.mark.parametrize(
    "title, abstract, design",
    [
        # treatment given in care, not by the study: observational, whatever the title says
        ("Oral esketamine for resistant depression: a six-week open-label programme",
         "Aims: We report a naturalistic study of the programme. Methods: 185 adults with "
         "resistant depression took oral esketamine twice weekly.", "observational"),
        ("Intranasal esketamine in depression with PTSD",
         "Methods: In this open-label, single-arm, retrospective pilot study, 11 patients "
         "received intranasal esketamine.", "observational"),
        # twins: an open-label trial, even one whose background asks for real-world data
        ("Oral esketamine for resistant depression: a six-week open-label programme",
         "Methods: In this open-label trial, 40 adults with resistant depression took oral "
         "esketamine twice weekly.", "open-label-trial"),
        ("Intranasal esketamine in depression with PTSD",
         "Real-world data are scarce. Methods: In this open-label trial, 20 adults received "
         "intranasal esketamine.", "open-label-trial"),
        # twin: a randomised trial that also reviewed records stays a trial
        ("Ketamine for suicidal ideation",
         "Methods: 60 adults were randomised to ketamine or midazolam; medical records were "
         "reviewed for readmissions.", "rct"),
    ],
)  # fmt: skip
def test_treatment_given_in_care_is_observational(taxonomy, title, abstract, design):
    assert tags(taxonomy, title, abstract).design == design


@pytest.mark.parametrize(
    "title, sentence, conditions",
    [
        # misuse or craving reported as a harm of therapy is no substance-use target
        ("Ketamine infusions for late-life depression",
         "No adverse events of craving or misuse occurred.", ("depression",)),
        # twin: craving measured in an alcohol use disorder trial is its target
        ("Ketamine for alcohol use disorder with depression",
         "Craving for alcohol fell after the infusions.", ("depression", "substance-use")),
    ],
)  # fmt: skip
def test_misuse_as_a_harm_of_therapy(taxonomy, title, sentence, conditions):
    abstract = "Methods: 20 adults received four ketamine infusions. Results: " + sentence
    assert tags(taxonomy, title, abstract).conditions == conditions


@pytest.mark.parametrize(
    "title, conditions, on_topic",
    [
        # "trauma-related pain" given analgesia before hospital is the injury sense
        ("Paramedic ketamine for trauma-related pain: an observational study",
         ("physical-injury", "pain"), 0),
        ("Prehospital ketamine for trauma-related injuries in adults", ("physical-injury",), 0),
        # twin: trauma-related distress is psychological
        ("Ketamine for trauma-related distress in refugees: an open-label trial",
         ("psychological-trauma",), 1),
    ],
)  # fmt: skip
def test_trauma_related_pain_is_an_injury(taxonomy, title, conditions, on_topic):
    found = tags(taxonomy, title, "")
    assert (found.conditions, found.on_topic) == (conditions, on_topic)


@pytest.mark.parametrize(
    "sentence, conditions",
    [
        # an outcome listed beside adverse events is an outcome
        ("Anxiety, suicidal ideation and adverse events were also compared.",
         ("anxiety", "suicidality")),
        ("Secondary outcomes were suicidal ideation and safety.", ("suicidality",)),
        # twins: a harm listed among the adverse events stays a harm
        ("Adverse events included anxiety and nausea.", ()),
        ("No increase in suicidal ideation and no serious adverse events occurred.", ()),
    ],
)  # fmt: skip
def test_an_outcome_listed_beside_adverse_events(taxonomy, sentence, conditions):
    found = tags(taxonomy, "Ketamine for treatment-resistant depression", TRD_COHORT + sentence)
    others = tuple(
        c for c in found.conditions if c not in ("depression", "treatment-resistant-depression")
    )
    assert others == conditions


@pytest.mark.parametrize(
    "title, abstract, conditions, on_topic",
    [
        # anxiety relieved before surgery or during sedation is no anxiety outcome
        ("Oral midazolam or midazolam with ketamine as premedication in children",
         "Methods: Children having surgery were randomised to two premedicants. Results: "
         "Anxiety at separation from parents was lower with the combination.", (), 0),
        ("Intranasal ketamine drops or spray for sedation in dental care",
         "Methods: Anxious children were randomised to drops or atomised ketamine before "
         "dental treatment. Results: Sedation was better with the spray.", (), 0),
        # twins: a perioperative trial for postoperative depression keeps its anxiety outcome;
        # anxiety treated outside surgery stays a target
        ("Intraoperative esketamine for postoperative depression after surgery",
         "Methods: Women having surgery were randomised to esketamine or saline. Results: "
         "Depression and anxiety scores were lower with esketamine.", ("depression", "anxiety"),
         1),
        ("Ketamine for anxiety in palliative care: an open-label trial",
         "Methods: Twenty patients with anxiety received oral ketamine. Results: Anxiety "
         "fell.", ("anxiety",), 1),
    ],
)  # fmt: skip
def test_anxiolysis_before_surgery_is_no_anxiety(taxonomy, title, abstract, conditions, on_topic):
    found = tags(taxonomy, title, abstract)
    assert (found.conditions, found.on_topic) == (conditions, on_topic)


@pytest.mark.parametrize(
    "title, conditions",
    [
        # "procedural sedation and analgesia" names a procedure, not pain studied
        ("Ketamine with propofol for procedural sedation and analgesia in children with "
         "fractures", ("physical-injury",)),
        ("Analgosedation with ketamine in ventilated adults", ()),
        # twin: analgesia as the aim is pain
        ("Intranasal ketamine for analgesia in children with fractures",
         ("physical-injury", "pain")),
    ],
)  # fmt: skip
def test_sedation_and_analgesia_names_a_procedure(taxonomy, title, conditions):
    assert tags(taxonomy, title, "").conditions == conditions


@pytest.mark.parametrize(
    "abstract, design",
    [
        # a trial recommended or awaited is future work, not this study's design
        ("Methods: We reviewed the records of 300 children sedated with ketamine. Results: "
         "Vomiting followed in 9%. Conclusions: A randomised controlled trial of prophylactic "
         "ondansetron is recommended.", "observational"),
        ("Methods: We reviewed the records of 60 adults given esketamine with vortioxetine. "
         "Conclusions: The combination may help, pending randomised trials in larger "
         "samples.", "observational"),
        # twin: the study's own randomisation
        ("Methods: 300 children sedated with ketamine were randomised to ondansetron or "
         "placebo. Results: Vomiting followed in 9%.", "rct"),
    ],
)  # fmt: skip
def test_a_trial_recommended_is_future_work(taxonomy, abstract, design):
    assert tags(taxonomy, "Ketamine and vomiting", abstract).design == design


@pytest.mark.parametrize(
    "title, abstract, on_topic",
    [
        # ketamine for a mood disorder outside the catalog's conditions is mental-health use
        ("Intranasal ketamine in juvenile bipolar disorder: a chart review",
         "Methods: We reviewed the charts of 45 young patients given intranasal ketamine "
         "every few days. Results: Most improved.", 1),
        ("Esketamine in mood disorders: a case report",
         "A patient with a long treatment resistance received esketamine and improved.", 1),
        # twins: ketamine in an anaesthesia setting or for another indication stays off-topic
        ("Ketamine anaesthesia in patients with bipolar disorder having surgery",
         "Methods: We reviewed the charts of 45 patients given ketamine at induction. "
         "Results: Haemodynamics were stable.", 0),
        ("Intranasal ketamine for migraine: a chart review",
         "Methods: We reviewed the charts of 45 patients given intranasal ketamine. Results: "
         "Most improved.", 0),
    ],
)  # fmt: skip
def test_mood_disorders_outside_the_catalog(taxonomy, title, abstract, on_topic):
    assert tags(taxonomy, title, abstract).on_topic == on_topic


@pytest.mark.parametrize(
    "title, conditions",
    [
        # other names of treatment-resistant depression
        ("Esketamine more effective than quetiapine for hard-to-treat depression",
         ("depression", "treatment-resistant-depression")),
        ("Ketamine in refractory major depressive disorder",
         ("depression", "treatment-resistant-depression")),
        # twin: major depression with no resistance named
        ("Ketamine in major depressive disorder", ("depression",)),
    ],
)  # fmt: skip
def test_names_of_treatment_resistant_depression(taxonomy, title, conditions):
    assert tags(taxonomy, title, "").conditions == conditions
