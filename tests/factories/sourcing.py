"""A buying unit, a category and approved vendors qualified for it, for sourcing tests."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from shop.sourcing import services
from shop.sourcing.services import LineSpec
from tests.factories.buyers import make_unit
from tests.factories.catalogue import CategoryFactory
from tests.factories.quotes import make_vendor, stocked_product
from tests.factories.vendors import make_application


@dataclass
class SourcingWorld:
    unit: object
    members: dict
    category: object
    vendors: list  # [(partner, user)]
    product: object

    @property
    def handler(self):
        return self.members["handler"].user

    @property
    def approver(self):
        return self.members["approver"].user


def sourcing_world(*, vendors: int = 4, org_type: str = "party_gov") -> SourcingWorld:
    """A unit (管理员, 经办人, 审批人, 财务) and ``vendors`` approved vendors whose 入驻 covers the
    category; the first lists a product in it."""
    unit, members = make_unit(
        roles_by_name={"handler": ["handler"], "approver": ["approver"], "finance": ["finance"]},
        org_type=org_type,
    )
    category = CategoryFactory(name="视频会议")
    pairs = []
    for i in range(vendors):
        partner, user = make_vendor(f"会议设备供应商{i + 1}")
        application = make_application(user=user, status="approved", partner=partner)
        application.categories.add(category)
        pairs.append((partner, user))
    product = stocked_product(
        vendors=[(pairs[0][0], "20000.00")], categories=[category], title="会议平板 86 寸"
    )
    return SourcingWorld(unit=unit, members=members, category=category, vendors=pairs, product=product)


def publish_inquiry(world: SourcingWorld, *, days: int = 7, invite: int = 3, now=None, **overrides):
    now = now or timezone.now()
    values = dict(
        actor=world.handler,
        mode="inquiry",
        title="会议室视频会议设备采购",
        category=world.category,
        lines=[
            LineSpec(title="会议平板 86 寸", quantity=2, unit="台", product=world.product),
            LineSpec(title="全向麦克风", quantity=4, unit="个", spec="拾音半径 ≥ 5 米"),
        ],
        delivery_place="长沙市岳麓区麓山南路 1 号",
        delivery_date=(now + timedelta(days=days + 30)).date(),
        deadline=now + timedelta(days=days),
        invited_partner_ids=[p.pk for p, _u in world.vendors[:invite]],
        now=now,
    )
    values.update(overrides)
    return services.sourcing_publish(**values)


def respond(event, vendor, *, prices, delivery_days=15, now=None):
    """``prices``: unit prices in line order (None leaves a line out)."""
    partner, user = vendor
    lines = list(event.lines.order_by("sequence"))
    return services.response_submit(
        event=event,
        actor=user,
        prices={line.pk: p for line, p in zip(lines, prices, strict=True)},
        delivery_days=delivery_days,
        now=now,
    )
