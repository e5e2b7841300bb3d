"""Datasette plugin: a study's registrations on its page, a trial's publications on its page."""

from __future__ import annotations

import json
from typing import Any

from datasette import hookimpl
from datasette.utils import tilde_decode
from markupsafe import Markup, escape

from harvest.registry.ids import registry_url

REGISTRATIONS_SQL = """
select l.registry, l.registry_id, group_concat(distinct l.source) as sources,
  t.title, t.overall_status, t.completion_date, t.has_results
from study_trials l left join trials t on t.nct_id = l.registry_id
where l.pmid = ?
group by l.registry, l.registry_id
order by l.registry_id
"""
PUBLICATIONS_SQL = """
select s.pmid, s.title, s.pub_year, s.design, s.retracted, s.expression_of_concern, s.erratum,
  s.citation, group_concat(distinct l.source) as sources
from study_trials l join studies s on s.pmid = l.pmid
where l.registry_id = ? and s.deleted = 0
group by s.pmid
order by s.pub_year desc, s.pmid desc
"""
STATUS_WORDS = {
    "RECRUITING": "Recruiting",
    "NOT_YET_RECRUITING": "Not yet recruiting",
    "ENROLLING_BY_INVITATION": "Enrolling by invitation",
    "ACTIVE_NOT_RECRUITING": "Active, not recruiting",
    "COMPLETED": "Completed",
    "TERMINATED": "Terminated",
    "SUSPENDED": "Suspended",
    "WITHDRAWN": "Withdrawn",
    "UNKNOWN": "Unknown status",
}


def registration_context(row: tuple) -> dict:
    """One registration of a study, for its page."""
    registry, trial_id, sources, title, status, completion, has_results = row
    return {
        "registry": registry,
        "id": trial_id,
        "url": registry_url(registry, trial_id),
        "sources": (sources or "").split(","),
        "title": title,
        "status": STATUS_WORDS.get(status or "", status),
        "completion": completion,
        "has_results": bool(has_results),
        "in_catalog": status is not None,
    }


def publication_context(row: tuple, studies_url: str) -> dict:
    """One publication of a trial, for its page, with its flags."""
    pmid, title, year, design, retracted, concern, erratum, citation, sources = row
    flags = [
        name
        for name, on in (
            ("Retracted", retracted),
            ("Expression of concern", concern),
            ("Corrected", erratum),
        )
        if on
    ]
    return {
        "pmid": pmid,
        "title": title,
        "year": year,
        "design": design,
        "citation": citation,
        "flags": flags,
        "url": f"{studies_url}/{pmid}",
        "sources": (sources or "").split(","),
    }


@hookimpl
def extra_template_vars(view_name: str, table: str | None, database: str, request, datasette):
    """Registrations on a study's page; publications on a trial's page."""
    if view_name != "row" or table not in ("studies", "trials") or request is None:
        return {}

    async def inner() -> dict:
        db = datasette.get_database(database)
        if not await db.table_exists("study_trials"):
            return {}
        key = tilde_decode(request.url_vars["pks"])
        if table == "studies":
            rows = (await db.execute(REGISTRATIONS_SQL, [key])).rows
            return {"registrations": [registration_context(tuple(r)) for r in rows]}
        rows = (await db.execute(PUBLICATIONS_SQL, [key])).rows
        studies_url = datasette.urls.table(database, "studies")
        return {"publications": [publication_context(tuple(r), studies_url) for r in rows]}

    return inner


@hookimpl
def render_cell(value: Any, column: str, table: str | None, database: str, datasette):
    """Trials table: the NCT id and url link to the registration; JSON lists read as lists."""
    if table != "trials":
        return None
    if column == "nct_id" and isinstance(value, str):
        trial_url = f"{datasette.urls.table(database, 'trials')}/{value}"
        registry = registry_url("ClinicalTrials.gov", value)
        return Markup(
            f'<a href="{escape(trial_url)}">{escape(value)}</a> '
            f'<a class="ec-link" href="{escape(registry)}">registry</a>'
        )
    if column == "url" and isinstance(value, str) and value.startswith("https://"):
        return Markup(f'<a href="{escape(value)}">{escape(value)}</a>')
    if column in ("phases", "conditions", "interventions") and isinstance(value, str):
        try:
            items = json.loads(value)
        except ValueError:
            return None
        if isinstance(items, list):
            return Markup(", ".join(str(escape(i)) for i in items))
    return None
