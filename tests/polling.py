"""Waiting for a part started outside the test (a container, a compose service) to get there."""

from __future__ import annotations

import time

import requests

TRANSIENT = (requests.RequestException, OSError)


def wait_for(predicate, *, timeout: float, what: str, log=None, interval: float = 0.5, tolerate=TRANSIENT):
    """Call ``predicate`` until it is true; an exception of ``tolerate`` counts as not yet. On
    timeout, fail naming ``what``, with the tail of ``log()``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return
        except tolerate:
            pass
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}\n{log() if log else ''}"[-6000:])
