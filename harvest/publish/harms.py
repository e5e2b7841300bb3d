"""The evidence finder's harms section: for the chosen treatment (and condition, and the rest of
the selection), each safety topic the studies report on, how many studies, and the sentences
the tagger read it from (study_tags provenance), strongest evidence first, flags kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from harvest.citing.flags import FLAG_LABELS
from harvest.publish import evidence
from harvest.publish.evidence import Selection
from harvest.tagging.details import SAFETY

# Titles for the fixed safety vocabulary (issue 14 item 4); the taxonomy's labels win if it has any.
HARM_LABELS = {
    "dissociation": "Dissociation",
    "cardiovascular": "Blood pressure and heart (cardiovascular)",
    "hyponatremia": "Low sodium (hyponatremia)",
    "abuse-liability": "Misuse, dependence or tolerance",
    "suicidality-safety": "Suicidality as a harm",
    "psychotic-symptoms": "Psychotic symptoms",
    "urological": "Bladder and urinary tract",
    "hepatic": "Liver",
    "nausea-vomiting": "Nausea and vomiting",
    "headache": "Headache",
    "serious-adverse-events": "Serious adverse events",
    "general-tolerability": "General tolerability and other harms",
}
OTHER_FLAGS = {"off_topic": "Off-topic", "animal": "Animal study"}
PER_HARM = 5  # sentences shown per topic; the count is always every study
SEPARATOR = "\x1f"
FLAG_COLUMNS = (
    "retracted, erratum, expression_of_concern, comments_corrections, publication_types,"
    " on_topic, human"
)


def harm_sql(where: str) -> str:
    """Per safety topic: its first PER_HARM studies of the selection (strongest evidence, newest
    first) with their sentences, and the topic's number of studies."""
    return f"""
with chosen as (select pmid, evidence_level, pub_date from studies where {where}),
harms as (
  select tag, pmid, group_concat(evidence, char(31)) as sentences from study_tags
  where facet = 'safety' and pmid in (select pmid from chosen) group by tag, pmid
),
ranked as (
  select h.tag, h.pmid, h.sentences, count(*) over (partition by h.tag) as studies,
    row_number() over (partition by h.tag order by c.evidence_level is null,
      c.evidence_level, c.pub_date desc, c.pmid desc) as n
  from harms h join chosen c on c.pmid = h.pmid
)
select r.tag, r.studies, r.n, r.sentences, s.pmid, s.title, s.pub_year, s.design,
  s.evidence_level, {", ".join(f"s.{c.strip()}" for c in FLAG_COLUMNS.split(","))}
from ranked r join studies s on s.pmid = r.pmid
where r.n <= {PER_HARM} order by r.tag, r.n"""


def harm_label(slug: str, labels: Mapping) -> str:
    """The topic's title: the taxonomy's label, else HARM_LABELS, else the slug."""
    entry = (labels.get("safety") or {}).get(slug)
    return entry[0] if entry else HARM_LABELS.get(slug, slug)


def _sentences(text: str | None) -> list[str]:
    seen: list[str] = []
    for sentence in (text or "").split(SEPARATOR):
        sentence = sentence.strip()
        if sentence and sentence not in seen:
            seen.append(sentence)
    return seen


async def fetch_harms(db: Any, selection: Selection, labels: Mapping) -> list[dict]:
    """[{slug, label, count, studies: [{pmid, title, sentences, flag_items, ...}], more_url}]
    in the vocabulary's order, topics with studies only; [] without a chosen treatment."""
    modalities = selection.tags.get("modalities") or []
    if not modalities:
        return []
    where, params = evidence.build_where(selection)
    # About 0.8 s for a common pair at 50,000 studies: once per catalog version (facets.py).
    sql = harm_sql(where)
    rows = (await db.execute(sql, params, custom_time_limit=evidence.AGGREGATE_MS)).rows
    topics: dict[str, dict] = {}
    for row in map(dict, rows):
        slug = row["tag"]
        topic = topics.setdefault(
            slug,
            {
                "slug": slug,
                "label": harm_label(slug, labels),
                "count": row["studies"],
                "studies": [],
                "more_url": "/catalog/reported_harms?"
                + urlencode({"modality": modalities[0], "harm": slug}),
            },
        )
        flags = evidence.row_flags(row)
        topic["studies"].append(
            {
                "pmid": row["pmid"],
                "title": row["title"],
                "pub_year": row["pub_year"],
                "evidence_level": row["evidence_level"],
                "sentences": _sentences(row["sentences"]),
                "flags": [(f, FLAG_LABELS.get(f) or OTHER_FLAGS.get(f, f)) for f in flags],
            }
        )
    order = {slug: i for i, slug in enumerate(SAFETY)}
    return sorted(topics.values(), key=lambda t: (order.get(t["slug"], len(order)), t["slug"]))
