"""The base class of every Celery task in the project (set as the app's ``task_cls``).

A database outage must never ack a task away: any task that hits
``OperationalError``/``InterfaceError`` is retried with exponential backoff (up to about half
an hour), and beat's sweeps re-enqueue whatever is still unprocessed after that."""

from celery import Task
from django.db import InterfaceError, OperationalError


class ShopTask(Task):
    autoretry_for = (OperationalError, InterfaceError)
    retry_backoff = 2
    retry_backoff_max = 60
    retry_jitter = True
    retry_kwargs = {"max_retries": 30}
    acks_late = True
