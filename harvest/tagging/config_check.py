"""Checks across the two rule files: the taxonomy's tags that config/details.yml names.

details.yml picks designs and conditions by their taxonomy slugs (`comparator_designs`,
`active_placebo_conditions`, ...). Renaming or removing such a tag in taxonomy.yml would leave
that rule silently dead; `load_details(path, taxonomy)` runs `check_details_slugs` on the file
it reads and makes it a ConfigError naming the place instead.
"""

from __future__ import annotations

import re
from pathlib import Path

from harvest.errors import ConfigError
from harvest.tagging.taxonomy import Taxonomy

# a details.yml key ending in one of these names a list of the facet's slugs
SLUG_LISTS = {
    re.compile(r"(?:^|_)designs$"): "design",
    re.compile(r"(?:^|_)conditions$"): "conditions",
}


def _lists(node, where: str):
    """(place, key, list) for every list-valued key in a YAML tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            place = f"{where}.{key}" if where else str(key)
            if isinstance(value, list):
                yield place, str(key), value
            yield from _lists(value, place)


def check_details_slugs(taxonomy: Taxonomy, data: dict, details_path: Path | str) -> None:
    """Raise ConfigError when details.yml (`data`, read from `details_path`) names a design or
    condition the taxonomy lacks."""
    for place, key, values in _lists(data, ""):
        for pattern, facet in SLUG_LISTS.items():
            if not pattern.search(key):
                continue
            known = set(taxonomy.slugs(facet))
            for value in values:
                if value not in known:
                    raise ConfigError(
                        f"{details_path}: {place} names {value!r}, which is not a {facet} tag "
                        "of the taxonomy (renamed or removed in taxonomy.yml?)"
                    )
