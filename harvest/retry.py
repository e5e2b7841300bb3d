"""The retry policy both web clients share (E-utilities, ClinicalTrials.gov): pace and backoff.

Each client decides what is transient for its service; this module says how long to wait
between requests and before a retry, and names a connection failure in a short, key-free way.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import requests

CONNECT_ATTEMPTS = 3  # an unreachable host is given up on after this many tries
UNREACHABLE = (
    "connection refused",
    "name or service not known",
    "no route to host",
    "temporary failure in name resolution",
    "network is unreachable",
    "failed to resolve",
)


class Throttle:
    """At most one request per `interval` seconds, measured from the end of the previous one.

    Spacing from the end (not the start) keeps arrivals at the server at least `interval` apart
    even when answers are slow or the network delays one request and not the next.
    """

    def __init__(
        self,
        interval: float,
        *,
        started: bool = False,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.interval = interval
        self.clock, self.sleep = clock, sleep
        # started: behave as if a request had just ended (another process may have called the
        # server a moment ago, and its limit counts them all).
        self.last_end: float | None = clock() if started else None

    def wait(self) -> None:
        """Sleep until the next request is allowed."""
        if self.last_end is not None:
            delay = self.last_end + self.interval - self.clock()
            if delay > 0:
                self.sleep(delay)

    def done(self) -> None:
        """Mark the end of a request."""
        self.last_end = self.clock()


def backoff_delay(
    attempt: int, retry_after: float | None, base: float, cap: float, rng: Callable[[], float]
) -> float:
    """Exponential backoff with jitter (0.5x to 1.5x), at least the server's Retry-After."""
    delay = min(cap, base * 2 ** (attempt - 1)) * (0.5 + rng())
    if retry_after is not None:
        delay = max(delay, retry_after)
    return min(delay, max(cap, retry_after or 0))


def retry_after(headers: dict[str, str]) -> float | None:
    """The Retry-After header in seconds (0 to 300), or None when absent or not a number."""
    try:
        return max(0.0, min(float(headers.get("Retry-After") or ""), 300.0))
    except ValueError:
        return None


def connection_reason(exc: requests.exceptions.ConnectionError) -> tuple[str, bool]:
    """A short, key-free reason for a connection error, and whether the host is unreachable."""
    text = str(exc).lower()
    for marker in (*UNREACHABLE, "connection reset", "remote end closed connection"):
        if marker in text:
            return marker, marker in UNREACHABLE
    return type(exc).__name__, False
