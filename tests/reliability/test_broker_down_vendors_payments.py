"""Broker down, for the work that quotes and OEM orders did not cover: an operator approving a
vendor application and Stripe delivering a webhook while Redis is stopped both get their
normal answer (no 500); once Redis is back the sweeps hand the saved work to a real worker,
which sends the decision e-mail (through the outbox) and processes the webhook event.

Real parts: Redis (its own, killed and restarted on the same AOF), the test PostgreSQL, a
Celery worker process. The sweeps are called here rather than waiting for beat."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from shop.core.models import OutboundEmail
from shop.payments.models import StripeEvent
from shop.payments.services import stripe_events_sweep
from shop.vendors.models import VendorApplication
from shop.vendors.services import vendors_sweep
from tests.conftest import CeleryWorker, celery_broker, wait_until
from tests.factories.accounts import OperatorFactory
from tests.factories.payments import event_payload, sign_webhook
from tests.factories.vendors import make_application

from .conftest import RedisServer

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_vendor_approval_and_a_webhook_while_redis_is_down_answer_and_are_done_after_the_sweep(
    client, worker_outbox
):
    # given a submitted vendor application, an operator, and our own Redis as the broker
    application = make_application()
    client.force_login(OperatorFactory())
    redis_server = RedisServer().start()
    payload = event_payload(
        {
            "id": "evt_broker_down_1",
            "type": "customer.created",
            "data": {"object": {"id": "cus_1", "object": "customer"}},
        }
    )
    worker = None
    with celery_broker(redis_server.url):
        try:
            # when Redis stops, the operator approves and Stripe delivers a webhook
            redis_server.kill()
            approve = client.post(reverse("dashboard:vendors-application-approve", args=[application.pk]))
            webhook = client.post(
                reverse("payments:stripe-webhook"),
                data=payload,
                content_type="application/json",
                headers={"Stripe-Signature": sign_webhook(payload)},
            )

            # then both answer normally, and the work is saved but not done
            assert (approve.status_code, approve["Location"]) == (
                302,
                reverse("dashboard:vendors-application-detail", args=[application.pk]),
            )
            assert (webhook.status_code, webhook.content) == (200, b"ok")
            application.refresh_from_db()
            assert (application.status, application.notified_status) == ("approved", "")
            assert StripeEvent.objects.get().status == "received"
            assert OutboundEmail.objects.count() == 0

            # when Redis is back with a worker, and the sweeps run
            redis_server.start()
            env = {"REDIS_URL": redis_server.url, "CELERY_BROKER_URL": redis_server.url}
            worker = CeleryWorker(extra_env=env).start()
            later = timezone.now() + timedelta(seconds=120)
            assert vendors_sweep(now=later) == {"mails": 1, "imports": 0}
            assert stripe_events_sweep(older_than_seconds=0) == [StripeEvent.objects.get().pk]

            # then the applicant gets the approval e-mail once and the event is processed
            messages = wait_until(worker_outbox.messages, timeout=60, message="approval e-mail")
            wait_until(
                lambda: StripeEvent.objects.get().status == "ignored", timeout=60, message="event processed"
            )
            wait_until(
                lambda: OutboundEmail.objects.filter(status="sent").count() == 1,
                timeout=30,
                message="outbox row marked sent",
            )
            assert len(messages) == 1
            assert "【湘慧商城】您的供应商入驻申请已通过" in messages[0]
            assert VendorApplication.objects.get(pk=application.pk).notified_status == "approved"
        finally:
            if worker:
                worker.stop()
            redis_server.kill()
