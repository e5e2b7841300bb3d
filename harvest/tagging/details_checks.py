"""Checks of config/details.yml's blocks at load: patterns, slug maps, word lists and terms,
each a ConfigError naming the key (used by details_config.load_details)."""

from __future__ import annotations

import re
from pathlib import Path

from harvest.errors import ConfigError
from harvest.tagging.details_vocab import (
    COMPARATOR_CHECKS,
    DRUG_CLASSES,
    DRUGS,
    TERM,
    UNITS,
)


def check_pattern(pattern: str, path: Path, where: str) -> str:
    """`pattern` when it compiles; a ConfigError naming `where` when it does not."""
    try:
        re.compile(pattern, re.I)
    except re.error as exc:
        raise ConfigError(f"{path}: {where}: bad pattern {pattern!r}: {exc}") from None
    return pattern


def pattern_list(patterns, path: Path, where: str) -> list[str]:
    """A pattern or a list of them, each checked on its own."""
    if isinstance(patterns, str):
        patterns = [patterns]
    if not isinstance(patterns, list) or not patterns:
        raise ConfigError(f"{path}: {where} must be a pattern or a non-empty list of them")
    for pattern in patterns:
        check_pattern(pattern, path, where)
    return patterns


def one_pattern(patterns, path: Path, where: str) -> str:
    """One alternation of a pattern or a list of them."""
    patterns = pattern_list(patterns, path, where)
    return patterns[0] if len(patterns) == 1 else "|".join(f"(?:{p})" for p in patterns)


def slug_patterns(block, key: str, slugs: tuple[str, ...], path: Path) -> dict[str, list[str]]:
    """{slug: patterns} of a block that must map exactly the fixed vocabulary `slugs`."""
    if not isinstance(block, dict):
        raise ConfigError(f"{path}: {key} must map each of {', '.join(slugs)} to patterns")
    missing = [s for s in slugs if s not in block]
    unknown = [s for s in block if s not in slugs and not isinstance(block[s], str)]
    if missing or unknown:
        problem = f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(unknown)}"
        raise ConfigError(f"{path}: {key}: {problem} (the fixed vocabulary is {', '.join(slugs)})")
    return {slug: pattern_list(block[slug], path, f"{key}.{slug}") for slug in slugs}


def whole_words(names, path: Path, where: str) -> str:
    """One whole-word alternation of a non-empty list of names."""
    if not isinstance(names, list) or not names:
        raise ConfigError(f"{path}: {where} must be a non-empty list")
    return r"\b(?:" + "|".join(re.escape(str(n)) for n in names) + r")\b"


def check_bands(bands: dict, path: Path) -> dict:
    """{band slug: label} of dose_bands, each band of a known drug and unit."""
    labels = {}
    for drug, rows in bands.items():
        if drug not in DRUGS:
            raise ConfigError(f"{path}: dose_bands: unknown drug {drug!r}")
        for row in rows:
            if row.get("unit") not in UNITS or not row.get("band"):
                raise ConfigError(f"{path}: dose_bands.{drug}: each band needs band and unit")
            labels[f"{drug}-{row['band']}"] = row.get("label") or f"{drug} {row['band']}"
    return labels


def term_alternations(block, path: Path) -> dict[str, str]:
    """The `terms` word lists, each as one whole-word alternation (longest first)."""
    if block is None:
        return {}
    if not isinstance(block, dict):
        raise ConfigError(f"{path}: terms must map each name to a list of words")
    out = {}
    for name, words in block.items():
        if not isinstance(words, list) or not words:
            raise ConfigError(f"{path}: terms.{name} must be a non-empty list of words")
        alternatives = sorted({str(w).lower() for w in words}, key=lambda w: (-len(w), w))
        out[name] = r"(?<!\w)(?:" + "|".join(map(re.escape, alternatives)) + r")(?!\w)"
    return out


def expand_terms(block, terms: dict[str, str], path: Path):
    """Each {name} of a pattern (or a slug's list of them) replaced by its term alternation."""
    if isinstance(block, dict):
        return {k: expand_terms(v, terms, path) for k, v in block.items()}
    if isinstance(block, list):
        return [expand_terms(v, terms, path) for v in block]
    if not isinstance(block, str):
        return block

    def term(match: re.Match) -> str:
        if match.group(1) not in terms:
            raise ConfigError(f"{path}: unknown term {{{match.group(1)}}} in {block!r}")
        return terms[match.group(1)]

    return TERM.sub(term, block)


def pattern_map(block, path: Path, key: str, allowed, what: str) -> dict[str, re.Pattern]:
    """safety.title_targets ({topic: pattern of the title naming it as the condition}) and
    safety.intended_effects ({study drug: pattern of its intended effects}), checked at load."""
    if block is None:
        return {}
    if not isinstance(block, dict) or any(name not in allowed for name in block):
        raise ConfigError(f"{path}: safety.{key} must map {what} to patterns")
    return {name: re.compile(check_pattern(p, path, f"safety.{key}.{name}"), re.I)
            for name, p in block.items()}  # fmt: skip


def load_comparator_checks(block, terms: dict[str, str], path: Path, add) -> dict:
    """comparator_checks: each of COMPARATOR_CHECKS a pattern (terms expanded), a prefilter rule."""
    names = ", ".join(COMPARATOR_CHECKS)
    if not isinstance(block, dict):
        raise ConfigError(f"{path}: comparator_checks must map each of {names} to a pattern")
    missing = [n for n in COMPARATOR_CHECKS if n not in block]
    unknown = [n for n in block if n not in COMPARATOR_CHECKS]
    if missing or unknown:
        problem = f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(unknown)}"
        raise ConfigError(f"{path}: comparator_checks: {problem} (the checks are {names})")
    block = expand_terms(block, terms, path)
    return {
        n: add(one_pattern(block[n], path, f"comparator_checks.{n}")) for n in COMPARATOR_CHECKS
    }


def other_drug_names(data: dict) -> list:
    """other_drugs and every head-to-head comparator drug of `terms` (their doses are not the
    study drug's)."""
    terms = data.get("terms") or {}
    extra = terms.get("comparator_drugs") if isinstance(terms, dict) else None
    names = [n for n in (extra if isinstance(extra, list) else []) if n not in DRUG_CLASSES]
    return list(data.get("other_drugs") or []) + names
