"""The pages of delivery and 履约验收, through the real views: the vendor's dashboard (orders to
deliver, the delivery form with attachments), the buyer's pages (to accept, the acceptance
form, the 验收单 PDF read back with pypdf), who is refused what, and private files."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from shop.fulfilment.models import Acceptance, Attachment, Delivery, LineFulfilment
from shop.fulfilment.pdf import acceptance_pdf
from tests.factories.fulfilment import fulfilment_world, unit_order
from tests.factories.payments import PDF_BYTES, png_bytes

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def upload(data: bytes, name: str):
    f = io.BytesIO(data)
    f.name = name
    return f


def deliver(client, order, **fields):
    data = {
        "line": str(order.lines.get().pk),
        "kind": "shipment",
        "quantity": "2",
        "carrier": "顺丰速运",
        "tracking_number": "SF1234567890",
        "description": "",
    }
    data.update(fields)
    return client.post(reverse("dashboard:fulfilment-deliver", args=[order.number]), data)


def accept(client, order, **fields):
    data = {"line": str(order.lines.get().pk), "quantity": "2", "result": "passed", "comments": "合格"}
    data.update(fields)
    return client.post(reverse("fulfilment:accept", args=[order.number]), data)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def w():
    return fulfilment_world()


def test_the_vendor_delivers_with_an_attachment_and_the_buyer_accepts_through_the_pages(w):
    # given an order of 2 units of the unit (paid after acceptance)
    order = unit_order(w, qty=2)
    vendor = client_for(w.vendor)
    # when the vendor opens its list and the order, then records the shipment with a PDF
    page = vendor.get(reverse("dashboard:fulfilment-list"))
    assert page.status_code == 200 and order.number in page.content.decode()
    page = vendor.get(reverse("dashboard:fulfilment-detail", args=[order.number]))
    assert page.status_code == 200 and "登记交付" in page.content.decode()
    response = deliver(vendor, order, attachments=[upload(PDF_BYTES, "签收单.pdf")])
    # then it is stored with its file, and the unit's 经办人 sees the form to accept
    assert response.status_code == 302
    delivery = Delivery.objects.get()
    assert (delivery.quantity, delivery.carrier, delivery.tracking_number) == (2, "顺丰速运", "SF1234567890")
    att = Attachment.objects.get(delivery=delivery)
    assert att.display_name == "签收单.pdf"
    handler = client_for(w.handler)
    page = handler.get(reverse("fulfilment:detail", args=[order.number]))
    body = page.content.decode()
    assert page.status_code == 200 and "提交验收" in body and "签收单.pdf" in body
    assert order.number in handler.get(reverse("fulfilment:list")).content.decode()
    # the buyer side and the vendor read the file; its bytes are the upload's
    for client, name in ((handler, "fulfilment:attachment"), (vendor, "dashboard:fulfilment-attachment")):
        got = client.get(reverse(name, args=[order.number, att.pk]))
        assert got.status_code == 200
        assert b"".join(got.streaming_content) == PDF_BYTES
    # when the 经办人 accepts both units with a photo
    response = accept(handler, order, attachments=[upload(png_bytes(), "验收照片.png")])
    # then the order is accepted and the 验收单 can be downloaded by both sides
    assert response.status_code == 302
    page = handler.get(reverse("fulfilment:detail", args=[order.number]))
    assert "验收单" in page.content.decode() and "已验收" in page.content.decode()
    assert Attachment.objects.filter(acceptance__isnull=False).get().display_name == "验收照片.png"
    buyer_pdf = handler.get(reverse("fulfilment:pdf", args=[order.number]))
    vendor_pdf = vendor.get(reverse("dashboard:fulfilment-pdf", args=[order.number]))
    assert (buyer_pdf.status_code, vendor_pdf.status_code) == (200, 200)
    assert buyer_pdf["Content-Type"] == "application/pdf"
    assert buyer_pdf.content == vendor_pdf.content  # the vendor owns every line of this order


def test_the_acceptance_pdf_names_lines_quantities_results_who_and_when(w):
    # given 3 units delivered, 1 不合格 and 2 合格, then the replacement accepted
    from shop.fulfilment import services

    order = unit_order(w, qty=3)
    line = order.lines.get()

    def ship(qty):
        services.delivery_record(
            order=order,
            line_id=line.pk,
            actor=w.vendor,
            kind="shipment",
            quantity=qty,
            carrier="德邦",
            tracking_number="DB1",
        )

    def check(qty, result, comments=""):
        services.acceptance_record(
            order=order, line_id=line.pk, actor=w.handler, quantity=qty, result=result, comments=comments
        )

    w.handler.first_name, w.handler.last_name = "明", "李"
    w.handler.save()
    ship(3)
    check(1, "failed", "外壳破损")
    check(2, "passed")
    ship(1)
    check(1, "passed", "更换后合格")
    # when the 验收单 is rendered
    data = acceptance_pdf(order=order)
    text = " ".join(pdf_text(data).split())  # one table cell per line in the extracted text
    # then it reads back with the order, the line, the quantities, each result, who and when
    records = list(Acceptance.objects.order_by("pk"))
    assert "履 约 验 收 单" in text
    assert f"订单号：{order.number}" in text
    assert "验收状态：全部验收合格" in text
    assert "75 寸会议一体机 3 4 3 1 已验收" in text  # ordered, delivered, accepted, rejected
    for a, result in zip(records, ("不合格", "合格", "合格"), strict=True):
        assert a.created_at.astimezone().strftime("%Y-%m-%d") in text
        assert result in text
    assert "外壳破损" in text and "更换后合格" in text
    assert "验收人（采购方确认）：明 李" in text  # get_full_name: first name, last name
    # and the same records give the same bytes (embedded font subset, invariant)
    assert acceptance_pdf(order=order) == data


def test_acceptance_of_more_than_delivered_is_a_chinese_error_on_the_page(w):
    order = unit_order(w, qty=5)
    deliver(client_for(w.vendor), order, quantity="2")
    # when the 经办人 posts 3 of the 2 delivered
    response = accept(client_for(w.handler), order, quantity="3")
    # then the page says so (400) and nothing is stored
    assert response.status_code == 400
    assert "验收数量不能超过已交付未验收的数量（2）。" in response.content.decode()
    assert Acceptance.objects.count() == 0


def test_a_rejected_delivery_shows_the_reason_to_the_vendor_who_delivers_again(w):
    order = unit_order(w, qty=2)
    vendor = client_for(w.vendor)
    deliver(vendor, order)
    accept(client_for(w.handler), order, result="failed", comments="型号与合同不符")
    page = vendor.get(reverse("dashboard:fulfilment-detail", args=[order.number])).content.decode()
    assert "型号与合同不符" in page and "请按验收意见重新交付" in page
    assert deliver(vendor, order).status_code == 302
    assert LineFulfilment.objects.get().delivered == 4


@pytest.mark.parametrize("role", ["approver", "finance"])
def test_a_member_without_the_role_sees_the_order_but_may_not_accept(w, role):
    order = unit_order(w, qty=2)
    deliver(client_for(w.vendor), order)
    client = client_for(getattr(w, role))
    # the page shows the deliveries, without the form
    page = client.get(reverse("fulfilment:detail", args=[order.number]))
    assert page.status_code == 200
    assert "履约验收由本单位的管理员或经办人登记。" in page.content.decode()
    assert "提交验收" not in page.content.decode()
    # a post is refused with the unit's rule
    response = accept(client, order)
    assert response.status_code == 403
    assert "只有本单位的管理员、经办人可以验收本单位的订单。" in response.content.decode()
    assert Acceptance.objects.count() == 0


def test_the_other_sides_orders_do_not_exist_for_them(w):
    # given an order of unit A delivered (with a file) by vendor A
    order = unit_order(w, qty=2)
    deliver(client_for(w.vendor), order, attachments=[upload(PDF_BYTES, "a.pdf")])
    accept(client_for(w.handler), order, quantity="1")
    att = Attachment.objects.get()
    other = fulfilment_world()
    buyer_b, vendor_b = client_for(other.handler), client_for(other.vendor)
    # then unit B's 经办人 and vendor B get 404 for each of its pages and files
    for client, names in (
        (buyer_b, ("fulfilment:detail", "fulfilment:pdf")),
        (vendor_b, ("dashboard:fulfilment-detail", "dashboard:fulfilment-pdf")),
    ):
        for name in names:
            assert client.get(reverse(name, args=[order.number])).status_code == 404, name
    assert buyer_b.get(reverse("fulfilment:attachment", args=[order.number, att.pk])).status_code == 404
    assert (
        vendor_b.get(reverse("dashboard:fulfilment-attachment", args=[order.number, att.pk])).status_code
        == 404
    )
    # and their posts change nothing
    assert accept(buyer_b, order, quantity="1").status_code == 404
    assert deliver(vendor_b, order).status_code == 404
    assert (Delivery.objects.count(), Acceptance.objects.count()) == (1, 1)
    assert order.number not in buyer_b.get(reverse("fulfilment:list")).content.decode()
    assert order.number not in vendor_b.get(reverse("dashboard:fulfilment-list")).content.decode()


def test_an_attachment_that_is_not_what_its_name_says_is_refused(w):
    order = unit_order(w, qty=2)
    response = deliver(
        client_for(w.vendor), order, attachments=[upload(b"MZ\x90\x00 not a pdf", "签收单.pdf")]
    )
    assert response.status_code == 400
    assert "附件“签收单.pdf”：不支持的文件类型" in response.content.decode()
    assert (Delivery.objects.count(), Attachment.objects.count()) == (0, 0)


def test_the_unit_workbench_links_to_the_acceptance_pages(w):
    page = client_for(w.handler).get(reverse("buyers:unit")).content.decode()
    assert reverse("fulfilment:list") in page and "交付与履约验收" in page


def test_the_order_pages_link_to_delivery_and_acceptance(w):
    order = unit_order(w, qty=2)
    buyer_page = client_for(w.handler).get(reverse("payments:order-detail", args=[order.number]))
    assert buyer_page.status_code == 200
    assert reverse("fulfilment:detail", args=[order.number]) in buyer_page.content.decode()
    vendor_page = client_for(w.vendor).get(reverse("dashboard:order-detail", args=[order.number]))
    assert vendor_page.status_code == 200
    assert reverse("dashboard:fulfilment-detail", args=[order.number]) in vendor_page.content.decode()
