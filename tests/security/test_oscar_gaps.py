"""Oscar's known gaps in a multi-vendor mall, tried from the vendor's side.

- Oscar's order dashboard shows (and acts on) every line of an order with one of the vendor's
  lines: vendor A must see and change only its own lines of a multi-vendor order.
- A vendor must not edit the stock record of a shared product that belongs to another vendor.
- The product lookup must return only the vendor's own products."""

import json
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from .world import build_world

pytestmark = pytest.mark.django_db

StockRecord = get_model("partner", "StockRecord")
Line = get_model("order", "Line")


@pytest.fixture
def world():
    return build_world()


def test_a_vendor_sees_only_its_own_lines_of_a_multi_vendor_order(world):
    order = world.multi_vendor_order
    line_a = order.lines.get(partner=world.a.partner)
    line_b = order.lines.get(partner=world.b.partner)
    page = world.client("vendor_a").get(reverse("dashboard:order-detail", kwargs={"number": order.number}))
    assert page.status_code == 200
    html = page.content.decode()
    assert world.a.marker("sku") in html
    assert world.b.marker("sku") not in html
    assert world.b.marker("product") not in html
    assert f'value="{line_b.pk}"' not in html
    assert f'value="{line_a.pk}"' in html
    # nor through the line detail URL
    other = world.client("vendor_a").get(
        reverse("dashboard:order-line-detail", kwargs={"number": order.number, "line_id": line_b.pk})
    )
    assert other.status_code == 404


@pytest.mark.parametrize("action", ["change_line_statuses", "create_shipping_event"])
def test_a_vendor_cannot_act_on_another_vendors_line_of_the_same_order(world, action):
    order = world.multi_vendor_order
    line_b = order.lines.get(partner=world.b.partner)
    before = (line_b.status, line_b.shipping_events.count())
    response = world.client("vendor_a").post(
        reverse("dashboard:order-detail", kwargs={"number": order.number}),
        {
            "line_action": action,
            "selected_line": [line_b.pk],
            f"selected_line_qty_{line_b.pk}": "1",
            "new_status": "已付款",
            "shipping_event_type": "1",
            "reference": "X",
        },
    )
    assert response.status_code in (200, 302)
    line_b.refresh_from_db()
    assert (line_b.status, line_b.shipping_events.count()) == before


class FormFields(HTMLParser):
    """What a browser would submit from the page's product form."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data: dict[str, list[str]] = {}
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file", "image"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data.setdefault(self._select, []).append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.setdefault(name, []).append("")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def test_a_vendor_cannot_edit_another_vendors_stock_record_of_a_shared_product(world):
    product = world.shared_product
    record_b = world.b.shared_stockrecord
    sku_b = record_b.partner_sku
    url = reverse("dashboard:catalogue-product", kwargs={"pk": product.pk})
    client = world.client("vendor_a")
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    # the form shows vendor A's own record, not B's
    assert world.a.shared_stockrecord.partner_sku in html
    assert record_b.partner_sku not in html
    # when vendor A submits the form with B's record smuggled into the stock-record formset
    fields = FormFields()
    fields.feed(html)
    data = fields.data
    total = int(data["stockrecords-TOTAL_FORMS"][0])
    i = total
    data["stockrecords-TOTAL_FORMS"] = [str(total + 1)]
    data["stockrecords-INITIAL_FORMS"] = [str(int(data["stockrecords-INITIAL_FORMS"][0]) + 1)]
    data[f"stockrecords-{i}-id"] = [str(record_b.pk)]
    data[f"stockrecords-{i}-partner"] = [str(world.b.partner.pk)]
    data[f"stockrecords-{i}-partner_sku"] = ["HIJACKED"]
    data[f"stockrecords-{i}-price"] = ["1.00"]
    data[f"stockrecords-{i}-num_in_stock"] = ["0"]
    response = client.post(url, data)
    # then B's record is untouched (the form is refused or the smuggled form ignored)
    assert response.status_code in (200, 302)
    record_b.refresh_from_db()
    assert (record_b.partner_id, record_b.price) == (world.b.partner.pk, Decimal("95.00"))
    assert record_b.partner_sku == sku_b
    assert StockRecord.objects.filter(partner_sku="HIJACKED").count() == 0


def test_the_product_lookup_returns_only_the_vendors_own_products(world):
    url = reverse("dashboard:catalogue-product-lookup")
    for role, own, other in (("vendor_a", world.a, world.b), ("vendor_b", world.b, world.a)):
        response = world.client(role).get(url, {"q": "MK"})
        assert response.status_code == 200
        ids = {int(r["id"]) for r in json.loads(response.content)["results"]}
        assert own.product.pk in ids
        assert other.product.pk not in ids
        assert other.parent.pk not in ids
    # the operator sees both
    response = world.client("operator").get(url, {"q": "MK"})
    ids = {int(r["id"]) for r in json.loads(response.content)["results"]}
    assert {world.a.product.pk, world.b.product.pk} <= ids


def test_a_vendor_cannot_create_a_variant_under_another_vendors_parent(world):
    url = reverse("dashboard:catalogue-product-create-child", kwargs={"parent_pk": world.b.parent.pk})
    client = world.client("vendor_a")
    before = world.b.parent.children.count()
    assert client.get(url).status_code in (302, 403, 404)
    client.post(url, {"title": "hijack"})
    assert world.b.parent.children.count() == before
