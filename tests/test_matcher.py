"""The Aho-Corasick matcher against the naive reference matcher (the oracle), and its contract."""

import random
from pathlib import Path

import pytest

from harvest.pubmed.parse import parse_pubmed_xml
from harvest.tagging.context import Doc
from harvest.tagging.matcher import Hit, anchor_of, literal_runs
from harvest.tagging.reference import ReferenceMatcher

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
XML_FIXTURES = sorted(
    [FIXTURES / "tagging_corpus.xml", FIXTURES / "parse_cases.xml"]
    + list((FIXTURES / "tuning").glob("*.xml"))
)
SEPARATORS = [" ", " ", " ", "-", ", ", " (", ") ", " - ", "/", ": ", "  ", "'", "\u2013", "\u00a0"]


@pytest.fixture(scope="module")
def oracle(taxonomy):
    return ReferenceMatcher(taxonomy.matcher.phrases, taxonomy.matcher.patterns)


def both(taxonomy, oracle, text):
    lower = text.lower()
    return sorted(taxonomy.matcher.find(text, lower)), sorted(oracle.find(text, lower))


def fixture_records():
    for path in XML_FIXTURES:
        with open(path, "rb") as fp:
            for record in parse_pubmed_xml(fp):
                if isinstance(record, dict):
                    yield path.name, record


def test_there_are_fixtures_to_compare():
    names = {name for name, _ in fixture_records()}
    assert {"tagging_corpus.xml", "parse_cases.xml"} <= names
    assert sum(1 for _ in fixture_records()) >= 72


def test_identical_hits_on_every_fixture_record(taxonomy, oracle):
    compared = 0
    for name, record in fixture_records():
        doc = Doc(record, taxonomy)
        fast = sorted(taxonomy.matcher.find(doc.text, doc.lower))
        slow = sorted(oracle.find(doc.text, doc.lower))
        assert fast == slow, (name, record["pmid"], set(fast) ^ set(slow))
        compared += bool(fast)
    assert compared >= 72  # every corpus record has hits: the comparison is not vacuous


def _generated_texts(taxonomy, count=200, seed=12):
    """Sentences of taxonomy phrases in mixed case with odd separators, random words between."""
    rng = random.Random(seed)
    phrases = [" ".join(p.case or p.tokens) for p in taxonomy.matcher.phrases]
    fillers = "the of trial patients and was no not p 0.05 95% ketamine über naïve x mg/kg i.v."
    fillers = fillers.split() + ["re:", "aged", "12", "65", "p <", "over 40 min"]
    for _ in range(count):
        sentences = []
        for _ in range(rng.randint(1, 6)):
            words = []
            for _ in range(rng.randint(1, 12)):
                word = rng.choice(phrases) if rng.random() < 0.5 else rng.choice(fillers)
                if rng.random() < 0.2:
                    word = word.upper() if rng.random() < 0.5 else word.title()
                if rng.random() < 0.3:  # vary the separators inside the phrase
                    word = rng.choice(SEPARATORS).join(word.split(" "))
                words.append(word)
            sentences.append("".join(w + rng.choice(SEPARATORS) for w in words).strip() + ".")
        yield "\n".join(sentences)


def test_identical_hits_on_generated_text(taxonomy, oracle):
    total = 0
    for text in _generated_texts(taxonomy):
        fast, slow = both(taxonomy, oracle, text)
        assert fast == slow, (text, set(fast) ^ set(slow))
        total += len(fast)
    assert total > 2500


def test_phrases_never_match_across_a_sentence_end(taxonomy, oracle):
    text = "Patients had treatment-resistant.\nDepression was measured"
    for matcher in (taxonomy.matcher, oracle):
        hits = matcher.find(text, text.lower())
        assert not any(h.start < 33 < h.end for h in hits)
        names = {(h.facet, h.name) for h in hits}
        assert ("conditions", "treatment-resistant-depression") not in names
        assert ("conditions", "depression") in names
    same = "Patients had treatment-resistant depression."
    names = {(h.facet, h.name) for h in taxonomy.matcher.find(same, same.lower())}
    assert ("conditions", "treatment-resistant-depression") in names


def test_patterns_never_match_across_a_sentence_end(taxonomy, oracle):
    text = "Ketamine was given over\n40 minutes."  # the infusion pattern 'over\s+40 min'
    for matcher in (taxonomy.matcher, oracle):
        assert [h for h in matcher.find(text, text.lower()) if h.facet == "routes"] == []
    joined = "Ketamine was given over 40 minutes."
    routes = [h for h in taxonomy.matcher.find(joined, joined.lower()) if h.facet == "routes"]
    assert routes == [Hit("routes", "intravenous", 19, 30, "term")]


def test_abbreviations_are_case_sensitive_and_hits_are_in_text_order(taxonomy):
    text = "The CAPS score fell; caps were worn. PTSD and cbt."
    hits = [(h.name, text[h.start : h.end]) for h in taxonomy.matcher.find(text, text.lower())
            if h.facet != "cue"]  # fmt: skip
    assert ("ptsd", "CAPS") in hits
    assert ("ptsd", "caps") not in hits
    starts = [h.start for h in taxonomy.matcher.find(text, text.lower())]
    assert starts == sorted(starts)


def test_on_demand_cues_have_their_own_matcher_with_identical_hits(taxonomy):
    assert "therapeutic" in taxonomy.on_demand
    main = {(p.facet, p.name) for p in taxonomy.matcher.phrases}
    docs = [(name, Doc(record, taxonomy)) for name, record in fixture_records()]
    for cue, lazy in taxonomy.on_demand.items():
        assert ("cue", cue) not in main  # not run on every record
        oracle = ReferenceMatcher(lazy.phrases, lazy.patterns)
        for name, doc in docs:
            assert lazy.find(doc.text, doc.lower) == oracle.find(doc.text, doc.lower), (cue, name)
    text = "Recreational ketamine users. Ketamine treatment was given."
    doc = Doc({"title": "Ketamine", "abstract": text}, taxonomy)
    assert "therapeutic" not in doc.cues  # matched only when a rule asks
    hits = doc.cue_hits("therapeutic")
    assert [(doc.snippet(h), doc.where[h]) for h in hits] == [("treatment", 2)]
    assert doc.cues["therapeutic"] == hits


@pytest.mark.parametrize(
    "pattern, runs",
    [
        (r"post[- ]hoc analys[ie]s of", ["post", "hoc analys", "s of"]),
        (r"[^]]abcd", ["abcd"]),  # a "]" first in a class belongs to it
        (r"[]x]yz{2}w", ["y", "w"]),  # a quantifier takes the character before it
        (r"ab[\]c]def", ["ab", "def"]),  # so does an escaped "]"
        (r"abc\.def(?=ghi)", ["abc.def"]),  # nothing inside groups
        (r"abc|def", []),  # an alternation outside groups: no fixed text
    ],
)
def test_literal_runs_are_the_fixed_texts_every_match_holds(pattern, runs):
    assert [run for run in literal_runs(pattern) if run] == runs
    assert anchor_of(pattern) == max(runs, key=len, default="")
