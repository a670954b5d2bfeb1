"""The consulting pages through Django's client: the product page offers 预约咨询服务, the form
refuses bad input in Chinese (400, nothing stored), a good booking lands on its page, and the
consultant's calendar keeps its own days."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from shop.consulting.models import BlockedDay, Engagement
from tests.factories.consulting import consulting_world

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _form(chosen, **changes):
    data = {
        "variant": chosen.pk,
        "quantity": "3",
        "start_date": (timezone.localdate() + timedelta(days=10)).isoformat(),
        "topics": ["产品比选", "采购政策"],
        "need": "比选三家供应商",
    }
    data.update(changes)
    return data


def test_the_product_page_and_each_variant_link_to_the_booking_form():
    parent, variants, *_rest, members = consulting_world()
    client = _client(members["handler"].user)
    html = client.get(parent.get_absolute_url()).content.decode()
    assert f'href="{reverse("consulting:book", args=[parent.pk])}"' in html
    assert "预约咨询服务" in html
    html = client.get(variants["月"].get_absolute_url()).content.decode()
    assert f"{reverse('consulting:book', args=[parent.pk])}?variant={variants['月'].pk}" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"quantity": "0"}, "服务时长至少 1 天。"),
        ({"start_date": "2020-01-01"}, "开始日期最早为明天"),
        ({"topics": ["股票推荐"]}, "请选择列出的咨询内容。"),
        ({"topics": []}, "请至少选择一项咨询内容。"),
        ({"need": ""}, "请描述咨询需求。"),
        ({"variant": "999999"}, "请选择服务包。"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_stores_nothing(changes, message):
    parent, variants, *_rest, members = consulting_world()
    response = _client(members["handler"].user).post(
        reverse("consulting:book", args=[parent.pk]), _form(variants["天"], **changes)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Engagement.objects.count() == 0


def test_a_good_booking_lands_on_its_page_with_the_from_price():
    parent, variants, *_rest, members = consulting_world()
    client = _client(members["handler"].user)
    response = client.post(reverse("consulting:book", args=[parent.pk]), _form(variants["天"]))
    engagement = Engagement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("consulting:detail", args=[engagement.number])
    html = client.get(response["Location"]).content.decode()
    assert "¥1,500.00 起" in html
    assert "待确认" in html


def test_a_product_that_is_not_the_consulting_package_has_no_booking_form():
    from tests.factories.catalogue import ProductFactory

    _parent, _variants, *_rest, members = consulting_world()
    other = ProductFactory()
    assert (
        _client(members["handler"].user).get(reverse("consulting:book", args=[other.pk])).status_code == 404
    )


def test_the_consultant_blocks_and_frees_a_day_and_another_vendor_cannot_free_it():
    from tests.factories.accounts import make_vendor_user

    _parent, _variants, partner, consultant, *_rest = consulting_world()
    client = _client(consultant)
    day = timezone.localdate() + timedelta(days=5)
    response = client.post(reverse("dashboard:consulting-calendar"), {"day": day.isoformat(), "note": "外出"})
    assert response.status_code == 302
    blocked = BlockedDay.objects.get()
    assert (blocked.partner_id, blocked.day) == (partner.pk, day)
    again = client.post(reverse("dashboard:consulting-calendar"), {"day": day.isoformat()})
    assert again.status_code == 400
    assert f"{day.isoformat()} 已是不可预约日期。" in again.content.decode()
    other, _ = make_vendor_user()
    assert _client(other).post(reverse("dashboard:consulting-unblock", args=[blocked.pk])).status_code == 404
    assert BlockedDay.objects.count() == 1
    assert client.post(reverse("dashboard:consulting-unblock", args=[blocked.pk])).status_code == 302
    assert BlockedDay.objects.count() == 0


def test_the_package_is_booked_not_put_in_the_basket():
    parent, variants, *_rest, members = consulting_world()
    client = _client(members["handler"].user)
    # the page offers no basket form
    html = client.get(variants["天"].get_absolute_url()).content.decode()
    assert 'id="add_to_basket_form"' not in html
    # and a posted add is refused with the way to book it
    response = client.post(
        reverse("basket:add", kwargs={"pk": variants["天"].pk}), {"quantity": 3}, follow=True
    )
    assert "“政企咨询服务包（按天）”需预约：请在商品页点击“预约咨询服务”" in response.content.decode()
    assert response.context["request"].basket.num_items == 0
