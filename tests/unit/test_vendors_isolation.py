"""Vendor A against vendor B's objects in every dashboard URL this app touches: 404 (or 403) and
nothing changes; listings and counts hold only A's rows. Operators see everything."""

from decimal import Decimal

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from shop.core.access import is_operator
from shop.vendors import services
from tests.factories.accounts import OperatorFactory, PartnerFactory, make_vendor_user
from tests.factories.vendors import (
    make_child_product,
    make_order,
    make_parent_product,
    make_vendor_product,
)

pytestmark = pytest.mark.django_db

Product = get_model("catalogue", "Product")
StockRecord = get_model("partner", "StockRecord")
Line = get_model("order", "Line")
Order = get_model("order", "Order")


@pytest.fixture
def world():
    """Two vendors, each with a product, B with a parent + variant, a shared product and orders."""
    vendor_a, partner_a = make_vendor_user()
    vendor_b, partner_b = make_vendor_user()
    a_product = make_vendor_product(partner=partner_a, title="A-摄像机", price=Decimal("100.00"))
    b_product = make_vendor_product(partner=partner_b, title="B-路灯", price=Decimal("900.00"))
    b_parent = make_parent_product(partner=partner_b, title="B-多规格")
    b_child = make_child_product(parent=b_parent, partner=partner_b, price=Decimal("70.00"))
    # the mall's own product that both vendors stock (set up by an operator)
    shared = make_vendor_product(
        partner=partner_a, title="共享商品", owned=False, price=Decimal("10.00"), sku="SH-A"
    )
    shared_b_record = StockRecord.objects.create(
        product=shared, partner=partner_b, partner_sku="SH-B", price=Decimal("11.00"), num_in_stock=3
    )
    mixed = make_order(lines=[(a_product, partner_a, 2, "100.00"), (b_product, partner_b, 1, "900.00")])
    b_only = make_order(lines=[(b_product, partner_b, 3, "900.00")])
    return {
        "a": vendor_a,
        "b": vendor_b,
        "partner_a": partner_a,
        "partner_b": partner_b,
        "a_product": a_product,
        "b_product": b_product,
        "b_parent": b_parent,
        "b_child": b_child,
        "shared": shared,
        "shared_b_record": shared_b_record,
        "mixed": mixed,
        "b_only": b_only,
        "a_line": mixed.lines.get(partner=partner_a),
        "b_line": mixed.lines.get(partner=partner_b),
    }


def snapshot(world) -> dict:
    """Everything of B's a request by A could change."""
    b_product = Product.objects.get(pk=world["b_product"].pk)
    parent = Product.objects.get(pk=world["b_parent"].pk)
    return {
        "b_product": (b_product.title, b_product.is_public, b_product.review_status, b_product.structure),
        "b_parent": (parent.title, parent.is_public, parent.review_status, parent.children.count()),
        "b_child": Product.objects.filter(pk=world["b_child"].pk).values_list("title", "is_public").first(),
        "b_records": sorted(
            StockRecord.objects.filter(partner=world["partner_b"]).values_list(
                "pk", "price", "num_in_stock", "partner_sku"
            )
        ),
        "b_lines": sorted(
            Line.objects.filter(partner=world["partner_b"]).values_list("pk", "status", "quantity")
        ),
        "orders": sorted(Order.objects.values_list("pk", "status")),
        "products": Product.objects.count(),
        "notes": world["mixed"].notes.count(),
        "shipping_events": world["mixed"].shipping_events.count(),
    }


def test_vendor_users_are_never_staff(world):
    assert not world["a"].is_staff and not world["b"].is_staff
    assert not is_operator(world["a"])


def test_product_list_and_counts_hold_only_own_products(client, world):
    client.force_login(world["a"])
    response = client.get(reverse("dashboard:catalogue-product-list"))
    assert response.status_code == 200
    titles = {p.title for p in response.context["products"].data}
    assert titles == {"A-摄像机", "共享商品"}
    # the shared product's stock-record count is A's own (B also has one)
    shared_row = next(p for p in response.context["products"].data if p.title == "共享商品")
    assert shared_row.own_stockrecords == 1
    # searching for B's product finds nothing
    search = client.get(reverse("dashboard:catalogue-product-list"), {"title": "B-"})
    assert list(search.context["products"].data) == []
    # the dashboard home counts only A's rows
    home = client.get(reverse("dashboard:index"))
    assert home.status_code == 200
    body = home.content.decode()
    assert 'id="summary-products">2<' in body
    assert 'id="summary-lines">1<' in body
    assert 'id="summary-orders">1<' in body


@pytest.mark.parametrize("target", ["b_product", "b_parent", "b_child"])
def test_vendor_cannot_open_edit_or_delete_another_vendors_product(client, world, target):
    before = snapshot(world)
    pk = world[target].pk
    client.force_login(world["a"])
    edit = reverse("dashboard:catalogue-product", args=[pk])
    delete = reverse("dashboard:catalogue-product-delete", args=[pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"title": "hijacked", "action": "save"}).status_code == 404
    assert client.get(delete).status_code == 404
    assert client.post(delete).status_code == 404
    assert snapshot(world) == before


def test_vendor_cannot_add_a_variant_to_another_vendors_parent_nor_then_edit_it(client, world):
    before = snapshot(world)
    client.force_login(world["a"])
    url = reverse("dashboard:catalogue-product-create-child", args=[world["b_parent"].pk])
    assert client.get(url).status_code == 404
    response = client.post(
        url,
        {
            "title": "A 的规格",
            "structure": "child",
            "stockrecords-TOTAL_FORMS": "1",
            "stockrecords-INITIAL_FORMS": "0",
            "stockrecords-0-partner": world["partner_a"].pk,
            "stockrecords-0-partner_sku": "A-CHILD",
            "stockrecords-0-price": "1.00",
            "stockrecords-0-num_in_stock": "1",
            "action": "save",
        },
    )
    assert response.status_code == 404
    assert snapshot(world) == before
    # and even if an A variant sat under B's parent, the parent stays closed to A
    make_child_product(parent=world["b_parent"], partner=world["partner_a"])
    assert client.get(reverse("dashboard:catalogue-product", args=[world["b_parent"].pk])).status_code == 404


def test_vendor_edits_only_its_own_stock_record_of_a_shared_product(client, world):
    client.force_login(world["a"])
    url = reverse("dashboard:catalogue-product", args=[world["shared"].pk])
    page = client.get(url)
    assert page.status_code == 200
    formset = page.context["stockrecord_formset"]
    assert [f.instance.partner_sku for f in formset.forms if f.instance.pk] == ["SH-A"]
    assert "SH-B" not in page.content.decode()
    assert list(formset.forms[0].fields["partner"].queryset) == [world["partner_a"]]
    # posting B's stock record id with a new price changes nothing of B's
    b_record = world["shared_b_record"]
    before = snapshot(world)
    response = client.post(
        url,
        {
            "title": "共享商品",
            "structure": "standalone",
            "unit": "台",
            "tax_rate": "0.13",
            "oem_min_quantity": "1",
            "lead_time_days": "15",
            "stockrecords-TOTAL_FORMS": "1",
            "stockrecords-INITIAL_FORMS": "1",
            "stockrecords-0-id": b_record.pk,
            "stockrecords-0-partner": world["partner_b"].pk,
            "stockrecords-0-partner_sku": "SH-B",
            "stockrecords-0-price_currency": "CNY",
            "stockrecords-0-price": "0.01",
            "stockrecords-0-num_in_stock": "999",
            "categories-TOTAL_FORMS": "0",
            "categories-INITIAL_FORMS": "0",
            "action": "save",
        },
    )
    assert response.status_code == 200  # the form is shown again with errors
    assert snapshot(world) == before


def test_product_lookup_returns_only_own_products(client, world):
    client.force_login(world["a"])
    url = reverse("dashboard:catalogue-product-lookup")
    found = client.get(url, {"q": ""}).json()["results"]
    assert {r["text"] for r in found} == {"A-摄像机", "共享商品"}
    assert client.get(url, {"q": "B-"}).json()["results"] == []
    assert (
        client.get(url, {"initial": f"{world['b_product'].pk},{world['b_parent'].pk}"}).json()["results"]
        == []
    )
    # bad paging input is not a 500
    assert client.get(url, {"page": "x", "page_limit": "-5"}).status_code == 200


def test_bulk_actions_never_touch_another_vendors_products(client, world):
    before = snapshot(world)
    client.force_login(world["a"])
    listing = reverse("dashboard:catalogue-product-list")
    for action in ("make_products_non_public", "make_products_public", "set_product_price"):
        response = client.post(listing, {"action": action, "selected_product": [world["b_product"].pk]})
        assert response.status_code == 302
    # select-across selects A's products only; confirming the price change leaves B's record alone
    response = client.post(listing, {"action": "set_product_price", "select_across": "1"})
    assert response.status_code == 302
    confirm = client.get(response["Location"])
    assert confirm.status_code == 200
    selectable = {p.pk for p in confirm.context["form"].fields["selected_products"].queryset}
    assert selectable == {world["a_product"].pk, world["shared"].pk}
    assert snapshot(world) == before


def test_order_list_shows_own_orders_with_own_amounts_only(client, world):
    client.force_login(world["a"])
    response = client.get(reverse("dashboard:order-list"))
    assert response.status_code == 200
    orders = list(response.context["orders"])
    assert [o.number for o in orders] == [world["mixed"].number]
    assert (orders[0].vendor_total, orders[0].vendor_items) == (Decimal("200.00"), 2)
    body = response.content.decode()
    assert "1,100" not in body  # the whole order's total
    # searching by B's line finds nothing
    assert (
        list(
            client.get(reverse("dashboard:order-list"), {"upc": "", "partner_sku": "SKU-x"}).context["orders"]
        )
        == []
    )
    b_sku = world["b_line"].partner_sku
    assert list(client.get(reverse("dashboard:order-list"), {"partner_sku": b_sku}).context["orders"]) == []
    # the CSV export holds A's amount, not the order total
    csv = client.post(
        reverse("dashboard:order-list"),
        {"action": "download_selected_orders", "selected_order": [world["mixed"].pk, world["b_only"].pk]},
    )
    text = csv.content.decode("utf-8-sig")
    assert world["mixed"].number in text and world["b_only"].number not in text
    assert "200.00" in text and "1100.00" not in text
    # stats: A's lines only
    stats = client.get(reverse("dashboard:order-stats"))
    assert (stats.context["total_orders"], stats.context["total_lines"], stats.context["total_revenue"]) == (
        1,
        1,
        Decimal("200.00"),
    )


def test_order_detail_shows_and_acts_on_own_lines_only(client, world):
    client.force_login(world["a"])
    mixed = world["mixed"]
    url = reverse("dashboard:order-detail", args=[mixed.number])
    page = client.get(url)
    assert page.status_code == 200
    assert [line.pk for line in page.context["lines"]] == [world["a_line"].pk]
    body = page.content.decode()
    assert "B-路灯" not in body
    assert world["b_line"].partner_sku not in body
    before = snapshot(world)
    # line actions on B's line are refused
    response = client.post(
        url,
        {
            "line_action": "change_line_statuses",
            "selected_line": [world["b_line"].pk],
            f"selected_line_qty_{world['b_line'].pk}": "1",
            "new_status": "Shipped",
        },
    )
    assert response.status_code == 302
    response = client.post(
        url,
        {
            "line_action": "create_shipping_event",
            "selected_line": [world["a_line"].pk, world["b_line"].pk],
            f"selected_line_qty_{world['a_line'].pk}": "1",
            f"selected_line_qty_{world['b_line'].pk}": "1",
            "shipping_event_type": "shipped",
        },
    )
    assert response.status_code == 302
    # order-wide actions are refused
    client.post(url, {"order_action": "change_order_status", "new_status": "Cancelled"})
    client.post(
        url, {"order_action": "create_order_payment_event", "amount": "1.00", "payment_event_type": "paid"}
    )
    client.post(url, {"line_action": "create_payment_event", "selected_line": [world["a_line"].pk]})
    # an incomplete post is a message, not a 500
    assert (
        client.post(
            url, {"line_action": "change_line_statuses", "selected_line": [world["a_line"].pk]}
        ).status_code
        == 302
    )
    assert snapshot(world) == before
    # B's line detail, B-only orders and the delivery address form are closed
    assert (
        client.get(
            reverse("dashboard:order-line-detail", args=[mixed.number, world["b_line"].pk])
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("dashboard:order-line-detail", args=[mixed.number, world["a_line"].pk])
        ).status_code
        == 200
    )
    assert client.get(reverse("dashboard:order-detail", args=[world["b_only"].number])).status_code == 404
    assert (
        client.post(
            reverse("dashboard:order-detail", args=[world["b_only"].number]),
            {"order_action": "save_note", "message": "x"},
        ).status_code
        == 404
    )
    assert client.get(reverse("dashboard:order-shipping-address", args=[mixed.number])).status_code == 403
    assert snapshot(world) == before


def test_vendor_notes_are_its_own(client, world):
    mixed = world["mixed"]
    operator_note = mixed.notes.create(
        user=OperatorFactory(), message="内部备注：付款已确认", note_type="Info"
    )
    client.force_login(world["a"])
    url = reverse("dashboard:order-detail", args=[mixed.number])
    assert "内部备注" not in client.get(url).content.decode()
    assert (
        client.get(reverse("dashboard:order-detail-note", args=[mixed.number, operator_note.pk])).status_code
        == 404
    )
    client.post(url, {"order_action": "delete_note", "note_id": operator_note.pk})
    assert mixed.notes.filter(pk=operator_note.pk).exists()
    client.post(url, {"order_action": "save_note", "message": "A 已备货"})
    assert list(mixed.notes.filter(user=world["a"]).values_list("message", flat=True)) == ["A 已备货"]


def test_vendor_imports_are_its_own(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    b_import = services.product_import_create(
        user=world["b"],
        upload=SimpleUploadedFile("b.csv", "商品名称,商品类型,商品分类,供应商SKU,单价（元）\n".encode()),
    )
    client.force_login(world["a"])
    assert client.get(reverse("dashboard:vendors-import-detail", args=[b_import.pk])).status_code == 404
    assert client.get(reverse("dashboard:vendors-import-progress", args=[b_import.pk])).status_code == 404
    listing = client.get(reverse("dashboard:vendors-import-list"))
    assert list(listing.context["imports"]) == []


def test_operators_see_everything(client, world):
    client.force_login(OperatorFactory())
    products = client.get(reverse("dashboard:catalogue-product-list")).context["products"].data
    assert {"A-摄像机", "B-路灯", "B-多规格", "共享商品"} <= {p.title for p in products}
    orders = client.get(reverse("dashboard:order-list")).context["orders"]
    assert {o.number for o in orders} == {world["mixed"].number, world["b_only"].number}
    detail = client.get(reverse("dashboard:order-detail", args=[world["mixed"].number]))
    assert {line.pk for line in detail.context["lines"]} == {world["a_line"].pk, world["b_line"].pk}
    assert client.get(reverse("dashboard:catalogue-product", args=[world["b_product"].pk])).status_code == 200
    lookup = client.get(reverse("dashboard:catalogue-product-lookup"), {"q": "B-"}).json()["results"]
    assert {r["text"] for r in lookup} == {"B-路灯", "B-多规格"}


def test_a_user_without_partner_sees_no_products(client):
    user, _partner = make_vendor_user(partner=PartnerFactory())
    user.partners.clear()
    client.force_login(user)
    response = client.get(reverse("dashboard:catalogue-product-list"))
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        assert list(response.context["products"].data) == []


def test_a_product_post_without_its_formsets_is_an_error_page_not_a_500(client, world):
    client.force_login(world["a"])
    url = reverse(
        "dashboard:catalogue-product-create",
        kwargs={"product_class_slug": world["a_product"].product_class.slug},
    )
    before = snapshot(world)
    response = client.post(url, {"title": "x", "action": "save"})
    assert response.status_code == 200
    assert snapshot(world) == before
