from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def _sqlite_pragmas(sender, connection, **kwargs):
    """SQLite shared by web, worker and beat: WAL and a busy timeout on every connection."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL;")
            cursor.execute("PRAGMA busy_timeout=20000;")
            cursor.execute("PRAGMA synchronous=NORMAL;")


class CoreConfig(AppConfig):
    name = "shop.core"
    label = "core"
    verbose_name = _("基础设施")

    def ready(self):
        from django.conf import settings

        from .access import nav_operator_only

        connection_created.connect(_sqlite_pragmas, dispatch_uid="xh_sqlite_pragmas")
        from . import outage

        outage.install()
        from . import usercache

        usercache.connect_receivers()
        nav = settings.OSCAR_DASHBOARD_NAVIGATION
        if not any(item.get("url_name") == "dashboard:core-tasks" for item in nav):
            nav.append(
                {
                    "label": _("后台任务"),
                    "icon": "fas fa-tasks",
                    "url_name": "dashboard:core-tasks",
                    "access_fn": nav_operator_only,
                }
            )
