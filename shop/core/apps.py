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
        connection_created.connect(_sqlite_pragmas, dispatch_uid="xh_sqlite_pragmas")
