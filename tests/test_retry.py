"""The shared retry policy: pacing from the end of a request, backoff, Retry-After, reasons."""

from __future__ import annotations

import requests

from harvest.retry import Throttle, backoff_delay, connection_reason, retry_after


def test_backoff_doubles_with_jitter_and_caps():
    middle = lambda: 0.5  # noqa: E731 -- jitter factor exactly 1.0
    assert [backoff_delay(n, None, 1.0, 10.0, middle) for n in (1, 2, 3, 4, 5)] == [
        1.0,
        2.0,
        4.0,
        8.0,
        10.0,
    ]
    assert backoff_delay(1, None, 1.0, 10.0, lambda: 0.0) == 0.5
    assert backoff_delay(2, None, 1.0, 10.0, lambda: 0.999) == 2.998


def test_backoff_honours_retry_after_even_beyond_the_cap():
    assert backoff_delay(1, 7.0, 1.0, 10.0, lambda: 0.5) == 7.0
    assert backoff_delay(1, 42.0, 1.0, 10.0, lambda: 0.5) == 42.0


def test_retry_after_header():
    assert retry_after({"Retry-After": "3"}) == 3.0
    assert retry_after({"Retry-After": "9999"}) == 300.0
    assert retry_after({"Retry-After": "-5"}) == 0.0
    assert retry_after({"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}) is None
    assert retry_after({}) is None


def test_throttle_spaces_requests_from_the_end_of_the_last():
    now, slept = [100.0], []  # binary fractions below: exact arithmetic
    throttle = Throttle(0.5, clock=lambda: now[0], sleep=slept.append)
    throttle.wait()  # nothing before the first request
    throttle.done()
    now[0] += 0.25
    throttle.wait()
    assert slept == [0.25]
    started = Throttle(0.5, started=True, clock=lambda: now[0], sleep=slept.append)
    started.wait()  # as if another process had just called the server
    assert slept == [0.25, 0.5]


def test_connection_reasons():
    refused = requests.exceptions.ConnectionError("[Errno 111] Connection refused")
    reset = requests.exceptions.ConnectionError("Connection reset by peer")
    other = requests.exceptions.ConnectionError("something odd")
    assert connection_reason(refused) == ("connection refused", True)
    assert connection_reason(reset) == ("connection reset", False)
    assert connection_reason(other) == ("ConnectionError", False)
