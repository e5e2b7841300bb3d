"""harvest.registry: registration ids in text, the ClinicalTrials.gov client and trial rows."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import date

import pytest

from harvest.config import TrialSettings
from harvest.errors import RegistryError
from harvest.registry.ctgov import CtgovClient, fetch_trials, parse_trial
from harvest.registry.ids import find_registry_ids, normalise_id, registry_url
from tests.standin_ctgov import CtgovStandin, make_trial
from tests.standin_hostile import HostileServer, trickle


def settings(url: str, **changes) -> TrialSettings:
    base = TrialSettings(
        conditions=("PTSD", "depression"),
        interventions=("ketamine", "psilocybin"),
        api_url=url,
        page_size=100,
        min_interval=0.06,
        backoff_base=0.05,
        backoff_max=1.0,
        max_attempts=4,
    )
    return replace(base, **changes)


def test_finds_every_registry_in_text_normalised_and_in_order():
    text = (
        "Registered at ClinicalTrials.gov (NCT 01234567) and isrctn12345678; EudraCT "
        "2015-001234-12; EU CT 2022-500123-45-00; ACTRN12615000123456; ChiCTR2000031234 and "
        "ChiCTR-ior-17012345; DRKS00012345; CTRI/2020/05/025123. Again nct01234567."
    )
    assert find_registry_ids(text) == [
        ("ClinicalTrials.gov", "NCT01234567"),
        ("ISRCTN", "ISRCTN12345678"),
        ("EudraCT", "2015-001234-12"),
        ("CTIS", "2022-500123-45-00"),
        ("ANZCTR", "ACTRN12615000123456"),
        ("ChiCTR", "ChiCTR2000031234"),
        ("ChiCTR", "ChiCTR-IOR-17012345"),
        ("DRKS", "DRKS00012345"),
        ("CTRI", "CTRI/2020/05/025123"),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("see nct01234567.", ("ClinicalTrials.gov", "NCT01234567")),
        ("ISRCTN12345678", ("ISRCTN", "ISRCTN12345678")),
        ("(2015-001234-12)", ("EudraCT", "2015-001234-12")),
        ("2022-500123-45-00", ("CTIS", "2022-500123-45-00")),
        ("actrn12615000123456", ("ANZCTR", "ACTRN12615000123456")),
        ("ChiCTR2000031234", ("ChiCTR", "ChiCTR2000031234")),
        ("DRKS00012345", ("DRKS", "DRKS00012345")),
        ("CTRI/2020/05/025123", ("CTRI", "CTRI/2020/05/025123")),
        # letters re.I matches outside ASCII: dotless and dotted I, long s, the Kelvin sign
        ("\u0131SRCTN12345678", ("ISRCTN", "ISRCTN12345678")),
        ("I\u017fRCTN12345678", ("ISRCTN", "ISRCTN12345678")),
        ("Ch\u0130CTR2000031234", ("ChiCTR", "ChiCTR2000031234")),
        ("DR\u212aS00012345", ("DRKS", "DRKS00012345")),
    ],
)
def test_each_registry_alone_and_in_any_case(text, expected):
    assert find_registry_ids(f"Registered: {text} Results follow.") == [expected]


def test_no_false_ids_in_ordinary_numbers():
    text = "NCT0123456 has seven digits; 2015-01-12 is a date; ISRCTN 1234 is short."
    assert find_registry_ids(text) == []
    assert find_registry_ids(None) == []


def test_databank_accessions_normalise_with_their_bank():
    assert normalise_id("ClinicalTrials.gov", "NCT04567890") == (
        "ClinicalTrials.gov",
        "NCT04567890",
    )
    assert normalise_id("ISRCTN", "ISRCTN98765432") == ("ISRCTN", "ISRCTN98765432")
    assert normalise_id("ANZCTR", "ACTRN12620000123456") == ("ANZCTR", "ACTRN12620000123456")
    assert normalise_id("Dryad", "10.5061/dryad.x") is None
    assert registry_url("ISRCTN", "ISRCTN98765432") == "https://www.isrctn.com/ISRCTN98765432"


def test_parse_trial_gives_the_row_fields():
    study = make_trial(
        "NCT05000001",
        "Psilocybin for depression",
        conditions=("Major Depressive Disorder",),
        interventions=("Psilocybin", "Placebo"),
        status="TERMINATED",
        why_stopped="Funding ended",
        phases=("PHASE2", "PHASE3"),
        enrollment=58,
        sponsor="Compass Pathways",
        sponsor_class="INDUSTRY",
        start="2021-03",
        primary_completion="2022-11-30",
        completion=None,
        has_results=True,
        last_update="2024-02-01",
        result_pmids=(37000001,),
    )
    row = parse_trial(study)
    assert row == {
        "nct_id": "NCT05000001",
        "title": "Psilocybin for depression",
        "brief_title": "Psilocybin for depression",
        "acronym": None,
        "overall_status": "TERMINATED",
        "why_stopped": "Funding ended",
        "study_type": "INTERVENTIONAL",
        "phases": '["PHASE2", "PHASE3"]',
        "enrollment": 58,
        "lead_sponsor": "Compass Pathways",
        "sponsor_class": "INDUSTRY",
        "start_date": "2021-03",
        "primary_completion_date": "2022-11-30",
        "completion_date": None,
        "has_results": 1,
        "last_update": "2024-02-01",
        "conditions": '["Major Depressive Disorder"]',
        "interventions": '["Psilocybin", "Placebo"]',
        "summary": "Psilocybin for depression.",
        "result_pmids": [37000001],
    }
    assert parse_trial({"protocolSection": {}}) is None


def test_pages_through_every_trial_with_page_tokens(ctgov: CtgovStandin):
    ctgov.add(*(make_trial(f"NCT{n:08d}", last_update="2025-03-01") for n in range(1, 251)))
    ctgov.add(make_trial("NCT09999999", interventions=("Sertraline",)))  # not the topic's
    client = CtgovClient(settings(ctgov.url))
    ids = [s["protocolSection"]["identificationModule"]["nctId"] for s in fetch_trials(client)]
    assert ids == [f"NCT{n:08d}" for n in range(1, 251)]
    assert client.requests == 3
    sent = ctgov.requests_for()
    assert [r.params.get("pageToken") for r in sent] == [None, "tok-100", "tok-200"]
    assert [r.params.get("countTotal") for r in sent] == ["true", None, None]
    assert sent[0].params["query.intr"] == "(ketamine) OR (psilocybin)"
    assert ctgov.rate_violations == 0


def test_since_asks_only_for_recent_updates(ctgov: CtgovStandin):
    ctgov.add(make_trial("NCT00000001", last_update="2024-01-01"))
    ctgov.add(make_trial("NCT00000002", last_update="2025-06-02"))
    client = CtgovClient(settings(ctgov.url))
    found = list(fetch_trials(client, since=date(2025, 6, 1)))
    assert [s["protocolSection"]["identificationModule"]["nctId"] for s in found] == ["NCT00000002"]
    assert ctgov.log[0].params["filter.advanced"] == (
        "AREA[LastUpdatePostDate]RANGE[2025-06-01,MAX]"
    )


def test_retries_429_with_retry_after_and_5xx_then_succeeds(ctgov: CtgovStandin):
    ctgov.add(make_trial("NCT00000001"))
    ctgov.inject("429", "503", "500", "truncated")
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    client = CtgovClient(settings(ctgov.url, max_attempts=6), sleep=sleep)
    found = list(fetch_trials(client))
    assert len(found) == 1
    assert client.requests == 5
    assert [r.status for r in ctgov.log] == [429, 503, 500, 200, 200]
    assert slept[0] >= 1.0  # the stand-in's Retry-After: 1


def test_too_fast_client_is_told_429_and_waits(ctgov: CtgovStandin):
    ctgov.pace = 0.5
    ctgov.add(make_trial("NCT00000001"))
    client = CtgovClient(settings(ctgov.url, min_interval=0.0))
    client._last_end = None
    client.get_json("studies", {"pageSize": "1"})
    client.get_json("studies", {"pageSize": "1"})  # too soon: 429, Retry-After honoured
    assert [r.status for r in ctgov.log] == [200, 429, 200]


def test_unknown_and_malformed_ids_fail_at_once_with_the_registry_text(ctgov: CtgovStandin):
    client = CtgovClient(settings(ctgov.url))
    with pytest.raises(RegistryError) as missing:
        client.get_json("studies/NCT00000404", {})
    assert str(missing.value) == (
        "ClinicalTrials.gov answered HTTP 404: Study not found: NCT00000404"
    )
    with pytest.raises(RegistryError) as malformed:
        client.get_json("studies/NCT12", {})
    assert str(malformed.value) == (
        "ClinicalTrials.gov answered HTTP 400: Incorrect format of NCT ID: NCT12"
    )
    assert client.requests == 2


def test_an_outage_gives_up_after_max_attempts(ctgov: CtgovStandin):
    ctgov.always = "503"
    client = CtgovClient(settings(ctgov.url, max_attempts=3))
    with pytest.raises(RegistryError) as failed:
        list(fetch_trials(client))
    assert str(failed.value) == "ClinicalTrials.gov: gave up after 3 attempts: HTTP 503"
    assert client.requests == 3


def test_unreachable_registry_is_one_clear_error():
    client = CtgovClient(settings("http://127.0.0.1:9/api/v2/"))
    with pytest.raises(RegistryError) as failed:
        client.get_json("studies", {})
    assert str(failed.value) == (
        "cannot reach ClinicalTrials.gov at http://127.0.0.1:9/api/v2/: connection refused"
    )


def test_trickling_answer_hits_the_deadline(ctgov: CtgovStandin):
    # A body that arrives more slowly than the deadline allows is a failed attempt.
    ctgov.add(*(make_trial(f"NCT{n:08d}") for n in range(1, 400)))
    client = CtgovClient(settings(ctgov.url, request_deadline=0.0, max_attempts=2))
    with pytest.raises(RegistryError) as failed:
        client.get_json("studies", {"pageSize": "300"})
    assert "answer took longer than the request deadline" in str(failed.value)


def test_one_byte_per_second_is_cut_at_the_deadline():
    server = HostileServer(lambda request, conn: None)
    server.answer = trickle(server, b'{"studies": []}', 1.0, head_at_once=True)
    with server:
        url = f"http://{server.host}:{server.port}/api/v2/"
        client = CtgovClient(settings(url, read_timeout=2, request_deadline=2.5, max_attempts=2))
        with pytest.raises(RegistryError) as failed:
            client.get_json("studies", {})
    assert str(failed.value) == (
        "ClinicalTrials.gov: gave up after 2 attempts: answer took longer than the request deadline"
    )
    assert len(server.requests) == 2
    assert server.sent < 2 * 10  # a few bytes per attempt: the answer was never finished


def test_oversized_answer_is_refused(ctgov: CtgovStandin):
    ctgov.add(*(make_trial(f"NCT{n:08d}") for n in range(1, 50)))
    client = CtgovClient(settings(ctgov.url, max_response_bytes=1000, max_attempts=2))
    with pytest.raises(RegistryError) as failed:
        client.get_json("studies", {"pageSize": "40"})
    assert str(failed.value) == (
        "ClinicalTrials.gov: gave up after 2 attempts: answer larger than 1000 bytes"
    )
    assert json.loads(json.dumps(ctgov.log[0].params)) == {"pageSize": "40"}
