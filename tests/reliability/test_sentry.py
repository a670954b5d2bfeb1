"""Sentry: with SENTRY_DSN set, an error in a view reaches the Sentry server (here a loopback
HTTP server standing in for it, through sentry_sdk's real transport) without personal data,
and the visitor still gets the Chinese 500 page."""

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import wait_until

from .conftest import Gunicorn, http
from .sentry_urls import BOOM

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


class _Collector(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        encoding = self.headers.get("Content-Encoding", "")
        if encoding == "gzip":
            body = gzip.decompress(body)
        elif encoding == "br":
            import brotli

            body = brotli.decompress(body)
        self.server.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


@pytest.fixture
def sentry_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _events(received) -> list[dict]:
    """The error events in the envelopes received (one JSON document per line)."""
    events = []
    for _, body in received:
        for line in body.splitlines():
            try:
                item = json.loads(line)
            except ValueError:
                continue
            if isinstance(item, dict) and "exception" in item:
                events.append(item)
    return events


def test_an_error_in_a_view_is_reported_to_sentry_and_the_visitor_sees_the_chinese_page(sentry_server):
    # given the site with SENTRY_DSN pointing at the loopback server
    port = sentry_server.server_address[1]
    web = Gunicorn(
        workers=1,
        threads=2,
        DJANGO_SETTINGS_MODULE="tests.reliability.sentry_settings",
        SENTRY_DSN=f"http://publickey@127.0.0.1:{port}/42",
        SENTRY_ENVIRONMENT="staging",
        SENTRY_RELEASE="xianghui@1.2.3",
    ).start()
    try:
        # when a visitor carrying a session cookie opens a page whose view fails
        status, headers, body = http(
            "GET", web.url + "/__raise__/", headers={"Cookie": "sessionid=secret-session-value"}
        )
        # then they get the Chinese 500 page
        assert status == 500, web.output()[-3000:]
        assert "服务器内部错误" in body
        assert BOOM not in body
        # and Sentry receives one error event for it, tagged with the request id
        events = wait_until(lambda: _events(sentry_server.received), timeout=30, message="an envelope")
    finally:
        web.stop()
    assert {path for path, _ in sentry_server.received} == {"/api/42/envelope/"}
    [event] = events
    [exception] = event["exception"]["values"]
    assert (exception["type"], exception["value"]) == ("RuntimeError", BOOM)
    assert (event["environment"], event["release"]) == ("staging", "xianghui@1.2.3")
    assert event["tags"]["request_id"] == headers["X-Request-ID"]
    # and nothing personal: no cookie, no session key (the cache's session keys hold it), no
    # client address
    raw = b"".join(body for _, body in sentry_server.received)
    assert b"secret-session-value" not in raw
    assert "cookies" not in event.get("request", {})
    assert "ip_address" not in event.get("user", {})
