"""E-utilities client: one requests.Session, NCBI's rate limit, retries, "200 but wrong" checks.

Retried: 429, 5xx, timeouts, dropped connections, truncated or wrong bodies, NCBI's transient
`<ERROR>` texts. Failed at once: other 4xx answers (a mistyped URL, a 400 without an NCBI
`<ERROR>`), permanent `<ERROR>` texts, a redirect to another host. Every error text is redacted
where it is created, so a server that echoes the request cannot leak the API key.
"""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

import requests

from harvest import __version__
from harvest.config import Settings
from harvest.errors import HistoryExpired, NCBIError
from harvest.retry import CONNECT_ATTEMPTS, Throttle, backoff_delay, connection_reason, retry_after
from harvest.transport import DeadlineExceeded, Redirected, TooLarge, Transport

log = logging.getLogger("harvest.pubmed.eutils")
T = TypeVar("T")

ERROR_ELEMENT = re.compile(rb"<ERROR>(.*?)</ERROR>", re.S)
# <ERROR> texts that are NCBI's backend having a bad moment: worth another try.
TRANSIENT_ERRORS = (
    "search backend failed: unable to open connection",
    "unable to open connection",
    "failed to connect",
    "proxy_stream",
    "empty response",
    "status: timeout",
    "ncbi c++ exception",
    "temporarily unavailable",
    "unable to route request",
    "internal server error",
)
# <ERROR> texts that no retry will fix, even when they mention the backend.
PERMANENT_ERRORS = ("cannot be larger than", "out of acceptable range", "out of range")
# Connection failures (refused, DNS) are retried only this often: no network is not a blip.


class Transient(Exception):
    """A failed attempt that is worth retrying (429, 5xx, timeout, truncated or wrong body)."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.retry_after = retry_after


def redact(text: str, secret: str | None) -> str:
    """Remove the API key from any text that might be logged or shown."""
    if secret:
        text = text.replace(secret, "***")
    return re.sub(r"(api_key=)[^&\s'\"]+", r"\1***", text)


def check_xml_body(body: bytes, utility: str) -> None:
    """Raise Transient / HistoryExpired / NCBIError for bodies that are not a usable XML answer."""
    head = body[:512].lstrip().lower()
    if not head:
        raise Transient("empty answer")
    if head.startswith(b"{") or head.startswith(b"["):
        raise Transient(f"JSON where XML was asked: {body[:200].decode('utf-8', 'replace')}")
    if head.startswith(b"<!doctype html") or b"<html" in head:
        raise Transient("HTML page where XML was asked")
    if not head.startswith(b"<"):
        raise Transient(f"not XML: {body[:120].decode('utf-8', 'replace')!r}")
    for match in ERROR_ELEMENT.finditer(body):
        message = " ".join(match.group(1).decode("utf-8", "replace").split())
        if not message:
            continue  # ESpell sends an empty <ERROR/> on success
        lowered = message.lower()
        if "unable to obtain query" in lowered or "cannot retrieve history data" in lowered:
            if "out of range" not in lowered:
                raise HistoryExpired(f"{utility}: {message}")
        permanent = any(marker in lowered for marker in PERMANENT_ERRORS)
        if not permanent and any(marker in lowered for marker in TRANSIENT_ERRORS):
            raise Transient(f"NCBI error: {message}")
        raise NCBIError(f"{utility}: NCBI answered with an error: {message}")


class EutilsClient:
    """Calls E-utilities with tool/email/api_key, NCBI's rate limit and retries with backoff."""

    def __init__(
        self,
        settings: Settings,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ):
        self.settings = settings
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = f"{settings.tool}/{__version__} (evidence catalog)"
        self.deadline = settings.request_deadline or 4 * settings.read_timeout
        self.transport = Transport(
            self.session, deadline=self.deadline, max_bytes=settings.max_response_bytes
        )
        # Start as if a request had just ended: another process (last night's run, a retry
        # by cron) may have called NCBI a moment ago, and the limit counts them all.
        self.throttle = Throttle(
            1.0 / settings.requests_per_second + 0.01, started=True, sleep=sleep
        )
        self.sleep, self.rng = sleep, rng
        self.requests = 0  # HTTP requests sent, retries included
        self.retries = 0

    def close(self) -> None:
        """Close the HTTP session."""
        self.session.close()

    def _params(self, params: dict[str, Any]) -> dict[str, str]:
        base = {"tool": self.settings.tool, "email": self.settings.email}
        if self.settings.api_key:
            base["api_key"] = self.settings.api_key
        base.update({k: str(v) for k, v in params.items() if v is not None})
        return base

    def _url(self, utility: str) -> str:
        return self.settings.eutils_url + f"{utility}.fcgi"

    def _send(self, utility: str, params: dict[str, str]):
        url = self._url(utility)
        ids = params.get("id", "")
        # POST for long queries and id lists (NCBI's advice), and whenever an API key is sent:
        # a key in a URL ends up in proxies' and libraries' logs.
        use_post = "api_key" in params or len(urlencode(params)) > 1000 or ids.count(",") >= 199
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        self.throttle.wait()
        self.requests += 1
        try:
            return self.transport.send("POST" if use_post else "GET", url, params, timeout)
        finally:
            self.throttle.done()

    def _attempt(self, utility: str, params: dict[str, str], parse: Callable[[bytes], T]) -> T:
        try:
            return self._answer(utility, params, parse)
        except (NCBIError, Transient) as exc:  # redact where the error text is made
            exc.args = (redact(str(exc), self._key), *exc.args[1:])
            raise

    def _answer(self, utility: str, params: dict[str, str], parse: Callable[[bytes], T]) -> T:
        try:
            answer = self._send(utility, params)
        except DeadlineExceeded:
            raise Transient(
                f"no complete answer within {self.deadline:g}s (request_deadline)"
            ) from None
        except TooLarge:
            limit = self.settings.max_response_bytes
            raise Transient(f"answer larger than {_size(limit)} (max_response_bytes)") from None
        except Redirected as exc:
            why = " (the request would carry the API key there)" if self._key else ""
            raise NCBIError(
                f"{utility}: {self._url(utility)} redirected to another host ({exc}); "
                f"not following it{why}"
            ) from None
        except requests.exceptions.TooManyRedirects:
            raise NCBIError(f"{utility}: {self._url(utility)} redirects in a loop") from None
        except requests.exceptions.ConnectionError as exc:
            reason, unreachable = connection_reason(exc)
            if unreachable:
                raise ConnectionFailure(reason) from None
            raise Transient(f"dropped connection ({reason})") from None
        except requests.exceptions.Timeout:
            raise Transient("timed out") from None
        except requests.exceptions.RequestException as exc:
            raise Transient(f"dropped answer ({type(exc).__name__})") from None
        status, body = answer.status, answer.body
        if status == 429:
            raise Transient("HTTP 429 rate limited", retry_after(answer.headers))
        if status >= 500 or status == 408:
            raise Transient(f"HTTP {status}", retry_after(answer.headers))
        if status >= 400:
            if ERROR_ELEMENT.search(body):
                check_xml_body(body, utility)  # NCBI explains 400s in an <ERROR> body
            raise NCBIError(_client_error(utility, self._url(utility), answer))
        if status >= 300:
            raise NCBIError(f"{utility}: HTTP {status} without a usable redirect")
        check_xml_body(body, utility)
        return parse(body)

    def call(self, utility: str, params: dict[str, Any], parse: Callable[[bytes], T]) -> T:
        """Request `utility` (e.g. "esearch") and return `parse(body)`, retrying what is transient.

        `parse` may raise Transient (e.g. truncated XML) to have the request made again.
        """
        full = self._params(params)
        attempts = connect_failures = 0
        while True:
            attempts += 1
            try:
                return self._attempt(utility, full, parse)
            except ConnectionFailure as exc:
                connect_failures += 1
                reason = str(exc)
                if connect_failures >= CONNECT_ATTEMPTS:
                    raise NCBIError(
                        f"cannot reach NCBI E-utilities at {self.settings.eutils_url}: {reason}"
                    ) from None
                wait = None
            except Transient as exc:
                reason, wait = str(exc), exc.retry_after
            if attempts >= self.settings.max_attempts:
                raise NCBIError(
                    redact(f"{utility}: gave up after {attempts} attempts: {reason}", self._key)
                )
            delay = self._backoff(attempts, wait)
            self.retries += 1
            log.info(redact(f"{utility}: {reason}; retry {attempts} in {delay:.1f}s", self._key))
            self.sleep(delay)

    @property
    def _key(self) -> str | None:
        return self.settings.api_key

    def _backoff(self, attempt: int, wait: float | None) -> float:
        s = self.settings
        return backoff_delay(attempt, wait, s.backoff_base, s.backoff_max, self.rng)


class ConnectionFailure(Exception):
    """The server could not be reached at all."""


def _size(n: int) -> str:
    return f"{n / (1 << 20):g} MB" if n >= 1 << 20 else f"{n} bytes"


def _client_error(utility: str, url: str, answer) -> str:
    """One line for a 4xx answer that no retry will fix (the caller redacts it)."""
    text = answer.body[:300].decode("utf-8", "replace")
    if "<html" in text.lower() or "<!doctype" in text.lower():
        text = ""  # an HTML error page says nothing the status does not
    text = " ".join(text.split())
    line = f"{utility}: HTTP {answer.status} {answer.reason} from {url}".rstrip()
    if answer.status == 404:
        line += " (is eutils_url right?)"
    return f"{line}: {text[:200]}" if text else line
