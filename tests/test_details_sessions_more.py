"""harvest.tagging.details, sessions, fourth pass (issue 14 held-out classes): one bounded
infusion, one administration in a study the design tagger calls observational or a review, an
optional open-label extension, three sessions phrased other ways, blinded plus open-label
counts; and the schedules that must stay None. The session rules moved out of the code are
config/details.yml keys, checked at load."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from harvest.errors import ConfigError
from harvest.tagging.details import extract_details, load_details

CONFIG = Path(__file__).resolve().parents[1] / "config" / "details.yml"
RULES = load_details(CONFIG)


def sessions(text: str, design: str) -> int | None:
    record = {"title": "A study", "abstract": text}
    return extract_details(record, RULES, design=design, conditions=()).sessions


@pytest.mark.parametrize(
    ("design", "text", "expected"),
    [
        ("rct", "Patients were randomized to a 30-minute continuous infusion of esketamine 1 "
         "mg/kg/h or the same volume of saline during surgery.", 1),
        ("rct", "Patients undergoing laparoscopic cholecystectomy received a 30-min continuous "
         "infusion of esketamine 0.5 mg/kg/h or the same volume of normal saline.", 1),
        ("rct", "Esketamine was given as a continuous infusion of 0.3 mg/kg/h for 60 minutes from "
         "induction; controls received saline.", 1),
        ("rct", "After induction, ketamine was infused continuously at 0.25 mg/kg/h until the end "
         "of surgery.", 1),
        ("other", "Twenty healthy volunteers were scanned awake and during ketamine infusion in a "
         "single visit.", 1),
        ("other", "Sixteen healthy men underwent resting-state fMRI before and during a "
         "subanaesthetic ketamine infusion.", 1),
        ("observational", "Plasma concentrations were measured in 24 volunteers after a single "
         "oral dose of psilocybin between 3 and 30 mg.", 1),
        ("preclinical", "Rats were treated with a single intraperitoneal dose of ketamine (10 "
         "mg/kg) and tested 24 h later.", 1),
        ("preclinical", "Mice received a single intraperitoneal dose of ketamine (30 mg/kg).", 1),
        ("preclinical", "Behaviour was tested 24 h after a single intraperitoneal injection of "
         "ketamine (10 mg/kg).", 1),
        ("narrative-review", "Pharmacokinetics were characterised in 12 healthy volunteers after "
         "an intravenous infusion of psilocybin (1 mg).", 1),
        ("protocol", "Participants will be randomised to one dosing session of 25 mg psilocybin or "
         "placebo. An open-label extension offers a further 25 mg dose to participants in the "
         "placebo arm.", 1),
        ("protocol", "Participants will be randomised to one dosing session of 25 mg psilocybin or "
         "placebo, and an open-label extension offers a further 25 mg dose.", 1),
        ("rct", "Each patient received one infusion of ketamine 0.5 mg/kg or midazolam; "
         "non-responders were offered an open-label ketamine infusion.", 1),
        ("rct", "Participants had two blinded sessions with psilocybin or placebo plus a third "
         "open-label one.", 3),
        ("rct", "Participants attended three dosing days, each one week apart.", 3),
        ("rct", "Psilocybin was administered on three occasions.", 3),
        ("rct", "Participants received a series of three ketamine infusions.", 3),
        ("rct", "Ketamine was infused in a series of three, one week apart.", 3),
        ("rct", "MDMA was given on three separate days.", 3),
        ("rct", "Each participant was dosed three times, two weeks apart.", 3),
        ("rct", "Participants took MDMA on days 1, 15 and 29.", 3),
        ("rct", "Participants underwent two double-blind MDMA sessions and one open-label MDMA "
         "session.", 3),
        ("rct", "There were three psilocybin dosing days separated by two weeks.", 3),
        ("rct", "Three dosing sessions were held at monthly intervals.", 3),
        ("rct", "Participants received two doses one week apart.", 2),
        ("rct", "Patients received ketamine twice weekly for two weeks.", 4),
        ("rct", "Esketamine was self-administered twice a week for 4 weeks.", 8),
        ("rct", "Patients were randomized to three arms (ketamine, midazolam or saline), each "
         "given as a single infusion.", 1),
        ("rct", "In this crossover trial, each participant received a single dose of psilocybin "
         "and, in a separate session, placebo.", 2),
        ("rct", "Participants received psilocybin 25 mg and niacin 100 mg in counterbalanced "
         "order.", 2),
        ("rct", "Patients received six ketamine infusions over three weeks.", 6),
        ("rct", "Nine infusions of ketamine were given over three weeks.", 9),
        ("rct", "Participants received ketamine three times a week for three weeks.", 9),
        ("rct", "Participants received esketamine on two occasions separated by one week.", 2),
        ("rct", "Patients in both groups received two infusions one week apart.", 2),
        ("rct", "Patients received ketamine 0.5 mg/kg twice, one week apart.", 2),
        ("rct", "Participants received two psilocybin doses (10 mg and 25 mg) two weeks apart.", 2),
        ("rct", "The 3 groups each received one infusion.", 1),
        ("rct", "Over 2 weeks, patients received 6 infusions of ketamine.", 6),
        ("rct", "Six infusions were administered over 12 days.", 6),
        ("rct", "Patients received three infusions a week for 2 weeks.", 6),
        ("open-label-trial", "Participants completed a course of six ketamine infusions over 3 "
         "weeks.", 6),
        ("rct", "Participants were randomly assigned to receive two infusions of ketamine or "
         "midazolam, 1 week apart.", 2),
        ("rct", "Patients received a single subanesthetic dose of ketamine during "
         "electroconvulsive therapy.", 1),
        # no fixed number, or no dosing of this study's own: None
        ("rct", "Patients received up to six infusions.", None),
        ("open-label-trial", "Patients took daily oral ketamine for six weeks.", None),
        ("open-label-trial", "Responders continued ongoing maintenance infusions of ketamine."
         "Responders continued ongoing maintenance infusions of ketamine.", None),
        ("observational", "In this retrospective chart review, patients received a median of 6 "
         "infusions.", None),
        ("observational", "We reviewed the charts of 120 patients who received six ketamine "
         "infusions at our clinic.", None),
        ("narrative-review", "A single infusion of ketamine produces rapid antidepressant effects."
         "A single infusion of ketamine produces rapid antidepressant effects.", None),
        ("narrative-review", "Studies show that a single dose of psilocybin can produce lasting "
         "benefit.", None),
        ("systematic-review", "We included trials in which patients received a single dose of "
         "psilocybin.", None),
        ("meta-analysis", "Across trials, a single infusion of ketamine reduced suicidal ideation."
         "Across trials, a single infusion of ketamine reduced suicidal ideation.", None),
        ("observational", "Reports of adverse events after a single dose of esketamine were "
         "retrieved from FAERS.", None),
        ("open-label-trial", "Patients received ketamine by continuous infusion over five days."
         "Patients received ketamine by continuous infusion over five days.", None),
        ("rct", "Ketamine 0.5 mg/kg was given at induction, then infused continuously.", None),
        ("open-label-trial", "Participants received flexible oral ketamine dosing.", None),
        ("rct", "Patients were randomized to a single infusion or to six infusions of ketamine."
         "Patients were randomized to a single infusion or to six infusions of ketamine.", None),
        ("observational", "Patients who received a single infusion were compared with those who "
         "received repeated infusions.", None),
    ],
)  # fmt: skip
def test_sessions_of_unseen_style_sentences(design, text, expected):
    assert sessions(text, design) == expected


@pytest.mark.parametrize(
    ("design", "text", "expected"),
    [
        ("rct", "Esketamine (0.2 mg/kg) or saline was infused over 40 minutes immediately after "
         "delivery.", 1),
        ("rct", "Patients received esketamine 0.25 mg/kg as a bolus followed by a 1-hour infusion "
         "of 0.125 mg/kg/h.", 1),
        ("rct", "A 40-minute infusion of ketamine 0.5 mg/kg or midazolam 0.045 mg/kg was given to "
         "each participant.", 1),
        ("rct", "Children were randomly allocated to receive intranasal esketamine 1 mg/kg or "
         "saline 30 min before induction.", 1),
        ("rct", "During anaesthesia, esketamine was continuously infused at 0.3 mg/kg/h in the "
         "intervention group and saline in the control group.", 1),
        ("open-label-trial", "All patients received a single 25 mg dose of psilocybin with "
         "psychological support.", 1),
        ("protocol", "Participants will receive a single 25 mg oral dose of psilocybin; those "
         "randomised to the delayed arm may receive psilocybin after week 12.", 1),
        ("protocol", "Eligible participants will be randomised to one psilocybin session (25 mg) "
         "or a placebo session; an optional open-label session will be offered after unblinding.",
         1),
        ("observational", "In this naturalistic study, 30 participants were assessed before and "
         "after a single dose of psilocybin taken at a retreat.", 1),
        ("observational", "We measured mood in 40 adults before and after they received a single "
         "infusion of ketamine.", 1),
        ("narrative-review", "We administered a single oral dose of MDMA (125 mg) to 16 healthy "
         "volunteers.", 1),
        ("preclinical", "Adult male rats were given a single intraperitoneal injection of ketamine "
         "(10 mg/kg) or saline.", 1),
        ("preclinical", "Mice were injected once with ketamine (10 mg/kg, i.p.).", 1),
        ("rct", "The trial comprised three dosing sessions of MDMA-assisted therapy.", 3),
        ("rct", "Participants attended three experimental sessions, receiving psilocybin 10 mg, 25 "
         "mg or placebo in counterbalanced order.", 3),
        ("rct", "On three occasions, participants received MDMA 125 mg or placebo.", 3),
        ("rct", "Ketamine was administered three times at weekly intervals.", 3),
        ("rct", "Participants completed two blinded dosing sessions followed by one open-label "
         "session.", 3),
        ("rct", "Psilocybin was given in two double-blind sessions and then in one open-label "
         "session.", 3),
        ("rct", "Two blinded psilocybin sessions and one open-label psilocybin session for "
         "non-responders were offered.", 2),
        ("rct", "Each participant received two doses of psilocybin one week apart and was followed "
         "for 12 weeks.", 2),
        ("rct", "Patients were randomized to two arms and received four infusions over two weeks."
         "Patients were randomized to two arms and received four infusions over two weeks.", 4),
        ("rct", "Esketamine was administered twice a week for three weeks.", 6),
        ("rct", "Participants received six weekly infusions.", 6),
        ("rct", "In a crossover design, each participant completed a ketamine session and a "
         "placebo session.", 2),
        ("rct", "Volunteers received MDMA (125 mg) and placebo in a randomized, double-blind, "
         "crossover design.", 2),
        ("rct", "Participants received two psilocybin sessions, 3 weeks apart, across a 12-week "
         "trial.", 2),
        ("rct", "Three groups (ketamine, esketamine, saline) each received a single infusion.", 1),
        ("rct", "Patients were randomized 1:1:1 to one of three groups and received one infusion."
         "Patients were randomized 1:1:1 to one of three groups and received one infusion.", 1),
        ("rct", "Participants were dosed on two separate days, one week apart.", 2),
        # no fixed number, or no dosing of this study's own: None
        ("open-label-trial", "Patients received up to eight esketamine sessions as clinically "
         "indicated.", None),
        ("open-label-trial", "Ketamine was given orally every day for four weeks.", None),
        ("open-label-trial", "Patients stayed on maintenance esketamine with sessions every one to "
         "two weeks.", None),
        ("observational", "Patients received a mean of 7.2 ketamine infusions (SD 2.1).", None),
        ("observational", "Of the 235 patients, most received six infusions over two to three "
         "weeks.", None),
        ("observational", "Records of 80 patients who received a single ketamine infusion in the "
         "emergency department were reviewed.", None),
        ("narrative-review", "After a single dose of psilocybin, depressive symptoms may improve "
         "for weeks.", None),
        ("narrative-review", "Ketamine is typically given as an infusion of 0.5 mg/kg over 40 "
         "minutes.", None),
        ("systematic-review", "Eleven trials gave a single infusion of ketamine 0.5 mg/kg.", None),
        ("meta-analysis", "Trials in which participants received two or three psilocybin sessions "
         "were pooled.", None),
        ("rct", "Patients were randomized to twice-weekly or once-weekly esketamine for four "
         "weeks.", None),
        ("open-label-trial", "Infusions were continued as needed for relapse.", None),
        ("case-report", "The patient received ketamine infusions every few weeks for two years."
         "The patient received ketamine infusions every few weeks for two years.", None),
    ],
)  # fmt: skip
def test_sessions_of_more_unseen_style_sentences(design, text, expected):
    assert sessions(text, design) == expected


# multi-sentence methods, listed dosing days, an escalating second dose, a bounded infusion
# after a bolus, and a within-subject design's control sessions
@pytest.mark.parametrize(
    ("design", "text", "expected"),
    [
        ("rct", "Methods: Forty adults with PTSD were randomized to MDMA-assisted therapy or "
         "placebo-assisted therapy. Participants had three 8-hour experimental sessions at 4-week "
         "intervals, each preceded by three preparatory sessions.", 3),
        ("rct", "Patients were randomized to three groups: ketamine 0.25 mg/kg, ketamine 0.5 "
         "mg/kg, or saline. Each patient received a single infusion. Depression was assessed at 1, "
         "3 and 7 days.", 1),
        ("rct", "This crossover trial compared psilocybin with placebo. Each participant attended "
         "two dosing days separated by at least 4 weeks.", 2),
        ("rct", "In a within-subject design, participants were tested under ketamine and under "
         "placebo.", 2),
        ("rct", "Participants received esketamine 56 mg or placebo nasal spray on days 1, 4, 8, "
         "11, 15, 18, 22 and 25.", 8),
        ("rct", "Patients received ketamine (0.5 mg/kg) or midazolam twice a week over two weeks, "
         "for four infusions in total.", 4),
        ("rct", "Participants received two doses of psilocybin (20 mg/70 kg and 30 mg/70 kg) one "
         "month apart.", 2),
        ("open-label-trial", "Twelve patients received psilocybin 10 mg and, one week later, 25 "
         "mg.", 2),
        ("rct", "Ketamine (0.5 mg/kg) was administered three times over a week, on Monday, "
         "Wednesday and Friday.", 3),
        ("open-label-trial", "Participants received three psilocybin dosing sessions of escalating "
         "dose (10, 20 and 30 mg).", 3),
        ("rct", "The study involved three dosing days, with MDMA 75 mg, MDMA 125 mg or placebo "
         "given in balanced order.", 3),
        ("rct", "Healthy volunteers received MDMA (125 mg), methylphenidate (60 mg), MDMA plus "
         "methylphenidate, and placebo in a double-blind crossover design.", 4),
        ("rct", "Participants completed one placebo session followed by two psilocybin sessions."
         "Participants completed one placebo session followed by two psilocybin sessions.", 3),
        ("rct", "Each volunteer had two psilocybin sessions and one placebo session in random "
         "order.", 3),
        ("rct", "Participants had two ketamine infusions and two saline infusions, "
         "counterbalanced.", 4),
        ("rct", "Participants received two MDMA sessions and the placebo group two placebo "
         "sessions.", 2),
        ("open-label-trial", "Psilocybin was administered in a fixed order: first a 10 mg dose, "
         "then a 25 mg dose one week later.", 2),
        ("rct", "Patients received 6 infusions of ketamine (0.5 mg/kg) over 3 weeks (Mondays, "
         "Wednesdays and Fridays).", 6),
        ("rct", "Esketamine (0.2 mg/kg) was given intravenously on postoperative days 1, 2 and 3."
         "Esketamine (0.2 mg/kg) was given intravenously on postoperative days 1, 2 and 3.", 3),
        ("rct", "Patients were randomized to receive ketamine 0.5 mg/kg or saline, delivered over "
         "40 min, at weeks 0, 1 and 2.", 3),
        ("rct", "Patients received an intravenous bolus of esketamine 0.5 mg/kg at induction of "
         "anaesthesia. Pain was rated for 48 hours.", 1),
        ("rct", "Ketamine 0.3 mg/kg was given before incision, followed by a continuous infusion "
         "of 0.1 mg/kg/h until wound closure.", 1),
        ("protocol", "Participants will receive two doses of psilocybin (25 mg) three weeks apart, "
         "or two doses of niacin.", 2),
        # no fixed number, or no dosing of this study's own: None
        ("open-label-trial", "Patients received ketamine as needed for breakthrough pain.", None),
        ("open-label-trial", "Oral ketamine was titrated over 4 weeks to a maximum of 3 mg/kg."
         "Oral ketamine was titrated over 4 weeks to a maximum of 3 mg/kg.", None),
        ("observational", "Veterans treated with esketamine in routine care received a median of "
         "18 sessions.", None),
        ("observational", "A retrospective cohort of 200 patients received intravenous ketamine "
         "infusions for depression.", None),
        ("narrative-review", "Most trials used a single infusion of 0.5 mg/kg over 40 minutes."
         "Most trials used a single infusion of 0.5 mg/kg over 40 minutes.", None),
        ("meta-analysis", "We pooled 12 RCTs in which patients received one to six ketamine "
         "infusions.", None),
    ],
)  # fmt: skip
def test_sessions_of_methods_paragraphs_and_listed_days(design, text, expected):
    assert sessions(text, design) == expected


# counts beside the arms and a daily co-medication, phases joined by 'and', a negated
# maintenance, animal schedules
@pytest.mark.parametrize(
    ("design", "text", "expected"),
    [
        ("rct", "Patients were randomized to ketamine or midazolam and received six infusions over "
         "2 weeks.", 6),
        ("rct", "Participants were randomly assigned to receive six infusions of ketamine (0.5 "
         "mg/kg) or saline over 12 days.", 6),
        ("open-label-trial", "Patients received nine ketamine infusions; maintenance was not "
         "provided.", 9),
        ("rct", "Participants received a total of six intravenous infusions of ketamine or "
         "midazolam, three times weekly.", 6),
        ("open-label-trial", "Each patient underwent a series of six ketamine infusions in the "
         "outpatient clinic, alongside daily antidepressant medication.", 6),
        ("rct", "Participants received two infusions of ketamine, separated by one week, or two "
         "infusions of saline.", 2),
        ("rct", "Patients received two 40-minute infusions, the first of ketamine and the second "
         "of midazolam, in random order.", 2),
        ("rct", "Participants underwent two drug sessions (psilocybin 25 mg and 1 mg) in "
         "counterbalanced order.", 2),
        ("open-label-trial", "Esketamine was given twice weekly for the first 4 weeks and weekly "
         "for the next 4 weeks.", 12),
        ("open-label-trial", "Patients received a course of six infusions of ketamine administered "
         "thrice weekly for two weeks.", 6),
        ("rct", "Participants were assigned to six sessions of ketamine-assisted therapy or six "
         "sessions of therapy alone.", 6),
        # no fixed number, or no dosing of this study's own: None
        ("open-label-trial", "After three sessions, patients who had not responded could receive "
         "up to three more.", None),
        ("open-label-trial", "Patients received between four and eight infusions, depending on "
         "response.", None),
        ("open-label-trial", "Esketamine was given at the discretion of the treating psychiatrist."
         "Esketamine was given at the discretion of the treating psychiatrist.", None),
        ("rct", "Patients kept taking their daily antidepressant and received a single infusion of "
         "ketamine.", 1),
        ("rct", "Participants continued daily SSRI treatment and received two psilocybin sessions."
         "Participants continued daily SSRI treatment and received two psilocybin sessions.", 2),
        ("preclinical", "Rats received ketamine (10 mg/kg, i.p.) once daily for 7 days.", None),
        ("preclinical", "Mice were injected with ketamine (10 mg/kg) twice, 24 h apart.", 2),
        ("preclinical", "Animals received three injections of ketamine at 48-h intervals.", 3),
        ("case-report", "A 45-year-old woman received six ketamine infusions over two weeks with "
         "remission.", 6),
        ("case-report", "We describe a patient who developed cystitis after years of ketamine use."
         "We describe a patient who developed cystitis after years of ketamine use.", None),
    ],
)  # fmt: skip
def test_sessions_beside_arms_co_medication_and_negated_schedules(design, text, expected):
    assert sessions(text, design) == expected


# whole methods paragraphs with ratings, ranges and co-medication beside the count; one
# administration in a design the tagger calls observational or a review
@pytest.mark.parametrize(
    ("design", "text", "expected"),
    [
        ("rct", "In this double-blind trial, 30 adults were randomized to MDMA or placebo. "
         "Participants attended three dosing days, each followed by integration sessions. Outcomes "
         "were assessed up to 12 months after the last session.", 3),
        ("rct", "Participants were randomized to psilocybin (25 mg) or niacin. Psilocybin was "
         "given on three occasions, four weeks apart. Participants in the niacin arm could cross "
         "over after week 12.", 3),
        ("open-label-trial", "Twelve adults received ketamine in a series of three infusions over "
         "one week. Depression scores fell after the first infusion and remained lower at 2 weeks.",
         3),
        ("rct", "Patients were randomly assigned to receive either six ketamine infusions or six "
         "midazolam infusions over 3 weeks. Response rates were compared.", 6),
        ("rct", "Patients received ketamine or midazolam. Each patient received two infusions, 1 "
         "week apart. One to two patients per group withdrew.", 2),
        ("rct", "Participants completed two dosing sessions (psilocybin 25 mg or placebo in "
         "session 1, and the other in session 2).", 2),
        ("rct", "Participants received psilocybin in two sessions; the first dose was 10 mg and "
         "the second dose 25 mg.", 2),
        ("open-label-trial", "Patients received nine infusions of ketamine 0.5 mg/kg over 3 weeks. "
         "Up to 20% of patients reported dissociation.", 9),
        ("open-label-trial", "Six infusions were given over two weeks. Between 2 and 4 hours after "
         "each infusion, patients were assessed.", 6),
        ("rct", "Participants had three experimental sessions, at which they received LSD 100 µg, "
         "LSD 200 µg or placebo.", 3),
        ("rct", "Patients were randomized to receive ketamine or saline infusions, each given on "
         "three occasions.", 3),
        ("rct", "Esketamine or placebo nasal spray was self-administered twice weekly for 4 weeks. "
         "Patients continued their oral antidepressant daily.", 8),
        ("narrative-review", "Subjective effects were rated in healthy volunteers following an "
         "intravenous infusion of psilocybin (2 mg).", 1),
        ("observational", "Brain activity was imaged in 20 participants after a single dose of "
         "psilocybin (0.2 mg/kg).", 1),
        ("observational", "Retreat attendees were recruited and surveyed after a single dose of "
         "psilocybin.", 1),
        # no fixed number, or no dosing of this study's own: None
        ("narrative-review", "Effects were observed after a single dose of psilocybin in several "
         "studies.", None),
        ("narrative-review", "After a single infusion of ketamine, patients with depression often "
         "improve within hours.", None),
        ("observational", "Adverse events were recorded in 300 patients after a single infusion of "
         "ketamine; 40 patients had repeated infusions.", None),
    ],
)  # fmt: skip
def test_sessions_of_whole_methods_paragraphs_and_own_study_designs(design, text, expected):
    assert sessions(text, design) == expected


# a third session after two blinded ones: an ordinal after a semicolon or an opening 'after two
# sessions', everyone's session after unblinding; not one offered to non-responders
@pytest.mark.parametrize(
    ("design", "text", "expected"),
    [
        ("rct", "Two blinded sessions were followed by an open-label third session.", 3),
        ("rct", "Participants had two double-blind MDMA sessions; a third session was open-label."
         "Participants had two double-blind MDMA sessions; a third session was open-label.", 3),
        ("rct", "Participants received MDMA or placebo in two blinded sessions and, after "
         "unblinding, all received MDMA in a third session.", 3),
        ("rct", "Participants had two double-blind sessions; non-responders were offered a third "
         "session.", 2),
        ("rct", "After two blinded sessions, a third open-label session followed for all "
         "participants.", 3),
        ("rct", "Each participant had three sessions: two blinded and one open-label.", 3),
        ("rct", "Participants attended two sessions with psilocybin or placebo, then a third "
         "session with psilocybin for everyone.", 3),
    ],
)  # fmt: skip
def test_a_third_session_after_two_blinded_ones(design, text, expected):
    assert sessions(text, design) == expected


def test_one_administration_in_an_own_study_design_keeps_its_sentence():
    text = (
        "Psilocybin is a serotonergic psychedelic. Plasma levels were measured in 24 "
        "volunteers after a single oral dose of psilocybin between 3 and 30 mg."
    )
    found = extract_details(
        {"title": "Psilocybin kinetics", "abstract": text}, RULES, design="observational"
    )
    assert found.sessions == 1
    assert [row for row in found.provenance if row[0] == "sessions"] == [
        (
            "sessions",
            "1",
            "abstract",
            "Plasma levels were measured in 24 volunteers after a single oral dose of "
            "psilocybin between 3 and 30 mg.",
        )
    ]


def test_a_repeat_anywhere_leaves_an_own_study_design_without_sessions():
    text = (
        "We measured mood in 40 adults before and after they received a single infusion of "
        "ketamine. Twelve later had repeated infusions."
    )
    assert sessions(text, "observational") is None


def test_an_open_label_phase_for_some_still_leaves_no_one_number():
    text = (
        "Participants were randomised to one dosing session of psilocybin or placebo. The "
        "placebo group then crossed over to open-label psilocybin."
    )
    assert sessions(text, "rct") is None


@pytest.mark.parametrize(
    ("key", "pattern", "groups"),
    [
        ("next_session", r"\bthen a third session\b", "ord"),
        ("first_second", r"\bfirst dose\b", "what"),
        ("interval", r"\bevery (?P<every>two) weeks\b", "fortnight, month, span, unit"),
    ],
)
def test_a_session_pattern_without_its_named_groups_is_a_config_error(
    tmp_path, key, pattern, groups
):
    path = tmp_path / "details.yml"
    rules = yaml.safe_load(CONFIG.read_text())
    rules["sessions"][key] = pattern
    path.write_text(yaml.safe_dump(rules))
    with pytest.raises(ConfigError) as error:
        load_details(path)
    assert str(error.value) == f"{path}: sessions.{key} needs the named group(s) {groups}"


@pytest.mark.parametrize(
    "key", ["bounded_infusion", "optional_extension", "own_single", "arms_before", "dosed_times"]
)
def test_a_missing_session_setting_is_a_config_error(tmp_path, key):
    path = tmp_path / "details.yml"
    rules = yaml.safe_load(CONFIG.read_text())
    del rules["sessions"][key]
    path.write_text(yaml.safe_dump(rules))
    with pytest.raises(ConfigError) as error:
        load_details(path)
    assert str(error.value) == f"{path}: missing setting sessions.{key}"


def test_a_bad_session_pattern_is_a_config_error(tmp_path):
    path = tmp_path / "details.yml"
    rules = yaml.safe_load(CONFIG.read_text())
    rules["sessions"]["bounded_infusion"] = "(unclosed"
    path.write_text(yaml.safe_dump(rules))
    with pytest.raises(ConfigError) as error:
        load_details(path)
    assert str(error.value).startswith(
        f"{path}: sessions.bounded_infusion: bad pattern '(unclosed'"
    )


@pytest.mark.parametrize(
    "text, expected",
    [
        # every arm's count, the placebo arm named first
        (
            "Veterans (n = 158) were randomised to eight twice-weekly intravenous infusions of "
            "placebo, low-dose ketamine 0.2 mg/kg or standard-dose ketamine 0.5 mg/kg.",
            8,
        ),
        # still no dosing count from a control's sessions alone
        ("Participants had four sessions of placebo before the open phase.", None),
        # a weekly rate over whole weeks of days
        ("Participants took oral ketamine 1 mg/kg or placebo three times a week for 21 days.", 9),
        # a crossover's conditions listed with "plus" and "alone": one session each
        (
            "In a randomized crossover, 24 healthy subjects received MDMA (100 mg) plus LSD "
            "(100 µg), MDMA alone, LSD alone and placebo.",
            4,
        ),
        # the rate in brackets, the span after them
        (
            "Rats received saline (1 ml/kg, twice weekly) or ketamine (10 mg/kg, twice weekly) "
            "intraperitoneally for six weeks.",
            12,
        ),
        # one exposure, stated as such
        (
            "Infant monkeys had a single episode of ketamine anaesthesia and were tested for "
            "years.",
            1,
        ),
        # not over a span that is no whole number of weeks
        (
            "Participants took oral ketamine 1 mg/kg or placebo three times a week for 10 days.",
            None,
        ),
    ],
)
def test_sessions_counted_over_arms_and_days(text, expected):
    assert sessions(text, "rct") == expected


def methods_and_results(methods: str, results: str) -> int | None:
    record = {
        "title": "A study",
        "abstract_sections": [
            {"label": "METHODS", "category": "METHODS", "text": methods},
            {"label": "RESULTS", "category": "RESULTS", "text": results},
        ],
    }
    return extract_details(record, RULES, design="rct", conditions=()).sessions


@pytest.mark.parametrize(
    ("methods", "results", "expected"),
    [
        # the methods time a measure by the course: "again a month later, after two doses of"
        (
            "Twenty patients did a memory task at baseline and again four weeks later, after two "
            "doses of psilocybin with psychological support.",
            "Recall improved.",
            2,
        ),
        (
            "Mood was rated before and following three intravenous infusions of ketamine.",
            "Mood improved.",
            3,
        ),
        # in the results, a count after "after" is a time point of a longer course
        (
            "Patients with depression were treated with ketamine.",
            "Response rates after two infusions of ketamine were 40%.",
            None,
        ),
        # two different counts: no one number
        (
            "Scores were taken after two doses of psilocybin and after three doses of psilocybin.",
            "Scores fell.",
            None,
        ),
        # doses of something else
        (
            "Mood was rated after two doses of sertraline, before ketamine treatment began.",
            "Mood improved.",
            None,
        ),
    ],
)
def test_sessions_from_a_course_the_methods_time_a_measure_by(methods, results, expected):
    assert methods_and_results(methods, results) == expected


def test_a_sessions_setting_naming_an_unknown_term_is_a_config_error(tmp_path):
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["sessions"]["course_after"] = r"\bafter two doses of {study_drug_nmaes}\b"
    path = tmp_path / "details.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_details(path)
    assert "study_drug_nmaes" in str(error.value)
