"""One HTTP exchange (E-utilities, ClinicalTrials.gov): an overall deadline, a size cap, no redirect
off the host.

requests' `timeout` bounds each socket read, so a server that sends one byte per second is never
timed out. Here a timer cuts the connection's socket when the whole exchange (headers, body,
same-host redirects) has taken longer than the deadline, and the body is streamed so an answer
larger than the cap is abandoned after reading just past the cap.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

CHUNK = 1 << 16
MAX_REDIRECTS = 3


class DeadlineExceeded(Exception):
    """The exchange did not finish within the deadline."""


class TooLarge(Exception):
    """The answer is larger than the cap."""


class Redirected(Exception):
    """The server redirected to another host; the request (and API key) is not sent there."""

    def __init__(self, location: str):
        parts = urlsplit(location)
        super().__init__(f"{parts.scheme}://{parts.netloc}")


@dataclass(frozen=True)
class Answer:
    """Status, reason, headers and the complete body of one HTTP answer."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes


class _Watch:
    """The socket of the exchange in progress, and whether its deadline cut it."""

    def __init__(self) -> None:
        self.sock: socket.socket | None = None
        self.expired = False

    def cut(self) -> None:
        self.expired = True
        sock = self.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _pool_classes(watch: _Watch) -> dict[str, type]:
    """Connection pools whose connections tell `watch` which socket is being read."""

    class Watched(HTTPConnection):
        def getresponse(self, *args, **kwargs):
            watch.sock = self.sock
            return super().getresponse(*args, **kwargs)

    class WatchedTLS(HTTPSConnection):
        def getresponse(self, *args, **kwargs):
            watch.sock = self.sock
            return super().getresponse(*args, **kwargs)

    class Pool(HTTPConnectionPool):
        ConnectionCls = Watched

    class PoolTLS(HTTPSConnectionPool):
        ConnectionCls = WatchedTLS

    return {"http": Pool, "https": PoolTLS}


def _same_host(url: str, location: str) -> bool:
    """True for a redirect to the same host (same scheme and port, or http -> https)."""
    old, new = urlsplit(url), urlsplit(location)
    if old.hostname != new.hostname:
        return False
    if old.scheme == new.scheme:
        return old.port == new.port
    return old.scheme == "http" and new.scheme == "https" and new.port in (None, 443)


class Transport:
    """Sends requests through one session with a deadline and a size cap per exchange."""

    def __init__(self, session: requests.Session, *, deadline: float, max_bytes: int):
        self.session, self.deadline, self.max_bytes = session, deadline, max_bytes
        self._watch = _Watch()
        adapter = HTTPAdapter()
        adapter.poolmanager.pool_classes_by_scheme = _pool_classes(self._watch)
        session.mount("http://", adapter)
        session.mount("https://", adapter)

    def send(
        self, method: str, url: str, params: dict[str, str], timeout: tuple[float, float]
    ) -> Answer:
        """One exchange; raises DeadlineExceeded, TooLarge, Redirected or requests' errors."""
        watch = self._watch
        watch.sock, watch.expired = None, False
        timer = threading.Timer(self.deadline, watch.cut)
        timer.daemon = True
        timer.start()
        try:
            for _ in range(MAX_REDIRECTS + 1):
                answer, location = self._exchange(method, url, params, timeout)
                if location is None:
                    return answer
                if not _same_host(url, location):
                    raise Redirected(location)
                url = location
            raise requests.exceptions.TooManyRedirects(f"more than {MAX_REDIRECTS} redirects")
        except requests.exceptions.RequestException:
            if watch.expired:
                raise DeadlineExceeded from None
            raise
        finally:
            timer.cancel()
            watch.sock = None

    def _exchange(self, method, url, params, timeout) -> tuple[Answer, str | None]:
        send = {"data": params} if method == "POST" else {"params": params}
        response = self.session.request(
            method, url, timeout=timeout, stream=True, allow_redirects=False, **send
        )
        with response:
            location = response.headers.get("Location")
            if response.is_redirect and location:
                return Answer(response.status_code, response.reason, {}, b""), urljoin(
                    url, location
                )
            body = self._read(response)
        if self._watch.expired:  # the cut ended the body early without a protocol error
            raise DeadlineExceeded
        return Answer(
            response.status_code, response.reason or "", dict(response.headers), body
        ), None

    def _read(self, response: requests.Response) -> bytes:
        length = response.headers.get("Content-Length", "")
        if length.isdigit() and int(length) > self.max_bytes:
            raise TooLarge
        parts, size = [], 0
        for chunk in response.iter_content(CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise TooLarge
            parts.append(chunk)
        return b"".join(parts)
