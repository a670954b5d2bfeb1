"""Poison rows (shop.core.tasks.ShopTask + shop.core.failures): a task failing on the same row
TASK_MAX_FAILURES times marks that row failed with the reason; the task then skips it and the
sweep leaves it alone until an operator retries it. A database outage is not poison."""

from datetime import timedelta

import pytest
from celery import shared_task
from django.db import OperationalError
from django.utils import timezone

from shop.core.exceptions import IllegalTransition, PermissionDenied
from shop.core.failures import task_failure_retry
from shop.core.models import TaskFailure
from shop.payments.models import StripeEvent
from shop.payments.services import stripe_events_sweep
from shop.payments.tasks import process_stripe_event
from tests.factories.accounts import OperatorFactory, UserFactory

pytestmark = pytest.mark.django_db

TASK = "shop.payments.tasks.process_stripe_event"
SOUND = '{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_unknown"}}}'
TRUNCATED = SOUND[:40]


@shared_task(name="tests.core.database_down")
def database_down(object_id: int) -> None:
    raise OperationalError("server closed the connection unexpectedly")


def enqueued(callbacks) -> list[tuple[str, tuple]]:
    return [(c.task_name, c.args) for c in callbacks if hasattr(c, "task_name")]


def stored_event(event_id: str, payload: str) -> StripeEvent:
    return StripeEvent.objects.create(
        event_id=event_id,
        type="payment_intent.succeeded",
        payload=payload,
        received_at=timezone.now() - timedelta(minutes=10),
    )


def test_a_webhook_event_that_always_breaks_processing_is_marked_failed_and_no_longer_swept(
    settings, django_capture_on_commit_callbacks
):
    # given a stored webhook event whose payload is cut short (processing raises on it every
    # time) and a sound event, both left unprocessed for ten minutes
    settings.TASK_MAX_FAILURES = 3
    poison = stored_event("evt_poison", TRUNCATED)
    sound = stored_event("evt_sound", SOUND)
    # when the processing task runs on it three times
    for attempt in range(1, 4):
        with pytest.raises(ValueError):
            process_stripe_event(poison.pk)
        failure = TaskFailure.objects.get(task=TASK, object_id=poison.pk)
        assert (failure.failure_count, failure.status) == (attempt, "failed" if attempt == 3 else "counting")
    # then the row is marked failed with the reason, and the task no longer touches it
    assert (
        failure.last_error == "JSONDecodeError: Unterminated string starting at: line 1 column 25 (char 24)"
    )
    assert process_stripe_event(poison.pk) is None
    assert TaskFailure.objects.get(pk=failure.pk).failure_count == 3
    # and the sweep re-enqueues the sound event only
    with django_capture_on_commit_callbacks() as callbacks:
        assert stripe_events_sweep(older_than_seconds=60) == [sound.pk]
    assert enqueued(callbacks) == [(TASK, (sound.pk,))]
    assert StripeEvent.objects.get(pk=poison.pk).status == "received"


def test_an_operator_retries_a_failed_row_and_a_success_clears_its_count(
    settings, django_capture_on_commit_callbacks
):
    # given an event marked failed after its payload broke processing
    settings.TASK_MAX_FAILURES = 2
    event = stored_event("evt_retry", TRUNCATED)
    for _ in range(2):
        with pytest.raises(ValueError):
            process_stripe_event(event.pk)
    failure = TaskFailure.objects.get(task=TASK, object_id=event.pk, status="failed")
    # a buyer cannot retry it
    with pytest.raises(PermissionDenied):
        task_failure_retry(failure_id=failure.pk, actor=UserFactory())
    # when the payload is repaired and an operator retries it
    StripeEvent.objects.filter(pk=event.pk).update(payload=SOUND)
    operator = OperatorFactory()
    with django_capture_on_commit_callbacks() as callbacks:
        task_failure_retry(failure_id=failure.pk, actor=operator)
    # then it is enqueued again, runs, and the failure is resolved with its history
    assert enqueued(callbacks) == [(TASK, (event.pk,))]
    assert process_stripe_event(event.pk) == "ignored"
    assert StripeEvent.objects.get(pk=event.pk).status == "ignored"
    failure.refresh_from_db()
    assert (failure.status, failure.failure_count) == ("resolved", 0)
    assert list(failure.events.values_list("kind", "from_status", "to_status", "actor")) == [
        ("failed", "counting", "failed", None),
        ("retried", "failed", "retried", operator.pk),
        ("resolved", "retried", "resolved", None),
    ]
    # and retrying it again is a clear error
    with pytest.raises(IllegalTransition) as exc:
        task_failure_retry(failure_id=failure.pk, actor=operator)
    assert exc.value.message == "当前状态为“已恢复”，不能变更为“已重新处理”。"


def test_a_database_outage_is_not_counted_as_a_failure(settings):
    # given a task whose database is down
    settings.TASK_MAX_FAILURES = 2
    # when it fails ten times with OperationalError
    for _ in range(10):
        with pytest.raises(OperationalError):
            database_down(7)
    # then nothing is counted: the task keeps being retried
    assert TaskFailure.objects.count() == 0
