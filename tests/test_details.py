"""harvest.tagging.details: comparators, doses, sessions, harms and funding from our own
sentences, each with the sentence it came from; config/details.yml checked at load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harvest.errors import ConfigError
from harvest.tagging.details import combine_funding, extract_details, load_details

CONFIG = Path(__file__).resolve().parents[1] / "config" / "details.yml"
RULES = load_details(CONFIG)


def record(abstract: str, title: str = "A study", **extra) -> dict:
    return {"title": title, "abstract": abstract, **extra}


def sections(*parts: tuple[str, str], title: str = "A trial", **extra) -> dict:
    return {
        "title": title,
        "abstract_sections": [{"label": n, "category": n, "text": t} for n, t in parts],
        **extra,
    }


def details(rec: dict, design: str = "rct", conditions=("ptsd",)):
    return extract_details(rec, RULES, design=design, conditions=conditions)


# -- comparators ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Patients were randomised to ketamine or saline placebo infusions.", ["placebo"]),
        ("We randomised adults to ketamine or midazolam, an active placebo.", ["active-placebo"]),
        ("Participants received psilocybin 25 mg or niacin 100 mg in random order.",
         ["active-placebo"]),
        ("A double-blind, placebo-controlled crossover trial of MDMA.", ["placebo"]),
        ("Patients were randomly assigned to ketamine versus electroconvulsive therapy.",
         ["active-non-drug"]),
        ("Psilocybin was compared with escitalopram over six weeks in a randomized trial.",
         ["active-drug"]),
        ("Veterans were randomized to ketamine or a waitlist control.", ["waitlist"]),
        ("Participants were randomized to ketamine plus treatment as usual or usual care alone.",
         ["usual-care"]),
        ("Adults were randomized to 0.2 mg/kg vs 0.5 mg/kg ketamine.", ["dose-comparison"]),
        ("Adults were randomized to ketamine 0.1, 0.2 or 0.5 mg/kg.", ["dose-comparison"]),
        ("The control group received normal saline infusions.", ["placebo"]),
    ],
)  # fmt: skip
def test_comparator_of_a_randomised_trial(text, expected):
    assert details(record(f"In this trial, {text}")).comparators == expected


def test_single_arm_and_observational_work_has_no_comparator():
    text = "In this open-label study, 20 patients received ketamine; none had placebo."
    assert details(record(text), design="observational").comparators == []
    assert details(record(text), design="narrative-review").comparators == []


def test_comparator_needs_a_comparison_in_its_sentence():
    text = "In this trial, midazolam premedication is standard. Ketamine was given to all."
    assert details(record(text)).comparators == []


# -- doses ----------------------------------------------------------------------------------


def test_doses_of_the_study_drug_not_the_comparator():
    found = details(
        record("Adults were randomized to ketamine (0.5 mg/kg) or midazolam (0.045 mg/kg).")
    )
    assert found.doses == [{"drug": "ketamine", "amount": 0.5, "unit": "mg/kg"}]
    assert found.dose_band == ["ketamine-sub-anaesthetic"]
    assert ("doses", "ketamine 0.5 mg/kg", "abstract",
            "Adults were randomized to ketamine (0.5 mg/kg) or midazolam (0.045 mg/kg).") in (
        found.provenance
    )  # fmt: skip


def test_both_ends_of_a_range_and_each_arm():
    found = details(record("Participants received esketamine 56 mg or 84 mg, then 28-56 mg."))
    assert found.doses == [
        {"drug": "esketamine", "amount": 56, "unit": "mg"},
        {"drug": "esketamine", "amount": 84, "unit": "mg"},
        {"drug": "esketamine", "amount": 28, "unit": "mg"},
    ]
    assert found.dose_band == ["esketamine-56mg", "esketamine-84mg", "esketamine-28mg"]


def test_per_70_kg_becomes_mg_per_kg_and_rates_caps_are_not_doses():
    found = details(
        record(
            "In this trial, participants received psilocybin 10 mg/70 kg. Ketamine was infused "
            "at 0.5 mg/kg/h. Ketamine was given up to 1 mg/kg."
        )
    )
    assert found.doses == [{"drug": "psilocybin", "amount": 0.1429, "unit": "mg/kg"}]


def test_microgram_doses_and_mdma_milligrams():
    found = details(
        record("Participants received intranasal ketamine 50 \u00b5g/kg; MDMA 120 mg was given.")
    )
    assert found.doses == [
        {"drug": "ketamine", "amount": 50, "unit": "\u00b5g/kg"},
        {"drug": "mdma", "amount": 120, "unit": "mg"},
    ]
    assert found.dose_band == ["mdma-therapeutic"]


# -- sessions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Participants received six infusions of ketamine over two weeks.", 6),
        ("Ketamine was given twice weekly for four weeks.", 8),
        ("Patients received a single dose of psilocybin with psychological support.", 1),
        ("Participants had three MDMA sessions a month apart.", 3),
        ("Patients received up to six ketamine infusions as needed.", None),
        ("Esketamine was taken daily for a month.", None),
        ("Patients had three infusions per week for two weeks.", 6),
        ("Psilocybin was administered in two sessions with psychological support.", 2),
        ("Participants had three preparatory sessions and one psilocybin session.", 1),
        ("Ketamine was administered three times over one week.", 3),
        ("Response was three times higher with ketamine.", None),
        ("Participants received two doses of psilocybin 25 mg, three weeks apart.", 2),
        ("Each participant received one of two doses of ketamine.", None),
        ("Patients received six ketamine infusions. All kept their daily antidepressant.", 6),
    ],
)
def test_sessions_when_stated_or_unambiguous(text, expected):
    assert details(record(f"In this trial, {text}")).sessions == expected


def test_no_sessions_for_reviews_and_observational_studies():
    text = "We reviewed trials in which patients received six infusions."
    assert details(record(text), design="meta-analysis").sessions is None
    assert details(record(text), design="observational").sessions is None


# -- safety ---------------------------------------------------------------------------------


def test_reported_harms_in_either_direction_not_background():
    found = details(
        sections(
            ("BACKGROUND", "Ketamine is known to cause dissociation and bladder damage."),
            ("RESULTS", "Transient dissociative symptoms occurred. Blood pressure rose "
                        "modestly. No serious adverse events were reported."),
            ("CONCLUSIONS", "Future studies should be explored for hepatic effects."),
        )
    )  # fmt: skip
    assert found.safety == ["dissociation", "cardiovascular", "serious-adverse-events"]


def test_suicidality_is_a_harm_only_when_it_is_not_the_target():
    text = "In this trial, suicidal ideation did not increase with psilocybin."
    assert details(record(text), conditions=("depression",)).safety == ["suicidality-safety"]
    target = "In this trial, suicidal ideation fell within hours of ketamine."
    assert details(record(target), conditions=("suicidality",)).safety == []


def test_generic_tolerability_and_named_other_harms():
    found = details(record("In this trial, esketamine was well tolerated; dizziness was common."))
    assert found.safety == ["general-tolerability"]
    found = details(record("In this trial, adverse events were nausea and headache."))
    assert found.safety == ["nausea-vomiting", "headache"]


def test_misuse_needs_explicit_misuse_not_use_prevalence():
    found = details(record("In this trial, no signs of misuse or dependence emerged."))
    assert found.safety == ["abuse-liability"]


# -- funding --------------------------------------------------------------------------------


def test_funding_from_grants_coi_and_funding_sentences():
    grants = [{"agency": "NIMH NIH HHS", "acronym": "MH"}]
    assert details(record("x", grants=grants)).funding == "public"
    sponsored = record("In this trial, ketamine helped. This study was funded by Janssen.")
    assert details(sponsored).funding == "industry"
    both = record("x", grants=grants, coi_statement="The trial was sponsored by Compass Pathways.")
    assert details(both).funding == "mixed"
    personal = record("x", coi_statement="Dr A has received consulting fees from Janssen.")
    assert details(personal).funding == "unknown"


def test_combine_funding():
    assert combine_funding(set()) == "unknown"
    assert combine_funding({"public"}) == "public"
    assert combine_funding({"industry", "public"}) == "mixed"
    assert combine_funding({"mixed", "public"}) == "mixed"


# -- rules as data --------------------------------------------------------------------------


def test_a_missing_safety_topic_is_a_config_error(tmp_path):
    path = tmp_path / "details.yml"
    shutil.copy(CONFIG, path)
    text = path.read_text().replace("  hyponatremia:", "  low-sodium:")
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_details(path)
    assert str(error.value) == (
        f"{path}: safety: missing hyponatremia (the fixed vocabulary is dissociation, "
        "cardiovascular, hyponatremia, abuse-liability, suicidality-safety, psychotic-symptoms, "
        "urological, hepatic, nausea-vomiting, headache, serious-adverse-events, "
        "general-tolerability)"
    )


def test_a_bad_pattern_is_a_config_error(tmp_path):
    path = tmp_path / "details.yml"
    shutil.copy(CONFIG, path)
    path.write_text(path.read_text().replace("'\\bwaiting list", "'(unclosed"))
    text = path.read_text().replace("    - '\\bwait(?:ing)?[- ]?list\\b'", "    - '(unclosed'")
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load_details(path)
    assert str(error.value).startswith(f"{path}: comparators.waitlist: bad pattern '(unclosed'")
