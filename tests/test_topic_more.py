"""On-topic on unseen-style text (issue 12), both directions, as our own sentences: perioperative
trials about recovery with mood among the outcomes, microdosing and naturalistic use,
healthy-volunteer pharmacology, recreational harms, substance-use targets alone, developmental
ketamine exposure; and their on-topic twins (practice and attitudes, safety of therapeutic use,
reviews naming clinical uses broadly, mood in another illness)."""

from pathlib import Path

import pytest

from harvest.errors import ConfigError
from harvest.tagging.tag import tag_record
from harvest.tagging.taxonomy import load_taxonomy
from tests.tagging_support import edited_taxonomy, record

ROOT = Path(__file__).resolve().parents[1]
RECOVERY = "perioperative use (recovery, emergence or sleep; mood among its outcomes)"
EXPOSURE = "developmental or anaesthetic exposure, not a model of therapy"
NO_TARGET = "no target condition studied"


def topic(taxonomy, title, abstract):
    tags = tag_record(record(title, abstract), taxonomy)
    return tags.on_topic, next(p[3] for p in tags.provenance if p[0] == "on_topic")


@pytest.mark.parametrize(
    "title, abstract, expected",
    [
        # recovery, emergence or sleep first; mood one outcome of several; no diagnosis
        ("Intravenous esketamine for postoperative sleep disturbance, anxiety and depression in "
         "elderly patients after surgery: a randomized controlled trial",
         "Methods: Elderly patients undergoing elective surgery under general anesthesia were "
         "randomized to esketamine 0.2 mg/kg or normal saline. Sleep quality, anxiety and "
         "depression were assessed 1, 3 and 7 days after surgery. Results: Esketamine improved "
         "sleep quality and reduced anxiety and depression scores.", (0, RECOVERY)),
        ("Effect of esketamine on emergence delirium, anxiety and sleep after pediatric surgery",
         "Children undergoing adenotonsillectomy were randomized to esketamine or saline. "
         "Emergence delirium, postoperative anxiety and sleep quality were recorded. Esketamine "
         "lowered emergence delirium and anxiety.", (0, RECOVERY)),
        ("Effects of esketamine on postoperative sleep, anxiety and depression in elderly patients",
         "Background: Postoperative sleep disturbance is common in older surgical patients. "
         "Methods: 180 patients aged over 65 undergoing orthopaedic surgery received intravenous "
         "esketamine or placebo. Outcomes: sleep quality, HADS anxiety and depression. Results: "
         "Esketamine improved sleep and reduced anxiety and depression.", (0, RECOVERY)),
        ("Subanesthetic esketamine and early postoperative rehabilitation after total hip "
         "arthroplasty in older patients",
         "Older patients having total hip arthroplasty were randomized to esketamine or saline. "
         "Functional recovery, pain, sleep, anxiety and depression were assessed on days 1 to 3. "
         "Esketamine improved rehabilitation scores and lowered depression scores.",
         (0, "anaesthesia, sedation or analgesia study")),
        # children's separation at induction is pre-operative anxiety (the guide), no condition
        ("Intranasal esketamine before induction reduces separation anxiety and emergence "
         "agitation in children: a randomized controlled trial",
         "Methods: 120 children scheduled for tonsillectomy were randomized to intranasal "
         "esketamine 0.5 mg/kg or saline 30 min before induction. The primary outcome was "
         "separation anxiety at parental separation; secondary outcomes included mask acceptance "
         "and emergence agitation. Results: Separation anxiety was lower with esketamine.",
         (0, NO_TARGET)),
        # anxiety alone around surgery, in children with no anxiety disorder: anxiolysis
        (
            "Preoperative esketamine nasal spray reduces anxiety and emergence agitation in "
            "children: a randomized trial",
            "Methods: Children aged 3 to 8 received esketamine nasal spray or placebo 20 minutes "
            "before anesthesia induction. Anxiety at separation and emergence agitation were "
            "compared. Results: Esketamine reduced anxiety and emergence agitation.",
            (0, "pre-operative anxiolysis or sedation"),
        ),
        (
            "Esketamine for perioperative anxiety in patients with generalized anxiety disorder "
            "undergoing surgery",
            "Patients with generalized anxiety disorder scheduled for surgery were randomized to "
            "esketamine or saline. Anxiety scores on day 1 were lower with esketamine.",
            (1, "ketamine for anxiety"),
        ),
        # twins: depression the lead outcome, the primary outcome, or the patients' diagnosis
        ("Esketamine for postoperative depression and sleep quality after cesarean delivery",
         "Women undergoing cesarean delivery were randomized to esketamine or saline. Postpartum "
         "depression and sleep quality were assessed. Esketamine reduced depression scores.",
         (1, "ketamine for depression")),
        ("Esketamine improves postoperative sleep quality in patients with depression undergoing "
         "surgery",
         "Patients with major depressive disorder scheduled for surgery were randomized to "
         "esketamine or saline. Sleep quality and depression scores improved with esketamine.",
         (1, "ketamine for depression")),
        ("Esketamine for postoperative sleep disturbance and depression after gastrectomy",
         "Patients undergoing gastrectomy were randomized to esketamine or saline. The primary "
         "outcome was the incidence of postoperative depression at day 3; sleep quality was "
         "secondary.", (1, "ketamine for depression")),
        ("Esketamine for the prevention of postoperative depression after cesarean delivery: a "
         "randomized controlled trial",
         "Methods: 300 women undergoing cesarean section were randomized to esketamine or "
         "saline. The primary outcome was postpartum depression at 6 weeks. Secondary outcomes "
         "included pain and sleep.", (1, "ketamine for depression")),
    ],
)  # fmt: skip
def test_perioperative_recovery_trials_and_their_depression_twins(
    taxonomy, title, abstract, expected
):
    assert topic(taxonomy, title, abstract) == expected


@pytest.mark.parametrize(
    "title, abstract, expected",
    [
        ("Motivations and self-reported effects of microdosing psychedelics: an online survey",
         "We surveyed 1,102 adults who reported microdosing psilocybin or LSD. Respondents "
         "microdosed to improve mental health and reported lower anxiety and depression scores.",
         (0, "recreational use or harms")),
        ("Microdosing psilocybin and mood: a naturalistic observational study",
         "Participants who microdosed psilocybin mushrooms on their own were compared with "
         "non-microdosers over 30 days. Microdosers showed small improvements in mood, "
         "depression and anxiety.", (0, NO_TARGET)),
        ("Naturalistic psilocybin use is associated with improvements in well-being",
         "We followed people who planned to use psilocybin outside of a clinical trial. "
         "Participants completed online surveys before and after. Psilocybin use was associated "
         "with increased well-being and reduced depressive symptoms.", (0, NO_TARGET)),
        ("A prospective study of people planning to take psilocybin outside of clinical settings",
         "We surveyed 600 adults before and after planned psilocybin use in ceremonies or at "
         "home. Well-being increased and depression decreased.", (0, NO_TARGET)),
        # twins: a microdosing trial in patients, a clinic's naturalistic outcomes
        ("Microdosing psilocybin for depression: a randomized placebo-controlled trial",
         "Adults with moderate depression were randomized to psilocybin microdoses (1 mg) or "
         "placebo every three days for six weeks. The primary outcome was the change in MADRS.",
         (1, "psilocybin for depression")),
        ("Naturalistic outcomes of ketamine treatment for depression in a community clinic",
         "We analyzed outcomes of 400 patients with depression treated with intravenous ketamine "
         "in routine care. Depression scores fell.", (1, "ketamine for depression")),
    ],
)  # fmt: skip
def test_microdosing_and_naturalistic_use_are_not_therapy(taxonomy, title, abstract, expected):
    assert topic(taxonomy, title, abstract) == expected


@pytest.mark.parametrize(
    "title, abstract, expected",
    [
        ("Psilocybin occasions mystical experiences with lasting personal meaning",
         "We gave psilocybin (30 mg/70 kg) or methylphenidate to 36 volunteers with no history "
         "of hallucinogen use in a double-blind study. Psilocybin produced mystical-type "
         "experiences, and positive changes in mood persisted at 14 months.", (0, NO_TARGET)),
        ("Psilocybin-occasioned mystical experiences and enduring personal meaning",
         "Volunteers without prior hallucinogen experience received psilocybin under supportive "
         "conditions. At 14 months, most attributed positive changes in well-being to it.",
         (0, NO_TARGET)),
        ("Mystical experience and personal meaning after psilocybin in hallucinogen-naïve adults",
         "Hallucinogen-naïve adults received psilocybin in two sessions. Mystical experience "
         "scores were high, and well-being rose at follow-up.", (0, NO_TARGET)),
        ("Empathogenic effects of MDMA in a laboratory study of adult volunteers",
         "Adult volunteers received MDMA 1.5 mg/kg or placebo. MDMA increased self-rated "
         "sociability and emotional empathy and reduced anxiety ratings.", (0, NO_TARGET)),
        ("Acute effects of MDMA on social cognition in volunteers",
         "Volunteers received 75 mg MDMA or placebo in a within-subject design. MDMA increased "
         "feelings of closeness and prosocial responses to social reward.", (0, NO_TARGET)),
        ("The empathogen MDMA increases social connectedness in humans",
         "Twenty-four participants received MDMA (1.5 mg/kg) or placebo in a randomized "
         "crossover design. MDMA increased feelings of connectedness.", (0, NO_TARGET)),
        # twins: patients, therapy, reviews and animal models keep the same words on-topic
        ("Psilocybin for major depressive disorder: mystical experience predicts response",
         "In a randomized clinical trial, 24 adults with major depressive disorder received two "
         "doses of psilocybin with psychological support. Stronger mystical experience predicted "
         "greater reduction in depression.", (1, "psilocybin for depression")),
        ("Psilocybin and well-being in people with cancer",
         "People with advanced cancer received psilocybin with psychological support. Well-being "
         "improved.", (1, "psilocybin in a mental-health context (psychological support)")),
        ("Ketamine and mood in older adults receiving palliative care",
         "Older adults in hospice received oral ketamine; mood improved.",
         (1, "ketamine in a mental-health context (mood)")),
        ("MDMA increases social reward in mice",
         "Mice received MDMA. Social reward and prosocial behaviour increased via oxytocin.",
         (1, "mdma in a mental-health context (social reward)")),
        ("Prosocial effects of MDMA: a review",
         "We review controlled studies of MDMA's prosocial effects in humans and animals.",
         (1, "mdma in a mental-health context (Prosocial)")),
        ("Esketamine in volunteers with treatment-resistant depression",
         "Volunteers with treatment-resistant depression received esketamine nasal spray twice "
         "weekly. Depression improved.", (1, "ketamine for depression")),
    ],
)  # fmt: skip
def test_healthy_volunteer_pharmacology_and_its_twins(taxonomy, title, abstract, expected):
    assert topic(taxonomy, title, abstract) == expected


@pytest.mark.parametrize(
    "title, abstract, expected",
    [
        ("Psilocybin mushroom abuse: clinical features and management",
         "Recreational use of psilocybin-containing mushrooms is increasing among young people. "
         "We describe the clinical picture of intoxication, including anxiety and panic.",
         (0, "recreational use or harms")),
        ("A case of psilocybin-induced psychosis",
         "A 22-year-old woman developed auditory hallucinations and paranoia after ingesting "
         "psilocybin mushrooms. She required admission and antipsychotic treatment.",
         (0, NO_TARGET)),
        ("Ketamine-assisted buprenorphine initiation: a case series",
         "Buprenorphine induction can precipitate withdrawal in patients with opioid use disorder "
         "using fentanyl. We describe five patients given low-dose ketamine during initiation.",
         (0, "primary condition is substance-use")),
        ("Low-dose ketamine to facilitate buprenorphine initiation in fentanyl users",
         "Ten hospitalized patients using fentanyl received a low-dose ketamine infusion during "
         "buprenorphine initiation. Withdrawal scores remained low.",
         (0, "primary condition is substance-use")),
        ("Ketamine for opioid withdrawal in hospitalized patients",
         "Adults with opioid use disorder received ketamine infusions during withdrawal; mood "
         "was also rated.", (0, "primary condition is substance-use")),
        ("Low-dose ketamine infusion in hospital inpatients",
         "METHODS: Inpatients with opioid use disorder received ketamine during withdrawal. "
         "Mood ratings and withdrawal scores were collected.",
         (0, "substance use is the only condition studied")),
        (
            "Prolonged psychosis after psilocybin ingestion",
            "Case presentation: a young woman with depression presented to the emergency "
            "department after consuming mushrooms containing psilocybin and developed paranoid "
            "psychosis lasting three weeks.",
            (0, "recreational use or harms"),
        ),
        (
            "Psilocybin-induced psychotic disorder: a case report",
            "A 30-year-old man with anxiety presented with persistent psychotic symptoms after "
            "taking psilocybin. He was treated with antipsychotics.",
            (0, NO_TARGET),
        ),
        # twins: psychosis as a harm of the therapy is its safety
        (
            "Esketamine-induced psychosis: a case report",
            "A 45-year-old woman with treatment-resistant depression developed transient "
            "psychotic symptoms after her fourth esketamine nasal spray session.",
            (1, "ketamine for depression"),
        ),
        (
            "Psychosis after psilocybin therapy in a trial participant",
            "A participant with major depressive disorder in a psilocybin trial developed "
            "psychotic symptoms two weeks after dosing. He recovered.",
            (1, "psilocybin for depression"),
        ),
        # twins: depression in patients with a substance use disorder; safety of therapy
        ("Ketamine for depression in patients with opioid use disorder receiving buprenorphine",
         "Twenty patients with comorbid major depression and opioid use disorder maintained on "
         "buprenorphine received six ketamine infusions. Depression scores fell by half.",
         (1, "ketamine for depression")),
        ("Changes in substance use among patients treated with medical ketamine in real-world "
         "settings",
         "We assessed alcohol, cannabis and other substance use among 500 patients receiving "
         "ketamine at community clinics. Substance use did not increase during treatment.",
         (1, "ketamine in a mental-health context (medical ketamine)")),
        ("Substance use changes in real-world patients receiving medical ketamine",
         "Among 350 patients treated with ketamine for depression, PTSD or anxiety at a ketamine "
         "clinic, alcohol and cannabis use decreased.", (1, "ketamine for ptsd")),
    ],
)  # fmt: skip
def test_harms_and_substance_use_targets_alone(taxonomy, title, abstract, expected):
    assert topic(taxonomy, title, abstract) == expected


@pytest.mark.parametrize(
    "title, abstract, expected",
    [
        ("Neonatal ketamine exposure and anxiety-like behavior in adult rats",
         "Rat pups received ketamine (20 mg/kg) on postnatal days 7 to 9. In adulthood, "
         "anxiety-like behavior increased and hippocampal neurogenesis decreased.",
         (0, EXPOSURE)),
        ("Ketamine exposure in neonatal rats causes depressive-like behavior in adulthood",
         "Neonatal rats were given ketamine 75 mg/kg. Adult rats displayed depressive-like and "
         "anxiety-like behaviors.", (0, EXPOSURE)),
        # twins: an early-life stress model treated later, and a trial that names the brain
        ("Ketamine reverses depressive-like behavior in rats exposed to neonatal maternal "
         "separation",
         "Rats separated from their dams as pups received ketamine 10 mg/kg in adulthood. "
         "Depressive-like behavior in the forced swim test decreased.",
         (1, "ketamine for depression")),
        ("Neonatal anaesthesia exposure and ketamine: a trial in adolescents with depression",
         "Adolescents with treatment-resistant depression were randomized to ketamine or "
         "midazolam. Depression improved.", (1, "ketamine for depression")),
    ],
)  # fmt: skip
def test_developmental_exposure_is_not_a_model_of_therapy(taxonomy, title, abstract, expected):
    assert topic(taxonomy, title, abstract) == expected


@pytest.mark.parametrize(
    "title, abstract, expected",
    [
        ("Palliative care providers' attitudes toward psychedelic-assisted therapy for "
         "existential distress",
         "Psychedelic-assisted therapy is being studied for existential distress in serious "
         "illness. We surveyed 200 palliative care clinicians; most would refer patients.",
         (1, "psychedelic-assisted therapy for anxiety")),
        ("Attitudes of palliative care providers toward psilocybin-assisted therapy",
         "Methods: We interviewed 20 palliative care providers. Results: Providers were "
         "cautiously optimistic; concerns included pain management and end-of-life logistics.",
         (1, "psilocybin in a mental-health context (psilocybin-assisted)")),
        ("Psilocybin therapy for mood dysfunction in Parkinson's disease",
         "In an open-label study, 12 patients with Parkinson's disease received psilocybin with "
         "psychological support. Depression and anxiety scores improved.",
         (1, "psilocybin for depression")),
        ("A scoping review of psilocybin for clinical indications",
         "We searched four databases for clinical studies of psilocybin. Sixty studies were "
         "included across depression, anxiety, substance use disorders, anorexia nervosa and OCD.",
         (1, "psilocybin for depression")),
        ("Psychedelics and the hype bubble",
         "Enthusiasm for psychedelic medicine has outpaced the evidence. We argue that inflated "
         "expectations around psilocybin and MDMA risk a hype bubble.",
         (1, "psilocybin in a mental-health context (psychedelic medicine)")),
        ("Hepatobiliary adverse events with repeated ketamine treatment in a medically "
         "supervised setting",
         "We reviewed records of 300 patients receiving repeated intravenous ketamine in a "
         "supervised outpatient program. Liver enzyme elevations occurred in a minority.",
         (1, "ketamine in a mental-health context (ketamine treatment)")),
        (
            "Psilocybin for clinical indications: a scoping review",
            "Methods: We searched MEDLINE, Embase and PsycINFO. Results: We included 75 studies "
            "covering alcohol use disorder, tobacco use disorder, anorexia nervosa, obsessive-"
            "compulsive disorder, cluster headache, migraine, chronic pain, Alzheimer's disease, "
            "depression and end-of-life distress. Conclusions: Evidence is strongest for "
            "depression.",
            (1, "psilocybin for depression"),
        ),
        (
            "Psilocybin for neuropsychiatric symptoms in Parkinson's disease",
            "Patients with Parkinson's disease and depressive symptoms received psilocybin with "
            "psychotherapy. Depression and anxiety improved.",
            (1, "psilocybin for depression"),
        ),
        (
            "Hepatobiliary adverse events associated with repeated medically supervised ketamine",
            "Ketamine-associated cholangiopathy is well described in recreational ketamine users. "
            "We reviewed 400 patients receiving repeated intravenous ketamine infusions at a "
            "ketamine clinic. Liver enzyme elevation occurred in 4%.",
            (1, "ketamine in a mental-health context (medically supervised)"),
        ),
        (
            "Psilocybin for anorexia nervosa: an open-label trial",
            "Ten women with anorexia nervosa received psilocybin 25 mg with psychological "
            "support. Eating disorder symptoms fell; depression and anxiety scores also improved.",
            (0, "another indication (the guide's OCD, anorexia, headache, pain)"),
        ),
        (
            "The hype bubble around psychedelic science",
            "Psychedelic science is in a hype bubble. Media enthusiasm for psychedelic-assisted "
            "therapy overstates the evidence and risks harm to patients.",
            (1, "psychedelic science in a mental-health context (psychedelic-assisted)"),
        ),
        (
            "Psychedelic drugs at music festivals",
            "Recreational use of psychedelic drugs at festivals was surveyed among 1,000 "
            "festival-goers.",
            (0, "recreational use or harms"),
        ),
        (
            "Safety of psilocybin in clinical trials: a systematic review",
            "We pooled adverse events from 20 trials of psilocybin in patients. Headache and "
            "nausea were common; no serious events occurred.",
            (1, "psilocybin in a mental-health context (patients)"),
        ),
        (
            "A randomized trial of psilocybin",
            "We randomized 30 patients with migraine to psilocybin or placebo. Migraine days "
            "fell. Nausea and headache were common adverse effects.",
            (0, NO_TARGET),
        ),
        # twins: another indication, another psychedelic, a psychedelic class for another
        # indication
        ("Psychedelic-assisted therapy for anxiety: a randomized trial of LSD",
         "Adults with generalized anxiety disorder were randomized to LSD 100 µg or placebo "
         "with psychological support. Anxiety fell.", (0, "no target substance studied")),
        ("Psychedelic-assisted therapy for anorexia nervosa: a review",
         "Psychedelics are being explored for anorexia nervosa. We review early studies.",
         (0, NO_TARGET)),
        ("Ketamine infusion for chronic pain: hepatobiliary adverse events",
         "Patients with chronic pain received repeated ketamine infusions. Liver enzyme "
         "elevations occurred in 10%.", (0, NO_TARGET)),
        ("Psilocybin for cluster headache: a randomized trial",
         "Adults with cluster headache were randomized to psilocybin or placebo. Attack "
         "frequency fell.", (0, NO_TARGET)),
    ],
)  # fmt: skip
def test_practice_safety_and_broad_clinical_uses_stay_on_topic(taxonomy, title, abstract, expected):
    assert topic(taxonomy, title, abstract) == expected


def test_separation_anxiety_disorder_is_still_anxiety(taxonomy):
    tags = tag_record(record(
        "Ketamine for separation anxiety disorder in adults",
        "Adults with separation anxiety disorder received ketamine infusions; anxiety fell.",
    ), taxonomy)  # fmt: skip
    assert (tags.conditions, tags.on_topic) == (("anxiety",), 1)


@pytest.mark.parametrize("cue", ["surgical_outcome", "developmental_exposure", "acute_effects"])
def test_a_missing_on_topic_cue_is_a_config_error(tmp_path, cue):
    path = edited_taxonomy(tmp_path, f"\n  {cue}:\n", "\n  renamed_cue:\n")
    with pytest.raises(ConfigError, match=cue):
        load_taxonomy(path)


@pytest.mark.parametrize(
    "abstract, expected",
    [
        # the anaesthetic's seizures and recovery only: the guide's anaesthesia
        (
            "Forty inpatients with major depression were randomized to ketamine or propofol as the "
            "anaesthetic for their ECT course. Seizure duration and reorientation time were "
            "recorded at each session.",
            (0, "anaesthesia for electroconvulsive therapy"),
        ),
        # its antidepressant effect an aim, with no primary outcome stated: therapeutic use
        (
            "Aims: To test whether ketamine as the ECT anaesthetic brings faster relief of "
            "depression severity than propofol. Methods: Forty inpatients with major depression "
            "were randomized to ketamine or propofol.",
            (1, "ketamine for depression"),
        ),
        # or a result the trial reports by arm
        (
            "Forty inpatients with major depression were randomized to ketamine or propofol as the "
            "anaesthetic for ECT. Results: Depression scores fell further with ketamine.",
            (1, "ketamine for depression"),
        ),
    ],
)
def test_an_ect_anaesthetic_trial_measuring_depression_is_on_topic(taxonomy, abstract, expected):
    title = "Ketamine versus propofol anaesthesia for electroconvulsive therapy in depression"
    assert topic(taxonomy, title, abstract) == expected


def test_an_animal_model_of_a_use_disorder_is_a_substance_use_target(taxonomy):
    on_topic, why = topic(
        taxonomy,
        "Psilocybin has no lasting effect in an animal model of alcohol relapse",
        "Rats with long-term alcohol access received psilocybin or saline; relapse-like "
        "drinking did not change.",
    )
    assert (on_topic, why) == (0, "primary condition is substance-use")


@pytest.mark.parametrize(
    "title, expected",
    [
        # a somatic disease modelled in animals: another indication
        (
            "(R)-ketamine ameliorates dextran sulfate sodium-induced colitis in mice",
            (0, "another indication (the guide's OCD, anorexia, headache, pain)"),
        ),
        # the same outcome in a depression model: the catalog's mental-health use
        (
            "Arketamine improves bone mineral density in mice after chronic social defeat stress",
            (1, "ketamine for depression"),
        ),
    ],
)
def test_a_somatic_model_is_off_topic_unless_it_is_a_depression_model(taxonomy, title, expected):
    abstract = (
        "(R)-ketamine is a new antidepressant. Mice received (R)-ketamine 10 mg/kg or saline; "
        "anhedonia-like behaviour and the disease score improved."
    )
    assert topic(taxonomy, title, abstract) == expected


@pytest.mark.parametrize(
    "outcome, expected",
    [
        # a time after surgery names no other use: the depression trial stays on topic
        (
            "The primary outcome is the remission rate on the third day after surgery.",
            (1, "ketamine for depression"),
        ),
        # the surgery's own outcome as the primary one: perioperative use
        (
            "The primary outcome is the quality of recovery after surgery under anaesthesia.",
            (0, "perioperative use (its primary outcome is no target condition)"),
        ),
    ],
)
def test_a_time_after_surgery_is_no_other_use(taxonomy, outcome, expected):
    title = "Esketamine for perioperative depressive symptoms in major surgery: a protocol"
    abstract = (
        "Patients with moderate depressive symptoms having major surgery will be randomised to "
        f"esketamine 0.2 mg/kg or placebo at skin closure. {outcome}"
    )
    assert topic(taxonomy, title, abstract) == expected
