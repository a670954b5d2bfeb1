"""Celery("shop"). Tasks live in each app's tasks.py; periodic jobs in each app's schedule.py
(a ``SCHEDULE`` dict merged into beat here), so apps never edit one shared table."""

import importlib
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.dev")

app = Celery("shop", task_cls="shop.core.tasks:ShopTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

SCHEDULE_MODULES = ("shop.core", "shop.quotes", "shop.vendors", "shop.oem", "shop.payments")


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
