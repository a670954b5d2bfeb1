"""Buyer pages and the vendor dashboard over HTTP: the quote list, submitting, detail and
actions, and who may see what (another buyer's request, another vendor's quote → 404)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from shop.core.uploads import bytes_upload
from shop.quotes import services
from shop.quotes.models import QuoteList, QuoteRequest
from shop.quotes.services import PriceInput
from tests.factories.accounts import OperatorFactory, UserFactory
from tests.factories.quotes import form_data, make_vendor, process, stocked_product, submit_request

pytestmark = pytest.mark.django_db


def _add(client, product, quantity=1, remark=""):
    return client.post(
        reverse("quotes:list-add"),
        {"product": product.pk, "quantity": quantity, "remark": remark, "next": product.get_absolute_url()},
    )


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_product_page_offers_add_to_quote_and_the_list_collects_lines(client):
    # given a product two vendors stock
    (a, _), (b, _) = make_vendor(), make_vendor()
    product = stocked_product(vendors=[(a, "100.00"), (b, "90.00")], title="智慧灯杆")
    # the product page carries the 加入询价单 form
    page = client.get(product.get_absolute_url())
    assert page.status_code == 200
    assert 'id="add-to-quote"' in page.content.decode()
    # when an anonymous visitor adds it twice
    assert _add(client, product, 2, "含安装").status_code == 302
    response = client.post(
        reverse("quotes:list-add"),
        {"product": product.pk, "quantity": 3, "next": "/quotes/list/"},
        follow=True,
    )
    # then one line with the summed quantity, and the header shows the count
    assert _messages(response) == ["“智慧灯杆”已加入询价单（共 1 项）。"] * 2
    qlist = QuoteList.objects.get()
    assert [(line.quantity, line.remark) for line in qlist.lines.all()] == [(5, "含安装")]
    assert '<span class="xh-badge xh-badge-count" id="quote-list-count">1</span>' in response.content.decode()


@pytest.mark.parametrize(
    ("quantity", "message"),
    [(0, "数量至少为 1。"), (100001, "数量不能超过 100000。"), ("abc", "数量必须是整数。")],
)
def test_bad_quantities_are_refused_with_a_message(client, quantity, message):
    a, _ = make_vendor()
    product = stocked_product(vendors=[(a, "100.00")])
    response = client.post(
        reverse("quotes:list-add"),
        {"product": product.pk, "quantity": quantity, "next": "/quotes/list/"},
        follow=True,
    )
    assert _messages(response) == [message]
    assert QuoteList.objects.count() == 0


def test_unknown_product_is_refused(client):
    response = client.post(reverse("quotes:list-add"), {"product": 999999, "quantity": 1}, follow=True)
    assert _messages(response) == ["商品不存在或已下架。"]
    assert QuoteList.objects.count() == 0


def test_anonymous_list_joins_the_account_at_login(client):
    a, _ = make_vendor()
    product = stocked_product(vendors=[(a, "100.00")])
    buyer = UserFactory()
    _add(client, product, 4)
    client.post(
        reverse("customer:login"),
        {"login-username": buyer.email, "login-password": "pass-12345", "login_submit": "1"},
    )
    assert QuoteList.objects.get().user == buyer
    assert QuoteList.objects.get().lines.get().quantity == 4


def _buyer_with_list(client, *products):
    buyer = UserFactory()
    client.force_login(buyer)
    for product in products:
        _add(client, product, 2)
    return buyer


def test_submit_saves_the_request_and_shows_the_success_page(client):
    a, _ = make_vendor()
    product = stocked_product(vendors=[(a, "100.00")])
    buyer = _buyer_with_list(client, product)
    response = client.post(
        reverse("quotes:submit"),
        {**form_data(), "attachments": [bytes_upload(b"%PDF-1.4 need\n%%EOF", "需求说明.pdf")]},
        follow=True,
    )
    qr = QuoteRequest.objects.get()
    assert response.redirect_chain == [(reverse("quotes:submitted", kwargs={"number": qr.number}), 302)]
    assert f"您的询价 {qr.number} 已提交成功。" in response.content.decode()
    assert (qr.buyer, qr.status, qr.attachments.count()) == (buyer, "submitted", 1)
    assert QuoteList.objects.get(user=buyer).lines.count() == 0
    # the organisation is remembered for next time
    _add(client, product, 1)
    assert client.get(reverse("quotes:submit")).context["form"].initial["org_uscc"] == "91430100MA4L12345A"


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"org_uscc": "91430100MA4L12345B"}, "统一社会信用代码校验位不正确，请核对后重新输入。"),
        ({"needed_by": (timezone.localdate() - timedelta(days=1)).isoformat()}, "需求日期必须晚于今天。"),
        ({"contact_mobile": "0731-888"}, "请输入有效的 11 位手机号码。"),
    ],
)
def test_submit_with_bad_input_shows_the_error_and_saves_nothing(client, overrides, error):
    a, _ = make_vendor()
    _buyer_with_list(client, stocked_product(vendors=[(a, "100.00")]))
    response = client.post(reverse("quotes:submit"), form_data(**overrides))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert QuoteRequest.objects.count() == 0


def test_submit_refuses_a_disguised_attachment(client):
    a, _ = make_vendor()
    _buyer_with_list(client, stocked_product(vendors=[(a, "100.00")]))
    fake = bytes_upload(b"<html><script>alert(1)</script></html>", "需求.pdf")
    response = client.post(reverse("quotes:submit"), {**form_data(), "attachments": [fake]})
    assert response.status_code == 200
    assert "“需求.pdf”：不支持的文件类型，仅接受" in response.content.decode()
    assert QuoteRequest.objects.count() == 0


def test_inquiry_with_too_few_vendors_is_explained_on_the_form(client):
    a, _ = make_vendor()
    _buyer_with_list(client, stocked_product(vendors=[(a, "100.00")]))
    response = client.post(reverse("quotes:submit"), form_data(procurement_method="inquiry"))
    assert (
        "询价采购需要至少三家供应商参与报价，目前经营所选商品类目的供应商只有 1 家"
        in response.content.decode()
    )
    assert QuoteRequest.objects.count() == 0


def test_another_buyers_request_is_404(client):
    a, _ = make_vendor()
    qr = process(submit_request(lines=[(stocked_product(vendors=[(a, "100.00")]), 1)]))
    vq = qr.vendor_quotes.get()
    client.force_login(UserFactory())
    assert client.get(reverse("quotes:detail", kwargs={"number": qr.number})).status_code == 404
    assert client.get(reverse("quotes:pdf", kwargs={"number": qr.number, "vq": vq.pk})).status_code == 404
    assert client.post(reverse("quotes:accept", kwargs={"number": qr.number, "vq": vq.pk})).status_code == 404
    qr.refresh_from_db()
    assert qr.status == "quoted"


def test_detail_compares_quotes_and_accept_twice_is_a_message_not_an_error(client):
    (a, _), (b, _) = make_vendor("甲"), make_vendor("乙")
    product = stocked_product(vendors=[(a, "11800.00"), (b, "11500.00")], title="会议平板")
    buyer = UserFactory()
    qr = process(submit_request(buyer=buyer, lines=[(product, 2)]))
    client.force_login(buyer)
    page = client.get(reverse("quotes:detail", kwargs={"number": qr.number}))
    columns = page.context["comparison"]["columns"]
    assert [(c["quote"].partner.name, c["totals"]["incl"], c["is_lowest"]) for c in columns] == [
        ("甲", 23600, False),
        ("乙", 23000, True),
    ]
    assert "¥20,353.98" in page.content.decode()  # 乙 total excluding tax
    vq_b = columns[1]["quote"]
    url = reverse("quotes:accept", kwargs={"number": qr.number, "vq": vq_b.pk})
    # the page's accept form carries the version of the quote it shows
    assert f'<input type="hidden" name="revision" value="{vq_b.revision}">' in page.content.decode()
    first = client.post(url, {"revision": vq_b.revision}, follow=True)
    qr.refresh_from_db()
    assert _messages(first) == [f"已接受 乙 的报价，订单 {qr.order.number} 已生成，请按订单付款。"]
    # and the detail page sends the buyer to the order's payment page (Oscar's has no payment)
    pay_url = reverse("payments:order-detail", kwargs={"number": qr.order.number})
    assert f'<a href="{pay_url}" id="quote-order-link">查看订单并付款</a>' in first.content.decode()
    # and the payment page links back to the request it came from
    back = f'<a href="{reverse("quotes:detail", kwargs={"number": qr.number})}" id="order-origin-link">'
    assert back + f"{qr.number}</a>" in client.get(pay_url).content.decode()
    second = client.post(url, {"revision": vq_b.revision}, follow=True)
    assert second.status_code == 200
    assert _messages(second) == ["询价单当前状态为“已下单”，不能再处理报价。"]


def test_my_quotes_lists_only_the_buyers_own_requests(client):
    a, _ = make_vendor()
    product = stocked_product(vendors=[(a, "100.00")])
    buyer = UserFactory()
    mine = submit_request(buyer=buyer, lines=[(product, 1)])
    submit_request(lines=[(product, 1)])
    client.force_login(buyer)
    response = client.get(reverse("quotes:mine"))
    assert [qr.number for qr in response.context["quote_requests"]] == [mine.number]


# --- dashboard ------------------------------------------------------------------------------


def _routed_to_two_vendors():
    (a, ua), (b, ub) = make_vendor("甲"), make_vendor("乙")
    shared = stocked_product(vendors=[(a, "100.00"), (b, "95.00")], title="共享商品")
    only_b = stocked_product(vendors=[(b, "50.00")], title="乙独家商品")
    both = process(submit_request(lines=[(shared, 1), (only_b, 1)]))
    b_only = process(submit_request(lines=[(only_b, 1)]))
    return both, b_only, (a, ua), (b, ub)


def test_a_vendor_sees_only_requests_routed_to_it_and_only_its_own_quote(client):
    both, b_only, (a, ua), (b, _ub) = _routed_to_two_vendors()
    client.force_login(ua)
    listing = client.get(reverse("dashboard:quotes-list"))
    assert [row["qr"].number for row in listing.context["rows"]] == [both.number]
    assert f'href="{reverse("dashboard:quotes-list")}"' in listing.content.decode()  # the nav entry
    detail = client.get(reverse("dashboard:quotes-detail", kwargs={"pk": both.pk}))
    assert [vq.partner.name for vq in detail.context["vendor_quotes"]] == ["甲"]
    assert [row["line"].title for row in detail.context["comparison"]["rows"]] == ["共享商品"]
    assert "乙独家商品" not in detail.content.decode()
    assert "乙" not in detail.content.decode().split('id="quote-timeline"')[1]
    # another vendor's request, quote, answer page and PDF: 404
    vq_b = both.vendor_quotes.get(partner=b)
    assert client.get(reverse("dashboard:quotes-detail", kwargs={"pk": b_only.pk})).status_code == 404
    assert (
        client.get(reverse("dashboard:quotes-answer", kwargs={"pk": both.pk, "vq": vq_b.pk})).status_code
        == 404
    )
    assert (
        client.get(reverse("dashboard:quotes-pdf", kwargs={"pk": both.pk, "vq": vq_b.pk})).status_code == 404
    )


def test_a_vendor_answers_in_the_dashboard(client):
    both, _b_only, (a, ua), _b = _routed_to_two_vendors()
    vq = both.vendor_quotes.get(partner=a)
    line = vq.lines.get()
    client.force_login(ua)
    url = reverse("dashboard:quotes-answer", kwargs={"pk": both.pk, "vq": vq.pk})
    page = client.get(url)
    assert page.status_code == 200
    # the suggested validity is an ISO date, the only format <input type="date"> shows
    valid_until = timezone.localtime(vq.valid_until).date().isoformat()
    assert f'name="valid_until" value="{valid_until}"' in page.content.decode()
    response = client.post(
        url,
        {
            f"price_{line.pk}": "88.50",
            f"rate_{line.pk}": "0.13",
            "lead_time_days": "7",
            "valid_until": (timezone.localdate() + timedelta(days=10)).isoformat(),
            "terms": "含税含运费",
        },
    )
    assert response.status_code == 302
    vq.refresh_from_db()
    line.refresh_from_db()
    assert (vq.status, vq.lead_time_days, vq.terms, str(line.unit_price_incl_tax)) == (
        "answered",
        7,
        "含税含运费",
        "88.50",
    )


def test_a_vendor_answer_without_any_price_is_refused(client):
    both, _b_only, (a, ua), _b = _routed_to_two_vendors()
    vq = both.vendor_quotes.get(partner=a)
    client.force_login(ua)
    response = client.post(
        reverse("dashboard:quotes-answer", kwargs={"pk": both.pk, "vq": vq.pk}),
        {"lead_time_days": "7", "valid_until": (timezone.localdate() + timedelta(days=3)).isoformat()},
    )
    assert response.status_code == 200
    assert "请至少为一项商品填写报价。" in response.content.decode()
    vq.refresh_from_db()
    assert vq.status == "indicative"


def test_operators_see_every_request_and_quote_buyers_see_no_dashboard(client):
    both, b_only, _a, _b = _routed_to_two_vendors()
    client.force_login(OperatorFactory())
    listing = client.get(reverse("dashboard:quotes-list"))
    assert sorted(row["qr"].number for row in listing.context["rows"]) == sorted([both.number, b_only.number])
    assert f'href="{reverse("dashboard:quotes-list")}"' in listing.content.decode()  # the nav entry
    detail = client.get(reverse("dashboard:quotes-detail", kwargs={"pk": both.pk}))
    assert sorted(vq.partner.name for vq in detail.context["vendor_quotes"]) == ["乙", "甲"]
    client.force_login(UserFactory())
    assert client.get(reverse("dashboard:quotes-list")).status_code == 403


def test_a_parent_product_page_asks_for_a_variant_and_the_parent_itself_is_refused(client):
    from tests.factories.catalogue import make_parent_with_children

    a, _ = make_vendor()
    parent, children = make_parent_with_children(prices=["29800", "11800"], partner=a, title="智慧黑板")
    page = client.get(parent.get_absolute_url()).content.decode()
    assert f'<select id="quote-variant-{parent.pk}" name="product"' in page
    assert all(f'<option value="{child.pk}"' in page for child in children)
    # the parent itself cannot be asked for; a variant can
    refused = client.post(reverse("quotes:list-add"), {"product": parent.pk, "quantity": 1}, follow=True)
    assert _messages(refused) == ["“智慧黑板”有多个规格，请先选择具体规格再加入询价单。"]
    client.post(reverse("quotes:list-add"), {"product": children[1].pk, "quantity": 2})
    assert [(line.product, line.quantity) for line in QuoteList.objects.get().lines.all()] == [
        (children[1], 2)
    ]


def test_a_request_no_vendor_has_priced_reads_waiting_and_an_answered_one_quoted(client):
    # given a routed request whose vendor has not answered yet (a 待报价 quote only)
    vendor, vendor_user = make_vendor("甲")
    product = stocked_product(vendors=[(vendor, "11800.00")], title="会议平板", price_is_from=True)
    buyer = UserFactory()
    qr = process(submit_request(buyer=buyer, lines=[(product, 2)]))
    client.force_login(buyer)
    detail_url = reverse("quotes:detail", kwargs={"number": qr.number})

    def shown_status() -> tuple[str, str]:
        detail = client.get(detail_url).content.decode()
        mine = client.get(reverse("quotes:mine")).content.decode()
        return (
            re.search(r'id="quote-request-status" data-status="quoted">([^<]+)<', detail).group(1),
            re.search(r'class="quote-status quote-status-quoted">([^<]+)<', mine).group(1),
        )

    # when the buyer opens the request and the list, before and after the vendor answers
    before = shown_status()
    vq = qr.vendor_quotes.get()
    services.vendor_quote_answer(
        vendor_quote=vq,
        actor=vendor_user,
        prices={line.pk: PriceInput(Decimal("11500.00"), Decimal("0.13")) for line in vq.lines.all()},
        lead_time_days=10,
        valid_until=timezone.localdate() + timedelta(days=15),
    )
    after = shown_status()
    # then it reads 等待报价 first and 已报价 once priced (the stored status is 已报价 throughout)
    assert qr.status == "quoted"
    assert (before, after) == (("等待报价", "等待报价"), ("已报价", "已报价"))
