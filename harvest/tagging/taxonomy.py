"""Load config/taxonomy.yml once into a frozen Taxonomy with every pattern compiled."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from harvest.config import read_yaml
from harvest.errors import ConfigError
from harvest.tagging.matcher import TOKEN, Matcher, Pattern, Phrase, anchor_of
from harvest.tagging.roles import Roles, load_roles

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MESH_UI = re.compile(r"^[CDQ]\d{6,9}$")
FACETS = ("conditions", "modalities", "routes", "populations", "design")
CUES = (
    "objective", "literature", "general", "future", "exclusion", "inclusion", "adverse",
    "injury_context", "psych_context", "trauma_bare", "human", "counted", "recreational",
    "therapeutic", "anaesthesia", "results", "intervention", "covariate", "survey", "healthy",
    "search", "perioperative", "subgroup", "other_indication", "mental_health",
    "weak_observational", "patients", "bibliometric", "fixed_order", "primary_outcome", "ect",
    "surgical_outcome", "developmental_exposure", "psychedelic_therapy", "acute_effects",
    "other_psychedelic", "psychiatric_symptoms", "baseline", "non_interventional", "use_outcome",
    "opinions",
)  # fmt: skip
# Which YAML list feeds which kind of hit; "title" kinds count only in the title.
TEXT_KEYS = {
    "terms": "term",
    "abbreviations": "term",
    "patterns": "term",
    "title_terms": "title",
    "weak_terms": "weak",
    "weak_title_terms": "weak_title",
}
NEGATIVE_KEYS = ("not", "not_patterns")
TAG_KEYS = {
    "label", "description", "implies", "target", "adverse_sensitive", "evidence_level", "mesh",
    "publication_types", "weak_publication_types", *TEXT_KEYS, *NEGATIVE_KEYS,
}  # fmt: skip


@dataclass(frozen=True)
class MeshTerm:
    """A MeSH descriptor (or publication type, or substance) named by the taxonomy."""

    name: str
    ui: str | None


@dataclass(frozen=True)
class Tag:
    """One tag of one facet, as described in taxonomy.yml."""

    facet: str
    slug: str
    label: str
    description: str
    implies: tuple[str, ...] = ()
    target: bool = False
    adverse_sensitive: bool = False
    evidence_level: int | None = None
    mesh: tuple[MeshTerm, ...] = ()
    publication_types: tuple[MeshTerm, ...] = ()
    weak_publication_types: tuple[MeshTerm, ...] = ()


@dataclass(frozen=True)
class Facet:
    """A facet (conditions, modalities ...) and its tags in file order."""

    name: str
    label: str
    description: str
    tags: tuple[Tag, ...]
    slugs: tuple[str, ...]


@dataclass(frozen=True)
class Negation:
    """How to spot a negated mention: cue words shortly before it, minus pseudo-negations."""

    window: int
    stop: re.Pattern
    pseudo: frozenset
    contrast: re.Pattern
    after: re.Pattern
    unlike: re.Pattern
    route_contrast: re.Pattern


@dataclass(frozen=True)
class Taxonomy:
    """The compiled taxonomy: facets, tag metadata, lookup indexes and the text matcher."""

    version: int
    facets: Mapping[str, Facet]
    tags: Mapping[str, Tag]
    implies: Mapping[str, tuple[str, ...]]
    evidence_levels: Mapping[str, int]
    mesh_index: Mapping[str, tuple[tuple[str, str], ...]]
    pt_index: Mapping[str, tuple[tuple[str, bool], ...]]
    matcher: Matcher
    negation: Negation
    roles: Roles
    tagger_version: str  # changes with taxonomy.yml, details.yml and the tagger's code
    # cues matched only when a rule asks for them (their own matcher, run at most once a record)
    on_demand: Mapping[str, Matcher]
    order: Mapping[str, int]  # each slug's place in its facet (file order)

    def slugs(self, facet: str) -> tuple[str, ...]:
        """The tag slugs of one facet, in file order."""
        return self.facets[facet].slugs


def load_taxonomy(path: Path | str) -> Taxonomy:
    """Read and compile taxonomy.yml; any problem raises ConfigError naming the place."""
    path = Path(path)
    data = read_yaml(path)
    _require_keys(
        data, {"version", "evidence_levels", "facets", "roles", "cues", "negation"}, str(path)
    )
    builder = _Builder(path)
    facets = data.get("facets")
    if not isinstance(facets, dict):
        raise ConfigError(f"{path}: facets must be a mapping of facet name -> facet")
    missing = [f for f in FACETS if f not in facets]
    if missing or set(facets) - set(FACETS):
        raise ConfigError(f"{path}: facets must be exactly {', '.join(FACETS)}")
    built = {name: builder.facet(name, facets[name]) for name in FACETS}
    cues = data.get("cues")
    if not isinstance(cues, dict):
        raise ConfigError(f"{path}: cues must define {', '.join(CUES)}")
    absent = [c for c in CUES if c not in cues]
    if absent:  # a cue the rules read, renamed or removed: name it
        raise ConfigError(
            f"{path}: cues must define {', '.join(absent)} (the rules read "
            f"{'it' if len(absent) == 1 else 'them'}; renamed or removed?)"
        )
    for name in CUES:
        spec = cues[name]
        builder.texts(("cue", name), spec, f"cues.{name}", {"description", "on_demand"})
        if isinstance(spec, dict) and spec.get("on_demand") is not None:
            if not isinstance(spec["on_demand"], bool):
                raise ConfigError(f"{path}: cues.{name}.on_demand must be true or false")
            if spec["on_demand"]:
                builder.on_demand.add(name)
    tags = {t.slug: t for f in built.values() for t in f.tags}
    levels = data.get("evidence_levels")
    if not isinstance(levels, dict) or set(levels) != {1, 2, 3, 4, 5}:
        raise ConfigError(f"{path}: evidence_levels must describe levels 1 to 5")
    negation = _negation(data.get("negation"), path, builder)
    roles = load_roles(
        data.get("roles"), {t.slug: t.facet for t in tags.values()}, str(path), cues=CUES
    )
    return Taxonomy(
        version=int(data.get("version") or 1),
        facets=built,
        tags=tags,
        implies=_closure(tags, path),
        evidence_levels={t.slug: t.evidence_level for t in built["design"].tags},
        mesh_index={k: tuple(v) for k, v in builder.mesh.items()},
        pt_index={k: tuple(v) for k, v in builder.pts.items()},
        matcher=builder.matcher(),
        on_demand=builder.on_demand_matchers(),
        negation=negation,
        roles=roles,
        tagger_version=tagger_version(path),
        order={t.slug: i for f in built.values() for i, t in enumerate(f.tags)},
    )


def tagger_version(path: Path) -> str:
    """A short hash of what a retag would change: the taxonomy file, the study-details rules
    beside it (details.yml, staff-edited too) and the tagger's source."""
    digest = hashlib.sha256(path.read_bytes())
    details = path.with_name("details.yml")
    if details.is_file():
        digest.update(b"details.yml\0" + details.read_bytes())
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.name.encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()[:12]


def _require_keys(data: dict, allowed: set, where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s): {', '.join(map(str, unknown))}")


def _strings(value, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(
            f"{where} must be a list of non-empty strings (quote words YAML reads as "
            "booleans or numbers: 'no', 'yes', 'on', 'off', '24')"
        )
    return [v.strip() for v in value]


def _text(value, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} must be a non-empty string")
    return " ".join(value.split())


class _Builder:
    """Collects phrases, regexes and indexes while the file is walked."""

    def __init__(self, path: Path):
        self.path = path
        self.phrases: list[Phrase] = []
        self.patterns: list[Pattern] = []
        self.mesh: dict[str, list] = {}
        self.pts: dict[str, list] = {}
        self.seen: dict[str, str] = {}
        self.on_demand: set[str] = set()

    def where(self, *parts: str) -> str:
        return f"{self.path}: " + ".".join(parts)

    def facet(self, name: str, data) -> Facet:
        where = self.where("facets", name)
        if not isinstance(data, dict):
            raise ConfigError(f"{where} must be a mapping")
        _require_keys(data, {"label", "description", "tags", "single"}, where)
        tags = data.get("tags")
        if not isinstance(tags, dict) or not tags:
            raise ConfigError(f"{where}.tags must be a non-empty mapping of slug -> tag")
        built = tuple(self.tag(name, slug, spec) for slug, spec in tags.items())
        for tag in built:
            for other in tag.implies:
                if other not in tags:
                    raise ConfigError(f"{where}.tags.{tag.slug}.implies: unknown tag {other!r}")
        label = _text(data.get("label"), f"{where}.label")
        description = _text(data.get("description"), f"{where}.description")
        return Facet(name, label, description, built, tuple(t.slug for t in built))

    def tag(self, facet: str, slug, spec) -> Tag:
        where = self.where("facets", facet, "tags", str(slug))
        if not isinstance(slug, str) or not SLUG.match(slug):
            raise ConfigError(f"{where}: tag slugs are lower-case words joined by hyphens")
        if slug in self.seen:
            raise ConfigError(f"{where}: slug {slug!r} is already used in {self.seen[slug]}")
        self.seen[slug] = facet
        if not isinstance(spec, dict):
            raise ConfigError(f"{where} must be a mapping")
        _require_keys(spec, TAG_KEYS, where)
        level = spec.get("evidence_level")
        if facet == "design" and (not isinstance(level, int) or not 1 <= level <= 5):
            raise ConfigError(f"{where}.evidence_level must be an integer from 1 to 5")
        mesh = self.terms(spec.get("mesh"), f"{where}.mesh")
        for term in mesh:
            for key in (term.ui, f"name:{term.name.lower()}"):
                if key:
                    self.mesh.setdefault(key, []).append((facet, slug))
        pts = {}
        for key, weak in (("publication_types", False), ("weak_publication_types", True)):
            pts[key] = self.terms(spec.get(key), f"{where}.{key}")
            for term in pts[key]:
                for index_key in (term.ui, f"name:{term.name.lower()}"):
                    if index_key:
                        self.pts.setdefault(index_key, []).append((slug, weak))
        self.texts((facet, slug), spec, where, TAG_KEYS - set(TEXT_KEYS) - set(NEGATIVE_KEYS))
        return Tag(
            facet=facet,
            slug=slug,
            label=_text(spec.get("label"), f"{where}.label"),
            description=_text(spec.get("description"), f"{where}.description"),
            implies=tuple(_strings(spec.get("implies"), f"{where}.implies")),
            target=bool(spec.get("target", False)),
            adverse_sensitive=bool(spec.get("adverse_sensitive", False)),
            evidence_level=level if facet == "design" else None,
            mesh=mesh,
            publication_types=pts["publication_types"],
            weak_publication_types=pts["weak_publication_types"],
        )

    def terms(self, value, where: str) -> tuple[MeshTerm, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            raise ConfigError(f"{where} must be a list of {{name, ui}} mappings")
        out = []
        for i, item in enumerate(value):
            if not isinstance(item, dict) or set(item) - {"name", "ui"}:
                raise ConfigError(f"{where}[{i}] must be a mapping with name and ui")
            ui = item.get("ui")
            if ui is not None and (not isinstance(ui, str) or not MESH_UI.match(ui)):
                raise ConfigError(f"{where}[{i}].ui must look like D013313 (or be null)")
            out.append(MeshTerm(_text(item.get("name"), f"{where}[{i}].name"), ui))
        return tuple(out)

    def texts(self, key: tuple[str, str], spec, where: str, other_keys: set) -> None:
        """Register the terms, abbreviations and patterns of one tag or cue."""
        if not isinstance(spec, dict):
            raise ConfigError(f"{where} must be a mapping")
        _require_keys(spec, other_keys | set(TEXT_KEYS) | set(NEGATIVE_KEYS), where)
        for name, kind in TEXT_KEYS.items():
            self.add(key, kind, name, _strings(spec.get(name), f"{where}.{name}"), where, False)
        self.add(key, "term", "not", _strings(spec.get("not"), f"{where}.not"), where, True)
        nots = _strings(spec.get("not_patterns"), f"{where}.not_patterns")
        self.add(key, "term", "patterns", nots, where, True)

    def add(self, key, kind: str, source: str, items: list, where: str, negative: bool) -> None:
        for item in items:
            if source == "patterns":
                pattern = _pattern(item, f"{where}.patterns")
                boundary = pattern.startswith("\\b")
                body = pattern[2:] if boundary else pattern
                anchor = anchor_of(body)
                if len(anchor) < 3 and not re.match(r"[\^a-z0-9 ]", body):
                    raise ConfigError(
                        f"{where}.patterns: {item!r} needs a fixed word of three or more "
                        "characters outside brackets (it is used to skip texts quickly)"
                    )
                self.patterns.append(
                    Pattern(re.compile(body), anchor, boundary, key[0], key[1], kind, negative)
                )
                continue
            tokens = tuple(TOKEN.findall(item))
            if not tokens:
                raise ConfigError(f"{where}.{source}: {item!r} has no letters or digits")
            case = tokens if source == "abbreviations" else None
            lower = tuple(t.lower() for t in tokens)
            self.phrases.append(Phrase(lower, case, key[0], key[1], kind, negative))

    def _lazy(self, item) -> bool:
        return item.facet == "cue" and item.name in self.on_demand

    def matcher(self) -> Matcher:
        """The matcher every record goes through (all phrases but the on-demand cues')."""
        phrases = tuple(dict.fromkeys(p for p in self.phrases if not self._lazy(p)))
        return Matcher(phrases, tuple(p for p in self.patterns if not self._lazy(p)))

    def on_demand_matchers(self) -> Mapping[str, Matcher]:
        """One small matcher per on-demand cue."""
        out = {}
        for name in sorted(self.on_demand):
            phrases = [p for p in self.phrases if p.facet == "cue" and p.name == name]
            patterns = [p for p in self.patterns if p.facet == "cue" and p.name == name]
            out[name] = Matcher(tuple(dict.fromkeys(phrases)), tuple(patterns))
        return MappingProxyType(out)


def _pattern(pattern: str, where: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"{where}: bad regular expression {pattern!r}: {exc}") from None
    if "(?P<" in pattern:
        raise ConfigError(f"{where}: named groups are not allowed in {pattern!r}")
    if re.search(r"[A-Z]", re.sub(r"\\.", "", pattern)):
        raise ConfigError(
            f"{where}: {pattern!r} has capitals but patterns are matched against "
            "lower-cased text; write it in lower case"
        )
    return pattern


def _closure(tags: dict[str, Tag], path: Path) -> dict[str, tuple[str, ...]]:
    """Every tag's umbrella tags, transitively (ptsd -> psychological-trauma ...)."""
    out = {}
    for slug in tags:
        seen, todo = [], list(tags[slug].implies)
        while todo:
            other = todo.pop(0)
            if other == slug:
                raise ConfigError(f"{path}: tag {slug!r} implies itself (a cycle)")
            if other not in seen:
                seen.append(other)
                todo.extend(tags[other].implies)
        out[slug] = tuple(seen)
    return out


def _negation(data, path: Path, builder: _Builder) -> Negation:
    """Negation settings; the cue words become the matcher's ("cue", "negation") hits."""
    where = f"{path}: negation"
    if not isinstance(data, dict):
        raise ConfigError(
            f"{where} must be a mapping with window, terms, stop, pseudo, after, contrast, unlike"
        )
    keys = {"window", "terms", "stop", "pseudo", "after", "contrast", "unlike", "route_contrast"}
    _require_keys(data, keys, where)
    window = data.get("window")
    if not isinstance(window, int) or window <= 0:
        raise ConfigError(f"{where}.window must be a positive number of characters")
    terms = _strings(data.get("terms"), f"{where}.terms")
    if not terms:
        raise ConfigError(f"{where}.terms must list the negation cue words")
    builder.add(("cue", "negation"), "term", "terms", terms, where, False)
    compiled = []
    for key in ("stop", "contrast", "after", "unlike"):
        compiled.append(re.compile(_pattern(_text(data.get(key), f"{where}.{key}"), where)))
    pseudo = frozenset(p.lower() for p in _strings(data.get("pseudo"), f"{where}.pseudo"))
    route = data.get("route_contrast")  # optional: the routes' own comparator words
    route = re.compile(_pattern(_text(route, f"{where}.route_contrast"), where)) if route else None
    return Negation(
        window, compiled[0], pseudo, compiled[1], compiled[2], compiled[3], route or compiled[1]
    )
