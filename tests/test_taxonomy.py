"""config/taxonomy.yml loads into a compiled Taxonomy; a bad file is a clear ConfigError."""

from pathlib import Path

import pytest
import yaml

from harvest.errors import ConfigError
from harvest.tagging.matcher import Hit, anchor_of
from harvest.tagging.roles import DESIGN_TESTS as DECLARED_TESTS
from harvest.tagging.rules import DESIGN_TESTS
from harvest.tagging.tag import tag_record
from harvest.tagging.taxonomy import load_taxonomy

CONFIG = Path(__file__).resolve().parents[1] / "config" / "taxonomy.yml"


@pytest.fixture(scope="module")
def raw():
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


def find(taxonomy, text):
    """(facet, name, matched text) of every non-cue hit."""
    return [
        (h.facet, h.name, text[h.start : h.end])
        for h in taxonomy.matcher.find(text, text.lower())
        if h.facet != "cue"
    ]


def test_facets_and_required_tags(taxonomy):
    assert list(taxonomy.facets) == ["conditions", "modalities", "routes", "populations", "design"]
    assert taxonomy.slugs("conditions") == (
        "ptsd", "psychological-trauma", "depression", "treatment-resistant-depression",
        "anxiety", "suicidality", "substance-use", "physical-injury", "pain",
    )  # fmt: skip
    assert taxonomy.slugs("modalities") == (
        "ketamine", "esketamine", "arketamine", "psilocybin", "mdma", "psychotherapy",
        "other-drug",
    )  # fmt: skip
    assert taxonomy.slugs("routes") == (
        "intravenous", "intramuscular", "intranasal", "oral", "sublingual", "subcutaneous",
    )  # fmt: skip
    assert taxonomy.slugs("populations") == (
        "adults", "adolescents", "children", "older-adults", "veterans-military", "animals",
    )  # fmt: skip
    # the tagging guide's design set: ten evidence designs plus two that are never evidence
    assert taxonomy.slugs("design") == (
        "meta-analysis", "systematic-review", "rct", "open-label-trial", "observational",
        "case-report", "protocol", "narrative-review", "preclinical", "commentary", "notice",
        "other",
    )  # fmt: skip


def test_every_tag_is_documented(taxonomy):
    for tag in taxonomy.tags.values():
        assert tag.label and tag.description, tag.slug


def test_umbrella_implications_are_transitive(taxonomy):
    assert taxonomy.implies["ptsd"] == ("psychological-trauma",)
    assert taxonomy.implies["treatment-resistant-depression"] == ("depression",)
    assert taxonomy.implies["esketamine"] == ("ketamine",)
    assert taxonomy.implies["arketamine"] == ("ketamine",)
    assert taxonomy.implies["depression"] == ()
    assert {s for s, implied in taxonomy.implies.items() if implied} == {
        "ptsd", "treatment-resistant-depression", "esketamine", "arketamine",
    }  # fmt: skip


def test_evidence_levels_are_monotone_by_design(taxonomy):
    assert dict(taxonomy.evidence_levels) == {
        "meta-analysis": 1, "systematic-review": 1, "rct": 2, "open-label-trial": 3,
        "observational": 3, "case-report": 4, "protocol": 5, "narrative-review": 5,
        "preclinical": 5, "commentary": 5, "notice": 5, "other": 5,
    }  # fmt: skip


def test_target_flags(taxonomy):
    targets = {t.slug for t in taxonomy.tags.values() if t.target}
    assert targets == {
        "ptsd", "psychological-trauma", "depression", "treatment-resistant-depression",
        "anxiety", "suicidality", "ketamine", "esketamine", "arketamine", "psilocybin", "mdma",
    }  # fmt: skip


def test_mesh_and_publication_type_indexes(taxonomy):
    assert taxonomy.mesh_index["D013313"] == (("conditions", "ptsd"),)
    assert taxonomy.mesh_index["name:stress disorders, post-traumatic"] == (("conditions", "ptsd"),)
    assert taxonomy.mesh_index["D018817"] == (("modalities", "mdma"),)
    assert taxonomy.mesh_index["name:esketamine"] == (("modalities", "esketamine"),)
    assert taxonomy.pt_index["D016449"] == (("rct", False),)
    assert taxonomy.pt_index["name:clinical trial"] == (("open-label-trial", True),)
    assert taxonomy.pt_index["name:letter"] == (("commentary", True),)
    assert "D016441" not in taxonomy.pt_index  # Retracted Publication is a flag, not a design


def test_terms_ignore_case_hyphens_and_spacing(taxonomy):
    text = "Post traumatic stress disorder, POST-TRAUMATIC STRESS and post-traumatic stress."
    assert find(taxonomy, text) == [
        ("conditions", "ptsd", "Post traumatic stress disorder"),
        ("conditions", "ptsd", "Post traumatic stress"),
        ("conditions", "psychological-trauma", "traumatic stress"),
        ("conditions", "ptsd", "POST-TRAUMATIC STRESS"),
        ("conditions", "psychological-trauma", "TRAUMATIC STRESS"),
        ("conditions", "ptsd", "post-traumatic stress"),
        ("conditions", "psychological-trauma", "traumatic stress"),
    ]


def test_drug_and_brand_names(taxonomy):
    text = "Spravato; midomafetamine; 3,4-methylenedioxymethamphetamine; (R)-ketamine; COMP360"
    assert find(taxonomy, text) == [
        ("modalities", "esketamine", "Spravato"),
        ("routes", "intranasal", "Spravato"),
        ("modalities", "mdma", "midomafetamine"),
        ("modalities", "mdma", "3,4-methylenedioxymethamphetamine"),
        ("modalities", "mdma", "methylenedioxymethamphetamine"),
        ("modalities", "arketamine", "R)-ketamine"),
        ("modalities", "ketamine", "ketamine"),
        ("modalities", "psilocybin", "COMP360"),
    ]


def test_abbreviations_are_case_sensitive(taxonomy):
    assert find(taxonomy, "IV ketamine in TRD") == [
        ("routes", "intravenous", "IV"),
        ("modalities", "ketamine", "ketamine"),
        ("conditions", "treatment-resistant-depression", "TRD"),
    ]
    assert find(taxonomy, "the iv of trd") == []


def test_not_phrases_block_the_term_they_contain(taxonomy):
    text = "No respiratory depression; mice anesthetized with ketamine/xylazine; DSM-IV criteria."
    assert find(taxonomy, text) == [("populations", "animals", "mice")]


def test_patterns_and_negative_patterns(taxonomy):
    text = (
        "patients who failed to respond to two adequate antidepressant trials received "
        "ketamine 0.5 mg/kg over 40 min. Rats were anaesthetised with an intraperitoneal "
        "injection of ketamine."
    )
    found = find(taxonomy, text)
    assert ("conditions", "treatment-resistant-depression", "failed to respond to two adequate "
            "antidepressant") in found  # fmt: skip
    assert ("routes", "intravenous", "over 40 min") in found
    assert [f for f in found if f[1] == "ketamine"] == [("modalities", "ketamine", "ketamine")]


def test_cues_are_hits_of_facet_cue(taxonomy):
    text = "We randomized 40 patients; no history of psychosis."
    cues = {
        (h.name, text[h.start : h.end])
        for h in taxonomy.matcher.find(text, text.lower())
        if h.facet == "cue"
    }
    assert cues == {
        ("objective", "We randomized"),
        ("human", "patients"),
        ("counted", "patients"),
        ("negation", "no"),
    }
    lazy = taxonomy.on_demand["therapeutic"].find(text, text.lower())  # an on-demand cue
    assert [(h.facet, h.name, text[h.start : h.end]) for h in lazy] == [
        ("cue", "therapeutic", "randomized")
    ]


def test_hit_is_a_small_tuple():
    hit = Hit("conditions", "ptsd", 0, 4)
    assert (hit.facet, hit.name, hit.start, hit.end, hit.kind) == (
        "conditions",
        "ptsd",
        0,
        4,
        "term",
    )


@pytest.mark.parametrize(
    "pattern, anchor",
    [
        (r"treatment[- ]?(?:resistant|refractory)\s+depress", "treatment"),
        (r"over\s+40\s*min", "over"),
        (r"meta-?analys[ie]s (?:was|were) not", "analys"),
        (r"i\.v\.", "i.v."),
        (r"a|b", ""),
    ],
)
def test_anchor_is_fixed_text_every_match_contains(pattern, anchor):
    assert anchor_of(pattern) == anchor


def test_loading_twice_gives_equal_results(taxonomy):
    again = load_taxonomy(CONFIG)
    assert again.implies == taxonomy.implies
    assert again.mesh_index == taxonomy.mesh_index


# --- bad files ----------------------------------------------------------------------------


def write(tmp_path, data) -> Path:
    path = tmp_path / "taxonomy.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def broken(raw, change):
    data = yaml.safe_load(yaml.safe_dump(raw))
    change(data)
    return data


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"config file not found: .*nope\.yml"):
        load_taxonomy(tmp_path / "nope.yml")


def test_invalid_yaml(tmp_path):
    path = tmp_path / "taxonomy.yml"
    path.write_text("facets: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"cannot read .*taxonomy\.yml"):
        load_taxonomy(path)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.update(extra=1), r"taxonomy\.yml: unknown key\(s\): extra"),
        (lambda d: d["facets"].pop("routes"), "facets must be exactly conditions, modalities"),
        (
            lambda d: d["facets"]["conditions"]["tags"]["ptsd"].update(synonyms=["x"]),
            r"facets\.conditions\.tags\.ptsd: unknown key\(s\): synonyms",
        ),
        (
            lambda d: d["facets"]["conditions"]["tags"].update({"Bad Slug": {}}),
            "tag slugs are lower-case words joined by hyphens",
        ),
        (
            lambda d: d["facets"]["routes"]["tags"].update(
                {"ketamine": {"label": "x", "description": "y"}}
            ),
            "slug 'ketamine' is already used in modalities",
        ),
        (
            lambda d: d["facets"]["conditions"]["tags"]["ptsd"].update(implies=["grief"]),
            r"ptsd\.implies: unknown tag 'grief'",
        ),
        (
            lambda d: d["facets"]["design"]["tags"]["rct"].pop("evidence_level"),
            r"rct\.evidence_level must be an integer from 1 to 5",
        ),
        (
            lambda d: d["facets"]["design"]["tags"].pop("protocol"),
            r"roles\.designs\.\w+ names 'protocol', which is not a design tag",
        ),
        (
            lambda d: d["facets"]["conditions"]["tags"].update(
                {"injury": d["facets"]["conditions"]["tags"].pop("physical-injury")}
            ),
            r"roles\.trauma\.injury names 'physical-injury', which is not a conditions tag",
        ),
        (
            lambda d: d["roles"]["populations"].update(default="adult"),
            r"roles\.populations\.default names 'adult', which is not a populations tag",
        ),
        (
            lambda d: d["roles"]["negatable"].update(tags=["psychotherapy", "ketamine-therapy"]),
            r"roles\.negatable\.tags names 'ketamine-therapy'",
        ),
        (
            lambda d: d["roles"]["populations"].update(animals="ptsd"),
            r"roles\.populations\.animals names 'ptsd', a conditions tag, not a populations tag",
        ),
        (
            lambda d: d["roles"]["designs"]["precedence"].append({"design": "rct", "when": "x"}),
            r"precedence\[\d+\]\.when: unknown test 'x'",
        ),
        (
            lambda d: d["roles"]["designs"]["precedence"].pop(),
            r"the last row must be `when: always`",
        ),
        (
            lambda d: d["facets"]["design"]["tags"].update(
                {"registry-entry": {"label": "x", "description": "y", "evidence_level": 5}}
            ),
            r"design\(s\) registry-entry have no row \(never chosen\)",
        ),
        (
            lambda d: d["roles"]["designs"]["precedence"].insert(
                0, {"design": "rct", "when": "score"}
            ),
            r"precedence\[0\]: test 'score' needs at_least",
        ),
        (
            lambda d: d["roles"]["designs"]["precedence"].insert(
                0, {"design": "observational", "when": "cued", "cue": "weak_observation"}
            ),
            r"precedence\[0\]\.cue: unknown cue 'weak_observation'",
        ),
        (
            lambda d: d["roles"]["designs"].update(pooled="pooled-analysis"),
            r"roles\.designs\.pooled names 'pooled-analysis', which is not a design tag",
        ),
        (
            lambda d: d["cues"].pop("mental_health"),
            r"cues must define mental_health \(the rules read it; renamed or removed\?\)",
        ),
        (
            lambda d: d["facets"]["conditions"]["tags"]["ptsd"].update(patterns=["ptsd("]),
            r"ptsd\.patterns: bad regular expression 'ptsd\(': missing \)",
        ),
        (
            lambda d: d["facets"]["conditions"]["tags"]["ptsd"].update(patterns=["PTSD"]),
            "has capitals but patterns are matched against lower-cased text",
        ),
        (
            lambda d: d["facets"]["conditions"]["tags"]["ptsd"].update(patterns=[r"(?:a|b)\d"]),
            "needs a fixed word of three or more characters",
        ),
        (
            lambda d: d["facets"]["conditions"]["tags"]["ptsd"]["mesh"].append(
                {"name": "X", "ui": "13313"}
            ),
            r"ptsd\.mesh\[1\]\.ui must look like D013313",
        ),
        (
            lambda d: d["facets"]["conditions"]["tags"]["ptsd"].update(terms=["ptsd", ""]),
            r"ptsd\.terms must be a list of non-empty strings",
        ),
        (
            lambda d: d["facets"]["conditions"]["tags"]["ptsd"].update(terms=["--"]),
            r"ptsd\.terms: '--' has no letters or digits",
        ),
        (lambda d: d["cues"].pop("human"), r"cues must define human \(the rules read it"),
        (lambda d: d["evidence_levels"].pop(5), "evidence_levels must describe levels 1 to 5"),
        (
            lambda d: d["negation"]["terms"].append(False),
            r"quote words YAML reads as booleans or numbers: 'no'",
        ),
        (
            lambda d: d["facets"]["modalities"]["tags"]["ketamine"].update(implies=["esketamine"]),
            r"tag '(?:es)?ketamine' implies itself \(a cycle\)",
        ),
    ],
)
def test_bad_files_raise_config_error(tmp_path, raw, change, message):
    path = write(tmp_path, broken(raw, change))
    with pytest.raises(ConfigError, match=message):
        load_taxonomy(path)


def test_staff_can_add_a_synonym_without_code(tmp_path, raw):
    data = broken(raw, lambda d: d["facets"]["conditions"]["tags"]["ptsd"]["terms"].append(
        "shell-shocked"
    ))  # fmt: skip
    taxonomy = load_taxonomy(write(tmp_path, data))
    assert find(taxonomy, "Shell shocked soldiers") == [
        ("conditions", "ptsd", "Shell shocked"),
        ("populations", "veterans-military", "soldiers"),
    ]


def test_every_declared_design_test_is_implemented():
    assert set(DESIGN_TESTS) == set(DECLARED_TESTS)


def test_roles_name_the_slugs_the_rules_use(taxonomy):
    roles = taxonomy.roles
    assert (roles.psychological_trauma, roles.physical_injury) == (
        "psychological-trauma", "physical-injury",
    )  # fmt: skip
    assert roles.age_groups == ("adults", "adolescents", "children", "older-adults")
    assert (roles.default_population, roles.animals) == (None, "animals")
    assert roles.negatable_facets == {"conditions", "routes"}
    assert roles.negatable_tags == {"psychotherapy", "other-drug"}
    assert roles.precedence[0].design == "notice" and roles.precedence[-1].when == "always"


def test_adding_a_design_is_a_yaml_change(tmp_path, raw):
    def add(d):
        d["facets"]["design"]["tags"]["registry-entry"] = {
            "label": "Registry entry", "description": "A trial registration record.",
            "evidence_level": 5, "title_terms": ["trial registration record"],
        }  # fmt: skip
        d["roles"]["designs"]["precedence"].insert(0, {"design": "registry-entry", "when": "named"})

    taxonomy = load_taxonomy(write(tmp_path, broken(raw, add)))
    record = {"pmid": 1, "title": "Ketamine for PTSD: a trial registration record",
              "abstract": None, "publication_types": [], "mesh": []}  # fmt: skip
    tags = tag_record(record, taxonomy)
    assert (tags.design, tags.evidence_level) == ("registry-entry", 5)
    assert ("design", "registry-entry", "title", "trial registration record") in tags.provenance
