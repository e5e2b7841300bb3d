"""Pure row functions: a record's studies row, its fingerprint and its link-table rows."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import NamedTuple

from harvest.record import content_hash, json_text, to_row, valid_pmid
from harvest.registry.ids import normalise_id, registry_ids

AUTHOR_FIELDS = ("last_name", "fore_name", "initials", "suffix", "collective_name", "orcid")
FLAG_COLUMNS = ("retracted", "erratum", "expression_of_concern")
# Columns the store sets itself when it writes a row (a new row also gets first_seen, in_search).
BOOKKEEPING = ("content_hash", "last_changed", "deleted", "first_seen", "in_search")

Enricher = Callable[[dict], tuple[dict, list]]  # record -> (extra studies columns, provenance)


def author_key(author: dict) -> str:
    """The lookup key of an author: names, collective name and ORCID."""
    get = author.get
    return (
        f"{get('last_name') or ''}|{get('fore_name') or ''}|{get('initials') or ''}"
        f"|{get('collective_name') or ''}|{get('orcid') or ''}"
    )


def term_key(name: str) -> str:
    """The lookup key of a MeSH descriptor or publication type: its name.

    Names, not UIs: a MEDLINE export carries no descriptor UIs, and the same descriptor must not
    get two rows (one keyed by UI, one by name).
    """
    return name


def study_registrations(study: dict) -> list[tuple[str, str, str]]:
    """(registry, id, source) for a record or studies row: DataBankList first, then title and
    abstract."""
    found: dict[str, tuple[str, str]] = {}
    banks = study.get("databanks")
    for bank in json.loads(banks) if isinstance(banks, str) else banks or []:
        for accession in bank.get("accessions") or [bank.get("accession")]:
            hit = normalise_id(bank.get("name"), accession) if accession else None
            if hit:
                found.setdefault(hit[1], (hit[0], "databank"))
    for registry, trial_id in registry_ids((study.get("title"), study.get("abstract"))):
        found.setdefault(trial_id, (registry, "text"))
    return [(registry, trial_id, source) for trial_id, (registry, source) in found.items()]


class Links(NamedTuple):
    """What the link tables need from a record: (key, values) for each lookup row."""

    authors: list  # (key, author fields tuple, affiliation)
    mesh: list  # (key, (ui, name), major, qualifiers JSON)
    types: list  # (key, (ui, name))
    trials: list  # (registry, id, source): study_trials from DataBankList and text


def record_links(record: dict) -> Links:
    """Author, MeSH, publication type and registration rows for the link tables."""
    return Links(
        authors=[
            (author_key(a), tuple(map(a.get, AUTHOR_FIELDS)), a.get("affiliation"))
            for a in record.get("authors") or []
        ],
        mesh=[
            (
                term_key(m["name"]),
                (m.get("ui"), m["name"]),
                int(bool(m.get("major"))),
                json_text(m["qualifiers"]) if m.get("qualifiers") else "[]",
            )
            for m in record.get("mesh") or []
        ],
        types=[
            (term_key(p["name"]), (p.get("ui"), p["name"]))
            for p in record.get("publication_types") or []
        ],
        trials=study_registrations(record),
    )


class Prepared(NamedTuple):
    """A record's studies values, fingerprint, tags, citations and links, computed ahead (in a
    worker) so that the writer only binds them. Named tuples, not dataclasses: a worker's
    message pickles and unpickles about a fifth faster (benchmarks/stage_bench.py, transfer).

    `columns` names `values` in order (the record's columns, then tags, details and
    citations); records of a batch with the same columns share one tuple, which a worker's
    message then carries once.
    """

    pmid: int
    columns: tuple[str, ...]
    values: tuple
    digest: str
    source: str  # record_source: a poorer source never replaces a richer one
    flags: tuple  # the FLAG_COLUMNS values
    provenance: list
    links: Links

    @property
    def row(self) -> dict:
        """The studies columns as a mapping."""
        return dict(zip(self.columns, self.values, strict=True))


def prepare_record(record: dict, enrich: Enricher, shapes: dict | None = None) -> Prepared:
    """Do the CPU work for one record ahead of saving."""
    return _prepared(record, *enrich(record), {} if shapes is None else shapes)


def _prepared(record: dict, extra: dict, provenance: list, shapes: dict) -> Prepared:
    row = to_row(record)
    digest = content_hash(row)
    row.update(extra)
    for column in BOOKKEEPING:  # the store's to set
        row.pop(column, None)
    columns = tuple(row)
    return Prepared(
        record["pmid"],
        shapes.setdefault(columns, columns),
        tuple(row.values()),
        digest,
        row["record_source"],
        tuple(row.get(flag) for flag in FLAG_COLUMNS),
        provenance,
        record_links(record),
    )


def prepare(item, enrich: Enricher):
    """`prepare_record` for a record with a storable PMID; other items pass through."""
    if isinstance(item, dict) and valid_pmid(item.get("pmid")):
        return prepare_record(item, enrich)
    return item


def enrich_all(enrich: Enricher, records: list[dict]) -> list[tuple[dict, list]]:
    """`enrich` over records, stage by stage through its `many` when it has one."""
    many = getattr(enrich, "many", None)
    return many(records) if many else [enrich(record) for record in records]


def prepare_batch(items: list, enrich: Enricher) -> list:
    """`prepare` over a batch of items, in order, the records enriched together."""
    records = [i for i in items if isinstance(i, dict) and valid_pmid(i.get("pmid"))]
    enriched = iter(enrich_all(enrich, records))
    shapes: dict = {}
    return [
        _prepared(i, *next(enriched), shapes)
        if isinstance(i, dict) and valid_pmid(i.get("pmid"))
        else i
        for i in items
    ]
