from oscar.apps.dashboard.models import *  # noqa: F401,F403
