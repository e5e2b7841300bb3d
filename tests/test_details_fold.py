"""The case-sensitive twins of study-details rules (harvest.tagging.details_fold)."""

import re
from pathlib import Path

import pytest

from harvest.tagging.details import load_details
from harvest.tagging.details_fold import twin
from harvest.tagging.details_text import RuleSet, Sentence, Text

CONFIG = Path(__file__).resolve().parents[1] / "config" / "details.yml"


@pytest.mark.parametrize(
    ("pattern", "flags"),
    [
        (r"\badverse events\b", 0),  # case-sensitive already
        (r"\bMDMA\b", re.I),  # an upper-case letter
        (r"\b\d+ \u00b5g\b", re.I),  # a non-ASCII one
        (r"[A-Z]\w+ trial", re.I),  # a class holding upper-case letters
        (r"[0-_]+", re.I),  # a range holding them too
        (r"(?-i:ketamine) trial", re.I),  # case-insensitivity switched off
    ],
)
def test_no_twin_where_lower_casing_could_change_a_match(pattern, flags):
    assert twin(pattern, flags) is None


def test_a_twin_is_the_pattern_compiled_case_sensitively():
    found = twin(r"(?<!serious )\b(?:adverse|side[- ]effects?)\b[^.;]{0,9}(\w)\1", re.I)
    assert found is not None
    assert found.pattern.startswith("(?<!serious )") and not found.flags & re.I


@pytest.mark.parametrize(
    "sentence",
    [
        "Adverse EVENTS were mild; SIDE-EFFECTS resolved.",
        "No serious adverse events occurred, and side effects were transient.",
        "Nausea was reported by 3 of 20 patients.",
        "Side effects (\u00b5g doses) were mild.",  # not ASCII: searched as it is
        "K\u212aelvin side effects",  # the Kelvin sign lower-cases to ASCII "k"
    ],
)
def test_a_folded_rule_finds_what_its_pattern_finds(sentence):
    rules = RuleSet()
    patterns = [
        r"(?<!serious )\b(?:adverse|side[- ]effects?)\b",
        r"\b(?:mild|transient|resolved)\b",
        r"(?<!\w)(?:of|by) (?P<n>\d+)",
        r"\bkelvin\b",
    ]
    folded = [rules.add(p, fold=True) for p in patterns]
    assert all(rule.folded is not None for rule in folded)
    text = Text([Sentence("abstract", "results", sentence)], rules.index())
    for rule in folded:
        expected = rule.pattern.search(sentence)
        got = text.search(rule, 0)
        assert (got and (got.span(), got.groups())) == (
            expected and (expected.span(), expected.groups())
        )
        assert [m.span() for m in text.finditer(rule, 0)] == [
            m.span() for m in rule.pattern.finditer(sentence)
        ]


def test_the_configured_context_rules_have_twins():
    """The rules asked to fold keep a pattern that folds (an upper-case letter added to one
    would cost only speed, so a test says so)."""
    rules = load_details(CONFIG)
    for rule in (
        rules.harm_context,
        rules.comparison_context,
        rules.no_comparison,
        rules.psychiatric_context,
    ):
        assert rule.folded is not None, rule.pattern.pattern[:60]
