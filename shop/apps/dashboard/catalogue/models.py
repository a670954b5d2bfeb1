from oscar.apps.dashboard.catalogue.models import *  # noqa: F401,F403
