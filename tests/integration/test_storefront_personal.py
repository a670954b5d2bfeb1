"""The personal header on shared storefront pages (real Redis and database).

Logged-in buyers get the one shared copy of a page with their own regions: basket and
询价单 counts, unread notifications and vendor links are cached per user and must change on
the very next page after the buyer's own change, never leak to another visitor, and never
put a buyer's data into the copy everyone shares."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from tests.factories.accounts import OperatorFactory, PartnerFactory, UserFactory
from tests.factories.catalogue import ProductFactory

Notification = get_model("communication", "Notification")
Basket = get_model("basket", "Basket")

pytestmark = pytest.mark.django_db

BASKET_BADGE = re.compile(r'class="xh-basket"[^>]*>[^<]*<span class="xh-badge xh-badge-count">(\d+)</span>')
QUOTE_BADGE = re.compile(r'id="quote-list-count">(\d+)</span>')
UNREAD_DOT = re.compile(r'<span class="xh-dot"[^>]*>(\d+)</span>')


@pytest.fixture
def product():
    return ProductFactory(title="智慧灯杆")


def buyer_client(user=None) -> Client:
    client = Client()
    client.force_login(user or UserFactory())
    return client


def header(client, url) -> dict:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    found = {
        name: rx.search(html)
        for name, rx in (("basket", BASKET_BADGE), ("quotes", QUOTE_BADGE), ("unread", UNREAD_DOT))
    }
    counts = {name: int(m.group(1)) if m else 0 for name, m in found.items()}
    counts["cache"] = response.get("X-Storefront-Cache")
    return counts


def add_to_basket(client, product, quantity=1):
    response = client.post(reverse("basket:add", kwargs={"pk": product.pk}), {"quantity": quantity})
    assert response.status_code == 302


def add_to_quote_list(client, product, quantity=1):
    response = client.post(
        reverse("quotes:list-add"), {"product": product.pk, "quantity": quantity, "next": "/"}
    )
    assert response.status_code == 302


def test_a_buyers_basket_count_changes_on_the_next_shared_page(product):
    # given a buyer on a product page served from the shared copy
    buyer = buyer_client()
    url = product.get_absolute_url()
    header(buyer, url)
    assert header(buyer, url) == {"basket": 0, "quotes": 0, "unread": 0, "cache": "hit"}

    # when the buyer adds to the basket, then removes the line
    add_to_basket(buyer, product, 2)
    after_add = header(buyer, url)
    Basket.open.get(owner__isnull=False).lines.get().delete()
    after_remove = header(buyer, url)

    # then the very next page shows each change, still from the shared copy
    assert after_add == {"basket": 1, "quotes": 0, "unread": 0, "cache": "hit"}
    assert after_remove == {"basket": 0, "quotes": 0, "unread": 0, "cache": "hit"}


def test_a_buyers_quote_list_count_changes_on_the_next_page_and_empties_on_submit(product):
    buyer = buyer_client()
    other = ProductFactory(title="会议一体机")
    header(buyer, "/")

    add_to_quote_list(buyer, product)
    one = header(buyer, "/")
    add_to_quote_list(buyer, other, 3)
    two = header(buyer, "/")
    from shop.quotes.models import QuoteList

    QuoteList.objects.get().lines.all().delete()  # what submitting does
    none = header(buyer, "/")

    assert (one["quotes"], two["quotes"], none["quotes"]) == (1, 2, 0)


def test_unread_notifications_show_until_read(product):
    user = UserFactory()
    buyer = buyer_client(user)
    url = product.get_absolute_url()
    assert header(buyer, url)["unread"] == 0

    note = Notification.objects.create(recipient=user, subject="报价已更新", body="")
    assert header(buyer, url)["unread"] == 1
    note.date_read = timezone.now()  # as the notification page does when it is read
    note.save()

    assert header(buyer, url)["unread"] == 0


def test_nobody_sees_another_buyers_header_even_when_that_buyer_rendered_the_shared_copy(product):
    # given buyer A, with a basket line, a quote line and a notification, renders the page first
    user_a = UserFactory(username="wang")
    a = buyer_client(user_a)
    add_to_basket(a, product)
    add_to_quote_list(a, product)
    Notification.objects.create(recipient=user_a, subject="通知", body="")
    url = product.get_absolute_url()
    page_a = a.get(url)
    assert page_a["X-Storefront-Cache"] == "miss"

    # when buyer B and a cookieless visitor get the same page
    page_b = buyer_client(UserFactory(username="li")).get(url)
    page_anon = Client().get(url)

    # then A sees A's header; B and the visitor get the shared copy without any of it
    assert header(a, url) == {"basket": 1, "quotes": 1, "unread": 1, "cache": "hit"}
    for page in (page_b, page_anon):
        html = page.content.decode()
        assert page["X-Storefront-Cache"] == "hit"
        assert not BASKET_BADGE.search(html) and not QUOTE_BADGE.search(html) and not UNREAD_DOT.search(html)
        assert "wang" not in html
    assert 'id="logout_link"' in page_b.content.decode()
    assert (
        'id="login_link"' in page_anon.content.decode()
        and 'id="logout_link"' not in page_anon.content.decode()
    )
    assert page_b["Cache-Control"] == "private"


def test_the_vendor_link_appears_on_the_next_page_after_joining_a_partner(product):
    user = UserFactory()
    buyer = buyer_client(user)
    assert 'id="vendor-dashboard-link"' not in buyer.get("/").content.decode()

    user.user_permissions.add(
        Permission.objects.get(codename="dashboard_access", content_type__app_label="partner")
    )
    PartnerFactory().users.add(user)

    assert 'id="vendor-dashboard-link"' in buyer.get("/").content.decode()


def test_logging_in_again_keeps_the_cached_header(product):
    user = UserFactory()
    buyer_client(user).get("/")  # the header is cached

    again = buyer_client(user)  # a new login saves last_login
    with CaptureQueriesContext(connection) as ctx:
        page = again.get("/")

    assert page["X-Storefront-Cache"] == "hit"
    assert len(ctx.captured_queries) == 1  # the user; the header comes from the cache


def test_staff_get_the_page_rendered_in_full_with_hidden_products(product):
    operator = buyer_client(OperatorFactory())
    product.is_public = False
    product.save()

    page = operator.get(product.get_absolute_url())

    assert page.status_code == 200
    assert "X-Storefront-Cache" not in page
    assert "管理后台" in page.content.decode()
    assert buyer_client().get(product.get_absolute_url()).status_code == 404


def test_an_anonymous_basket_is_merged_on_the_first_page_after_login(product):
    # given an anonymous visitor with a basket (a cookie) who then logs in
    visitor = Client()
    add_to_basket(visitor, product, 1)
    assert settings.OSCAR_BASKET_COOKIE_OPEN in visitor.cookies
    anonymous_page = header(visitor, "/")
    user = UserFactory()
    visitor.force_login(user)

    # when the buyer opens a storefront page, and then another
    first = visitor.get("/")
    second = header(visitor, "/")

    # then the first is rendered in full (Oscar merges the baskets and drops the cookie),
    # the next comes from the shared copy with the merged count
    assert anonymous_page["basket"] == 1
    assert "X-Storefront-Cache" not in first
    assert BASKET_BADGE.search(first.content.decode()).group(1) == "1"
    assert visitor.cookies[settings.OSCAR_BASKET_COOKIE_OPEN].value == ""
    assert second == {"basket": 1, "quotes": 0, "unread": 0, "cache": "hit"}
    assert Basket.open.get(owner=user).num_lines == 1


def test_messages_are_shown_once_on_a_shared_page(product):
    buyer = buyer_client()
    buyer.get("/")

    add_to_quote_list(buyer, product)
    with_message = buyer.get("/")
    without = buyer.get("/")

    assert with_message["X-Storefront-Cache"] == "hit"
    assert "“智慧灯杆”已加入询价单（共 1 项）。" in with_message.content.decode()
    assert "alert-" not in without.content.decode()
