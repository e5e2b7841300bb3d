"""Tagging: the taxonomy (rules as data), the tagger and its evaluation against labels."""

from harvest.tagging.evaluate import evaluate, evaluate_catalog
from harvest.tagging.tag import Tags, tag_record
from harvest.tagging.taxonomy import Taxonomy, load_taxonomy

__all__ = ["Tags", "Taxonomy", "evaluate", "evaluate_catalog", "load_taxonomy", "tag_record"]
