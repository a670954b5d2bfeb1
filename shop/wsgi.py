import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.dev")
django.setup(set_prefix=False)  # as django.core.wsgi.get_wsgi_application does

from shop.core.handlers import MatchKeepingWSGIHandler  # noqa: E402

application = MatchKeepingWSGIHandler()
