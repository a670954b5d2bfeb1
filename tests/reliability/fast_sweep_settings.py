"""Test settings with short sweeps, for the worker and beat processes of the fault tests.

The sweeps re-enqueue work left undone "longer than a grace period"; in production that is
minutes, here seconds, so a test can wait for two sweep intervals."""

from shop.settings.test import *  # noqa: F403
from shop.settings.test import env

SWEEP_INTERVAL_SECONDS = env.int("SWEEP_INTERVAL_SECONDS", default=8)
QUOTES_SWEEP_GRACE_SECONDS = 1
OEM_SWEEP_STALE_SECONDS = 1
RATE_LIMITS = {}  # a hundred submissions from a few buyers in seconds: not what is tested here
MAIL_SWEEP_GRACE_SECONDS = 5
