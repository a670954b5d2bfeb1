"""A web request's id reaches the worker: the tasks a submission enqueues (and the tasks
those enqueue) log the same id in a real worker's log, plain or JSON."""

import json
import re

import pytest
from django.test import Client, override_settings
from django.urls import reverse

from shop.quotes.models import QuoteRequest
from tests.conftest import CeleryWorker, purge_broker, wait_until
from tests.factories.accounts import UserFactory
from tests.factories.quotes import form_data, make_vendor, stocked_product

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _submit(client, product, **headers):
    client.post(reverse("quotes:list-add"), {"product": product.pk, "quantity": 1})
    response = client.post(reverse("quotes:submit"), form_data(), **headers)
    assert response.status_code == 302, response.content.decode()[:2000]
    return response


def _succeeded(log: str, task: str, request_id: str) -> list[str]:
    pattern = re.compile(
        rf"\[{re.escape(request_id)}\] Task shop\.quotes\.tasks\.{task}\[[0-9a-f-]+\] succeeded"
    )
    return pattern.findall(log)


@override_settings(TRUSTED_PROXIES=["127.0.0.1/32"])
def test_the_tasks_of_a_web_submission_log_its_request_id_in_the_worker(celery_worker):
    # given a buyer with a product on the 询价单, behind a trusted proxy that names requests
    (vendor, _) = make_vendor("甲")
    product = stocked_product(vendors=[(vendor, "100.00")])
    client = Client()
    client.force_login(UserFactory())
    # when the request is submitted with the proxy's id
    response = _submit(client, product, HTTP_X_REQUEST_ID="lb-20261204-0001")
    assert response["X-Request-ID"] == "lb-20261204-0001"
    # then the worker's line of the processing task shows that id
    wait_until(
        lambda: _succeeded(celery_worker.output(), "quote_request_process", "lb-20261204-0001"),
        timeout=60,
        message="the task's log line with the request id",
    )
    # and so do the tasks the processing sent on (the vendor's mail), carried task to task
    wait_until(
        lambda: _succeeded(celery_worker.output(), "vendor_quote_mail_vendor", "lb-20261204-0001"),
        timeout=60,
        message="the follow-on task's log line with the request id",
    )
    # when a second request comes without an id of its own
    second = _submit(client, product)
    made = second["X-Request-ID"]
    assert made != "lb-20261204-0001"
    # then its task shows the id the web made, and the first request's id is on none of its lines
    wait_until(
        lambda: _succeeded(celery_worker.output(), "quote_request_process", made),
        timeout=60,
        message="the second task's log line",
    )
    assert QuoteRequest.objects.count() == 2
    assert len(_succeeded(celery_worker.output(), "quote_request_process", "lb-20261204-0001")) == 1


def test_a_json_worker_writes_the_request_id_into_each_task_line(transactional_db):
    # given a worker writing JSON lines
    purge_broker()
    worker = CeleryWorker(extra_env={"LOG_FORMAT": "json"}).start()
    try:
        (vendor, _) = make_vendor("乙")
        product = stocked_product(vendors=[(vendor, "90.00")])
        client = Client()
        client.force_login(UserFactory())
        # when a request is submitted through the web
        made = _submit(client, product)["X-Request-ID"]

        def task_records():
            records = [json.loads(line) for line in worker.output().splitlines() if line.startswith("{")]
            return [
                r
                for r in records
                if r["request_id"] == made
                and "quote_request_process" in r["message"]
                and "succeeded" in r["message"]
            ]

        found = wait_until(task_records, timeout=60, message="a JSON line of the task")
    finally:
        worker.stop()
    # then the line is a JSON object naming the request
    assert [(r["level"], r["logger"]) for r in found] == [("INFO", "celery.app.trace")]
