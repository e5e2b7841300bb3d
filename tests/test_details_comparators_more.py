"""Comparators on unseen-style text (issue 14): own sentences, both ways, as exact tests.

Each case is (title, sentence, design, expected comparators); the extractor reads the title and
the sentence as the abstract, in a PTSD trial unless the design says otherwise.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harvest.errors import ConfigError
from harvest.tagging.details import extract_details, load_details

CONFIG = Path(__file__).resolve().parents[1] / "config" / "details.yml"
RULES = load_details(CONFIG)


def comparators(title: str, abstract: str, design: str = "rct", conditions=("ptsd",)) -> list:
    record = {"title": title, "abstract": abstract}
    return extract_details(record, RULES, design=design, conditions=conditions).comparators


# -- dose comparisons: stated doses given to different groups or sessions -------------------

DOSE_ARMS = [
    ("Ketamine in rats", "Rats received intraperitoneal ketamine 10 mg/kg or 15 mg/kg and "
     "were tested 24 h later.", "preclinical", ["dose-comparison"]),
    ("Psilocybin in mice", "Mice were given a single intraperitoneal dose of psilocybin (0.1, "
     "0.5, 1.0 or 2.0 mg/kg) or saline.", "preclinical", ["placebo", "dose-comparison"]),
    ("Ketamine and immobility", "Each rat received one dose of ketamine (2.5 to 20 mg/kg).",
     "preclinical", ["dose-comparison"]),
    ("Ketamine and sucrose preference", "Animals were injected with ketamine (5-40 mg/kg) "
     "and tested the next day.", "preclinical", ["dose-comparison"]),
    ("Ketamine in mice", "We characterised the dose-response relation over 1.25 to 20 mg/kg "
     "in mice.", "preclinical", ["dose-comparison"]),
    ("Psilocybin and head twitch", "Mice given a range of psilocybin doses were tested in the "
     "forced swim test.", "preclinical", ["dose-comparison"]),
    ("Subcutaneous ketamine in volunteers", "Healthy volunteers received ascending single "
     "subcutaneous doses of ketamine; effects were seen at 0.25 mg/kg and at the higher "
     "doses.", "rct", ["dose-comparison"]),
    ("Escalating oral ketamine", "Participants received escalating oral doses of ketamine in "
     "separate sessions.", "rct", ["dose-comparison"]),
    ("Psilocybin in healthy volunteers", "Volunteers received two single oral doses, 1 mg and "
     "then 10 mg, in a fixed order.", "rct", ["dose-comparison"]),
    ("Psilocybin in healthy adults", "This was a dose-effect study of a range of psilocybin "
     "doses in healthy adults.", "rct", ["dose-comparison"]),
    ("Ketamine and perception", "Some participants had four sessions with ketamine 0.1-0.5 "
     "mg/kg and placebo.", "rct", ["placebo", "dose-comparison"]),
    ("Psilocybin and emotion", "Participants received psilocybin at doses of 5, 10 and 20 mg "
     "in separate sessions.", "rct", ["dose-comparison"]),
    ("Ketamine in rats", "Rats were injected with ketamine at 5 or 10 mg/kg.", "preclinical",
     ["dose-comparison"]),
]  # fmt: skip

NOT_DOSE_ARMS = [
    # one dose, a titration, a review's pooled range, an anaesthetic dose, one arm's range
    ("Ketamine for PTSD", "Patients were randomised to a single dose of ketamine 0.5 mg/kg or "
     "saline; body weight ranged from 50 to 110 kg.", "rct", ["placebo"]),
    ("Ketamine for PTSD", "The dose of ketamine was titrated from 0.5 mg/kg to 1.0 mg/kg in "
     "each patient.", "open-label-trial", []),
    ("Ketamine for depression", "Included trials used ketamine doses of 0.1 to 1.0 mg/kg.",
     "meta-analysis", []),
    ("Psilocybin for depression", "The included studies gave a range of psilocybin doses.",
     "systematic-review", []),
    ("Psilocybin for depression", "Across the included studies, psilocybin doses ranged from "
     "10 to 25 mg.", "systematic-review", []),
    ("Ketamine in rats", "Rats were anaesthetised with ketamine (80-100 mg/kg) and xylazine "
     "before surgery.", "preclinical", []),
    ("Ketamine in rats", "Rats received ketamine 10 mg/kg and were tested 24 h later.",
     "preclinical", []),
    ("Ketamine for suicidal ideation", "Repeated, non-escalating ketamine doses did not "
     "outperform placebo.", "rct", ["placebo"]),
    ("Psilocybin versus escitalopram", "Patients were assigned either to two separate 25-mg "
     "doses of psilocybin 3 weeks apart with 6 weeks of daily placebo, or to two separate 1-mg "
     "doses of psilocybin 3 weeks apart with 6 weeks of daily oral escitalopram.", "rct",
     ["active-drug"]),
    ("Ketamine for PTSD", "Patients were randomised to ketamine 0.5-1.0 mg/kg or placebo.", "rct",
     ["placebo"]),
]  # fmt: skip


@pytest.mark.parametrize(("title", "text", "design", "expected"), DOSE_ARMS + NOT_DOSE_ARMS)
def test_dose_comparisons(title, text, design, expected):
    assert comparators(title, text, design) == expected


# -- another route or drug head to head -----------------------------------------------------

ACTIVE_DRUGS = [
    ("Ketamine by two routes", "The study compared oral with subcutaneous administration of "
     "ketamine in healthy volunteers.", "rct", ["active-drug"]),
    ("Ketamine by two routes", "Ketamine was given by mouth or by subcutaneous injection in "
     "random order.", "rct", ["active-drug"]),
    ("Ketamine by two routes", "Subcutaneous injection versus by mouth: ketamine was compared "
     "in a crossover.", "rct", ["active-drug"]),
    ("MDMA and methamphetamine", "Participants received MDMA 1.5 mg/kg, methamphetamine 20 mg "
     "and placebo in random order.", "rct", ["placebo", "active-drug"]),
    ("Ketamine for acute pain", "This systematic review included trials comparing intranasal "
     "ketamine with intranasal fentanyl for acute pain.", "systematic-review", ["active-drug"]),
    ("Esketamine for depression", "We pooled randomised trials comparing esketamine against "
     "placebo or against an oral antidepressant.", "meta-analysis", ["placebo", "active-drug"]),
    # twins: one route for all, one drug's two routes as options, the drug with its placebo
    ("Ketamine for PTSD", "Ketamine was given intravenously in all patients.", "rct", []),
    ("Esketamine for depression", "Patients were randomised to intranasal or intravenous "
     "esketamine or placebo.", "rct", ["placebo"]),
    ("Esketamine for depression", "Patients were randomised to esketamine plus an oral "
     "antidepressant or an oral antidepressant plus placebo.", "rct", ["placebo"]),
]  # fmt: skip


@pytest.mark.parametrize(("title", "text", "design", "expected"), ACTIVE_DRUGS)
def test_active_drugs(title, text, design, expected):
    assert comparators(title, text, design) == expected


# -- active placebos and non-drug comparisons -------------------------------------------------

ACTIVE_PLACEBOS = [
    ("Psilocybin in healthy volunteers", "Psilocybin was compared with methylphenidate (40 "
     "mg/70 kg) in a double-blind trial.", "rct", ["active-placebo"]),
    ("MDMA for PTSD", "Participants received MDMA or placebo or control doses (0-40 mg) in "
     "three sessions.", "rct", ["placebo", "active-placebo"]),
    ("MDMA for PTSD", "Participants were randomised to MDMA 125 mg or a low control dose of "
     "MDMA.", "rct", ["active-placebo"]),
    ("MDMA for PTSD", "Participants were randomised to MDMA 125 mg or a low control dose of "
     "MDMA (40 mg).", "rct", ["active-placebo"]),
    ("Psilocybin for depression", "Participants were randomised to psilocybin 25 mg or "
     "psilocybin 1 mg as the control.", "rct", ["active-placebo"]),
    # twin: a second real dose is a dose arm
    ("MDMA for PTSD", "Participants were randomized to MDMA 125 mg or 75 mg.", "rct",
     ["dose-comparison"]),
]  # fmt: skip

NON_DRUGS = [
    ("Ketamine and ECT", "This was a crossover comparison of ketamine and electroconvulsive "
     "therapy in 20 patients.", "rct", ["active-non-drug"]),
    ("Psilocybin and mindfulness", "Participants were randomised to psilocybin plus MBSR versus "
     "MBSR alone.", "rct", ["active-non-drug"]),
    ("Ketamine-assisted psychotherapy", "Patients were randomised to ketamine-assisted "
     "psychotherapy or psychotherapy alone.", "rct", ["active-non-drug"]),
    ("Esketamine or ECT: a cost-utility analysis", "A cost-utility model compared esketamine "
     "with electroconvulsive therapy for treatment-resistant depression.", "other",
     ["active-non-drug"]),
    ("MDMA for PTSD", "Patients were randomised to MDMA-assisted therapy or cognitive "
     "behavioural therapy alone.", "rct", ["active-non-drug"]),
    # twins: ECT as the setting of the other drug, the therapy in both arms
    ("Ketamine and ECT", "Comparison of ketamine versus thiopentone-assisted modified "
     "electroconvulsive therapy.", "rct", ["active-drug"]),
    ("MDMA for PTSD", "MDMA-assisted psychotherapy was compared with psychotherapy alone. The "
     "control group received placebo with psychotherapy.", "rct", ["placebo"]),
    ("MDMA for PTSD", "Participants were randomised to MDMA-assisted therapy or placebo with "
     "therapy.", "rct", ["placebo"]),
]  # fmt: skip


@pytest.mark.parametrize(("title", "text", "design", "expected"), ACTIVE_PLACEBOS + NON_DRUGS)
def test_active_placebos_and_non_drug_comparisons(title, text, design, expected):
    assert comparators(title, text, design) == expected


# -- what is not a comparator ----------------------------------------------------------------

NOT_COMPARATORS = [
    ("Psilocybin for depression", "In this delayed-start crossover, the control arm received "
     "placebo for 8 weeks and then crossed over to psilocybin.", "rct", ["placebo"]),
    ("Psilocybin for depression", "Participants were randomised to immediate treatment or a "
     "delayed start on a waiting list.", "rct", ["waitlist"]),
    ("Psilocybin for depression", "Participants were randomised to immediate or delayed "
     "treatment.", "rct", ["waitlist"]),
    ('Ketamine versus propofol: two "standard of care" treatments head to head', "Patients "
     "were randomised to ketamine or propofol.", "rct", ["active-drug"]),
    ("Ketamine for PTSD", "Patients were randomised to ketamine or standard of care.", "rct",
     ["usual-care"]),
    ("Intranasal ketorolac for renal colic", "Children were randomised to the control group or "
     "ketorolac 1 mg/kg.", "rct", []),
    ("Ketamine for renal colic", "Children were randomised to ketamine or ketorolac 1 mg/kg.",
     "rct", ["active-drug"]),
    ("Ketamine for depression", "Of the trials, one found a fall in scores against placebo.",
     "meta-analysis", []),
    ("Ketamine for depression", "We searched MEDLINE and Embase for randomised "
     "placebo-controlled trials of ketamine.", "meta-analysis", []),
    ("Ketamine for depression", "We pooled randomised trials of ketamine against placebo.",
     "meta-analysis", ["placebo"]),
    ("MDMA for PTSD", "We searched PubMed and Embase for randomized trials comparing "
     "MDMA-assisted psychotherapy with placebo-assisted psychotherapy.", "meta-analysis",
     ["placebo"]),
    ("Ketamine for PTSD", "A randomised placebo-controlled study is being planned.",
     "open-label-trial", []),
    ("MDMA for PTSD", "This pooled analysis of placebo-controlled studies included participants "
     "who received 75 or 125 mg of MDMA.", "meta-analysis", ["placebo"]),
]  # fmt: skip


@pytest.mark.parametrize(("title", "text", "design", "expected"), NOT_COMPARATORS)
def test_what_is_not_a_comparator(title, text, design, expected):
    assert comparators(title, text, design) == expected


# Each case also (conditions): healthy volunteers and animals have none.
MORE = [
    ("Esketamine versus ECT: a cost-utility analysis", "We modelled esketamine nasal spray plus "
     "an oral antidepressant versus electroconvulsive therapy (ECT) over a lifetime horizon.",
     "other", (), ["active-non-drug"]),
    ("Cost-effectiveness of esketamine", "A Markov model compared intranasal esketamine with "
     "ECT for treatment-resistant depression.", "other", (), ["active-non-drug"]),
    ("Psilocybin in cancer patients", "Methylphenidate (40 mg/70 kg) served as the active "
     "comparator.", "rct", ("anxiety",), ["active-placebo"]),
    ("Mystical experience with psilocybin", "Psilocybin was compared with methylphenidate (40 "
     "mg/70 kg) in 36 volunteers.", "rct", (), ["active-placebo"]),
    ("MDMA for PTSD", "Participants received MDMA (125 mg) or a low control dose (40 mg) in two "
     "sessions.", "rct", ("ptsd",), ["active-placebo"]),
    ("MDMA for PTSD", "Participants were randomized to 30, 75 or 125 mg MDMA; 30 mg was the "
     "active control.", "rct", ("ptsd",), ["active-placebo", "dose-comparison"]),
    ("Ketamine in mice", "Mice received ketamine at doses of 1, 3 and 10 mg/kg.", "preclinical",
     (), ["dose-comparison"]),
    ("Ketamine in mice", "Ketamine (1-30 mg/kg, i.p.) dose-dependently reduced immobility.",
     "preclinical", (), ["dose-comparison"]),
    ("Ketamine in mice", "Ketamine dose-dependently reduced immobility at 3 to 30 mg/kg.",
     "preclinical", (), ["dose-comparison"]),
    ("Psilocybin in volunteers", "Healthy volunteers received placebo and psilocybin 0.115, "
     "0.215 and 0.315 mg/kg in random order.", "rct", (), ["placebo", "dose-comparison"]),
    ("Ketamine for depression", "Participants received a single infusion of ketamine 0.5 mg/kg "
     "or midazolam 0.045 mg/kg.", "rct", ("depression",), ["active-placebo"]),
    ("Ketamine in volunteers", "Ketamine was administered orally and intravenously on separate "
     "days.", "rct", (), ["active-drug"]),
    ("Ketamine in volunteers", "Oral and intravenous ketamine were compared in a crossover.",
     "rct", (), ["active-drug"]),
    ("Intranasal versus intravenous ketamine", "Children received intranasal or intravenous "
     "ketamine.", "rct", (), ["active-drug"]),
    ("Ketamine versus fentanyl for pain: a systematic review", "We included randomised trials "
     "comparing ketamine with fentanyl.", "systematic-review", (), ["active-drug"]),
    ("Ketamine for depression: a meta-analysis", "Trials comparing ketamine against placebo or "
     "ECT were pooled.", "meta-analysis", ("depression",), ["placebo", "active-non-drug"]),
    ("Psilocybin for depression", "Participants were randomised to immediate or delayed (8 "
     "weeks) psilocybin treatment.", "rct", ("depression",), ["waitlist"]),
    ("Ketamine vs ECT", "Patients were randomly assigned to ketamine or ECT.", "rct",
     ("depression",), ["active-non-drug"]),
    ("Ketamine for depression", "All patients received usual care; patients were randomised to "
     "ketamine or saline.", "rct", ("depression",), ["placebo"]),
    # twins: one route on two days, the same dose twice, an animal's anaesthetic range
    ("Ketamine in volunteers", "Ketamine was given intravenously on two separate days.", "rct",
     (), []),
    ("Psilocybin in volunteers", "Volunteers received two single doses of psilocybin 25 mg, "
     "then an integration session.", "rct", (), []),
    ("Ketamine in rats", "Rats were anaesthetized with ketamine (60-90 mg/kg, i.p.) "
     "dose-dependently to effect.", "preclinical", (), []),
]  # fmt: skip


# Sentences the new cues must leave alone (or read rightly).
STEADY = [
    ("Ketamine for depression", "No studies comparing ketamine with ECT have been published.",
     "rct", ("depression",), []),
    ("Ketamine for depression", "Previous work comparing ketamine with midazolam found large "
     "effects.", "rct", ("depression",), []),
    ("Ketamine in rats", "Ketamine (80 mg/kg) and xylazine (10 mg/kg) were used for "
     "anaesthesia.", "preclinical", (), []),
    ("Ketamine in mice", "Mice were treated with ketamine (10 mg/kg) and tested 1 to 7 days "
     "later.", "preclinical", (), []),
    ("Ketamine in mice", "Ketamine (10 mg/kg) reduced immobility dose-dependently.",
     "preclinical", (), []),
    ("Ketamine for depression", "Trials compared ketamine with placebo at doses ranging from "
     "0.1 to 1 mg/kg.", "meta-analysis", ("depression",), ["placebo"]),
    ("Ketamine for depression", "Ten trials were included; one found ketamine superior to "
     "placebo.", "meta-analysis", ("depression",), []),
    ("MDMA for PTSD", "MDMA-assisted therapy was compared with placebo-assisted therapy.", "rct",
     ("ptsd",), ["placebo"]),
    ("Psilocybin for depression", "Both groups received psychotherapy; participants were "
     "randomised to psilocybin or placebo.", "rct", ("depression",), ["placebo"]),
    ("Psilocybin for depression", "We used a waitlist-controlled, delayed-start design.", "rct",
     ("depression",), ["waitlist"]),
    ("Psilocybin for depression", "Participants were randomised to psilocybin now or after a "
     "delayed start with placebo first.", "rct", ("depression",), ["placebo"]),
    ("Ketamine in volunteers", "Ketamine 0.5 mg/kg was infused over 40 minutes in a crossover "
     "with saline.", "rct", (), ["placebo"]),
    ("Ketamine in mice", "Mice received ketamine (10 mg/kg) or vehicle, and fluoxetine (20 "
     "mg/kg) as a positive control.", "preclinical", (), ["placebo", "active-drug"]),
    ("Ketamine in mice", "Mice received vehicle or ketamine at 1, 3 or 10 mg/kg.",
     "preclinical", (), ["placebo", "dose-comparison"]),
    ("Psilocybin in volunteers", "Volunteers received psilocybin 10 mg and 25 mg in two "
     "sessions, then were followed for a month.", "rct", (), ["dose-comparison"]),
    ("Ketamine for depression", "The doses studied across trials ranged from 0.1 to 1.0 mg/kg; "
     "a dose-response relationship was seen.", "meta-analysis", ("depression",), []),
    ("Ketamine for depression", "We searched PubMed for placebo-controlled trials; 12 trials "
     "(n = 600) compared ketamine with placebo.", "meta-analysis", ("depression",), ["placebo"]),
]  # fmt: skip


# Blinding drugs: an active placebo where it blinds, or dosed as one (per 70 kg).
BLINDERS = [
    ("Psilocybin can occasion mystical-type experiences", "Psilocybin (30 mg/70 kg) or "
     "methylphenidate hydrochloride (40 mg/70 kg) was administered on two or three sessions in "
     "a double-blind design.", "rct", (), ["active-placebo"]),
    ("Psilocybin can occasion mystical-type experiences", "Volunteers received psilocybin (30 "
     "mg/70 kg) and, in a separate session, methylphenidate (40 mg/70 kg).", "rct", (),
     ["active-placebo"]),
    ("Psilocybin in volunteers", "In a double-blind study, psilocybin was compared with "
     "methylphenidate (40 mg/70 kg), an active comparison compound.", "rct", (),
     ["active-placebo"]),
    ("Psilocybin in volunteers", "Participants received psilocybin or diphenhydramine (50 mg) "
     "in random order.", "rct", (), ["active-placebo"]),
    ("Ketamine for depression", "Ketamine (0.5 mg/kg) was compared with an active placebo, "
     "midazolam (0.045 mg/kg).", "rct", ("depression",), ["active-placebo"]),
    ("Ketamine in healthy volunteers", "Ketamine was compared with methylphenidate (40 mg/70 kg) "
     "in a crossover.", "rct", (), ["active-placebo"]),
    # twin: outside the blinding conditions, an undosed methylphenidate arm is a drug compared
    ("Ketamine in healthy volunteers", "Ketamine was compared with methylphenidate in a "
     "crossover.", "rct", (), ["active-drug"]),
]  # fmt: skip

# Reviews: what the pooled comparisons were against, not one trial's result.
REVIEWS = [
    ("Ketamine for depression", "In one trial, ketamine outperformed placebo at 24 hours.",
     "meta-analysis", ("depression",), []),
    ("Ketamine for depression", "A single RCT showed benefit over placebo.", "systematic-review",
     ("depression",), []),
    ("Ketamine for depression", "The largest trial found no difference from placebo.",
     "systematic-review", ("depression",), []),
    ("Ketamine for depression", "Only one study reported a placebo comparison.",
     "systematic-review", ("depression",), []),
    ("Ketamine for depression", "Compared with placebo, ketamine reduced depression scores (SMD "
     "-0.8).", "meta-analysis", ("depression",), ["placebo"]),
    ("Ketamine for depression", "Seven placebo-controlled trials were included.",
     "meta-analysis", ("depression",), ["placebo"]),
    ("Ketamine for depression", "Randomized trials of ketamine versus placebo or midazolam were "
     "eligible.", "meta-analysis", ("depression",), ["placebo", "active-placebo"]),
    ("Ketamine for depression", "Eligible trials compared ketamine with placebo; one also "
     "included an ECT arm.", "meta-analysis", ("depression",), ["placebo", "active-non-drug"]),
    ("Esketamine for depression", "Trials of esketamine against placebo and of ketamine against "
     "midazolam were pooled.", "meta-analysis", ("depression",), ["placebo", "active-placebo"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("title", "text", "design", "conditions", "expected"), MORE + STEADY + BLINDERS + REVIEWS
)
def test_more_unseen_phrasings(title, text, design, conditions, expected):
    assert comparators(title, text, design, conditions) == expected


def test_the_evidence_is_the_sentence_that_says_so():
    record = {"title": "Ketamine and ECT", "abstract": NON_DRUGS[0][1]}
    found = extract_details(record, RULES, design="rct", conditions=("ptsd",))
    assert [r for r in found.provenance if r[0] == "comparators"] == [
        ("comparators", "active-non-drug", "abstract", NON_DRUGS[0][1])
    ]


# -- rules as data ----------------------------------------------------------------------------


def _write(tmp_path, change) -> Path:
    rules = yaml.safe_load(CONFIG.read_text())
    change(rules)
    path = tmp_path / "details.yml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True))
    return path


CHECKS = ("dose_series, dose_range, range_not_arms, pooled_doses, not_pooled, searched, "
          "stated_against, waitlist_named, therapy_both_arms, therapy_alone, "
          "blinder_dose, care_named")  # fmt: skip


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda r: r["comparator_checks"].pop("waitlist_named"), "missing waitlist_named"),
        (lambda r: r["comparator_checks"].update(wait_list="x"), "unknown wait_list"),
    ],
)
def test_a_missing_or_unknown_comparator_check_is_a_config_error(tmp_path, change, problem):
    path = _write(tmp_path, change)
    with pytest.raises(ConfigError) as error:
        load_details(path)
    assert str(error.value) == f"{path}: comparator_checks: {problem} (the checks are {CHECKS})"


def test_comparator_checks_must_be_a_mapping(tmp_path):
    path = _write(tmp_path, lambda r: r.update(comparator_checks=["x"]))
    with pytest.raises(ConfigError) as error:
        load_details(path)
    assert str(error.value) == f"{path}: comparator_checks must map each of {CHECKS} to a pattern"


def test_a_bad_comparator_check_pattern_is_a_config_error(tmp_path):
    path = _write(tmp_path, lambda r: r["comparator_checks"].update(dose_series="(unclosed"))
    with pytest.raises(ConfigError) as error:
        load_details(path)
    assert str(error.value).startswith(
        f"{path}: comparator_checks.dose_series: bad pattern '(unclosed': missing ), "
    )


def test_an_unknown_term_in_a_comparator_check_is_a_config_error(tmp_path):
    path = _write(tmp_path, lambda r: r["comparator_checks"].update(dose_range="{drugz} \\d"))
    with pytest.raises(ConfigError) as error:
        load_details(path)
    assert str(error.value) == f"{path}: unknown term {{drugz}} in '{{drugz}} \\\\d'"


@pytest.mark.parametrize(
    "title, text, design, expected",
    [
        # the study drug first in a list of arms, the other drug after "or"
        (
            "Ketamine versus thiopental for ECT",
            "Patients were randomly allocated to ketamine "
            "0.8 mg/kg or sodium thiopental 1.5 mg/kg as the anaesthetic.",
            "rct",
            ["active-drug"],
        ),
        # another NMDA antagonist head to head
        (
            "Arketamine in mice",
            "We compared (R)-ketamine with lanicemine in susceptible mice.",
            "preclinical",
            ["active-drug"],
        ),
        # animal groups named by their injection
        (
            "Arketamine in mice",
            "Bone density differed between CSDS + saline and CSDS + arketamine mice.",
            "preclinical",
            ["placebo"],
        ),
        # the control arm's own care
        (
            "Ketamine after caesarean section",
            "The ketamine group received 0.5 mg/kg ketamine "
            "and the control group received standard postpartum care.",
            "rct",
            ["usual-care"],
        ),
        # twins: "standard care" as everyone's background, and a comparator dose after "or"
        (
            "Ketamine after caesarean section",
            "All women received standard postpartum care.",
            "rct",
            [],
        ),
    ],
)
def test_arms_named_in_lists_and_groups(title, text, design, expected):
    assert comparators(title, text, design, ("depression",)) == expected


# -- a non-drug treatment the participants had before is a history, not an arm -------------

HISTORY = [
    ("Ketamine for depression", "Since the first randomized trial, ketamine has been tried "
     "in episodes that had not responded to two antidepressants or to electroconvulsive "
     "therapy.", "systematic-review", []),
    ("Esketamine in TRD", "Before randomization, all patients had failed medication or ECT.",
     "rct", []),
    ("Ketamine in TRD", "In this randomized trial, patients were refractory to medication or "
     "to rTMS.", "rct", []),
    # an assignment after the history still names the arms
    ("Ketamine or ECT", "Patients who failed two antidepressants were randomised to ketamine "
     "or ECT.", "rct", ["active-non-drug"]),
    ("Ketamine or ECT", "Inpatients were randomly assigned to ketamine or to electroconvulsive "
     "therapy.", "rct", ["active-non-drug"]),
]  # fmt: skip


@pytest.mark.parametrize(("title", "text", "design", "expected"), HISTORY)
def test_a_treatment_history_is_no_comparator(title, text, design, expected):
    assert comparators(title, text, design, conditions=("depression",)) == expected


# -- two doses everyone receives in turn are a course, not dose arms -------------------------

COURSE = [
    ("Psilocybin for depression", "Adults were randomized to an immediate or a delayed start "
     "and received two oral doses of psilocybin (20 mg/70 kg and 30 mg/70 kg).", "rct",
     ["waitlist"]),
    ("Psilocybin for depression", "Patients were randomized to psilocybin or waitlist and "
     "were given two doses of psilocybin (10 mg and 25 mg).", "rct", ["waitlist"]),
    # in random order, the doses are conditions compared
    ("Psilocybin in volunteers", "In a randomized crossover, each participant received two "
     "doses of psilocybin (10 mg and 25 mg) in random order.", "rct", ["dose-comparison"]),
]  # fmt: skip


@pytest.mark.parametrize(("title", "text", "design", "expected"), COURSE)
def test_two_doses_everyone_receives_are_no_dose_arms(title, text, design, expected):
    assert comparators(title, text, design, conditions=("depression",)) == expected
