"""Celery is configured so a killed worker or a restarted broker loses nothing.

Read from the real app (the same object `celery -A shop worker` loads), every registered task
of ours inspected one by one."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import InterfaceError, OperationalError

from shop.celery import app

OUR_APPS = ("shop.quotes", "shop.oem", "shop.vendors", "shop.payments")


def our_tasks():
    """Every task defined in the project, whatever its name ("shop.quotes.…", "oem.…")."""
    app.loader.import_default_modules()
    app.finalize()
    tasks = {name: task for name, task in app.tasks.items() if type(task).__module__.startswith("shop.")}
    assert len(tasks) >= 10, sorted(tasks)
    return tasks


def test_broker_and_worker_settings_survive_a_killed_worker():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_acks_on_failure_or_timeout is True  # a failure is recorded, not looped forever
    assert conf.broker_connection_retry_on_startup is True
    assert conf.task_always_eager is False


def test_every_task_acks_late_and_is_requeued_when_its_worker_dies():
    tasks = our_tasks()
    for name, task in tasks.items():
        assert task.acks_late is True, name
        assert task.reject_on_worker_lost is True, name


def test_visibility_timeout_is_at_least_twice_the_longest_task_time_limit():
    tasks = our_tasks()
    limits = [app.conf.task_time_limit] + [t.time_limit for t in tasks.values() if t.time_limit]
    soft = [app.conf.task_soft_time_limit] + [t.soft_time_limit for t in tasks.values() if t.soft_time_limit]
    assert all(limits), "every task needs a hard time limit"
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility >= 2 * max(limits)
    assert max(soft) < max(limits)


def test_tasks_retry_on_database_errors_instead_of_acking_them_away():
    """A task that meets a stopped database must retry (the message stays in Redis), not fail
    and ack: with acks_late a failed task is acknowledged and its message is gone."""
    tasks = our_tasks()
    missing = [
        name
        for name, task in tasks.items()
        if not (
            issubclass(OperationalError, tuple(task.autoretry_for or ()))
            and issubclass(InterfaceError, tuple(task.autoretry_for or ()))
        )
        and not getattr(task, "retries_database_errors", False)
    ]
    assert missing == []


def _schedule_entries():
    app.finalize()
    return dict(app.conf.beat_schedule or {})


def _seconds(schedule) -> float:
    if isinstance(schedule, int | float):
        return float(schedule)
    if isinstance(schedule, timedelta):
        return schedule.total_seconds()
    run_every = getattr(schedule, "run_every", None)
    assert run_every is not None, f"unexpected schedule {schedule!r}"
    return run_every.total_seconds()


@pytest.mark.parametrize("module", ["shop.core", "shop.quotes", "shop.oem", "shop.vendors", "shop.payments"])
def test_beat_sweeps_re_enqueue_unprocessed_work_every_sweep_interval(module):
    """Expiry and re-delivery run from beat on database timestamps, never from long ETAs."""
    pytest.importorskip(f"{module}.schedule", reason=f"{module} has no schedule yet")
    tasks = our_tasks()
    entries = {
        k: v
        for k, v in _schedule_entries().items()
        if type(tasks.get(v["task"])).__module__.startswith(module + ".")
    }
    sweeps = {k: v for k, v in entries.items() if "sweep" in k or "sweep" in v["task"]}
    assert sweeps, f"{module} schedules no sweep: {sorted(entries)}"
    for key, entry in entries.items():
        assert entry["task"] in tasks, f"beat entry {key} names an unregistered task"
    for key, entry in sweeps.items():
        assert _seconds(entry["schedule"]) <= settings.SWEEP_INTERVAL_SECONDS, key


def test_expiry_and_reminders_run_from_beat_not_from_countdowns():
    """Expiry, reminders and unpaid-order cancellation are beat jobs reading database
    timestamps; nothing waits in the broker for days."""
    tasks = {entry["task"] for entry in _schedule_entries().values()}
    for name in (
        "shop.quotes.tasks.quotes_expire",
        "shop.quotes.tasks.quotes_remind_vendors",
        "oem.remind_pending_offers",
        "oem.warn_overdue",
        "shop.payments.tasks.remind_unpaid_orders",
        "shop.payments.tasks.cancel_unpaid_orders",
    ):
        assert name in tasks, name


@pytest.mark.django_db
def test_the_submit_and_process_flows_send_no_task_with_an_eta(django_capture_on_commit_callbacks, own_redis):
    from celery.signals import before_task_publish

    from tests.conftest import celery_broker
    from tests.factories.accounts import UserFactory
    from tests.factories.oem import make_oem_product, submit_oem_order
    from tests.factories.quotes import make_vendor, process, stocked_product, submit_request

    sent = []

    def record(sender=None, headers=None, **kwargs):
        sent.append((sender, (headers or {}).get("eta"), (headers or {}).get("expires")))

    partner, _ = make_vendor("甲")
    buyer = UserFactory()
    before_task_publish.connect(record)
    try:
        with celery_broker(own_redis.url):
            with django_capture_on_commit_callbacks(execute=True):
                qr = submit_request(buyer=buyer, lines=[(stocked_product(vendors=[(partner, "100.00")]), 1)])
            with django_capture_on_commit_callbacks(execute=True):
                process(qr)
            with django_capture_on_commit_callbacks(execute=True):
                submit_oem_order(buyer=buyer, product=make_oem_product(partner=partner))
    finally:
        before_task_publish.disconnect(record)
    assert {name for name, _, _ in sent} >= {
        "shop.quotes.tasks.quote_request_process",
        "shop.quotes.tasks.vendor_quote_render_pdf",
        "oem.order_process",
    }
    assert [(name, eta, expires) for name, eta, expires in sent if eta or expires] == []
