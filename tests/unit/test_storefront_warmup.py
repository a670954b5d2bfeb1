"""The first search after a start is as fast as the next: a web server loads the Chinese word
segmenter (jieba) while it starts; manage.py commands, Celery and tests do not load it."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

from shop.storefront.warmup import serves_web, warm_search_wanted


@pytest.mark.parametrize(
    "argv, environ, expected",
    [
        (["/srv/.venv/bin/gunicorn", "shop.wsgi", "--workers", "2"], {}, True),
        (["/usr/lib/python3/site-packages/gunicorn/__main__.py", "shop.wsgi"], {}, True),
        (["uvicorn", "shop.asgi:application"], {}, True),
        (["manage.py", "runserver", "--noreload"], {}, True),
        (["manage.py", "runserver"], {"RUN_MAIN": "true"}, True),  # the autoreloader's serving child
        (["manage.py", "runserver"], {}, False),  # the autoreloader's watching parent
        (["manage.py", "migrate"], {}, False),
        (["manage.py", "load_catalogue"], {}, False),
        (["/srv/.venv/bin/celery", "-A", "shop", "worker"], {}, False),
        (["/srv/.venv/bin/pytest", "tests/unit"], {}, False),
        ([], {}, False),
    ],
)
def test_only_web_servers_load_the_segmenter_at_start_up(argv, environ, expected):
    assert serves_web(argv, environ=environ) is expected
    assert warm_search_wanted(setting="auto", argv=argv, environ=environ) is expected


def test_the_setting_forces_it_either_way():
    assert warm_search_wanted(setting="1", argv=["manage.py", "migrate"]) is True
    assert warm_search_wanted(setting="0", argv=["gunicorn", "shop.wsgi"]) is False
    assert settings.STOREFRONT_WARM_SEARCH == "auto"


START = """
import json, sys
sys.argv = {argv!r}
import django
django.setup()  # what gunicorn's worker does when it imports shop.wsgi
import gc, jieba
frozen_at_start = gc.get_freeze_count()
from django.test import Client
Client().get("/")  # a first request: templates compiled, the URL resolver built
print(json.dumps({{"initialised": jieba.dt.initialized, "frozen": frozen_at_start,
                  "after_a_request": gc.get_freeze_count()}}))
"""


def start(argv: list[str]) -> dict:
    """Whether jieba is initialised right after Django starts in a process run as ``argv``, and
    how many objects were put out of the garbage collector's reach."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "shop.settings.test"),
    }
    env.pop("STOREFRONT_WARM_SEARCH", None)
    result = subprocess.run(
        [sys.executable, "-c", START.format(argv=argv)],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_web_server_has_the_segmenter_ready_when_it_has_started_and_a_command_does_not():
    # given a process started as a gunicorn worker, then one started as manage.py migrate
    # when Django has set itself up (AppConfig.ready) / then only the web server loaded jieba
    assert start(["/srv/.venv/bin/gunicorn", "shop.wsgi"])["initialised"] is True
    assert start(["manage.py", "migrate"])["initialised"] is False


def test_a_web_server_puts_what_it_loaded_at_start_out_of_the_collectors_reach():
    # given a process started as a gunicorn worker, then one started as manage.py migrate
    web = start(["/srv/.venv/bin/gunicorn", "shop.wsgi"])
    command = start(["manage.py", "migrate"])

    # then the web server froze what it loaded (jieba's dictionary alone is over 100,000
    # objects), so a full collection during a request does not walk it, and froze what its
    # first request loaded; a command froze nothing
    assert web["frozen"] > 100_000
    assert web["after_a_request"] > web["frozen"]
    assert command["frozen"] == 0
    assert command["after_a_request"] == 0
