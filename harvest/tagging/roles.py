"""The `roles` section of taxonomy.yml: every tag the tagger's rules rely on, checked at load.

A rule never names a slug in code: it asks `taxonomy.roles`. Renaming or removing a tag that a
role names raises ConfigError naming the role and the tag; a design without a precedence row
(it could never be chosen) is an error too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from harvest.errors import ConfigError

# The tests a precedence row may name (implemented in harvest.tagging.rules) and their options.
DESIGN_TESTS = {
    "named": (), "cited": (), "weakly_cited": (), "in_abstract": (), "only_type": (),
    "title": (), "title_says": ("text",), "score": ("at_least",), "pooled": (),
    "protocol": (), "type_without_primary": (), "cited_without_primary_type": (),
    "weak_type": (), "animal": (), "no_abstract": (), "describes_intervention": (),
    "describes_participants": (), "always": (), "named_alone": (), "pooled_trials": (),
    "weak_title_without_abstract": (), "cued": ("cue",), "cued_unrandomised": ("cue",),
    "large_case_series": ("at_least",), "few_participants": ("at_most",),
    "small_case_series": ("at_most",),
    "abstract_score": ("at_least",),
    "unrandomised_pharmacology": (),
}  # fmt: skip


@dataclass(frozen=True)
class DesignRule:
    """One row of the design precedence table: `design` when test `when` holds."""

    design: str
    when: str
    options: tuple[tuple[str, object], ...] = ()

    def option(self, name: str):
        return dict(self.options).get(name)


@dataclass(frozen=True)
class Roles:
    """The slugs the rules use, by what they are used for."""

    psychological_trauma: str
    physical_injury: str
    psychological_signals: frozenset[str]
    age_groups: tuple[str, ...]
    animals: str
    default_population: str | None  # None: the guide's "empty when unstated"
    default_population_words: frozenset[str]
    negatable_facets: frozenset[str]
    negatable_tags: frozenset[str]
    delivered_only: frozenset[str]
    reviewed_therapy_words: tuple[str, ...]  # a review's delivered-only mention with a substance
    primary_study_only: frozenset[str]
    beside_target: frozenset[str]  # modalities counted only beside a target substance
    active_placebos: tuple[str, ...]  # their drugs, where a target condition is studied
    therapy_only: frozenset[str]
    use_survey_condition: str
    use_disorder_words: tuple[str, ...]  # a harms review's substance use is a disorder
    anxiolysis_condition: str  # the only target of a perioperative trial: anxiolysis
    review_designs: frozenset[str]
    no_population_designs: frozenset[str]
    no_sample_size_designs: frozenset[str]
    primary_designs: tuple[str, ...]
    animal_design: str
    systematic_design: str
    pooled_design: str
    single_case_design: str
    off_topic_designs: frozenset[str]
    primary_target_designs: frozenset[str]
    primary_target_reviews: frozenset[str]  # conditions of the title and aim (and narrower)
    off_topic_types: frozenset[str]
    # design slug -> a regex finding any of its upper-case label parts
    section_labels: tuple[tuple[str, re.Pattern], ...]
    precedence: tuple[DesignRule, ...] = field(default=())


def load_roles(data, facets: dict, where: str, cues: tuple[str, ...] = ()) -> Roles:
    """Check the roles section against the facets (slug -> facet name) and compile it."""
    where = f"{where}: roles"
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must be a mapping (trauma, populations, negatable, designs)")
    _keys(
        data,
        {
            "trauma",
            "populations",
            "negatable",
            "delivered_only",
            "reviewed_therapy_words",
            "primary_study_only",
            "beside_target",
            "active_placebos",
            "therapy_only",
            "use_survey",
            "use_disorder_words",
            "anxiolysis",
            "designs",
        },
        where,
    )
    trauma = _mapping(data, "trauma", where, {"psychological", "injury", "psychological_signals"})
    pops = _mapping(data, "populations", where, {"age_groups", "animals", "default",
                                                 "default_words"})  # fmt: skip
    negatable = _mapping(data, "negatable", where, {"facets", "tags"})
    designs = _mapping(data, "designs", where, {
        "review", "no_population", "no_sample_size", "primary", "animal", "systematic", "pooled",
        "single_case", "off_topic", "off_topic_types", "primary_target_only", "section_labels",
        "precedence", "primary_target_reviews",
    })  # fmt: skip

    def one(section, key, facet, label):
        value = section.get(key)
        _slug(value, facet, facets, f"{where}.{label}.{key}")
        return value

    def many(section, key, facet, label):
        values = section.get(key)
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{where}.{label}.{key} must be a non-empty list of tags")
        for value in values:
            _slug(value, facet, facets, f"{where}.{label}.{key}")
        return tuple(values)

    words = pops.get("default_words")
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ConfigError(f"{where}.populations.default_words must be a list of words")
    negatable_facets = negatable.get("facets") or []
    for name in negatable_facets:
        if name not in set(facets.values()):
            raise ConfigError(f"{where}.negatable.facets: unknown facet {name!r}")
    return Roles(
        psychological_trauma=one(trauma, "psychological", "conditions", "trauma"),
        physical_injury=one(trauma, "injury", "conditions", "trauma"),
        psychological_signals=frozenset(many(trauma, "psychological_signals", None, "trauma")),
        age_groups=many(pops, "age_groups", "populations", "populations"),
        animals=one(pops, "animals", "populations", "populations"),
        default_population=(
            None
            if pops.get("default") is None
            else one(pops, "default", "populations", "populations")
        ),
        default_population_words=frozenset(w.lower() for w in words),
        negatable_facets=frozenset(negatable_facets),
        negatable_tags=frozenset(many(negatable, "tags", None, "negatable")),
        delivered_only=frozenset(many(data, "delivered_only", "modalities", "roles")),
        reviewed_therapy_words=_words(data, "reviewed_therapy_words", where),
        primary_study_only=frozenset(many(data, "primary_study_only", "modalities", "roles")),
        beside_target=frozenset(many(data, "beside_target", "modalities", "roles")),
        active_placebos=_words(data, "active_placebos", where),
        therapy_only=frozenset(many(data, "therapy_only", "modalities", "roles")),
        use_survey_condition=one(data, "use_survey", "conditions", "roles"),
        use_disorder_words=_words(data, "use_disorder_words", where),
        anxiolysis_condition=one(data, "anxiolysis", "conditions", "roles"),
        review_designs=frozenset(many(designs, "review", "design", "designs")),
        no_population_designs=frozenset(many(designs, "no_population", "design", "designs")),
        no_sample_size_designs=frozenset(many(designs, "no_sample_size", "design", "designs")),
        primary_designs=many(designs, "primary", "design", "designs"),
        animal_design=one(designs, "animal", "design", "designs"),
        systematic_design=one(designs, "systematic", "design", "designs"),
        pooled_design=one(designs, "pooled", "design", "designs"),
        single_case_design=one(designs, "single_case", "design", "designs"),
        off_topic_designs=frozenset(many(designs, "off_topic", "design", "designs")),
        primary_target_designs=frozenset(many(designs, "primary_target_only", "design", "designs")),
        primary_target_reviews=frozenset(
            many(designs, "primary_target_reviews", "design", "designs")
        ),
        off_topic_types=frozenset(str(t).lower() for t in designs.get("off_topic_types") or ()),
        section_labels=_labels(designs.get("section_labels"), facets, f"{where}.designs"),
        precedence=_precedence(
            designs.get("precedence"), facets, f"{where}.designs.precedence", cues
        ),
    )


def _words(data: dict, key: str, where: str) -> tuple[str, ...]:
    """A non-empty list of lower-case words."""
    words = data.get(key)
    if not isinstance(words, list) or not words or not all(isinstance(w, str) for w in words):
        raise ConfigError(f"{where}.{key} must be a non-empty list of words")
    return tuple(w.lower() for w in words)


def _keys(data: dict, allowed: set, where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s): {', '.join(map(str, unknown))}")


def _mapping(data: dict, key: str, where: str, allowed: set) -> dict:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ConfigError(f"{where}.{key} must be a mapping with {', '.join(sorted(allowed))}")
    _keys(value, allowed, f"{where}.{key}")
    return value


def _slug(value, facet: str | None, facets: dict, where: str) -> None:
    """`value` must be a tag of `facet` (of any facet when None)."""
    if not isinstance(value, str) or value not in facets:
        raise ConfigError(
            f"{where} names {value!r}, which is not a "
            f"{facet + ' ' if facet else ''}tag of this taxonomy (renamed or removed? "
            "update the roles section too)"
        )
    if facet and facets[value] != facet:
        raise ConfigError(f"{where} names {value!r}, a {facets[value]} tag, not a {facet} tag")


def _labels(data, facets: dict, where: str) -> tuple[tuple[str, re.Pattern], ...]:
    """Abstract section labels that name a design (design slug -> a regex finding any of its
    upper-case label parts in a label: one search per label instead of one per part)."""
    where = f"{where}.section_labels"
    if not isinstance(data, dict):
        raise ConfigError(f"{where} must map design slugs to lists of section labels")
    out = []
    for slug, labels in data.items():
        _slug(slug, "design", facets, where)
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise ConfigError(f"{where}.{slug} must be a list of section labels")
        parts = sorted({x.upper() for x in labels})
        out.append((slug, re.compile("|".join(map(re.escape, parts)) or "(?!)")))
    return tuple(out)


def _precedence(rows, facets: dict, where: str, cues=()) -> tuple[DesignRule, ...]:
    if not isinstance(rows, list) or not rows:
        raise ConfigError(f"{where} must be a non-empty list of {{design, when}} rows")
    rules = []
    for i, row in enumerate(rows):
        at = f"{where}[{i}]"
        if not isinstance(row, dict) or "design" not in row or "when" not in row:
            raise ConfigError(f"{at} must be a mapping with design and when")
        when = row["when"]
        if when not in DESIGN_TESTS:
            raise ConfigError(
                f"{at}.when: unknown test {when!r} (one of {', '.join(DESIGN_TESTS)})"
            )
        _slug(row["design"], "design", facets, f"{at}.design")
        options = {k: v for k, v in row.items() if k not in ("design", "when")}
        _keys(options, set(DESIGN_TESTS[when]), at)
        missing = [k for k in DESIGN_TESTS[when] if k not in options]
        if missing:
            raise ConfigError(f"{at}: test {when!r} needs {', '.join(missing)}")
        if "cue" in options and options["cue"] not in cues:
            raise ConfigError(f"{at}.cue: unknown cue {options['cue']!r} (one of the cues section)")
        rules.append(DesignRule(row["design"], when, tuple(sorted(options.items()))))
    if rules[-1].when != "always":
        raise ConfigError(f"{where}: the last row must be `when: always` (every record gets one)")
    chosen = {r.design for r in rules}
    never = [slug for slug, facet in facets.items() if facet == "design" and slug not in chosen]
    if never:
        raise ConfigError(f"{where}: design(s) {', '.join(never)} have no row (never chosen)")
    return tuple(rules)
