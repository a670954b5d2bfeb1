"""Supplier ratings: after 履约验收 the buying unit rates the supplier of an order once
(quality, delivery, service, 1–5 each, with a comment); anything else is refused in Chinese
and stores nothing."""

from decimal import Decimal

import pytest

from shop.core.exceptions import Conflict, Invalid, NotFound, PermissionDenied
from shop.credit import selectors, services
from shop.credit.models import SupplierRating
from tests.factories.credit import accept, credit_world, placed_order

pytestmark = pytest.mark.django_db


def give(w, order, actor=None, **scores):
    values = {"quality": 5, "delivery": 4, "service": 5, "comment": "按期交付，安装调试专业。"}
    values.update(scores)
    return services.rating_give(order=order, actor=actor or w.handler, **values)


def test_a_rating_before_acceptance_is_refused_and_nothing_is_stored():
    # given a paid order that was not delivered and accepted yet
    w = credit_world()
    order = placed_order(w)
    # when the 经办人 rates its supplier
    with pytest.raises(Conflict) as refused:
        give(w, order)
    # then it is refused in Chinese and no rating exists
    assert refused.value.message == "订单全部验收合格后才能评价供应商。"
    assert SupplierRating.objects.count() == 0


def test_after_acceptance_the_supplier_is_rated_once():
    # given an order accepted in full
    w = credit_world()
    order = placed_order(w)
    accept(w, order)
    # when the 经办人 rates the supplier
    rating = give(w, order, quality="5", delivery="3", service="4")
    # then the rating is stored with the unit, the rater and the scores
    stored = SupplierRating.objects.get()
    assert (stored.pk, stored.order_id, stored.partner_id, stored.unit_id, stored.rated_by_id) == (
        rating.pk,
        order.pk,
        w.partner.pk,
        w.unit.pk,
        w.handler.pk,
    )
    assert (stored.quality, stored.delivery, stored.service, stored.comment) == (
        5,
        3,
        4,
        "按期交付，安装调试专业。",
    )
    # when the unit's 管理员 rates it again
    with pytest.raises(Conflict) as refused:
        give(w, order, actor=w.admin, quality=1)
    # then the second rating is refused and the first one is unchanged
    assert refused.value.message == "本订单已评价过该供应商，每个订单只能评价一次。"
    assert list(SupplierRating.objects.values_list("quality", "delivery", "service")) == [(5, 3, 4)]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("quality", 0, "产品质量评分应为 1–5 分的整数。"),
        ("quality", 6, "产品质量评分应为 1–5 分的整数。"),
        ("delivery", "", "交付及时评分应为 1–5 分的整数。"),
        ("delivery", "4.5", "交付及时评分应为 1–5 分的整数。"),
        ("service", "五", "服务态度评分应为 1–5 分的整数。"),
        ("service", -1, "服务态度评分应为 1–5 分的整数。"),
    ],
)
def test_a_score_out_of_range_is_refused_in_chinese_and_stores_nothing(field, value, message):
    # given an accepted order
    w = credit_world()
    order = placed_order(w)
    accept(w, order)
    # when one score is not a whole number from 1 to 5
    with pytest.raises(Invalid) as refused:
        give(w, order, **{field: value})
    # then the refusal names the score and nothing is stored
    assert refused.value.message == message
    assert refused.value.fields == {field: [message]}
    assert SupplierRating.objects.count() == 0


def test_a_comment_over_500_characters_is_refused():
    w = credit_world()
    order = placed_order(w)
    accept(w, order)
    with pytest.raises(Invalid) as refused:
        give(w, order, comment="好" * 501)
    assert refused.value.message == "评价内容最多 500 个字。"
    assert SupplierRating.objects.count() == 0


def test_only_the_units_admin_and_handlers_rate_and_outsiders_do_not_see_the_order():
    # given an accepted order of the unit
    w = credit_world()
    order = placed_order(w)
    accept(w, order)
    # when the unit's 审批人 or 财务 rates it, then the role table refuses
    for member in (w.approver, w.finance):
        with pytest.raises(PermissionDenied) as refused:
            give(w, order, actor=member)
        assert refused.value.message == "只有本单位的管理员、经办人可以评价本单位订单的供应商。"
    # when the handler of another unit rates it, then the order does not exist for them
    other = credit_world(name="另一家供应商")
    with pytest.raises(NotFound):
        give(w, order, actor=other.handler)
    assert SupplierRating.objects.count() == 0


def test_averages_and_counts_per_supplier():
    # given three accepted orders of one supplier rated (5,4,3), (4,4,4) and (4,5,5)
    w = credit_world()
    for quality, delivery, service in [(5, 4, 3), (4, 4, 4), (4, 5, 5)]:
        order = placed_order(w)
        accept(w, order)
        give(w, order, quality=quality, delivery=delivery, service=service)
    # when the summary is read
    summary = selectors.rating_summary(partner_id=w.partner.pk)
    # then each average has one decimal (half up) and the count is three
    assert summary.count == 3
    assert (summary.quality, summary.delivery, summary.service) == (
        Decimal("4.3"),
        Decimal("4.3"),
        Decimal("4.0"),
    )
    assert summary.overall == Decimal("4.2")
    # and a supplier without ratings has a count of zero and no averages
    other = credit_world(name="新入驻供应商")
    assert selectors.rating_summary(partner_id=other.partner.pk) == selectors.EMPTY
