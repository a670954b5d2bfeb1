"""Health endpoints: liveness needs nothing; readiness names each part that is down."""

import json

import pytest
from django.test import Client, override_settings

from tests.conftest import celery_broker

from .conftest import Gunicorn, http, short_tmpdir

pytestmark = pytest.mark.django_db


def test_liveness_answers_without_a_cookie_or_a_cache_entry(client):
    # when the load balancer asks whether the process is alive
    response = client.get("/health/live")
    # then it is, and nothing is stored for it
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]


def test_readiness_with_every_part_up():
    response = Client().get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "broker": "ok", "cache": "ok", "storage": "ok"},
    }


def test_readiness_names_a_broker_that_is_down():
    # given a broker URL where no Redis listens
    dead = f"redis+socket://{short_tmpdir('dead')}/none.sock"
    with celery_broker(dead):
        response = Client().get("/health/ready")
    # then the node is not ready, because of the broker only, and no address is shown
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "broker": "unavailable",
        "cache": "ok",
        "storage": "ok",
    }
    assert "none.sock" not in response.content.decode()


def test_readiness_names_a_cache_that_is_down(settings):
    dead = dict(settings.CACHES["default"], LOCATION=f"unix://{short_tmpdir('dead')}/none.sock")
    with override_settings(CACHES={"default": dead}):
        response = Client().get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "unavailable"
    assert response.json()["checks"]["database"] == "ok"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_readiness_names_a_database_that_is_down_and_liveness_still_answers(throwaway_pg):
    # given gunicorn on a PostgreSQL of its own
    web = Gunicorn(workers=1, threads=2, DATABASE_URL=throwaway_pg.url).start()
    try:
        status, _, body = http("GET", web.url + "/health/ready")
        assert status == 200, body
        # when the database stops
        throwaway_pg.stop()
        status, headers, body = http("GET", web.url + "/health/ready")
        # then readiness is a JSON 503 naming the database, and the process is still alive
        assert status == 503, body
        assert json.loads(body)["checks"]["database"] == "unavailable"
        assert http("GET", web.url + "/health/live")[0] == 200
        # and once it is back, the node is ready again without a restart
        throwaway_pg.start()
        assert http("GET", web.url + "/health/ready")[0] == 200
    finally:
        web.stop()


@override_settings(ALLOWED_HOSTS=["mall.example.cn"], SECURE_SSL_REDIRECT=True)
@pytest.mark.parametrize("path", ["/health/live", "/health/ready"])
def test_a_probe_over_plain_http_to_the_node_itself_is_answered(path):
    # given production's HTTPS redirect and a public host name only
    client = Client(HTTP_HOST="127.0.0.1:8000")
    # when the container's health check asks the node itself over plain HTTP
    response = client.get(path)
    # then it gets the answer, not a redirect to HTTPS nor a refusal of its Host
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert not response.cookies
    assert "no-store" in response["Cache-Control"]


@override_settings(ALLOWED_HOSTS=["mall.example.cn"], SECURE_SSL_REDIRECT=True)
def test_only_the_probes_skip_the_host_check_and_the_https_redirect():
    # given the same settings
    node = Client(HTTP_HOST="127.0.0.1:8000")
    public = Client(HTTP_HOST="mall.example.cn")
    # when anything else is asked of the node over plain HTTP, it is refused for its Host
    assert node.get("/").status_code == 400
    assert node.get("/health/live/").status_code == 400
    # and on the public name it is redirected to HTTPS, as before
    redirect = public.get("/")
    assert (redirect.status_code, redirect["Location"]) == (301, "https://mall.example.cn/")
    # and a probe path with another method goes down the stack, which refuses the method
    assert public.post("/health/live").status_code == 405
    assert node.post("/health/live").status_code == 400  # on the node's address: its Host first
