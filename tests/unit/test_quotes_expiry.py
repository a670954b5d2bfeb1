"""quotes_expire re-reads each quote under its row lock: a quote extended (or accepted) after
the candidate query is left alone."""

import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from shop.quotes import services
from shop.quotes.models import QuoteRequest, VendorQuote
from shop.quotes.services import PriceInput
from tests.factories.quotes import make_vendor, process, stocked_product, submit_request


def _answered_quote():
    vendor, user = make_vendor("甲")
    product = stocked_product(vendors=[(vendor, "100.00")])
    qr = process(submit_request(lines=[(product, 1)]))
    vq = qr.vendor_quotes.get()
    return services.vendor_quote_answer(
        vendor_quote=vq,
        actor=user,
        prices={vq.lines.get().pk: PriceInput(Decimal("90.00"), Decimal("0.13"))},
        lead_time_days=5,
        valid_until=timezone.localdate() + timedelta(days=3),
    )


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.django_db(transaction=True)
def test_a_quote_extended_after_the_candidate_query_is_not_expired():
    # given an answered quote that the expiry run will find past its validity
    vq = _answered_quote()
    run_at = vq.valid_until + timedelta(hours=1)
    extended_to = vq.valid_until + timedelta(days=30)
    locked, extended = threading.Event(), threading.Event()

    def vendor_extends_validity():
        # the vendor's transaction holds the rows while the expiry run queries and then waits
        try:
            with transaction.atomic():
                QuoteRequest.objects.select_for_update().get(pk=vq.request_id)
                VendorQuote.objects.select_for_update().get(pk=vq.pk)
                locked.set()
                deadline = time.monotonic() + 20
                while not _waiting_for_a_lock() and time.monotonic() < deadline:
                    time.sleep(0.05)
                VendorQuote.objects.filter(pk=vq.pk).update(valid_until=extended_to)
            extended.set()
        finally:
            connections.close_all()

    thread = threading.Thread(target=vendor_extends_validity)
    thread.start()
    assert locked.wait(10)
    # when the expiry run happens meanwhile (its candidate query still sees the old date)
    result = services.quotes_expire(now=run_at)
    thread.join(30)
    # then the extended quote stays answered, and the request stays open
    assert extended.is_set()
    vq.refresh_from_db()
    assert (vq.status, vq.valid_until) == ("answered", extended_to)
    assert vq.events.filter(kind="expired").count() == 0
    assert result == {"quotes": 0, "requests": 0}
    assert QuoteRequest.objects.get(pk=vq.request_id).status == "quoted"


@pytest.mark.django_db
def test_a_quote_past_its_validity_still_expires():
    vq = _answered_quote()
    result = services.quotes_expire(now=vq.valid_until + timedelta(hours=1))
    vq.refresh_from_db()
    assert (result, vq.status) == ({"quotes": 1, "requests": 1}, "expired")
    assert vq.events.get(kind="expired").note == "超过报价有效期。"
