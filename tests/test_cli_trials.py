"""End to end: `harvest refresh` against both stand-ins (E-utilities and ClinicalTrials.gov),
then what staff see through Datasette: links, unpublished and recruiting trials, status."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

import pytest

from harvest.publish.serve import make_datasette
from tests.cli_support import rows, run_harvest
from tests.standin_ctgov import make_trial

ROOT = Path(__file__).resolve().parent.parent
TODAY = date.today()


def harvest(*args, env=None, timeout=300):
    return run_harvest(*args, env=env, timeout=timeout)


def ago(days: int) -> str:
    return (TODAY - timedelta(days=days)).isoformat()


def load_pubmed(standin, record_factory):
    standin.add_record(
        record_factory(
            35000001,
            title="Repeated ketamine infusions for chronic PTSD: a randomized trial",
            abstract_sections=[
                ("METHODS", "Adults with PTSD received six ketamine infusions or midazolam."),
                ("REGISTRATION", "ClinicalTrials.gov NCT01111111."),
            ],
        )
    )
    standin.add_record(
        record_factory(
            35000002,
            title="Psilocybin for major depression: an open-label trial",
            abstract_sections=[("TRIAL REGISTRATION", "ISRCTN22222222")],
        )
    )
    standin.add_record(
        record_factory(
            35000003,
            title="MDMA-assisted therapy for severe PTSD",
            databanks=[("ClinicalTrials.gov", ["NCT03333333"])],
        )
    )
    standin.add_record(record_factory(35000004, title="Esketamine for depression: results"))


def load_registry(ctgov):
    ctgov.add(
        make_trial("NCT01111111", "Ketamine for PTSD", status="COMPLETED", completion="2020-05"),
        make_trial(
            "NCT03333333",
            "MDMA-assisted therapy for PTSD",
            interventions=("MDMA",),
            status="COMPLETED",
            completion="2021-01-15",
        ),
        make_trial(
            "NCT04444444",
            "Ketamine for depression in veterans",
            conditions=("Depression",),
            status="COMPLETED",
            completion="2019-12",
            has_results=True,
        ),
        make_trial(
            "NCT05555555",
            "Esketamine nasal spray for depression",
            conditions=("Depression",),
            interventions=("Esketamine",),
            status="COMPLETED",
            completion="2023-06-30",
            result_pmids=(35000004,),
        ),
        make_trial("NCT06666666", "Ketamine recent", status="COMPLETED", completion=ago(180)),
        make_trial(
            "NCT07777777",
            "MDMA-assisted therapy for PTSD in veterans",
            interventions=("MDMA",),
            status="RECRUITING",
            completion=None,
        ),
        make_trial("NCT08888888", "Ketamine stopped", status="TERMINATED", completion="2018-03"),
        make_trial(
            "NCT09999999",
            "Psilocybin for anxiety",
            interventions=("Psilocybin",),
            conditions=("Anxiety",),
            status="COMPLETED",
            completion="2019",
        ),  # fmt: skip
    )


def get_json(db: Path, path: str):
    ds = make_datasette(db)

    async def fetch():
        response = await ds.client.get(path)
        return response.status_code, response.json() if "json" in path else response.text

    return asyncio.run(fetch())


@pytest.fixture
def harvested(standin, ctgov, record_factory, eutils_env, fast_config, tmp_path):
    load_pubmed(standin, record_factory)
    load_registry(ctgov)
    db = tmp_path / "catalog.db"
    done = harvest("refresh", "--db", db, "--config", fast_config, env=eutils_env)
    assert done.returncode == 0, done.stderr
    return db, done


def test_refresh_stores_every_trial_and_links_studies(harvested, ctgov):
    db, done = harvested
    assert "trials: 8 new, 0 updated, 0 unchanged, 0 unreadable, 4 study links" in done.stdout
    assert rows(db, "select count(*) from trials") == [(8,)]
    assert ctgov.rate_violations == 0
    assert len(ctgov.requests_for()) == 1
    assert rows(db, "select pmid, registry_id, registry, source from study_trials order by 1") == [
        (35000001, "NCT01111111", "ClinicalTrials.gov", "text"),
        (35000002, "ISRCTN22222222", "ISRCTN", "text"),
        (35000003, "NCT03333333", "ClinicalTrials.gov", "databank"),
        (35000004, "NCT05555555", "ClinicalTrials.gov", "registry"),
    ]
    assert rows(
        db, "select overall_status, enrollment, sponsor_class from trials where nct_id = ?",
        ("NCT07777777",),
    ) == [("RECRUITING", 40, "OTHER")]  # fmt: skip
    assert rows(db, "select mode, status from harvest_runs order by id") == [
        ("full", "ok"),
        ("trials", "ok"),
    ]


def test_unpublished_trials_lists_exactly_the_old_unlinked_completed_ones(harvested):
    db, _ = harvested
    status, data = get_json(db, "/catalog/unpublished_trials.json?_shape=array")
    assert status == 200
    assert [(r["nct_id"], r["results_on_registry"]) for r in data] == [
        ("NCT04444444", 1),
        ("NCT09999999", 0),
    ]


def test_recruiting_trials_by_condition_and_treatment(harvested):
    db, _ = harvested
    status, data = get_json(
        db, "/catalog/recruiting_trials.json?_shape=array&condition=PTSD&modality=mdma"
    )
    assert status == 200
    assert [r["nct_id"] for r in data] == ["NCT07777777"]
    status, data = get_json(db, "/catalog/trials.json?_shape=array&overall_status=RECRUITING")
    assert [r["nct_id"] for r in data] == ["NCT07777777"]
    status, facets = get_json(db, "/catalog/trials.json?_facet=overall_status&_size=0")
    assert status == 200
    counts = {f["value"]: f["count"] for f in facets["facet_results"]["overall_status"]["results"]}
    assert counts == {"COMPLETED": 6, "RECRUITING": 1, "TERMINATED": 1}
    status, html = get_json(db, "/catalog/trials")
    assert status == 200
    assert 'id="facet-overall_status"' in html and 'id="facet-sponsor_class"' in html


def test_study_page_shows_its_registration_and_trial_page_its_publications(harvested):
    db, _ = harvested
    status, html = get_json(db, "/catalog/studies/35000001")
    assert status == 200
    assert 'href="https://clinicaltrials.gov/study/NCT01111111">NCT01111111</a>' in html
    assert ">Completed</a>, completion 2020-05" in html
    status, html = get_json(db, "/catalog/trials/NCT05555555")
    assert status == 200
    assert 'href="/catalog/studies/35000004">Esketamine for depression: results</a>' in html


def test_evidence_map_counts_the_trials_of_each_pair(harvested):
    db, _ = harvested
    status, html = get_json(db, "/-/map")
    assert status == 200
    link = (
        '<a class="ec-map-trials" href="/catalog/trials?condition_tags__arraycontains=ptsd'
        '&amp;modality_tags__arraycontains=mdma"'
    )
    assert link in html
    cell = html[html.index(link) :]
    assert cell[cell.index(">") + 1 : cell.index("</a>")] == "2 trials"


def test_a_status_change_is_picked_up_incrementally_in_few_requests(
    harvested, ctgov, eutils_env, fast_config
):
    db, _ = harvested
    changed = make_trial(
        "NCT07777777",
        "MDMA-assisted therapy for PTSD in veterans",
        interventions=("MDMA",),
        status="ACTIVE_NOT_RECRUITING",
        completion=None,
        last_update=TODAY.isoformat(),
    )
    ctgov.add(changed)
    before = len(ctgov.requests_for())
    done = harvest("refresh", "--db", db, "--config", fast_config, env=eutils_env)
    assert done.returncode == 0, done.stderr
    assert len(ctgov.requests_for()) - before <= 3
    assert "trials: 0 new, 1 updated, 0 unchanged" in done.stdout
    assert rows(db, "select overall_status from trials where nct_id = 'NCT07777777'") == [
        ("ACTIVE_NOT_RECRUITING",)
    ]
    since = ctgov.requests_for()[-1].params["filter.advanced"]
    assert since == f"AREA[LastUpdatePostDate]RANGE[{ago(3)},MAX]"


def test_registry_outage_never_fails_the_pubmed_part(
    standin, ctgov, record_factory, eutils_env, fast_config, tmp_path
):
    load_pubmed(standin, record_factory)
    ctgov.always = "503"
    db = tmp_path / "catalog.db"
    done = harvest("refresh", "--db", db, "--config", fast_config, env=eutils_env)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == (
        "Error: trial refresh failed (PubMed part saved): "
        "ClinicalTrials.gov: gave up after 6 attempts: HTTP 503"
    )
    assert "Traceback" not in done.stderr
    assert rows(db, "select count(*) from studies") == [(4,)]
    assert rows(db, "select mode, status from harvest_runs order by id") == [
        ("full", "ok"),
        ("trials", "failed"),
    ]
    status = harvest("status", "--db", db, env=eutils_env)
    assert status.returncode == 1
    assert (
        "Last trial refresh (ClinicalTrials.gov) FAILED at " in status.stdout
        and "ClinicalTrials.gov: gave up after 6 attempts: HTTP 503" in status.stdout
    )


def test_skip_trials_asks_no_registry(standin, ctgov, record_factory, eutils_env, tmp_path):
    load_pubmed(standin, record_factory)
    db = tmp_path / "catalog.db"
    done = harvest("refresh", "--db", db, "--skip-trials", env=eutils_env)
    assert done.returncode == 0, done.stderr
    assert ctgov.log == []
    assert rows(db, "select mode from harvest_runs") == [("full",)]
