"""PostgreSQL stopped: buyers get a plain Chinese 503 page, and the site recovers by itself."""

import time

import pytest
import requests

from tests.conftest import CeleryWorker, celery_broker, test_database_url, wait_until
from tests.factories.accounts import UserFactory
from tests.factories.oem import make_oem_product, submit_oem_order
from tests.factories.quotes import make_vendor, stocked_product, submit_request

from .conftest import Gunicorn, RedisServer, http, pg_rows

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_stopped_database_gives_a_plain_503_page_and_the_site_recovers(throwaway_pg):
    # given gunicorn serving from a PostgreSQL cluster of its own, and a signed-in buyer
    web = Gunicorn(workers=1, threads=4, DATABASE_URL=throwaway_pg.url, DB_CONN_MAX_AGE=60).start()
    try:
        status, _, _ = http("GET", web.url + "/catalogue/")
        assert status == 200, web.output()[-3000:]
        buyer = signed_in_session(web.url, throwaway_pg)
        visitor = requests.Session()
        visitor.get(web.url + "/accounts/login/")

        # when the database stops
        throwaway_pg.stop()

        # then whatever needs the database answers 503 with the static Chinese page, all the
        # security headers and no traceback (pages served from the cache may still answer 200)
        needs_db = [
            buyer.get(web.url + "/accounts/profile/", allow_redirects=False),
            buyer.get(web.url + "/quotes/mine/", allow_redirects=False),
            buyer.get(web.url + "/dashboard/", allow_redirects=False),
            visitor.post(
                web.url + "/accounts/login/",
                data={
                    "csrfmiddlewaretoken": visitor.cookies["csrftoken"],
                    "login-username": "outage@example.com",
                    "login-password": "pass-12345",
                    "login_submit": "1",
                },
                allow_redirects=False,
            ),
        ]
        for response in needs_db:
            assert response.status_code == 503, (response.url, response.status_code, response.text[:300])
            assert "服务暂时不可用" in response.text
            for leak in ("Traceback", "OperationalError", "psycopg", "connection failed"):
                assert leak not in response.text
            assert response.headers["Retry-After"] == "30"
            assert "default-src 'self'" in response.headers["Content-Security-Policy"]
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["X-Frame-Options"] == "DENY"
        for path in ("/", "/catalogue/", "/accounts/login/", "/quotes/list/"):
            status, _, body = http("GET", web.url + path)
            assert status in (200, 302, 503) and "Traceback" not in body, (path, status)
        # a form posted during the outage is told that it was not saved (GETs are not)
        assert "您这次提交的内容没有保存" in needs_db[-1].text
        assert "您这次提交的内容没有保存" not in needs_db[0].text
        for _ in range(20):
            buyer.get(web.url + "/accounts/profile/", allow_redirects=False)

        # when the database is back, the same process serves pages again (no restart)
        throwaway_pg.start()
        wait_until(
            lambda: buyer.get(web.url + "/accounts/profile/", allow_redirects=False).status_code == 200,
            timeout=20,
            message="the site serving again",
        )
    finally:
        web.stop()
    # and the log tells the outage in one line and its end in another, without tracebacks
    log = web.output()
    assert "Traceback" not in log
    assert log.count("数据库不可用，开始于") == 1, log[-3000:]
    assert log.count("数据库已恢复") == 1, log[-3000:]


def signed_in_session(base: str, pg) -> requests.Session:
    """A buyer signed in over HTTP (the account is created in the throwaway database)."""
    pg_rows(
        pg.url,
        "insert into auth_user (password, is_superuser, username, first_name, last_name, email, is_staff, "
        "is_active, date_joined) values ('md5$salt$' || md5('salt' || 'pass-12345'), false, 'outage', '', '', "
        "'outage@example.com', false, true, now()) returning id",
    )
    s = requests.Session()
    s.get(base + "/accounts/login/")
    r = s.post(
        base + "/accounts/login/",
        data={
            "csrfmiddlewaretoken": s.cookies["csrftoken"],
            "login-username": "outage@example.com",
            "login-password": "pass-12345",
            "login_submit": "1",
        },
        allow_redirects=False,
    )
    assert r.status_code == 302, r.text[:500]
    return s


def test_workers_retry_through_a_database_outage_and_the_backlog_drains(throwaway_pg_empty, worker_outbox):
    """Tasks that meet a stopped database must retry (their message stays with the broker),
    not fail and be acknowledged away. No beat and no sweep run here: only retries can
    finish the work."""
    # given quote requests and OEM orders saved, their tasks queued in a Redis of our own
    partner, vendor = make_vendor("甲")
    product = stocked_product(vendors=[(partner, "100.00")])
    oem_product = make_oem_product(partner=partner, moq=100)
    buyer = UserFactory()
    redis_server = RedisServer().start()
    worker = None
    try:
        with celery_broker(redis_server.url):
            requests = [submit_request(buyer=buyer, lines=[(product, 1)]) for _ in range(3)]
            orders = [submit_oem_order(buyer=buyer, product=oem_product) for _ in range(3)]
            assert redis_server.client().llen("celery") == 6
            # and the database they live in, copied into a PostgreSQL of its own, stopped
            pg = throwaway_pg_empty.copy_from(test_database_url())
            pg.stop()
            # when a worker takes the tasks while the database is down
            worker = CeleryWorker(
                concurrency=2, extra_env={"DATABASE_URL": pg.url, "CELERY_BROKER_URL": redis_server.url}
            ).start()
            wait_until(
                lambda: "OperationalError" in worker.output(), timeout=30, message="tasks meeting the outage"
            )
            time.sleep(2)
            # and the database comes back
            pg.start()
            # then every task is retried until its work is done
            numbers = ", ".join(f"'{r.number}'" for r in requests)
            oem_numbers = ", ".join(f"'{o.number}'" for o in orders)
            wait_until(
                lambda: (
                    pg_rows(
                        pg.url,
                        f"select count(*) from quotes_quoterequest where number in ({numbers}) and status = 'quoted'",
                    )[0][0]
                    == 3
                    and pg_rows(
                        pg.url,
                        f"select count(*) from oem_oemorder where number in ({oem_numbers}) and status <> 'submitted'",
                    )[0][0]
                    == 3
                ),
                timeout=60,
                message="the backlog drained after the database came back",
            )
            log = worker.output()  # read before the worker is stopped (its shutdown logs too)
    finally:
        if worker:
            worker.stop()
        redis_server.close()
    # and each worker process logged the outage once and its end once, without tracebacks
    assert "Traceback" not in log
    assert 1 <= log.count("数据库不可用，开始于") <= 2, log[-3000:]
    assert log.count("数据库已恢复") == log.count("数据库不可用，开始于"), log[-3000:]
