"""Oscar's account pages change nothing on GET (shop/apps/customer): wish lists, stock alerts,
default addresses and notifications change only by POST; wish-list links are hidden (buyers
use the quote list)."""

import pytest
from django.test import Client
from django.urls import reverse
from oscar.core.loading import get_model
from oscar.test.factories import create_product

from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

WishList = get_model("wishlists", "WishList")
ProductAlert = get_model("customer", "ProductAlert")
UserAddress = get_model("address", "UserAddress")
Country = get_model("address", "Country")
Notification = get_model("communication", "Notification")


@pytest.fixture
def buyer():
    return UserFactory(username="buyer-nogetwrites")


@pytest.fixture
def client_of(buyer):
    client = Client()
    client.force_login(buyer, backend="django.contrib.auth.backends.ModelBackend")
    return client


@pytest.fixture
def product():
    return create_product(title="智慧灯杆", price=100)


def test_adding_to_a_wish_list_is_post_only(client_of, buyer, product):
    wishlist = WishList.objects.create(owner=buyer, name="常用")
    urls = [
        reverse("customer:wishlists-add-product", kwargs={"product_pk": product.pk}),
        reverse("customer:wishlists-add-product", kwargs={"key": wishlist.key, "product_pk": product.pk}),
    ]
    # a GET (a link, a prefetch) is refused and creates neither a wish list nor a line
    other = UserFactory(username="no-wishlist-yet")
    stranger = Client()
    stranger.force_login(other, backend="django.contrib.auth.backends.ModelBackend")
    assert stranger.get(urls[0]).status_code == 405
    assert WishList.objects.filter(owner=other).count() == 0
    assert [client_of.get(url).status_code for url in urls] == [405, 405]
    assert wishlist.lines.count() == 0
    # the form's POST adds the product once
    assert client_of.post(urls[1]).status_code == 302
    assert list(wishlist.lines.values_list("product_id", "quantity")) == [(product.pk, 1)]


def test_moving_a_wish_list_line_is_post_only(client_of, buyer, product):
    first = WishList.objects.create(owner=buyer, name="一")
    second = WishList.objects.create(owner=buyer, name="二")
    line = first.lines.create(product=product, title=product.title)
    url = reverse(
        "customer:wishlists-move-product-to-another",
        kwargs={"key": first.key, "line_pk": line.pk, "to_key": second.key},
    )
    assert client_of.get(url).status_code == 405
    line.refresh_from_db()
    assert line.wishlist_id == first.pk
    response = client_of.post(url)
    line.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, first.get_absolute_url())
    assert line.wishlist_id == second.pk


def test_an_alert_is_confirmed_by_the_page_button_not_by_opening_the_link(product):
    alert = ProductAlert.objects.create(
        product=product, email="watcher@example.com", key="c" * 20, status=ProductAlert.UNCONFIRMED
    )
    url = reverse("customer:alerts-confirm", kwargs={"key": alert.key})
    page = Client().get(url)
    alert.refresh_from_db()
    assert page.status_code == 200 and "确认提醒" in page.content.decode()
    assert alert.status == ProductAlert.UNCONFIRMED
    response = Client().post(url)
    alert.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, product.get_absolute_url())
    assert alert.status == ProductAlert.ACTIVE


def test_cancelling_an_alert_is_a_post_and_next_stays_on_this_site(client_of, buyer, product):
    alert = ProductAlert.objects.create(product=product, user=buyer, status=ProductAlert.ACTIVE)
    url = reverse("customer:alerts-cancel-by-pk", kwargs={"pk": alert.pk})
    assert client_of.get(url + "?next=/accounts/alerts/").status_code == 200
    alert.refresh_from_db()
    assert alert.status == ProductAlert.ACTIVE
    # an outside address in next is ignored (Oscar followed it: an open redirect)
    response = client_of.post(url, {"next": "https://evil.example/phish"})
    alert.refresh_from_db()
    assert (response.status_code, response["Location"]) == (302, product.get_absolute_url())
    assert alert.status == ProductAlert.CANCELLED


def test_cancel_by_key_follows_a_next_on_this_site(product):
    alert = ProductAlert.objects.create(
        product=product, email="w@example.com", key="d" * 20, status=ProductAlert.ACTIVE
    )
    url = reverse("customer:alerts-cancel-by-key", kwargs={"key": alert.key})
    response = Client().post(url, {"next": "/accounts/alerts/"})
    alert.refresh_from_db()
    assert (response.status_code, response["Location"], alert.status) == (
        302,
        "/accounts/alerts/",
        ProductAlert.CANCELLED,
    )


def test_a_default_address_is_set_by_post_only(client_of, buyer):
    country, _ = Country.objects.get_or_create(
        iso_3166_1_a2="CN", defaults={"name": "中国", "printable_name": "中国", "is_shipping_country": True}
    )
    address = UserAddress.objects.create(
        user=buyer, first_name="张三", line1="岳麓区", line4="长沙", country=country
    )
    url = reverse(
        "customer:address-change-status", kwargs={"pk": address.pk, "action": "default_for_billing"}
    )
    assert client_of.get(url).status_code == 405
    address.refresh_from_db()
    assert address.is_default_for_billing is False
    assert client_of.post(url).status_code == 302
    address.refresh_from_db()
    assert address.is_default_for_billing is True


def test_opening_a_notification_does_not_mark_it_read_the_page_posts_that(client_of, buyer):
    notification = Notification.objects.create(recipient=buyer, subject="新报价", body="供应商已报价")
    url = reverse("customer:notifications-detail", kwargs={"pk": notification.pk})
    page = client_of.get(url)
    notification.refresh_from_db()
    assert page.status_code == 200 and "data-post-on-load" in page.content.decode()
    assert notification.date_read is None
    # boot.js posts the page's form in the background
    assert client_of.post(url, headers={"X-Requested-With": "fetch"}).status_code == 204
    notification.refresh_from_db()
    first_read = notification.date_read
    assert first_read is not None
    # the button (no scripts) posts too; a second read keeps the first time
    assert client_of.post(url).status_code == 302
    notification.refresh_from_db()
    assert notification.date_read == first_read
    # another user's notification is not found
    intruder = Client()
    intruder.force_login(
        UserFactory(username="intruder-n"), backend="django.contrib.auth.backends.ModelBackend"
    )
    assert intruder.post(url).status_code == 404


def test_wish_list_links_are_hidden(client_of, product):
    wishlists = reverse("customer:wishlists-list")
    add = reverse("customer:wishlists-add-product", kwargs={"product_pk": product.pk})
    account = client_of.get(reverse("customer:profile-view")).content.decode()
    detail = client_of.get(product.get_absolute_url()).content.decode()
    assert wishlists not in account
    assert add not in detail and "wishlist" not in detail.lower()
