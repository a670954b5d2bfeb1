"""PostgreSQL stopped: buyers get a plain Chinese 503 page, and the site recovers by itself."""

import pytest

from .conftest import Gunicorn, http

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_stopped_database_gives_a_plain_503_page_and_the_site_recovers(throwaway_pg):
    # given gunicorn serving from a PostgreSQL cluster of its own
    web = Gunicorn(workers=1, threads=4, DATABASE_URL=throwaway_pg.url, DB_CONN_MAX_AGE=60).start()
    try:
        status, _, _ = http("GET", web.url + "/catalogue/")
        assert status == 200, web.output()[-3000:]

        # when the database stops
        throwaway_pg.stop()

        # then every page answers 503 with the static Chinese page, security headers, no traceback
        for method, path in [
            ("GET", "/"),
            ("GET", "/catalogue/"),
            ("GET", "/accounts/login/"),
            ("GET", "/dashboard/"),
        ]:
            status, headers, body = http(method, web.url + path)
            assert status == 503, (path, status, body[:500])
            assert "服务暂时不可用" in body
            assert "Traceback" not in body and "OperationalError" not in body and "psycopg" not in body
            assert headers["Retry-After"] == "30"
            assert "default-src 'self'" in headers["Content-Security-Policy"]
            assert headers["X-Content-Type-Options"] == "nosniff"

        # when the database is back, the same process serves pages again (no restart)
        throwaway_pg.start()
        statuses = [http("GET", web.url + "/catalogue/")[0] for _ in range(3)]
        assert statuses[-1] == 200, (statuses, web.output()[-3000:])
    finally:
        web.stop()
