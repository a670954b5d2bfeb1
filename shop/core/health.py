"""Health endpoints for a load balancer or a container runtime.

- ``/health/live``: the process answers (no database, no Redis): restart it when this fails.
- ``/health/ready``: the parts a request needs answer — the database (``SELECT 1``), the
  broker (a Redis PING through Celery's connection), the cache (a write and read back) and
  file storage (a file written, read and deleted in the configured storage: local disk or the
  S3 bucket, public media and private files). 200 with each part's state when all are
  up; 503 naming the failing parts otherwise, so the load balancer stops sending traffic to
  this node until they are back. Nothing is cached; answers carry ``Cache-Control: no-store``.

Both answer JSON without sessions or CSRF (no cookie is set) and reveal no addresses or
error texts, only ``"ok"`` or ``"unavailable"`` per part.

A probe talks plain HTTP to the node itself (``http://127.0.0.1:8000/health/ready`` in the
compose file's health check, a node's address from a load balancer), so it must not be
redirected to HTTPS nor refused for a Host that is not the public one: both paths are in
``SECURE_REDIRECT_EXEMPT``, and ``HealthCheckMiddleware``, right above the common middleware
(the first to validate the Host), answers a GET of either. The security, CSP, session and locale
middleware above it still add their headers. Nothing in these answers depends on the host or the
scheme."""

from __future__ import annotations

import logging
import time
import uuid

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger("shop.health")


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _broker() -> None:
    from shop.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        conn.default_channel.client.ping()


def _cache() -> None:
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        raise RuntimeError("cache did not keep a value")
    cache.delete(key)


def _probe(storage) -> None:
    name = storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with storage.open(name) as handle:
            if handle.read() != b"ok":
                raise RuntimeError("storage returned other bytes")
    finally:
        storage.delete(name)


def _storage() -> None:
    """The configured file storages (local disk, or the bucket with STORAGE_BACKEND=s3): the
    public media and the private files each take a small file, give it back and delete it."""
    from shop.core.uploads import private_backend

    _probe(default_storage)
    _probe(private_backend())


CHECKS = {"database": _database, "broker": _broker, "cache": _cache, "storage": _storage}


def readiness() -> dict[str, str]:
    """Each part's state, ``"ok"`` or ``"unavailable"`` (the reason goes to the log only)."""
    states = {}
    for name, check in CHECKS.items():
        started = time.monotonic()
        try:
            check()
            states[name] = "ok"
        except Exception as exc:  # any failure makes the node not ready
            logger.warning(
                "readiness: %s unavailable after %.2f s: %s", name, time.monotonic() - started, exc
            )
            states[name] = "unavailable"
    return states


@transaction.non_atomic_requests  # no transaction to open: the database may be the part that is down
@never_cache
@require_GET
def live(request):
    return JsonResponse({"status": "ok"})


@transaction.non_atomic_requests
@never_cache
@require_GET
def ready(request):
    states = readiness()
    ok = all(state == "ok" for state in states.values())
    return JsonResponse(
        {"status": "ok" if ok else "unavailable", "checks": states}, status=200 if ok else 503
    )


PROBES = {"/health/live": live, "/health/ready": ready}


class HealthCheckMiddleware:
    """A load balancer's or container runtime's probe, answered before the Host check (module
    docstring). Anything else, and other methods, go down the stack."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method == "GET":
            return probe(request)
        return self.get_response(request)
