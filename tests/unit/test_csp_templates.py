"""No inline script, no on* handler and no javascript: URL on the pages buyers, vendors and
operators open (the CSP forbids them, so they would simply not run): each key page is rendered
as the user who would open it, with rows in it (a basket with a line, a checkout under way, an
unread notification, two wish lists, quotes, OEM orders, payments)."""

import pytest
from django.db import transaction
from django.urls import reverse
from oscar.core.loading import get_model

from tests.security.crawl import inline_scripts
from tests.security.world import build_world

pytestmark = pytest.mark.django_db

Notification = get_model("communication", "Notification")
Email = get_model("communication", "Email")
ProductAlert = get_model("customer", "ProductAlert")
WishList = get_model("wishlists", "WishList")


def u(name, **kwargs):
    return reverse(name, kwargs=kwargs or None)


@pytest.fixture(scope="module")
def pages(django_db_setup, django_db_blocker):
    """Every page rendered once (rolled back afterwards): {(role, url): (status, problems)}."""
    with django_db_blocker.unblock(), transaction.atomic():
        w = build_world()
        a, b = w.a, w.b
        extra = _more_rows(w)
        clients = {role: w.client(role) for role in ("anonymous", "buyer_a", "vendor_a", "operator")}
        _buyer_a_under_way(clients["buyer_a"], a)
        seen = {}
        for role, urls in _urls(w, a, b, extra).items():
            for url in urls:
                response = clients[role].get(url)
                html = response.content.decode("utf-8", "replace")
                seen[(role, url)] = (response.status_code, inline_scripts(html))
        transaction.set_rollback(True)
    return seen


def _more_rows(w) -> dict:
    a = w.a
    notification = Notification.objects.create(
        recipient=a.buyer, subject="新报价", body="<p>供应商已报价</p>"
    )
    email = Email.objects.create(
        user=a.buyer, email=a.buyer.email, subject="订单已提交", body_text="正文", body_html="<p>正文</p>"
    )
    second = WishList.objects.create(owner=a.buyer, name="备选")
    anonymous_alert = ProductAlert.objects.create(
        product=a.product, email="alert@example.com", key="k" * 20, status=ProductAlert.UNCONFIRMED
    )
    return {"notification": notification, "email": email, "wishlist2": second, "alert": anonymous_alert}


def _buyer_a_under_way(client, a):
    """Buyer A: a line in the basket, a shipping address chosen and a quote list, so every page renders."""
    client.post(u("basket:add", pk=a.product.pk), {"quantity": 1})
    client.get(u("checkout:index"))
    client.post(u("checkout:shipping-address"), {"action": "ship_to", "address_id": a.address.pk})
    client.get(u("checkout:shipping-method"))  # one method: chosen and passed on
    client.post(u("quotes:list-add"), {"product": a.product.pk, "quantity": 2})  # for the submit page


def _urls(w, a, b, extra) -> dict[str, list[str]]:
    order = a.order
    return {
        "anonymous": [
            "/",
            u("catalogue:index"),
            a.product.get_absolute_url(),
            u("search:search") + "?q=MKA",
            u("customer:login"),
            u("customer:register"),
            u("password-reset"),
            u("password-reset-done"),
            u("password-reset-confirm", uidb64="MQ", token="expired-token"),
            u("password-reset-complete"),
            w.category.get_absolute_url(),
            u("catalogue:range", slug=w.range.slug),
            u("offer:list"),
            u("offer:detail", slug=w.offer.slug),
            u("catalogue:reviews-list", product_slug=a.product.slug, product_pk=a.product.pk),
            u(
                "catalogue:reviews-detail",
                product_slug=a.product.slug,
                product_pk=a.product.pk,
                pk=w.review.pk,
            ),
            u("basket:summary"),
            u("customer:alerts-confirm", key=extra["alert"].key),
            u("customer:alerts-cancel-by-key", key=extra["alert"].key),
            u("vendors:apply"),
            u("dashboard:login"),
            u("api:schema-browse"),
        ],
        "buyer_a": [
            u("customer:profile-view"),
            u("customer:profile-update"),
            u("customer:profile-delete"),
            u("customer:change-password"),
            u("customer:order-list"),
            u("customer:order", order_number=order.number),
            u("customer:address-list"),
            u("customer:address-create"),
            u("customer:address-detail", pk=a.address.pk),
            u("customer:address-delete", pk=a.address.pk),
            u("customer:email-list"),
            u("customer:email-detail", email_id=extra["email"].pk),
            u("customer:notifications-inbox"),
            u("customer:notifications-archive"),
            u("customer:notifications-detail", pk=extra["notification"].pk),
            u("customer:alerts-list"),
            u("customer:alerts-cancel-by-pk", pk=a.alert.pk),
            u("customer:wishlists-list"),
            u("customer:wishlists-create"),
            u("customer:wishlists-create-with-product", product_pk=a.product.pk),
            u("customer:wishlists-detail", key=a.wishlist.key),
            u("customer:wishlists-update", key=a.wishlist.key),
            u("customer:wishlists-delete", key=a.wishlist.key),
            u("customer:wishlists-remove-product", key=a.wishlist.key, line_pk=a.wishlist_line.pk),
            a.product.get_absolute_url(),
            u("catalogue:reviews-add", product_slug=b.product.slug, product_pk=b.product.pk),
            u("basket:summary"),
            u("checkout:shipping-address"),
            u("checkout:user-address-update", pk=a.address.pk),
            u("checkout:user-address-delete", pk=a.address.pk),
            u("checkout:payment-details"),
            u("checkout:preview"),
            u("quotes:list"),
            u("quotes:submit"),
            u("quotes:mine"),
            u("quotes:detail", number=a.quote_request.number),
            u("oem:list"),
            u("oem:create", product_pk=a.oem_product.pk),
            u("oem:detail", number=a.oem_order.number),
            u("vendors:status"),
            u("payments:order-list"),
            u("payments:order-detail", number=order.number),
            u("payments:stripe-authenticate", number=order.number, attempt=a.stripe_attempt.pk),
        ],
        "vendor_a": [
            u("dashboard:index"),
            u("dashboard:catalogue-product-list"),
            u("dashboard:catalogue-product", pk=a.product.pk),
            u("dashboard:catalogue-product-create", product_class_slug=w.product_class.slug),
            u("dashboard:order-list"),
            u("dashboard:order-detail", number=order.number),
            u("dashboard:order-stats"),
            u("dashboard:quotes-list"),
            u("dashboard:quotes-detail", pk=a.quote_request.pk),
            u("dashboard:quotes-answer", pk=a.quote_request.pk, vq=a.vendor_quote.pk),
            u("dashboard:oem-list"),
            u("dashboard:oem-detail", number=a.oem_order.number),
            u("dashboard:vendors-import-list"),
            u("dashboard:vendors-import-detail", pk=a.product_import.pk),
            u("dashboard:payments-list"),
            u("dashboard:payments-order", number=order.number),
        ],
        "operator": [
            u("dashboard:index"),
            u("dashboard:catalogue-product-list"),
            u("dashboard:catalogue-product", pk=a.product.pk),
            u("dashboard:catalogue-product-create-child", parent_pk=a.parent.pk),
            u("dashboard:catalogue-category-list"),
            u("dashboard:catalogue-category-create"),
            u("dashboard:catalogue-category-update", pk=w.category.pk),
            u("dashboard:catalogue-class-list"),
            u("dashboard:catalogue-class-create"),
            u("dashboard:catalogue-class-update", pk=w.product_class.pk),
            u("dashboard:catalogue-class-delete", pk=w.product_class.pk),
            u("dashboard:catalogue-attribute-option-group-list"),
            u("dashboard:catalogue-attribute-option-group-create"),
            u("dashboard:catalogue-attribute-option-group-delete", pk=w.option_group.pk),
            u("dashboard:catalogue-option-list"),
            u("dashboard:catalogue-option-create"),
            u("dashboard:stock-alert-list"),
            u("dashboard:order-list"),
            u("dashboard:order-detail", number=w.multi_vendor_order.number),
            u("dashboard:users-index"),
            u("dashboard:user-detail", pk=a.buyer.pk),
            u("dashboard:reports-index"),
            u("dashboard:offer-list"),
            u("dashboard:offer-metadata"),
            u("dashboard:offer-detail", pk=w.offer.pk),
            u("dashboard:offer-benefit", pk=w.offer.pk),
            u("dashboard:range-list"),
            u("dashboard:range-products", pk=w.range.pk),
            u("dashboard:voucher-list"),
            u("dashboard:voucher-set-list"),
            u("dashboard:page-list"),
            u("dashboard:reviews-list"),
            u("dashboard:comms-list"),
            u("dashboard:comms-update", slug=w.comms.code),
            u("dashboard:shipping-method-list"),
            u("dashboard:shipping-method-detail", pk=w.weight_based.pk),
            u("dashboard:partner-list"),
            u("dashboard:partner-manage", pk=a.partner.pk),
            u("dashboard:quotes-list"),
            u("dashboard:oem-list"),
            u("dashboard:vendors-application-list"),
            u("dashboard:vendors-application-detail", pk=a.application.pk),
            u("dashboard:vendors-product-review-list"),
            u("dashboard:payments-list"),
            u("dashboard:payments-stripe-events"),
            u("checkout:thank-you") + f"?order_number={order.number}",
        ],
    }


def test_every_key_page_renders_for_its_user(pages):
    # proves the pages below were really rendered, not redirected away before any template ran
    not_rendered = sorted(
        f"{role} {url} -> {status}" for (role, url), (status, _) in pages.items() if status != 200
    )
    assert not_rendered == [], "\n".join(not_rendered)
    assert len(pages) > 100


def test_no_key_page_has_inline_script_or_event_handler(pages):
    found = sorted(
        f"{role} {url}: {problems[:3]}" for (role, url), (_, problems) in pages.items() if problems
    )
    assert found == [], "\n".join(found)


def test_the_checker_finds_what_the_csp_blocks():
    html = (
        '<script src="/static/a.js"></script><script type="application/json">{}</script>'
        '<a href="#" data-history-back>ok</a>'
        "<script>alert(1)</script><body onload=\"x()\"><a href='javascript:void(0)'>x</a>"
    )
    assert inline_scripts(html) == [
        "inline <script> at line 1",
        "<body onload=...> at line 1",
        "<a href=javascript:...> at line 1",
    ]
