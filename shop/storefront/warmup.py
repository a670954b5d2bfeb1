"""Which processes load the Chinese word segmenter (jieba) at start-up, so that the first search
after a start is as fast as the next: web servers (gunicorn and its workers, ``runserver``'s
serving process, other WSGI/ASGI servers) do; ``manage.py`` commands, Celery, tests and shells
do not (they search nothing, and loading takes a second or two and some 50 MB).

``STOREFRONT_WARM_SEARCH``: ``auto`` (the default) decides by the process; ``1``/``0`` force it.

Such a process then puts what it has loaded out of the garbage collector's reach
(``freeze_what_is_loaded``): Django, Oscar and jieba's dictionary live as long as the process,
and a full collection walked them in 54–74 ms on whichever request set it off (a cold search at
1,000,000 products: 30 ms, 100–160 ms when it did). What the first requests load (compiled
templates, the URL resolver) is frozen after each of them too: a full collection over those
took 22–25 ms."""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence
from pathlib import PurePath

WEB_SERVERS = ("gunicorn", "uvicorn", "daphne", "uwsgi", "hypercorn", "waitress-serve")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def serves_web(argv: Sequence[str], *, environ=os.environ) -> bool:
    """True when this process answers web requests."""
    if not argv:
        return False
    program = PurePath(argv[0])
    names = {program.name, program.parent.name}  # python -m gunicorn → …/gunicorn/__main__.py
    if any(server in names for server in WEB_SERVERS):
        return True
    if program.name == "manage.py" or program.name == "django-admin":
        if len(argv) > 1 and argv[1] == "runserver":
            # with the autoreloader the parent only watches files; its child (RUN_MAIN) serves
            return "--noreload" in argv or environ.get("RUN_MAIN") == "true"
    return False


def warm_search_wanted(*, setting, argv: Sequence[str], environ=os.environ) -> bool:
    value = str(setting).strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return serves_web(argv, environ=environ)


FREEZE_AFTER_REQUESTS = 20
FREEZE_UID = "storefront.freeze_after_request"


def freeze_what_is_loaded(after_requests: int = FREEZE_AFTER_REQUESTS) -> None:
    """Collect, then freeze everything alive: now, and after each of the next requests."""
    from django.core.signals import request_finished

    gc.collect()
    gc.freeze()
    left = after_requests

    def after_request(**kwargs) -> None:
        nonlocal left
        left -= 1
        if left <= 0:
            request_finished.disconnect(after_request, dispatch_uid=FREEZE_UID)
        gc.collect()
        gc.freeze()

    if after_requests > 0:
        request_finished.connect(after_request, weak=False, dispatch_uid=FREEZE_UID)
