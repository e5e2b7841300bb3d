"""A local stand-in for NCBI E-utilities (PubMed): a real HTTP server on 127.0.0.1.

Serves `/entrez/eutils/{esearch,efetch,epost}.fcgi` over GET and form POST with NCBI's payloads,
the 9,999 ESearch window, the history server, the 3/10 requests-per-second limit (HTTP 429) and
seeded fault injection, and logs every request. A stand-in cannot evaluate PubMed query syntax:
every record with `in_search=True` matches any non-empty `term`; only the date limits (`datetype`
with `mindate`/`maxdate`, or `reldate`), a PMID range in the term (`AND lo:hi[uid]`, PubMed's
range syntax), a history `query_key` and paging narrow a search. Searches list records newest
entry date first (then highest PMID), as PubMed's "most recent" order does.
`expire_every_efetch=True` makes the history server lose every WebEnv before each efetch.

Choices where NCBI's behaviour is not documented (see ../shared/eutils-notes.md): a search with no
hits always carries `ErrorList/PhraseNotFound` (the term) and "No items found."; `datetype`
defaults to pdat; a lone `mindate`/`maxdate`, a bad date or another datetype is an `<ERROR>`;
an unknown WebEnv given to ESearch/EPost starts a new one; EFetch from history defaults to
retmax 20; "Unable to obtain query #N" comes with HTTP 200; MEDLINE text is not emulated (501).
EFetch output keeps NCBI's 2025 layout: all articles on the fourth line, no final newline.

Outside pytest: `python tests/standin.py --port 8999 --records 3000`.
"""

from __future__ import annotations

import gzip
import random
import re
import socket
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

if __name__ == "__main__":  # run as a script: make the `tests` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import standin_payloads as payloads  # noqa: E402
from tests.standin_payloads import Reply  # noqa: E402
from tests.standin_store import EutilsBackend, StoredRecord  # noqa: E402

__all__ = ["FAULTS", "EutilsStandin", "LoggedRequest", "StoredRecord", "main"]

FAULTS = ("500", "502", "503", "429", "truncated", "error200", "error400", "html200", "slow",
          "drop", "expire")  # fmt: skip
_ODDS_NAMES = {
    "http500": "500", "http502": "502", "http503": "503", "spurious429": "429",
    "truncated": "truncated", "error200": "error200", "error400": "error400",
    "html200": "html200", "slow": "slow", "drop": "drop", "expire": "expire",
}  # fmt: skip
_CANNED = ("500", "502", "503", "error200", "error400", "html200")
_PATH = re.compile(r"^/entrez/eutils/(\w+)\.fcgi$")


@dataclass
class LoggedRequest:
    """One request as the stand-in saw and answered it (status 0: connection dropped)."""

    method: str
    path: str
    utility: str | None
    params: dict[str, str]
    status: int = 0
    fault: str | None = None
    rate_limited: bool = False
    client: str = ""
    at: float = field(default_factory=time.monotonic)

    @property
    def injected(self) -> bool:
        """True when a fault was injected into this request."""
        return self.fault is not None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "Finatra"  # NCBI's Server header

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without NODELAY, Nagle + delayed ACK add
        # ~40 ms to every keep-alive answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.standin._track(self.connection, True)  # type: ignore[attr-defined]

    def finish(self) -> None:
        self.server.standin._track(self.connection, False)  # type: ignore[attr-defined]
        super().finish()

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.server.standin._serve(self, "GET")  # type: ignore[attr-defined]

    def do_POST(self) -> None:  # noqa: N802
        self.server.standin._serve(self, "POST")  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # keep test output quiet; the stand-in keeps its own log


class EutilsStandin(EutilsBackend):
    """NCBI E-utilities stand-in server; a context manager, or call start() and stop()."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: int | None = 3,
        rate_limit_key: int = 10,
        rate_window: float = 1.0,
        retry_after: int | None = None,
        history_ttl: float | None = None,
        slow_seconds: float = 2.0,
        compress: bool = True,
        today: date | None = None,
        expire_every_efetch: bool = False,
    ) -> None:
        super().__init__(history_ttl=history_ttl, today=today)
        self.host, self.port = host, port
        self.rate_limit, self.rate_limit_key = rate_limit, rate_limit_key
        self.rate_window, self.retry_after = rate_window, retry_after
        self.slow_seconds, self.compress = slow_seconds, compress
        # The history server loses every WebEnv just before each efetch (a hostile mode).
        self.expire_every_efetch = expire_every_efetch
        self.rate_limited_count = 0
        self.fault_counts: Counter[str] = Counter()
        self._hits: dict[str, deque[float]] = {}
        self._log: list[LoggedRequest] = []
        self._forced: deque[str] = deque()
        self._odds: list[tuple[float, str]] = []
        self._rng = random.Random(0)
        self._connections: set[socket.socket] = set()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """Base URL, like `http://127.0.0.1:PORT/entrez/eutils/`."""
        return f"http://{self.host}:{self.port}/entrez/eutils/"

    def start(self) -> EutilsStandin:
        """Listen (on the same port again after a stop) and serve from a daemon thread."""
        if self._server is not None:
            return self
        server = ThreadingHTTPServer((self.host, self.port), _Handler)
        server.daemon_threads = True
        server.standin = self  # type: ignore[attr-defined]
        self._server, self.port = server, server.server_address[1]
        serve = threading.Thread(
            target=server.serve_forever, args=(0.05,), name="eutils-standin", daemon=True
        )
        serve.start()
        return self

    def stop(self) -> None:
        """Stop listening and cut open keep-alive connections: the server becomes unreachable."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        with self._lock:
            open_connections = list(self._connections)
        for conn in open_connections:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._server = None

    @contextmanager
    def unreachable(self) -> Iterator[None]:
        """Stop serving inside the block (connections refused), then listen on the same port."""
        self.stop()
        try:
            yield
        finally:
            self.start()

    def __enter__(self) -> EutilsStandin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- faults and log --------------------------------------------------------------------------

    def set_faults(
        self, *, seed: int | None = None, slow_seconds: float | None = None, **odds: float
    ) -> None:
        """Set per-request fault odds (http500, http502, http503, spurious429, truncated, ...)."""
        unknown = sorted(set(odds) - set(_ODDS_NAMES))
        if unknown or sum(odds.values()) > 1:
            raise ValueError(f"bad fault odds {odds}; names: {sorted(_ODDS_NAMES)}")
        with self._lock:
            self._odds = [(p, _ODDS_NAMES[name]) for name, p in odds.items() if p > 0]
            if seed is not None:
                self._rng = random.Random(seed)
            if slow_seconds is not None:
                self.slow_seconds = slow_seconds

    def inject(self, *kinds: str) -> None:
        """Queue faults for the next requests, in order; "ok" queues a normal answer."""
        bad = [k for k in kinds if k not in (*FAULTS, "ok")]
        if bad:
            raise ValueError(f"unknown faults {bad}; choose from {FAULTS} or 'ok'")
        with self._lock:
            self._forced.extend(kinds)

    def clear_faults(self) -> None:
        """Drop queued faults and fault odds."""
        with self._lock:
            self._forced.clear()
            self._odds = []

    @property
    def requests(self) -> list[LoggedRequest]:
        """A copy of the request log, oldest first."""
        with self._lock:
            return list(self._log)

    def requests_for(self, utility: str) -> list[LoggedRequest]:
        """Logged requests for one utility ("esearch", "efetch", "epost")."""
        return [r for r in self.requests if r.utility == utility]

    def reset_log(self) -> None:
        """Empty the request log, the 429/fault counters and the rate-limit window."""
        with self._lock:
            self._log.clear()
            self.rate_limited_count = 0
            self.fault_counts.clear()
            self._hits.clear()

    # --- HTTP plumbing ---------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        url = urlsplit(handler.path)
        params = _params(url.query, _read_body(handler) if method == "POST" else "")
        match = _PATH.match(url.path)
        utility = match.group(1) if match else None
        entry = LoggedRequest(method, url.path, utility, params, client=handler.client_address[0])
        if utility not in ("esearch", "efetch", "epost"):
            self._send(handler, entry, payloads.not_found_page(url.path), {})
            return
        key = params.get("api_key") or entry.client
        limit = self.rate_limit_key if params.get("api_key") else self.rate_limit or 3
        with self._lock:
            count = self._hit(key)
            entry.rate_limited = self.rate_limit is not None and count > limit
            entry.fault = None if entry.rate_limited else self._draw_fault()
            self.rate_limited_count += entry.rate_limited
            self.fault_counts.update([entry.fault] if entry.fault else [])
        remaining = {"X-RateLimit-Limit": str(limit),
                     "X-RateLimit-Remaining": str(max(0, limit - count))}  # fmt: skip
        if entry.rate_limited or entry.fault == "429":
            count = count if entry.rate_limited else limit + 1
            reply = payloads.rate_limited(key, count, limit, self.retry_after)
            self._send(handler, entry, reply, remaining)
        elif entry.fault == "drop":
            handler.close_connection = True
            self._log_entry(entry)
        elif entry.fault in _CANNED:
            self._send(
                handler, entry, payloads.fault_reply(entry.fault, utility, params), remaining
            )
        else:
            self._send(handler, entry, self._real_answer(entry.fault, utility, params), remaining)

    def _real_answer(self, fault: str | None, utility: str, params: dict[str, str]) -> Reply:
        if fault == "expire" or (utility == "efetch" and self.expire_every_efetch):
            self.expire_history()
        elif fault == "slow":
            time.sleep(self.slow_seconds)
        reply = self.answer(utility, params)
        if fault == "truncated":  # a 200 whose (correct-length) body stops inside an element
            return Reply(200, payloads.truncate(reply.body), reply.content_type)
        return reply

    def _send(
        self,
        handler: BaseHTTPRequestHandler,
        entry: LoggedRequest,
        reply: Reply,
        headers: dict[str, str] | None = None,
    ) -> None:
        body, extra = reply.body, dict(reply.headers) | (headers or {})
        if self.compress and body and "gzip" in handler.headers.get("Accept-Encoding", ""):
            body, extra["Content-Encoding"] = gzip.compress(body, mtime=0), "gzip"
        if "X-RateLimit-Limit" in extra:
            extra["Access-Control-Expose-Headers"] = "X-RateLimit-Limit,X-RateLimit-Remaining"
        entry.status = reply.status
        self._log_entry(entry)
        try:
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.content_type)
            handler.send_header("Content-Length", str(len(body)))
            handler.send_header("Cache-Control", "private")
            handler.send_header("Access-Control-Allow-Origin", "*")
            for name, value in extra.items():
                handler.send_header(name, value)
            handler.end_headers()
            handler.wfile.write(body)
        except OSError:  # the client gave up (e.g. timed out on a slow answer)
            handler.close_connection = True

    def _track(self, conn: socket.socket, is_open: bool) -> None:
        with self._lock:
            (self._connections.add if is_open else self._connections.discard)(conn)

    def _log_entry(self, entry: LoggedRequest) -> None:
        with self._lock:
            self._log.append(entry)

    def _hit(self, key: str) -> int:
        """Count this request in the client's sliding window; rejected requests count too."""
        now = time.monotonic()
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.rate_window:
            hits.popleft()
        hits.append(now)
        return len(hits)

    def _draw_fault(self) -> str | None:
        if self._forced:
            kind = self._forced.popleft()
            return None if kind == "ok" else kind
        roll, edge = (self._rng.random(), 0.0) if self._odds else (1.0, 0.0)
        for p, kind in self._odds:
            edge += p
            if roll < edge:
                return kind
        return None


def _read_body(handler: BaseHTTPRequestHandler) -> str:
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length).decode("utf-8", "replace") if length else ""


def _params(query: str, form: str) -> dict[str, str]:
    """Merge query-string and form parameters; repeated `id`s are joined with commas."""
    merged: dict[str, str] = {}
    pairs = parse_qsl(query, keep_blank_values=True) + parse_qsl(form, keep_blank_values=True)
    for name, value in pairs:
        merged[name] = f"{merged[name]},{value}" if name == "id" and merged.get(name) else value
    return merged


def main(argv: list[str] | None = None) -> None:
    """Serve until Ctrl-C: `python tests/standin.py --port 8999 --records 3000`."""
    import argparse

    parser = argparse.ArgumentParser(description="Local NCBI E-utilities stand-in (PubMed).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--records", type=int, default=0, help="synthetic records to load")
    parser.add_argument("--seed", type=int, default=0, help="corpus and fault seed")
    parser.add_argument("--no-rate-limit", action="store_true", help="never answer 429")
    parser.add_argument("--faults", default="", help="odds, e.g. http500=0.1,truncated=0.05")
    args = parser.parse_args(argv)
    rate_limit = None if args.no_rate_limit else 3
    standin = EutilsStandin(host=args.host, port=args.port, rate_limit=rate_limit)
    standin.load_corpus(args.records, args.seed)
    if args.faults:
        odds = (pair.split("=", 1) for pair in args.faults.split(","))
        standin.set_faults(seed=args.seed, **{name: float(p) for name, p in odds})
    with standin:
        print(f"E-utilities stand-in at {standin.url} ({len(standin)} records)", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
