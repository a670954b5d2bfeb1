"""No crash loop, with a real worker running beat: a stored Stripe event whose payload is cut
short makes processing raise every time; the sweep hands it to the worker TASK_MAX_FAILURES
times, then the row is marked failed and neither the sweep nor the worker touch it again,
while a sound event is processed as usual."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from shop.core.models import TaskFailure
from shop.payments.models import StripeEvent
from tests.conftest import CeleryWorker, purge_broker, wait_until

from .conftest import FAST_SETTINGS, short_tmpdir

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SWEEP = 2  # seconds
SOUND = '{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_unknown"}}}'
RECEIVED = re.compile(r"Task shop\.payments\.tasks\.process_stripe_event\[[0-9a-f-]+\] received")


def test_a_poison_event_is_tried_task_max_failures_times_then_left_alone_by_the_sweep():
    # given a poison event and a sound one, both stored ten minutes ago and never processed
    ago = timezone.now() - timedelta(minutes=10)
    poison = StripeEvent.objects.create(
        event_id="evt_poison", type="payment_intent.succeeded", payload=SOUND[:40], received_at=ago
    )
    sound = StripeEvent.objects.create(
        event_id="evt_sound", type="payment_intent.succeeded", payload=SOUND, received_at=ago
    )
    purge_broker()
    # when a worker runs beat, whose sweep re-enqueues unprocessed events every 2 seconds
    worker = CeleryWorker(
        extra_env={
            "DJANGO_SETTINGS_MODULE": FAST_SETTINGS,
            "SWEEP_INTERVAL_SECONDS": SWEEP,
            "TASK_MAX_FAILURES": 3,
        },
        args=["--beat", "--schedule", str(short_tmpdir("beat") / "schedule")],
    ).start()
    try:
        # then the sound event is processed and the poison one is marked failed after 3 tries
        wait_until(lambda: StripeEvent.objects.get(pk=sound.pk).status == "ignored", timeout=30)
        failure = wait_until(
            lambda: TaskFailure.objects.filter(object_id=poison.pk, status="failed").first(),
            timeout=60,
            message="poison row marked failed",
        )
        time.sleep(2 * SWEEP)  # a message already in flight when it was marked may still arrive
        deliveries = len(RECEIVED.findall(worker.output()))
        # and three more sweep intervals later nothing was sent or counted again
        time.sleep(3 * SWEEP)
        assert len(RECEIVED.findall(worker.output())) == deliveries
    finally:
        worker.stop()
    failure.refresh_from_db()
    assert (failure.task, failure.failure_count) == ("shop.payments.tasks.process_stripe_event", 3)
    assert (
        failure.last_error == "JSONDecodeError: Unterminated string starting at: line 1 column 25 (char 24)"
    )
    assert StripeEvent.objects.get(pk=poison.pk).status == "received"
