"""Test settings with one more route, a view that raises, for the Sentry report test."""

from shop.settings.test import *  # noqa: F403

ROOT_URLCONF = "tests.reliability.sentry_urls"
