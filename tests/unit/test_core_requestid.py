"""The request id: made per request or taken from a trusted proxy, on the response, in every
log line of the request (plain or JSON)."""

import json
import logging
import re
import subprocess
import sys

import pytest
from django.test import override_settings

from shop.core import requestid
from tests.conftest import ROOT, subprocess_env

HEX32 = re.compile(r"[0-9a-f]{32}")


def test_each_response_carries_a_request_id_of_its_own(client):
    # when two requests are made
    first, second = client.get("/health/live"), client.get("/health/live")
    # then each answer names a new id
    assert HEX32.fullmatch(first["X-Request-ID"])
    assert HEX32.fullmatch(second["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_client_that_is_not_a_trusted_proxy_cannot_choose_its_id(client):
    # given no trusted proxies, when a client sends its own id
    response = client.get("/health/live", HTTP_X_REQUEST_ID="chosen-by-client")
    # then it is replaced by a new one
    assert HEX32.fullmatch(response["X-Request-ID"])


@override_settings(TRUSTED_PROXIES=["127.0.0.1/32"])
def test_a_trusted_proxy_passes_its_request_id_on(client):
    response = client.get("/health/live", HTTP_X_REQUEST_ID="lb-7f3a9c:01")
    assert response["X-Request-ID"] == "lb-7f3a9c:01"


@override_settings(TRUSTED_PROXIES=["127.0.0.1/32"])
@pytest.mark.parametrize("given", ["has space", "x" * 129, "请求", "a\tb", ""])
def test_a_malformed_id_even_from_a_trusted_proxy_is_replaced(client, given):
    response = client.get("/health/live", HTTP_X_REQUEST_ID=given)
    assert HEX32.fullmatch(response["X-Request-ID"])


def test_the_id_is_cleared_after_the_request(client):
    response = client.get("/health/live")
    assert response["X-Request-ID"]
    assert requestid.current() is None


def test_a_json_line_is_one_object_per_record_even_with_a_traceback():
    # given a record with a multi-line message and an exception, inside a request
    try:
        raise RuntimeError("第一行\n第二行")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("shop.x", logging.ERROR, __file__, 1, "失败 %s", ("甲\n乙",), exc_info)
    token = requestid._current.set("abc123")
    try:
        requestid.RequestIdFilter().filter(record)
        line = requestid.JsonFormatter().format(record)
    finally:
        requestid._current.reset(token)
    # then it is one line of JSON carrying the id, the message and the traceback
    assert "\n" not in line
    data = json.loads(line)
    assert (data["level"], data["logger"], data["message"], data["request_id"]) == (
        "ERROR",
        "shop.x",
        "失败 甲\n乙",
        "abc123",
    )
    assert "RuntimeError: 第一行" in data["exc_info"]


def _run_a_request(**env) -> tuple[str, str]:
    """A POST to the GET-only liveness view in a fresh process (Django logs a warning for it):
    (the response's request id, the process's log output)."""
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().post('/health/live'); print(r.status_code, r['X-Request-ID'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=subprocess_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )
    status, request_id = done.stdout.split()
    assert status == "405", done.stderr
    return request_id, done.stderr


def test_log_lines_are_plain_text_with_the_request_id_by_default():
    request_id, log = _run_a_request()
    assert f"WARNING django.request [{request_id}] Method Not Allowed (POST): /health/live" in log


def test_log_lines_are_json_objects_with_LOG_FORMAT_json():
    request_id, log = _run_a_request(LOG_FORMAT="json")
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    assert [(r["level"], r["logger"], r["message"], r["request_id"]) for r in records] == [
        ("WARNING", "django.request", "Method Not Allowed (POST): /health/live", request_id)
    ]
