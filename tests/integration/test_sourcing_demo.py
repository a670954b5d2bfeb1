"""make run's sourcing demo: three approved vendors of the meeting-display category, a 询价 with
their three sealed responses and a 竞价 with two bids, both in progress; a second run keeps the
open events; when the deadline passes, beat's task decides them and the notices follow."""

import json
from datetime import timedelta

import pytest
from django.core.management import call_command

from shop.notices.models import Notice
from shop.sourcing import services
from shop.sourcing.models import SourcingEvent
from tests.factories.storefront import load_real_catalogue

pytestmark = pytest.mark.django_db


def test_the_demo_has_three_vendors_an_inquiry_and_an_auction_in_progress(tmp_path, settings, capsys):
    # given the real catalogue and the demo accounts (make run's first steps)
    settings.VAR_DIR = tmp_path
    settings.SOURCING_MIN_RESPONSE_WORKDAYS = 0
    load_real_catalogue()
    call_command("create_demo_accounts")
    # when the sourcing demo runs twice
    call_command("create_demo_sourcing")
    call_command("create_demo_sourcing")
    # then one 询价 with three sealed responses and one 竞价 with two bidders are open
    inquiry = SourcingEvent.objects.get(mode="inquiry")
    auction = SourcingEvent.objects.get(mode="auction")
    assert (inquiry.status, inquiry.responses.count(), inquiry.invites.count()) == ("open", 3, 3)
    assert (auction.status, auction.bids.values("partner").distinct().count()) == ("open", 2)
    # and the three vendors' logins are printed, their passwords kept in the file only
    out = capsys.readouterr().out
    passwords = json.loads((tmp_path / "demo-accounts.json").read_text())
    for username in ("demo-vendor-1", "demo-vendor-2", "demo-vendor-3"):
        assert passwords[username] in out
    # when the 询价's deadline passes, beat's task opens it: three valid responses
    assert services.sourcing_close_due(now=inquiry.deadline + timedelta(seconds=1)) == [inquiry.number]
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.award_total) == (
        "evaluated",
        inquiry.responses.order_by("total").first().total,
    )
    assert list(Notice.objects.filter(event=inquiry).values_list("kind", flat=True)) == ["inquiry"]
