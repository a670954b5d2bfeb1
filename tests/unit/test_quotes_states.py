"""The quote state machine: answers, revisions, acceptance into an order, declines, cancels,
and illegal moves refused with a clear Chinese message (and an audit event for every move)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from shop.core.exceptions import DomainError, IllegalTransition, PermissionDenied
from shop.quotes import services
from shop.quotes.services import PriceInput
from tests.factories.accounts import UserFactory
from tests.factories.quotes import make_vendor, process, stocked_product, submit_request

pytestmark = pytest.mark.django_db


def _two_vendor_request(*, price_a="11800.00", price_b="11500.00", quantity=2, **product_fields):
    (a, ua), (b, ub) = make_vendor("甲"), make_vendor("乙")
    product = stocked_product(vendors=[(a, price_a), (b, price_b)], **product_fields)
    buyer = UserFactory()
    qr = process(submit_request(buyer=buyer, lines=[(product, quantity)]))
    quotes = {vq.partner.name: vq for vq in qr.vendor_quotes.all()}
    return qr, buyer, quotes["甲"], ua, quotes["乙"], ub


def _answer(vq, user, price, *, days=10, rate="0.13"):
    line = vq.lines.get()
    return services.vendor_quote_answer(
        vendor_quote=vq,
        actor=user,
        prices={line.pk: PriceInput(Decimal(price), Decimal(rate))},
        lead_time_days=days,
        valid_until=timezone.localdate() + timedelta(days=15),
        terms="含运输安装，质保三年",
    )


def test_vendor_answer_then_revision_then_revised_answer():
    qr, buyer, qa, ua, _qb, _ub = _two_vendor_request()
    # when the vendor answers
    qa = _answer(qa, ua, "11000.00")
    assert (qa.status, qa.is_indicative, qa.lead_time_days, qa.pdf_state, qa.pdf_version) == (
        "answered",
        False,
        10,
        "pending",
        2,
    )
    assert qa.lines.get().unit_price_incl_tax == Decimal("11000.00")
    # the buyer asks for a revision with a note
    qa = services.vendor_quote_request_revision(vendor_quote=qa, actor=buyer, note="请报含三年维保的价格")
    assert (qa.status, qa.revision_note) == ("revision_requested", "请报含三年维保的价格")
    # the vendor revises
    qa = _answer(qa, ua, "11200.00", days=12)
    assert qa.status == "answered"
    assert list(qa.events.values_list("kind", "from_status", "to_status")) == [
        ("routed", "", "pending"),
        ("indicative", "pending", "indicative"),
        ("answered", "indicative", "answered"),
        ("revision_requested", "answered", "revision_requested"),
        ("answered", "revision_requested", "answered"),
    ]
    # the events the other party hears about carry a notification step
    assert list(qa.events.exclude(notify_state="").values_list("kind", "notify_state")) == [
        ("answered", "pending"),
        ("revision_requested", "pending"),
        ("answered", "pending"),
    ]


def test_accept_creates_an_order_at_quoted_prices_and_declines_the_others():
    qr, buyer, qa, ua, qb, _ub = _two_vendor_request()
    qa = _answer(qa, ua, "11000.00")
    # when the buyer accepts 甲's quote
    order = services.vendor_quote_accept(vendor_quote=qa, actor=buyer, revision=qa.revision)
    qr.refresh_from_db()
    qa.refresh_from_db()
    qb.refresh_from_db()
    # then the order is at the quoted price, linked, and the other quote is declined
    assert (qr.status, qr.order_id, qr.accepted_quote_id) == ("ordered", order.pk, qa.pk)
    assert (qa.status, qb.status) == ("accepted", "declined")
    assert order.total_incl_tax == Decimal("22000.00")
    line = order.lines.get()
    assert (line.quantity, line.unit_price_incl_tax, line.partner_id) == (
        2,
        Decimal("11000.00"),
        qa.partner_id,
    )
    assert (order.origin.source, order.origin.reference) == ("quote", qr.number)
    assert [(s.label, s.amount) for s in order.payment_stages.all()] == [("全款", Decimal("22000.00"))]
    assert order.invoice_request.invoice_title == "长沙市数据资源局"
    assert list(qr.events.values_list("kind", "to_status"))[-2:] == [
        ("accepted", "accepted"),
        ("ordered", "ordered"),
    ]


def test_accepting_a_large_quote_splits_payment_into_deposit_and_balance():
    qr, buyer, qa, ua, _qb, _ub = _two_vendor_request(quantity=3)
    qa = _answer(qa, ua, "398000.00")
    order = services.vendor_quote_accept(vendor_quote=qa, actor=buyer, revision=qa.revision)
    assert order.total_incl_tax == Decimal("1194000.00")
    assert [(s.label, s.amount) for s in order.payment_stages.all()] == [
        ("定金", Decimal("358200.00")),
        ("尾款", Decimal("835800.00")),
    ]


def test_an_indicative_quote_with_a_from_price_cannot_be_accepted():
    qr, buyer, qa, _ua, _qb, _ub = _two_vendor_request(price_is_from=True)
    with pytest.raises(DomainError, match="参考报价含“起价”商品，需供应商确认报价后才能接受"):
        services.vendor_quote_accept(vendor_quote=qa, actor=buyer, revision=qa.revision)
    qr.refresh_from_db()
    assert (qr.status, qr.order_id) == ("quoted", None)


def test_an_indicative_list_price_quote_can_be_accepted_directly():
    qr, buyer, _qa, _ua, qb, _ub = _two_vendor_request()
    order = services.vendor_quote_accept(vendor_quote=qb, actor=buyer, revision=qb.revision)
    assert order.total_incl_tax == Decimal("23000.00")


def test_illegal_moves_are_refused_with_a_chinese_message_and_change_nothing():
    qr, buyer, qa, ua, qb, _ub = _two_vendor_request()
    services.vendor_quote_accept(vendor_quote=qa, actor=buyer, revision=qa.revision)
    qr.refresh_from_db()
    events = qr.events.count()
    # cancelling an ordered request
    with pytest.raises(IllegalTransition) as exc:
        services.quote_request_cancel(quote_request=qr, actor=buyer)
    assert exc.value.message == "当前状态为“已下单”，不能变更为“已取消”。"
    # accepting again, declining, or asking a revision on a closed request
    with pytest.raises(IllegalTransition, match="询价单当前状态为“已下单”，不能再处理报价"):
        services.vendor_quote_accept(vendor_quote=qb, actor=buyer, revision=qb.revision)
    with pytest.raises(IllegalTransition, match="不能再处理报价"):
        services.vendor_quote_decline(vendor_quote=qb, actor=buyer)
    # a vendor answering after the order
    with pytest.raises(DomainError, match="询价单当前状态为“已下单”，不能再报价"):
        _answer(qa, ua, "1.00")
    assert qr.events.count() == events


def test_a_declined_quote_cannot_be_answered_or_accepted():
    qr, buyer, qa, ua, _qb, _ub = _two_vendor_request()
    services.vendor_quote_decline(vendor_quote=qa, actor=buyer, note="价格偏高")
    with pytest.raises(IllegalTransition, match="当前状态为“已拒绝”，不能变更为“已报价”"):
        _answer(qa, ua, "100.00")
    with pytest.raises(IllegalTransition, match="报价当前状态为“已拒绝”，不能接受"):
        services.vendor_quote_accept(vendor_quote=qa, actor=buyer, revision=qa.revision)


def test_only_the_buyer_acts_on_its_request_and_only_the_vendor_on_its_quote():
    qr, buyer, qa, ua, qb, ub = _two_vendor_request()
    stranger = UserFactory()
    with pytest.raises(PermissionDenied, match="只能处理自己的询价"):
        services.vendor_quote_accept(vendor_quote=qa, actor=stranger, revision=qa.revision)
    with pytest.raises(PermissionDenied, match="只能处理自己的询价"):
        services.quote_request_cancel(quote_request=qr, actor=stranger)
    with pytest.raises(PermissionDenied, match="只能处理本单位的报价"):
        _answer(qa, ub, "1.00")


def test_cancel_declines_every_open_quote():
    qr, buyer, qa, _ua, qb, _ub = _two_vendor_request()
    services.quote_request_cancel(quote_request=qr, actor=buyer, note="预算调整")
    qr.refresh_from_db()
    assert qr.status == "cancelled"
    assert sorted(qr.vendor_quotes.values_list("status", flat=True)) == ["declined", "declined"]
    assert qr.events.get(kind="cancelled").note == "预算调整"


@pytest.mark.parametrize(
    ("price", "days", "until_offset", "message"),
    [
        ("0", 10, 5, "单价必须大于零"),
        ("100.00", 0, 5, "交货期应为 1 到 3650 天"),
        ("100.00", 10, -1, "报价有效期不能早于今天"),
    ],
)
def test_vendor_answer_validation(price, days, until_offset, message):
    qr, _buyer, qa, ua, _qb, _ub = _two_vendor_request()
    line = qa.lines.get()
    with pytest.raises(DomainError, match=message):
        services.vendor_quote_answer(
            vendor_quote=qa,
            actor=ua,
            prices={line.pk: PriceInput(Decimal(price), Decimal("0.13"))},
            lead_time_days=days,
            valid_until=timezone.localdate() + timedelta(days=until_offset),
        )
    qa.refresh_from_db()
    assert qa.status == "indicative"


def test_an_inquiry_vendor_without_the_product_quotes_it_and_owns_the_order_line():
    from tests.factories.quotes import three_vendor_category

    product, vendors = three_vendor_category()
    (_a, _ua), (b, ub), _c = vendors
    buyer = UserFactory()
    qr = process(submit_request(buyer=buyer, lines=[(product, 4)], procurement_method="inquiry"))
    vq_b = qr.vendor_quotes.get(partner=b)
    assert vq_b.status == "pending"
    vq_b = _answer(vq_b, ub, "4700.00")
    order = services.vendor_quote_accept(vendor_quote=vq_b, actor=buyer, revision=vq_b.revision)
    line = order.lines.get()
    assert (line.partner_id, line.partner_name, line.stockrecord_id, line.line_price_incl_tax) == (
        b.pk,
        "乙供应商",
        None,
        Decimal("18800.00"),
    )
