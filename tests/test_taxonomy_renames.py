"""Renaming any tag of config/taxonomy.yml: a clear ConfigError when a rule needs it, never a
crash and never a rule that silently stops working (issue 12: rules as data, checked at load)."""

import re

import pytest
import yaml

from harvest.errors import ConfigError
from harvest.tagging.taxonomy import load_taxonomy
from tests.cli_support import ROOT

TEXT = (ROOT / "config" / "taxonomy.yml").read_text()
DATA = yaml.safe_load(TEXT)
TAGS = [(facet, slug) for facet, spec in DATA["facets"].items() for slug in spec["tags"]]


def _strings(node) -> set[str]:
    if isinstance(node, str):
        return {node}
    if isinstance(node, dict):
        return set().union(set(node), *map(_strings, node.values()))
    if isinstance(node, list):
        return set().union(*map(_strings, node)) if node else set()
    return set()


NEEDED = _strings(DATA["roles"]) & {slug for _, slug in TAGS}


def _renamed(facet: str, slug: str) -> str:
    """The taxonomy with one tag's definition renamed (its uses elsewhere left as they were)."""
    start = TEXT.index(f"\n  {facet}:\n")
    line = re.compile(rf"^(\s+){re.escape(slug)}:[ \t]*$", re.M).search(TEXT, start)
    return f"{TEXT[: line.start()]}{line.group(1)}{slug}-renamed:{TEXT[line.end() :]}"


def test_the_roles_name_tags_of_every_facet():
    assert {"ptsd", "physical-injury", "psychotherapy", "other-drug", "rct", "adults"} <= NEEDED


@pytest.mark.parametrize("facet, slug", TAGS, ids=[f"{f}.{s}" for f, s in TAGS])
def test_renaming_a_tag(tmp_path, facet, slug):
    path = tmp_path / "taxonomy.yml"
    path.write_text(_renamed(facet, slug))
    if slug not in NEEDED and f"'{slug}'" not in TEXT and f"[{slug}" not in TEXT:
        load_taxonomy(path)  # nothing else names it: the renamed tag simply loads
        return
    with pytest.raises(ConfigError) as raised:
        load_taxonomy(path)
    assert f"'{slug}'" in str(raised.value)
