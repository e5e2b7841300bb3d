"""Tagging classes found on the session-6 unseen real records (t460+, issue 12), written as our
own sentences, each with near-miss twins that must not change: an association question is no
ketamine-associated harm, labels real abstracts use, injuries an emergency department treats,
reviews of another indication, animal work named in a human study, conditions used as
covariates, mediators or baseline predictors, and harms felt during a dosing session."""

from pathlib import Path

import pytest

from harvest.tagging.tag import tag_record
from harvest.tagging.taxonomy import load_taxonomy
from tests.tagging_support import record

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def taxonomy():
    return load_taxonomy(ROOT / "config" / "taxonomy.yml")


def tags(taxonomy, title, abstract):
    return tag_record(record(title, abstract), taxonomy)


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
