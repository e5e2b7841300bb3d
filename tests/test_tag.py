"""tag_record: facets, design, flags and provenance for records written to exercise each rule."""

from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from harvest.tagging.tag import Tags, tag_record

CONFIG = Path(__file__).resolve().parents[1] / "config" / "taxonomy.yml"
SOURCES = {"mesh", "publication_type", "title", "abstract", "keyword", "rule"}


def record(title="", abstract=None, sections=(), mesh=(), pts=("Journal Article",), **extra):
    """A normalised record as harvest.pubmed.parse yields it (only the fields the tagger reads)."""
    if sections:
        abstract = "\n".join(f"{label}: {text}" for label, _, text in sections)
    out = {
        "pmid": 1,
        "title": title or None,
        "abstract": abstract,
        "abstract_sections": [{"label": lb, "category": c, "text": t} for lb, c, t in sections]
        or ([{"label": None, "category": None, "text": abstract}] if abstract else []),
        "keywords": [],
        "mesh": [
            {"ui": m[0], "name": m[1], "major": m[2], "qualifiers": [{"name": q} for q in m[3:]]}
            for m in mesh
        ],
        "chemicals": [],
        "publication_types": [{"ui": None, "name": name} for name in pts],
        "comments_corrections": [],
    }
    out.update(extra)
    return out


def tag(taxonomy, **fields) -> Tags:
    return tag_record(record(**fields), taxonomy)


RCT_SECTIONS = [
    ("BACKGROUND", "BACKGROUND",
     "Ketamine has shown rapid antidepressant effects in treatment-resistant depression. Its "
     "efficacy in posttraumatic stress disorder (PTSD) is uncertain."),
    ("METHODS", "METHODS",
     "Thirty adults with chronic PTSD were randomly assigned to six infusions of ketamine "
     "(0.5 mg/kg) or midazolam over two weeks. Patients with bipolar disorder, psychosis or "
     "active suicidal ideation were excluded. Secondary outcomes included depressive symptoms "
     "(MADRS)."),
    ("RESULTS", "RESULTS",
     "Ketamine reduced CAPS-5 scores more than midazolam (p = 0.03). Transient dissociation and "
     "anxiety were the most common adverse events."),
    ("CONCLUSIONS", "CONCLUSIONS",
     "Repeated ketamine infusions reduced PTSD and depressive symptoms. Larger trials in veterans "
     "are needed."),
]  # fmt: skip


def test_structured_rct_exact_columns_and_provenance(taxonomy):
    tags = tag(
        taxonomy,
        title="Repeated intravenous ketamine infusions for chronic PTSD: a randomized trial",
        sections=RCT_SECTIONS,
    )
    assert tags.as_columns() == {
        "conditions": ["ptsd", "psychological-trauma", "depression"],
        "modalities": ["ketamine"],
        "routes": ["intravenous"],
        "populations": ["adults"],
        "design": "rct",
        "evidence_level": 2,
        "human": 1,
        "on_topic": 1,
        "retracted": 0,
        "erratum": 0,
        "expression_of_concern": 0,
        "sample_size": 30,
    }
    assert tags.provenance == (
        ("conditions", "ptsd", "title", "title: PTSD"),
        ("conditions", "ptsd", "abstract", "inclusion: PTSD"),
        ("conditions", "psychological-trauma", "rule", "implied by ptsd"),
        ("conditions", "depression", "abstract", "methods: depressive"),
        ("modalities", "ketamine", "title", "title: ketamine"),
        ("modalities", "ketamine", "abstract", "methods: ketamine"),
        ("routes", "intravenous", "title", "title: intravenous"),
        ("routes", "intravenous", "abstract", "methods: infusions"),
        ("populations", "adults", "abstract", "methods: adults"),
        ("design", "rct", "title", "randomized"),
        ("human", "1", "rule", "no animal or in-vitro terms"),
        ("on_topic", "1", "rule", "ketamine for ptsd"),
    )


def test_background_exclusion_and_adverse_mentions_do_not_count(taxonomy):
    tags = tag(taxonomy, title="Ketamine for PTSD", sections=RCT_SECTIONS)
    # TRD is only background, suicidal ideation only an exclusion criterion, anxiety only an
    # adverse event, veterans only a call for future trials.
    assert "treatment-resistant-depression" not in tags.conditions
    assert "suicidality" not in tags.conditions
    assert "anxiety" not in tags.conditions
    assert "veterans-military" not in tags.populations


def test_tags_are_frozen_and_sources_known(taxonomy):
    tags = tag(taxonomy, title="Ketamine for PTSD", sections=RCT_SECTIONS)
    with pytest.raises(FrozenInstanceError):
        tags.design = "rct"
    assert {source for _, _, source, _ in tags.provenance} <= SOURCES


@pytest.mark.parametrize(
    "sentence, conditions",
    [
        ("We enrolled 20 adults with no history of PTSD.", []),
        ("Participants did not meet criteria for PTSD.", []),
        ("Non-depressed volunteers received ketamine.", []),
        ("Patients without depression received ketamine.", []),
        ("There was no significant change in depressive symptoms.", ["depression"]),
        (
            "Ketamine did not differ from placebo on PTSD severity.",
            ["ptsd", "psychological-trauma"],
        ),
        ("Depression was not assessed in this trial of ketamine.", []),
        ("Anxiety rather than depression was the primary outcome.", ["anxiety"]),
        (
            "Patients with PTSD but no depression received ketamine.",
            ["ptsd", "psychological-trauma"],
        ),
    ],
)
def test_negation(taxonomy, sentence, conditions):
    tags = tag(taxonomy, title="Ketamine infusion study", abstract=sentence)
    assert list(tags.conditions) == conditions


def test_unstructured_background_before_the_aim_statement(taxonomy):
    tags = tag(
        taxonomy,
        title="Psilocybin and emotion processing",
        abstract=(
            "Ketamine and MDMA have been studied for PTSD. Depression is a leading cause of "
            "disability. We aimed to test psilocybin in 20 adults with major depressive disorder. "
            "Psilocybin reduced depression scores."
        ),
    )
    assert tags.conditions == ("depression",)
    assert tags.modalities == ("psilocybin",)


def test_background_and_aims_section(taxonomy):
    tags = tag(
        taxonomy,
        title="A ketamine study",
        sections=[
            ("BACKGROUND AND AIMS", None, "Anxiety is common. We aimed to test ketamine for PTSD."),
            ("METHODS", None, "Forty veterans were randomized to ketamine or saline."),
        ],
    )
    assert tags.conditions == ("ptsd", "psychological-trauma")


def test_a_substance_named_as_a_foil_is_not_studied(taxonomy):
    tags = tag(
        taxonomy,
        title="Psilocybin for depression: an open-label trial",
        abstract="Twelve adults received psilocybin. Unlike ketamine, psilocybin had effects "
        "lasting 3 months.",
    )
    assert tags.modalities == ("psilocybin",)


def test_background_only_mentions_are_a_fallback(taxonomy):
    tags = tag(
        taxonomy,
        title="Rapid effects of a single infusion",
        sections=[
            ("BACKGROUND", "BACKGROUND", "Ketamine has rapid effects in depression."),
            ("RESULTS", "RESULTS", "The patients' scores fell by half within a day."),
        ],
    )
    assert tags.conditions == ("depression",)
    assert tags.modalities == ("ketamine",)
    # without patients, a background condition is motivation, not studied (the guide)
    tags = tag(
        taxonomy,
        title="Rapid effects of a single infusion",
        sections=[
            ("BACKGROUND", "BACKGROUND", "Ketamine has rapid effects in depression."),
            ("RESULTS", "RESULTS", "Volunteers' reaction times fell by half within a day."),
        ],
    )
    assert (tags.conditions, tags.modalities) == ((), ("ketamine",))


def test_abbreviations_and_umbrellas(taxonomy):
    tags = tag(
        taxonomy,
        title="IV ketamine versus esketamine in TRD",
        abstract="Veterans with TRD received IV ketamine or esketamine nasal spray.",
    )
    assert tags.conditions == ("depression", "treatment-resistant-depression")
    assert tags.modalities == ("ketamine", "esketamine")
    assert tags.routes == ("intravenous", "intranasal")
    assert ("conditions", "depression", "rule", "implied by treatment-resistant-depression") in (
        tags.provenance
    )


def test_oral_antidepressant_started_with_esketamine_is_a_route_and_other_drug(taxonomy):
    """The guide: all stated routes of the treatments in the studied arms count."""
    tags = tag(
        taxonomy,
        title="Esketamine nasal spray plus a newly initiated oral antidepressant",
        abstract="Adults with TRD were randomized to esketamine nasal spray or placebo, each with "
        "an oral antidepressant.",
        mesh=[
            ("D000284", "Administration, Oral", False),
            ("D000281", "Administration, Intranasal", False),
        ],
    )
    assert tags.routes == ("intranasal", "oral")
    assert tags.modalities == ("ketamine", "esketamine", "other-drug")


def test_mesh_routes_only_when_the_text_states_none(taxonomy):
    tags = tag(
        taxonomy,
        title="Ketamine for depression in palliative care",
        abstract="Eight patients received ketamine 0.5 mg/kg daily.",
        mesh=[("D000284", "Administration, Oral", False)],
    )
    assert tags.routes == ("oral",)
    assert ("routes", "oral", "mesh", "Administration, Oral") in tags.provenance


def test_comparator_route_is_dropped(taxonomy):
    tags = tag(
        taxonomy,
        title="Subcutaneous ketamine for depression in older adults",
        abstract="Ketamine given subcutaneously may be more practical than intravenous infusion.",
    )
    assert tags.routes == ("subcutaneous",)


def test_injury_sense_of_trauma(taxonomy):
    tags = tag(
        taxonomy,
        title="Ketamine use in trauma: prehospital administration by paramedics",
        abstract="Ketamine was given for analgesia to 3,102 patients by an ambulance service.",
    )
    assert tags.conditions == ("physical-injury", "pain")
    assert ("conditions", "physical-injury", "rule", "trauma (injury context)") in tags.provenance
    assert tags.on_topic == 0
    assert tags.sample_size == 3102


def test_psychological_sense_of_trauma(taxonomy):
    tags = tag(
        taxonomy,
        title="Psilocybin therapy for survivors of trauma with depression",
        abstract="We treated 12 adults with a history of childhood trauma and depression.",
    )
    assert tags.conditions == ("psychological-trauma", "depression")
    # "psilocybin therapy" names the drug treatment: no psychological therapy delivered (guide)
    assert tags.modalities == ("psilocybin",)


def test_trauma_patients_in_the_emergency_department_are_off_topic(taxonomy):
    tags = tag(
        taxonomy,
        title="Intravenous ketamine versus morphine for analgesia in adult trauma patients",
        abstract="We randomized 308 injured adults with acute pain to ketamine or morphine. "
        "There was no respiratory depression.",
        pts=("Journal Article", "Randomized Controlled Trial"),
    )
    assert tags.conditions == ("physical-injury", "pain")
    assert (tags.design, tags.on_topic, tags.human) == ("rct", 0, 1)


def test_animal_study_with_ketamine_anaesthesia(taxonomy):
    tags = tag(
        taxonomy,
        title="Psilocybin restores dendritic spines in chronically stressed mice",
        abstract="Psilocybin ameliorated depressive-like behaviour in mice. For imaging, mice "
        "were anesthetized with ketamine (100 mg/kg) and xylazine (10 mg/kg).",
    )
    assert tags.modalities == ("psilocybin",)
    assert tags.conditions == ("depression",)
    assert (tags.design, tags.evidence_level, tags.human, tags.on_topic) == ("preclinical", 5, 0, 1)
    assert tags.populations == ("animals",)
    assert tags.sample_size is None


def test_mesh_animals_without_humans(taxonomy):
    tags = tag(
        taxonomy,
        title="Ketamine reverses fear extinction deficits",
        mesh=[
            ("D000818", "Animals", False),
            ("D051381", "Rats", False),
            ("D007649", "Ketamine", True),
        ],
    )
    assert (tags.human, tags.design) == (0, "preclinical")
    assert ("human", "0", "mesh", "Animals") in tags.provenance


@pytest.mark.parametrize(
    "fields, design",
    [
        # A completed trial typed "Clinical Trial Protocol".
        (
            dict(
                title="Intranasal ketamine for anxious depression",
                abstract="Twenty-four adults were randomized to ketamine or saline. MADRS scores "
                "were 7.6 points lower after ketamine (p = 0.002) and anxiety improved "
                "significantly.",
                pts=("Journal Article", "Clinical Trial Protocol"),
            ),
            "rct",
        ),
        (
            dict(
                title="Ketamine-enhanced prolonged exposure for PTSD: rationale and design",
                abstract="One hundred veterans will be randomized. The primary outcome will be the "
                "CAPS-5. Assessments will be conducted at baseline and follow-up.",
                pts=("Journal Article", "Clinical Trial Protocol"),
            ),
            "protocol",
        ),
        # A meta-analysis typed only "Journal Article".
        (
            dict(
                title="Ketamine for suicidal ideation: pooled evidence",
                abstract="PubMed and Embase were searched. Fifteen trials met inclusion criteria. "
                "In random-effects analysis ketamine reduced suicidal ideation (I2 = 48%).",
            ),
            "meta-analysis",
        ),
        (
            dict(
                title="Ketamine for PTSD: a systematic review",
                pts=("Journal Article", "Review"),
                abstract="We systematically searched MEDLINE. Eighteen studies were included.",
            ),
            "systematic-review",
        ),
        (
            dict(
                title="Esketamine in practice",
                pts=("Journal Article", "Review"),
                abstract="We summarize the pivotal trials of esketamine.",
            ),
            "narrative-review",
        ),
        (
            dict(
                title="Psychedelics for PTSD: where are we now?",
                abstract="In this review we discuss MDMA and psilocybin.",
            ),
            "narrative-review",
        ),
        (dict(title="MDMA-assisted therapy: the FDA decision", pts=("Editorial",)), "commentary"),
        (dict(title="Esketamine for depression: caution warranted"), "commentary"),
        (
            dict(
                title="Oral ketamine in a veteran",
                abstract="A 34-year-old woman with PTSD received oral ketamine.",
            ),
            "case-report",
        ),
        (
            dict(
                title="Hyponatraemia during MDMA-assisted therapy",
                pts=("Letter",),
                abstract="We describe a 52-year-old woman enrolled in a trial.",
            ),
            "case-report",
        ),
        (
            dict(
                title="Oral ketamine for PTSD",
                pts=("Journal Article", "Clinical Trial"),
                abstract="Eighteen veterans received oral ketamine for 6 weeks.",
            ),
            "open-label-trial",
        ),
        (
            dict(
                title="Psilocybin for PTSD in veterans",
                abstract="In this open-label pilot trial, twelve veterans received psilocybin. A "
                "randomized trial is under way.",
            ),
            "open-label-trial",
        ),
        (
            dict(
                title="Ketamine-assisted psychotherapy for PTSD",
                abstract="In this non-randomized controlled study, 40 adults chose ketamine or "
                "psychotherapy alone.",
            ),
            "open-label-trial",  # the guide's slug for every non-randomised trial
        ),
        (
            dict(
                title="Ketamine for depression in a community clinic",
                abstract="We retrospectively reviewed the charts of 235 patients.",
            ),
            "observational",
        ),
        (
            dict(
                title="Ketamine and PTSD in accident victims",
                abstract="We compared 56 injured accident victims given ketamine or opioids.",
            ),
            "observational",
        ),
        (
            dict(title="CANMAT recommendations for ketamine", pts=("Practice Guideline",)),
            "narrative-review",  # the guide has no guideline design
        ),
        (
            dict(
                title="Racemic ketamine and esketamine",
                abstract="Ketamine is an anaesthetic. Its antidepressant properties are discussed.",
            ),
            "narrative-review",
        ),
    ],
)
def test_design(taxonomy, fields, design):
    assert tag(taxonomy, **fields).design == design


def test_retracted_and_status_flags(taxonomy):
    tags = tag(
        taxonomy,
        title="Ketamine for late-life depression",
        pts=("Journal Article", "Retracted Publication"),
        comments_corrections=[
            {"type": "RetractionIn", "source": "J X. 2021;1:2", "pmid": 2, "note": None},
            {"type": "ErratumIn", "source": "J X. 2020;1:3", "pmid": 3, "note": None},
            {"type": "ExpressionOfConcernIn", "source": "J X. 2020;1:4", "pmid": 4, "note": None},
        ],
    )
    assert (tags.retracted, tags.erratum, tags.expression_of_concern) == (1, 1, 1)
    assert [p for p in tags.provenance if p[0] == "status"] == [
        ("status", "retracted", "publication_type", "Retracted Publication"),
        ("status", "erratum", "rule", "ErratumIn: J X. 2020;1:3"),
        ("status", "expression_of_concern", "rule", "ExpressionOfConcernIn: J X. 2020;1:4"),
    ]


def test_retraction_notice_is_not_itself_retracted(taxonomy):
    tags = tag(
        taxonomy,
        title="Retraction notice to: Ketamine for late-life depression",
        pts=("Retraction of Publication",),
        comments_corrections=[{"type": "RetractionOf", "source": "J X", "pmid": 1, "note": None}],
    )
    assert (tags.retracted, tags.design, tags.evidence_level, tags.on_topic) == (0, "notice", 5, 0)
    assert ("on_topic", "0", "rule", "a notice is not evidence") in tags.provenance


@pytest.mark.parametrize(
    "refs, title, pts, retracted",
    [
        ([{"type": "RetractedandRepublishedIn", "source": "J", "pmid": 9}], "T", (), 1),
        ([{"type": "CommentIn", "source": "J", "pmid": 9}], "T", (), 0),
        ([], "RETRACTED ARTICLE: Ketamine for depression", (), 1),
        # Some publishers title the notice itself "Retracted: <original title>".
        ([], "Retracted: Ketamine for depression", ("Retraction of Publication",), 0),
    ],
)
def test_retracted_from_comments_and_title(taxonomy, refs, title, pts, retracted):
    tags = tag(taxonomy, title=title, comments_corrections=refs, pts=pts)
    assert tags.retracted == retracted


def test_chemically_induced_mesh_is_an_adverse_effect(taxonomy):
    tags = tag(
        taxonomy,
        title="Ketamine infusions for depression",
        mesh=[
            ("D003866", "Depressive Disorder", True, "drug therapy"),
            ("D001007", "Anxiety", False, "chemically induced"),
        ],
    )
    assert tags.conditions == ("depression",)


@pytest.mark.parametrize(
    "fields, on_topic",
    [
        (
            dict(
                title="Ketamine for alcohol use disorder: a randomized trial",
                abstract="Ninety-six adults with alcohol use disorder received ketamine. "
                "Depressive symptoms were also measured.",
            ),
            0,
        ),
        (
            dict(
                title="Recreational ecstasy use and depression in young adults",
                abstract="Lifetime ecstasy use was associated with depressive symptoms.",
            ),
            0,
        ),
        (
            dict(
                title="Psilocybin alters amygdala reactivity in healthy volunteers",
                abstract="Twenty-two healthy volunteers received psilocybin and placebo.",
            ),
            0,
        ),
        (
            dict(
                title="Intraoperative ketamine and PTSD in combat-injured service members",
                abstract="PTSD was diagnosed in 27% of ketamine recipients.",
            ),
            1,
        ),
        (
            dict(
                title="Esketamine for sedation during gastroscopy in elderly patients",
                abstract="Propofol caused hypotension; esketamine reduced anxiety scores.",
            ),
            0,
        ),
        (
            dict(
                # the ECT anaesthetic (the guide's anaesthesia); see test_roles for the
                # trial whose primary outcome is the depression
                title="Ketamine anaesthesia for electroconvulsive therapy in major depression",
                abstract="Sixty-two inpatients with depression were randomized.",
            ),
            0,
        ),
        (
            dict(
                title="Depressive symptoms in chronic ketamine users",
                abstract="We recruited 150 frequent ketamine users.",
            ),
            0,
        ),
    ],
)
def test_on_topic(taxonomy, fields, on_topic):
    assert tag(taxonomy, **fields).on_topic == on_topic


@pytest.mark.parametrize(
    "abstract, size",
    [
        ("Twenty-four adults were randomized to ketamine or saline.", 24),
        ("Participants (N = 64) received psilocybin.", 64),
        (
            "Adverse events occurred in 179 of 233 participants; a total of 79 participants were "
            "in the 25-mg group.",
            233,
        ),
        ("Of 540 patients screened, 120 patients were randomized.", 120),
        ("Ketamine (n = 20) was compared with midazolam (n = 19).", 39),
        ("One hundred and twelve veterans took part.", 112),
        ("Scores improved after ketamine.", None),
    ],
)
def test_sample_size(taxonomy, abstract, size):
    tags = tag(taxonomy, title="Ketamine trial", abstract="We studied ketamine. " + abstract)
    assert tags.sample_size == size


def test_single_case_sample_size(taxonomy):
    tags = tag(taxonomy, title="A case of ketamine", abstract="A 24-year-old man used ketamine.")
    assert (tags.design, tags.sample_size) == ("case-report", 1)


def test_empty_record(taxonomy):
    tags = tag_record({"pmid": 5}, taxonomy)
    assert tags.as_columns() == {
        "conditions": [], "modalities": [], "routes": [], "populations": [],
        "design": "commentary", "evidence_level": 5, "human": 1, "on_topic": 0,
        "retracted": 0, "erratum": 0, "expression_of_concern": 0, "sample_size": None,
    }  # fmt: skip


def test_mesh_only_record(taxonomy):
    tags = tag(
        taxonomy,
        title="Clinical outcomes",
        mesh=[
            ("D006801", "Humans", False),
            ("D013313", "Stress Disorders, Post-Traumatic", True),
            ("D018817", "N-Methyl-3,4-methylenedioxyamphetamine", True),
            ("D011613", "Psychotherapy", False),
            ("D014728", "Veterans", False),
        ],
    )
    assert tags.conditions == ("ptsd", "psychological-trauma")
    assert tags.modalities == ("mdma", "psychotherapy")
    assert tags.populations == ("veterans-military",)
    assert (tags.human, tags.on_topic) == (1, 1)
    assert ("conditions", "ptsd", "mesh", "Stress Disorders, Post-Traumatic") in tags.provenance


@pytest.mark.parametrize(
    "title, abstract",
    [
        (
            "Ketamine-induced neuroapoptosis in the developing rhesus macaque brain",
            "Ketamine was infused for 5 h into neonates on postnatal day 6; apoptotic profiles "
            "were counted.",
        ),
        (
            "Dopaminergic neurotoxicity in primates after repeated MDMA",
            "Animals given three sequential doses of MDMA developed lasting dopamine deficits.",
        ),
    ],
)
def test_primate_studies_are_animal_work(taxonomy, title, abstract):
    tags = tag(taxonomy, title=title, abstract=abstract)
    assert (tags.human, tags.design, tags.populations) == (0, "preclinical", ("animals",))
