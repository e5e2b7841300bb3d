"""Tag a normalised record with the taxonomy: pure, no I/O.

`tag_record(record, taxonomy)` reads the title, abstract, keywords, MeSH headings, substances and
publication types and returns `Tags`: the facets (conditions, modalities, routes, populations),
one design with its evidence level, the human / on_topic / retracted / erratum /
expression_of_concern flags, the sample size, and the provenance of every value as
(facet, tag, source, evidence) with source one of mesh, publication_type, title, abstract,
keyword or rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from harvest.tagging.condition_roles import (
    Found,
    background_only,
    harms_review,
    narrower,
    patients_described,
    review_scope,
    stratifiers,
    surveys_users,
    trauma_senses,
)
from harvest.tagging.context import STRONG_ROLES, Doc
from harvest.tagging.record_flags import decide_flags, decide_human
from harvest.tagging.rules import DesignSignals, decide_design
from harvest.tagging.sample_size import extract_sample_size, states_participants
from harvest.tagging.taxonomy import Taxonomy
from harvest.tagging.topic import decide_on_topic
from harvest.tagging.topic_cues import in_title, is_use_survey

LIST_FACETS = ("conditions", "modalities", "routes", "populations")
PRIMARY_ROLES = frozenset({"title", "objective"})  # where a study names its main condition
ADVERSE_QUALIFIERS = frozenset({"chemically induced"})


@dataclass(frozen=True)
class Tags:
    """Everything the tagger says about one record."""

    conditions: tuple[str, ...]
    modalities: tuple[str, ...]
    routes: tuple[str, ...]
    populations: tuple[str, ...]
    design: str
    evidence_level: int
    human: int
    on_topic: int
    retracted: int
    erratum: int
    expression_of_concern: int
    sample_size: int | None
    provenance: tuple[tuple[str, str, str, str], ...]

    def as_columns(self) -> dict:
        """The tag columns of the studies table (facets as lists of slugs)."""
        return {
            "conditions": list(self.conditions),
            "modalities": list(self.modalities),
            "routes": list(self.routes),
            "populations": list(self.populations),
            "design": self.design,
            "evidence_level": self.evidence_level,
            "human": self.human,
            "on_topic": self.on_topic,
            "retracted": self.retracted,
            "erratum": self.erratum,
            "expression_of_concern": self.expression_of_concern,
            "sample_size": self.sample_size,
        }


def _mesh_tags(record: dict, taxonomy: Taxonomy) -> tuple[dict[str, Found], set[str]]:
    """Tags implied by MeSH headings and substances; also the slugs from major headings."""
    found = {facet: Found() for facet in LIST_FACETS}
    major = set()
    index = taxonomy.mesh_index
    for heading in (record.get("mesh") or []) + (record.get("chemicals") or []):
        name = heading.get("name") or ""
        ui = heading.get("ui")
        by_ui = index.get(ui, ()) if ui else ()
        by_name = index.get(f"name:{name.lower()}", ())
        if not by_ui and not by_name:
            continue
        pairs = dict.fromkeys(by_ui + by_name)
        for facet, slug in pairs:
            if facet == "conditions" and _induced(heading):
                continue  # "Anxiety/chemically induced": an adverse effect, not a studied condition
            if facet in found:
                found[facet].add(slug, "mesh", name)
                if heading.get("major"):
                    major.add(slug)
    return found, major


def _induced(heading: dict) -> bool:
    """A heading qualified as an adverse effect ("chemically induced")."""
    for qualifier in heading.get("qualifiers") or ():
        if (qualifier.get("name") or "").lower() in ADVERSE_QUALIFIERS:
            return True
    return False


def _text_tags(doc: Doc, taxonomy: Taxonomy, facet: str, review: bool, survey: str = ""):
    """(strong, weak, primary slugs, sentence indexes, dropped) for the facet's text hits.

    The evidence of each tag names the role of the mention ("objective: PTSD"); `dropped`
    holds the slugs whose every mention was one the guide excludes (covariate, exclusion,
    negated, use-survey exposure).
    """
    strong, weak, primary, where = Found(), Found(), set(), {}
    kept, dropped = set(), set()
    measured = doc.cue_sentences("use_outcome") if survey and facet == "conditions" else ()
    for hit in doc.by_facet.get(facet, ()):
        sentence = doc.sentence_of(hit)
        known = strong.tags.get(hit.name)
        if (
            known
            and sentence.source in known
            and facet != "routes"
            and (hit.name in primary or sentence.role not in PRIMARY_ROLES)
        ):
            continue  # a repeated mention adds nothing
        tag = taxonomy.tags[hit.name]
        strength, role = doc.judge(hit, tag.adverse_sensitive, review)
        if (
            strength != "drop"
            and survey
            and facet == "conditions"
            and hit.name != survey
            and not (sentence.role in PRIMARY_ROLES and doc.where[hit] in measured)
        ):
            # "depressive symptoms among chronic ketamine users" is an exposure, even in the
            # title; a title or aim that sets use against it ("ecstasy use is associated with
            # depression") names an outcome the study sets out to measure (the guide)
            strength, role = "drop", "use-survey exposure"
        if strength == "drop":
            dropped.add(hit.name)
            continue
        kept.add(hit.name)
        target = strong if strength == "strong" else weak
        target.add(hit.name, sentence.source, f"{role}: {doc.snippet(hit)}")
        if strength == "strong":
            where.setdefault(hit.name, set()).add(doc.where[hit])
            if sentence.role in PRIMARY_ROLES:
                primary.add(hit.name)
    return strong, weak, primary, where, dropped - kept


def _routes(doc: Doc, taxonomy: Taxonomy, found: tuple, mesh: Found, review: bool) -> Found:
    """Routes stated with a target substance, else any stated route, else MeSH's, else
    routes named only in the background.

    MeSH route headings describe every drug in the study (an oral antidepressant given with a
    nasal spray), so they count only when the text states no route.
    """
    strong, weak, where = found
    substance = set()
    for hit in doc.by_facet.get("modalities", ()):
        if taxonomy.tags[hit.name].target and doc.strength(hit) != "drop":
            substance.add(doc.where[hit])
    near = {slug for slug, sentences in where.items() if sentences & substance}
    kept = Found()
    if review and not near:
        return kept  # a review's routes are those of the substances it is about
    kept.merge(strong, only=near or None)
    for fallback in (mesh, weak):
        if not kept.tags:
            kept.merge(fallback)
    return kept


def _comparator_routes(doc: Doc, strong: Found, where: dict) -> None:
    """Drop route mentions that describe a comparator ("more practical than intravenous")."""
    contrast = doc.negation.route_contrast
    for hit in doc.by_facet.get("routes", ()):
        if hit.name in strong.tags and contrast.search(
            doc.lower, max(0, hit.start - 30), hit.start
        ):
            sentence = doc.where[hit]
            others = [
                h for h in doc.by_facet["routes"]
                if h.name == hit.name and h is not hit and doc.strength(h) == "strong"
                and not contrast.search(doc.lower, max(0, h.start - 30), h.start)
            ]  # fmt: skip
            if not others:
                del strong.tags[hit.name]
                where.pop(hit.name, None)
            elif sentence in where.get(hit.name, set()):
                where[hit.name] = {doc.where[h] for h in others}


def _default_population(doc: Doc, taxonomy: Taxonomy, populations: Found) -> None:
    """Participants of no stated age group ("veterans", "patients") get the default, if any."""
    roles = taxonomy.roles
    if roles.default_population is None or populations.tags.keys() & set(roles.age_groups):
        return
    words = roles.default_population_words
    for hit in doc.cues.get("human", ()):
        if doc.sentence_of(hit).role in STRONG_ROLES and doc.snippet(hit).lower() in words:
            populations.add(
                roles.default_population, "rule", f"{doc.snippet(hit)} (no age group stated)"
            )
            return


def _anxiolysis_only(doc: Doc, taxonomy: Taxonomy, conditions: tuple[str, ...]) -> bool:
    """Anxiety is the only target condition of an anaesthesia, sedation or perioperative
    study (named in its own sentences or title)."""
    anxiety = taxonomy.roles.anxiolysis_condition
    targets = {c for c in conditions if taxonomy.tags[c].target}
    if targets != {anxiety}:
        return False
    return any(
        doc.sentence_of(h).role in STRONG_ROLES
        for cue in ("anaesthesia", "perioperative")
        for h in doc.cues.get(cue, ())
    )


def tag_record(record: dict, taxonomy: Taxonomy) -> Tags:
    """Tag one normalised record (see docs/DESIGN.md) with the compiled taxonomy."""
    doc = Doc(record, taxonomy)
    human, human_source, human_evidence = decide_human(record, doc)
    signals = DesignSignals(record, doc, taxonomy, states_participants(doc))
    design, design_source, design_evidence = decide_design(signals, human)
    roles = taxonomy.roles
    review = design in roles.review_designs
    survey = roles.use_survey_condition if human == 1 and is_use_survey(doc) else ""
    mesh, major = _mesh_tags(record, taxonomy)
    facets: dict[str, Found] = {}
    primary = set()
    for facet in LIST_FACETS:
        strong, weak, facet_primary, where, dropped = _text_tags(
            doc, taxonomy, facet, review, survey
        )
        result = Found()
        if facet == "routes":
            _comparator_routes(doc, strong, where)
            result.merge(_routes(doc, taxonomy, (strong, weak, where), mesh[facet], review))
        else:
            # a minor heading whose every mention in the text is excluded does not count
            result.merge(mesh[facet], only=set(mesh[facet].tags) - (dropped - major))
            result.merge(strong)
        if facet == "conditions":
            reviewed = design in roles.primary_target_reviews and facet_primary
            if (
                (design in roles.primary_target_designs and facet_primary)
                or doc.healthy
                or reviewed
            ):
                # a protocol's conditions: its primary target, not its list of secondary measures;
                # healthy volunteers' acute effects ("anxiety rose") are not a condition studied
                keep = facet_primary | {i for s in facet_primary for i in taxonomy.implies[s]}
                if reviewed:  # a review's background names the field ("approved for TRD")
                    keep |= narrower(taxonomy, result, facet_primary)
                    keep |= review_scope(doc, result, design)
                kept = Found()
                kept.merge(result, only=keep | major)
                result = kept
            elif design in roles.primary_target_reviews and in_title(doc, "other_indication"):
                # "Psychedelics for OCD": a review of another indication names the catalog's
                # conditions only as the field's background, not as what it is about
                kept = Found()
                kept.merge(result, only=major)
                result = kept
            # (not the condition the title or aim targets: "patients with suicidal ideation,
            # with or without a suicide attempt" splits by attempt, not by ideation)
            strata = stratifiers(doc, result) - facet_primary
            if strata and set(result.tags) - strata:  # keep a record's only conditions
                for slug in strata:
                    del result.tags[slug]
            trauma_senses(doc, taxonomy, result, review)
            if survey and set(result.tags) - {survey}:
                # a use survey that sets out to measure depression ("ecstasy use and
                # depression"): about that condition; substance use only where a use
                # disorder is named
                if survey in result.tags:
                    harms_review(result, survey, roles)
            elif survey and survey not in result.tags and surveys_users(doc, design, roles):
                result.add(survey, "rule", "use-survey: a survey of recreational users")
            elif survey in result.tags and design not in roles.primary_designs:
                harms_review(result, survey, roles)
            primary = facet_primary | (major & set(taxonomy.slugs("conditions")))
        if not result.tags and facet == "modalities":
            result.merge(weak)
        elif not result.tags and facet == "conditions":
            # the patients' condition named only in the background; otherwise a background
            # or adverse-event condition is not studied (the guide)
            background = background_only(weak)
            if background and patients_described(doc):
                result.merge(weak, only=background)
        elif facet == "modalities" and weak.tags:
            # "views on psychedelic-assisted therapy" naming MDMA and psilocybin in background
            if not any(taxonomy.tags[s].target for s in result.tags):
                result.merge(weak, only={s for s in weak.tags if taxonomy.tags[s].target})
        if facet == "modalities" and review:
            for slug in roles.primary_study_only & set(result.tags) - facet_primary:
                # other drugs in a review are the field, not its arms, unless its title or aim
                # names the comparison ("Esketamine versus quetiapine: a reply")
                del result.tags[slug]
            for slug in roles.delivered_only & set(result.tags) - facet_primary:
                # "treatments include antidepressants and psychotherapy": the field, unless
                # named with the substance ("MDMA-assisted psychotherapy"), in the title or aim
                # or by an indexer's heading
                sources = result.tags[slug]
                if "mesh" not in sources and not any(
                    w in e.lower() for e in sources.values() for w in roles.reviewed_therapy_words
                ):
                    del result.tags[slug]
        if facet == "modalities" and survey:
            # a use survey's focal substance is the one its title or aim names; the others
            # are items of its list of drugs used (the guide's recreational-use studies)
            named = [s for s in result.tags if taxonomy.tags[s].target]
            if any(s in facet_primary for s in named):
                result.drop_text_only(set(named) - facet_primary)
            # the other drugs its users also take are co-use, not a drug the study gave or
            # compared, unless its title or aim names them
            result.drop_text_only(roles.primary_study_only - facet_primary)
        if facet == "modalities" and roles.delivered_only & set(result.tags):
            if design in roles.primary_designs and in_title(doc, "opinions"):
                # "attitudes toward psychedelic-assisted psychotherapy": asked about, not given
                result.drop_text_only(roles.delivered_only)
        if facet == "modalities" and not any(taxonomy.tags[s].target for s in result.tags):
            for slug in roles.beside_target & set(result.tags):
                del result.tags[slug]  # "vortioxetine for depression": no drug beside a target
        elif facet == "modalities" and any(
            taxonomy.tags[c].target for c in facets["conditions"].tags
        ):
            for slug in roles.beside_target & set(result.tags):
                # "ketamine or midazolam for suicidal ideation": the active placebo
                if all(e.rsplit(": ", 1)[-1].lower() in roles.active_placebos
                       for e in result.tags[slug].values()):  # fmt: skip
                    del result.tags[slug]
        facets[facet] = result
    if human == 1 and design not in roles.no_population_designs:
        _default_population(doc, taxonomy, facets["populations"])
    if human == 0:
        kept = Found()
        kept.merge(facets["populations"], only={roles.animals})
        if not kept.tags:
            kept.add(roles.animals, "rule", human_evidence)
        facets["populations"] = kept
        for slug in roles.delivered_only & set(facets["modalities"].tags):
            del facets["modalities"].tags[slug]  # no psychological therapy is given to animals
    elif design not in roles.primary_designs and roles.animals in facets["populations"].tags:
        # a human review or pharmacology study citing rodent work: animals only from the title
        if "title" not in facets["populations"].tags[roles.animals]:
            del facets["populations"].tags[roles.animals]
    for found in facets.values():
        for slug in list(found.tags):
            for umbrella in taxonomy.implies[slug]:
                if umbrella not in found.tags:
                    found.add(umbrella, "rule", f"implied by {slug}")
    by_place = taxonomy.order.__getitem__  # (every facet holds only its own slugs)
    ordered = {facet: tuple(sorted(facets[facet].tags, key=by_place)) for facet in LIST_FACETS}
    on_topic, topic_reason = decide_on_topic(
        taxonomy, doc, list(ordered["conditions"]), list(ordered["modalities"]), primary, review
    )
    if not on_topic and _anxiolysis_only(doc, taxonomy, ordered["conditions"]):
        # "anxiety at separation" in a premedication or sedation study: pre-operative
        # anxiolysis and sedation are not an anxiety outcome (the guide)
        del facets["conditions"].tags[roles.anxiolysis_condition]
        ordered["conditions"] = tuple(
            c for c in ordered["conditions"] if c != roles.anxiolysis_condition
        )
    if on_topic and design in roles.off_topic_designs:
        on_topic, topic_reason = 0, f"a {design} is not evidence"
    if on_topic and design not in roles.primary_designs and in_title(doc, "bibliometric"):
        on_topic, topic_reason = 0, "a bibliometric analysis is not evidence"
    news = [p.get("name") for p in record.get("publication_types") or []
            if (p.get("name") or "").lower() in roles.off_topic_types]  # fmt: skip
    if on_topic and news:
        on_topic, topic_reason = 0, f"publication type {news[0]} is not evidence"
    flags = decide_flags(record)
    provenance = [
        (facet, slug, source, evidence)
        for facet in LIST_FACETS
        for slug in ordered[facet]
        for source, evidence in facets[facet].tags[slug].items()
    ]
    provenance.append(("design", design, design_source, design_evidence))
    provenance.append(("human", str(human), human_source, human_evidence))
    provenance.append(("on_topic", str(on_topic), "rule", topic_reason))
    for flag, (value, source, evidence) in flags.items():
        if value:
            provenance.append(("status", flag, source, evidence))
    return Tags(
        conditions=ordered["conditions"],
        modalities=ordered["modalities"],
        routes=ordered["routes"],
        populations=ordered["populations"],
        design=design,
        evidence_level=taxonomy.evidence_levels[design],
        human=human,
        on_topic=on_topic,
        retracted=flags["retracted"][0],
        erratum=flags["erratum"][0],
        expression_of_concern=flags["expression_of_concern"][0],
        sample_size=extract_sample_size(doc, design, roles),
        provenance=tuple(provenance),
    )
