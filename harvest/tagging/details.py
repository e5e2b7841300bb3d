"""Study details a clinician appraises: comparators, doses, sessions, reported harms, funding.

`extract_details(record, rules, design=..., conditions=...)` reads the title, abstract, grants
and COI statement with the rules of config/details.yml (loaded once by `load_details`) and
returns the values with the sentence each came from. Pure: no database, no network.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from re import _constants as _sre
from re import _parser
from typing import NamedTuple

from harvest.config import read_yaml
from harvest.errors import ConfigError

COMPARATORS = ("placebo", "active-placebo", "active-drug", "active-non-drug", "waitlist",
               "usual-care", "dose-comparison")  # fmt: skip
SAFETY = ("dissociation", "cardiovascular", "hyponatremia", "abuse-liability",
          "suicidality-safety", "psychotic-symptoms", "urological", "hepatic", "nausea-vomiting",
          "headache", "serious-adverse-events", "general-tolerability")  # fmt: skip
FUNDING = ("industry", "public", "mixed", "unknown")
DRUGS = ("ketamine", "esketamine", "arketamine", "psilocybin", "mdma")
UNITS = ("mg/kg", "mg", "\u00b5g/kg")
# Sentence roles (from abstract section labels) that report on the study itself.
REPORTING = frozenset({"title", "objective", "methods", "results", "conclusions", "body"})
NUMBER_WORDS = {
    "one": 1, "single": 1, "a single": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "once": 1,
    "twice": 2, "two times": 2, "three times": 3, "thrice": 3,
}  # fmt: skip
SECTION_ROLES = (
    (re.compile(r"REGISTR|FUNDING|SPONSOR|CLINICALTRIALS|PROSPERO"), "meta"),
    (re.compile(r"LIMITATION|FUTURE"), "future"),
    (re.compile(r"BACKGROUND|INTRODUCTION|CONTEXT|RATIONALE|IMPORTANCE"), "background"),
    (re.compile(r"OBJECTIVE|AIM|PURPOSE|HYPOTHES"), "objective"),
    (re.compile(r"CONCLU|DISCUSSION|INTERPRETATION|IMPLICATION"), "conclusions"),
    (re.compile(r"RESULT|FINDING|OUTCOME"), "results"),
    (re.compile(r"METHOD|DESIGN|PARTICIPANT|SETTING|INTERVENTION|MEASURE|PROCEDURE|PATIENT"),
     "methods"),
)  # fmt: skip
SENTENCE_END = re.compile(r"(?<!\bvs)(?<!\be\.g)(?<!\bi\.e)(?<!\bal)[.!?;]\s+(?=[A-Z0-9(])")
NUM = r"\d+(?:\.\d+)?"
DOSE = re.compile(
    rf"(?P<nums>{NUM}(?:\s*(?:-|\u2013|to|,|and|or)\s*{NUM})*)\s*"
    r"(?P<unit>mg\s*/\s*kg|mg\s*kg-1|(?:\u00b5|\u03bc|u|mc)g\s*/\s*kg|mg)\b"
    r"(?P<per>\s*(?:/|per)\s*(?:70\s*kg|kg|h|hr|hour|min|minute|day|d|week|wk)\b)?",
    re.I,
)
EXCLUDED_BEFORE = re.compile(
    r"(?:up to|maximum(?: of)?|max\.?|at most|\u2264|<|cap(?:ped)? at)\s*$", re.I
)
DRUG_FOLLOWS = re.compile(r"\s*(?:of\s+)?(?:(?:iv|intravenous|oral|intranasal|racemic)\s+)?", re.I)
DOSED_TIMES = re.compile(
    r"\b(?:given|administered|dosed|received|repeated|infused)\s+(?:\w+\s+){0,2}?"
    r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|twelve) times\b",
    re.I,
)
ARMS_OF_DOSES = re.compile(r"\b(?:one|either|each) of (?:the )?(?:two|three|four|\d) doses\b", re.I)
STUDY_WORDS = re.compile(
    r"\b(?:we|this|here|our|participants|patients were|randomi[sz]ed|enrolled|received|"
    r"trial|study|studies)\b",
    re.I,
)
RATE = re.compile(r"/\s*(?:h|hr|hour|min|minute|week|wk)|per\s*(?:hour|h|minute|min|week)", re.I)
PERSONAL_COI = re.compile(
    r"\b(?:has|have) received|consult|advisory|speaker|honorari|stock|shares|equity|royalt|"
    r"personal fees|employee of|board member|patent",
    re.I,
)
FUNDED_BY = re.compile(
    r"\b(?:fund(?:ed|ing)|support(?:ed)?|sponsor(?:ed)?|financ\w+)\s+(?:\w+\s+){0,3}?(?:by|from)\s+"
    r"(?:the\s+|a\s+|an\s+)?[A-Z]|\bfunding\s*:|\bgrants?\s+from\b|\bgrant (?:number|no\.?)\b"
)


class Rule(NamedTuple):
    """A pattern with the literal starts every match must begin with (None: no shortcut)."""

    pattern: re.Pattern
    starts: tuple[str, ...] | None

    def search(self, text: str, lower: str | None = None) -> re.Match | None:
        """pattern.search(text), skipped when no literal start occurs in the lowered text."""
        if self.starts is not None:
            lower = text.lower() if lower is None else lower
            if not any(start in lower for start in self.starts):
                return None
        return self.pattern.search(text)

    def finditer(self, text: str):
        """pattern.finditer(text), empty when no literal start occurs."""
        if self.starts is not None and not any(s in text.lower() for s in self.starts):
            return iter(())
        return self.pattern.finditer(text)


def _starts(seq) -> tuple[set[str], bool]:
    """Literal strings every match of a parsed sequence begins with, and whether they are all."""
    prefixes = {""}
    for op, value in seq:
        if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):
            continue  # they consume nothing
        if op is _sre.LITERAL:
            prefixes = {p + chr(value) for p in prefixes}
        elif op in (_sre.BRANCH, _sre.SUBPATTERN):
            branches = value[1] if op is _sre.BRANCH else [value[-1]]
            results = [_starts(branch) for branch in branches]
            prefixes = {p + s for p in prefixes for found, _ in results for s in found}
            if len(prefixes) > 64 or not all(done for _, done in results):
                return prefixes, False
        else:
            return prefixes, False
    return prefixes, True


def rule(pattern: str) -> Rule:
    """Compile a case-insensitive pattern with its literal starts for a cheap first check."""
    compiled = re.compile(pattern, re.I)
    try:
        starts, _ = _starts(_parser.parse(pattern))  # case-sensitive parse: plain literals
    except (re.error, TypeError, ValueError):
        return Rule(compiled, None)
    starts = {s.lower() for s in starts}
    return Rule(compiled, tuple(sorted(starts)) if all(len(s) >= 2 for s in starts) else None)


class Sentence(NamedTuple):
    source: str  # title | abstract | coi | grants
    role: str
    text: str


@dataclass(frozen=True)
class DetailRules:
    """config/details.yml, compiled."""

    drug_names: tuple[tuple[str, Rule], ...]
    other_drugs: Rule
    comparator_designs: frozenset[str]
    comparators: tuple[tuple[str, Rule], ...]
    comparison_context: Rule
    dose_bands: dict
    band_labels: dict
    session_words: Rule
    per_week: Rule
    open_schedules: Rule
    up_to: Rule
    not_dosing: Rule
    session_designs: frozenset[str]
    safety: tuple[tuple[str, Rule], ...]
    safety_any: Rule
    harm_context: Rule
    suicidality_target: str
    not_reported: Rule
    funding_sentence: Rule
    industry: Rule
    public: Rule
    no_funding: Rule
    registry_classes: dict


@dataclass
class Details:
    """What `extract_details` found; `provenance` rows are (facet, tag, source, evidence)."""

    comparators: list[str] = field(default_factory=list)
    doses: list[dict] = field(default_factory=list)
    dose_band: list[str] = field(default_factory=list)
    sessions: int | None = None
    safety: list[str] = field(default_factory=list)
    funding: str = "unknown"
    provenance: list[tuple[str, str, str, str]] = field(default_factory=list)

    def as_columns(self) -> dict:
        """The studies columns (lists as Python lists; the store serialises them)."""
        return {
            "comparators": self.comparators,
            "doses": self.doses,
            "dose_band": self.dose_band,
            "sessions": self.sessions,
            "safety": self.safety,
            "funding": self.funding,
        }


def _compile(pattern: str, path: Path, where: str) -> Rule:
    try:
        re.compile(pattern, re.I)
        return rule(pattern)
    except re.error as exc:
        raise ConfigError(f"{path}: {where}: bad pattern {pattern!r}: {exc}") from None


def _patterns(data: dict, key: str, slugs: tuple[str, ...], path: Path):
    block = data.get(key)
    if not isinstance(block, dict):
        raise ConfigError(f"{path}: {key} must map each of {', '.join(slugs)} to patterns")
    missing = [s for s in slugs if s not in block]
    unknown = [s for s in block if s not in slugs and not isinstance(block[s], str)]
    if missing or unknown:
        problem = f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(unknown)}"
        raise ConfigError(f"{path}: {key}: {problem} (the fixed vocabulary is {', '.join(slugs)})")
    for slug in slugs:  # each pattern checked on its own, so an error names it
        for pattern in block[slug]:
            _compile(pattern, path, f"{key}.{slug}")
    return tuple((slug, _any(block[slug])) for slug in slugs)


def _any(patterns: list[str]) -> Rule:
    """One alternation: a single search per sentence instead of one per pattern."""
    return rule("|".join(f"(?:{p})" for p in patterns))


def _words(names: list, path: Path, where: str) -> Rule:
    if not isinstance(names, list) or not names:
        raise ConfigError(f"{path}: {where} must be a non-empty list")
    return _compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b", path, where)


def _lists(block: dict) -> dict:
    """The slug -> pattern-list entries of a block that also holds settings."""
    return {k: v for k, v in block.items() if isinstance(v, list)}


def load_details(path: Path | str) -> DetailRules:
    """Load and check config/details.yml; a missing slug or a bad pattern is a ConfigError."""
    path = Path(path)
    data = read_yaml(path)
    drugs = data.get("study_drugs") or {}
    if sorted(drugs) != sorted(DRUGS):
        raise ConfigError(f"{path}: study_drugs must name exactly {', '.join(DRUGS)}")
    safety = data.get("safety") or {}
    funding = data.get("funding") or {}
    sessions = data.get("sessions") or {}
    bands = data.get("dose_bands") or {}
    labels = {}
    for drug, rows in bands.items():
        if drug not in DRUGS:
            raise ConfigError(f"{path}: dose_bands: unknown drug {drug!r}")
        for row in rows:
            if row.get("unit") not in UNITS or not row.get("band"):
                raise ConfigError(f"{path}: dose_bands.{drug}: each band needs band and unit")
            labels[f"{drug}-{row['band']}"] = row.get("label") or f"{drug} {row['band']}"
    try:
        return DetailRules(
            drug_names=tuple(
                (d, _words(names, path, f"study_drugs.{d}")) for d, names in drugs.items()
            ),  # fmt: skip
            other_drugs=_words(data.get("other_drugs"), path, "other_drugs"),
            comparator_designs=frozenset(data.get("comparator_designs") or ()),
            comparators=_patterns(data, "comparators", COMPARATORS, path),
            comparison_context=_compile(data["comparison_context"], path, "comparison_context"),
            dose_bands=bands,
            band_labels=labels,
            session_words=_compile(
                r"\b(?P<n>\d+|one|single|a single|two|three|four|five|six|seven|eight|nine|ten|"
                r"eleven|twelve)[- ](?:\w+[- ]){0,2}?" + sessions["session_words"] + r"\b",
                path,
                "sessions.session_words",
            ),
            per_week=_compile(sessions["per_week"], path, "sessions.per_week"),
            open_schedules=_compile(sessions["open_schedules"], path, "sessions.open_schedules"),
            up_to=_compile(sessions["up_to"], path, "sessions.up_to"),
            not_dosing=_compile(sessions["not_dosing"], path, "sessions.not_dosing"),
            session_designs=frozenset(sessions.get("designs") or ()),
            safety=_patterns({"safety": _lists(safety)}, "safety", SAFETY, path),
            safety_any=_any([p for v in _lists(safety).values() for p in v]),
            harm_context=_compile(safety["harm_context"], path, "safety.harm_context"),
            suicidality_target=str(safety.get("suicidality_target_condition") or "suicidality"),
            not_reported=_compile(safety["not_reported"], path, "safety.not_reported"),
            funding_sentence=_compile(funding["funding_sentence"], path, "funding"),
            industry=_compile("|".join(funding["industry"]), path, "funding.industry"),
            public=_compile("|".join(funding["public"]), path, "funding.public"),
            no_funding=_compile(funding["no_funding"], path, "funding.no_funding"),
            registry_classes=dict(funding.get("registry_classes") or {}),
        )
    except KeyError as exc:
        raise ConfigError(f"{path}: missing setting {exc.args[0]}") from None


def sentences(record: dict) -> list[Sentence]:
    """The record's sentences with their roles: title, abstract sections, COI, grants."""
    out = [Sentence("title", "title", record["title"])] if record.get("title") else []
    sections = record.get("abstract_sections") or []
    if not sections and record.get("abstract"):
        sections = [{"label": None, "category": None, "text": record["abstract"]}]
    for section in sections:
        role = _role(section.get("label"), section.get("category"))
        parts = SENTENCE_END.split(section.get("text") or "")
        for index, text in enumerate(p.strip() for p in parts):
            if text:
                first_background = (
                    role == "body"
                    and index == 0
                    and len(parts) > 2
                    and not STUDY_WORDS.search(text)
                )
                out.append(Sentence("abstract", "background" if first_background else role, text))
    for text in SENTENCE_END.split(record.get("coi_statement") or ""):
        if text.strip():
            out.append(Sentence("coi", "meta", text.strip()))
    return out


def _role(label: str | None, category: str | None) -> str:
    text = f"{category or ''} {label or ''}".upper()
    for pattern, role in SECTION_ROLES:
        if pattern.search(text):
            return role
    return "body"


def extract_details(
    record: dict, rules: DetailRules, *, design: str | None = None, conditions=()
) -> Details:
    """Comparators, doses, sessions, harms and funding of one record, with provenance."""
    found = Details()
    text = sentences(record)
    reporting = [s for s in text if s.role in REPORTING]
    _comparators(reporting, rules, design, found)
    _doses(reporting, rules, record, found)
    _sessions(reporting, rules, design, found)
    _safety(reporting, rules, set(conditions), found)
    _funding(record, text, rules, found)
    return found


def _comparators(text: list[Sentence], rules: DetailRules, design, found: Details) -> None:
    if design not in rules.comparator_designs:
        return
    for slug, pattern in rules.comparators:
        for sentence in text:
            if not rules.comparison_context.search(sentence.text):
                continue
            if pattern.search(sentence.text):
                found.comparators.append(slug)
                found.provenance.append(("comparators", slug, sentence.source, sentence.text))
                break
    if "active-placebo" in found.comparators and "placebo" in found.comparators:
        # "midazolam ... as an active placebo": one comparator, not an inert placebo as well.
        placebo = next(
            p for f, t, _, p in found.provenance if f == "comparators" and t == "placebo"
        )
        if (
            rules.comparators[1][1].search(placebo)
            and re.search(
                r"(?:psycho)?active[- ]placebo|midazolam|niacin|methylphenidate|diphenhydramine",
                placebo,
                re.I,
            )
            and not re.search(r"\band (?:an? )?(?:inert |saline )?placebo\b", placebo, re.I)
        ):
            found.comparators.remove("placebo")
            found.provenance = [r for r in found.provenance if r[:2] != ("comparators", "placebo")]


def _drug_spans(sentence: str, rules: DetailRules) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    for drug, pattern in rules.drug_names:
        for match in pattern.finditer(sentence):
            if not any(s <= match.start() < e for s, e, _ in spans):
                spans.append((match.start(), match.end(), drug))
    for match in rules.other_drugs.finditer(sentence):
        spans.append((match.start(), match.end(), "other"))
    return sorted(spans)


def _record_drugs(record: dict, rules: DetailRules) -> set[str]:
    text = f"{record.get('title') or ''} {record.get('abstract') or ''}"
    return {drug for drug, pattern in rules.drug_names if pattern.search(text)}


def _doses(text: list[Sentence], rules: DetailRules, record: dict, found: Details) -> None:
    only = _record_drugs(record, rules)
    only_drug = next(iter(only)) if len(only) == 1 else None
    seen: set[tuple] = set()
    for sentence in text:
        spans = _drug_spans(sentence.text, rules)
        for match in DOSE.finditer(sentence.text):
            per = match.group("per") or ""
            if RATE.search(per) or EXCLUDED_BEFORE.search(sentence.text[: match.start()]):
                continue
            if re.search(r"equivalent", sentence.text[match.end() : match.end() + 20], re.I):
                continue
            drug = _dose_drug(spans, match, sentence.text, only_drug if not spans else None)
            if drug not in DRUGS:
                continue
            unit, divisor = _unit(match.group("unit"), per)
            for raw in re.findall(NUM, match.group("nums")):
                amount = round(float(raw) / divisor, 4)
                amount = int(amount) if amount == int(amount) else amount
                key = (drug, amount, unit)
                if amount > 0 and key not in seen:
                    seen.add(key)
                    found.doses.append({"drug": drug, "amount": amount, "unit": unit})
                    found.provenance.append(
                        ("doses", f"{drug} {amount} {unit}", sentence.source, sentence.text)
                    )
                    _band(found, rules, drug, amount, unit, sentence)


def _dose_drug(spans, match: re.Match, text: str, fallback: str | None) -> str | None:
    for start, _, drug in spans:  # "0.5 mg/kg of intravenous ketamine"
        if start >= match.end() and DRUG_FOLLOWS.fullmatch(text[match.end() : start]):
            return drug
    before = [s for s in spans if s[1] <= match.start()]
    if before:
        return before[-1][2]
    return fallback


def _unit(raw: str, per: str) -> tuple[str, float]:
    raw = raw.lower().replace(" ", "")
    if "70" in per:
        return "mg/kg", 70.0
    if raw.startswith("mg/kg") or raw.startswith("mgkg"):
        return "mg/kg", 1.0
    if raw.endswith("/kg"):
        return "\u00b5g/kg", 1.0
    if "kg" in per:
        return "mg/kg", 1.0
    return "mg", 1.0


def _band(found: Details, rules: DetailRules, drug: str, amount, unit: str, sentence) -> None:
    for row in rules.dose_bands.get(drug, ()):
        if row["unit"] != unit:
            continue
        if amount < row.get("min", float("-inf")) or amount > row.get("max", float("inf")):
            continue
        slug = f"{drug}-{row['band']}"
        if slug not in found.dose_band:
            found.dose_band.append(slug)
            found.provenance.append(("dose_band", slug, sentence.source, sentence.text))
        return


def _number(word: str) -> int | None:
    word = word.lower().strip()
    return int(word) if word.isdigit() else NUMBER_WORDS.get(word)


def _sessions(text: list[Sentence], rules: DetailRules, design, found: Details) -> None:
    if design not in rules.session_designs:
        return
    counts: Counter = Counter()
    evidence: dict[int, Sentence] = {}
    for sentence in text:
        if sentence.role not in ("methods", "body", "results", "title", "objective"):
            continue
        candidates = []
        for match in rules.per_week.finditer(sentence.text):
            times, weeks = _number(match.group(1)), _number(match.group(2))
            if times and weeks:
                candidates.append(times * weeks)
        if not candidates:
            for match in rules.session_words.finditer(sentence.text):
                n = _number(match.group("n"))
                phrase = match.group(0).lower()
                if "doses" in phrase and ARMS_OF_DOSES.search(sentence.text):
                    continue  # "one of two doses": dose arms, not sessions
                if rules.not_dosing.search(phrase) or (
                    phrase.endswith("times") and not DOSED_TIMES.search(sentence.text)
                ):
                    continue  # "three preparatory sessions", "three times higher"
                if rules.up_to.search(sentence.text[: match.start()]):
                    return  # "up to six infusions": no fixed number
                if n and n <= 52:
                    candidates.append(n)
        if candidates and rules.open_schedules.search(sentence.text):
            continue  # daily or flexible dosing in this sentence: its numbers are not sessions
        for n in candidates:
            counts[n] += 1
            evidence.setdefault(n, sentence)
    if counts:
        best = max(counts, key=lambda n: (counts[n], n))
        found.sessions = best
        sentence = evidence[best]
        found.provenance.append(("sessions", str(best), sentence.source, sentence.text))


def _safety(text: list[Sentence], rules: DetailRules, conditions: set, found: Details) -> None:
    targets_suicidality = rules.suicidality_target in conditions
    for sentence in text:
        if sentence.role == "title" or rules.not_reported.search(sentence.text):
            continue
        hits = []
        if not rules.safety_any.search(sentence.text):
            continue
        for slug, pattern in rules.safety:
            if not pattern.search(sentence.text):
                continue
            generic = slug in ("serious-adverse-events", "general-tolerability")
            if not generic and not rules.harm_context.search(sentence.text):
                continue
            if (
                slug == "suicidality-safety"
                and targets_suicidality
                and not re.search(
                    r"\b(?:adverse|safety|emergent|worsen\w*|harm)\b", sentence.text, re.I
                )
            ):
                continue
            hits.append(slug)
        specific = [h for h in hits if h != "general-tolerability"]
        if (
            "general-tolerability" in hits
            and specific
            and not re.search(
                r"well[- ]tolerated|tolerab|dizz|sedat|somnolen|drowsi|respiratory|cognitive|"
                r"vertigo|fatigue",
                sentence.text,
                re.I,
            )
        ):
            hits.remove("general-tolerability")  # "adverse events included nausea": specific
        for slug in hits:
            if slug not in found.safety:
                found.safety.append(slug)
                found.provenance.append(("safety", slug, sentence.source, sentence.text))
    found.safety.sort(key=SAFETY.index)


def _funding(record: dict, text: list[Sentence], rules: DetailRules, found: Details) -> None:
    kinds: dict[str, tuple[str, str]] = {}
    for grant in record.get("grants") or []:
        agency = " ".join(filter(None, (grant.get("agency"), grant.get("acronym"))))
        if agency:
            kind = "industry" if rules.industry.search(agency) else "public"
            kinds.setdefault(kind, ("grants", agency))
    for sentence in text:
        if sentence.source == "title" or not rules.funding_sentence.search(sentence.text):
            continue
        if sentence.source == "coi" and PERSONAL_COI.search(sentence.text):
            continue
        if (
            sentence.source == "abstract"
            and sentence.role != "meta"
            and not FUNDED_BY.search(sentence.text)
        ):
            continue
        if rules.no_funding.search(sentence.text):
            continue
        if rules.industry.search(sentence.text):
            kinds.setdefault("industry", (sentence.source, sentence.text))
        if rules.public.search(sentence.text):
            kinds.setdefault("public", (sentence.source, sentence.text))
    found.funding = combine_funding(set(kinds))
    for kind, (source, evidence) in kinds.items():
        found.provenance.append(("funding", kind, source, evidence))


def detail_columns(found: Details) -> dict:
    """The studies columns of `found`, lists as JSON text."""
    columns = found.as_columns()
    for key in ("comparators", "doses", "dose_band", "safety"):
        columns[key] = json.dumps(columns[key], ensure_ascii=False)
    return columns


def combine_funding(kinds: set[str]) -> str:
    """industry + public -> mixed; one of them -> it; none -> unknown."""
    kinds = kinds & {"industry", "public"} | ({"industry", "public"} if "mixed" in kinds else set())
    if kinds == {"industry", "public"}:
        return "mixed"
    return next(iter(kinds)) if kinds else "unknown"
