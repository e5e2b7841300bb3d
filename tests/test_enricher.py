"""harvest/catalog/jobs.py RecordEnricher: batch enrichment identical to record by record."""

from pathlib import Path

from harvest.catalog.jobs import make_enricher
from harvest.pubmed.parse import parse_pubmed_xml
from harvest.tagging.details import load_details
from harvest.tagging.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parent.parent


def test_many_equals_one_by_one_on_the_tagging_corpus():
    enrich = make_enricher(
        load_taxonomy(ROOT / "config" / "taxonomy.yml"),
        load_details(ROOT / "config" / "details.yml"),
    )
    with open(ROOT / "tests" / "fixtures" / "tagging_corpus.xml", "rb") as stream:
        records = [r for r in parse_pubmed_xml(stream) if isinstance(r, dict)]
    assert len(records) > 20
    one_by_one = [enrich(record) for record in records]
    together = enrich.many(records)
    assert together == one_by_one
    columns, provenance = together[0]
    assert {"conditions", "design", "tagger_version", "citation", "funding"} <= set(columns)
    assert all(len(entry) == 4 for entry in provenance)


def test_many_of_nothing_is_nothing():
    enrich = make_enricher(load_taxonomy(ROOT / "config" / "taxonomy.yml"))
    assert enrich.many([]) == []
