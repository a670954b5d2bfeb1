"""PostgreSQL's JIT is off for the store's connections: it compiled a large category's price
query for longer than the query ran (shop/settings/base.py)."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_store_connects_to_postgresql_with_jit_off():
    # given the store's database connection, when it asks PostgreSQL, then JIT is off
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)
