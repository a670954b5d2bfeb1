"""An OEM order keeps its milestones and ends in the same 履约验收: 已发货 delivers its shop
order's lines, the buyer's acceptance (or 确认收货, which is that acceptance) completes it,
and the vendor can no longer complete it alone."""

import pytest

from shop.core.exceptions import IllegalTransition
from shop.fulfilment import selectors, services
from shop.fulfilment.models import Delivery, LineFulfilment
from shop.oem import services as oem
from shop.oem.models import OemStatus as S
from tests.factories.oem import oem_world, offered_oem_order, pay_deposit

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped():
    world = oem_world(lead_time_days=15)
    buyer, vendor = world["buyer"], world["vendor"]
    order = offered_oem_order(buyer=buyer, product=world["product"], vendor=vendor)
    oem.oem_order_accept_offer(order=order, actor=buyer, offer_revision=order.offer_revision)
    order.refresh_from_db()
    pay_deposit(order)
    oem.oem_order_vendor_move(order=order, actor=vendor, to=S.IN_PRODUCTION)
    oem.oem_order_vendor_move(order=order, actor=vendor, to=S.SHIPPED, note="德邦物流 DB20261204")
    order.refresh_from_db()
    return world, order


def test_shipped_delivers_every_line_of_the_shop_order(shipped):
    world, order = shipped
    # then the goods (100) and the tooling fee line (1) are delivered, waiting for acceptance
    rows = list(
        LineFulfilment.objects.filter(line__order=order.oscar_order)
        .order_by("line_id")
        .values_list("status", "ordered", "delivered")
    )
    assert rows == [("delivered", 100, 100), ("delivered", 1, 1)]
    assert set(Delivery.objects.values_list("carrier", "tracking_number", "description")) == {
        ("OEM 发货", order.number, "德邦物流 DB20261204")
    }
    assert selectors.order_accepted(order.oscar_order) is False


def test_the_buyers_acceptance_completes_the_oem_order(shipped):
    world, order = shipped
    buyer = world["buyer"]
    goods, tooling = order.oscar_order.lines.order_by("pk")
    # when the buyer accepts the goods, then the tooling line
    services.acceptance_record(
        order=order.oscar_order, line_id=goods.pk, actor=buyer, quantity=100, result="passed"
    )
    order.refresh_from_db()
    assert order.status == S.SHIPPED
    services.acceptance_record(
        order=order.oscar_order, line_id=tooling.pk, actor=buyer, quantity=1, result="passed"
    )
    # then the shop order is accepted and the OEM order completed by that acceptance
    order.refresh_from_db()
    assert selectors.order_accepted(order.oscar_order) is True
    assert order.status == S.COMPLETED
    assert list(order.events.order_by("-pk").values_list("kind", "note")[:1]) == [
        ("completed", "履约验收合格，订单完成。")
    ]


def test_confirm_receipt_is_the_acceptance_of_everything_delivered(shipped):
    world, order = shipped
    oem.oem_order_confirm_receipt(order=order, actor=world["buyer"])
    order.refresh_from_db()
    assert order.status == S.COMPLETED
    assert selectors.order_accepted(order.oscar_order) is True
    assert list(
        LineFulfilment.objects.filter(line__order=order.oscar_order).values_list("status", flat=True)
    ) == ["accepted", "accepted"]


def test_the_vendor_cannot_complete_a_shipped_order_itself(shipped):
    world, order = shipped
    assert S.COMPLETED not in oem.vendor_next_states(order)
    with pytest.raises(IllegalTransition) as exc:
        oem.oem_order_vendor_move(order=order, actor=world["vendor"], to=S.COMPLETED)
    assert exc.value.message == "已发货的订单由采购方履约验收，验收合格后订单自动完成。"
    order.refresh_from_db()
    assert order.status == S.SHIPPED


def test_a_government_units_oem_order_has_no_deposit_and_starts_once_the_contract_is_signed():
    # given a government unit's 经办人 accepting an OEM offer that asks a ¥30,000 deposit
    from shop.contracts.models import ContractVersion
    from shop.contracts.services import contract_confirm, contract_ensure, contract_version_render
    from shop.core.exceptions import DomainError
    from tests.factories.buyers import make_unit

    world = oem_world(lead_time_days=15)
    _unit, members = make_unit(roles_by_name={"handler": ["handler"]}, org_type="party_gov")
    handler, vendor = members["handler"].user, world["vendor"]
    order = offered_oem_order(buyer=handler, product=world["product"], vendor=vendor)
    oem.oem_order_accept_offer(order=order, actor=handler, offer_revision=order.offer_revision)
    order.refresh_from_db()
    # then it is paid once, after 履约验收: one 全款 stage, the shop order 履约中
    shop_order = order.oscar_order
    assert (shop_order.status, shop_order.origin.settlement) == ("履约中", "after_acceptance")
    assert list(shop_order.payment_stages.values_list("label", "amount")) == [("全款", order.offer_total)]
    # and the vendor may not start production before the contract is signed, for that reason only
    with pytest.raises(DomainError) as refused:
        oem.oem_order_vendor_move(order=order, actor=vendor, to=S.IN_PRODUCTION)
    assert refused.value.message == "该订单验收后付款，无需定金；合同由双方确认签订后即可开始打样或生产。"
    order.refresh_from_db()
    assert order.status == S.CONFIRMED
    # when both parties confirm the contract
    contract = contract_ensure(order_id=shop_order.pk)
    version = ContractVersion.objects.get(contract=contract)
    contract_version_render(version_id=version.pk)
    version.refresh_from_db()
    for user in (handler, vendor):
        contract_confirm(
            version=version, user=user, pdf_sha256=version.pdf_sha256, client_address="127.0.0.1"
        )
    # then production starts without any payment
    oem.oem_order_vendor_move(order=order, actor=vendor, to=S.IN_PRODUCTION)
    order.refresh_from_db()
    assert order.status == S.IN_PRODUCTION
    assert not shop_order.payment_stages.filter(status="paid").exists()
