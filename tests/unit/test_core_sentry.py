"""Sentry is set up only when SENTRY_DSN is set: Django and Celery integrations, no personal
data, environment and release from the environment."""

import json
import subprocess
import sys

from tests.conftest import ROOT, subprocess_env

PROBE = (
    "import json, django; django.setup(); import sentry_sdk; c = sentry_sdk.get_client(); "
    "print(json.dumps({'active': c.is_active(), 'integrations': sorted(getattr(c, 'integrations', {})), "
    "'pii': c.options.get('send_default_pii'), 'environment': c.options.get('environment'), "
    "'release': c.options.get('release')}))"
)


def _probe(**env) -> dict:
    environment = subprocess_env(**env)
    for name in ("SENTRY_DSN", "SENTRY_ENVIRONMENT", "SENTRY_RELEASE"):
        if name not in env:
            environment.pop(name, None)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_without_a_dsn_nothing_is_initialised():
    assert _probe()["active"] is False


def test_with_a_dsn_django_and_celery_are_reported_without_personal_data():
    # the DSN names a loopback address: nothing is sent, as nothing fails here
    found = _probe(
        SENTRY_DSN="http://publickey@127.0.0.1:9/1", SENTRY_ENVIRONMENT="staging", SENTRY_RELEASE="xh@2"
    )
    assert found["active"] is True
    assert {"django", "celery"} <= set(found["integrations"])
    assert "redis" not in found["integrations"]  # its breadcrumbs name cache keys, session keys among them
    assert (found["pii"], found["environment"], found["release"]) == (False, "staging", "xh@2")
