"""make run's consulting demo: the demo unit's 经办人 has a 3-day engagement of the real
政企咨询服务包 in progress — confirmed by the mall's vendor account at the catalogue price and
ordered (its contract draft waiting for both); a second run adds nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from shop.consulting.models import BookedDay, Engagement
from tests.factories.storefront import load_real_catalogue

pytestmark = pytest.mark.django_db


def test_the_demo_engagement_is_ordered_and_waits_for_the_report(tmp_path, settings, capsys):
    # given the real catalogue and the demo accounts (make run's first steps)
    settings.VAR_DIR = tmp_path
    load_real_catalogue()
    call_command("create_demo_accounts")
    # when the consulting demo runs twice
    call_command("create_demo_consulting")
    call_command("create_demo_consulting")
    # then one engagement of the demo unit's 经办人: 3 days × ¥500 from two weeks on, ordered
    engagement = Engagement.objects.get()
    assert engagement.buyer.username == "unit-handler"
    assert engagement.get_status_display() == "已下单"
    assert (engagement.package, engagement.quantity, engagement.confirmed_total) == (
        "天",
        3,
        Decimal("1500.00"),
    )
    assert engagement.start_date == timezone.localdate() + timedelta(days=14)
    assert engagement.partner.users.filter(username="vendor").exists()
    assert engagement.order.total_incl_tax == Decimal("1500.00")
    assert BookedDay.objects.filter(engagement=engagement).count() == 3
    out = capsys.readouterr().out
    assert out.count(f"演示咨询服务 {engagement.number}") == 2
