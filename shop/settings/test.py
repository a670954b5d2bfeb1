"""make test: PostgreSQL from DATABASE_URL (started by scripts/testenv.sh), embedded Redis."""

import tempfile
from pathlib import Path

from .base import *  # noqa: F403
from .base import STORAGE_BACKEND, env, file_storages

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
_tmp = Path(env.str("TEST_TMP_DIR", default=tempfile.mkdtemp(prefix="xh-test-")))
# In the test process: locmem. The Celery worker started by the tests writes files instead
# (EMAIL_BACKEND/EMAIL_FILE_PATH in its environment) so tests can read what it sent.
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(_tmp / "mail"))
MEDIA_ROOT = _tmp / "media"
PRIVATE_MEDIA_ROOT = _tmp / "private"
# local disk unless STORAGE_BACKEND=s3 (the object-storage tests start their worker with it)
STORAGES = file_storages(STORAGE_BACKEND, "django.contrib.staticfiles.storage.StaticFilesStorage")
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
WHITENOISE_AUTOREFRESH = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # a file, not :memory:, so a Celery worker process can share the test database
    DATABASES["default"]["TEST"] = {"NAME": str(_tmp / "test.sqlite3")}  # noqa: F405

# Round trips to Redis are counted exactly in tests: no timed barrier of the cache's near copy
# in the middle of one (a barrier still follows every write; test_near_cache.py times its own).
CACHES["default"]["OPTIONS"]["NEAR_CACHE_SYNC_SECONDS"] = env.float("CACHE_NEAR_SYNC_SECONDS", default=60.0)  # noqa: F405
