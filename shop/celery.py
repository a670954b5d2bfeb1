"""Celery("shop"). Tasks live in each app's tasks.py; periodic jobs in each app's schedule.py
(a ``SCHEDULE`` dict merged into beat here), so apps never edit one shared table."""

import importlib
import os

from celery import Celery, signals

from shop.core import requestid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.dev")

app = Celery("shop", task_cls="shop.core.tasks:ShopTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The web request's id travels with the tasks it sends and shows in the worker's log lines.
signals.before_task_publish.connect(requestid.put_into_task_headers, weak=False)
signals.task_prerun.connect(requestid.task_started, weak=False)
signals.task_postrun.connect(requestid.task_finished, weak=False)
signals.after_setup_logger.connect(requestid.worker_logging, weak=False)
signals.after_setup_task_logger.connect(requestid.worker_logging, weak=False)

SCHEDULE_MODULES = (
    "shop.core",
    "shop.storefront",
    "shop.buyers",
    "shop.quotes",
    "shop.sourcing",
    "shop.vendors",
    "shop.oem",
    "shop.payments",
    "shop.contracts",
    "shop.consulting",
)


@app.on_after_finalize.connect
def _merge_app_schedules(sender, **kwargs):
    schedule = dict(sender.conf.beat_schedule or {})
    for module in SCHEDULE_MODULES:
        try:
            mod = importlib.import_module(f"{module}.schedule")
        except ModuleNotFoundError:
            continue
        schedule.update(getattr(mod, "SCHEDULE", {}))
    sender.conf.beat_schedule = schedule
