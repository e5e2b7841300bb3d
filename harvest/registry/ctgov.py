"""ClinicalTrials.gov API v2: a polite client, paged study searches, and trial rows from JSON."""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import requests

from harvest import __version__
from harvest.config import TrialSettings
from harvest.errors import RegistryError
from harvest.retry import CONNECT_ATTEMPTS, Throttle, backoff_delay, connection_reason, retry_after
from harvest.transport import DeadlineExceeded, Redirected, TooLarge, Transport

log = logging.getLogger("harvest.registry")
# Only what the catalog stores: keeps pages small (a full record with results is ~100 KB).
FIELDS = ",".join(
    (
        "protocolSection.identificationModule",
        "protocolSection.statusModule",
        "protocolSection.sponsorCollaboratorsModule",
        "protocolSection.conditionsModule",
        "protocolSection.designModule",
        "protocolSection.armsInterventionsModule",
        "protocolSection.referencesModule",
        "protocolSection.descriptionModule.briefSummary",
        "hasResults",
    )
)


class _Retry(Exception):
    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


class CtgovClient:
    """GETs against /api/v2/ at the registry's documented pace, retrying 429, 5xx and timeouts."""

    def __init__(
        self,
        settings: TrialSettings,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ):
        self.settings = settings
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = f"evidence-catalog/{__version__}"
        self.session.headers["Accept"] = "application/json"
        self.sleep, self.rng = sleep, rng
        self.requests = 0
        self.throttle = Throttle(settings.min_interval, sleep=sleep)
        self.transport = Transport(
            self.session,
            deadline=settings.request_deadline,
            max_bytes=settings.max_response_bytes,
        )

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()

    def get_json(self, path: str, params: dict[str, Any]) -> dict:
        """GET `path` under the API URL and return its JSON object, retrying what is transient."""
        url = self.settings.api_url + path
        attempts = unreachable = 0
        while True:
            attempts += 1
            try:
                return self._attempt(url, params)
            except _Retry as exc:
                reason, wait = str(exc), exc.retry_after
                if reason.startswith("unreachable"):
                    unreachable += 1
                    if unreachable >= CONNECT_ATTEMPTS:
                        raise RegistryError(
                            f"cannot reach ClinicalTrials.gov at {self.settings.api_url}: "
                            f"{reason.removeprefix('unreachable: ')}"
                        ) from None
            if attempts >= self.settings.max_attempts:
                raise RegistryError(
                    f"ClinicalTrials.gov: gave up after {attempts} attempts: {reason}"
                )
            delay = self._backoff(attempts, wait)
            log.info(f"ClinicalTrials.gov: {reason}; retry {attempts} in {delay:.1f}s")
            self.sleep(delay)

    def _attempt(self, url: str, params: dict[str, Any]) -> dict:
        self.throttle.wait()
        self.requests += 1
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        try:
            answer = self.transport.send("GET", url, params, timeout)
        except DeadlineExceeded:
            raise _Retry("answer took longer than the request deadline") from None
        except TooLarge:
            raise _Retry(f"answer larger than {self.settings.max_response_bytes} bytes") from None
        except Redirected as exc:
            raise RegistryError(f"ClinicalTrials.gov redirected to another host ({exc})") from None
        except requests.exceptions.ConnectionError as exc:
            reason, unreachable = connection_reason(exc)
            if unreachable:
                raise _Retry(f"unreachable: {reason}") from None
            raise _Retry(f"dropped connection ({reason})") from None
        except requests.exceptions.Timeout:
            raise _Retry("timed out") from None
        except requests.exceptions.RequestException as exc:
            raise _Retry(f"dropped answer ({type(exc).__name__})") from None
        finally:
            self.throttle.done()
        status, body = answer.status, answer.body
        if status == 429 or status >= 500:
            raise _Retry(f"HTTP {status}", retry_after(answer.headers))
        if status >= 300:
            text = " ".join(body[:300].decode("utf-8", "replace").split())
            raise RegistryError(f"ClinicalTrials.gov answered HTTP {status}: {text}")
        try:
            data = json.loads(body)
        except ValueError:
            raise _Retry("answer is not JSON (truncated or an error page)") from None
        if not isinstance(data, dict):
            raise _Retry("answer is not a JSON object")
        return data

    def _backoff(self, attempt: int, wait: float | None) -> float:
        s = self.settings
        return backoff_delay(attempt, wait, s.backoff_base, s.backoff_max, self.rng)


def search_params(settings: TrialSettings, since: date | None) -> dict[str, str]:
    """Query parameters for the topic's trials, updated on or after `since` when given."""
    params = {
        "query.cond": " OR ".join(f"({c})" for c in settings.conditions),
        "query.intr": " OR ".join(f"({i})" for i in settings.interventions),
        "pageSize": str(settings.page_size),
        "fields": FIELDS,
        "format": "json",
    }
    if since:
        params["filter.advanced"] = f"AREA[LastUpdatePostDate]RANGE[{since.isoformat()},MAX]"
    return params


def fetch_trials(client: CtgovClient, since: date | None = None) -> Iterator[dict]:
    """Every study of the search, page by page through nextPageToken (one request per page)."""
    params = search_params(client.settings, since)
    params["countTotal"] = "true"
    seen_tokens: set[str] = set()
    while True:
        page = client.get_json("studies", params)
        if "totalCount" in page:
            log.info(f"ClinicalTrials.gov: {page['totalCount']} trials match")
        studies = page.get("studies")
        if not isinstance(studies, list):
            raise RegistryError("ClinicalTrials.gov answered without a studies list")
        yield from studies
        token = page.get("nextPageToken")
        if not token:
            return
        if token in seen_tokens:  # a server repeating itself must not keep us paging forever
            raise RegistryError("ClinicalTrials.gov repeated a page token; stopping")
        seen_tokens.add(token)
        params = {k: v for k, v in params.items() if k != "countTotal"}
        params["pageToken"] = token


def parse_trial(study: dict) -> dict | None:
    """A `trials` row (without the catalog's tags) from one v2 study object; None without an id."""
    protocol = study.get("protocolSection") or {}
    ident = protocol.get("identificationModule") or {}
    nct_id = ident.get("nctId")
    if not isinstance(nct_id, str) or not nct_id.startswith("NCT"):
        return None
    status = protocol.get("statusModule") or {}
    sponsor = (protocol.get("sponsorCollaboratorsModule") or {}).get("leadSponsor") or {}
    design = protocol.get("designModule") or {}
    arms = protocol.get("armsInterventionsModule") or {}
    refs = (protocol.get("referencesModule") or {}).get("references") or []
    enrollment = (design.get("enrollmentInfo") or {}).get("count")
    return {
        "nct_id": nct_id,
        "title": ident.get("officialTitle") or ident.get("briefTitle"),
        "brief_title": ident.get("briefTitle"),
        "acronym": ident.get("acronym"),
        "overall_status": status.get("overallStatus"),
        "why_stopped": status.get("whyStopped"),
        "study_type": design.get("studyType"),
        "phases": json.dumps(design.get("phases") or []),
        "enrollment": enrollment if isinstance(enrollment, int) else None,
        "lead_sponsor": sponsor.get("name"),
        "sponsor_class": sponsor.get("class"),
        "start_date": _date(status.get("startDateStruct")),
        "primary_completion_date": _date(status.get("primaryCompletionDateStruct")),
        "completion_date": _date(status.get("completionDateStruct")),
        "has_results": 1 if study.get("hasResults") else 0,
        "last_update": _date(status.get("lastUpdatePostDateStruct")),
        "conditions": json.dumps((protocol.get("conditionsModule") or {}).get("conditions") or []),
        "interventions": json.dumps(
            [i.get("name") for i in arms.get("interventions") or [] if i.get("name")]
        ),
        "summary": (protocol.get("descriptionModule") or {}).get("briefSummary"),
        "result_pmids": [
            int(r["pmid"])
            for r in refs
            if r.get("type") == "RESULT" and str(r.get("pmid", "")).isdigit()
        ],
    }


def _date(struct: Any) -> str | None:
    return struct.get("date") if isinstance(struct, dict) else None
