"""A local stand-in for the ClinicalTrials.gov API v2: a real HTTP server on 127.0.0.1.

Serves `GET /api/v2/studies` (query.cond, query.intr, query.term, filter.advanced with
`AREA[LastUpdatePostDate]RANGE[from,to]`, filter.overallStatus, pageSize up to 1000, opaque
pageToken, countTotal, fields, format=json) and `GET /api/v2/studies/{nctId}`, answering as the
documented API does: JSON `{"studies": [...], "nextPageToken": ...}` with `totalCount` when
countTotal=true, plain-text 400s for malformed parameters and ids, a plain-text 404 for an
unknown NCT id, 429 with `Retry-After` when a client goes faster than the configured pace, and
injectable 500/503/429/truncated/html faults. Every request is logged.

A stand-in cannot run the registry's search engine: a query term matches when any of its
OR-ed parts occurs (case-insensitive) in the study's conditions, keywords or title (query.cond),
intervention names (query.intr) or any of those (query.term).
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

NCT = re.compile(r"^NCT\d{8}$")
RANGE = re.compile(r"^AREA\[LastUpdatePostDate\]RANGE\[([^,\]]+),([^\]]+)\]$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
STATUSES = {
    "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING",
    "RECRUITING", "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN",
}  # fmt: skip


def make_trial(
    nct_id: str,
    title: str = "A trial",
    *,
    conditions: tuple[str, ...] = ("PTSD",),
    interventions: tuple[str, ...] = ("Ketamine",),
    status: str = "RECRUITING",
    phases: tuple[str, ...] = ("PHASE2",),
    enrollment: int | None = 40,
    sponsor: str = "A University",
    sponsor_class: str = "OTHER",
    start: str | None = "2022-01",
    primary_completion: str | None = "2024-06",
    completion: str | None = "2024-12",
    has_results: bool = False,
    last_update: str = "2025-01-15",
    why_stopped: str | None = None,
    result_pmids: tuple[int, ...] = (),
    summary: str | None = None,
) -> dict:
    """One study object shaped as API v2 returns it."""

    def struct(value: str | None) -> dict | None:
        return {"date": value, "type": "ESTIMATED"} if value else None

    status_module: dict[str, Any] = {
        "overallStatus": status,
        "startDateStruct": struct(start),
        "primaryCompletionDateStruct": struct(primary_completion),
        "completionDateStruct": struct(completion),
        "lastUpdatePostDateStruct": {"date": last_update, "type": "ACTUAL"},
    }
    if why_stopped:
        status_module["whyStopped"] = why_stopped
    design: dict[str, Any] = {"studyType": "INTERVENTIONAL", "phases": list(phases)}
    if enrollment is not None:
        design["enrollmentInfo"] = {"count": enrollment, "type": "ESTIMATED"}
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct_id, "briefTitle": title},
            "statusModule": {k: v for k, v in status_module.items() if v is not None},
            "sponsorCollaboratorsModule": {
                "leadSponsor": {"name": sponsor, "class": sponsor_class}
            },
            "descriptionModule": {"briefSummary": summary or f"{title}."},
            "conditionsModule": {"conditions": list(conditions)},
            "designModule": design,
            "armsInterventionsModule": {
                "interventions": [{"type": "DRUG", "name": name} for name in interventions]
            },
            "referencesModule": {
                "references": [
                    {"pmid": str(p), "type": "RESULT", "citation": f"Result {p}."}
                    for p in result_pmids
                ]
            },
        },
        "hasResults": has_results,
    }


@dataclass
class CtgovRequest:
    """One request as the stand-in saw and answered it."""

    path: str
    params: dict[str, str]
    status: int = 0
    fault: str | None = None
    rate_limited: bool = False
    at: float = field(default_factory=time.monotonic)


class CtgovStandin:
    """The registry on 127.0.0.1: `with CtgovStandin() as registry: registry.url ...`."""

    def __init__(self, pace: float = 0.05, retry_after: int = 1):
        self.trials: dict[str, dict] = {}
        self.pace = pace  # requests closer together than this get a 429
        self.retry_after = retry_after
        self.faults: deque[str] = deque()
        self.always: str | None = None  # a fault for every request (an outage)
        self.log: list[CtgovRequest] = []
        self._lock = threading.Lock()
        self._last: float | None = None
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def __enter__(self) -> CtgovStandin:
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.shutdown()
        self._server.server_close()

    @property
    def url(self) -> str:
        """The API's base URL, as CTGOV_API_URL takes it."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/v2/"

    # -- data and faults ---------------------------------------------------------------------
    def add(self, *studies: dict) -> None:
        """Store (or replace) studies."""
        for study in studies:
            self.trials[study["protocolSection"]["identificationModule"]["nctId"]] = study

    def inject(self, *kinds: str) -> None:
        """Answer the next requests with these faults, one each: 500, 503, 429, truncated, html."""
        self.faults.extend(kinds)

    @property
    def rate_violations(self) -> int:
        """Requests that came faster than the pace."""
        return sum(1 for r in self.log if r.rate_limited)

    def requests_for(self, path_prefix: str = "/api/v2/studies") -> list[CtgovRequest]:
        """Logged requests under a path."""
        return [r for r in self.log if r.path.startswith(path_prefix)]

    # -- answering ---------------------------------------------------------------------------
    def answer(self, path: str, params: dict[str, str]) -> tuple[int, str, bytes, dict]:
        entry = CtgovRequest(path, params)
        with self._lock:
            self.log.append(entry)
            now = time.monotonic()
            too_fast = self._last is not None and now - self._last < self.pace
            self._last = now
            fault = self.always or (self.faults.popleft() if self.faults else None)
        if too_fast:
            entry.rate_limited, entry.status = True, 429
            body = b"Too Many Requests"
            return 429, "text/plain", body, {"Retry-After": str(self.retry_after)}
        entry.fault = fault
        if fault in ("500", "503"):
            entry.status = int(fault)
            return entry.status, "text/plain", b"Service Unavailable", {}
        if fault == "429":
            entry.status = 429
            return 429, "text/plain", b"Too Many Requests", {"Retry-After": "1"}
        if fault == "html":
            entry.status = 200
            return 200, "text/html", b"<!DOCTYPE html><html><body>Maintenance</body></html>", {}
        status, kind, body = self._real(path, params)
        if fault == "truncated" and status == 200:
            body = body[: len(body) // 2]
        entry.status = status
        return status, kind, body, {}

    def _real(self, path: str, params: dict[str, str]) -> tuple[int, str, bytes]:
        if params.get("format", "json") != "json":
            return _text(400, "Only format=json is served by this stand-in")
        match = re.fullmatch(r"/api/v2/studies/([^/]+)", path)
        if match:
            nct_id = match.group(1)
            if not NCT.match(nct_id):
                return _text(400, f"Incorrect format of NCT ID: {nct_id}")
            if nct_id not in self.trials:
                return _text(404, f"Study not found: {nct_id}")
            return 200, "application/json", json.dumps(self.trials[nct_id]).encode()
        if path != "/api/v2/studies":
            return _text(404, "Not Found")
        try:
            size = int(params.get("pageSize", "10"))
        except ValueError:
            return _text(400, "pageSize must be an integer")
        if not 0 < size <= 1000:
            return _text(400, "pageSize must be between 1 and 1000")
        matched = self._search(params)
        if isinstance(matched, tuple):
            return matched
        start = 0
        token = params.get("pageToken")
        if token:
            if not re.fullmatch(r"tok-\d+", token) or int(token[4:]) > len(matched):
                return _text(400, f"Invalid pageToken: {token}")
            start = int(token[4:])
        page = matched[start : start + size]
        answer: dict[str, Any] = {"studies": [self.trials[n] for n in page]}
        if params.get("countTotal") == "true":
            answer["totalCount"] = len(matched)
        if start + size < len(matched):
            answer["nextPageToken"] = f"tok-{start + size}"
        return 200, "application/json", json.dumps(answer).encode()

    def _search(self, params: dict[str, str]) -> list[str] | tuple[int, str, bytes]:
        since = until = None
        advanced = params.get("filter.advanced")
        if advanced:
            match = RANGE.match(advanced)
            if not match:
                return _text(400, f"Unsupported filter.advanced expression: {advanced}")
            since, until = (None if v in ("MIN", "MAX") else v for v in match.groups())
            if any(v and not DATE.match(v) for v in (since, until)):
                return _text(400, f"Invalid date in filter.advanced: {advanced}")
        statuses = set(filter(None, params.get("filter.overallStatus", "").split(",")))
        if statuses - STATUSES:
            return _text(400, f"Unknown overallStatus: {','.join(sorted(statuses - STATUSES))}")
        found = []
        for nct_id in sorted(self.trials):
            study = self.trials[nct_id]
            protocol = study["protocolSection"]
            updated = protocol["statusModule"]["lastUpdatePostDateStruct"]["date"]
            if (since and updated < since) or (until and updated > until):
                continue
            if statuses and protocol["statusModule"]["overallStatus"] not in statuses:
                continue
            cond = " ".join(
                protocol["conditionsModule"]["conditions"]
                + [protocol["identificationModule"]["briefTitle"]]
            )
            intr = " ".join(i["name"] for i in protocol["armsInterventionsModule"]["interventions"])
            if not all(
                _matches(params.get(key), text)
                for key, text in (
                    ("query.cond", cond),
                    ("query.intr", intr),
                    ("query.term", f"{cond} {intr}"),
                )
            ):
                continue
            found.append(nct_id)
        return found


def _matches(query: str | None, text: str) -> bool:
    if not query:
        return True
    parts = [p.strip(' ()"').lower() for p in re.split(r"\s+OR\s+", query)]
    return any(p and p in text.lower() for p in parts)


def _text(status: int, message: str) -> tuple[int, str, bytes]:
    return status, "text/plain", message.encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    standin: CtgovStandin

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        parts = urlsplit(self.path)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        status, kind, body, headers = self.standin.answer(parts.path, params)
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass
