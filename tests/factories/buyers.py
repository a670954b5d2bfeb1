import factory

from shop.buyers.models import BuyingUnit, OrgType, UnitMember, UnitRole
from tests.factories.accounts import UserFactory
from tests.factories.vendors import make_uscc


class BuyingUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BuyingUnit

    org_name = factory.Sequence(lambda n: f"长沙市第{n}局")
    org_uscc = factory.LazyFunction(make_uscc)
    org_type = OrgType.PARTY_GOV
    province = "湖南省"
    city = "长沙市"
    county = "岳麓区"


class UnitMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitMember

    unit = factory.SubFactory(BuyingUnitFactory)
    user = factory.SubFactory(UserFactory)
    roles = factory.LazyFunction(lambda: [UnitRole.HANDLER.value])


def make_unit(*, roles_by_name: dict[str, list[str]] | None = None, **unit_kwargs):
    """A unit with an admin and the given extra members: returns (unit, {name: member})."""
    unit = BuyingUnitFactory(**unit_kwargs)
    members = {"admin": UnitMemberFactory(unit=unit, roles=[UnitRole.ADMIN.value, UnitRole.HANDLER.value])}
    for name, roles in (roles_by_name or {}).items():
        members[name] = UnitMemberFactory(unit=unit, roles=roles)
    return unit, members
