"""One visibility rule for buyers (shop.storefront.selectors.visible_products): a variant follows
its parent's moderation state on every path (product page, basket, quote list, API, OEM, the
pricing strategy); a product the caller cannot see is answered like one that does not exist;
only approved reviews are public; bad ids are 404s, not 500s."""

from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.core.loading import get_model
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from shop.apps.partner.strategy import Selector
from shop.quotes.models import QuoteList, QuoteListLine, QuoteRequest
from shop.storefront import selectors
from tests.factories.accounts import UserFactory
from tests.factories.catalogue import CategoryFactory, ProductFactory, make_parent_with_children
from tests.factories.quotes import request_data
from tests.factories.vendors import make_order

pytestmark = pytest.mark.django_db

Basket = get_model("basket", "Basket")
BasketLine = get_model("basket", "Line")
ProductReview = get_model("reviews", "ProductReview")

MISSING = "商品不存在或已下架。"


def _moderated_parent(status: str):
    """A parent in ``status`` (as the review service leaves it: off the storefront) whose
    variants still carry their own public, approved flags."""
    parent, children = make_parent_with_children(prices=["100.00", "120.00"], title="待审核一体机")
    parent.review_status, parent.is_public = status, False
    parent.save(update_fields=["review_status", "is_public"])
    return parent, children


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- item 1: variants follow their parent ---------------------------------------------------


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_the_selector_hides_variants_of_an_unapproved_parent(status):
    # given a parent waiting for review (or rejected) and an approved one
    hidden_parent, hidden_children = _moderated_parent(status)
    shown_parent, shown_children = make_parent_with_children(prices=["10.00"])
    # when the visibility selector is asked
    visible = set(selectors.visible_products().values_list("pk", flat=True))
    # then neither the parent nor its variants are visible, the approved family is
    assert visible == {shown_parent.pk, shown_children[0].pk}
    assert [selectors.product_is_visible(c) for c in hidden_children] == [False, False]
    assert selectors.product_is_visible(shown_children[0]) is True
    assert selectors.visible_product(pk=hidden_children[0].pk) is None
    assert selectors.visible_product(pk="abc") is None
    assert selectors.visible_product(pk=2**70) is None


def test_the_pricing_strategy_does_not_sell_a_variant_of_an_unapproved_parent():
    # given a variant of a parent waiting for review
    _parent, children = _moderated_parent("pending")
    # when the strategy prices it
    info = Selector().strategy().fetch_for_product(children[0])
    # then it is not listed and cannot be bought
    assert (info.availability.code, info.availability.is_available_to_buy) == ("not_listed", False)


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_variants_of_an_unapproved_parent_are_not_in_the_api(status):
    # given a hidden family and a visible standalone product
    parent, children = _moderated_parent(status)
    shown = ProductFactory(title="已上架")
    client = APIClient()
    # when the catalogue API is read
    listed = client.get(reverse("api:product-list")).json()["results"]
    # then only the visible product is there; a hidden variant reads like a missing id
    assert [p["id"] for p in listed] == [shown.pk]
    assert client.get(reverse("api:product-detail", args=[children[0].pk])).status_code == 404
    assert client.get(reverse("api:product-detail", args=[999999])).status_code == 404
    assert client.get("/api/products/99999999999999999999999/").status_code == 404


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_variants_of_an_unapproved_parent_cannot_be_added_to_the_basket(client, status):
    # given a variant of a hidden parent
    parent, children = _moderated_parent(status)
    # when it is posted to the basket directly, or through its parent
    direct = client.post(reverse("basket:add", args=[children[0].pk]), {"quantity": 1})
    via_parent = client.post(
        reverse("basket:add", args=[parent.pk]), {"quantity": 1, "child_id": children[0].pk}
    )
    missing = client.post(reverse("basket:add", args=[999999]), {"quantity": 1})
    # then both are the 404 of a product that does not exist, and nothing is in any basket
    assert (direct.status_code, via_parent.status_code, missing.status_code) == (404, 404, 404)
    assert BasketLine.objects.count() == 0


def test_a_visible_variant_is_still_added_to_the_basket_and_a_foreign_child_id_is_refused(client):
    # given a visible family and a variant of a hidden one
    parent, children = make_parent_with_children(prices=["100.00"])
    _hidden_parent, hidden_children = _moderated_parent("pending")
    # when a hidden parent's variant is posted as this parent's child, then this parent's own
    refused = client.post(
        reverse("basket:add", args=[parent.pk]), {"quantity": 1, "child_id": hidden_children[0].pk}
    )
    added = client.post(reverse("basket:add", args=[parent.pk]), {"quantity": 2, "child_id": children[0].pk})
    # then only the visible variant is in the basket
    assert (refused.status_code, added.status_code) == (302, 302)
    assert list(BasketLine.objects.values_list("product_id", "quantity")) == [(children[0].pk, 2)]


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_variants_of_an_unapproved_parent_cannot_be_put_in_the_quote_list(client, status):
    # given a variant of a hidden parent
    _parent, children = _moderated_parent(status)
    # when an anonymous visitor adds it to the quote list
    response = client.post(
        reverse("quotes:list-add"),
        {"product": children[0].pk, "quantity": 1, "next": "/quotes/list/"},
        follow=True,
    )
    # then it is refused like a missing product and nothing is saved
    assert _messages(response) == [MISSING]
    assert QuoteListLine.objects.count() == 0


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_variants_of_an_unapproved_parent_cannot_be_requested_through_the_api(status):
    # given a variant of a hidden parent and a buyer with a token
    _parent, children = _moderated_parent(status)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory()).key}")
    data = request_data()
    data["needed_by"] = data["needed_by"].isoformat()
    data.pop("budget")
    data["lines"] = [{"product": children[0].pk, "quantity": 1, "remark": ""}]
    # when a quote request names it
    response = client.post(reverse("api:quote-request-list"), data, format="json")
    # then it is answered exactly like an id that does not exist, and nothing is saved
    message = f"商品不存在：{children[0].pk}。"
    assert (response.status_code, response.json()) == (
        400,
        {"code": "invalid", "detail": message, "fields": {"lines": [message]}},
    )
    assert QuoteRequest.objects.count() == 0


def test_the_oem_form_of_an_unapproved_parent_or_of_its_variant_is_a_404(client):
    # given a hidden OEM-capable parent and a signed-in buyer
    parent, children = _moderated_parent("pending")
    client.force_login(UserFactory())
    # when its OEM form is opened through the parent or through a variant
    statuses = [
        client.get(reverse("oem:create", args=[pk])).status_code for pk in (parent.pk, children[0].pk)
    ]
    # then both are 404 (the variant is not redirected to its parent's form)
    assert statuses == [404, 404]


# --- item 2: refusals echo nothing the caller cannot see ------------------------------------


def test_an_unpublished_products_title_never_leaks_through_the_quote_list(client):
    # given an unpublished product with a recognisable title
    secret = ProductFactory(title="未公开的机密商品", is_public=False, review_status="pending")
    # when an anonymous visitor posts its pk, and then a pk that does not exist
    hidden = client.post(reverse("quotes:list-add"), {"product": secret.pk, "quantity": 1}, follow=True)
    missing = client.post(reverse("quotes:list-add"), {"product": 999999, "quantity": 1}, follow=True)
    # then both answers are the same, without the title
    assert _messages(hidden) == _messages(missing) == [MISSING]
    assert "未公开的机密商品" not in hidden.content.decode()
    assert QuoteListLine.objects.count() == 0


# --- item 3: reviews --------------------------------------------------------------------------


def _review(product, status, title):
    return ProductReview.objects.create(
        product=product, title=title, score=5, body="正文", name="张三", email="z@example.com", status=status
    )


def _review_url(product, review, name="catalogue:reviews-detail"):
    return reverse(name, kwargs={"product_slug": product.slug, "product_pk": product.pk, "pk": review.pk})


def test_only_approved_reviews_are_readable_and_listed(client):
    # given a product with an approved, a pending and a rejected review, and another product
    product = ProductFactory()
    other = ProductFactory()
    approved = _review(product, ProductReview.APPROVED, "好评可见")
    pending = _review(product, ProductReview.FOR_MODERATION, "待审核评价")
    rejected = _review(product, ProductReview.REJECTED, "被驳回评价")
    # when each is opened, and the approved one under another product's URL
    statuses = [client.get(_review_url(product, r)).status_code for r in (approved, pending, rejected)]
    foreign = client.get(
        reverse(
            "catalogue:reviews-detail",
            kwargs={"product_slug": other.slug, "product_pk": other.pk, "pk": approved.pk},
        )
    )
    listing = client.get(
        reverse("catalogue:reviews-list", kwargs={"product_slug": product.slug, "product_pk": product.pk})
    )
    # then only the approved one is shown, and the list holds only it
    assert statuses == [200, 404, 404]
    assert foreign.status_code == 404
    assert [r.pk for r in listing.context["reviews"]] == [approved.pk]
    assert "待审核评价" not in listing.content.decode() and "被驳回评价" not in listing.content.decode()


def test_reviews_of_a_hidden_product_and_votes_on_hidden_reviews_are_404(client):
    # given an approved review of a hidden variant and a pending review of a visible product
    _parent, children = _moderated_parent("pending")
    hidden_review = _review(children[0], ProductReview.APPROVED, "隐藏商品的评价")
    product = ProductFactory()
    pending = _review(product, ProductReview.FOR_MODERATION, "待审核评价")
    client.force_login(UserFactory())
    # when they are read or voted on
    read = client.get(_review_url(children[0], hidden_review)).status_code
    listing = client.get(
        reverse(
            "catalogue:reviews-list", kwargs={"product_slug": children[0].slug, "product_pk": children[0].pk}
        )
    ).status_code
    vote = client.post(_review_url(product, pending, "catalogue:reviews-vote"), {"delta": 1}).status_code
    # then all are 404 and no vote is counted
    assert (read, listing, vote) == (404, 404, 404)
    pending.refresh_from_db()
    assert pending.total_votes == 0


# --- items 6 and 7: ids of others are 404-like, never 500 -----------------------------------


def test_removing_another_buyers_quote_list_line_changes_nothing(client):
    # given another visitor's quote list line and this visitor's own list
    product = ProductFactory(title="摄像机")
    other_line = QuoteListLine.objects.create(
        quote_list=QuoteList.objects.create(), product=product, quantity=3
    )
    client.post(reverse("quotes:list-add"), {"product": product.pk, "quantity": 1}, follow=True)
    # when this visitor posts the other line's id (and an absurd one) to remove
    foreign = client.post(reverse("quotes:list"), {"remove": other_line.pk}, follow=True)
    absurd = client.post(reverse("quotes:list"), {"remove": "9" * 30}, follow=True)
    # then it is refused like a line that does not exist, and both lists are unchanged
    assert _messages(foreign) == _messages(absurd) == ["询价单中没有这一行。"]
    assert QuoteListLine.objects.filter(pk=other_line.pk, quantity=3).exists()
    assert QuoteListLine.objects.count() == 2


def test_an_order_line_of_another_order_is_a_404(client):
    # given two buyers' orders
    buyer = UserFactory()
    product = ProductFactory()
    partner = product.stockrecords.get().partner
    own = make_order(lines=[(product, partner, 1, "10.00")], user=buyer)
    other = make_order(lines=[(product, partner, 1, "10.00")], user=UserFactory())
    other_line = other.lines.get()
    client.force_login(buyer)

    # when the buyer opens (or re-orders) the other order's line under its own order number
    def line_url(line_id):
        return reverse("customer:order-line", kwargs={"order_number": own.number, "line_id": line_id})

    # then it is a 404, like a line id that does not exist; its own line re-orders
    assert client.get(line_url(other_line.pk)).status_code == 404
    assert client.post(line_url(other_line.pk), {"action": "reorder"}).status_code == 404
    assert client.get(line_url(10**25)).status_code == 404
    assert client.post(line_url(own.lines.get().pk), {"action": "reorder"}).status_code == 302
    # and opening its own line leads to its order's page (a line has no page of its own)
    own_line = client.get(line_url(own.lines.get().pk))
    assert (own_line.status_code, own_line["Location"]) == (
        302,
        reverse("customer:order", kwargs={"order_number": own.number}),
    )


def test_a_product_page_of_a_hidden_variant_is_a_404(client):
    # given a variant of a parent waiting for review
    _parent, children = _moderated_parent("pending")
    # when its product page is opened
    response = client.get(children[0].get_absolute_url())
    # then it does not exist for a buyer
    assert response.status_code == 404


def test_a_stock_alert_on_a_hidden_product_is_a_404_and_reveals_nothing(client):
    # given an unpublished product whose address carries its title
    secret = ProductFactory(title="未公开的机密商品", is_public=False, review_status="pending")
    ProductAlert = get_model("customer", "ProductAlert")
    client.force_login(UserFactory())
    url = reverse("customer:alert-create", args=[secret.pk])
    # when its alert page is opened and an alert posted
    opened = client.get(url)
    posted = client.post(url, {"email": ""})
    # then both are 404 (no redirect to its address) and no alert is saved
    assert (opened.status_code, posted.status_code) == (404, 404)
    assert ProductAlert.objects.count() == 0


def test_the_oem_api_answers_a_hidden_product_like_a_missing_one():
    # given a hidden OEM-capable parent with its variant, and a signed-in buyer
    parent, children = _moderated_parent("pending")
    client = APIClient()
    client.force_authenticate(UserFactory())
    url = reverse("api:oem-order-list")

    def product_error(pk):
        response = client.post(url, {"product": pk, "variant": children[0].pk}, format="multipart")
        return (
            response.status_code,
            response.json()["fields"].get("product"),
            response.json()["fields"].get("variant"),
        )

    # when an OEM order names the hidden parent, or an id that does not exist
    hidden = product_error(parent.pk)
    missing = product_error(999999)
    # then both are the same 400, without a word about the hidden product, and the hidden
    # variant is refused like a missing one too
    assert hidden[0] == missing[0] == 400
    assert hidden[1] == [f"无效主键 “{parent.pk}” － 对象不存在。"]
    assert missing[1] == ["无效主键 “999999” － 对象不存在。"]
    assert hidden[2] == [f"无效主键 “{children[0].pk}” － 对象不存在。"]


def test_the_oem_form_offers_only_visible_variants(client):
    # given a visible parent with a visible variant and one that is itself not approved
    parent, children = make_parent_with_children(prices=["100.00", "120.00"])
    children[1].review_status = "pending"
    children[1].save(update_fields=["review_status"])
    client.force_login(UserFactory())
    # when its OEM form is opened
    response = client.get(reverse("oem:create", args=[parent.pk]))
    # then only the visible variant is offered
    assert response.status_code == 200
    assert list(response.context["form"].fields["variant"].queryset) == [children[0]]


def test_a_variant_not_itself_approved_is_not_shown_nor_priced_under_a_visible_parent():
    # given a visible parent whose cheapest variant is itself not approved
    category = CategoryFactory(name="会议平板")
    parent, children = make_parent_with_children(prices=["100.00", "120.00"], categories=[category])
    children[0].review_status = "pending"
    children[0].save(update_fields=["review_status"])
    # when the product page, the listing and the home page read it
    detail = selectors.product_detail(parent)
    [card] = selectors.product_listing_page().products
    [home] = selectors.home_categories()
    # then only the approved variant is shown, and prices come from it alone
    assert [v.product.pk for v in detail.variants] == [children[1].pk]
    assert card.purchase.price.incl_tax == Decimal("120.00")
    assert (home.price_low, home.price_high) == (Decimal("120.00"), Decimal("120.00"))
