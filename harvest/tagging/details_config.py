"""config/details.yml, loaded once and checked: the rules of the study-details extractor."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from harvest.config import read_yaml
from harvest.errors import ConfigError
from harvest.tagging.config_check import check_details_slugs
from harvest.tagging.details_checks import (
    check_bands,
    expand_terms,
    load_comparator_checks,
    one_pattern,
    other_drug_names,
    pattern_map,
    slug_patterns,
    term_alternations,
    whole_words,
)
from harvest.tagging.details_text import Group, Index, Rule, RuleSet
from harvest.tagging.details_vocab import (
    COMPARATORS,
    DOSE,
    DRUGS,
    FUNDED_BY,
    GAP_STOP,
    NUMBER,
    PERSONAL_COI,
    SAFETY,
    SAFETY_SETTINGS,
    SESSION_GROUPS,
    TERM,
    TIME_UNIT,
)
from harvest.tagging.taxonomy import Taxonomy


@dataclass(frozen=True)
class DetailRules:
    """config/details.yml, compiled; `index` holds every rule's literals."""

    drug_names: tuple[tuple[str, Rule], ...]
    other_drugs: Rule
    comparator_designs: frozenset[str]
    comparators: tuple[tuple[str, Group], ...]  # each pattern its own rule
    comparison_context: Rule
    comparator_checks: dict  # {name of COMPARATOR_CHECKS: Rule}
    pooled_designs: frozenset[str]
    no_comparison: Rule
    care_both_arms: re.Pattern
    treatment_history: re.Pattern
    one_arm_doses: re.Pattern
    control_dose_before: re.Pattern
    dummy_placebo: re.Pattern
    drug_last: re.Pattern  # a text ending in a comparator drug: "sertraline" of "sertraline or"
    other_treatments: Rule  # terms.comparator_drugs, drug classes too ("antidepressants")
    partnered_blinder: re.Pattern  # "codeine plus diphenhydramine": a regimen, not a blinder
    flexible_dosing: Rule
    active_placebo_conditions: frozenset[str]
    blinding_drugs: frozenset[str]
    psychiatric_context: Rule
    perioperative_context: Rule
    active_placebo_words: re.Pattern
    stated_dose_comparison: re.Pattern
    dose_arms: Rule
    dose_groups: Rule
    dose_group_designs: frozenset[str]
    dose_steps: re.Pattern
    list_steps: re.Pattern
    dose_bands: dict
    band_labels: dict
    dose: Rule
    session_words: Rule
    per_week: Rule
    weeks_of: Rule
    weeks_first: Rule
    phase_weeks: Rule
    crossover: Rule
    crossover_periods: Rule
    conditions: Rule
    interval: Rule
    dosing_days: Rule
    times_given: Rule
    dosed_before: re.Pattern
    days_rated: re.Pattern
    given_before: re.Pattern
    range_before: re.Pattern
    range_after: re.Pattern
    single: Rule
    single_moment: Rule
    given_once_designs: frozenset[str]
    administered: re.Pattern
    given_drug: Rule
    given_drug_designs: frozenset[str]
    repeat_cues: Rule
    crossover_designs: frozenset[str]
    open_schedules: Rule
    co_medication: re.Pattern
    up_to: re.Pattern
    differing_arms: Rule
    extension_phase: Rule
    rate_arms: Rule
    not_a_count: re.Pattern
    not_dosing: re.Pattern
    dosing: re.Pattern
    session_designs: frozenset[str]
    optional_extension: Rule
    everyone_after: re.Pattern
    bounded_infusion: Rule
    next_session: Rule
    last_ordinal: Rule
    course_after: Rule
    blinded_count: re.Pattern
    open_count: re.Pattern
    count_join: re.Pattern
    some_only: re.Pattern
    first_second: Rule
    second_dose: Rule
    phase_join: re.Pattern
    no_schedule: re.Pattern
    control_count: re.Pattern
    dosed_times: re.Pattern
    arms_before: re.Pattern
    arms_after: re.Pattern
    given_during: Rule
    within_control: Rule
    own_study_designs: frozenset[str]
    own_single: Rule
    own_study: re.Pattern
    not_own_study: re.Pattern
    safety: tuple[tuple[str, Group], ...]
    harm_context: Rule
    bare_safety: re.Pattern
    scope_designs: frozenset[str]
    review_scope: re.Pattern
    suicidality_target: str
    title_targets: dict
    intended_effects: dict
    not_reported: Rule
    funding_sentence: Rule
    funded_by: re.Pattern
    personal_coi: re.Pattern
    industry: re.Pattern
    public: re.Pattern
    no_funding: re.Pattern
    registry_classes: dict
    index: Index = field(repr=False, compare=False)  # RuleSet.index: the automaton and more

    @property
    def schedules(self) -> tuple[Rule, ...]:
        """The rules that read a schedule ("twice weekly for four weeks", "on days 1 and 8")."""
        schedules = (self.per_week, self.weeks_of, self.weeks_first, self.phase_weeks)
        return (*schedules, self.interval, self.dosing_days)


def load_details(path: Path | str, taxonomy: Taxonomy | None = None) -> DetailRules:
    """Load and check config/details.yml; a missing slug or a bad pattern is a ConfigError, and
    so (given the `taxonomy`) is a design or condition slug the taxonomy does not have."""
    path = Path(path)
    data = read_yaml(path)
    if taxonomy is not None:
        check_details_slugs(taxonomy, data, path)
    drugs = data.get("study_drugs") or {}
    if sorted(drugs) != sorted(DRUGS):
        raise ConfigError(f"{path}: study_drugs must name exactly {', '.join(DRUGS)}")
    safety = data.get("safety") or {}
    funding = data.get("funding") or {}
    bands = data.get("dose_bands") or {}
    labels = check_bands(bands, path)
    terms = term_alternations(data.get("terms"), path)
    sessions = expand_terms(data.get("sessions") or {}, terms, path)
    comparators = expand_terms(data.get("comparators"), terms, path)
    comparators = slug_patterns(comparators, "comparators", COMPARATORS, path)
    topics = {k: v for k, v in safety.items() if k not in SAFETY_SETTINGS}
    harms = slug_patterns(topics, "safety", SAFETY, path)
    rules = RuleSet()
    add = rules.add

    def setting(block: dict, key: str, where: str) -> str:
        if key not in block:
            raise ConfigError(f"{path}: missing setting {where}.{key}")
        pattern = one_pattern(block[key], path, f"{where}.{key}")
        term = TERM.search(pattern)
        if term:  # a settings block whose terms are not expanded: never a dead rule
            raise ConfigError(
                f"{path}: {where}.{key}: {{{term[1]}}} is not expanded here; write the words out"
            )
        return pattern

    plain = lambda block, key, where: re.compile(setting(block, key, where), re.I)  # noqa: E731
    session_words = setting(sessions, "session_words", "sessions")
    for key, names in SESSION_GROUPS.items():
        missing = [
            g for g in names if g not in re.compile(setting(sessions, key, "sessions")).groupindex
        ]
        if missing:
            raise ConfigError(
                f"{path}: sessions.{key} needs the named group(s) {', '.join(missing)}"
            )
    return DetailRules(
        drug_names=tuple(
            (d, add(whole_words(names, path, f"study_drugs.{d}"))) for d, names in drugs.items()
        ),
        other_drugs=add(whole_words(other_drug_names(data), path, "other_drugs")),
        comparator_designs=frozenset(data.get("comparator_designs") or ()),
        # "versus CBT", "ECT arm": tried on most sentences of a trial and seldom matching
        comparators=tuple(
            (s, rules.group(ps, fold=s == "active-non-drug")) for s, ps in comparators.items()
        ),
        comparison_context=add(
            setting(data, "comparison_context", "details"), indexed=False, fold=True
        ),
        comparator_checks=load_comparator_checks(data.get("comparator_checks"), terms, path, add),
        pooled_designs=frozenset(data.get("pooled_designs") or ()),
        no_comparison=add(setting(data, "no_comparison", "details"), fold=True),
        care_both_arms=plain(data, "care_both_arms", "details"),
        treatment_history=plain(data, "treatment_history", "details"),
        one_arm_doses=plain(data, "one_arm_doses", "details"),
        control_dose_before=plain(data, "control_dose_before", "details"),
        dummy_placebo=plain(data, "dummy_placebo", "details"),
        drug_last=re.compile(rf"{terms.get('comparator_drugs', '(?!)')},?\s*$", re.I),
        other_treatments=add(terms.get("comparator_drugs", "(?!)")),
        partnered_blinder=re.compile(
            rf"{terms.get('comparator_drugs', '(?!)')}(?:\s+\w+)?\s+(?:plus|with|and|\+)\s+"
            r"(?:\w+\s+)?(?:midazolam|niacin|methylphenidate|diphenhydramine)\b",
            re.I,
        ),
        flexible_dosing=add(setting(data, "flexible_dosing", "details")),
        active_placebo_conditions=frozenset(data.get("active_placebo_conditions") or ()),
        blinding_drugs=frozenset(data.get("blinding_drugs") or ()),
        psychiatric_context=add(setting(data, "psychiatric_context", "details"), fold=True),
        perioperative_context=add(setting(data, "perioperative_context", "details")),
        active_placebo_words=plain(data, "active_placebo_words", "details"),
        stated_dose_comparison=plain(data, "stated_dose_comparison", "details"),
        dose_arms=add(setting(data, "dose_arms", "details"), indexed=False),
        dose_groups=add(setting(data, "dose_groups", "details"), indexed=False),
        dose_group_designs=frozenset(data.get("dose_group_designs") or ()),
        dose_steps=plain(data, "dose_steps", "details"),
        list_steps=plain(data, "list_steps", "details"),
        dose_bands=bands,
        band_labels=labels,
        dose=add(DOSE),
        session_words=add(
            rf"(?<![-\w.,])(?P<n>{NUMBER})[- ](?!{TIME_UNIT})"
            rf"(?:(?!{GAP_STOP})[\w()/.\u00b5]+[- ]){{0,4}}?"
            rf"(?:{session_words})\b"
        ),
        per_week=add(setting(sessions, "per_week", "sessions")),
        weeks_of=add(setting(sessions, "weeks_of", "sessions")),
        weeks_first=add(setting(sessions, "weeks_first", "sessions")),
        phase_weeks=add(setting(sessions, "phase_weeks", "sessions")),
        crossover=add(setting(sessions, "crossover", "sessions")),
        crossover_periods=add(setting(sessions, "crossover_periods", "sessions")),
        conditions=add(setting(sessions, "conditions", "sessions")),
        interval=add(setting(sessions, "interval", "sessions")),
        dosing_days=add(setting(sessions, "dosing_days", "sessions")),
        times_given=add(setting(sessions, "times_given", "sessions")),
        dosed_before=plain(sessions, "dosed_before", "sessions"),
        days_rated=plain(sessions, "days_rated", "sessions"),
        given_before=plain(sessions, "given_before", "sessions"),
        range_before=plain(sessions, "range_before", "sessions"),
        range_after=plain(sessions, "range_after", "sessions"),
        single=add(setting(sessions, "single", "sessions")),
        single_moment=add(setting(sessions, "single_moment", "sessions")),
        given_once_designs=frozenset(sessions.get("given_once_designs") or ()),
        administered=plain(sessions, "administered", "sessions"),
        given_drug=add(setting(sessions, "given_drug", "sessions")),
        given_drug_designs=frozenset(sessions.get("given_drug_designs") or ()),
        repeat_cues=add(setting(sessions, "repeat_cues", "sessions")),
        crossover_designs=frozenset(sessions.get("crossover_designs") or ()),
        open_schedules=add(setting(sessions, "open_schedules", "sessions")),
        co_medication=plain(sessions, "co_medication", "sessions"),
        up_to=plain(sessions, "up_to", "sessions"),
        differing_arms=add(setting(sessions, "differing_arms", "sessions"), indexed=False),
        extension_phase=add(setting(sessions, "extension_phase", "sessions")),
        rate_arms=add(setting(sessions, "rate_arms", "sessions")),
        not_a_count=plain(sessions, "not_a_count", "sessions"),
        not_dosing=plain(sessions, "not_dosing", "sessions"),
        dosing=plain(sessions, "dosing", "sessions"),
        session_designs=frozenset(sessions.get("designs") or ()),
        optional_extension=add(setting(sessions, "optional_extension", "sessions")),
        everyone_after=plain(sessions, "everyone_after", "sessions"),
        bounded_infusion=add(setting(sessions, "bounded_infusion", "sessions")),
        next_session=add(setting(sessions, "next_session", "sessions")),
        last_ordinal=add(setting(sessions, "last_ordinal", "sessions")),
        course_after=add(setting(sessions, "course_after", "sessions")),
        blinded_count=plain(sessions, "blinded_count", "sessions"),
        open_count=plain(sessions, "open_count", "sessions"),
        count_join=plain(sessions, "count_join", "sessions"),
        some_only=plain(sessions, "some_only", "sessions"),
        first_second=add(setting(sessions, "first_second", "sessions")),
        second_dose=add(setting(sessions, "second_dose", "sessions")),
        phase_join=plain(sessions, "phase_join", "sessions"),
        no_schedule=plain(sessions, "no_schedule", "sessions"),
        control_count=plain(sessions, "control_count", "sessions"),
        dosed_times=plain(sessions, "dosed_times", "sessions"),
        arms_before=plain(sessions, "arms_before", "sessions"),
        arms_after=plain(sessions, "arms_after", "sessions"),
        given_during=add(setting(sessions, "given_during", "sessions")),
        within_control=add(setting(sessions, "within_control", "sessions")),
        own_study_designs=frozenset(sessions.get("own_study_designs") or ()),
        own_single=add(setting(sessions, "own_single", "sessions")),
        own_study=plain(sessions, "own_study", "sessions"),
        not_own_study=plain(sessions, "not_own_study", "sessions"),
        safety=tuple((s, rules.group(ps)) for s, ps in harms.items()),
        harm_context=add(setting(safety, "harm_context", "safety"), fold=True),
        bare_safety=plain(safety, "bare_safety", "safety"),
        scope_designs=frozenset(safety.get("scope_designs") or ()),
        review_scope=plain(safety, "review_scope", "safety"),
        suicidality_target=str(safety.get("suicidality_target_condition") or "suicidality"),
        title_targets=pattern_map(
            safety.get("title_targets"), path, "title_targets", SAFETY, "safety topics"
        ),
        intended_effects=pattern_map(
            safety.get("intended_effects"), path, "intended_effects", DRUGS, "study drugs"
        ),
        not_reported=add(setting(safety, "not_reported", "safety")),
        funding_sentence=add(setting(funding, "funding_sentence", "funding")),
        funded_by=re.compile(FUNDED_BY),
        personal_coi=re.compile(PERSONAL_COI, re.I),
        industry=plain(funding, "industry", "funding"),
        public=plain(funding, "public", "funding"),
        no_funding=plain(funding, "no_funding", "funding"),
        registry_classes=dict(funding.get("registry_classes") or {}),
        index=rules.index(),
    )
